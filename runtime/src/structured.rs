//! Structured-output modes: how a typed answer is asked for, and how to fall back when a server
//! does not support the way we asked.

use std::fmt;
use std::str::FromStr;

/// How a structured (typed) answer is requested from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// `response_format: {"type": "json_schema", …}`: the server constrains the output to the schema.
    JsonSchema,
    /// `response_format: {"type": "json_object", "schema": …}` plus the schema in the prompt.
    JsonObject,
    /// A forced function call whose arguments are the answer.
    ///
    /// A server that ignores the forced tool and answers without a value (llama-server,
    /// chat templates that drop the tools) gets the request again in `JsonSchema`, else
    /// `JsonObject`, else `Prompt`: the first that the server has not rejected and that the
    /// ladder does not skip for the model. Tool mode is not asked for again in that call.
    Tool,
    /// The schema in the prompt only; the tolerant decoder does the rest.
    Prompt,
}

impl Mode {
    /// Every mode, strongest first: the order the fallback ladder steps down.
    pub const LADDER: [Mode; 4] = [Mode::JsonSchema, Mode::JsonObject, Mode::Tool, Mode::Prompt];

    /// The mode's name as written in `#[prompt(mode = "…")]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JsonSchema => "json_schema",
            Self::JsonObject => "json_object",
            Self::Tool => "tool",
            Self::Prompt => "prompt",
        }
    }

    /// The next mode down the ladder, if any.
    pub fn step_down(self) -> Option<Mode> {
        match self {
            Self::JsonSchema => Some(Self::JsonObject),
            Self::JsonObject => Some(Self::Tool),
            Self::Tool => Some(Self::Prompt),
            Self::Prompt => None,
        }
    }

    /// Whether an error answer shows that the server does not support this mode: a 4xx/5xx whose
    /// body names a request field the mode relies on (in any dialect).
    pub(crate) fn rejected_by(self, status: u16, body: &str) -> bool {
        if !(400..600).contains(&status) || matches!(status, 401 | 403 | 404 | 408 | 429) {
            return false;
        }
        crate::wire::rejection::names_a_field_of(self, &body.to_ascii_lowercase())
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "json_schema" => Self::JsonSchema,
            "json_object" => Self::JsonObject,
            "tool" => Self::Tool,
            "prompt" => Self::Prompt,
            other => {
                return Err(format!(
                    "unknown mode `{other}`: expected one of json_schema, json_object, tool, prompt"
                ));
            }
        })
    }
}

/// The instruction that carries the answer's shape in the prompt (`JsonObject` and `Prompt`
/// modes): the shape of the JSON, which models follow, rather than the schema, which small
/// models echo back.
pub(crate) fn schema_instruction(schema: &serde_json::Value) -> String {
    format!("{SCHEMA_INSTRUCTION_LEAD}{}", crate::shape::render(schema))
}

/// The start of [`schema_instruction`]; the shape follows it.
pub(crate) const SCHEMA_INSTRUCTION_LEAD: &str =
    "\n\nAnswer with JSON only, no prose and no code fences, in this shape:\n";

/// The name of the forced tool in `Tool` mode.
pub(crate) const ANSWER_TOOL: &str = "answer";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_step_down() {
        for m in Mode::LADDER {
            assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
        }
        assert!("xml".parse::<Mode>().unwrap_err().contains("json_schema"));
        assert_eq!(Mode::JsonSchema.step_down(), Some(Mode::JsonObject));
        assert_eq!(Mode::Prompt.step_down(), None);
    }

    #[test]
    fn rejection_needs_an_error_status_naming_the_feature() {
        let llama = r#"{"error":{"message":"1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should be 'text' or 'json_object'","type":"internal_server_error"}}"#;
        assert!(Mode::JsonSchema.rejected_by(500, llama));
        assert!(!Mode::JsonSchema.rejected_by(200, llama));
        assert!(!Mode::JsonSchema.rejected_by(429, llama));
        assert!(!Mode::JsonSchema.rejected_by(500, "upstream overloaded"));
        assert!(Mode::Tool.rejected_by(400, "tool_choice=required is not supported"));
        assert!(!Mode::Prompt.rejected_by(400, "anything"));
        let gemini = r#"{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"response_json_schema\" at 'generation_config': Cannot find field.","status":"INVALID_ARGUMENT"}}"#;
        assert!(Mode::JsonSchema.rejected_by(400, gemini));
        let with_tools = r#"{"error":{"code":400,"message":"Function calling with a response mime type: 'application/json' is unsupported","status":"INVALID_ARGUMENT"}}"#;
        assert!(Mode::JsonSchema.rejected_by(400, with_tools));
        assert!(Mode::JsonObject.rejected_by(400, with_tools));
    }
}
