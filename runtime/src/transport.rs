//! Sending one request and reading its answer, bounded in time and size.
//!
//! [`open`] gets as far as the status line and headers; the body is then read on demand from a
//! [`Body`], whole by [`send`] or chunk by chunk by the streaming path. A client may carry a
//! [`Backend`] that answers instead of the network (test doubles).

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

use crate::client::Client;
use crate::error::{Error, Result};

/// The largest response body read into memory; a misbehaving server cannot exhaust the process.
pub(crate) const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// One request on its way out.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// The prompt function that made it (for logs and test doubles).
    pub(crate) function: &'static str,
    /// The JSON body.
    pub(crate) body: Bytes,
    /// The total deadline.
    pub(crate) timeout: Duration,
    /// Whether the answer is an SSE stream.
    pub(crate) stream: bool,
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
#[allow(dead_code)] // `Chunks` and `Stream` are built by test doubles
pub(crate) enum Body {
    Http(reqwest::Response),
    Chunks(VecDeque<Bytes>),
    Stream(Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>),
}

impl Body {
    /// The next chunk, or `None` at the end.
    pub(crate) async fn chunk(&mut self, client: &Client) -> Result<Option<Bytes>> {
        match self {
            Self::Http(response) => response
                .chunk()
                .await
                .map_err(|e| transport_error(client, &e)),
            Self::Chunks(chunks) => Ok(chunks.pop_front()),
            Self::Stream(stream) => stream.next().await.transpose(),
        }
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
pub(crate) async fn send(client: &Client, out: &Outgoing) -> Result<HttpAnswer> {
    let timeout = out.timeout;
    let exchange = async {
        let mut opened = open(client, out).await?;
        let body = read_all(client, &mut opened.body).await?;
        Ok(HttpAnswer {
            status: opened.status,
            body,
        })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(answer) => answer,
        Err(_) => Err(Error::Timeout {
            phase: "total",
            after: timeout,
        }),
    }
}

/// Send a request and wait for the status line and headers.
pub(crate) async fn open(client: &Client, out: &Outgoing) -> Result<Opened> {
    tracing::trace!(
        function = out.function,
        bytes = out.body.len(),
        stream = out.stream,
        "sending a chat completion"
    );
    if let Some(backend) = client.backend() {
        return backend.open(out).await;
    }
    let accept = if out.stream {
        "text/event-stream"
    } else {
        "application/json"
    };
    let post = match client.endpoint_url() {
        Some(url) => client.http().post(url.clone()),
        None => client.http().post(client.endpoint()),
    };
    let mut request = post
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(ACCEPT, HeaderValue::from_static(accept))
        .body(out.body.clone());
    if let Some(auth) = client.auth_header() {
        request = request.header(AUTHORIZATION, auth);
    }
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(client, &e))?;
    Ok(Opened {
        status: response.status().as_u16(),
        body: Body::Http(response),
    })
}

/// Read a body to its end, refusing more than [`MAX_BODY_BYTES`].
pub(crate) async fn read_all(client: &Client, body: &mut Body) -> Result<Bytes> {
    // A body that arrives in one chunk (most of them) is returned as it is, without a copy.
    let Some(first) = body.chunk(client).await? else {
        return Ok(Bytes::new());
    };
    if first.len() > MAX_BODY_BYTES {
        return Err(too_large(&first));
    }
    let Some(second) = body.chunk(client).await? else {
        return Ok(first);
    };
    let mut buf = match body {
        Body::Http(r) => BytesMut::with_capacity(
            r.content_length()
                .map_or(8 * 1024, |n| n.min(MAX_BODY_BYTES as u64) as usize),
        ),
        _ => BytesMut::new(),
    };
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if buf.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large(&buf));
        }
        buf.extend_from_slice(&chunk);
        next = body.chunk(client).await?;
    }
    Ok(buf.freeze())
}

fn too_large(start: &[u8]) -> Error {
    Error::Protocol {
        reason: format!(
            "the response body exceeds {} MiB; the server is misbehaving",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
        raw: crate::error::excerpt(&String::from_utf8_lossy(start)),
    }
}

fn transport_error(client: &Client, e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            phase: if e.is_connect() { "connect" } else { "total" },
            after: client.timeout(),
        };
    }
    // reqwest's own message names the URL; its causes say what actually happened.
    let mut message = describe(e);
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Transport {
        url: client.endpoint().to_owned(),
        message,
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
