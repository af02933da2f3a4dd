//! The chat-completions request fields of a structured-output mode (`response_format`, the
//! forced `answer` tool, the instruction for the prompt), built once per (return type, mode,
//! schema dialect) and cached beside the output plan.

use serde_json::{Value, json};

use super::symbol;
use crate::error::{Error, Result};
use crate::schema::{CompiledSchema, SchemaDialect};
use crate::structured::{ANSWER_TOOL, Mode, schema_instruction};

/// What a structured-output mode adds to a request; built once per (function, mode, dialect).
#[derive(Debug)]
pub(crate) struct ModeWire {
    pub(crate) response_format: Option<Value>,
    pub(crate) tools: Option<Value>,
    pub(crate) tool_choice: Option<Value>,
    pub(crate) instruction: Option<String>,
    /// The three fields above as they go on the wire (`,"response_format":{…}`), encoded once so
    /// that no request re-serializes the schema.
    pub(crate) encoded: Vec<u8>,
}

impl ModeWire {
    pub(crate) fn build(
        compiled: &CompiledSchema,
        mode: Mode,
        dialect: SchemaDialect,
    ) -> Result<Self> {
        let mut wire = Self::describe(compiled, mode, dialect)?;
        wire.encoded = wire.encode_fields()?;
        Ok(wire)
    }

    fn encode_fields(&self) -> Result<Vec<u8>> {
        let mut encoded = Vec::new();
        for (name, value) in [
            (symbol::RESPONSE_FORMAT, &self.response_format),
            (symbol::TOOLS, &self.tools),
            (symbol::TOOL_CHOICE, &self.tool_choice),
        ] {
            if let Some(value) = value {
                symbol::write_key(&mut encoded, name);
                serde_json::to_writer(&mut encoded, value).map_err(|e| {
                    Error::Schema(format!("the `{name}` field could not be written: {e}"))
                })?;
            }
        }
        Ok(encoded)
    }

    fn describe(compiled: &CompiledSchema, mode: Mode, dialect: SchemaDialect) -> Result<Self> {
        let strict = dialect == SchemaDialect::OpenAiStrict;
        Ok(match mode {
            Mode::JsonSchema => {
                let mut spec = json!({"name": compiled.name, "schema": compiled.schema});
                if strict {
                    spec["strict"] = Value::Bool(true);
                }
                Self {
                    response_format: Some(json!({"type": "json_schema", "json_schema": spec})),
                    tools: None,
                    tool_choice: None,
                    instruction: None,
                    encoded: Vec::new(),
                }
            }
            Mode::JsonObject => Self {
                response_format: Some(json!({"type": "json_object", "schema": compiled.schema})),
                tools: None,
                tool_choice: None,
                instruction: Some(schema_instruction(&compiled.schema)),
                encoded: Vec::new(),
            },
            Mode::Tool => {
                let mut function = json!({
                    "name": ANSWER_TOOL,
                    "description": "Give your answer by calling this function with it as the arguments.",
                    "parameters": compiled.schema,
                });
                if strict {
                    function["strict"] = Value::Bool(true);
                }
                Self {
                    response_format: None,
                    tools: Some(json!([{"type": "function", "function": function}])),
                    tool_choice: Some(
                        json!({"type": "function", "function": {"name": ANSWER_TOOL}}),
                    ),
                    instruction: None,
                    encoded: Vec::new(),
                }
            }
            Mode::Prompt => Self {
                response_format: None,
                tools: None,
                tool_choice: None,
                instruction: Some(schema_instruction(&compiled.schema)),
                encoded: Vec::new(),
            },
        })
    }
}
