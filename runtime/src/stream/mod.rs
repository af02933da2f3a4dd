//! Streaming: answers handed out as the model writes them.
//!
//! [`Call::stream`](crate::Call::stream) works for the two outputs that have parts worth
//! having early: `String` gives a [`TextStream`] of text deltas, `Vec<T>` an [`ItemStream`]
//! of `T`s, each handed out as soon as its JSON element is complete. How streams behave is
//! documented on [`Streamable`], where users see it.
//!
//! A stream reads the same exchange as an awaited call (`crate::call`), which sends each
//! request, steps down before the first byte and runs tool rounds; here `session` reads each
//! round's SSE body (`body`) into pieces under the `deadline`s and starts the next round after
//! a tool round, `tool_calls` joins tool-call deltas, `elements` finds list elements in a
//! growing answer, and `text` / `items` are the public streams.

mod body;
mod deadline;
mod elements;
mod items;
mod partial;
mod session;
mod source;
mod text;
mod tool_calls;

pub use items::ItemStream;
pub use partial::PartialStream;
pub use text::{TextEvent, TextEvents, TextStream};

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
        TextStream::new(Session::new(call.resolve()))
    }
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Streamable for Vec<T> {
    type Stream = ItemStream<T>;

    fn open(call: Call<Self>) -> ItemStream<T> {
        let resolved = call.resolve();
        let plan = resolved.as_ref().ok().map(|(call, _)| call.plan);
        ItemStream::new(Session::new(resolved), plan)
    }
}

impl<T: Output> Call<T> {
    /// Stream the answer as the model writes it, instead of awaiting it whole.
    ///
    /// A `String` function gives a [`TextStream`] of text deltas; a `Vec<T>` function an
    /// [`ItemStream`] of items, each handed out as soon as its JSON is complete. With tools,
    /// the stream runs the tool loop: the text of every round streams as it arrives, and the
    /// calls and results of each round are events of
    /// [`TextStream::events`]. Nothing is sent until the stream is polled; dropping it cancels
    /// the request. The model is not re-asked mid-stream (`retries` does not apply).
    pub fn stream(self) -> T::Stream
    where
        T: Streamable,
    {
        T::open(self)
    }
}

/// What `#[derive(Partial)]` writes into its `Streamable` impl: a stream of snapshots.
///
/// (The derive implements `Streamable` for each type rather than this crate for every
/// `T: Partial`, so that streaming any other output still names the unmet `Streamable` bound,
/// whose docs list the outputs that stream.)
pub fn open_partial<T: crate::Partial>(call: Call<T>) -> PartialStream<T> {
    let resolved = call.resolve();
    let plan = resolved.as_ref().ok().map(|(call, _)| call.plan);
    PartialStream::new(Session::new(resolved), plan)
}
