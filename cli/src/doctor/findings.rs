//! What the probes found for each model, and what a client should start from.

use super::status::{Outcome, Status};
use promptfn::__private::wire_keys;

/// The findings for one model, in probe order.
#[derive(Debug)]
pub struct ModelFindings {
    pub model: String,
    pub outcomes: Vec<(&'static str, Outcome)>,
}

/// The findings for every model at one base URL.
#[derive(Debug)]
pub struct Findings {
    pub base_url: String,
    pub models: Vec<ModelFindings>,
}

/// Where a client's first request to a model should start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartingPoint {
    /// The structured-output mode (as `promptfn::Mode` spells it).
    pub mode: Option<&'static str>,
    /// How media parts are written (`openai` or `aggregator`).
    pub media_style: Option<&'static str>,
    /// The token-limit field the model honours.
    pub token_limit_field: Option<&'static str>,
    /// Whether a stream ends with its usage when asked.
    pub stream_usage: Option<bool>,
}

impl ModelFindings {
    pub fn status(&self, feature: &str) -> Option<Status> {
        self.outcomes
            .iter()
            .find(|(name, _)| *name == feature)
            .map(|(_, outcome)| outcome.status)
    }

    fn supports(&self, feature: &str) -> bool {
        self.status(feature) == Some(Status::Supported)
    }

    pub fn tokens(&self) -> u64 {
        self.outcomes.iter().map(|(_, o)| o.tokens).sum()
    }

    /// The strongest structured-output mode that was honoured, down to the schema in the
    /// prompt (which needs only plain text); media written the way the model took them.
    pub fn starting_point(&self) -> StartingPoint {
        let mode = if self.supports("json_schema") {
            Some("json_schema")
        } else if self.supports("json_object") {
            Some("json_object")
        } else if self.supports("tool_choice_required") {
            Some("tool")
        } else if self.supports("text") {
            Some("prompt")
        } else {
            None
        };
        let media_style = if self.supports("audio_input_audio") || self.supports("pdf_file") {
            Some("openai")
        } else if self.supports("audio_image_url") || self.supports("pdf_image_url") {
            Some("aggregator")
        } else {
            None
        };
        let token_limit_field = [wire_keys::MAX_TOKENS, wire_keys::MAX_COMPLETION_TOKENS]
            .into_iter()
            .find(|field| self.supports(field));
        let stream_usage = match self.status("stream_usage") {
            Some(Status::Supported) => Some(true),
            Some(Status::Ignored | Status::Unsupported) => Some(false),
            Some(Status::Unknown) | None => None,
        };
        StartingPoint {
            mode,
            media_style,
            token_limit_field,
            stream_usage,
        }
    }

    /// Whether typed calls work: some structured-output mode does.
    pub fn serves_typed_calls(&self) -> bool {
        self.starting_point().mode.is_some()
    }
}

impl Findings {
    pub fn serve_typed_calls(&self) -> bool {
        self.models.iter().all(ModelFindings::serves_typed_calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(statuses: &[(&'static str, Status)]) -> ModelFindings {
        ModelFindings {
            model: "m".into(),
            outcomes: statuses
                .iter()
                .map(|(f, s)| (*f, Outcome::new(*s, "")))
                .collect(),
        }
    }

    #[test]
    fn the_strongest_honoured_mode_is_chosen() {
        use Status::*;
        let llama = findings(&[
            ("text", Supported),
            ("json_schema", Unsupported),
            ("json_object", Supported),
            ("audio_input_audio", Unsupported),
            ("stream_usage", Ignored),
        ]);
        let start = llama.starting_point();
        assert_eq!(start.mode, Some("json_object"));
        assert_eq!(start.media_style, None);
        assert_eq!(start.stream_usage, Some(false));
        let proxy = findings(&[
            ("text", Supported),
            ("json_schema", Ignored),
            ("json_object", Ignored),
            ("tool_choice_required", Supported),
            ("audio_image_url", Supported),
            ("max_completion_tokens", Supported),
        ]);
        let start = proxy.starting_point();
        assert_eq!(start.mode, Some("tool"));
        assert_eq!(start.media_style, Some("aggregator"));
        assert_eq!(start.token_limit_field, Some("max_completion_tokens"));
        assert!(!findings(&[("text", Unknown)]).serves_typed_calls());
    }
}
