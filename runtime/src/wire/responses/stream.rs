//! The events of a streamed Responses answer, read into common chunks.
//!
//! Each event names its type in `type` (and in the SSE `event:` field): `response.created`,
//! `response.output_item.added` / `.done`, `response.content_part.added` / `.done`,
//! `response.output_text.delta` / `.done`, `response.output_text.annotation.added` (one
//! `annotation`), `response.refusal.delta`,
//! `response.function_call_arguments.delta` / `.done`, `response.reasoning_summary_text.delta`,
//! and the last one, `response.completed`, `response.incomplete` or `response.failed`; an
//! `error` event ends a stream that failed. There is no `[DONE]`: the terminal event carries
//! the finish reason the session ends on. Function calls are numbered in the order their
//! items appear; a server that sends whole items without deltas is read from the `.done`
//! events instead.

use serde_json::Value;

use crate::error::{ApiError, Error, Result, excerpt};
use crate::provider_state::ProviderState;
use crate::response::FinishReason;
use crate::sources;
use crate::wire::answer::{ChunkChoice, CompletionChunk, Delta, WireFunction, WireToolCall};
use crate::wire::dialect::Dialect;
use crate::wire::sse::SseEvent;

use super::answer::{
    Output, arguments, finish_reason, function_call, item_type, kept_reasoning, message_parts,
    message_sources, reasoning_text, str_of, string, usage,
};
use super::request::turn_state;
use crate::wire::dialect::{event_kind, typed_event};

/// The state of one streamed answer between its events.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    /// The function calls seen so far, in order: their position in the common answer is their
    /// index here.
    calls: Vec<CallSeen>,
    /// The reasoning items to send back with the turn, as their `.done` events gave them.
    kept: Vec<Value>,
    /// Whether answer text, refusal text and reasoning text came as deltas (then the `.done`
    /// items that repeat them add nothing).
    text_streamed: bool,
    refusal_streamed: bool,
    reasoning_streamed: bool,
}

#[derive(Debug)]
struct CallSeen {
    item_id: Option<String>,
    output_index: Option<u64>,
    /// Whether any of its arguments arrived.
    has_arguments: bool,
}

impl Reader {
    /// One event: a chunk of the answer, `None` for an event that adds nothing, or the error
    /// a failed stream ends with.
    pub(crate) fn read(&mut self, event: &SseEvent) -> Result<Option<CompletionChunk>> {
        let data = event.data.trim();
        let Some(value) = typed_event(data, "a Responses API event")? else {
            return Ok(None);
        };
        let kind = event_kind(&value, event);
        match kind {
            "response.created" | "response.in_progress" | "response.queued" => {
                Ok(Some(self.header(value.get("response"))))
            }
            "response.output_text.delta" => Ok(self.text(str_of(value.get("delta")))),
            // One citation as it is made; the `.done` item and the final response repeat it.
            "response.output_text.annotation.added" => Ok(value
                .get("annotation")
                .and_then(sources::url_citation)
                .map(|source| {
                    delta(Delta {
                        sources: vec![source],
                        ..Delta::default()
                    })
                })),
            "response.refusal.delta" => Ok(self.refusal(str_of(value.get("delta")))),
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                Ok(self.reasoning(str_of(value.get("delta"))))
            }
            "response.function_call_arguments.delta" => {
                let at = self.call_at(&value);
                Ok(self.arguments(at, str_of(value.get("delta"))))
            }
            "response.function_call_arguments.done" => {
                let at = self.call_at(&value);
                match self.calls.get(at) {
                    Some(call) if call.has_arguments => Ok(None),
                    _ => Ok(self.arguments(at, str_of(value.get("arguments")))),
                }
            }
            "response.output_item.added" => Ok(self.item_added(&value)),
            "response.output_item.done" => Ok(self.item_done(&value)),
            "response.completed" | "response.incomplete" => {
                Ok(Some(self.terminal(value.get("response"))))
            }
            "response.failed" => Err(failed(value.get("response"), data)),
            "error" => Err(ApiError::from_body(200, data.as_bytes()).into()),
            // Text and part boundaries, built-in tool progress, keep-alives: nothing to add.
            _ => Ok(None),
        }
    }

    /// `response.created`: the answer's id and model.
    fn header(&self, response: Option<&Value>) -> CompletionChunk {
        CompletionChunk {
            id: response.and_then(|r| string(r.get("id"))),
            model: response.and_then(|r| string(r.get("model"))),
            ..CompletionChunk::default()
        }
    }

    fn text(&mut self, text: &str) -> Option<CompletionChunk> {
        if text.is_empty() {
            return None;
        }
        self.text_streamed = true;
        Some(delta(Delta {
            content: Some(text.to_owned()),
            ..Delta::default()
        }))
    }

    fn refusal(&mut self, text: &str) -> Option<CompletionChunk> {
        if text.is_empty() {
            return None;
        }
        self.refusal_streamed = true;
        Some(delta(Delta {
            refusal: Some(text.to_owned()),
            ..Delta::default()
        }))
    }

    fn reasoning(&mut self, text: &str) -> Option<CompletionChunk> {
        if text.is_empty() {
            return None;
        }
        self.reasoning_streamed = true;
        Some(delta(Delta {
            reasoning: Some(text.to_owned()),
            ..Delta::default()
        }))
    }

    /// The position of the call an event is about, by `item_id` or `output_index`; a call
    /// first seen here is added.
    fn call_at(&mut self, event: &Value) -> usize {
        let item_id = event.get("item_id").and_then(Value::as_str);
        let output_index = event.get("output_index").and_then(Value::as_u64);
        let found = self.calls.iter().position(|c| match (item_id, &c.item_id) {
            (Some(id), Some(seen)) => id == seen,
            _ => output_index.is_some() && c.output_index == output_index,
        });
        found.unwrap_or_else(|| {
            self.calls.push(CallSeen {
                item_id: item_id.map(str::to_owned),
                output_index,
                has_arguments: false,
            });
            self.calls.len() - 1
        })
    }

    fn arguments(&mut self, at: usize, text: &str) -> Option<CompletionChunk> {
        if text.is_empty() {
            return None;
        }
        if let Some(call) = self.calls.get_mut(at) {
            call.has_arguments = true;
        }
        Some(call_delta(WireToolCall {
            index: u32::try_from(at).ok(),
            function: WireFunction {
                name: None,
                arguments: Some(text.to_owned()),
            },
            dialect: Dialect::OpenAiResponses,
            ..WireToolCall::default()
        }))
    }

    /// `response.output_item.added`: a function call starts (its id and name).
    fn item_added(&mut self, event: &Value) -> Option<CompletionChunk> {
        let item = event.get("item")?;
        if item_type(item) != "function_call" {
            return None;
        }
        let at = self.located(event, item);
        let mut call = function_call(item, u32::try_from(at).ok());
        if call
            .function
            .arguments
            .as_deref()
            .is_some_and(|a| !a.is_empty())
        {
            if let Some(seen) = self.calls.get_mut(at) {
                seen.has_arguments = true;
            }
        } else {
            call.function.arguments = None;
        }
        Some(call_delta(call))
    }

    /// The call position of an item event, matching the item's own `id` as later events'
    /// `item_id`.
    fn located(&mut self, event: &Value, item: &Value) -> usize {
        let mut keyed = serde_json::Map::new();
        if let Some(id) = item.get("id").filter(|id| id.is_string()) {
            keyed.insert("item_id".into(), id.clone());
        }
        if let Some(index) = event.get("output_index") {
            keyed.insert("output_index".into(), index.clone());
        }
        self.call_at(&Value::Object(keyed))
    }

    /// `response.output_item.done`: a whole item. Reasoning items are kept for the turn; what
    /// no delta brought (a server that sends items whole) is added from the item.
    fn item_done(&mut self, event: &Value) -> Option<CompletionChunk> {
        let item = event.get("item")?;
        match item_type(item) {
            "function_call" => {
                let known = self.calls.len();
                let at = self.located(event, item);
                let has_arguments = self.calls.get(at).is_some_and(|c| c.has_arguments);
                if at == known {
                    // Never announced: the whole call at once.
                    let call = function_call(item, u32::try_from(at).ok());
                    if let Some(seen) = self.calls.get_mut(at) {
                        seen.has_arguments = true;
                    }
                    return Some(call_delta(call));
                }
                if has_arguments {
                    return None;
                }
                let args = arguments(item.get("arguments")).unwrap_or_default();
                self.arguments(at, &args)
            }
            "reasoning" => {
                let mut chunk = CompletionChunk::default();
                if kept_reasoning(item) {
                    self.kept.push(item.clone());
                    chunk.state = self.state();
                }
                if !self.reasoning_streamed {
                    let text = reasoning_text(item);
                    if !text.is_empty() {
                        chunk.choices.push(ChunkChoice {
                            delta: Delta {
                                reasoning: Some(text),
                                ..Delta::default()
                            },
                            finish_reason: None,
                        });
                    }
                }
                (!chunk.state.is_empty() || !chunk.choices.is_empty()).then_some(chunk)
            }
            "message" => {
                let (text, refusal) = message_parts(item);
                let delta = Delta {
                    content: (!self.text_streamed && !text.is_empty()).then_some(text),
                    refusal: (!self.refusal_streamed && !refusal.is_empty()).then_some(refusal),
                    // Sources the annotation events brought already are kept once.
                    sources: message_sources(item),
                    ..Delta::default()
                };
                if delta.content.is_none() && delta.refusal.is_none() && delta.sources.is_empty() {
                    return None;
                }
                self.text_streamed |= delta.content.is_some();
                self.refusal_streamed |= delta.refusal.is_some();
                Some(self::delta(delta))
            }
            _ => None,
        }
    }

    /// `response.completed` / `response.incomplete`: usage and the finish reason; and, from
    /// the final response, whatever no earlier event brought.
    fn terminal(&mut self, response: Option<&Value>) -> CompletionChunk {
        let Some(response) = response else {
            return delta_with_finish(Delta::default(), self.finish(None));
        };
        let output = Output::of(response);
        let mut d = Delta::default();
        if !self.text_streamed {
            d.content = output.content;
        }
        if !self.refusal_streamed {
            d.refusal = output.refusal;
        }
        if !self.reasoning_streamed {
            d.reasoning = output.reasoning;
        }
        d.sources = output.sources;
        if self.calls.is_empty() {
            d.tool_calls = output.calls;
            for (i, _) in d.tool_calls.iter().enumerate() {
                self.calls.push(CallSeen {
                    item_id: None,
                    output_index: u64::try_from(i).ok(),
                    has_arguments: true,
                });
            }
        }
        // The final list of reasoning items is the one to keep.
        if !output.kept.is_empty() {
            self.kept = output.kept;
        }
        let mut chunk = delta_with_finish(d, self.finish(Some(response)));
        chunk.id = string(response.get("id"));
        chunk.model = string(response.get("model"));
        chunk.usage = usage(response.get("usage"));
        chunk.state = self.state();
        chunk
    }

    fn finish(&self, response: Option<&Value>) -> Option<FinishReason> {
        let has_calls = !self.calls.is_empty();
        match response.and_then(|r| finish_reason(r, has_calls)) {
            Some(reason) => Some(reason),
            None if has_calls => Some(FinishReason::ToolCalls),
            None => Some(FinishReason::Stop),
        }
    }

    fn state(&self) -> ProviderState {
        ProviderState::kept(Dialect::OpenAiResponses, turn_state(self.kept.clone()))
    }
}

fn delta(delta: Delta) -> CompletionChunk {
    delta_with_finish(delta, None)
}

fn delta_with_finish(delta: Delta, finish_reason: Option<FinishReason>) -> CompletionChunk {
    CompletionChunk {
        choices: vec![ChunkChoice {
            delta,
            finish_reason,
        }],
        ..CompletionChunk::default()
    }
}

fn call_delta(call: WireToolCall) -> CompletionChunk {
    delta(Delta {
        tool_calls: vec![call],
        ..Delta::default()
    })
}

/// `response.failed`: the response's `error` object as the typed API error.
fn failed(response: Option<&Value>, data: &str) -> Error {
    match response
        .and_then(|r| r.get("error"))
        .filter(|e| e.is_object())
    {
        Some(error) => {
            let body = serde_json::json!({ "error": error }).to_string();
            ApiError::from_body(200, body.as_bytes()).into()
        }
        None => Error::Protocol {
            reason: "the stream ended with `response.failed` and no error object".into(),
            raw: excerpt(data),
        },
    }
}
