//! The testing kit speaking Gemini `generateContent`
//! (<https://ai.google.dev/api/generate-content>): a whole `GenerateContentResponse`, or its
//! SSE stream of partial responses (`streamGenerateContent?alt=sse`), one candidate per choice.

use std::collections::VecDeque;

use bytes::Bytes;
use serde_json::{Value, json};

use super::{Spoken, arguments_object, data_event};
use crate::response::Usage;
use crate::structured::Mode;

/// One choice as the kit said it: the chat message and its finish reason.
pub(crate) type Choice<'a> = (&'a Value, &'a str);

/// The `finishReason` of a chat finish reason. Gemini has no refusal field: a refusal is a
/// candidate blocked for `SAFETY`, like the content filter.
fn finish_reason(finish: &str, spoken: &Spoken<'_>) -> &'static str {
    match finish {
        _ if spoken.refusal.is_some() => "SAFETY",
        "length" => "MAX_TOKENS",
        "content_filter" => "SAFETY",
        _ => "STOP",
    }
}

fn usage_metadata(usage: Usage) -> Value {
    json!({"promptTokenCount": usage.prompt_tokens,
        "candidatesTokenCount": usage.completion_tokens,
        "totalTokenCount": usage.total_tokens})
}

fn call_part(name: &str, arguments: &str) -> Value {
    json!({"functionCall": {"name": name, "args": arguments_object(arguments)}})
}

/// The parts of what was said: its text, then its function calls.
fn parts(spoken: &Spoken<'_>) -> Vec<Value> {
    spoken
        .text
        .map(|text| json!({"text": text}))
        .into_iter()
        .chain(
            spoken
                .calls
                .iter()
                .map(|(_, name, arguments)| call_part(name, arguments)),
        )
        .collect()
}

fn candidate(index: usize, parts: Vec<Value>, finish: Option<&str>) -> Value {
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": index});
    if let Some(finish) = finish {
        candidate["finishReason"] = json!(finish);
    }
    candidate
}

/// A whole response with one candidate per choice.
pub(crate) fn response(id: &str, model: &str, said: &[Choice<'_>], used: Option<Usage>) -> Bytes {
    let candidates: Vec<Value> = said
        .iter()
        .enumerate()
        .map(|(index, (message, finish))| {
            let spoken = Spoken::of(message);
            candidate(index, parts(&spoken), Some(finish_reason(finish, &spoken)))
        })
        .collect();
    let mut body = json!({"candidates": candidates, "modelVersion": model, "responseId": id});
    if let Some(usage) = used {
        body["usageMetadata"] = usage_metadata(usage);
    }
    Bytes::from(body.to_string())
}

/// The same answer as a stream of partial responses: text in pieces, each function call whole
/// (Gemini never splits one), the finish reason and the usage on each candidate's last chunk.
pub(crate) fn stream(
    id: &str,
    model: &str,
    said: &[Choice<'_>],
    used: Option<Usage>,
    pieces: fn(&str) -> Vec<&str>,
) -> VecDeque<Bytes> {
    let chunk = |candidate: Value, usage: Option<Usage>| {
        let mut body = json!({"candidates": [candidate], "modelVersion": model, "responseId": id});
        if let Some(usage) = usage {
            body["usageMetadata"] = usage_metadata(usage);
        }
        data_event(&body)
    };
    let mut events = VecDeque::new();
    for (index, (message, finish)) in said.iter().enumerate() {
        let spoken = Spoken::of(message);
        let mut parts: Vec<Value> = spoken
            .text
            .map(pieces)
            .unwrap_or_default()
            .into_iter()
            .map(|piece| json!({"text": piece}))
            .chain(
                spoken
                    .calls
                    .iter()
                    .map(|(_, name, arguments)| call_part(name, arguments)),
            )
            .collect();
        let last = parts.pop();
        for part in parts {
            events.push_back(chunk(candidate(index, vec![part], None), None));
        }
        let last_usage = if index + 1 == said.len() { used } else { None };
        events.push_back(chunk(
            candidate(
                index,
                last.into_iter().collect(),
                Some(finish_reason(finish, &spoken)),
            ),
            last_usage,
        ));
    }
    events
}

/// The model named in the path (`models/{model}:generateContent`).
pub(crate) fn model(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("models/")?;
    rest.split_once(':').map(|(model, _)| model)
}

/// The one function `toolConfig.functionCallingConfig` forces (mode `ANY` with one allowed
/// name).
pub(crate) fn forced_tool(body: &Value) -> Option<&str> {
    let config = body.pointer("/toolConfig/functionCallingConfig")?;
    (config.get("mode")?.as_str()? == "ANY").then_some(())?;
    match config.get("allowedFunctionNames")?.as_array()?.as_slice() {
        [only] => only.as_str(),
        _ => None,
    }
}

/// The schema of a structured answer in `generationConfig`, in either schema dialect.
fn response_schema(body: &Value) -> Option<&Value> {
    let config = body.get("generationConfig")?;
    config
        .get("responseSchema")
        .or_else(|| config.get("responseJsonSchema"))
}

/// The native mode: a response schema, or the JSON MIME type alone.
pub(crate) fn mode(body: &Value) -> Option<Mode> {
    if response_schema(body).is_some() {
        return Some(Mode::JsonSchema);
    }
    let mime = body
        .pointer("/generationConfig/responseMimeType")?
        .as_str()?;
    (mime == "application/json").then_some(Mode::JsonObject)
}

/// The answer's schema: the response schema, or the forced function's parameters.
pub(crate) fn answer_schema(body: &Value) -> Option<&Value> {
    if let Some(schema) = response_schema(body) {
        return Some(schema);
    }
    let tool = forced_tool(body)?;
    body.get("tools")?
        .as_array()?
        .iter()
        .filter_map(|t| t.get("functionDeclarations").and_then(Value::as_array))
        .flatten()
        .find(|d| d.get("name").and_then(Value::as_str) == Some(tool))
        .and_then(|d| {
            d.get("parameters")
                .or_else(|| d.get("parametersJsonSchema"))
        })
}

/// The `systemInstruction` text.
pub(crate) fn system(body: &Value) -> Option<String> {
    let parts = body.pointer("/systemInstruction/parts")?.as_array()?;
    Some(
        parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
    )
}

/// `generationConfig.candidateCount`, the dialect's `n`.
pub(crate) fn candidate_count(body: &Value) -> Option<u64> {
    body.pointer("/generationConfig/candidateCount")?.as_u64()
}

/// An error answer as the Gemini API writes one
/// (<https://ai.google.dev/gemini-api/docs/troubleshooting>): `{"error": {"code", "message",
/// "status"}}`, the status the canonical code Google pairs with the HTTP status.
pub(crate) fn error(status: u16, message: &str) -> Bytes {
    let canonical = match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        other if other < 500 => "FAILED_PRECONDITION",
        _ => "UNKNOWN",
    };
    Bytes::from(
        json!({"error": {"code": status, "message": message, "status": canonical}}).to_string(),
    )
}
