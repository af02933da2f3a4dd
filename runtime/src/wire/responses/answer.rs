//! A whole Responses answer (the `Response` object) read into the common answer: `output`
//! items (`message` with `output_text` and `refusal` parts, `function_call`, `reasoning`),
//! `status` with `incomplete_details.reason`, `usage`, and `error`.
//!
//! Read from a `serde_json::Value`, tolerantly: unknown item types (built-in tool calls, web
//! search results) are skipped, missing or null fields are absent, counts may be floats.

use std::borrow::Cow;

use serde_json::Value;

use crate::provider_state::ProviderState;
use crate::response::{FinishReason, Usage};
use crate::sources::{self, Source};
use crate::wire::answer::{AssistantMessage, Choice, Completion, WireFunction, WireToolCall};
use crate::wire::dialect::Dialect;
use crate::wire::surrogates;

use super::request::turn_state;

/// A whole Responses body, kept as text.
pub(crate) fn decode(body: &[u8]) -> (Cow<'_, str>, std::result::Result<Completion, String>) {
    let text = String::from_utf8_lossy(body);
    let parsed = parse(&text).map(|response| completion_of(&response));
    (text, parsed)
}

fn parse(text: &str) -> std::result::Result<Value, String> {
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
    let value: Value = surrogates::from_json(trimmed)
        .map_err(|e| format!("the body is not a Responses API response: {e}"))?;
    if !value.is_object() {
        return Err("the body is not a Responses API response: it is not a JSON object".into());
    }
    Ok(value)
}

/// The common answer of one `Response` object.
pub(super) fn completion_of(response: &Value) -> Completion {
    let output = Output::of(response);
    let finish_reason = finish_reason(response, !output.calls.is_empty());
    let message = AssistantMessage {
        content: output.content,
        refusal: output.refusal,
        tool_calls: output.calls,
        reasoning: output.reasoning,
        state: ProviderState::kept(Dialect::OpenAiResponses, turn_state(output.kept)),
        sources: output.sources,
        ..AssistantMessage::default()
    };
    Completion {
        id: string(response.get("id")),
        model: string(response.get("model")),
        choices: vec![Choice {
            message,
            finish_reason,
        }],
        usage: usage(response.get("usage")),
        error: error(response),
    }
}

/// What the `output` items of a response say.
#[derive(Debug, Default)]
pub(super) struct Output {
    pub(super) content: Option<String>,
    pub(super) refusal: Option<String>,
    pub(super) calls: Vec<WireToolCall>,
    pub(super) reasoning: Option<String>,
    /// The reasoning items to send back with the turn.
    pub(super) kept: Vec<Value>,
    /// The `url_citation` annotations of the `output_text` parts.
    pub(super) sources: Vec<Source>,
}

impl Output {
    pub(super) fn of(response: &Value) -> Self {
        let mut out = Self::default();
        let items = response.get("output").and_then(Value::as_array);
        for item in items.into_iter().flatten() {
            match item_type(item) {
                "message" => {
                    let (text, refusal) = message_parts(item);
                    append(&mut out.content, text);
                    append(&mut out.refusal, refusal);
                    sources::extend(&mut out.sources, message_sources(item));
                }
                "function_call" => {
                    let index = u32::try_from(out.calls.len()).ok();
                    out.calls.push(function_call(item, index));
                }
                "reasoning" => {
                    append(&mut out.reasoning, reasoning_text(item));
                    if kept_reasoning(item) {
                        out.kept.push(item.clone());
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn append(to: &mut Option<String>, text: String) {
    if text.is_empty() {
        return;
    }
    match to {
        Some(existing) => existing.push_str(&text),
        None => *to = Some(text),
    }
}

pub(super) fn item_type(item: &Value) -> &str {
    item.get("type").and_then(Value::as_str).unwrap_or_default()
}

/// The `output_text` and `refusal` parts of a `message` item, each joined.
pub(super) fn message_parts(item: &Value) -> (String, String) {
    let (mut text, mut refusal) = (String::new(), String::new());
    let parts = item.get("content").and_then(Value::as_array);
    for part in parts.into_iter().flatten() {
        match item_type(part) {
            "output_text" => text.push_str(str_of(part.get("text"))),
            "refusal" => refusal.push_str(str_of(part.get("refusal"))),
            _ => {}
        }
    }
    (text, refusal)
}

/// The sources of a `message` item: the `url_citation` annotations of its `output_text` parts
/// (`{"type": "url_citation", "url", "title", "start_index", "end_index"}`, what the
/// `web_search` tool cites: <https://platform.openai.com/docs/guides/tools-web-search>).
pub(super) fn message_sources(item: &Value) -> Vec<Source> {
    let parts = item.get("content").and_then(Value::as_array);
    let annotations = parts
        .into_iter()
        .flatten()
        .filter(|part| item_type(part) == "output_text")
        .filter_map(|part| part.get("annotations").and_then(Value::as_array))
        .flatten();
    let mut list = Vec::new();
    sources::extend(&mut list, annotations.filter_map(sources::url_citation));
    list
}

/// A `function_call` item as a tool call: its `call_id` is what the result names.
pub(super) fn function_call(item: &Value, index: Option<u32>) -> WireToolCall {
    WireToolCall {
        index,
        id: string(item.get("call_id")).or_else(|| string(item.get("id"))),
        function: WireFunction {
            name: string(item.get("name")),
            arguments: arguments(item.get("arguments")),
        },
        extra: serde_json::Map::new(),
        dialect: Dialect::OpenAiResponses,
    }
}

/// Arguments are a JSON string; a server that sends the object itself has it kept as text.
pub(super) fn arguments(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A reasoning item's readable text: its summary parts, or (servers that show the reasoning
/// itself) its `reasoning_text` content, paragraphs apart.
pub(super) fn reasoning_text(item: &Value) -> String {
    let texts = |key: &str| -> Vec<&str> {
        item.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|part| str_of(part.get("text")))
            .filter(|t| !t.is_empty())
            .collect()
    };
    let summary = texts("summary");
    if summary.is_empty() {
        texts("content").join("\n\n")
    } else {
        summary.join("\n\n")
    }
}

/// Whether a reasoning item can be sent back: without `encrypted_content` nothing stored lets
/// the API read it again (`store: false`), and it would be refused.
pub(super) fn kept_reasoning(item: &Value) -> bool {
    item.get("encrypted_content")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty())
}

/// `status` and `incomplete_details.reason` as a finish reason.
pub(super) fn finish_reason(response: &Value, has_calls: bool) -> Option<FinishReason> {
    match response.get("status").and_then(Value::as_str) {
        Some("incomplete") => {
            let reason = response
                .get("incomplete_details")
                .and_then(|d| d.get("reason"))
                .and_then(Value::as_str);
            Some(match reason {
                Some("max_output_tokens") | None => FinishReason::Length,
                Some("content_filter") => FinishReason::ContentFilter,
                Some(other) => FinishReason::Other(other.to_owned()),
            })
        }
        Some("failed") => Some(FinishReason::Other("error".into())),
        Some("completed") | None if has_calls => Some(FinishReason::ToolCalls),
        Some("completed") => Some(FinishReason::Stop),
        _ => None,
    }
}

/// `usage`: `input_tokens`, `output_tokens`, `total_tokens`,
/// `input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`.
pub(super) fn usage(value: Option<&Value>) -> Option<Usage> {
    let u = value.filter(|u| u.is_object())?;
    let input = count(u.get("input_tokens"));
    let output = count(u.get("output_tokens"));
    let mut usage = Usage::new(input, output);
    if let Some(total) = u.get("total_tokens").filter(|t| !t.is_null()) {
        usage.total_tokens = count(Some(total));
    }
    usage.cache_read_tokens = count(
        u.get("input_tokens_details")
            .and_then(|d| d.get("cached_tokens")),
    );
    usage.reasoning_tokens = count(
        u.get("output_tokens_details")
            .and_then(|d| d.get("reasoning_tokens")),
    );
    Some(usage)
}

/// A token count; floats, nulls and junk are read as what they say or zero: a count is never
/// worth failing a call.
fn count(value: Option<&Value>) -> u64 {
    match value {
        Some(Value::Number(n)) => n.as_u64().unwrap_or_else(|| {
            // Saturating float-to-int conversion: negative and NaN become 0.
            n.as_f64().map_or(0, |f| f as u64)
        }),
        _ => 0,
    }
}

/// The response's `error` object, when it says something.
fn error(response: &Value) -> Option<Value> {
    response
        .get("error")
        .filter(|e| e.as_object().is_some_and(|o| !o.is_empty()))
        .map(|e| serde_json::json!({ "error": e }))
}

pub(super) fn string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

pub(super) fn str_of(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or_default()
}
