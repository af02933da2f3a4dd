//! The body of a streamed answer as a stream of chunks that owns its connection.

use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;

use crate::client::Client;
use crate::error::Result;
use crate::transport::Body;

/// The body of a streamed answer, chunk by chunk.
pub(crate) type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// The body as a stream that owns it, so that dropping the stream closes the connection.
pub(crate) fn byte_stream(body: Body, client: Client) -> ByteStream {
    Box::pin(futures_util::stream::unfold(
        Some((body, client)),
        |state| async move {
            let (mut body, client) = state?;
            match body.chunk(&client).await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some((body, client)))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        },
    ))
}
