//! The tools of one call: their definitions compiled once for the target's schema dialect,
//! and the schemas their arguments are decoded against.

use serde_json::{Value, json};

use super::Tool;
use crate::error::{Error, Result};
use crate::schema::{self, Dialect};
use crate::structured::{ANSWER_TOOL, Family, Mode};

/// The tools offered in one call.
#[derive(Debug)]
pub(crate) struct ToolBox {
    entries: Vec<Entry>,
    /// The `tools` array entries, in the order the tools were given.
    definitions: Vec<Value>,
}

#[derive(Debug)]
struct Entry {
    tool: Tool,
    /// The parameter schema as declared: what arguments are decoded against.
    schema: Value,
}

impl ToolBox {
    /// Compile `tools` for `family`; `None` when there are none.
    pub(crate) fn new(tools: &[Tool], family: Family) -> Result<Option<Self>> {
        if tools.is_empty() {
            return Ok(None);
        }
        let dialect = family.dialect(Mode::Tool);
        let mut entries: Vec<Entry> = Vec::with_capacity(tools.len());
        let mut definitions = Vec::with_capacity(tools.len());
        for tool in tools {
            let name = tool.name();
            if name == ANSWER_TOOL {
                return Err(Error::Config(format!(
                    "a tool is named `{ANSWER_TOOL}`, the name promptfn gives the structured \
                     answer in `Tool` mode: rename the tool"
                )));
            }
            if entries.iter().any(|e| e.tool.name() == name) {
                return Err(Error::Config(format!(
                    "two tools are named `{name}`: the model could not tell them apart; \
                     give the call each tool once"
                )));
            }
            let schema = tool.parameters();
            let compiled = schema::compile_with_name(&schema, dialect, name)
                .map_err(|e| Error::Schema(format!("the parameters of tool `{name}`: {e}")))?;
            let mut function = json!({
                "name": name,
                "description": tool.description(),
                "parameters": compiled.schema,
            });
            if dialect == Dialect::OpenAiStrict {
                function["strict"] = Value::Bool(true);
            }
            definitions.push(json!({"type": "function", "function": function}));
            entries.push(Entry {
                tool: tool.clone(),
                schema,
            });
        }
        Ok(Some(Self {
            entries,
            definitions,
        }))
    }

    /// The `tools` array entries.
    pub(crate) fn definitions(&self) -> &[Value] {
        &self.definitions
    }

    /// The tool named `name` and the schema its arguments are read against.
    pub(crate) fn find(&self, name: &str) -> Option<(&Tool, &Value)> {
        self.entries
            .iter()
            .find(|e| e.tool.name() == name)
            .map(|e| (&e.tool, &e.schema))
    }

    /// The tools' names, for messages: "`a`, `b`".
    pub(crate) fn names(&self) -> String {
        self.entries
            .iter()
            .map(|e| format!("`{}`", e.tool.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
