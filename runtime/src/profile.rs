//! Endpoint profiles: what `promptfn doctor` found a server to support, per model, so that the
//! first request of each model starts from what works instead of learning it one rejected
//! request at a time.
//!
//! The file is TOML:
//!
//! ```toml
//! base_url = "http://127.0.0.1:8088/v1"
//!
//! [models.smollm2]
//! mode = "json_object"      # json_schema | json_object | tool | prompt
//! media_style = "openai"    # openai | aggregator
//! token_limit_field = "max_tokens"   # or max_completion_tokens
//! stream_usage = false      # whether streams may ask for a usage chunk
//! ```
//!
//! Keys the runtime does not use (the doctor also records each feature it probed) are ignored,
//! so that profiles written by newer tools still load.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::media::MediaStyle;
use crate::structured::Mode;
use crate::wire::symbol;

/// The largest profile read: a profile lists a few keys per model, so anything bigger is not one.
const MAX_PROFILE_BYTES: u64 = 1024 * 1024;

/// What a profile says about each model, ready for the client.
#[derive(Debug, Default)]
pub(crate) struct Profile {
    /// The base URL the profile was probed at, if it says.
    pub(crate) base_url: Option<String>,
    /// The structured-output mode each model starts from.
    pub(crate) modes: HashMap<String, Mode>,
    /// How each model takes media.
    pub(crate) media_styles: HashMap<String, MediaStyle>,
    /// The models that take their token limit only as `max_completion_tokens`.
    pub(crate) completion_token_limit: HashSet<String>,
    /// The models whose streams must not ask for a usage chunk.
    pub(crate) no_stream_usage: HashSet<String>,
}

#[derive(Deserialize)]
struct ProfileFile {
    base_url: Option<String>,
    #[serde(default)]
    models: HashMap<String, ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    mode: Option<String>,
    media_style: Option<String>,
    token_limit_field: Option<String>,
    stream_usage: Option<bool>,
}

/// Read and check the profile at `path`.
pub(crate) fn load(path: &Path) -> Result<Profile> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| {
        Error::Config(format!(
            "the profile `{shown}` could not be opened ({e}); write one with \
             `promptfn doctor --profile-out {shown}`, or unset PROMPTFN_PROFILE"
        ))
    })?;
    let mut text = String::new();
    file.take(MAX_PROFILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| {
            Error::Config(format!(
                "the profile `{shown}` could not be read as UTF-8 text ({e})"
            ))
        })?;
    if text.len() as u64 > MAX_PROFILE_BYTES {
        return Err(Error::Config(format!(
            "the profile `{shown}` is larger than {MAX_PROFILE_BYTES} bytes: it is not a profile"
        )));
    }
    parse(&text).map_err(|reason| Error::Config(format!("the profile `{shown}` {reason}")))
}

/// The profile in `text`, or what is wrong with it (completing "the profile `path` …").
fn parse(text: &str) -> std::result::Result<Profile, String> {
    let file: ProfileFile =
        toml::from_str(text).map_err(|e| format!("is not a valid profile: {e}"))?;
    let mut profile = Profile {
        base_url: file.base_url,
        ..Profile::default()
    };
    for (model, entry) in file.models {
        if let Some(mode) = entry.mode {
            let mode = mode
                .parse::<Mode>()
                .map_err(|e| format!("gives model `{model}` a bad mode: {e}"))?;
            profile.modes.insert(model.clone(), mode);
        }
        match entry.token_limit_field.as_deref() {
            None | Some(symbol::MAX_TOKENS) => {}
            Some(symbol::MAX_COMPLETION_TOKENS) => {
                profile.completion_token_limit.insert(model.clone());
            }
            Some(other) => {
                return Err(format!(
                    "gives model `{model}` an unknown token_limit_field `{other}`: expected \
                     {} or {}",
                    symbol::MAX_TOKENS,
                    symbol::MAX_COMPLETION_TOKENS
                ));
            }
        }
        if entry.stream_usage == Some(false) {
            profile.no_stream_usage.insert(model.clone());
        }
        if let Some(style) = entry.media_style {
            let style = parse_media_style(&style).ok_or_else(|| {
                format!(
                    "gives model `{model}` an unknown media_style `{style}`: expected openai or \
                     aggregator"
                )
            })?;
            profile.media_styles.insert(model, style);
        }
    }
    Ok(profile)
}

/// A media style as profiles spell it.
fn parse_media_style(name: &str) -> Option<MediaStyle> {
    match name {
        "openai" => Some(MediaStyle::OpenAi),
        "aggregator" => Some(MediaStyle::Aggregator),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_limit_field_and_stream_usage_are_read_per_model() {
        let profile = parse(
            r#"
            [models.o3]
            token_limit_field = "max_completion_tokens"
            stream_usage = false
            [models.smollm2]
            token_limit_field = "max_tokens"
            stream_usage = true
            "#,
        )
        .unwrap();
        assert!(profile.completion_token_limit.contains("o3"));
        assert!(!profile.completion_token_limit.contains("smollm2"));
        assert!(profile.no_stream_usage.contains("o3"));
        assert!(!profile.no_stream_usage.contains("smollm2"));
        let bad = parse("[models.m]\ntoken_limit_field = \"max_len\"\n").unwrap_err();
        assert!(bad.contains("max_completion_tokens"), "{bad}");
    }

    #[test]
    fn models_get_their_mode_and_media_style() {
        let profile = parse(
            r#"
            base_url = "http://127.0.0.1:9/v1"
            [models.smollm2]
            mode = "json_object"
            media_style = "openai"
            [models.smollm2.features]
            json_schema = "unsupported"
            [models."google/gemini-2.0-flash"]
            media_style = "aggregator"
            "#,
        )
        .unwrap();
        assert_eq!(profile.base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(profile.modes.get("smollm2"), Some(&Mode::JsonObject));
        assert_eq!(profile.modes.len(), 1);
        assert_eq!(
            profile.media_styles.get("google/gemini-2.0-flash"),
            Some(&MediaStyle::Aggregator)
        );
        assert_eq!(
            profile.media_styles.get("smollm2"),
            Some(&MediaStyle::OpenAi)
        );
    }

    #[test]
    fn bad_profiles_say_what_is_wrong() {
        let bad_mode = parse("[models.m]\nmode = \"grammar\"").unwrap_err();
        assert!(
            bad_mode.contains("`m`") && bad_mode.contains("json_object"),
            "{bad_mode}"
        );
        let bad_style = parse("[models.m]\nmedia_style = \"x\"").unwrap_err();
        assert!(bad_style.contains("aggregator"), "{bad_style}");
        assert!(
            parse("models = 3")
                .unwrap_err()
                .contains("not a valid profile")
        );
        assert!(parse("").unwrap().modes.is_empty());
    }

    #[test]
    fn missing_and_oversized_files_are_config_errors() {
        let missing = load(Path::new("/nonexistent/promptfn-profile.toml")).unwrap_err();
        assert!(
            matches!(&missing, Error::Config(m) if m.contains("promptfn doctor")),
            "{missing}"
        );
        let dir = std::env::temp_dir().join(format!("promptfn-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.toml");
        std::fs::write(&big, vec![b'#'; MAX_PROFILE_BYTES as usize + 10]).unwrap();
        let err = load(&big).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
