//! A whole Anthropic Messages answer read into the common one.
//!
//! The response shape (<https://docs.anthropic.com/en/api/messages>): `id`, `model`, `content`
//! blocks (`text`, `thinking` with its `signature`, `redacted_thinking` with its `data`,
//! `tool_use` with `id`, `name`, `input`), `stop_reason` (`end_turn`, `max_tokens`,
//! `stop_sequence`, `tool_use`, `pause_turn`, `refusal`) and `usage` (`input_tokens`,
//! `output_tokens`, `cache_creation_input_tokens`, `cache_read_input_tokens`). An error is
//! `{"type": "error", "error": {"type", "message"}}`
//! (<https://docs.anthropic.com/en/api/errors>).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::provider_state::ProviderState;
use crate::response::{FinishReason, Usage};
use crate::sources;
use crate::wire::answer::{AssistantMessage, Choice, Completion, WireFunction, WireToolCall};
use crate::wire::dialect::Dialect;
use crate::wire::surrogates;

use super::citations;
use super::{KEPT_BLOCKS, is_kept};

/// A whole body, kept as text.
pub(crate) fn decode(body: &[u8]) -> (Cow<'_, str>, std::result::Result<Completion, String>) {
    let text = String::from_utf8_lossy(body);
    let parsed = read(&text);
    (text, parsed)
}

fn read(text: &str) -> std::result::Result<Completion, String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err("the body is empty".into());
    }
    if trimmed.starts_with('<') {
        return Err(
            "the body is HTML, not JSON (a proxy or gateway answered instead of the model server)"
                .into(),
        );
    }
    let message: WireMessage = surrogates::from_json(trimmed)
        .map_err(|e| format!("the body is not an Anthropic message: {e}"))?;
    Ok(message.into_completion())
}

/// A Messages answer, read leniently: unknown fields and block types are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireMessage {
    #[serde(rename = "type")]
    kind: Option<String>,
    pub(super) id: Option<String>,
    pub(super) model: Option<String>,
    content: Option<Vec<Value>>,
    stop_reason: Option<String>,
    pub(super) usage: Option<WireUsage>,
    error: Option<Value>,
}

impl WireMessage {
    fn into_completion(self) -> Completion {
        if self.kind.as_deref() == Some("error") {
            return Completion {
                error: Some(self.error.unwrap_or(Value::Null)).filter(|e| !e.is_null()),
                ..Completion::default()
            };
        }
        let mut message = AssistantMessage::default();
        let mut text = String::new();
        let mut reasoning = String::new();
        let mut kept = Vec::new();
        for block in self.content.unwrap_or_default() {
            match block.get("type").and_then(Value::as_str) {
                Some("text") => {
                    text.push_str(str_field(&block, "text"));
                    sources::extend(&mut message.sources, citations::of_block(&block));
                }
                Some("thinking") => {
                    reasoning.push_str(str_field(&block, "thinking"));
                    kept.push(block);
                }
                Some("tool_use") => {
                    let input = block.get("input").cloned().unwrap_or(Value::Null);
                    message.tool_calls.push(tool_call(
                        message.tool_calls.len(),
                        str_field(&block, "id"),
                        str_field(&block, "name"),
                        Some(if input.is_null() {
                            "{}".to_owned()
                        } else {
                            input.to_string()
                        }),
                    ));
                }
                // Redacted thinking, and Claude's own web searches (`server_tool_use`,
                // `web_search_tool_result`: their results reach the answer as citations), are
                // not calls to run; they go back unchanged in the next request.
                Some(kind) if is_kept(kind) => kept.push(block),
                _ => {}
            }
        }
        // A turn that only calls tools has no content, as in chat-completions.
        message.content = (!text.is_empty() || message.tool_calls.is_empty()).then_some(text);
        message.reasoning = (!reasoning.is_empty()).then_some(reasoning);
        message.state = kept_state(kept);
        Completion {
            id: self.id,
            model: self.model,
            choices: vec![Choice {
                message,
                finish_reason: self.stop_reason.as_deref().and_then(finish_reason),
            }],
            usage: self.usage.map(WireUsage::common),
            error: None,
        }
    }
}

fn str_field<'v>(block: &'v Value, key: &str) -> &'v str {
    block.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A tool call of the answer (whole, or the first piece of a streamed one).
pub(super) fn tool_call(
    index: usize,
    id: &str,
    name: &str,
    arguments: Option<String>,
) -> WireToolCall {
    WireToolCall {
        index: u32::try_from(index).ok(),
        id: (!id.is_empty()).then(|| id.to_owned()),
        function: WireFunction {
            name: (!name.is_empty()).then(|| name.to_owned()),
            arguments,
        },
        extra: Map::new(),
        dialect: Dialect::AnthropicMessages,
    }
}

/// The blocks of a turn kept to be sent back unchanged (thinking signatures are checked, and a
/// server tool's pending use runs when its turn comes back).
pub(super) fn kept_state(blocks: Vec<Value>) -> ProviderState {
    let mut fields = Map::new();
    if !blocks.is_empty() {
        fields.insert(KEPT_BLOCKS.into(), Value::Array(blocks));
    }
    ProviderState::kept(Dialect::AnthropicMessages, fields)
}

/// `stop_reason` onto the common finish reasons; `pause_turn` (a server tool paused a long
/// turn) stays as it is.
pub(super) fn finish_reason(stop: &str) -> Option<FinishReason> {
    match stop {
        "refusal" => Some(FinishReason::ContentFilter),
        other => FinishReason::parse(other),
    }
}

/// `usage`. `input_tokens` leaves out the cached part of the prompt: the prompt is all three.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(default)]
pub(super) struct WireUsage {
    #[serde(deserialize_with = "count")]
    pub(super) input_tokens: Option<u64>,
    #[serde(deserialize_with = "count")]
    pub(super) output_tokens: Option<u64>,
    #[serde(deserialize_with = "count")]
    pub(super) cache_creation_input_tokens: Option<u64>,
    #[serde(deserialize_with = "count")]
    pub(super) cache_read_input_tokens: Option<u64>,
}

impl WireUsage {
    /// `self` with what `later` says (a `message_delta` repeats or updates the counts).
    pub(super) fn updated(self, later: Self) -> Self {
        Self {
            input_tokens: later.input_tokens.or(self.input_tokens),
            output_tokens: later.output_tokens.or(self.output_tokens),
            cache_creation_input_tokens: later
                .cache_creation_input_tokens
                .or(self.cache_creation_input_tokens),
            cache_read_input_tokens: later
                .cache_read_input_tokens
                .or(self.cache_read_input_tokens),
        }
    }

    pub(super) fn common(self) -> Usage {
        let write = self.cache_creation_input_tokens.unwrap_or(0);
        let read = self.cache_read_input_tokens.unwrap_or(0);
        let prompt = self
            .input_tokens
            .unwrap_or(0)
            .saturating_add(write)
            .saturating_add(read);
        Usage::new(prompt, self.output_tokens.unwrap_or(0)).with_cache(read, write)
    }
}

/// A token count: a number, or nothing for null, a negative or another value.
fn count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    }))
}
