//! The streaming path of the transport (`open`, then `Body::chunk`) without the SSE decoder on
//! top, for fault-injection tests. Not public API: no semver promise.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::client::Client;
use crate::error::Result;
use crate::transport::{self, Body, Outgoing, Route};

/// A streamed answer whose status has arrived.
pub struct RawStream {
    client: Client,
    status: u16,
    body: Body,
}

impl fmt::Debug for RawStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawStream")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Send `body` as a streamed chat completion through `client` (retrying only until the
/// status line, as streams do) and return the answer unread.
pub async fn open_stream(client: &Client, body: Vec<u8>, timeout: Duration) -> Result<RawStream> {
    let out = Outgoing {
        function: "probe",
        function_path: "probe",
        body: body.into(),
        timeout,
        stream: true,
        structured: false,
        route: Route::Chat,
    };
    let opened = transport::open(client.link(), &out).await?;
    Ok(RawStream {
        client: client.clone(),
        status: opened.status,
        body: opened.body,
    })
}

impl RawStream {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The next chunk of the body, `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        self.body.chunk(self.client.link()).await
    }
}
