//! `tool_choice`: whether the model may, must or must not call tools, or which one.

use std::fmt;

use crate::structured::ANSWER_TOOL;
use crate::wire::dialect::ToolDemand;

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

    /// What request `step` demands. With the structured-output `answer` tool also on offer
    /// (`Tool` mode), the model must call a function: a user tool or `answer`.
    pub(crate) fn demand(
        choice: Option<&Self>,
        step: u32,
        answer_tool: bool,
    ) -> Option<ToolDemand<'_>> {
        let choice = choice.map(|c| c.at_step(step));
        if answer_tool {
            return Some(match choice {
                None | Some(Self::Auto | Self::Required) => ToolDemand::Required,
                Some(Self::None) => ToolDemand::Function(ANSWER_TOOL),
                Some(Self::Function(name)) => ToolDemand::Function(name),
            });
        }
        choice.map(|choice| match choice {
            Self::Auto => ToolDemand::Auto,
            Self::Required => ToolDemand::Required,
            Self::None => ToolDemand::None,
            Self::Function(name) => ToolDemand::Function(name),
        })
    }
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
    fn plain_choices_map_to_demands_and_unset_demands_nothing() {
        assert_eq!(ToolChoice::demand(None, 0, false), None);
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::Auto), 3, false),
            Some(ToolDemand::Auto)
        );
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::None), 0, false),
            Some(ToolDemand::None)
        );
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::function("f")), 0, false),
            Some(ToolDemand::Function("f"))
        );
    }

    #[test]
    fn forcing_choices_are_lifted_after_the_first_round() {
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::Required), 0, false),
            Some(ToolDemand::Required)
        );
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::Required), 1, false),
            Some(ToolDemand::Auto)
        );
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::function("f")), 1, false),
            Some(ToolDemand::Auto)
        );
    }

    #[test]
    fn with_the_answer_tool_some_function_must_be_called() {
        assert_eq!(
            ToolChoice::demand(None, 0, true),
            Some(ToolDemand::Required)
        );
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::None), 0, true),
            Some(ToolDemand::Function("answer"))
        );
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::function("f")), 0, true),
            Some(ToolDemand::Function("f"))
        );
        assert_eq!(
            ToolChoice::demand(Some(&ToolChoice::function("f")), 1, true),
            Some(ToolDemand::Required)
        );
    }
}
