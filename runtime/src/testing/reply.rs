//! What a [`MockClient`](super::MockClient) answers: a typed value, raw text, an error, or a
//! closure over the request.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use super::MockRequest;
use crate::response::Usage;
use crate::sources::Source;

/// One scripted answer of a [`MockClient`](super::MockClient).
///
/// A reply describes what the model says, not the bytes on the wire: the mock turns it into the
/// chat completion a compliant server would send for the request it answers, in the request's
/// structured-output mode (content, or the forced tool call's arguments) and as an SSE stream
/// when the request asked for one. [`Reply::http`] and [`Reply::chunked`] script the bytes
/// themselves.
///
/// ```
/// use promptfn::testing::Reply;
///
/// let typed = Reply::value(vec!["a", "b"]);        // decoded into the function's type
/// let raw = Reply::text("{\"name\": \"Al");        // exactly what the model wrote (here, cut JSON)
/// let limited = Reply::api_error(429, "Rate limit reached");
/// let echo = Reply::from_fn(|req| Reply::text(req.prompt().to_uppercase()));
/// let counted = Reply::value(true).usage(12, 1);
/// ```
#[derive(Clone)]
#[must_use]
pub struct Reply {
    pub(crate) kind: Kind,
    pub(crate) usage: Option<Usage>,
    /// The web pages the answer cites ([`Reply::sources`]).
    pub(crate) sources: Vec<Source>,
}

/// A closure that picks the reply from the request.
type Responder = Arc<dyn Fn(&MockRequest) -> Reply + Send + Sync>;

#[derive(Clone)]
pub(crate) enum Kind {
    /// A value to encode as the answer; `Err` keeps why it could not be serialized.
    Value(Result<Value, String>),
    /// The answer text, as the model wrote it.
    Text(String),
    /// A whole assistant message object.
    Message(Value),
    /// Text cut at the token limit (`finish_reason = "length"`).
    Truncated(String),
    /// A refusal.
    Refusal(String),
    /// The provider's content filter stopped the answer.
    Filtered,
    /// An error answer with this status, its body in the request's dialect.
    ApiError { status: u16, message: String },
    /// A complete HTTP answer with this status and body.
    Http { status: u16, body: Bytes },
    /// An HTTP answer whose body arrives in these chunks.
    Chunked { status: u16, chunks: Vec<Bytes> },
    /// No answer in time.
    Timeout,
    /// The connection broke before an answer.
    Disconnect,
    /// A closure over the request.
    Dynamic(Responder),
    /// One answer per choice, in order.
    Choices(Vec<Reply>),
}

impl Reply {
    fn of(kind: Kind) -> Self {
        Self {
            kind,
            usage: None,
            sources: Vec::new(),
        }
    }

    /// The model answers with `value`, which the call decodes into its declared type.
    ///
    /// The value is serialized to JSON and sent where the request expects the answer: as the
    /// message content, or as the arguments of the forced tool call in `tool` mode, wrapped as
    /// `{"value": …}` when the request's schema wraps a non-object root, exactly as a server
    /// following the schema would. For a plain-text function (`-> Result<String>`) a string value
    /// is sent as the text itself.
    ///
    /// If `value` cannot be serialized, the call answered by this reply fails with
    /// [`Error::Config`](crate::Error::Config) saying why.
    pub fn value(value: impl Serialize) -> Self {
        Self::of(Kind::Value(
            serde_json::to_value(value).map_err(|e| e.to_string()),
        ))
    }

    /// The model answers with exactly this text (in the content, or as the forced tool call's
    /// arguments in `tool` mode). Use it to script malformed or prose-wrapped output.
    pub fn text(text: impl Into<String>) -> Self {
        Self::of(Kind::Text(text.into()))
    }

    /// The model answers with this assistant message object (for tool calls or fields the other
    /// constructors do not cover), e.g. `json!({"role": "assistant", "content": "hi"})`.
    pub fn message(message: Value) -> Self {
        Self::of(Kind::Message(message))
    }

    /// The model is stopped at the token limit after writing `partial` (`finish_reason:
    /// "length"`): a text function returns `partial` as its answer; a structured one asks again,
    /// and fails with [`Error::Incomplete`](crate::Error::Incomplete) when no re-ask is left.
    pub fn truncated(partial: impl Into<String>) -> Self {
        Self::of(Kind::Truncated(partial.into()))
    }

    /// The model refuses: the call fails with [`Error::Refused`](crate::Error::Refused).
    pub fn refusal(refusal: impl Into<String>) -> Self {
        Self::of(Kind::Refusal(refusal.into()))
    }

    /// The provider's content filter stops the answer: the call fails with
    /// [`Error::ContentFilter`](crate::Error::ContentFilter).
    pub fn content_filtered() -> Self {
        Self::of(Kind::Filtered)
    }

    /// The server answers HTTP `status` with an error object carrying `message`, in the shape
    /// of the request's dialect (OpenAI's `{"error": {"message", "type", …}}` for chat
    /// completions, Responses and the other endpoints; Anthropic's `{"type": "error", "error":
    /// {…}}`; Gemini's `{"error": {"code", "message", "status"}}`): the call fails with
    /// [`Error::Api`](crate::Error::Api) carrying `message`.
    pub fn api_error(status: u16, message: impl Into<String>) -> Self {
        Self::of(Kind::ApiError {
            status,
            message: message.into(),
        })
    }

    /// The server answers HTTP `status` with exactly this body (a recorded completion, an HTML
    /// error page, a truncated body…).
    pub fn http(status: u16, body: impl Into<Bytes>) -> Self {
        Self::of(Kind::Http {
            status,
            body: body.into(),
        })
    }

    /// The server answers HTTP `status` with a body that arrives in these chunks, in order: for
    /// scripting exact SSE streams, split wherever the test needs.
    pub fn chunked<C: Into<Bytes>>(status: u16, chunks: impl IntoIterator<Item = C>) -> Self {
        Self::of(Kind::Chunked {
            status,
            chunks: chunks.into_iter().map(Into::into).collect(),
        })
    }

    /// No answer arrives in time: the call fails with [`Error::Timeout`](crate::Error::Timeout)
    /// at once (the mock does not wait).
    pub fn timeout() -> Self {
        Self::of(Kind::Timeout)
    }

    /// The connection breaks before an answer: the call fails with
    /// [`Error::Transport`](crate::Error::Transport).
    pub fn disconnect() -> Self {
        Self::of(Kind::Disconnect)
    }

    /// A completion with one choice per reply, in order, for functions that ask for several
    /// answers (`n = 3`, returning `Choices<T>`). Without it a reply fills every choice the
    /// request asks for. Each reply must be an answer ([`value`](Self::value),
    /// [`text`](Self::text), [`message`](Self::message), [`truncated`](Self::truncated),
    /// [`refusal`](Self::refusal), [`content_filtered`](Self::content_filtered), or a
    /// [`from_fn`](Self::from_fn) choosing one); fewer replies than asked for act like a server
    /// that ignores `n`, so the call asks again for the rest.
    pub fn choices(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self::of(Kind::Choices(replies.into_iter().collect()))
    }

    /// The reply is chosen by `f` from the request, each time it is used.
    pub fn from_fn(f: impl Fn(&MockRequest) -> Reply + Send + Sync + 'static) -> Self {
        Self::of(Kind::Dynamic(Arc::new(f)))
    }

    /// Report this token usage with the answer (without it the completion has no `usage`).
    pub fn usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.usage = Some(Usage::new(prompt_tokens, completion_tokens));
        self
    }

    /// The answer cites these web pages, as a web search would have them cited: each becomes a
    /// `url_citation` annotation of the message (and of a delta when the request streams), read
    /// back by [`Response::sources`](crate::Response::sources). A source without a url (a
    /// document passage) has no chat-completions form and is left out.
    pub fn sources(mut self, sources: impl IntoIterator<Item = Source>) -> Self {
        self.sources = sources.into_iter().collect();
        self
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Reply");
        match &self.kind {
            Kind::Value(v) => d.field("value", v),
            Kind::Text(t) => d.field("text", t),
            Kind::Message(m) => d.field("message", m),
            Kind::Truncated(t) => d.field("truncated", t),
            Kind::Refusal(r) => d.field("refusal", r),
            Kind::Filtered => d.field("content_filtered", &true),
            Kind::ApiError { status, message } => {
                d.field("status", status).field("api_error", message)
            }
            Kind::Http { status, body } => d.field("status", status).field("body", body),
            Kind::Chunked { status, chunks } => d.field("status", status).field("chunks", chunks),
            Kind::Timeout => d.field("timeout", &true),
            Kind::Disconnect => d.field("disconnect", &true),
            Kind::Dynamic(_) => d.field("from_fn", &".."),
            Kind::Choices(replies) => d.field("choices", replies),
        };
        d.field("usage", &self.usage).finish()
    }
}
