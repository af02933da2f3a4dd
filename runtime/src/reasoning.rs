//! The one reasoning setting (`#[prompt(reasoning = "…")]`, [`Call::reasoning`](crate::Call::reasoning)),
//! which each dialect maps onto its own: Anthropic's thinking budget, Gemini's `thinkingConfig`,
//! the Responses `reasoning.effort`, chat-completions `reasoning_effort`.

use serde::{Deserialize, Serialize};

/// How much the model reasons before it answers, on models that reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Reasoning {
    /// A little reasoning: faster and cheaper.
    Low,
    /// The providers' usual default.
    Medium,
    /// Thorough reasoning: slower and dearer.
    High,
}

impl Reasoning {
    /// The setting as the attribute spells it, and as OpenAI's `reasoning_effort` and
    /// `reasoning.effort` take it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl Reasoning {
    /// The level as a thinking budget in tokens, for the dialects that take one (Anthropic
    /// `thinking.budget_tokens`, whose minimum is 1024,
    /// <https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking>; Gemini 2.5
    /// `thinkingBudget`, 128 to 32768 on Pro and up to 24576 on Flash,
    /// <https://ai.google.dev/gemini-api/docs/thinking#set-budget>).
    pub(crate) fn budget_tokens(self) -> u32 {
        match self {
            Self::Low => 1024,
            Self::Medium => 4096,
            Self::High => 16384,
        }
    }
}

impl std::fmt::Display for Reasoning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
