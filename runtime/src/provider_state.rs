//! What a provider attaches to a model turn or a tool call and expects back unchanged.
//!
//! Gemini 3 rejects a tool-result turn whose tool call lost its thought signature (sent through
//! OpenAI-compatible endpoints as `extra_content.google.thought_signature` on the tool call);
//! DeepSeek's reasoning models want `reasoning_content` back on an assistant turn that called
//! tools; OpenRouter wants its `reasoning_details` back. promptfn cannot know every such field,
//! so the wire dialect that read a turn keeps whatever it does not understand itself, and writes
//! it back, byte for byte as JSON, when the turn is sent again (the next round of a tool loop, a
//! re-ask, or a transcript fed back as history). State read by one dialect is never written by
//! another: the field names mean nothing there.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wire::dialect::Dialect;

/// Opaque provider data kept on a [`Message`](crate::Message) or a
/// [`ToolCall`](crate::ToolCall) so that it can be sent back unchanged.
///
/// Empty for messages built by hand. It is kept in [`Response::transcript`](crate::Response)
/// and survives serialization, so a transcript fed back later still carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderState(Option<Box<Kept>>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Kept {
    /// The dialect that read the fields, and the only one that writes them back.
    dialect: Dialect,
    fields: Map<String, Value>,
}

impl ProviderState {
    /// Fields read by `dialect`; empty fields keep nothing.
    pub(crate) fn kept(dialect: Dialect, fields: Map<String, Value>) -> Self {
        if fields.is_empty() {
            return Self::default();
        }
        Self(Some(Box::new(Kept { dialect, fields })))
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The names of the kept fields, for inspection and logs (their values stay opaque).
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .flat_map(|kept| kept.fields.keys().map(String::as_str))
    }

    /// The fields to write back when sending to `dialect`: none when they came from another.
    pub(crate) fn fields_for(&self, dialect: Dialect) -> Option<&Map<String, Value>> {
        self.0
            .as_deref()
            .filter(|kept| kept.dialect == dialect)
            .map(|kept| &kept.fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_keep_nothing_and_state_round_trips_through_serde() {
        assert!(ProviderState::kept(Dialect::ChatCompletions, Map::new()).is_empty());
        let mut fields = Map::new();
        fields.insert(
            "extra_content".into(),
            serde_json::json!({"google": {"thought_signature": "c2ln"}}),
        );
        let state = ProviderState::kept(Dialect::ChatCompletions, fields.clone());
        assert_eq!(state.field_names().collect::<Vec<_>>(), ["extra_content"]);
        assert_eq!(state.fields_for(Dialect::ChatCompletions), Some(&fields));
        let json = serde_json::to_string(&state).unwrap();
        let back: ProviderState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
        let none: ProviderState = serde_json::from_str("null").unwrap();
        assert!(none.is_empty());
    }
}
