//! Sending one request and reading its answer, bounded in time and size, retried when a
//! transient fault allows.
//!
//! [`open`] gets as far as the status line and headers; the body is then read on demand from a
//! [`Body`], whole by [`send`] or chunk by chunk by the streaming path. Each client owns one
//! [`Transport`] (its pool, endpoint, key, deadlines and limits), which a call reaches through a
//! [`Link`] carrying the call's overrides. A transport may carry a [`Backend`] that answers
//! instead of the network (test doubles), and a [`RequestGate`] asked before anything goes to
//! the network (the testing kit's live-request guard); it knows neither the client nor the
//! testing kit.
//!
//! Retries (policy and classification in [`crate::retry`]) happen only where nothing has
//! reached the caller yet:
//! - [`open`] retries until it has a status line worth handing over: it never retries once a
//!   2xx body has started, so a streamed body is never re-sent;
//! - [`send`] reads the whole body before handing anything over, so it also retries a body that
//!   breaks off or stalls midway (the caller has seen none of it).
//!
//! Deadlines: `connect` (reqwest), `first byte` (request sent → status line), `idle` (the
//! longest silence between two body chunks) and `total` (the whole request, every attempt and
//! every wait between attempts included).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use crate::error::{Error, Result};
use crate::limit::Permit;
use crate::redact::{BodyScrubber, shown_url};
use crate::retry::{self, Verdict};
use crate::wire::dialect::Dialect;

mod sending;
mod setup;
#[cfg(test)]
mod tests;

use sending::{Headers, Sending, Whole};
pub(crate) use setup::{Link, RequestGate, Transport, TransportOverrides, TransportSettings};

/// The default cap on a response body read into memory; a misbehaving server cannot exhaust
/// the process. Change it with [`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// How much of an error answer is read to decide whether to retry it and to report it: error
/// objects are small, and an endless error page must not hold a retry up.
const ERROR_BODY_LIMIT: usize = 1024 * 1024;

/// One request on its way out.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// The prompt function that made it (for logs and test doubles).
    pub(crate) function: &'static str,
    /// Its path (`app::Planner::run`), which test doubles key scripts by.
    pub(crate) function_path: &'static str,
    /// The JSON body.
    pub(crate) body: Bytes,
    /// The total deadline: every attempt and every wait between attempts included.
    pub(crate) timeout: Duration,
    /// Whether the answer is an SSE stream.
    pub(crate) stream: bool,
    /// Whether the request uses a structured-output feature (an output mode, tools) that a
    /// server may reject: its 5xx answers are then not retried blindly.
    pub(crate) structured: bool,
    /// Where it goes and how its body is written.
    pub(crate) route: Route,
}

/// Where a request goes and how its body is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// The client's chat-completions endpoint, with a JSON body.
    Chat,
    /// A native dialect's endpoint (`{base_url}/{path}`), with a JSON body and the dialect's
    /// authentication headers.
    Native {
        dialect: Dialect,
        /// Relative to the base URL, e.g. `messages`.
        path: String,
    },
    /// `{base_url}/{path}`: the other endpoints (images, audio, embeddings, models, files,
    /// batches…).
    Endpoint {
        /// Relative to the base URL, e.g. `embeddings` or `batches/batch_abc`.
        path: Cow<'static, str>,
        /// How the body is written.
        body: BodyKind,
    },
}

/// The kind of body a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// No body: a `GET`.
    Empty,
    /// A JSON object.
    Json,
    /// A `multipart/form-data` form with this boundary.
    Form {
        /// The boundary between the form's parts.
        boundary: String,
    },
}

impl Route {
    /// The path relative to the base URL, where the request goes and as test doubles name it.
    pub(crate) fn path(&self) -> &str {
        match self {
            Self::Chat => "chat/completions",
            Self::Native { path, .. } => path,
            Self::Endpoint { path, .. } => path,
        }
    }
}

/// An answer whose status has arrived; its body is read on demand.
pub(crate) struct Opened {
    pub(crate) status: u16,
    pub(crate) body: Body,
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A response body, from the network or from a test double.
///
/// An error answer (status ≥ 400) returned by [`open`] has already been read (a bounded part of
/// it) and comes as `Chunks`. On a client with a concurrency limit, a 2xx body comes as a
/// `Stream` that holds the client's in-flight slot until it is dropped.
pub(crate) enum Body {
    Http(reqwest::Response),
    /// A network body read through the key scrubber: the case of nearly every answer, kept
    /// apart from `Stream` so that it costs no boxed stream per call.
    ScrubbedHttp(reqwest::Response, BodyScrubber),
    Chunks(VecDeque<Bytes>),
    Stream(Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>),
}

impl Body {
    /// The next chunk, or `None` at the end; a silence longer than the link's idle timeout
    /// is an [`Error::Timeout`] with phase `idle`.
    pub(crate) async fn chunk(&mut self, link: Link<'_>) -> Result<Option<Bytes>> {
        self.chunk_within(link.transport, link.idle_timeout()).await
    }

    /// The next chunk, or `None` at the end; a silence longer than `idle` is an
    /// [`Error::Timeout`] with phase `idle`.
    pub(crate) async fn chunk_within(
        &mut self,
        transport: &Transport,
        idle: Duration,
    ) -> Result<Option<Bytes>> {
        let mut next = std::pin::pin!(self.next_chunk(transport));
        // Most chunks are there at the first look: the idle timer (a clock read, and a timer
        // entry made and dropped, more than the read itself costs) is armed only for a chunk
        // that is not, from that first look on.
        if let Some(ready) = futures_util::future::poll_immediate(next.as_mut()).await {
            return ready;
        }
        tokio::time::timeout(idle, next)
            .await
            .unwrap_or(Err(Error::timeout("idle", idle)))
    }

    async fn next_chunk(&mut self, transport: &Transport) -> Result<Option<Bytes>> {
        match self {
            Self::Http(response) => response
                .chunk()
                .await
                .map_err(|e| transport_error(transport, &shown_url(response.url().as_str()), &e)),
            Self::ScrubbedHttp(response, scrubber) => loop {
                let chunk = response.chunk().await.map_err(|e| {
                    transport_error(transport, &shown_url(response.url().as_str()), &e)
                })?;
                let Some(bytes) = chunk else {
                    let rest = scrubber.finish();
                    return Ok((!rest.is_empty()).then_some(rest));
                };
                let clean = scrubber.push(bytes);
                // All of it may be held back, waiting to see whether it is the key.
                if !clean.is_empty() {
                    return Ok(Some(clean));
                }
            },
            Self::Chunks(chunks) => Ok(chunks.pop_front()),
            Self::Stream(stream) => stream.next().await.transpose(),
        }
    }

    /// This body with every spelling of the transport's API key replaced (unchanged when
    /// there is no key worth hiding).
    fn scrubbed(self, transport: &Arc<Transport>) -> Self {
        let Some(scrubber) = transport.body_scrubber() else {
            return self;
        };
        let body = match self {
            Self::Http(response) => return Self::ScrubbedHttp(response, scrubber),
            other => other,
        };
        let state = Some((body, Arc::clone(transport), scrubber));
        Self::Stream(Box::pin(futures_util::stream::unfold(
            state,
            |state| async move {
                let (mut body, transport, mut scrubber) = state?;
                loop {
                    match body.next_chunk(&transport).await {
                        Ok(Some(bytes)) => {
                            let clean = scrubber.push(bytes);
                            // All of it may be held back, waiting to see whether it is the key.
                            if !clean.is_empty() {
                                return Some((Ok(clean), Some((body, transport, scrubber))));
                            }
                        }
                        Ok(None) => {
                            let rest = scrubber.finish();
                            return (!rest.is_empty()).then_some((Ok(rest), None));
                        }
                        Err(e) => return Some((Err(e), None)),
                    }
                }
            },
        )))
    }

    /// This body as a stream that keeps `permit` until it ends or is dropped.
    fn holding(self, transport: &Arc<Transport>, permit: Option<Permit>) -> Self {
        let Some(permit) = permit.filter(Permit::is_held) else {
            return self;
        };
        let state = Some((self, Arc::clone(transport), permit));
        Self::Stream(Box::pin(futures_util::stream::unfold(
            state,
            |state| async move {
                let (mut body, transport, permit) = state?;
                match body.next_chunk(&transport).await {
                    Ok(Some(bytes)) => Some((Ok(bytes), Some((body, transport, permit)))),
                    Ok(None) => None,
                    Err(e) => Some((Err(e), None)),
                }
            },
        )))
    }
}

/// Something that answers requests instead of the network (test doubles).
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    fn open<'a>(
        &'a self,
        out: &'a Outgoing,
    ) -> Pin<Box<dyn Future<Output = Result<Opened>> + Send + 'a>>;
}

/// A shared [`Backend`].
pub(crate) type SharedBackend = Arc<dyn Backend>;

/// A complete answer.
#[derive(Debug)]
pub(crate) struct HttpAnswer {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

impl HttpAnswer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Send a request and read the whole answer, within the request's total deadline.
///
/// Transient failures are retried, a body that breaks off midway included. An error status
/// that is still transient when the attempts or the deadline run out comes back as
/// [`Error::Api`] (with the server's `Retry-After`); any other status comes back as an answer.
pub(crate) fn send<'a>(
    link: Link<'a>,
    out: &'a Outgoing,
) -> Sending<'a, impl Future<Output = reqwest::Result<reqwest::Response>> + Send + Unpin, Whole> {
    Sending::new(link, out, reqwest::RequestBuilder::send)
}

/// Send a request and wait for the status line and headers, retrying transient failures.
///
/// A 2xx answer comes back with its body unread. An error status comes back read (at most
/// 1 MiB of it) as `Body::Chunks`, unless it is transient and the attempts or the deadline ran
/// out: then it is an [`Error::Api`]. Nothing is retried once a 2xx body has been handed over.
pub(crate) fn open<'a>(
    link: Link<'a>,
    out: &'a Outgoing,
) -> Sending<'a, impl Future<Output = reqwest::Result<reqwest::Response>> + Send + Unpin, Headers> {
    Sending::new(link, out, reqwest::RequestBuilder::send)
}

/// The error of an answer larger than the client's `max_body_bytes` (`cap`), awaited or
/// streamed, keeping an excerpt of what was `kept`.
pub(crate) fn body_too_large(cap: usize, kept: &[u8]) -> Error {
    let kept = &kept[..kept.len().min(crate::error::RAW_EXCERPT_LIMIT)];
    Error::Protocol {
        reason: format!(
            "the response body exceeds the {cap}-byte limit; the server is misbehaving, or \
             raise the limit with Client::builder().max_body_bytes(…)"
        ),
        raw: crate::error::excerpt(&String::from_utf8_lossy(kept)),
    }
}

/// Read a body to its end, refusing more than the transport's `max_body_bytes`.
pub(crate) async fn read_all(link: Link<'_>, body: &mut Body) -> Result<Bytes> {
    let cap = link.transport.max_body_bytes();
    let too_large = |kept: &[u8]| body_too_large(cap, kept);
    let announced = match body {
        Body::Http(r) | Body::ScrubbedHttp(r, _) => r.content_length().unwrap_or(0),
        _ => 0,
    };
    if announced > cap as u64 {
        return Err(too_large(&[]));
    }
    // A body that arrives in one chunk (most answers) is handed on as it is, not copied.
    let Some(first) = body.chunk(link).await? else {
        return Ok(Bytes::new());
    };
    if first.len() > cap {
        return Err(too_large(&first));
    }
    let Some(second) = body.chunk(link).await? else {
        return Ok(first);
    };
    let mut buf = BytesMut::with_capacity((announced as usize).max(first.len() + second.len()));
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if buf.len() + chunk.len() > cap {
            return Err(too_large(&buf));
        }
        buf.extend_from_slice(&chunk);
        next = body.chunk(link).await?;
    }
    Ok(buf.freeze())
}

/// A failed attempt and whether it may be tried again.
struct Failure {
    error: Error,
    verdict: Verdict,
}

impl Failure {
    fn classified(error: Error) -> Self {
        Self {
            verdict: retry::classify_error(&error),
            error,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::classified(error)
    }
}

/// The last error of a retried request, saying how many attempts it took.
fn gave_up(error: Error, attempts: u32) -> Error {
    match error {
        Error::Transport { url, mut message } if attempts > 1 => {
            message.push_str(&format!(" (gave up after {attempts} attempts)"));
            Error::Transport { url, message }
        }
        other => other,
    }
}

/// The HTTP request for `out`, once the gate (if any) has let it go to the network.
#[inline]
fn request_of(link: Link<'_>, out: &Outgoing) -> Result<reqwest::RequestBuilder> {
    let transport = &**link.transport;
    transport.admit(out)?;
    let request = match &out.route {
        Route::Chat => {
            let accept = if out.stream {
                "text/event-stream"
            } else {
                "application/json"
            };
            let post = match transport.endpoint_url() {
                Some(url) => transport.http().post(url.clone()),
                None => transport.http().post(transport.endpoint()),
            };
            post.header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .header(ACCEPT, HeaderValue::from_static(accept))
                .body(out.body.clone())
        }
        Route::Native { dialect, .. } => {
            let accept = if out.stream {
                "text/event-stream"
            } else {
                "application/json"
            };
            let post = transport
                .http()
                .post(transport.url_of(&out.route))
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .header(ACCEPT, HeaderValue::from_static(accept))
                .body(out.body.clone());
            transport.native_auth(*dialect, post)
        }
        Route::Endpoint { body, .. } => {
            let url = transport.url_of(&out.route);
            // Speech answers with audio bytes, the others with JSON: any type is taken.
            let any = HeaderValue::from_static("*/*");
            match body {
                BodyKind::Empty => transport.http().get(url).header(ACCEPT, any),
                BodyKind::Json => transport
                    .http()
                    .post(url)
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .header(ACCEPT, any)
                    .body(out.body.clone()),
                BodyKind::Form { boundary } => transport
                    .http()
                    .post(url)
                    .header(
                        CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .header(ACCEPT, any)
                    .body(out.body.clone()),
            }
        }
    };
    let mut request = request;
    if !matches!(out.route, Route::Native { .. })
        && let Some(auth) = transport.auth_header()
    {
        request = request.header(AUTHORIZATION, auth);
    }
    Ok(request)
}

/// The error of a request to `destination` (shown without credentials) that got no usable
/// answer.
fn transport_error(
    transport: &Transport,
    destination: &dyn fmt::Display,
    e: &reqwest::Error,
) -> Error {
    if e.is_timeout() {
        return if e.is_connect() {
            Error::timeout("connect", transport.connect_timeout())
        } else {
            Error::timeout("total", transport.timeout())
        };
    }
    // reqwest's own message names the URL; its causes say what actually happened.
    let mut causes = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        causes.push_str(": ");
        causes.push_str(&cause.to_string());
        source = cause.source();
    }
    if e.is_redirect() || e.is_builder() {
        // A refused redirect or an unusable request: retrying cannot help, the settings can.
        return Error::Config(format!(
            "the request to {destination} could not be completed{causes}"
        ));
    }
    Error::Transport {
        url: destination.to_string(),
        message: describe(e) + &causes,
    }
}

/// reqwest's top-level message without the URL (the error already names it once).
fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read".to_owned()
    } else if e.is_request() {
        "the request could not be sent".to_owned()
    } else {
        "HTTP error".to_owned()
    }
}

/// The redirect policy of every API client: no redirect is followed. A 301, 302 or 303 would
/// turn the POST into a GET without its body (whose answer is no answer to the request), and
/// another origin would receive the API key and the client's extra headers (which may hold
/// credentials and which reqwest does not strip). The error names where the server pointed,
/// so that the user can make it the base URL.
pub(crate) fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let to = attempt.url();
        let error = RedirectRefused {
            status: attempt.status().as_u16(),
            to: format!("{}{}", to.origin().ascii_serialization(), to.path()),
        };
        attempt.error(error)
    })
}

#[derive(Debug)]
struct RedirectRefused {
    status: u16,
    to: String,
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server redirected it (HTTP {}) to {}, and promptfn does not follow redirects of \
             API requests: a redirect may turn the POST into a GET without its body, or hand \
             the API key to another origin; if that address is the right one, use it as the \
             base URL",
            self.status, self.to
        )
    }
}

impl std::error::Error for RedirectRefused {}
