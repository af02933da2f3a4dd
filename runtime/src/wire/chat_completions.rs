//! The OpenAI chat-completions dialect: the request body we send, and the reading of its stream
//! events (whole answers are read by [`Completion`], whose serde form is this dialect's).

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::error::{ApiError, Error, Result, excerpt};
use crate::media::ResolvedMedia;
use crate::message::{Message, Part, ToolCall};
use crate::params::{LogitBias, Sampling};
use crate::reasoning::Reasoning;
use crate::tool::ToolBox;
use crate::web_search::SearchContextSize;

use super::answer::{Completion, CompletionChunk};
use super::dialect::{Dialect, Request, ToolDemand};
use super::sse::SseEvent;
use super::surrogates;
use super::symbol;

/// Room for a request's keys, roles, sampling parameters and escapes besides its text, so that
/// encoding a typical request allocates once.
const REQUEST_FRAME_BYTES: usize = 256;

/// The body of `request`, as bytes ready to send.
pub(crate) fn encode(request: &Request<'_>) -> Result<Vec<u8>> {
    let messages = request.conversation;
    let mut req = ChatRequest::new(request.model, messages, request.sampling);
    req.messages.null_tool_content = !request.quirks.empty_tool_turn_content;
    if request.quirks.completion_token_limit {
        req.max_completion_tokens = req.max_tokens.take();
    }
    req.messages.media = request.media;
    req.prompt_cache_key = request.cache.map(|c| c.key);
    req.reasoning_effort = request.reasoning.map(Reasoning::as_str);
    req.web_search_options = request.web_search.map(|search| WebSearchOptions {
        search_context_size: search.search_context_size().map(SearchContextSize::as_str),
    });
    let mode_fields = request.output.map(|o| o.chat);
    let mut added: &[u8] = &[];
    if let Some(output) = &request.output {
        req.messages.suffix = output.instruction;
        if request.tools.is_some() {
            // The user's tools sit beside the mode's own: the fields are written in full.
            req.response_format = output.chat.response_format.as_ref();
        } else {
            added = &output.chat.encoded;
        }
    }
    if let Some(tools) = &request.tools {
        req.tools = Some(Tools {
            toolbox: tools.toolbox,
            mode_tools: mode_fields.and_then(|w| w.tools.as_ref()),
        });
        req.tool_choice = tools.choice.map(Choice);
    }
    let text: usize = messages
        .iter()
        .map(|m| m.as_text().map_or(0, str::len))
        .sum();
    // With large inline media the body is sized once: regrowing it would briefly hold two copies.
    let capacity = request
        .media
        .map_or(0, |m| m.body_capacity(messages))
        .max(REQUEST_FRAME_BYTES + text + added.len());
    let mut body = Vec::with_capacity(capacity);
    let written = req.write(&mut body);
    if let Some(failure) = request.media.and_then(ResolvedMedia::take_failure) {
        return Err(failure.into());
    }
    written.map_err(|e| Error::Config(format!("the request could not be encoded: {e}")))?;
    // The mode's fields were encoded once: put them in before the closing brace, with the
    // stream's keys, so that a streamed request sends exactly what an awaited one would, plus
    // these.
    if body.last() == Some(&b'}') {
        body.pop();
        body.extend_from_slice(added);
        if let Some(stream) = request.stream {
            symbol::write_key(&mut body, symbol::STREAM);
            body.extend_from_slice(b"true");
            if stream.include_usage {
                symbol::write_key(&mut body, symbol::STREAM_OPTIONS);
                body.extend_from_slice(b"{\"");
                body.extend_from_slice(symbol::INCLUDE_USAGE.as_bytes());
                body.extend_from_slice(b"\":true}");
            }
        }
        body.push(b'}');
    }
    Ok(body)
}

/// One event of a chat-completions stream: a chunk, or an error the server put in the stream.
pub(crate) fn read_event(event: &SseEvent) -> Result<Option<CompletionChunk>> {
    let data = event.data.trim();
    if event.event.as_deref() == Some("error") {
        return Err(ApiError::from_body(200, data.as_bytes()).into());
    }
    if data.is_empty() {
        return Ok(None);
    }
    let chunk: CompletionChunk = surrogates::from_json(data).map_err(|e| Error::Protocol {
        reason: format!("a stream event is not a chat-completion chunk: {e}"),
        raw: excerpt(data),
    })?;
    // vLLM, sglang and llama-server put an error object in a `data:` line of a 200 stream.
    if chunk.error.as_ref().is_some_and(|e| !e.is_null()) {
        return Err(ApiError::from_body(200, data.as_bytes()).into());
    }
    Ok(Some(chunk))
}

/// A whole chat-completions body, kept as text.
pub(crate) fn decode(body: &[u8]) -> (Cow<'_, str>, std::result::Result<Completion, String>) {
    Completion::parse_body(body)
}

/// A chat-completions request body, borrowing everything it sends.
struct ChatRequest<'a> {
    pub(crate) model: &'a str,
    pub(crate) messages: WireMessages<'a>,
    pub(crate) temperature: Option<f64>,
    pub(crate) top_p: Option<f64>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) max_completion_tokens: Option<u32>,
    pub(crate) stop: Option<crate::params::StrList<'a>>,
    pub(crate) presence_penalty: Option<f64>,
    pub(crate) frequency_penalty: Option<f64>,
    pub(crate) logit_bias: Option<LogitBias<'a>>,
    pub(crate) seed: Option<i64>,
    pub(crate) user: Option<&'a str>,
    pub(crate) n: Option<u32>,
    pub(crate) response_format: Option<&'a Value>,
    pub(crate) tools: Option<Tools<'a>>,
    pub(crate) tool_choice: Option<Choice<'a>>,
    /// Routes requests sharing a prefix to the same cache (OpenAI caches by itself; the key
    /// raises the hit rate): https://platform.openai.com/docs/api-reference/chat/create
    pub(crate) prompt_cache_key: Option<&'a str>,
    /// `low`, `medium` or `high` on reasoning models (same reference).
    pub(crate) reasoning_effort: Option<&'static str>,
    /// Search the web before answering, on the search models (same reference); the cited
    /// pages come back as `message.annotations` of type `url_citation`.
    pub(crate) web_search_options: Option<WebSearchOptions>,
}

/// `web_search_options`: an empty object asks for search with the provider's defaults.
#[derive(Serialize)]
struct WebSearchOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    search_context_size: Option<&'static str>,
}

impl ChatRequest<'_> {
    /// Writes the body by hand: every key is the one constant in [`symbol`], written as it is
    /// (none needs escaping), and each value through serde_json's writer; an absent setting is
    /// left out. serde's map writer escaped every key again on every request.
    fn write(&self, body: &mut Vec<u8>) -> serde_json::Result<()> {
        body.extend_from_slice(b"{\"");
        body.extend_from_slice(symbol::MODEL.as_bytes());
        body.extend_from_slice(b"\":");
        serde_json::to_writer(&mut *body, self.model)?;
        symbol::write_key(body, symbol::MESSAGES);
        self.messages.write(body)?;
        present(body, symbol::TEMPERATURE, &self.temperature)?;
        present(body, symbol::TOP_P, &self.top_p)?;
        present(body, symbol::MAX_TOKENS, &self.max_tokens)?;
        present(
            body,
            symbol::MAX_COMPLETION_TOKENS,
            &self.max_completion_tokens,
        )?;
        present(body, symbol::STOP, &self.stop)?;
        present(body, symbol::PRESENCE_PENALTY, &self.presence_penalty)?;
        present(body, symbol::FREQUENCY_PENALTY, &self.frequency_penalty)?;
        present(body, symbol::LOGIT_BIAS, &self.logit_bias)?;
        present(body, symbol::SEED, &self.seed)?;
        present(body, symbol::USER, &self.user)?;
        present(body, symbol::N, &self.n)?;
        present(body, symbol::RESPONSE_FORMAT, &self.response_format)?;
        present(body, symbol::TOOLS, &self.tools)?;
        present(body, symbol::TOOL_CHOICE, &self.tool_choice)?;
        present(body, symbol::PROMPT_CACHE_KEY, &self.prompt_cache_key)?;
        present(body, symbol::REASONING_EFFORT, &self.reasoning_effort)?;
        present(body, symbol::WEB_SEARCH_OPTIONS, &self.web_search_options)?;
        body.push(b'}');
        Ok(())
    }
}

/// Writes `,"key":value` when the value is set.
fn present<T: Serialize>(
    body: &mut Vec<u8>,
    key: &'static str,
    value: &Option<T>,
) -> serde_json::Result<()> {
    match value {
        Some(value) => {
            symbol::write_key(body, key);
            serde_json::to_writer(&mut *body, value)
        }
        None => Ok(()),
    }
}

impl<'a> ChatRequest<'a> {
    fn new(model: &'a str, messages: &'a [Message], sampling: Sampling<'a>) -> Self {
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
            max_completion_tokens: None,
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
            prompt_cache_key: None,
            reasoning_effort: None,
            web_search_options: None,
        }
    }
}

/// Appends `turns` to the `messages` of a request body written earlier (a batch's request
/// line, read back from its input file to re-ask). False, with the body unchanged, when the
/// body has no `messages` list.
pub(crate) fn append_turns(body: &mut Value, turns: &[Message]) -> bool {
    let Some(messages) = body.get_mut(symbol::MESSAGES).and_then(Value::as_array_mut) else {
        return false;
    };
    let written: serde_json::Result<Vec<Value>> = turns
        .iter()
        .map(|message| {
            serde_json::to_value(WireMessage {
                message,
                suffix: None,
                null_tool_content: true,
                media: None,
            })
        })
        .collect();
    match written {
        Ok(written) => {
            messages.extend(written);
            true
        }
        Err(_) => false,
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

impl<'a> WireMessages<'a> {
    /// The `i`-th message, `m`, as it goes on the wire.
    fn message(&self, i: usize, m: &'a Message) -> WireMessage<'a> {
        WireMessage {
            message: m,
            suffix: self.suffix.filter(|(at, _)| *at == i).map(|(_, text)| text),
            null_tool_content: self.null_tool_content,
            media: self.media.map(|media| (media, i)),
        }
    }

    /// Writes the list into a body being written by hand ([`ChatRequest::write`]): a message
    /// of plain text as `{"role":…,"content":…}` directly, any other through its `Serialize`,
    /// which writes a plain one the same way.
    fn write(&self, body: &mut Vec<u8>) -> serde_json::Result<()> {
        body.push(b'[');
        for (i, m) in self.messages.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            let message = self.message(i, m);
            match message.plain_text() {
                Some(text) => {
                    body.extend_from_slice(b"{\"");
                    body.extend_from_slice(ROLE.as_bytes());
                    body.extend_from_slice(b"\":\"");
                    // A role's name is a plain ASCII word: nothing in it needs escaping.
                    body.extend_from_slice(m.role.as_str().as_bytes());
                    body.extend_from_slice(b"\",\"");
                    body.extend_from_slice(CONTENT.as_bytes());
                    body.extend_from_slice(b"\":");
                    serde_json::to_writer(&mut *body, text)?;
                    body.push(b'}');
                }
                None => serde_json::to_writer(&mut *body, &message)?,
            }
        }
        body.push(b']');
        Ok(())
    }
}

impl Serialize for WireMessages<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.messages
                .iter()
                .enumerate()
                .map(|(i, m)| self.message(i, m)),
        )
    }
}

/// A message's keys besides its tool calls, tool call id and provider state.
const ROLE: &str = "role";
const CONTENT: &str = "content";

struct WireMessage<'a> {
    message: &'a Message,
    suffix: Option<&'a str>,
    null_tool_content: bool,
    /// The resolved media and this message's index in the conversation.
    media: Option<(&'a ResolvedMedia, usize)>,
}

impl<'a> WireMessage<'a> {
    /// The text of a message that is text alone (no suffix, tool calls, tool call id or
    /// provider state), which is written as `{"role":…,"content":…}`.
    fn plain_text(&self) -> Option<&'a str> {
        let m = self.message;
        if self.suffix.is_some()
            || !m.tool_calls.is_empty()
            || m.tool_call_id.is_some()
            || m.state.fields_for(Dialect::ChatCompletions).is_some()
        {
            return None;
        }
        m.as_text()
    }
}

impl Serialize for WireMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.message;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(ROLE, m.role.as_str())?;
        match (m.as_text(), self.suffix) {
            // An assistant turn that only calls tools has `content: null`, as the spec shows.
            (Some(""), None) if !m.tool_calls.is_empty() && self.null_tool_content => {
                map.serialize_entry(CONTENT, &())?;
            }
            // Text-only content is always a plain string: some servers (llama-cpp-python)
            // reject arrays of parts even when they hold only text.
            (Some(text), None) => map.serialize_entry(CONTENT, text)?,
            (Some(text), Some(suffix)) => map.serialize_entry(CONTENT, &Concat(text, suffix))?,
            (None, suffix) => map.serialize_entry(
                CONTENT,
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
        if let Some(state) = m.state.fields_for(Dialect::ChatCompletions) {
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
        if let Some(state) = c.state.fields_for(Dialect::ChatCompletions) {
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

/// The `tools` array: the user's tools, then the mode's own `answer` tool, if any.
struct Tools<'a> {
    toolbox: &'a ToolBox,
    mode_tools: Option<&'a Value>,
}

impl Serialize for Tools<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for tool in self.toolbox.specs() {
            seq.serialize_element(&FunctionTool {
                name: tool.name,
                description: tool.description,
                parameters: &tool.parameters,
                strict: tool.strict,
            })?;
        }
        if let Some(Value::Array(mode_tools)) = self.mode_tools {
            for tool in mode_tools {
                seq.serialize_element(tool)?;
            }
        }
        seq.end()
    }
}

/// `{"type": "function", "function": {"name", "description", "parameters", "strict"}}`
struct FunctionTool<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a Value,
    strict: bool,
}

impl Serialize for FunctionTool<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Function<'a> {
            name: &'a str,
            description: &'a str,
            parameters: &'a Value,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            strict: bool,
        }
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", "function")?;
        map.serialize_entry(
            "function",
            &Function {
                name: self.name,
                description: self.description,
                parameters: self.parameters,
                strict: self.strict,
            },
        )?;
        map.end()
    }
}

/// `tool_choice`: `"auto"`, `"required"`, `"none"`, or `{"type": "function", "function": {"name": …}}`.
struct Choice<'a>(ToolDemand<'a>);

impl Serialize for Choice<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            ToolDemand::Auto => s.serialize_str("auto"),
            ToolDemand::Required => s.serialize_str("required"),
            ToolDemand::None => s.serialize_str("none"),
            ToolDemand::Function(name) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("type", "function")?;
                map.serialize_entry("function", &NameOnly { name })?;
                map.end()
            }
        }
    }
}

#[derive(Serialize)]
struct NameOnly<'a> {
    name: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Role;
    use crate::provider_state::ProviderState;
    use crate::response::{FinishReason, Usage};
    use crate::wire::answer::Delta;
    use crate::wire::dialect::{Quirks, StreamRequest};

    #[test]
    fn a_streamed_request_is_the_awaited_one_plus_the_stream_keys() {
        let msgs = [Message::text(Role::User, "hi")];
        let request = |stream| Request {
            model: "m",
            conversation: &msgs,
            media: None,
            sampling: Sampling::default(),
            output: None,
            tools: None,
            stream,
            quirks: Quirks::default(),
            cache: None,
            reasoning: None,
            web_search: None,
        };
        let awaited = encode(&request(None)).unwrap();
        assert_eq!(
            String::from_utf8(awaited).unwrap(),
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
        );
        let streamed = encode(&request(Some(StreamRequest {
            include_usage: true,
        })))
        .unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"#
        );
        let bare = encode(&request(Some(StreamRequest {
            include_usage: false,
        })))
        .unwrap();
        assert!(bare.ends_with(br#"}],"stream":true}"#));
    }

    #[test]
    fn content_parts_keep_text_and_refusal_apart() {
        let r = Completion::parse(
            br#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"refusal","refusal":"no"},{"type":"text","text":"b"}],"refusal":null,"reasoning":"r","extra":{"x":1}}}]}"#,
        )
        .unwrap();
        let m = &r.choices[0].message;
        assert_eq!(m.content.as_deref(), Some("ab"));
        assert_eq!(m.refusal.as_deref(), Some("no"));
        assert_eq!(m.reasoning.as_deref(), Some("r"));
        // A refusal field beats the parts; a null message is an empty one.
        let r = Completion::parse(
            br#"{"choices":[{"message":{"refusal":"field","content":[{"type":"refusal","refusal":"part"}]}},{"message":null}]}"#,
        )
        .unwrap();
        assert_eq!(r.choices[0].message.refusal.as_deref(), Some("field"));
        assert!(r.choices[1].message.content.is_none());
    }

    #[test]
    fn reads_the_spec_example() {
        let body = br#"{"id":"chatcmpl-123","object":"chat.completion","created":1677652288,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}"#;
        let r = Completion::parse(body).unwrap();
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
            let r = Completion::parse(body.as_bytes()).unwrap();
            assert!(r.error.is_none(), "{falsy}");
            let chunk: CompletionChunk =
                serde_json::from_str(&format!(r#"{{"error":{falsy}}}"#)).unwrap();
            assert!(chunk.error.is_none(), "{falsy}");
        }
        for truthy in [r#""boom""#, "true", "500", r#"{"message":"x"}"#, r#"["x"]"#] {
            let body = format!(r#"{{"choices":[],"error":{truthy}}}"#);
            assert!(
                Completion::parse(body.as_bytes()).unwrap().error.is_some(),
                "{truthy}"
            );
        }
    }

    #[test]
    fn tolerates_nulls_missing_fields_and_extras() {
        let body = b"\n\n  {\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":null},\"finish_reason\":\"\",\"stop_reason\":7}],\"usage\":null,\"timings\":{}}";
        let r = Completion::parse(body).unwrap();
        assert_eq!(r.choices[0].message.content, None);
        assert_eq!(r.choices[0].finish_reason, None);
        assert!(r.choices[0].message.calls().is_empty());
        let r = Completion::parse(br#"{"choices":null,"id":12}"#).unwrap();
        assert!(r.choices.is_empty());
        assert_eq!(r.id.as_deref(), Some("12"));
    }

    #[test]
    fn reads_every_choice_in_order_and_refuses_choices_that_are_no_list() {
        let texts = ["a", "b", "c", "d", "e"];
        let parts: Vec<String> = texts
            .iter()
            .map(|t| format!(r#"{{"message":{{"content":"{t}"}}}}"#))
            .collect();
        let body = format!(r#"{{"choices":[{}]}}"#, parts.join(","));
        let read = Completion::parse(body.as_bytes()).unwrap();
        let contents: Vec<_> = read
            .choices
            .iter()
            .map(|c| c.message.content.as_deref().unwrap())
            .collect();
        assert_eq!(contents, texts);
        let refused = Completion::parse(br#"{"choices":"none"}"#).unwrap_err();
        assert!(refused.contains("expected a sequence"), "{refused}");
    }

    #[test]
    fn openais_cached_and_reasoning_counts_are_read_awaited_and_streamed() {
        let usage = r#"{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,"prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#;
        let body = format!(
            r#"{{"id":"c","choices":[{{"index":0,"message":{{"role":"assistant","content":"hi"}},"finish_reason":"stop"}}],"usage":{usage}}}"#
        );
        let awaited = Completion::parse(body.as_bytes()).unwrap().usage.unwrap();
        let chunk: CompletionChunk =
            serde_json::from_str(&format!(r#"{{"choices":[],"usage":{usage}}}"#)).unwrap();
        for usage in [awaited, chunk.usage.unwrap()] {
            assert_eq!((usage.prompt_tokens, usage.completion_tokens), (2006, 300));
            assert_eq!(
                (usage.cache_read_tokens, usage.reasoning_tokens),
                (1920, 192)
            );
        }
    }

    #[test]
    fn choices_are_read_in_place_and_a_repeated_key_replaces_them() {
        let body = br#"{"choices":[{"message":{"content":"old"}}],"id":"c","choices":[{"index":1,"message":null,"finish_reason":"length"},{"finish_reason":null,"message":{"content":"new"},"logprobs":{"content":[]}}],"model":"m"}"#;
        let r = Completion::parse(body).unwrap();
        assert_eq!(r.choices.len(), 2);
        assert_eq!(r.choices[0].message.content, None);
        assert_eq!(r.choices[0].finish_reason, Some(FinishReason::Length));
        assert_eq!(r.choices[1].message.content.as_deref(), Some("new"));
        assert_eq!(r.choices[1].finish_reason, None);
        assert_eq!(
            (r.id.as_deref(), r.model.as_deref()),
            (Some("c"), Some("m"))
        );
        assert!(
            Completion::parse(br#"{"choices":[]}"#)
                .unwrap()
                .choices
                .is_empty()
        );
        let odd = Completion::parse(br#"{"choices":[{"finish_reason":3}]}"#).unwrap_err();
        assert!(odd.contains("finish reason"), "{odd}");
        let not_an_object = Completion::parse(b"[1]").unwrap_err();
        assert!(not_an_object.contains("chat completion"), "{not_an_object}");
    }

    #[test]
    fn reads_tool_calls_and_legacy_function_calls() {
        let body = br#"{"choices":[{"message":{"content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"answer","arguments":"{\"a\":1}"}}],"function_call":{"name":"answer","arguments":"{\"a\":1}"}},"finish_reason":"tool_calls"}]}"#;
        let r = Completion::parse(body).unwrap();
        let calls = r.choices[0].message.calls();
        assert_eq!(calls, vec![ToolCall::new("c1", "answer", "{\"a\":1}")]);
        let legacy =
            br#"{"choices":[{"message":{"function_call":{"name":"f","arguments":{"x":2}}}}]}"#;
        let calls = Completion::parse(legacy).unwrap().choices[0]
            .message
            .calls();
        assert_eq!(calls, vec![ToolCall::new("call_0", "f", "{\"x\":2}")]);
    }

    #[test]
    fn content_given_as_parts_is_joined() {
        let body = br#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"reasoning":"thinking"}}]}"#;
        let m = &Completion::parse(body).unwrap().choices[0].message;
        assert_eq!(m.content.as_deref(), Some("ab"));
        assert_eq!(m.reasoning.as_deref(), Some("thinking"));
        let both =
            br#"{"choices":[{"message":{"content":"a","reasoning_content":"r","reasoning":"r"}}]}"#;
        let m = &Completion::parse(both).unwrap().choices[0].message;
        assert_eq!(
            (m.content.as_deref(), m.reasoning_content.as_deref()),
            (Some("a"), Some("r"))
        );
    }

    #[test]
    fn text_fields_keep_what_odd_servers_send() {
        let body = br#"{"id":12,"model":1.5,"choices":[{"message":{"content":{"a":[1,true]},"refusal":false,"tool_calls":[{"id":null,"function":{"name":"f","arguments":{"x":"\u00e9"}}}]}}]}"#;
        let r = Completion::parse(body).unwrap();
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
        let m = &Completion::parse(parts).unwrap().choices[0].message;
        assert_eq!(m.content.as_deref(), Some("ab"));
        let escaped = br#"{"choices":[{"message":{"content":"{\"name\":\"A\\n\"}"}}]}"#;
        let m = &Completion::parse(escaped).unwrap().choices[0].message;
        assert_eq!(m.content.as_deref(), Some("{\"name\":\"A\\n\"}"));
    }

    #[test]
    fn messages_written_by_hand_are_the_ones_serde_writes() {
        let mut kept = serde_json::Map::new();
        kept.insert("reasoning_content".into(), Value::from("r"));
        let mut with_state = Message::text(Role::Assistant, "thought");
        with_state.state = ProviderState::kept(Dialect::ChatCompletions, kept);
        let mut calling = Message::text(Role::Assistant, "");
        calling.tool_calls = vec![ToolCall::new("c1", "f", "{}")];
        let messages = [
            Message::text(Role::System, "Be \"brief\".\n\tOK\u{1}"),
            Message::text(Role::User, "é 😀 </script> \\"),
            Message::new(Role::User),
            with_state,
            calling,
            Message::tool_result("c1", "42"),
            Message::text(Role::User, "last"),
        ];
        for suffix in [None, Some((1, " and the schema")), Some((6, "!"))] {
            for null_tool_content in [true, false] {
                let wire = WireMessages {
                    messages: &messages,
                    suffix,
                    null_tool_content,
                    media: None,
                };
                let mut by_hand = Vec::new();
                wire.write(&mut by_hand).unwrap();
                assert_eq!(
                    String::from_utf8(by_hand).unwrap(),
                    serde_json::to_string(&wire).unwrap()
                );
            }
        }
    }

    #[test]
    fn html_and_empty_bodies_are_named() {
        assert!(
            Completion::parse(b"<html>oops</html>")
                .unwrap_err()
                .contains("HTML")
        );
        assert!(Completion::parse(b"  ").unwrap_err().contains("empty"));
        assert!(Completion::parse(b"{\"choices\": [").is_err());
    }

    #[test]
    fn text_bodies_parse_as_byte_bodies_do() {
        let bodies = [
            "\n\n {\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"{\\\"a\\\":\\\"é\\\"}\"},\"finish_reason\":\"stop\"}]}",
            r#"{"choices":[{"message":{"content":["a",{"type":"text","text":"b"}]}}],"usage":null}"#,
        ];
        for body in bodies {
            let (text, bytes) = (
                Completion::parse_text(body).unwrap(),
                Completion::parse(body.as_bytes()).unwrap(),
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
        let (raw, parsed) = Completion::parse_body(bodies[0].as_bytes());
        assert_eq!((&*raw, parsed.unwrap().id), (bodies[0], Some("x".into())));
        let invalid = b"{\"choices\":[{\"message\":{\"content\":\"caf\xe9\"}}]}".to_vec();
        let (raw, parsed) = Completion::parse_body(&invalid);
        assert!(raw.contains("caf\u{fffd}"), "{raw}");
        assert!(parsed.unwrap_err().contains("not a chat completion"));
        assert!(
            Completion::parse_text("<html>")
                .unwrap_err()
                .contains("HTML")
        );
        assert!(Completion::parse_text(" \t").unwrap_err().contains("empty"));
        assert!(
            Completion::parse_text("{\"choices\": [")
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
        let mut body = Vec::new();
        req.write(&mut body).unwrap();
        let json: Value = serde_json::from_slice(&body).unwrap();
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
        let chunk: CompletionChunk = serde_json::from_str(
            r#"{"id":"c","choices":[{"index":0,"delta":{"role":null,"content":null},"finish_reason":null}],"usage":null}"#,
        )
        .unwrap();
        assert_eq!(chunk.choices[0].delta.content, None);
        assert_eq!(chunk.usage, None);
        let usage: CompletionChunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
        )
        .unwrap();
        assert!(usage.choices.is_empty());
        assert_eq!(usage.usage, Some(Usage::new(3, 4)));
        let tool: CompletionChunk = serde_json::from_str(
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
