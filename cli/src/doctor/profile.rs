//! The profile file: where each model's first request starts, in the TOML the runtime loads
//! (`runtime/src/profile.rs` reads `mode` and `media_style`; the rest is for people and tools).

use std::collections::BTreeMap;

use serde::Serialize;

use super::findings::Findings;

#[derive(Serialize)]
struct ProfileFile<'a> {
    base_url: &'a str,
    models: BTreeMap<&'a str, ModelEntry<'a>>,
}

#[derive(Serialize)]
struct ModelEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_style: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_limit_field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_usage: Option<bool>,
    /// Every probed feature and its status.
    features: BTreeMap<&'a str, &'a str>,
}

/// The profile of `findings`, as TOML.
pub fn to_toml(findings: &Findings) -> Result<String, String> {
    let models = findings
        .models
        .iter()
        .map(|model| {
            let start = model.starting_point();
            let entry = ModelEntry {
                mode: start.mode,
                media_style: start.media_style,
                token_limit_field: start.token_limit_field,
                stream_usage: start.stream_usage,
                features: model
                    .outcomes
                    .iter()
                    .map(|(feature, outcome)| (*feature, outcome.status.as_str()))
                    .collect(),
            };
            (model.model.as_str(), entry)
        })
        .collect();
    let file = ProfileFile {
        base_url: &findings.base_url,
        models,
    };
    let body =
        toml::to_string(&file).map_err(|e| format!("the profile could not be written: {e}"))?;
    Ok(format!(
        "# Written by `promptfn doctor`. Load it with Client::builder().profile(path) or\n\
         # PROMPTFN_PROFILE=path: each model's first request starts from its mode and media style.\n\n\
         {body}"
    ))
}
