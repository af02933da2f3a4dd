//! Model families behind one OpenAI-compatible URL, told apart by the model name: what decides a
//! call's default structured-output mode, the schema dialect its mode is written in, and how its
//! media are sent.

use crate::schema::SchemaDialect;
use crate::structured::Mode;

/// The vendor family of a model, as its name shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModelFamily {
    OpenAi,
    Claude,
    Gemini,
    Other,
}

impl ModelFamily {
    pub(crate) fn of(model: &str) -> Self {
        // Aggregators prefix vendors ("openai/gpt-4o", "google/gemini-2.0-flash"): look at the last segment.
        // A byte search: `/` is ASCII, so the position is a char boundary (`rsplit` with a char
        // pattern costs several times as much on every call).
        let name = match model.bytes().rposition(|b| b == b'/') {
            Some(slash) => &model[slash + 1..],
            None => model,
        };
        // Compared in place, case-insensitively: this runs on every call and allocates nothing.
        let starts = |prefix: &str| {
            name.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        let o_series = starts("o") && name[1..].starts_with(|c: char| c.is_ascii_digit());
        if starts("gpt-") || starts("chatgpt") || o_series {
            Self::OpenAi
        } else if starts("claude") {
            Self::Claude
        } else if starts("gemini") || starts("gemma") {
            Self::Gemini
        } else {
            Self::Other
        }
    }

    /// The mode that works best for the family: Claude behind an OpenAI-compatible URL ignores
    /// `response_format` (<https://docs.anthropic.com/en/api/openai-sdk>), so its typed answers
    /// come through a forced tool call.
    pub(crate) fn default_mode(self) -> Mode {
        match self {
            Self::Claude => Mode::Tool,
            Self::OpenAi | Self::Gemini | Self::Other => Mode::JsonSchema,
        }
    }

    /// The schema dialect the family's `json_schema`/tool parameters accept.
    pub(crate) fn dialect(self, mode: Mode) -> SchemaDialect {
        match (self, mode) {
            (Self::Gemini, _) => SchemaDialect::Gemini,
            (Self::OpenAi, Mode::JsonSchema | Mode::Tool) => SchemaDialect::OpenAiStrict,
            (Self::Other, Mode::JsonSchema) => SchemaDialect::OpenAiStrict,
            _ => SchemaDialect::JsonSchema,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_model_name() {
        assert_eq!(ModelFamily::of("gpt-4o-mini"), ModelFamily::OpenAi);
        assert_eq!(ModelFamily::of("o3-mini"), ModelFamily::OpenAi);
        assert_eq!(ModelFamily::of("openai/gpt-4.1"), ModelFamily::OpenAi);
        assert_eq!(
            ModelFamily::of("claude-3-5-sonnet-latest"),
            ModelFamily::Claude
        );
        assert_eq!(
            ModelFamily::of("google/gemini-2.0-flash"),
            ModelFamily::Gemini
        );
        assert_eq!(ModelFamily::of("smollm2"), ModelFamily::Other);
        assert_eq!(ModelFamily::of("ollama"), ModelFamily::Other);
        assert_eq!(ModelFamily::of("OpenAI/GPT-4o"), ModelFamily::OpenAi);
        assert_eq!(ModelFamily::of("O1"), ModelFamily::OpenAi);
        assert_eq!(ModelFamily::of("Claude-Sonnet-4"), ModelFamily::Claude);
        assert_eq!(ModelFamily::of("é"), ModelFamily::Other);
        assert_eq!(ModelFamily::of(""), ModelFamily::Other);
        assert_eq!(ModelFamily::Claude.default_mode(), Mode::Tool);
        assert_eq!(
            ModelFamily::Gemini.dialect(Mode::JsonSchema),
            SchemaDialect::Gemini
        );
    }
}
