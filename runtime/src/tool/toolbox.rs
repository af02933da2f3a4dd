//! The tools of one call: their definitions compiled once for the target's schema dialect,
//! and the schemas their arguments are decoded against.

use serde_json::Value;

use super::Tool;
use crate::error::{Error, Result};
use crate::model_family::ModelFamily;
use crate::schema::{self, SchemaDialect};
use crate::structured::{ANSWER_TOOL, Mode};

/// The tools offered in one call.
#[derive(Debug)]
pub(crate) struct ToolBox {
    entries: Vec<Entry>,
    /// What each dialect writes in its tool list, in the order the tools were given.
    specs: Vec<ToolSpec>,
}

/// One tool as a request offers it, its parameters compiled for the target's schema dialect.
#[derive(Debug)]
pub(crate) struct ToolSpec {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) parameters: Value,
    /// The target checks arguments against `parameters` strictly (OpenAI's `strict`).
    pub(crate) strict: bool,
}

#[derive(Debug)]
struct Entry {
    tool: Tool,
    /// The parameter schema as declared: what arguments are decoded against.
    schema: Value,
}

impl ToolBox {
    /// Compile `tools` for `family`; `None` when there are none.
    pub(crate) fn new(tools: &[Tool], family: ModelFamily) -> Result<Option<Self>> {
        if tools.is_empty() {
            return Ok(None);
        }
        let dialect = family.dialect(Mode::Tool);
        let mut entries: Vec<Entry> = Vec::with_capacity(tools.len());
        let mut specs = Vec::with_capacity(tools.len());
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
            specs.push(ToolSpec {
                name,
                description: tool.description(),
                parameters: compiled.schema,
                strict: dialect == SchemaDialect::OpenAiStrict,
            });
            entries.push(Entry {
                tool: tool.clone(),
                schema,
            });
        }
        Ok(Some(Self { entries, specs }))
    }

    /// The tools as requests offer them.
    pub(crate) fn specs(&self) -> &[ToolSpec] {
        &self.specs
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
