//! The dialect seam: one request of the common conversation in, one request body and path out;
//! one response body or stream event in, the common answer ([`super::answer`]) out.
//!
//! Everything outside `wire/` speaks the common form (messages with their media parts, tool
//! calls and provider state; the output mode and schema; the tools and the tool choice; the
//! sampling settings). Each dialect's JSON field names live in its own module here.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::cache::CacheRequest;
use crate::error::Result;
use crate::media::ResolvedMedia;
use crate::message::Message;
use crate::params::Sampling;
use crate::reasoning::Reasoning;
use crate::schema::CompiledSchema;
use crate::structured::Mode;
use crate::tool::ToolBox;
use crate::web_search::WebSearch;

use super::answer::{Completion, CompletionChunk};
use super::anthropic;
use super::chat_completions;
use super::gemini_content;
use super::mode::ModeWire;
use super::responses;
use super::sse::SseEvent;

/// The wire format a model is reached through.
///
/// Chat-completions is what OpenAI-compatible servers and aggregators speak; the others are the
/// providers' native APIs, which carry what the compatibility layers drop (prompt caching, PDF
/// document blocks, signed thinking, thought signatures, reasoning summaries). Choose one for a
/// client with [`ClientBuilder::dialect`](crate::ClientBuilder::dialect), or per model-name
/// prefix with [`ClientBuilder::dialect_for`](crate::ClientBuilder::dialect_for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Dialect {
    /// OpenAI chat-completions (`POST {base_url}/chat/completions`, `Authorization: Bearer`).
    #[default]
    ChatCompletions,
    /// Anthropic Messages (`POST {base_url}/messages`, `x-api-key` and `anthropic-version`).
    AnthropicMessages,
    /// Gemini `generateContent` (`POST {base_url}/models/{model}:generateContent`,
    /// `x-goog-api-key`).
    GeminiGenerateContent,
    /// The OpenAI Responses API (`POST {base_url}/responses`, `Authorization: Bearer`).
    #[serde(rename = "openai_responses")]
    OpenAiResponses,
}

impl Dialect {
    /// The dialect's name as logs and errors show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChatCompletions => "chat-completions",
            Self::AnthropicMessages => "anthropic-messages",
            Self::GeminiGenerateContent => "gemini-generate-content",
            Self::OpenAiResponses => "openai-responses",
        }
    }

    /// The provider's own dialect when `base_url` is its host, else chat-completions (what
    /// aggregators and local servers speak).
    pub(crate) fn native_to(base_url: &str) -> Self {
        let host = base_url
            .split_once("://")
            .map_or(base_url, |(_, rest)| rest)
            .split(['/', ':', '?'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match host.as_str() {
            "api.anthropic.com" => Self::AnthropicMessages,
            "generativelanguage.googleapis.com" => Self::GeminiGenerateContent,
            _ => Self::ChatCompletions,
        }
    }

    /// The request path relative to the base URL.
    pub(crate) fn path(self, model: &str, stream: bool) -> Cow<'static, str> {
        match self {
            Self::ChatCompletions => Cow::Borrowed("chat/completions"),
            Self::AnthropicMessages => Cow::Borrowed("messages"),
            Self::GeminiGenerateContent if stream => {
                Cow::Owned(format!("models/{model}:streamGenerateContent?alt=sse"))
            }
            Self::GeminiGenerateContent => Cow::Owned(format!("models/{model}:generateContent")),
            Self::OpenAiResponses => Cow::Borrowed("responses"),
        }
    }

    /// The body of `request`, ready to send.
    pub(crate) fn encode(self, request: &Request<'_>) -> Result<Vec<u8>> {
        match self {
            Self::ChatCompletions => chat_completions::encode(request),
            Self::AnthropicMessages => anthropic::encode(request),
            Self::GeminiGenerateContent => gemini_content::encode(request),
            Self::OpenAiResponses => responses::encode(request),
        }
    }

    /// Reads a whole response body into the common answer, with the body as text (for
    /// `Response::raw` and error excerpts) whether or not it can be read: borrowed when it is
    /// UTF-8, as JSON must be, so that a caller who keeps no raw body copies nothing.
    pub(crate) fn decode(
        self,
        body: &[u8],
    ) -> (Cow<'_, str>, std::result::Result<Completion, String>) {
        match self {
            Self::ChatCompletions => chat_completions::decode(body),
            Self::AnthropicMessages => anthropic::decode(body),
            Self::GeminiGenerateContent => gemini_content::decode(body),
            Self::OpenAiResponses => responses::decode(body),
        }
    }

    /// A reader for the events of one streamed answer.
    pub(crate) fn reader(self) -> EventReader {
        match self {
            Self::ChatCompletions => EventReader::ChatCompletions,
            Self::AnthropicMessages => EventReader::AnthropicMessages(anthropic::Reader::default()),
            Self::GeminiGenerateContent => {
                EventReader::GeminiGenerateContent(gemini_content::Reader::default())
            }
            Self::OpenAiResponses => EventReader::OpenAiResponses(responses::Reader::default()),
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request of the common conversation, borrowing everything it sends.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) model: &'a str,
    /// The prompt, then every turn the exchange added (tool rounds, re-asks).
    pub(crate) conversation: &'a [Message],
    /// The wire form of every media part, settled for the target before encoding.
    pub(crate) media: Option<&'a ResolvedMedia>,
    pub(crate) sampling: Sampling<'a>,
    /// How the answer is asked for as structured output; `None` for text.
    pub(crate) output: Option<OutputRequest<'a>>,
    /// The user's tools on offer, and this request's tool choice.
    pub(crate) tools: Option<ToolsRequest<'a>>,
    /// Set for a streamed request.
    pub(crate) stream: Option<StreamRequest>,
    /// What the target server is known to need besides the dialect's spec.
    pub(crate) quirks: Quirks,
    /// Set when the prompt's stable prefix is to be cached (`cache = true`, `.cache(true)`).
    pub(crate) cache: Option<CacheRequest<'a>>,
    /// How much the model reasons (`reasoning = "…"`, `.reasoning(…)`); `None`: the model's
    /// default.
    pub(crate) reasoning: Option<Reasoning>,
    /// Let the model search the web (`web_search = true`, `.web_search(…)`); `None`: off.
    pub(crate) web_search: Option<WebSearch>,
}

/// The structured-output mode of a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutputRequest<'a> {
    // Chat-completions reads the mode's fields built once (`chat`); the native dialects
    // (issue #15) build theirs from the mode and the schema.
    #[allow(dead_code)]
    pub(crate) mode: Mode,
    /// The return type's schema in the target's schema dialect, with its name.
    #[allow(dead_code)]
    pub(crate) schema: &'a CompiledSchema,
    /// The schema instruction and the index of the message it is appended to (`JsonObject` and
    /// `Prompt` modes).
    pub(crate) instruction: Option<(usize, &'a str)>,
    /// The mode's chat-completions fields, built and encoded once per return type.
    pub(crate) chat: &'a ModeWire,
}

/// The tools of a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ToolsRequest<'a> {
    pub(crate) toolbox: &'a ToolBox,
    /// What this request demands, with the `answer` tool of `Tool` mode accounted for.
    pub(crate) choice: Option<ToolDemand<'a>>,
}

/// Whether and which tool the model must call in one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToolDemand<'a> {
    Auto,
    Required,
    None,
    Function(&'a str),
}

/// A streamed request's options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamRequest {
    /// Ask for a last event with the token usage (chat-completions `stream_options`).
    pub(crate) include_usage: bool,
}

/// Departures from a dialect's spec that a target server needs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Quirks {
    /// Write `content: ""` instead of `null` on an assistant turn that only calls tools
    /// (llama-cpp-python answers HTTP 500 to null).
    pub(crate) empty_tool_turn_content: bool,
    /// Send the token limit as `max_completion_tokens` (OpenAI's reasoning models refuse
    /// `max_tokens`; a profile from `promptfn doctor` says so per model).
    pub(crate) completion_token_limit: bool,
}

/// Reads the events of one streamed answer into common chunks, keeping whatever state the
/// dialect's event sequence needs between events.
#[derive(Debug)]
pub(crate) enum EventReader {
    ChatCompletions,
    AnthropicMessages(anthropic::Reader),
    GeminiGenerateContent(gemini_content::Reader),
    OpenAiResponses(responses::Reader),
}

impl EventReader {
    /// One event: a chunk of the answer, or `None` for an event that adds nothing (a ping, an
    /// empty keep-alive). An error the server put in the stream is an `Err`.
    pub(crate) fn read(&mut self, event: &SseEvent) -> Result<Option<CompletionChunk>> {
        match self {
            Self::ChatCompletions => chat_completions::read_event(event),
            Self::AnthropicMessages(reader) => reader.read(event),
            Self::GeminiGenerateContent(reader) => reader.read(event),
            Self::OpenAiResponses(reader) => reader.read(event),
        }
    }
}

/// The JSON of one event of a stream whose events say their `type` (Anthropic Messages, the
/// Responses API); `None` for an empty event. `what` names the event kind in the error.
pub(crate) fn typed_event(data: &str, what: &str) -> Result<Option<serde_json::Value>> {
    if data.is_empty() {
        return Ok(None);
    }
    super::surrogates::from_json(data)
        .map(Some)
        .map_err(|e| crate::error::Error::Protocol {
            reason: format!("a stream event is not {what}: {e}"),
            raw: crate::error::excerpt(data),
        })
}

/// An event's `type`, else its SSE `event:` name.
pub(crate) fn event_kind<'a>(value: &'a serde_json::Value, event: &'a SseEvent) -> &'a str {
    value
        .get("type")
        .and_then(serde_json::Value::as_str)
        .or(event.event.as_deref())
        .unwrap_or_default()
}
