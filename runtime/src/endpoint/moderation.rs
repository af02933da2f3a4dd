//! `POST /moderations`: `-> Result<Moderation>`, whether the rendered prompt is flagged and for
//! which categories.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable_of, common_settings, response};
use crate::error::{Error, Result, excerpt};
use crate::response::Response;

/// The model the endpoint uses when none is named (OpenAI's default).
const DEFAULT_MODERATION_MODEL: &str = "omni-moderation-latest";

/// What the moderation model thinks of a text.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Moderation {
    /// Whether any category is flagged.
    pub flagged: bool,
    /// Each category (`hate`, `violence`, `self-harm/intent`…) and whether it is flagged.
    pub categories: BTreeMap<String, bool>,
    /// Each category's score, from 0 to 1.
    pub scores: BTreeMap<String, f64>,
}

impl Moderation {
    /// The flagged categories, in name order.
    pub fn flagged_categories(&self) -> impl Iterator<Item = &str> {
        self.categories
            .iter()
            .filter(|(_, flagged)| **flagged)
            .map(|(name, _)| name.as_str())
    }
}

/// The call of a function returning [`Moderation`]. Await it for the verdict.
#[must_use = "a moderation call does nothing until it is awaited"]
#[derive(Debug)]
pub struct ModerationCall {
    common: Common,
}

impl ModerationCall {
    pub(crate) fn new(mut common: Common) -> Self {
        common.default_model = Some(DEFAULT_MODERATION_MODEL);
        Self { common }
    }

    common_settings!(common);

    /// The text this call classifies.
    pub fn input(&self) -> String {
        self.common.prompt_text()
    }

    /// Await the verdict with the metadata.
    pub fn with_meta(self) -> ModerationWithMeta {
        ModerationWithMeta(self)
    }

    /// The body this call would send, without sending it.
    pub fn request(&self) -> Result<Value> {
        let client = self.common.resolve_client()?;
        let model = self.common.resolve_model(&client)?;
        Ok(self.body(&model))
    }

    fn body(&self, model: &str) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        body.insert("input".into(), json!(self.common.prompt_text()));
        Value::Object(body)
    }

    async fn run(self) -> Result<Response<Moderation>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                let body = this.body(&model);
                let (answer, raw): (ModerationAnswer, String) = this
                    .common
                    .exchange_json(&client, "moderations", &body)
                    .await?;
                let result = answer
                    .results
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::Protocol {
                        reason: "the moderation answer has no result".into(),
                        raw: excerpt(&raw),
                    })?;
                let moderation = Moderation {
                    flagged: result.flagged,
                    categories: result.categories,
                    scores: result.category_scores,
                };
                Ok(response(
                    moderation,
                    answer.model.or(Some(model)),
                    None,
                    raw,
                    1,
                ))
            })
            .await
    }
}

awaitable_of!(ModerationCall => Moderation, ModerationWithMeta);

/// OpenAI's `CreateModerationResponse`.
#[derive(Deserialize)]
struct ModerationAnswer {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    results: Vec<ModerationResult>,
}

#[derive(Deserialize)]
struct ModerationResult {
    #[serde(default)]
    flagged: bool,
    #[serde(default)]
    categories: BTreeMap<String, bool>,
    #[serde(default)]
    category_scores: BTreeMap<String, f64>,
}
