//! The one error type of promptfn, and what each kind keeps for the user to act on.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::message::Message;
use crate::response::Usage;

/// `Result<T, promptfn::Error>`: what every prompt function returns when awaited.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong between declaring a prompt and holding its typed value.
///
/// Each kind keeps what is needed to act on it: the HTTP status and the provider's error object
/// for API errors, the raw model output and the reason for undecodable answers, the partial text
/// for answers cut at the token limit. The API key never appears in any of them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client or the call is not usable as configured (no model, a malformed base URL…).
    #[error("promptfn is not configured correctly: {0}")]
    Config(String),

    /// The request never got an HTTP answer (connection refused, reset, DNS, TLS).
    #[error("could not reach the model server at {url}: {message}")]
    Transport {
        /// The endpoint that was called.
        url: String,
        /// What the HTTP stack reported, with its causes.
        message: String,
    },

    /// No answer arrived in time.
    #[error(
        "the model server did not answer within {after:?} ({phase}){}",
        arrived(partial)
    )]
    #[non_exhaustive]
    Timeout {
        /// Which deadline ran out: `connect`, `first byte`, `idle` or `total`.
        phase: &'static str,
        /// The deadline that ran out.
        after: Duration,
        /// The answer text a stream had delivered when the deadline ran out (empty when
        /// nothing had arrived, and for awaited calls).
        partial: String,
    },

    /// The server answered with an HTTP error status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The server's answer was not a chat completion this client can read.
    #[error("the server's answer is not a readable chat completion: {reason}")]
    Protocol {
        /// What was wrong with it.
        reason: String,
        /// The body as received (at most [`RAW_EXCERPT_LIMIT`] bytes of it).
        raw: String,
    },

    /// The model answered, but its output could not be decoded into the declared type,
    /// even after re-asking.
    #[error("{0}")]
    Decode(#[from] DecodeError),

    /// The model stopped at the token limit (`finish_reason = "length"`): the answer is cut.
    #[error(
        "the answer was cut at the token limit after {} characters; raise `max_tokens` or shorten the prompt",
        partial.len()
    )]
    Incomplete {
        /// The text the model produced before it was stopped.
        partial: String,
        /// Token usage, when the server reported it.
        usage: Option<Usage>,
    },

    /// The model refused to answer.
    #[error("the model refused to answer: {refusal}")]
    Refused {
        /// The refusal message.
        refusal: String,
    },

    /// The provider's content filter stopped the answer.
    #[error("the provider's content filter stopped the answer")]
    ContentFilter {
        /// Whatever text arrived before the filter stopped it.
        partial: String,
    },

    /// The return type's schema cannot be expressed in the target's schema dialect.
    #[error("the return type cannot be sent as a schema: {0}")]
    Schema(String),

    /// A media argument cannot be sent to the target as asked (unreadable, unknown or unsupported
    /// type, too large to download…). Found before any request is sent.
    #[error("{0}")]
    Media(Box<crate::media::MediaError>),

    /// A streamed answer stopped before the server said it was complete: no `[DONE]` and no
    /// finish reason (the connection dropped, or the server died mid-answer).
    #[error(
        "the answer stream stopped before it was complete ({reason}) after {} characters; call again",
        partial.len()
    )]
    Truncated {
        /// The answer text that arrived before the stream stopped.
        partial: String,
        /// How the stream ended.
        reason: String,
    },

    /// The model still asked for tools after `max_steps` rounds of tool calls.
    #[error("{0}")]
    MaxSteps(Box<MaxStepsError>),

    /// A test double of the testing kit has no answer for this request: nothing is scripted
    /// for the function in a `MockClient`, or a cassette holds no recording of the request. The
    /// message says what to script or record.
    #[error("{0}")]
    NoScriptedAnswer(String),

    /// A request would have reached the network while live requests were forbidden (the
    /// testing kit's `forbid_live_requests()` or `PROMPTFN_FORBID_LIVE_REQUESTS`).
    #[error("{0}")]
    LiveRequestBlocked(String),

    /// A bulk run's journal could not be read or written. The run stops at once: an item
    /// whose result is not journaled counts as not done, and the next run sends it again.
    #[error("the bulk journal {path} {reason}")]
    Journal {
        /// The journal file.
        path: String,
        /// What went wrong, and what to do about it.
        reason: String,
    },

    /// A bulk run through the batch API got no answer for an item: its batch could not be
    /// submitted or read, failed validation, expired or was cancelled before reaching it. Such
    /// items are not journaled, so running again submits them again.
    #[error("no answer from the batch API (batch {batch}): {reason}")]
    Batch {
        /// The batch id (`(none)` when no batch was created).
        batch: String,
        /// What the batch API said.
        reason: String,
    },
}

impl Error {
    /// A deadline error with nothing of the answer received yet.
    pub(crate) fn timeout(phase: &'static str, after: Duration) -> Self {
        Self::Timeout {
            phase,
            after,
            partial: String::new(),
        }
    }
}

/// "; 607 characters of the answer had arrived" when some had.
fn arrived(partial: &str) -> String {
    match partial.chars().count() {
        0 => String::new(),
        n => format!("; {n} characters of the answer had arrived"),
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

/// How many bytes of a raw body an error keeps, so a hostile server cannot make errors huge.
pub const RAW_EXCERPT_LIMIT: usize = 64 * 1024;

/// Keep at most [`RAW_EXCERPT_LIMIT`] bytes of `raw`, cut on a character boundary.
pub(crate) fn excerpt(raw: &str) -> String {
    if raw.len() <= RAW_EXCERPT_LIMIT {
        return raw.to_owned();
    }
    let mut end = RAW_EXCERPT_LIMIT;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes]", &raw[..end], raw.len() - end)
}

/// An HTTP error answer: status, the provider's error object when one could be read, and the body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The provider's error object (`message`, `type`, `code`, `param`), when the body had one.
    pub error: Option<ProviderError>,
    /// The response body (at most [`RAW_EXCERPT_LIMIT`] bytes).
    pub raw: String,
    /// How long the server asked the client to wait before trying again (`retry-after-ms` or
    /// `Retry-After`), when it said so on a transient error that promptfn stopped retrying.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub(crate) fn from_body(status: u16, body: &[u8]) -> Self {
        let raw = String::from_utf8_lossy(body);
        Self {
            status,
            error: ProviderError::parse(body),
            raw: excerpt(&raw),
            retry_after: None,
        }
    }

    /// The provider's message, or the raw body when there was no error object.
    pub fn message(&self) -> &str {
        self.error.as_ref().map_or(&self.raw, |e| &e.message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the model server answered HTTP {}", self.status)?;
        match &self.error {
            Some(e) => {
                write!(f, ": {}", e.message)?;
                if let Some(kind) = &e.kind {
                    write!(f, " (type {kind}")?;
                    if let Some(code) = &e.code {
                        write!(f, ", code {code}")?;
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
            None if self.raw.trim().is_empty() => f.write_str(" with an empty body"),
            None => write!(f, ": {}", first_line(&self.raw, 200)),
        }?;
        if let Some(hint) = status_hint(self.status) {
            write!(f, "; {hint}")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (the server asked to retry after {wait:?})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

fn first_line(s: &str, max_chars: usize) -> String {
    let line = s.trim().lines().next().unwrap_or_default();
    line.chars().take(max_chars).collect()
}

fn status_hint(status: u16) -> Option<&'static str> {
    Some(match status {
        401 => "check the API key (OPENAI_API_KEY or Client::builder().api_key)",
        403 => "the key is not allowed to use this model or endpoint",
        404 => "check the base URL and the model name",
        429 => "rate limited or out of quota: slow down or check the account",
        _ => return None,
    })
}

/// The error object an OpenAI-compatible server puts in its error bodies.
///
/// Servers disagree on its shape: `code` may be a string or a number, the object may sit in an
/// array (Gemini), or the body may carry only `message`/`detail`. All of them are read here.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProviderError {
    /// The human-readable message.
    pub message: String,
    /// The error `type` (`invalid_request_error`, `upstream_error`, …).
    pub kind: Option<String>,
    /// The error `code`, as the server wrote it.
    pub code: Option<ErrorCode>,
    /// The request parameter the error is about.
    pub param: Option<String>,
}

/// An error `code`: servers send strings, numbers, or nothing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ErrorCode {
    /// `"code": "rate_limit_exceeded"`
    Text(String),
    /// `"code": 400`
    Number(i64),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(s) => f.write_str(s),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorBody {
    Wrapped { error: ErrorField },
    List(Vec<ErrorBody>),
    Flat(Box<ErrorObject>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Object(Box<ErrorObject>),
    Text(String),
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(alias = "detail", alias = "error_message")]
    message: Option<serde_json::Value>,
    #[serde(rename = "type", alias = "status")]
    kind: Option<serde_json::Value>,
    code: Option<serde_json::Value>,
    param: Option<serde_json::Value>,
}

impl ProviderError {
    /// Read the error object out of an error body, whatever shape the server chose.
    pub(crate) fn parse(body: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(body).ok()?.trim_start();
        let parsed: ErrorBody = serde_json::from_str(text).ok()?;
        Self::from_body(parsed)
    }

    fn from_body(body: ErrorBody) -> Option<Self> {
        match body {
            ErrorBody::Wrapped {
                error: ErrorField::Object(o),
            } => Self::from_object(*o),
            ErrorBody::Flat(o) => Self::from_object(*o),
            ErrorBody::Wrapped {
                error: ErrorField::Text(message),
            } => Some(Self {
                message,
                kind: None,
                code: None,
                param: None,
            }),
            ErrorBody::List(items) => items.into_iter().find_map(Self::from_body),
        }
    }

    fn from_object(o: ErrorObject) -> Option<Self> {
        let text = |v: serde_json::Value| match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s),
            other => Some(other.to_string()),
        };
        let message = o.message.and_then(text)?;
        let code = match o.code {
            Some(serde_json::Value::String(s)) => Some(ErrorCode::Text(s)),
            Some(serde_json::Value::Number(n)) => n.as_i64().map(ErrorCode::Number),
            _ => None,
        };
        Some(Self {
            message,
            kind: o.kind.and_then(text),
            code,
            param: o.param.and_then(text),
        })
    }
}

/// Why the model's output could not be turned into the declared type, with every attempt kept.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The Rust type that was expected.
    pub type_name: &'static str,
    /// Every answer the model gave (first try and each re-ask), with the reason it was rejected.
    pub attempts: Vec<RejectedAnswer>,
}

/// One answer the model gave that could not be decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RejectedAnswer {
    /// The model's raw output.
    pub raw: String,
    /// Why it was rejected, precisely (what was expected where).
    pub reason: String,
}

impl DecodeError {
    /// The last answer the model gave.
    pub fn raw(&self) -> &str {
        self.attempts.last().map_or("", |a| a.raw.as_str())
    }

    /// Why the last answer was rejected.
    pub fn reason(&self) -> &str {
        self.attempts.last().map_or("", |a| a.reason.as_str())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the model's answer could not be decoded into `{}` after {} attempt(s): {}",
            self.type_name,
            self.attempts.len(),
            self.reason()
        )?;
        let raw = self.raw();
        if !raw.is_empty() {
            let shown: String = raw.chars().take(300).collect();
            write!(f, "; last answer: {shown:?}")?;
            if shown.len() < raw.len() {
                f.write_str("…")?;
            }
        }
        f.write_str(" (raise `retries`, or simplify the type)")
    }
}

impl std::error::Error for DecodeError {}

/// The tool loop ran out of rounds: the model was still calling tools after `max_steps`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MaxStepsError {
    /// The limit that was reached.
    pub max_steps: u32,
    /// The whole conversation: the prompt, every assistant turn with its tool calls, every tool
    /// result, and the last turn, whose calls were not run.
    pub transcript: Vec<Message>,
    /// Token usage summed over every request, when the server reported it.
    pub usage: Option<Usage>,
}

impl fmt::Display for MaxStepsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last_calls: Vec<&str> = self
            .transcript
            .last()
            .map(|m| m.tool_calls.iter().map(|c| c.name.as_str()).collect())
            .unwrap_or_default();
        write!(
            f,
            "the model still asked for tools ({}) after {} round(s) of tool calls; raise \
             `max_steps` (`.max_steps(n)` per call, `#[prompt(max_steps = n)]` or \
             `Client::builder().max_steps(n)`), or check the transcript for a tool whose results \
             do not settle the question",
            last_calls.join(", "),
            self.max_steps
        )
    }
}

impl std::error::Error for MaxStepsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openai_error_objects() {
        let body = br#"{"error":{"message":"bad model","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#;
        let e = ProviderError::parse(body).unwrap();
        assert_eq!(e.message, "bad model");
        assert_eq!(e.kind.as_deref(), Some("invalid_request_error"));
        assert_eq!(e.code, Some(ErrorCode::Text("model_not_found".into())));
        assert_eq!(e.param.as_deref(), Some("model"));
    }

    #[test]
    fn reads_gemini_array_bodies_with_numeric_codes() {
        let body = br#"[{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT","details":[]}}]"#;
        let e = ProviderError::parse(body).unwrap();
        assert_eq!(e.message, "Invalid JSON payload");
        assert_eq!(e.code, Some(ErrorCode::Number(400)));
        assert_eq!(e.kind.as_deref(), Some("INVALID_ARGUMENT"));
    }

    #[test]
    fn reads_flat_and_string_errors() {
        let e = ProviderError::parse(br#"{"detail":"Not Found"}"#).unwrap();
        assert_eq!(e.message, "Not Found");
        let e = ProviderError::parse(br#"{"error":"upstream timeout"}"#).unwrap();
        assert_eq!(e.message, "upstream timeout");
        assert!(ProviderError::parse(b"<html>502 Bad Gateway</html>").is_none());
    }

    #[test]
    fn api_error_display_keeps_message_and_hint() {
        let e = ApiError::from_body(
            401,
            br#"{"error":{"message":"invalid key","type":"auth","code":null,"param":null}}"#,
        );
        let shown = e.to_string();
        assert!(shown.contains("HTTP 401"), "{shown}");
        assert!(shown.contains("invalid key"), "{shown}");
        assert!(shown.contains("OPENAI_API_KEY"), "{shown}");
        let html = ApiError::from_body(502, b"<html><body>Bad gateway</body></html>");
        assert!(html.to_string().contains("<html>"));
        assert_eq!(html.message(), "<html><body>Bad gateway</body></html>");
    }

    #[test]
    fn excerpts_are_bounded_and_cut_on_char_boundaries() {
        let long = "é".repeat(RAW_EXCERPT_LIMIT);
        let cut = excerpt(&long);
        assert!(cut.len() < long.len());
        assert!(cut.ends_with("more bytes]"));
    }
}
