//! The testing kit in each native dialect: the answer a scripted reply becomes when the client
//! speaks Anthropic Messages, Gemini `generateContent` or OpenAI Responses, awaited or streamed,
//! and the request fields the kit reads back in each dialect's body (the forced tool, the
//! structured-output mode, the schema).
//!
//! A reply is first worked out as a chat-completions message (what the model "said": text, a
//! refusal, tool calls and a finish reason); each dialect then frames that message as its server
//! would, so every scripted reply means the same in every dialect.

pub(super) mod anthropic;
pub(super) mod gemini;
pub(super) mod responses;

use bytes::Bytes;
use serde_json::{Value, json};

/// One SSE event with an `event:` line, as the Anthropic and Responses servers frame them.
fn typed_event(data: &Value) -> Bytes {
    let kind = data.get("type").and_then(Value::as_str).unwrap_or_default();
    Bytes::from(format!("event: {kind}\ndata: {data}\n\n"))
}

/// One SSE event carrying only `data:`, as Gemini frames its chunks.
fn data_event(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\n\n"))
}

/// What a chat message says, read once for every dialect.
struct Spoken<'a> {
    text: Option<&'a str>,
    refusal: Option<&'a str>,
    /// `(id, name, arguments)` of each tool call.
    calls: Vec<(String, &'a str, &'a str)>,
}

impl<'a> Spoken<'a> {
    fn of(message: &'a Value) -> Self {
        let calls = message
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, call)| {
                let function = call.get("function").unwrap_or(&Value::Null);
                let text = |v: Option<&'a Value>| v.and_then(Value::as_str);
                (
                    text(call.get("id")).map_or_else(|| format!("call_mock_{i}"), str::to_owned),
                    text(function.get("name")).unwrap_or_default(),
                    text(function.get("arguments")).unwrap_or("{}"),
                )
            })
            .collect();
        Self {
            text: message
                .get("content")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty()),
            refusal: message.get("refusal").and_then(Value::as_str),
            calls,
        }
    }
}

/// Tool-call arguments as the JSON object the native dialects carry (they send arguments as
/// objects, not text); arguments that are not JSON travel as a string, which the dialect's
/// reader hands on for the call to reject.
fn arguments_object(arguments: &str) -> Value {
    serde_json::from_str(arguments).unwrap_or_else(|_| json!(arguments))
}
