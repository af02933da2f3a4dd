//! `tool_choice`: whether the model may, must or must not call tools, or which one.

use std::fmt;

use serde_json::{Value, json};

use crate::structured::ANSWER_TOOL;

/// Whether and which tools the model must call.
///
/// A forcing choice ([`Required`](Self::Required), [`Function`](Self::Function)) applies to the
/// first request of a call only; the requests after a round of tool calls use `auto`, so the
/// model can answer with what the tools returned instead of calling them forever.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ToolChoice {
    /// The model decides (`"auto"`).
    Auto,
    /// The model must call some tool (`"required"`).
    Required,
    /// The model must not call tools (`"none"`); they are still described.
    None,
    /// The model must call this tool.
    Function(String),
}

impl ToolChoice {
    /// Force the tool named `name`.
    pub fn function(name: impl Into<String>) -> Self {
        Self::Function(name.into())
    }

    /// The choice for request `step` (0 for the first): forcing choices are lifted after the
    /// first round of tool calls.
    fn at_step(&self, step: u32) -> &Self {
        match self {
            Self::Required | Self::Function(_) if step > 0 => &Self::Auto,
            other => other,
        }
    }

    /// `tool_choice` for request `step`. With the structured-output `answer` tool also on
    /// offer (`Tool` mode), the model must call a function: a user tool or `answer`.
    pub(crate) fn wire(choice: Option<&Self>, step: u32, answer_tool: bool) -> Option<Value> {
        let choice = choice.map(|c| c.at_step(step));
        if answer_tool {
            return Some(match choice {
                None | Some(Self::Auto | Self::Required) => json!("required"),
                Some(Self::None) => named(ANSWER_TOOL),
                Some(Self::Function(name)) => named(name),
            });
        }
        choice.map(|choice| match choice {
            Self::Auto => json!("auto"),
            Self::Required => json!("required"),
            Self::None => json!("none"),
            Self::Function(name) => named(name),
        })
    }
}

fn named(name: &str) -> Value {
    json!({"type": "function", "function": {"name": name}})
}

impl fmt::Display for ToolChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Required => f.write_str("required"),
            Self::None => f.write_str("none"),
            Self::Function(name) => write!(f, "function `{name}`"),
        }
    }
}

/// `tool_choice` as `#[prompt(tool_choice = "…")]` declares it: no destructor, so it can sit in
/// the function's `static` (generated code only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceDecl {
    /// `"auto"`.
    Auto,
    /// `"required"`.
    Required,
    /// `"none"`.
    None,
    /// The name of one of the declared tools.
    Function(&'static str),
}

impl From<ChoiceDecl> for ToolChoice {
    fn from(decl: ChoiceDecl) -> Self {
        match decl {
            ChoiceDecl::Auto => Self::Auto,
            ChoiceDecl::Required => Self::Required,
            ChoiceDecl::None => Self::None,
            ChoiceDecl::Function(name) => Self::function(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_choices_map_to_the_wire_and_unset_sends_nothing() {
        assert_eq!(ToolChoice::wire(None, 0, false), None);
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::Auto), 3, false),
            Some(json!("auto"))
        );
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::None), 0, false),
            Some(json!("none"))
        );
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::function("f")), 0, false),
            Some(json!({"type": "function", "function": {"name": "f"}}))
        );
    }

    #[test]
    fn forcing_choices_are_lifted_after_the_first_round() {
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::Required), 0, false),
            Some(json!("required"))
        );
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::Required), 1, false),
            Some(json!("auto"))
        );
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::function("f")), 1, false),
            Some(json!("auto"))
        );
    }

    #[test]
    fn with_the_answer_tool_some_function_must_be_called() {
        assert_eq!(ToolChoice::wire(None, 0, true), Some(json!("required")));
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::None), 0, true),
            Some(json!({"type": "function", "function": {"name": "answer"}}))
        );
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::function("f")), 0, true),
            Some(json!({"type": "function", "function": {"name": "f"}}))
        );
        assert_eq!(
            ToolChoice::wire(Some(&ToolChoice::function("f")), 1, true),
            Some(json!("required"))
        );
    }
}
