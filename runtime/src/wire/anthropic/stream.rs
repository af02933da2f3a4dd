//! The events of a streamed Anthropic Messages answer read into common chunks.
//!
//! Event types (<https://docs.anthropic.com/en/docs/build-with-claude/streaming>):
//! `message_start` (the message with its id, model and the prompt's usage),
//! `content_block_start` (`index`, `content_block`), `content_block_delta` (`text_delta`,
//! `input_json_delta` with `partial_json`, `thinking_delta`, `signature_delta`, `citations_delta`
//! with one `citation`),
//! `content_block_stop`, `message_delta` (`delta.stop_reason`, cumulative `usage`),
//! `message_stop`, `ping`, and `error` (`{"type": "error", "error": {"type", "message"}}`).
//! Unknown event and delta types are ignored, as the API's versioning policy asks.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::provider_state::ProviderState;
use crate::wire::answer::{ChunkChoice, CompletionChunk, Delta};
use crate::wire::sse::SseEvent;

use super::answer::{WireMessage, WireUsage, finish_reason, kept_state, tool_call};
use super::{citations, is_kept};
use crate::wire::dialect::{event_kind, typed_event};

/// The state one stream's events need between them.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    /// The prompt's usage from `message_start`, completed by `message_delta`.
    usage: WireUsage,
    /// Content block index → the tool call's position among the turn's calls.
    tools: HashMap<u64, ToolBlock>,
    /// The blocks to send back so far (thinking, server tools' uses and results), in order.
    kept: Vec<Value>,
    /// Content block index → the kept block it streams into, while it streams.
    open_kept: HashMap<u64, OpenKept>,
}

#[derive(Debug, Default)]
struct OpenKept {
    /// Its place in `kept`.
    at: usize,
    /// A server tool use's `input`, as its `partial_json` pieces arrive.
    input: String,
}

#[derive(Debug, Clone, Copy)]
struct ToolBlock {
    ordinal: usize,
    /// Some `partial_json` arrived; a call without any has no arguments (`{}`).
    has_input: bool,
}

impl Reader {
    /// One event: a chunk, `None` for events that add nothing, or the error the server sent.
    pub(crate) fn read(&mut self, event: &SseEvent) -> Result<Option<CompletionChunk>> {
        let data = event.data.trim();
        let Some(value) = typed_event(data, "an Anthropic event")? else {
            return Ok(None);
        };
        let kind = event_kind(&value, event);
        match kind {
            "error" => Err(ApiError::from_body(200, data.as_bytes()).into()),
            "message_start" => Ok(self.message_start(&value)),
            "content_block_start" => Ok(self.block_start(&value)),
            "content_block_delta" => Ok(self.block_delta(&value)),
            "content_block_stop" => Ok(self.block_stop(&value)),
            "message_delta" => Ok(self.message_delta(&value)),
            // The kept blocks go with the stop reason (`message_delta`), once per message rather
            // than a copy at every block's end; a proxy that drops `message_delta` still ends
            // with `message_stop`.
            "message_stop" => Ok(self.kept_state()),
            // `ping` and event types added later add nothing.
            _ => Ok(None),
        }
    }

    fn message_start(&mut self, value: &Value) -> Option<CompletionChunk> {
        let message: WireMessage = value
            .get("message")
            .and_then(|m| WireMessage::deserialize(m).ok())
            .unwrap_or_default();
        if let Some(usage) = message.usage {
            self.usage = self.usage.updated(usage);
        }
        Some(CompletionChunk {
            id: message.id,
            model: message.model,
            ..CompletionChunk::default()
        })
    }

    fn block_start(&mut self, value: &Value) -> Option<CompletionChunk> {
        let index = value.get("index").and_then(Value::as_u64)?;
        let block = value.get("content_block")?;
        match block.get("type").and_then(Value::as_str)? {
            "tool_use" => {
                let ordinal = self.tools.len();
                self.tools.insert(
                    index,
                    ToolBlock {
                        ordinal,
                        has_input: false,
                    },
                );
                let str_of = |key| block.get(key).and_then(Value::as_str).unwrap_or_default();
                let call = tool_call(ordinal, str_of("id"), str_of("name"), None);
                Some(delta(Delta {
                    tool_calls: vec![call],
                    ..Delta::default()
                }))
            }
            kind if is_kept(kind) => {
                let at = self.kept.len();
                self.open_kept.insert(
                    index,
                    OpenKept {
                        at,
                        ..OpenKept::default()
                    },
                );
                self.kept.push(block.clone());
                let text = block.get("thinking").and_then(Value::as_str);
                text.filter(|t| !t.is_empty()).map(|t| {
                    delta(Delta {
                        reasoning: Some(t.to_owned()),
                        ..Delta::default()
                    })
                })
            }
            "text" => {
                let text = block.get("text").and_then(Value::as_str);
                let text = text.filter(|t| !t.is_empty()).map(str::to_owned);
                let sources = citations::of_block(block);
                (text.is_some() || !sources.is_empty()).then(|| {
                    delta(Delta {
                        content: text,
                        sources,
                        ..Delta::default()
                    })
                })
            }
            _ => None,
        }
    }

    fn block_delta(&mut self, value: &Value) -> Option<CompletionChunk> {
        let index = value.get("index").and_then(Value::as_u64)?;
        let d = value.get("delta")?;
        let text = |key| d.get(key).and_then(Value::as_str);
        match d.get("type").and_then(Value::as_str)? {
            "text_delta" => Some(delta(Delta {
                content: Some(text("text")?.to_owned()),
                ..Delta::default()
            })),
            "input_json_delta" => {
                let piece = text("partial_json").filter(|p| !p.is_empty())?;
                if let Some(open) = self.open_kept.get_mut(&index) {
                    // A server tool's use: Claude runs it; it only goes back unchanged.
                    open.input.push_str(piece);
                    return None;
                }
                let tool = self.tools.get_mut(&index)?;
                tool.has_input = true;
                let call = tool_call(tool.ordinal, "", "", Some(piece.to_owned()));
                Some(delta(Delta {
                    tool_calls: vec![call],
                    ..Delta::default()
                }))
            }
            "thinking_delta" => {
                let piece = text("thinking")?;
                self.append_to_kept(index, "thinking", piece);
                Some(delta(Delta {
                    reasoning: Some(piece.to_owned()),
                    ..Delta::default()
                }))
            }
            "citations_delta" => Some(delta(Delta {
                sources: vec![citations::citation(d.get("citation")?)?],
                ..Delta::default()
            })),
            "signature_delta" => {
                self.append_to_kept(index, "signature", text("signature")?);
                None
            }
            _ => None,
        }
    }

    /// Adds a piece to a string field of a streaming kept block (thinking and its signature).
    fn append_to_kept(&mut self, index: u64, key: &str, piece: &str) {
        let Some(block) = self
            .open_kept
            .get(&index)
            .and_then(|open| self.kept.get_mut(open.at))
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        match block.get_mut(key) {
            Some(Value::String(text)) => text.push_str(piece),
            _ => {
                block.insert(key.to_owned(), Value::String(piece.to_owned()));
            }
        }
    }

    fn block_stop(&mut self, value: &Value) -> Option<CompletionChunk> {
        let index = value.get("index").and_then(Value::as_u64)?;
        if let Some(open) = self.open_kept.remove(&index) {
            // A server tool use's input, whole: an object, or the one its start gave (Claude
            // accepts nothing else back).
            if let Ok(input @ Value::Object(_)) = serde_json::from_str::<Value>(&open.input)
                && let Some(block) = self.kept.get_mut(open.at).and_then(Value::as_object_mut)
            {
                block.insert("input".to_owned(), input);
            }
            return None;
        }
        let tool = self.tools.get(&index).filter(|t| !t.has_input)?;
        let call = tool_call(tool.ordinal, "", "", Some("{}".to_owned()));
        Some(delta(Delta {
            tool_calls: vec![call],
            ..Delta::default()
        }))
    }

    fn message_delta(&mut self, value: &Value) -> Option<CompletionChunk> {
        if let Some(usage) = value
            .get("usage")
            .and_then(|u| WireUsage::deserialize(u).ok())
        {
            self.usage = self.usage.updated(usage);
        }
        let stop = value
            .get("delta")
            .and_then(|d| d.get("stop_reason"))
            .and_then(Value::as_str)
            .and_then(finish_reason);
        Some(CompletionChunk {
            usage: Some(self.usage.common()),
            choices: vec![ChunkChoice {
                delta: Delta::default(),
                finish_reason: stop,
            }],
            state: self.take_kept(),
            ..CompletionChunk::default()
        })
    }

    /// The kept blocks not yet handed on, whole (signatures and server tool inputs included).
    fn kept_state(&mut self) -> Option<CompletionChunk> {
        (!self.kept.is_empty()).then(|| CompletionChunk {
            state: self.take_kept(),
            ..CompletionChunk::default()
        })
    }

    fn take_kept(&mut self) -> ProviderState {
        self.open_kept.clear();
        kept_state(std::mem::take(&mut self.kept))
    }
}

fn delta(delta: Delta) -> CompletionChunk {
    CompletionChunk {
        choices: vec![ChunkChoice {
            delta,
            finish_reason: None,
        }],
        ..CompletionChunk::default()
    }
}
