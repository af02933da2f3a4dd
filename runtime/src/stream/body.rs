//! The body of a streamed answer as a stream of chunks that owns its connection.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;

use crate::error::Result;
use crate::transport::{Body, Link, Transport};

/// The body of a streamed answer, chunk by chunk.
pub(crate) type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// The body as a stream that owns it, so that dropping the stream closes the connection; read
/// under `link`'s idle deadline.
pub(crate) fn byte_stream(body: Body, link: Link<'_>) -> ByteStream {
    let state: (Body, Arc<Transport>, Duration) =
        (body, Arc::clone(link.transport), link.idle_timeout());
    Box::pin(futures_util::stream::unfold(
        Some(state),
        |state| async move {
            let (mut body, transport, idle) = state?;
            match body.chunk_within(&transport, idle).await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some((body, transport, idle)))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        },
    ))
}
