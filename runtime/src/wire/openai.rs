//! OpenAI chat-completions bodies: the request we send, and the tolerant reading of answers.
//!
//! Reading follows what real servers send (OpenAI, vLLM, llama.cpp, one-api and new-api): unknown fields are ignored,
//! nulls are accepted wherever a value may be absent, `finish_reason` is an open set.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::media::ResolvedMedia;
use crate::message::{Message, Part, Role, ToolCall};
use crate::params::{LogitBias, Sampling};
use crate::provider_state::{ProviderState, WireOrigin};
use crate::response::{FinishReason, Usage};

/// A chat-completions request body, borrowing everything it sends.
#[derive(Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub(crate) model: &'a str,
    pub(crate) messages: WireMessages<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stop: Option<crate::params::StrList<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) presence_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) frequency_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) logit_bias: Option<LogitBias<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) seed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) n: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) response_format: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tools: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tool_choice: Option<&'a Value>,
}

impl<'a> ChatRequest<'a> {
    pub(crate) fn new(model: &'a str, messages: &'a [Message], sampling: Sampling<'a>) -> Self {
        Self {
            model,
            messages: WireMessages {
                messages,
                suffix: None,
                null_tool_content: true,
                media: None,
            },
            temperature: sampling.temperature,
            top_p: sampling.top_p,
            max_tokens: sampling.max_tokens,
            stop: sampling.stop,
            presence_penalty: sampling.presence_penalty,
            frequency_penalty: sampling.frequency_penalty,
            logit_bias: sampling.logit_bias.map(LogitBias),
            seed: sampling.seed,
            user: sampling.end_user,
            n: sampling.n,
            response_format: None,
            tools: None,
            tool_choice: None,
        }
    }
}

/// The conversation, with an optional text appended to one message (the structured-output
/// instruction) without copying the messages.
pub(crate) struct WireMessages<'a> {
    pub(crate) messages: &'a [Message],
    pub(crate) suffix: Option<(usize, &'a str)>,
    /// Whether an assistant turn that only calls tools says `content: null` (the spec) or
    /// `content: ""` (llama-cpp-python answers HTTP 500 to null).
    pub(crate) null_tool_content: bool,
    /// The wire form of every media part, settled for the target before encoding.
    pub(crate) media: Option<&'a ResolvedMedia>,
}

impl Serialize for WireMessages<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.messages.iter().enumerate().map(|(i, m)| WireMessage {
            message: m,
            suffix: self.suffix.filter(|(at, _)| *at == i).map(|(_, text)| text),
            null_tool_content: self.null_tool_content,
            media: self.media.map(|media| (media, i)),
        }))
    }
}

struct WireMessage<'a> {
    message: &'a Message,
    suffix: Option<&'a str>,
    null_tool_content: bool,
    /// The resolved media and this message's index in the conversation.
    media: Option<(&'a ResolvedMedia, usize)>,
}

impl Serialize for WireMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.message;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("role", m.role.as_str())?;
        match (m.as_text(), self.suffix) {
            // An assistant turn that only calls tools has `content: null`, as the spec shows.
            (Some(""), None) if !m.tool_calls.is_empty() && self.null_tool_content => {
                map.serialize_entry("content", &())?;
            }
            // Text-only content is always a plain string: some servers (llama-cpp-python)
            // reject arrays of parts even when they hold only text.
            (Some(text), None) => map.serialize_entry("content", text)?,
            (Some(text), Some(suffix)) => map.serialize_entry("content", &Concat(text, suffix))?,
            (None, suffix) => map.serialize_entry(
                "content",
                &Parts {
                    parts: &m.parts,
                    suffix,
                    media: self.media,
                },
            )?,
        }
        if !m.tool_calls.is_empty() {
            map.serialize_entry("tool_calls", &WireToolCalls(&m.tool_calls))?;
        }
        if let Some(id) = &m.tool_call_id {
            map.serialize_entry("tool_call_id", id)?;
        }
        if let Some(state) = m.state.fields_for(WireOrigin::ChatCompletions) {
            for (name, value) in state {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

struct Concat<'a>(&'a str, &'a str);

impl Serialize for Concat<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}{}", self.0, self.1))
    }
}

/// Content as an array of parts: text parts, and media parts in the form resolved for the target.
struct Parts<'a> {
    parts: &'a [Part],
    suffix: Option<&'a str>,
    media: Option<(&'a ResolvedMedia, usize)>,
}

impl Serialize for Parts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let len = self.parts.len() + usize::from(self.suffix.is_some());
        let mut seq = s.serialize_seq(Some(len))?;
        for (j, part) in self.parts.iter().enumerate() {
            match part {
                Part::Text(text) => seq.serialize_element(&TextPart(text))?,
                Part::Media(_) => {
                    let Some((media, i)) = self.media else {
                        return Err(S::Error::custom(
                            "a media part reached the wire unresolved (promptfn bug: the request \
                             plan needs `with_media`)",
                        ));
                    };
                    let Some(wire) = media.part(i, j) else {
                        return Err(S::Error::custom(format!(
                            "media part {j} of message {i} was not resolved (promptfn bug)"
                        )));
                    };
                    seq.serialize_element(&wire.serializable(media.failure_slot()))?;
                }
            }
        }
        if let Some(suffix) = self.suffix {
            seq.serialize_element(&TextPart(suffix))?;
        }
        seq.end()
    }
}

/// `{"type": "text", "text": …}`
struct TextPart<'a>(&'a str);

impl Serialize for TextPart<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", "text")?;
        map.serialize_entry("text", self.0)?;
        map.end()
    }
}

struct WireToolCalls<'a>(&'a [ToolCall]);

impl Serialize for WireToolCalls<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(WireToolCallOut))
    }
}

/// `{"id": …, "type": "function", "function": {"name": …, "arguments": …}}` and the fields
/// the provider attached to the call.
struct WireToolCallOut<'a>(&'a ToolCall);

impl Serialize for WireToolCallOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &c.id)?;
        map.serialize_entry("type", "function")?;
        map.serialize_entry("function", &FunctionOut(c))?;
        if let Some(state) = c.state.fields_for(WireOrigin::ChatCompletions) {
            for (name, value) in state {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

struct FunctionOut<'a>(&'a ToolCall);

impl Serialize for FunctionOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("name", &self.0.name)?;
        map.serialize_entry("arguments", &self.0.arguments)?;
        map.end()
    }
}

/// Adds `"stream": true` (and the usage request) to an encoded request body.
///
/// The keys are appended to the object the one shared encoder wrote, so a streamed request
/// sends exactly what an awaited one would, plus these.
pub(crate) fn streaming_body(
    mut body: Vec<u8>,
    include_usage: bool,
) -> crate::Result<bytes::Bytes> {
    if body.len() < 2 || body.first() != Some(&b'{') || body.pop() != Some(b'}') {
        return Err(crate::Error::Config(
            "the request body is not a JSON object; this is a bug in promptfn".into(),
        ));
    }
    if body.len() > 1 {
        body.push(b',');
    }
    body.extend_from_slice(br#""stream":true"#);
    if include_usage {
        body.extend_from_slice(br#","stream_options":{"include_usage":true}"#);
    }
    body.push(b'}');
    Ok(body.into())
}

/// A chat-completions answer, read leniently.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChatResponse {
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) model: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) choices: Vec<Choice>,
    pub(crate) usage: Option<Usage>,
    /// Some servers answer HTTP 200 with an error object.
    #[serde(deserialize_with = "error_field")]
    pub(crate) error: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Choice {
    pub(crate) index: Option<u32>,
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) message: AssistantMessage,
    #[serde(deserialize_with = "crate::response::finish_reason")]
    pub(crate) finish_reason: Option<FinishReason>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AssistantMessage {
    #[serde(deserialize_with = "content")]
    pub(crate) content: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) refusal: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) tool_calls: Vec<WireToolCall>,
    /// The legacy single `function_call` some servers still add.
    pub(crate) function_call: Option<WireFunction>,
    /// Reasoning text under either name servers use; two fields rather than a serde alias,
    /// which would reject a message carrying both ("duplicate field").
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) reasoning_content: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub(crate) reasoning: Option<String>,
    /// OpenRouter's structured reasoning (signed and encrypted blocks among them), which it
    /// wants back unchanged to continue a tool loop.
    pub(crate) reasoning_details: Option<Value>,
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

impl ChatResponse {
    /// Parse a non-streamed body. Blank lines before the JSON (DeepSeek) are tolerated.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, String> {
        let body = json_start(body)?;
        serde_json::from_slice(body).map_err(not_a_completion)
    }

    /// [`parse`](Self::parse) for a body already known to be UTF-8: the parser then skips
    /// validating every string again.
    pub(crate) fn parse_text(body: &str) -> Result<Self, String> {
        let start = body.len() - json_start(body.as_bytes())?.len();
        serde_json::from_str(&body[start..]).map_err(not_a_completion)
    }

    /// Parse a whole body that the caller also keeps as text (`Response::raw`, error
    /// excerpts). A UTF-8 body, as JSON must be, becomes that text without a copy and is
    /// validated once; any other is kept with U+FFFD for what cannot be read and is parsed as
    /// bytes, so that the parser names the bad string rather than a replaced answer getting
    /// through.
    pub(crate) fn parse_body(body: Vec<u8>) -> (String, Result<Self, String>) {
        match String::from_utf8(body) {
            Ok(text) => {
                let parsed = Self::parse_text(&text);
                (text, parsed)
            }
            Err(e) => {
                let parsed = Self::parse(e.as_bytes());
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), parsed)
            }
        }
    }
}

/// The body from its first non-blank byte, or why it cannot be a completion.
fn json_start(body: &[u8]) -> Result<&[u8], String> {
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
                call.state = ProviderState::kept(WireOrigin::ChatCompletions, c.extra.clone());
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
        m.state = ProviderState::kept(WireOrigin::ChatCompletions, state);
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
pub(crate) struct ChatChunk {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_keys_are_appended_to_the_body() {
        let body = streaming_body(br#"{"model":"m"}"#.to_vec(), true).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"model":"m","stream":true,"stream_options":{"include_usage":true}})
        );
        let body = streaming_body(b"{}".to_vec(), false).unwrap();
        assert_eq!(&body[..], br#"{"stream":true}"#);
        assert!(streaming_body(b"[1]".to_vec(), true).is_err());
        assert!(streaming_body(Vec::new(), true).is_err());
    }

    #[test]
    fn reads_the_spec_example() {
        let body = br#"{"id":"chatcmpl-123","object":"chat.completion","created":1677652288,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}"#;
        let r = ChatResponse::parse(body).unwrap();
        assert_eq!(r.id.as_deref(), Some("chatcmpl-123"));
        assert_eq!(r.choices[0].message.content.as_deref(), Some("Hello"));
        assert_eq!(r.choices[0].finish_reason, Some(FinishReason::Stop));
        assert_eq!(r.usage, Some(Usage::new(9, 12)));
    }

    #[test]
    fn a_falsy_error_field_is_no_error() {
        for falsy in ["null", "\"\"", "false", "0", "0.0", "{}", "[]"] {
            let body =
                format!(r#"{{"choices":[{{"message":{{"content":"ok"}}}}],"error":{falsy}}}"#);
            let r = ChatResponse::parse(body.as_bytes()).unwrap();
            assert!(r.error.is_none(), "{falsy}");
            let chunk: ChatChunk =
                serde_json::from_str(&format!(r#"{{"error":{falsy}}}"#)).unwrap();
            assert!(chunk.error.is_none(), "{falsy}");
        }
        for truthy in [r#""boom""#, "true", "500", r#"{"message":"x"}"#, r#"["x"]"#] {
            let body = format!(r#"{{"choices":[],"error":{truthy}}}"#);
            assert!(
                ChatResponse::parse(body.as_bytes())
                    .unwrap()
                    .error
                    .is_some(),
                "{truthy}"
            );
        }
    }

    #[test]
    fn tolerates_nulls_missing_fields_and_extras() {
        let body = b"\n\n  {\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":null},\"finish_reason\":\"\",\"stop_reason\":7}],\"usage\":null,\"timings\":{}}";
        let r = ChatResponse::parse(body).unwrap();
        assert_eq!(r.choices[0].message.content, None);
        assert_eq!(r.choices[0].finish_reason, None);
        assert!(r.choices[0].message.calls().is_empty());
        let r = ChatResponse::parse(br#"{"choices":null,"id":12}"#).unwrap();
        assert!(r.choices.is_empty());
        assert_eq!(r.id.as_deref(), Some("12"));
    }

    #[test]
    fn reads_tool_calls_and_legacy_function_calls() {
        let body = br#"{"choices":[{"message":{"content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"answer","arguments":"{\"a\":1}"}}],"function_call":{"name":"answer","arguments":"{\"a\":1}"}},"finish_reason":"tool_calls"}]}"#;
        let r = ChatResponse::parse(body).unwrap();
        let calls = r.choices[0].message.calls();
        assert_eq!(calls, vec![ToolCall::new("c1", "answer", "{\"a\":1}")]);
        let legacy =
            br#"{"choices":[{"message":{"function_call":{"name":"f","arguments":{"x":2}}}}]}"#;
        let calls = ChatResponse::parse(legacy).unwrap().choices[0]
            .message
            .calls();
        assert_eq!(calls, vec![ToolCall::new("call_0", "f", "{\"x\":2}")]);
    }

    #[test]
    fn content_given_as_parts_is_joined() {
        let body = br#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"reasoning":"thinking"}}]}"#;
        let m = &ChatResponse::parse(body).unwrap().choices[0].message;
        assert_eq!(m.content.as_deref(), Some("ab"));
        assert_eq!(m.reasoning.as_deref(), Some("thinking"));
        let both =
            br#"{"choices":[{"message":{"content":"a","reasoning_content":"r","reasoning":"r"}}]}"#;
        let m = &ChatResponse::parse(both).unwrap().choices[0].message;
        assert_eq!(
            (m.content.as_deref(), m.reasoning_content.as_deref()),
            (Some("a"), Some("r"))
        );
    }

    #[test]
    fn text_fields_keep_what_odd_servers_send() {
        let body = br#"{"id":12,"model":1.5,"choices":[{"message":{"content":{"a":[1,true]},"refusal":false,"tool_calls":[{"id":null,"function":{"name":"f","arguments":{"x":"\u00e9"}}}]}}]}"#;
        let r = ChatResponse::parse(body).unwrap();
        assert_eq!(r.id.as_deref(), Some("12"));
        assert_eq!(r.model.as_deref(), Some("1.5"));
        let m = &r.choices[0].message;
        assert_eq!(m.content.as_deref(), Some(r#"{"a":[1,true]}"#));
        assert_eq!(m.refusal.as_deref(), Some("false"));
        assert_eq!(m.tool_calls[0].id, None);
        assert_eq!(
            m.tool_calls[0].function.arguments.as_deref(),
            Some(r#"{"x":"é"}"#)
        );
        let parts = br#"{"choices":[{"message":{"content":["a",{"type":"text","text":"b"},{"type":"image"},7]}}]}"#;
        let m = &ChatResponse::parse(parts).unwrap().choices[0].message;
        assert_eq!(m.content.as_deref(), Some("ab"));
        let escaped = br#"{"choices":[{"message":{"content":"{\"name\":\"A\\n\"}"}}]}"#;
        let m = &ChatResponse::parse(escaped).unwrap().choices[0].message;
        assert_eq!(m.content.as_deref(), Some("{\"name\":\"A\\n\"}"));
    }

    #[test]
    fn html_and_empty_bodies_are_named() {
        assert!(
            ChatResponse::parse(b"<html>oops</html>")
                .unwrap_err()
                .contains("HTML")
        );
        assert!(ChatResponse::parse(b"  ").unwrap_err().contains("empty"));
        assert!(ChatResponse::parse(b"{\"choices\": [").is_err());
    }

    #[test]
    fn text_bodies_parse_as_byte_bodies_do() {
        let bodies = [
            "\n\n {\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"{\\\"a\\\":\\\"é\\\"}\"},\"finish_reason\":\"stop\"}]}",
            r#"{"choices":[{"message":{"content":["a",{"type":"text","text":"b"}]}}],"usage":null}"#,
        ];
        for body in bodies {
            let (text, bytes) = (
                ChatResponse::parse_text(body).unwrap(),
                ChatResponse::parse(body.as_bytes()).unwrap(),
            );
            assert_eq!(text.id, bytes.id);
            assert_eq!(
                text.choices[0].message.content,
                bytes.choices[0].message.content
            );
            assert_eq!(
                text.choices[0].finish_reason,
                bytes.choices[0].finish_reason
            );
        }
        let (raw, parsed) = ChatResponse::parse_body(bodies[0].as_bytes().to_vec());
        assert_eq!(
            (raw.as_str(), parsed.unwrap().id),
            (bodies[0], Some("x".into()))
        );
        let invalid = b"{\"choices\":[{\"message\":{\"content\":\"caf\xe9\"}}]}".to_vec();
        let (raw, parsed) = ChatResponse::parse_body(invalid);
        assert!(raw.contains("caf\u{fffd}"), "{raw}");
        assert!(parsed.unwrap_err().contains("not a chat completion"));
        assert!(
            ChatResponse::parse_text("<html>")
                .unwrap_err()
                .contains("HTML")
        );
        assert!(
            ChatResponse::parse_text(" \t")
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            ChatResponse::parse_text("{\"choices\": [")
                .unwrap_err()
                .contains("not a chat completion")
        );
    }

    #[test]
    fn text_only_messages_are_plain_strings_and_tool_turns_have_null_content() {
        let mut assistant = Message::new(Role::Assistant);
        assistant.tool_calls.push(ToolCall::new("c1", "f", "{}"));
        let msgs = [
            Message::text(Role::User, "hi"),
            assistant,
            Message::tool_result("c1", "ok"),
        ];
        let req = ChatRequest::new("m", &msgs, Sampling::default());
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"model":"m","messages":[
                {"role":"user","content":"hi"},
                {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                {"role":"tool","content":"ok","tool_call_id":"c1"}
            ]})
        );
    }

    #[test]
    fn reads_stream_chunks_with_nulls_and_missing_keys() {
        let chunk: ChatChunk = serde_json::from_str(
            r#"{"id":"c","choices":[{"index":0,"delta":{"role":null,"content":null},"finish_reason":null}],"usage":null}"#,
        )
        .unwrap();
        assert_eq!(chunk.choices[0].delta.content, None);
        assert_eq!(chunk.usage, None);
        let usage: ChatChunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
        )
        .unwrap();
        assert!(usage.choices.is_empty());
        assert_eq!(usage.usage, Some(Usage::new(3, 4)));
        let tool: ChatChunk = serde_json::from_str(
            r#"{"choices":[{"delta":{"tool_calls":[{"id":"x","type":null,"function":{"arguments":"{\"a\""}}]},"finish_reason":""}]}"#,
        )
        .unwrap();
        let call = &tool.choices[0].delta.tool_calls[0];
        assert_eq!(call.index, None);
        assert_eq!(call.function.arguments.as_deref(), Some("{\"a\""));
        assert_eq!(tool.choices[0].finish_reason, None);
    }

    #[test]
    fn delta_reasoning_under_either_name() {
        let a: Delta = serde_json::from_str(r#"{"reasoning_content":"r1"}"#).unwrap();
        let b: Delta = serde_json::from_str(r#"{"reasoning":"r2"}"#).unwrap();
        let both: Delta =
            serde_json::from_str(r#"{"reasoning_content":"r","reasoning":"r"}"#).unwrap();
        assert_eq!(a.reasoning_text(), Some("r1"));
        assert_eq!(b.reasoning_text(), Some("r2"));
        assert_eq!(both.reasoning_text(), Some("r"));
    }
}
