//! Streaming: answers handed out as the model writes them.
//!
//! [`Call::stream`](crate::Call::stream) works for the two outputs that have parts worth
//! having early: `String` gives a [`TextStream`] of text deltas, `Vec<T>` an [`ItemStream`]
//! of `T`s, each handed out as soon as its JSON element is complete. How streams behave is
//! documented on [`Streamable`], where users see it.
//!
//! Inside: `open` sends the request (stepping down before the first byte), `session` reads the
//! SSE body into pieces under the `deadline`s, `tool_calls` joins tool-call deltas, `elements`
//! finds list elements in a growing answer, and `text` / `items` are the public streams.

mod deadline;
mod elements;
mod items;
mod open;
mod partial;
mod session;
mod source;
mod text;
mod tool_calls;

pub use items::ItemStream;
pub use partial::PartialStream;
pub use text::{TextEvent, TextEvents, TextStream};

pub(crate) use open::Prepared;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::output::Output;
use session::Session;

pub(crate) mod sealed {
    /// Keeps `Streamable` to the outputs promptfn streams (`#[derive(Partial)]` implements it).
    pub trait Sealed {}
    impl Sealed for String {}
    impl<T> Sealed for Vec<T> {}
}

/// An output that can be streamed: `String` (text deltas), `Vec<T>` (one item at a time) or a
/// `#[derive(Partial)]` type (snapshots as it fills in).
///
/// How the stream behaves:
/// - The request asks for `stream: true` and `stream_options.include_usage`; servers that
///   ignore the usage request are fine (usage is then `None`), and a server that rejects it is
///   asked again without it, before any answer has streamed.
/// - Before the first byte the call behaves like an awaited one: it steps down the
///   structured-output ladder when the server rejects a mode, and the transport may retry.
///   After it, nothing is ever sent again: a broken stream ends with an error item, never
///   with a silent reconnect that could repeat or lose text.
/// - Three deadlines: the first byte and each gap between chunks
///   ([`ClientBuilder::first_byte_timeout`](crate::ClientBuilder::first_byte_timeout),
///   [`ClientBuilder::idle_timeout`](crate::ClientBuilder::idle_timeout)), and the total
///   ([`Call::timeout`](crate::Call::timeout)). Dropping a stream cancels its request.
/// - Real-world deltas are absorbed: tool-call deltas without `index` or arriving whole,
///   `reasoning_content`/`reasoning` (kept apart from the answer), a finish reason in its own
///   empty chunk, usage chunks with no choices, `: ping` comments, `data:` without a space.
///   An error object inside a 200 stream becomes [`Error::Api`](crate::Error::Api).
/// - A stream that stops without `[DONE]` and without a finish reason ends with
///   [`Error::Truncated`](crate::Error::Truncated).
/// - The model is never re-asked mid-stream: `retries` applies to awaited calls only. An
///   element that does not decode is an error item; the stream goes on.
#[diagnostic::on_unimplemented(
    message = "a call returning `{Self}` cannot be streamed",
    label = "`.stream()` needs a `String`, `Vec<T>` or `#[derive(Partial)]` output",
    note = "stream a `String` function for text deltas, a `Vec<T>` function for one item at a time, or derive `promptfn::Partial` on the type for snapshots as it fills in; await the call for other types"
)]
pub trait Streamable: Output + sealed::Sealed {
    /// What [`Call::stream`](crate::Call::stream) returns.
    type Stream;

    /// Starts streaming `call` (nothing is sent until the stream is polled).
    #[doc(hidden)]
    fn open(call: Call<Self>) -> Self::Stream;
}

impl Streamable for String {
    type Stream = TextStream;

    fn open(call: Call<Self>) -> TextStream {
        TextStream::new(Session::new(call.prepare_stream()))
    }
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Streamable for Vec<T> {
    type Stream = ItemStream<T>;

    fn open(call: Call<Self>) -> ItemStream<T> {
        let prepared = call.prepare_stream();
        let plan = prepared.as_ref().ok().map(|p| p.plan);
        ItemStream::new(Session::new(prepared), plan)
    }
}

/// What `#[derive(Partial)]` writes into its `Streamable` impl: a stream of snapshots.
///
/// (The derive implements `Streamable` for each type rather than this crate for every
/// `T: Partial`, so that streaming any other output still names the unmet `Streamable` bound,
/// whose docs list the outputs that stream.)
pub fn open_partial<T: crate::Partial>(call: Call<T>) -> PartialStream<T> {
    let prepared = call.prepare_stream();
    let plan = prepared.as_ref().ok().map(|p| p.plan);
    PartialStream::new(Session::new(prepared), plan)
}
