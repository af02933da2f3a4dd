//! The testing kit speaking OpenAI Responses
//! (<https://platform.openai.com/docs/api-reference/responses/object>): a whole `response`
//! object, or its stream of `response.created`, `response.output_item.*`,
//! `response.output_text.delta`, `response.function_call_arguments.delta` and
//! `response.completed` / `response.incomplete` events
//! (<https://platform.openai.com/docs/api-reference/responses-streaming>).

use std::collections::VecDeque;

use bytes::Bytes;
use serde_json::{Value, json};

use super::{Spoken, typed_event};
use crate::response::Usage;
use crate::structured::Mode;

/// The output items of what was said: a `message` with its text or refusal, then one
/// `function_call` per call.
fn output(id: &str, spoken: &Spoken<'_>) -> Vec<Value> {
    let content: Vec<Value> = spoken
        .text
        .map(|text| json!({"type": "output_text", "text": text, "annotations": []}))
        .into_iter()
        .chain(
            spoken
                .refusal
                .map(|refusal| json!({"type": "refusal", "refusal": refusal})),
        )
        .collect();
    let message = (!content.is_empty()).then(|| {
        json!({"type": "message", "id": format!("msg_{id}"), "status": "completed",
            "role": "assistant", "content": content})
    });
    message
        .into_iter()
        .chain(spoken.calls.iter().map(|(call_id, name, arguments)| {
            json!({"type": "function_call", "id": format!("fc_{call_id}"), "call_id": call_id,
                "name": name, "arguments": arguments, "status": "completed"})
        }))
        .collect()
}

/// The whole `response` object: `completed`, or `incomplete` with the reason a cut answer
/// (`max_output_tokens`) or a filtered one (`content_filter`) gives.
fn response_object(
    id: &str,
    model: &str,
    said: &Value,
    finish: &str,
    used: Option<Usage>,
) -> Value {
    let spoken = Spoken::of(said);
    let mut body = json!({"id": id, "object": "response", "created_at": 0, "model": model,
        "status": "completed", "output": output(id, &spoken)});
    let incomplete = match finish {
        "length" => Some("max_output_tokens"),
        "content_filter" => Some("content_filter"),
        _ => None,
    };
    if let Some(reason) = incomplete {
        body["status"] = json!("incomplete");
        body["incomplete_details"] = json!({"reason": reason});
    }
    if let Some(usage) = used {
        body["usage"] = json!({"input_tokens": usage.prompt_tokens,
            "output_tokens": usage.completion_tokens, "total_tokens": usage.total_tokens});
    }
    body
}

/// A whole answer to one request (the dialect has no `n`: one response).
pub(crate) fn response(
    id: &str,
    model: &str,
    said: &Value,
    finish: &str,
    used: Option<Usage>,
) -> Bytes {
    Bytes::from(response_object(id, model, said, finish, used).to_string())
}

/// The same answer as stream events: each output item added, its text or arguments in pieces,
/// done; then the terminal event with the whole response.
pub(crate) fn stream(
    id: &str,
    model: &str,
    said: &Value,
    finish: &str,
    used: Option<Usage>,
    pieces: fn(&str) -> Vec<&str>,
) -> VecDeque<Bytes> {
    let whole = response_object(id, model, said, finish, used);
    let mut events = VecDeque::new();
    let mut started = whole.clone();
    started["status"] = json!("in_progress");
    started["output"] = json!([]);
    events.push_back(typed_event(
        &json!({"type": "response.created", "response": started}),
    ));
    let items = whole["output"].as_array().cloned().unwrap_or_default();
    for (output_index, item) in items.into_iter().enumerate() {
        let item_id = item["id"].clone();
        let mut added = item.clone();
        match item["type"].as_str() {
            Some("function_call") => {
                added["arguments"] = json!("");
                events.push_back(typed_event(&json!({"type": "response.output_item.added",
                    "output_index": output_index, "item": added})));
                for piece in pieces(item["arguments"].as_str().unwrap_or_default()) {
                    events.push_back(typed_event(&json!({
                        "type": "response.function_call_arguments.delta",
                        "item_id": item_id, "output_index": output_index, "delta": piece})));
                }
            }
            _ => {
                added["content"] = json!([]);
                events.push_back(typed_event(&json!({"type": "response.output_item.added",
                    "output_index": output_index, "item": added})));
                let parts = item["content"].as_array().cloned().unwrap_or_default();
                for (content_index, part) in parts.iter().enumerate() {
                    let (kind, text) = match part["type"].as_str() {
                        Some("refusal") => ("response.refusal.delta", &part["refusal"]),
                        _ => ("response.output_text.delta", &part["text"]),
                    };
                    for piece in pieces(text.as_str().unwrap_or_default()) {
                        events.push_back(typed_event(&json!({"type": kind, "item_id": item_id,
                            "output_index": output_index, "content_index": content_index,
                            "delta": piece})));
                    }
                }
            }
        }
        events.push_back(typed_event(&json!({"type": "response.output_item.done",
            "output_index": output_index, "item": item})));
    }
    let terminal = match whole["status"].as_str() {
        Some("incomplete") => "response.incomplete",
        _ => "response.completed",
    };
    events.push_back(typed_event(&json!({"type": terminal, "response": whole})));
    events
}

/// The function `tool_choice` forces (`{"type": "function", "name": …}`).
pub(crate) fn forced_tool(body: &Value) -> Option<&str> {
    let choice = body.get("tool_choice")?;
    (choice.get("type")?.as_str()? == "function").then_some(())?;
    choice.get("name")?.as_str()
}

/// The native mode: `text.format` of type `json_schema` or `json_object`.
pub(crate) fn mode(body: &Value) -> Option<Mode> {
    match body.pointer("/text/format/type")?.as_str()? {
        "json_schema" => Some(Mode::JsonSchema),
        "json_object" => Some(Mode::JsonObject),
        _ => None,
    }
}

/// The answer's schema: `text.format.schema`, or the forced function's `parameters`.
pub(crate) fn answer_schema(body: &Value) -> Option<&Value> {
    if let Some(schema) = body.pointer("/text/format/schema") {
        return Some(schema);
    }
    let tool = forced_tool(body)?;
    body.get("tools")?
        .as_array()?
        .iter()
        .find(|t| t.get("name").and_then(Value::as_str) == Some(tool))?
        .get("parameters")
}

/// The `instructions` text.
pub(crate) fn system(body: &Value) -> Option<String> {
    body.get("instructions")?.as_str().map(str::to_owned)
}
