//! Reading a `GenerateContentResponse`
//! (<https://ai.google.dev/api/generate-content#generatecontentresponse>) into the common
//! answer: whole bodies here, stream chunks (each one such response) in `stream`.
//!
//! The response is read as a JSON value and walked, so that no field of an unexpected type
//! fails the answer: what is not where the reference puts it is left out.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::provider_state::ProviderState;
use crate::response::{FinishReason, Usage};
use crate::sources::Source;

use super::super::answer::{AssistantMessage, Choice, Completion, WireFunction, WireToolCall};
use super::super::dialect::Dialect;
use super::super::surrogates;
use super::grounding;
use super::{THOUGHT_SIGNATURE, generated_call_id};

/// A whole `generateContent` body, kept as text.
pub(crate) fn decode(body: &[u8]) -> (Cow<'_, str>, std::result::Result<Completion, String>) {
    let text = String::from_utf8_lossy(body);
    let parsed = parse(&text).map(|response| completion(&response));
    (text, parsed)
}

/// The body as JSON, or why it is not a Gemini response.
pub(super) fn parse(text: &str) -> std::result::Result<Value, String> {
    let start = text.len() - super::super::answer::json_start(text.as_bytes())?.len();
    let value: Value = surrogates::from_json(&text[start..])
        .map_err(|e| format!("the body is not a Gemini GenerateContentResponse: {e}"))?;
    if !value.is_object() {
        return Err("the body is not a Gemini GenerateContentResponse (not a JSON object)".into());
    }
    Ok(value)
}

/// The common answer of one response: a choice per candidate, or for a prompt Gemini blocked
/// (`promptFeedback.blockReason`, no candidates), one empty choice ended by the content filter.
pub(super) fn completion(response: &Value) -> Completion {
    let mut choices: Vec<Choice> = candidates(response)
        .map(|candidate| {
            let read = Candidate::read(candidate, 0);
            Choice {
                finish_reason: read.finish_reason.clone(),
                message: read.into_message(),
            }
        })
        .collect();
    if choices.is_empty() && block_reason(response).is_some() {
        choices.push(Choice {
            message: AssistantMessage::default(),
            finish_reason: Some(FinishReason::ContentFilter),
        });
    }
    Completion {
        id: text_field(response, "responseId"),
        model: text_field(response, "modelVersion"),
        choices,
        usage: usage(response),
        error: error(response),
    }
}

/// The response's candidates, in order.
pub(super) fn candidates(response: &Value) -> impl Iterator<Item = &Value> {
    response
        .get("candidates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.is_object())
}

/// `promptFeedback.blockReason`: Gemini refused the prompt itself.
pub(super) fn block_reason(response: &Value) -> Option<&str> {
    response
        .get("promptFeedback")?
        .get("blockReason")?
        .as_str()
        .filter(|r| !r.is_empty() && *r != "BLOCK_REASON_UNSPECIFIED")
}

/// An error object in a 200 body or a stream chunk (`{"error": {"code", "message", "status"}}`).
pub(super) fn error(response: &Value) -> Option<Value> {
    response
        .get("error")
        .filter(|e| match e {
            Value::Object(o) => !o.is_empty(),
            Value::String(s) => !s.trim().is_empty(),
            _ => false,
        })
        .cloned()
}

fn text_field(value: &Value, name: &str) -> Option<String> {
    match value.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// `usageMetadata` (<https://ai.google.dev/api/generate-content#UsageMetadata>): the thinking
/// tokens (`thoughtsTokenCount`) are answer tokens, billed as such, so they count in
/// `completion_tokens`, as OpenAI's reasoning tokens do, and are `reasoning_tokens`; the
/// prompt tokens read from Gemini's implicit cache (`cachedContentTokenCount`, part of
/// `promptTokenCount`) are `cache_read_tokens`.
pub(super) fn usage(response: &Value) -> Option<Usage> {
    let meta = response.get("usageMetadata")?.as_object()?;
    let count = |name: &str| meta.get(name).and_then(Value::as_u64).unwrap_or(0);
    let prompt = count("promptTokenCount");
    let completion = count("candidatesTokenCount").saturating_add(count("thoughtsTokenCount"));
    let mut usage = Usage::new(prompt, completion);
    if let Some(total) = meta.get("totalTokenCount").and_then(Value::as_u64) {
        usage.total_tokens = total;
    }
    usage.reasoning_tokens = count("thoughtsTokenCount");
    usage.cache_read_tokens = count("cachedContentTokenCount");
    Some(usage)
}

/// `finishReason` (<https://ai.google.dev/api/generate-content#FinishReason>) onto the common
/// reasons: the blocking ones are the content filter; a stop that made function calls is
/// `ToolCalls`, as other dialects say it.
pub(super) fn finish_reason(reason: &str, calls: bool) -> Option<FinishReason> {
    Some(match reason {
        "" | "FINISH_REASON_UNSPECIFIED" => return None,
        "STOP" if calls => FinishReason::ToolCalls,
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY"
        | "RECITATION"
        | "BLOCKLIST"
        | "PROHIBITED_CONTENT"
        | "SPII"
        | "IMAGE_SAFETY"
        | "IMAGE_PROHIBITED_CONTENT"
        | "IMAGE_RECITATION" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    })
}

/// What one candidate (or one stream chunk of it) says.
#[derive(Debug, Default)]
pub(super) struct Candidate {
    /// The answer text: every text part that is not a thought, joined.
    pub(super) text: Option<String>,
    /// Thought summaries (parts with `thought: true`), joined.
    pub(super) reasoning: Option<String>,
    pub(super) calls: Vec<WireToolCall>,
    /// The fields besides the text of the last text part that carried any (its thought
    /// signature), to be written back on the turn's text part.
    pub(super) kept: Option<Map<String, Value>>,
    pub(super) finish_reason: Option<FinishReason>,
    /// The pages a Google Search grounding found (`groundingMetadata`).
    pub(super) sources: Vec<Source>,
}

impl Candidate {
    /// Reads `candidate`; its function calls are numbered from `calls_before` (the calls an
    /// earlier chunk of the same stream made).
    pub(super) fn read(candidate: &Value, calls_before: usize) -> Self {
        let mut read = Self::default();
        let parts = candidate
            .get("content")
            .and_then(|c| c.get("parts"))
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten().filter_map(Value::as_object) {
            if let Some(call) = part.get("functionCall") {
                let at = calls_before + read.calls.len();
                read.calls.push(tool_call(call, part, at));
                continue;
            }
            let Some(text) = part.get("text").and_then(Value::as_str) else {
                continue;
            };
            let thought = part.get("thought").and_then(Value::as_bool) == Some(true);
            let into = if thought {
                &mut read.reasoning
            } else {
                &mut read.text
            };
            into.get_or_insert_with(String::new).push_str(text);
            let kept: Map<String, Value> = part
                .iter()
                .filter(|(name, _)| !matches!(name.as_str(), "text" | "thought"))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            if kept.contains_key(THOUGHT_SIGNATURE) {
                read.kept = Some(kept);
            }
        }
        read.sources = grounding::sources(candidate);
        let reason = candidate.get("finishReason").and_then(Value::as_str);
        read.finish_reason = reason.and_then(|r| finish_reason(r, !read.calls.is_empty()));
        read
    }

    /// The candidate as a whole answer's message.
    fn into_message(self) -> AssistantMessage {
        AssistantMessage {
            content: self.text,
            reasoning: self.reasoning,
            tool_calls: self.calls,
            state: ProviderState::kept(
                Dialect::GeminiGenerateContent,
                self.kept.unwrap_or_default(),
            ),
            sources: self.sources,
            ..AssistantMessage::default()
        }
    }
}

/// One `functionCall` part as a tool call: its id (Gemini's, else one made from its position),
/// its name, its `args` object as JSON text, and the part's other fields (its thought
/// signature) to be sent back on it.
fn tool_call(call: &Value, part: &Map<String, Value>, at: usize) -> WireToolCall {
    let id = call
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map_or_else(|| generated_call_id(at), str::to_owned);
    let name = call.get("name").and_then(Value::as_str).map(str::to_owned);
    let arguments = match call.get("args") {
        None | Some(Value::Null) => "{}".to_owned(),
        Some(args) => args.to_string(),
    };
    let extra = part
        .iter()
        .filter(|(name, _)| name.as_str() != "functionCall")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    WireToolCall {
        index: u32::try_from(at).ok(),
        id: Some(id),
        function: WireFunction {
            name,
            arguments: Some(arguments),
        },
        extra,
        dialect: Dialect::GeminiGenerateContent,
    }
}
