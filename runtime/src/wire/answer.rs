//! The common answer: what every dialect's response body and stream events are read into.
//!
//! Its serde form is chat-completions' own, the most common dialect, so that answers in it are
//! read straight into these types without a copy; the other dialects build them from their own
//! shapes (`wire::dialect`). Reading is tolerant as real servers require (OpenAI, vLLM,
//! llama.cpp, one-api and new-api): unknown fields are ignored, nulls are accepted wherever a
//! value may be absent, `finish_reason` is an open set.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::message::{Message, Role, ToolCall};
use crate::provider_state::ProviderState;
use crate::response::{FinishReason, Usage};
use crate::sources::{self, Source};

use super::dialect::Dialect;

/// A chat-completions answer, read leniently ([`CompletionReader`]).
#[derive(Debug, Default)]
pub(crate) struct Completion {
    pub(crate) id: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) choices: Vec<Choice>,
    pub(crate) usage: Option<Usage>,
    /// Some servers answer HTTP 200 with an error object.
    pub(crate) error: Option<Value>,
}

#[derive(Debug, Default)]
pub(crate) struct Choice {
    /// A `null` message is an empty one.
    pub(crate) message: AssistantMessage,
    pub(crate) finish_reason: Option<FinishReason>,
}

impl<'de> Deserialize<'de> for Completion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut completion = Self::default();
        d.deserialize_any(CompletionReader(&mut completion))?;
        Ok(completion)
    }
}

/// The fields of a completion that promptfn reads.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum CompletionField {
    Id,
    Model,
    Choices,
    Usage,
    Error,
    #[serde(other)]
    Other,
}

/// Reads a completion into its place, and each of its choices into the list's own slot: a
/// `Choice` is a few hundred bytes, and reading each level into a value returned to the level
/// above (as serde's derived readers do) copied every choice about five times per answer.
struct CompletionReader<'a>(&'a mut Completion);

impl<'de> Visitor<'de> for CompletionReader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a chat completion object")
    }

    /// An array is no completion. It is read through first, each element as a value (which,
    /// unlike `IgnoredAny`, counts depth), so that an array nested past the parser's recursion
    /// limit (a JSON bomb) is named as such.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<Value>()?.is_some() {}
        Err(de::Error::invalid_type(de::Unexpected::Seq, &self))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let completion = self.0;
        while let Some(field) = map.next_key::<CompletionField>()? {
            match field {
                CompletionField::Id => completion.id = map.next_value_seed(LenientString)?,
                CompletionField::Model => completion.model = map.next_value_seed(LenientString)?,
                CompletionField::Choices => {
                    // A repeated key replaces the list, as it replaces any other field.
                    completion.choices.clear();
                    map.next_value_seed(ChoicesReader(&mut completion.choices))?;
                }
                CompletionField::Usage => completion.usage = map.next_value()?,
                CompletionField::Error => {
                    completion.error = map.next_value_seed(ErrorField)?;
                }
                CompletionField::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `choices`, `null` read as none, each choice read in place. Nearly every completion has one
/// choice, so the list starts with room for one: serde's own first growth makes room for four,
/// and four `Choice`s are too large for glibc's per-thread cache, so that allocation took
/// 730–800 instructions on every awaited call, against about 50 for room for one (callgrind).
struct ChoicesReader<'a>(&'a mut Vec<Choice>);

impl<'de> de::DeserializeSeed<'de> for ChoicesReader<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ChoicesReader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let choices = self.0;
        choices.reserve_exact(1);
        while seq.next_element_seed(NextChoice(choices))?.is_some() {}
        Ok(())
    }
}

/// Reads the next choice into a new slot at the end of the list (made only when there is one).
struct NextChoice<'a>(&'a mut Vec<Choice>);

impl<'de> de::DeserializeSeed<'de> for NextChoice<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.push(Choice::default());
        match self.0.last_mut() {
            Some(slot) => d.deserialize_map(ChoiceReader(slot)),
            None => Ok(()),
        }
    }
}

/// The fields of a choice that promptfn reads. Its `index` is not among them: choices are
/// taken in the order they come, and nothing reads their numbers.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum ChoiceField {
    Message,
    FinishReason,
    #[serde(other)]
    Other,
}

/// Reads one choice into its slot.
struct ChoiceReader<'a>(&'a mut Choice);

impl<'de> Visitor<'de> for ChoiceReader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a choice object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let choice = self.0;
        while let Some(field) = map.next_key::<ChoiceField>()? {
            match field {
                ChoiceField::Message => map.next_value_seed(MessageReader(&mut choice.message))?,
                ChoiceField::FinishReason => {
                    choice.finish_reason =
                        map.next_value_seed(crate::response::FinishReasonSeed)?;
                }
                ChoiceField::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An answer's assistant message, read field by field ([`MessageReader`]).
#[derive(Debug, Default)]
pub(crate) struct AssistantMessage {
    pub(crate) content: Option<String>,
    pub(crate) refusal: Option<String>,
    pub(crate) tool_calls: Vec<WireToolCall>,
    /// The legacy single `function_call` some servers still add.
    pub(crate) function_call: Option<WireFunction>,
    /// Reasoning text under either name servers use (`reasoning_content`, `reasoning`).
    pub(crate) reasoning_content: Option<String>,
    pub(crate) reasoning: Option<String>,
    /// OpenRouter's structured reasoning (signed and encrypted blocks among them), which it
    /// wants back unchanged to continue a tool loop.
    pub(crate) reasoning_details: Option<Value>,
    /// What a native dialect's answer carries for the turn and wants back (signed thinking,
    /// reasoning items), set by its reader; chat-completions' own is taken from the fields
    /// above.
    pub(crate) state: ProviderState,
    /// The sources the answer cites (chat-completions `annotations`; each native dialect's
    /// citations), deduplicated and bounded.
    pub(crate) sources: Vec<Source>,
}

/// The fields of an assistant message that promptfn reads.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum MessageField {
    Content,
    Refusal,
    ToolCalls,
    FunctionCall,
    ReasoningContent,
    Reasoning,
    ReasoningDetails,
    Annotations,
    #[serde(other)]
    Other,
}

/// Reads an assistant message into its place, field by field, so that one field can fill two:
/// the refusal parts of a `content` array (`{"type": "refusal", "refusal": …}`) are the
/// message's refusal, not dropped text. `null` is an empty message.
struct MessageReader<'a>(&'a mut AssistantMessage);

impl<'de> de::DeserializeSeed<'de> for MessageReader<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessageReader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an assistant message object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let m = self.0;
        let mut refused_in_parts = None;
        while let Some(field) = map.next_key::<MessageField>()? {
            match field {
                MessageField::Content => {
                    let content = map.next_value_seed(ContentSeed)?;
                    m.content = content.text;
                    refused_in_parts = content.refusal;
                }
                MessageField::Refusal => m.refusal = map.next_value_seed(LenientString)?,
                MessageField::ToolCalls => {
                    m.tool_calls = map
                        .next_value::<Option<Vec<WireToolCall>>>()?
                        .unwrap_or_default();
                }
                MessageField::FunctionCall => m.function_call = map.next_value()?,
                MessageField::ReasoningContent => {
                    m.reasoning_content = map.next_value_seed(LenientString)?;
                }
                MessageField::Reasoning => m.reasoning = map.next_value_seed(LenientString)?,
                MessageField::ReasoningDetails => m.reasoning_details = map.next_value()?,
                MessageField::Annotations => m.sources = annotations(map.next_value()?),
                MessageField::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        if m.refusal.as_deref().is_none_or(str::is_empty) && refused_in_parts.is_some() {
            m.refusal = refused_in_parts;
        }
        Ok(())
    }
}

/// A `content` field read whole: its text, and the refusal parts of a content array.
#[derive(Default)]
struct Content {
    text: Option<String>,
    refusal: Option<String>,
}

struct ContentSeed;

impl<'de> de::DeserializeSeed<'de> for ContentSeed {
    type Value = Content;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl ContentVisitor {
    /// Any other value is text as [`Text`] reads it.
    fn text(text: Option<String>) -> Content {
        Content {
            text,
            refusal: None,
        }
    }
}

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, null or an array of content parts")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Self::text(Some(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Self::text(Some(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Content::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Content::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Text { parts: true }.visit_bool(v).map(Self::text)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Text { parts: true }.visit_i64(v).map(Self::text)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Text { parts: true }.visit_u64(v).map(Self::text)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Text { parts: true }.visit_f64(v).map(Self::text)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Text { parts: true }.visit_map(map).map(Self::text)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let parts = Vec::<Value>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        let (refusals, texts): (Vec<&Value>, Vec<&Value>) = parts
            .iter()
            .partition(|p| p.get("type").and_then(Value::as_str) == Some("refusal"));
        let refusal: String = refusals
            .iter()
            .filter_map(|p| p.get("refusal").and_then(Value::as_str))
            .collect();
        let text =
            Text { parts: true }.compound(Value::Array(texts.into_iter().cloned().collect()));
        Ok(Content {
            text: Some(text),
            refusal: (!refusal.is_empty()).then_some(refusal),
        })
    }
}

/// One tool call of an answer, or a piece of one in a stream. Fields promptfn does not read
/// (Gemini's `extra_content` with its thought signature, anything a provider adds) are kept
/// to be sent back unchanged.
#[derive(Debug, Default)]
pub(crate) struct WireToolCall {
    /// A streamed piece's position among the calls: the only key the spec requires, and some
    /// servers omit even that (Gemini compatibility layers, one-api's Claude channel).
    pub(crate) index: Option<u32>,
    pub(crate) id: Option<String>,
    pub(crate) function: WireFunction,
    pub(crate) extra: Map<String, Value>,
    /// The dialect that read the call: `extra` is sent back only in it.
    pub(crate) dialect: Dialect,
}

/// A piece of a streamed tool call: the same fields as a whole one.
pub(crate) type ToolCallDelta = WireToolCall;

impl<'de> Deserialize<'de> for WireToolCall {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ToolCallVisitor)
    }
}

/// Reads a tool call field by field: the known ones leniently, the rest kept whole. (serde's
/// `flatten` would buffer every field, the known ones included, before reading any.)
struct ToolCallVisitor;

impl<'de> Visitor<'de> for ToolCallVisitor {
    type Value = WireToolCall;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tool call object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(WireToolCall::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(WireToolCall::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut call = WireToolCall::default();
        while let Some(key) = map.next_key::<String>()? {
            match &*key {
                "id" => call.id = map.next_value_seed(LenientString)?,
                "function" => {
                    call.function = map
                        .next_value::<Option<WireFunction>>()?
                        .unwrap_or_default();
                }
                "index" => call.index = map.next_value::<Option<u32>>()?,
                // Always "function"; written back as such.
                "type" => {
                    map.next_value::<de::IgnoredAny>()?;
                }
                _ => {
                    let value = map.next_value::<Value>()?;
                    call.extra.insert(key, value);
                }
            }
        }
        Ok(call)
    }
}

/// [`lenient_string`] as a seed, for visitors that read field by field.
struct LenientString;

impl<'de> de::DeserializeSeed<'de> for LenientString {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        lenient_string(d)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WireFunction {
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) name: Option<String>,
    #[serde(deserialize_with = "arguments")]
    pub(crate) arguments: Option<String>,
}

impl Completion {
    /// Parse a non-streamed body. Blank lines before the JSON (DeepSeek) are tolerated.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, String> {
        if let Ok(text) = std::str::from_utf8(body) {
            return Self::parse_text(text);
        }
        let body = json_start(body)?;
        serde_json::from_slice(body).map_err(not_a_completion)
    }

    /// [`parse`](Self::parse) for a body already known to be UTF-8: the parser then skips
    /// validating every string again.
    pub(crate) fn parse_text(body: &str) -> Result<Self, String> {
        let mut completion = Self::default();
        completion.read_text(body)?;
        Ok(completion)
    }

    /// Reads a UTF-8 body into this (empty) completion, in place: a completion is 200 bytes,
    /// and returning it from each of the parser's layers copied it three times per answer.
    /// The common shape (choices of text, usage) is read by hand ([`completion_scan`]); any
    /// other, and any body that is not JSON, by serde.
    ///
    /// [`completion_scan`]: super::completion_scan
    fn read_text(&mut self, body: &str) -> Result<(), String> {
        let start = body.len() - json_start(body.as_bytes())?.len();
        let json = &body[start..];
        if super::completion_scan::read(json, self) {
            return Ok(());
        }
        // What the scan read before it gave up is not kept.
        *self = Self::default();
        let mut tries = 0;
        super::surrogates::read_json(json, |json| {
            if tries > 0 {
                // What the failed first reading filled in is not kept.
                *self = Self::default();
            }
            tries += 1;
            let mut parser = serde_json::Deserializer::from_str(json);
            parser.deserialize_any(CompletionReader(self))?;
            parser.end()
        })
        .map_err(not_a_completion)
    }

    /// Parse a whole body that the caller also reads as text (`Response::raw`, error
    /// excerpts). A UTF-8 body, as JSON must be, is that text, borrowed, and is validated
    /// once; any other is kept with U+FFFD for what cannot be read and is parsed as bytes, so
    /// that the parser names the bad string rather than a replaced answer getting through.
    pub(crate) fn parse_body(body: &[u8]) -> (Cow<'_, str>, Result<Self, String>) {
        match std::str::from_utf8(body) {
            Ok(text) => {
                // Built where it is returned, and filled there.
                let mut read = (Cow::Borrowed(text), Ok(Self::default()));
                if let (text, Ok(completion)) = &mut read
                    && let Err(reason) = completion.read_text(text)
                {
                    read.1 = Err(reason);
                }
                read
            }
            Err(_) => (String::from_utf8_lossy(body), Self::parse(body)),
        }
    }
}

/// The body from its first non-blank byte, or why it cannot be a completion.
pub(crate) fn json_start(body: &[u8]) -> Result<&[u8], String> {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    match body.first() {
        None => Err("the body is empty".into()),
        Some(b'<') => Err(
            "the body is HTML, not JSON (a proxy or gateway answered instead of the model server)"
                .into(),
        ),
        Some(_) => Ok(body),
    }
}

fn not_a_completion(e: serde_json::Error) -> String {
    format!("the body is not a chat completion: {e}")
}

impl AssistantMessage {
    /// The tool calls, including a legacy `function_call`, as [`ToolCall`]s.
    pub(crate) fn calls(&self) -> Vec<ToolCall> {
        let mut calls: Vec<ToolCall> = self
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut call = ToolCall::new(
                    c.id.clone().unwrap_or_else(|| format!("call_{i}")),
                    c.function.name.clone().unwrap_or_default(),
                    c.function.arguments.clone().unwrap_or_default(),
                );
                call.state = ProviderState::kept(c.dialect, c.extra.clone());
                call
            })
            .collect();
        if calls.is_empty()
            && let Some(f) = &self.function_call
        {
            calls.push(ToolCall::new(
                "call_0",
                f.name.clone().unwrap_or_default(),
                f.arguments.clone().unwrap_or_default(),
            ));
        }
        calls
    }

    /// The reasoning text, under whichever name the server used.
    pub(crate) fn reasoning_text(&self) -> Option<&str> {
        self.reasoning_content
            .as_deref()
            .or(self.reasoning.as_deref())
            .filter(|r| !r.is_empty())
    }

    /// This answer as a message to send back in a re-ask or tool loop, with the state the
    /// provider expects back.
    pub(crate) fn to_message(&self) -> Message {
        let mut m = Message::text(Role::Assistant, self.content.clone().unwrap_or_default());
        m.tool_calls = self.calls();
        if !self.state.is_empty() {
            m.state = self.state.clone();
            return m;
        }
        let mut state = Map::new();
        // DeepSeek wants `reasoning_content` back on a turn that called tools, and answers 400
        // to it on any other turn.
        if !m.tool_calls.is_empty()
            && let Some(reasoning) = &self.reasoning_content
        {
            state.insert("reasoning_content".into(), Value::String(reasoning.clone()));
        }
        if let Some(details) = self.reasoning_details.as_ref().filter(|d| !d.is_null()) {
            state.insert("reasoning_details".into(), details.clone());
        }
        m.state = ProviderState::kept(Dialect::ChatCompletions, state);
        m
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// [`error_field`] as a seed, for visitors that read field by field.
struct ErrorField;

impl<'de> de::DeserializeSeed<'de> for ErrorField {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        error_field(d)
    }
}

/// An `error` field, `None` unless it says something: servers that always write the field
/// fill it with `""`, `false`, `0`, `{}` or `[]` beside a valid answer, which is no error.
fn error_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value.filter(|v| match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }))
}

/// A string field that some server sends as a number or another value: keep its text.
/// The `url_citation` sources of an `annotations` value (any other shape or annotation type
/// adds nothing): <https://platform.openai.com/docs/api-reference/chat/object>.
fn annotations(value: Option<Value>) -> Vec<Source> {
    let mut list = Vec::new();
    if let Some(Value::Array(items)) = value {
        sources::extend(&mut list, items.iter().filter_map(sources::url_citation));
    }
    list
}

fn annotation_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Source>, D::Error> {
    Option::<Value>::deserialize(d).map(annotations)
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text { parts: false })
}

/// `content` is a string, null, or (some servers) an array of text parts.
fn content<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text { parts: true })
}

/// Tool-call `arguments` should be a JSON string; some servers send the object itself.
fn arguments<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text { parts: false })
}

/// Reads a text field straight from the parser: strings (the common case) without an
/// intermediate `Value`; null as `None`; numbers and booleans as their JSON text; arrays and
/// objects as their JSON text, or (with `parts`) an array of text parts joined.
struct Text {
    parts: bool,
}

impl Text {
    fn compound(&self, value: Value) -> String {
        match value {
            Value::Array(parts) if self.parts => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str).or_else(|| p.as_str()))
                .collect(),
            other => other.to_string(),
        }
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, null or another JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Value::Bool(v).to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Value::from(v).to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Value::from(v).to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Value::from(v).to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Some(self.compound(value)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Some(self.compound(value)))
    }
}

/// One chunk of a streamed answer (`chat.completion.chunk`), read leniently.
///
/// Every field may be absent or null: servers send `"role":null,"content":null` deltas, usage
/// chunks with `choices: []`, and error objects in place of chunks (vLLM, sglang, llama-server).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CompletionChunk {
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) model: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) choices: Vec<ChunkChoice>,
    pub(crate) usage: Option<Usage>,
    /// vLLM, sglang and llama-server put an error object in a `data:` line of a 200 stream.
    #[serde(deserialize_with = "error_field")]
    pub(crate) error: Option<Value>,
    /// A native dialect's state of the assistant turn so far (signed thinking, reasoning
    /// items), set by its reader; it replaces what earlier chunks said.
    #[serde(skip)]
    pub(crate) state: ProviderState,
}

/// One choice of a stream chunk.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChunkChoice {
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) delta: Delta,
    #[serde(deserialize_with = "crate::response::finish_reason")]
    pub(crate) finish_reason: Option<FinishReason>,
}

/// What one chunk adds to the answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Delta {
    #[serde(deserialize_with = "content")]
    pub(crate) content: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) refusal: Option<String>,
    /// DeepSeek, new-api and llama-server call the reasoning text `reasoning_content`; vLLM
    /// and mlx call it `reasoning`. Two fields, not an alias: a server may send both.
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) reasoning_content: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) reasoning: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) tool_calls: Vec<ToolCallDelta>,
    /// The legacy single `function_call`, streamed the same way.
    pub(crate) function_call: Option<WireFunction>,
    /// The sources this chunk cites (chat-completions `annotations` on a delta; each native
    /// dialect's citation events).
    #[serde(rename = "annotations", deserialize_with = "annotation_list")]
    pub(crate) sources: Vec<Source>,
}

impl Delta {
    /// The reasoning text, under whichever name the server used.
    pub(crate) fn reasoning_text(&self) -> Option<&str> {
        self.reasoning_content
            .as_deref()
            .or(self.reasoning.as_deref())
            .filter(|r| !r.is_empty())
    }
}
