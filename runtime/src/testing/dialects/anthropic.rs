//! The testing kit speaking Anthropic Messages
//! (<https://docs.anthropic.com/en/api/messages>): a whole `message`, or its stream of
//! `message_start`, `content_block_*`, `message_delta` and `message_stop` events
//! (<https://docs.anthropic.com/en/docs/build-with-claude/streaming>).

use std::collections::VecDeque;

use bytes::Bytes;
use serde_json::{Value, json};

use super::{Spoken, arguments_object, typed_event};
use crate::response::Usage;
use crate::structured::Mode;

/// The `stop_reason` of a chat finish reason; a refusal and the content filter are Claude's
/// `refusal`.
fn stop_reason(finish_reason: &str, spoken: &Spoken<'_>) -> &'static str {
    match finish_reason {
        _ if spoken.refusal.is_some() => "refusal",
        "length" => "max_tokens",
        "tool_calls" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    }
}

fn usage(usage: Option<Usage>) -> Value {
    let usage = usage.unwrap_or_default();
    json!({"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens})
}

/// The content blocks of what was said: its text (or refusal text), then its tool calls.
fn blocks(spoken: &Spoken<'_>) -> Vec<Value> {
    let text = spoken.text.or(spoken.refusal);
    text.map(|text| json!({"type": "text", "text": text}))
        .into_iter()
        .chain(spoken.calls.iter().map(|(id, name, arguments)| {
            json!({"type": "tool_use", "id": id, "name": name, "input": arguments_object(arguments)})
        }))
        .collect()
}

/// A whole Messages answer to one request (the dialect has no `n`: one message).
pub(crate) fn message(
    id: &str,
    model: &str,
    said: &Value,
    finish: &str,
    used: Option<Usage>,
) -> Bytes {
    let spoken = Spoken::of(said);
    let body = json!({
        "id": id, "type": "message", "role": "assistant", "model": model,
        "content": blocks(&spoken),
        "stop_reason": stop_reason(finish, &spoken), "stop_sequence": null,
        "usage": usage(used),
    });
    Bytes::from(body.to_string())
}

/// The same answer as Messages stream events: text in `text_delta` pieces, each tool call's
/// input in `input_json_delta` pieces.
pub(crate) fn stream(
    id: &str,
    model: &str,
    said: &Value,
    finish: &str,
    used: Option<Usage>,
    pieces: fn(&str) -> Vec<&str>,
) -> VecDeque<Bytes> {
    let spoken = Spoken::of(said);
    let mut events = VecDeque::new();
    let used = usage(used);
    events.push_back(typed_event(&json!({"type": "message_start", "message": {
        "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": used["input_tokens"], "output_tokens": 0}}})));
    let mut index = 0;
    if let Some(text) = spoken.text.or(spoken.refusal) {
        events.push_back(typed_event(
            &json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "text", "text": ""}}),
        ));
        for piece in pieces(text) {
            events.push_back(typed_event(
                &json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "text_delta", "text": piece}}),
            ));
        }
        events.push_back(typed_event(
            &json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    for (call_id, name, arguments) in &spoken.calls {
        events.push_back(typed_event(
            &json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": call_id, "name": name, "input": {}}}),
        ));
        for piece in pieces(arguments) {
            events.push_back(typed_event(
                &json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": piece}}),
            ));
        }
        events.push_back(typed_event(
            &json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    events.push_back(typed_event(&json!({"type": "message_delta",
        "delta": {"stop_reason": stop_reason(finish, &spoken), "stop_sequence": null},
        "usage": {"output_tokens": used["output_tokens"]}})));
    events.push_back(typed_event(&json!({"type": "message_stop"})));
    events
}

/// The tool `tool_choice` forces (`{"type": "tool", "name": …}`).
pub(crate) fn forced_tool(body: &Value) -> Option<&str> {
    let choice = body.get("tool_choice")?;
    (choice.get("type")?.as_str()? == "tool").then_some(())?;
    choice.get("name")?.as_str()
}

/// The native structured-output mode: `output_config.format` of type `json_schema`.
pub(crate) fn mode(body: &Value) -> Option<Mode> {
    let format = body.get("output_config")?.get("format")?;
    (format.get("type")?.as_str()? == "json_schema").then_some(Mode::JsonSchema)
}

/// The answer's schema: `output_config.format.schema`, or the forced tool's `input_schema`.
pub(crate) fn answer_schema(body: &Value) -> Option<&Value> {
    if let Some(schema) = body.pointer("/output_config/format/schema") {
        return Some(schema);
    }
    let tool = forced_tool(body)?;
    body.get("tools")?
        .as_array()?
        .iter()
        .find(|t| t.get("name").and_then(Value::as_str) == Some(tool))?
        .get("input_schema")
}

/// The `system` text: a string, or its text blocks joined.
pub(crate) fn system(body: &Value) -> Option<String> {
    match body.get("system")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(blocks) => Some(
            blocks
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect(),
        ),
        _ => None,
    }
}

/// An error answer as the Messages API writes one
/// (<https://docs.anthropic.com/en/api/errors>): `{"type": "error", "error": {"type", "message"}}`,
/// the inner type named after the status as Anthropic names it.
pub(crate) fn error(status: u16, message: &str) -> Bytes {
    let kind = match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        other if other >= 500 => "api_error",
        _ => "invalid_request_error",
    };
    Bytes::from(json!({"type": "error", "error": {"type": kind, "message": message}}).to_string())
}
