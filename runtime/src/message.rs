//! The conversation a prompt renders to: messages made of text and media parts.
//!
//! Messages serialize (serde) with their provider state, so that a transcript or a
//! [`Conversation`](crate::Conversation) kept between requests is sent back unchanged; empty
//! fields are left out of the stored form.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::media::Media;
use crate::provider_state::ProviderState;

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The user's turn.
    User,
    /// The model's turn (few-shot examples, earlier answers, tool requests).
    Assistant,
    /// A tool's result.
    Tool,
}

impl Role {
    /// The role's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Part {
    /// Text.
    Text(String),
    /// An image, audio, video, PDF or other file, sent the way the target model takes it.
    Media(Media),
}

/// A tool call the model asked for, as it appears in an assistant message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolCall {
    /// The call's id, echoed back in the tool result.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments, as the JSON text the model wrote.
    pub arguments: String,
    /// What the provider attached to the call and expects back unchanged (Gemini's thought
    /// signature, unknown fields).
    #[serde(default, skip_serializing_if = "ProviderState::is_empty")]
    pub state: ProviderState,
}

impl ToolCall {
    /// A tool call.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
            state: ProviderState::default(),
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// The content, in order. Adjacent text is kept merged.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Tool calls (assistant messages only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The call this message answers (tool messages only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// What the provider attached to the turn and expects back unchanged (DeepSeek's
    /// `reasoning_content` beside tool calls, OpenRouter's `reasoning_details`).
    #[serde(default, skip_serializing_if = "ProviderState::is_empty")]
    pub state: ProviderState,
}

impl Message {
    /// An empty message for `role`.
    pub fn new(role: Role) -> Self {
        Self {
            role,
            parts: Vec::new(),
            tool_calls: Vec::new(),
            tool_call_id: None,
            state: ProviderState::default(),
        }
    }

    /// A message holding one text.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        let mut m = Self::new(role);
        m.push_text(&text.into());
        m
    }

    /// A tool result answering `tool_call_id`.
    pub fn tool_result(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        let mut m = Self::text(Role::Tool, content);
        m.tool_call_id = Some(tool_call_id.into());
        m
    }

    /// Append text, merging it into the previous text part so that text-only messages stay one string.
    pub fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Part::Text(last)) = self.parts.last_mut() {
            last.push_str(text);
        } else {
            self.parts.push(Part::Text(text.to_owned()));
        }
    }

    /// Append a medium as its own part, after what is there.
    pub fn push_media(&mut self, media: impl Into<Media>) {
        self.parts.push(Part::Media(media.into()));
    }

    /// The message's text, when it has nothing but text (`None` if it holds media).
    pub fn as_text(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// All text parts joined (media left out), for logs and tests.
    pub fn text_content(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.as_str(),
                Part::Media(_) => "",
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_text_merges_into_one_part() {
        let mut m = Message::new(Role::User);
        m.push_text("Hello, ");
        m.push_text("");
        m.push_text("world");
        assert_eq!(m.parts, vec![Part::Text("Hello, world".into())]);
        assert_eq!(m.as_text(), Some("Hello, world"));
    }

    #[test]
    fn media_splits_text_and_keeps_its_position() {
        let mut m = Message::new(Role::User);
        m.push_text("Compare ");
        m.push_media(crate::Image::url("https://h.example/a.png"));
        m.push_text(" with ");
        m.push_media(crate::Image::url("https://h.example/b.png"));
        assert_eq!(m.parts.len(), 4);
        assert!(matches!(&m.parts[1], Part::Media(_)));
        assert_eq!(m.as_text(), None);
        assert_eq!(m.text_content(), "Compare  with ");
    }

    #[test]
    fn messages_round_trip_through_serde_with_parts_calls_and_state() {
        let mut turn = Message::text(Role::Assistant, "Looking it up.");
        let mut call = ToolCall::new("c1", "weather", r#"{"city":"Paris"}"#);
        let mut fields = serde_json::Map::new();
        fields.insert("extra_content".into(), serde_json::json!({"sig": "c2ln"}));
        call.state = ProviderState::kept(crate::wire::dialect::Dialect::ChatCompletions, fields);
        turn.tool_calls.push(call);
        let mut user = Message::text(Role::User, "Compare ");
        user.push_media(crate::Image::url("https://h.example/a.png"));
        let conversation = vec![user, turn, Message::tool_result("c1", "21 °C")];
        let json = serde_json::to_value(&conversation).unwrap();
        assert_eq!(
            json[2],
            serde_json::json!({"role": "tool", "parts": [{"text": "21 °C"}], "tool_call_id": "c1"})
        );
        assert_eq!(
            json[0]["parts"][1],
            serde_json::json!({"media": {"kind": "image", "url": "https://h.example/a.png"}})
        );
        let back: Vec<Message> = serde_json::from_value(json).unwrap();
        assert_eq!(back, conversation);
        assert!(!back[1].tool_calls[0].state.is_empty());
    }

    #[test]
    fn tool_results_carry_their_call_id() {
        let m = Message::tool_result("call_1", "42");
        assert_eq!(m.role, Role::Tool);
        assert_eq!(m.tool_call_id.as_deref(), Some("call_1"));
        assert_eq!(m.text_content(), "42");
    }
}
