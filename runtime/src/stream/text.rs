//! Text answers as they are written: [`TextStream`] and [`TextEvents`].

use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::Result;
use crate::response::{FinishReason, Response, Usage};

use super::session::{Cut, Piece, Session};
use crate::message::ToolCall;

/// A piece of a streamed text answer, from [`TextStream::events`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextEvent {
    /// More of the answer.
    Text(String),
    /// More of the model's reasoning (`reasoning_content` or `reasoning`), kept apart from
    /// the answer.
    Reasoning(String),
    /// The model called one of the call's tools; it runs once the round's calls are all in.
    ToolCall(ToolCall),
    /// A tool call finished: its result (or the error the model is told) goes back to the
    /// model in the next round, whose text follows.
    ToolResult {
        /// The id of the call this answers.
        call_id: String,
        /// What the model is told.
        content: String,
    },
}

/// The answer of a `String` prompt function, delta by delta, from
/// [`Call::stream`](crate::Call::stream).
///
/// A [`Stream`] of `Result<String>`: each item is the next piece of the answer, handed out as
/// soon as it arrives. [`next`](Self::next) works without importing any stream trait:
///
/// ```no_run
/// # use promptfn::{prompt, Result};
/// #[prompt("Tell a story about {topic}.")]
/// async fn story(topic: &str) -> Result<String>;
///
/// # async fn demo() -> Result<()> {
/// let mut stream = story("a lighthouse").stream();
/// while let Some(delta) = stream.next().await {
///     print!("{}", delta?);
/// }
/// let response = stream.into_response().await?; // the whole text, usage, finish reason
/// # Ok(()) }
/// ```
///
/// (Compiled, not run: the stream reads from the default client, over the network; the guide's
/// "Streaming" section runs text streams against the mock client.)
///
/// The last item is an error when the answer is not usable: stopped by a content filter,
/// refused, or cut because the connection ended early
/// ([`Error::Truncated`](crate::Error::Truncated)). Text cut at the token limit is an answer
/// like any other, as for an awaited call: its finish reason
/// (`FinishReason::Length`) is in [`into_response`](Self::into_response). Reasoning text is
/// kept apart: see [`reasoning`](Self::reasoning) and [`events`](Self::events).
///
/// Nothing is sent until the stream is first polled. Dropping it cancels the request and
/// closes its connection. A stream is never reconnected: after the first byte, a failure is
/// an error item.
#[must_use = "a stream does nothing until it is polled"]
#[derive(Debug)]
pub struct TextStream {
    session: Session,
    /// The verdict came: the answer is complete and usable.
    complete: bool,
    /// An error item has been handed out.
    failed: bool,
    /// Tool events of a round, handed out one at a time.
    queued: VecDeque<TextEvent>,
}

impl TextStream {
    pub(crate) fn new(session: Session) -> Self {
        Self {
            session,
            complete: false,
            failed: false,
            queued: VecDeque::new(),
        }
    }

    /// The next delta of the answer; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<String>> {
        poll_fn(|cx| self.poll_text(cx)).await
    }

    /// Reads the rest of the stream and returns the whole answer with its metadata: usage (when
    /// the server reports it), finish reason, id, model and the raw event stream.
    ///
    /// # Errors
    ///
    /// The error that ends the stream, as [`next`](Self::next) would have given it. If that
    /// error was already handed out by `next`, an [`Error::Truncated`](crate::Error::Truncated)
    /// with the text that arrived.
    pub async fn into_response(mut self) -> Result<Response<String>> {
        while let Some(item) = self.next().await {
            item?;
        }
        self.finished_response()
    }

    /// Every event of this stream in arrival order: the answer's text, the reasoning
    /// ([`TextEvent::Reasoning`]), and the tool calls and results of a tool loop
    /// ([`TextEvent::ToolCall`], [`TextEvent::ToolResult`]).
    pub fn events(self) -> TextEvents {
        TextEvents(self)
    }

    /// The former name of [`events`](Self::events), which now also hands out tool events.
    #[deprecated(note = "renamed `events`: it hands out tool calls and results too")]
    pub fn with_reasoning(self) -> TextEvents {
        self.events()
    }

    /// The answer received so far.
    pub fn text(&self) -> &str {
        &self.session.assembled.content
    }

    /// The reasoning text received so far (empty when the model gives none).
    pub fn reasoning(&self) -> &str {
        &self.session.assembled.reasoning
    }

    /// Token usage, once the server has reported it (usually in the last chunk, and only
    /// from servers that honour `stream_options.include_usage`).
    pub fn usage(&self) -> Option<Usage> {
        self.session.assembled.usage
    }

    /// Why the model stopped, once the server has said.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.session.assembled.finish_reason.as_ref()
    }

    fn finished_response(&self) -> Result<Response<String>> {
        if self.complete {
            return Ok(self
                .session
                .response(self.session.assembled.content.clone(), Vec::new()));
        }
        Err(self.session.cut_short(self.failed))
    }

    /// The next event; with `all`, reasoning and tool events too, else only text.
    fn poll_event(&mut self, cx: &mut Context<'_>, all: bool) -> Poll<Option<Result<TextEvent>>> {
        loop {
            if let Some(event) = self.queued.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            let piece = match self.session.poll_piece(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => {
                    self.failed = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(piece))) => piece,
            };
            match piece {
                Piece::Text(text) => return Poll::Ready(Some(Ok(TextEvent::Text(text)))),
                Piece::Reasoning(text) if all => {
                    return Poll::Ready(Some(Ok(TextEvent::Reasoning(text))));
                }
                Piece::ToolCalls(calls) if all => {
                    self.queued
                        .extend(calls.into_iter().map(TextEvent::ToolCall));
                }
                Piece::ToolResults(results) if all => {
                    self.queued
                        .extend(results.into_iter().map(|m| TextEvent::ToolResult {
                            content: m.text_content(),
                            call_id: m.tool_call_id.unwrap_or_default(),
                        }));
                }
                Piece::Reasoning(_)
                | Piece::Arguments
                | Piece::ToolCalls(_)
                | Piece::ToolResults(_) => {}
                Piece::End(ending) => {
                    // Text cut at the token limit is the answer, as for an awaited call.
                    let cut = Cut::IsTheAnswer;
                    match self
                        .session
                        .verdict(&ending, &self.session.assembled.content, cut)
                    {
                        Ok(()) => {
                            self.complete = true;
                            self.session.keep_turns();
                        }
                        Err(e) => {
                            self.failed = true;
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
            }
        }
    }

    fn poll_text(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<String>>> {
        self.poll_event(cx, false).map(|event| {
            event.map(|r| {
                r.map(|e| match e {
                    TextEvent::Text(t) | TextEvent::Reasoning(t) => t,
                    // Only text reaches here (`all` is off).
                    TextEvent::ToolCall(_) | TextEvent::ToolResult { .. } => String::new(),
                })
            })
        })
    }
}

impl Stream for TextStream {
    type Item = Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_text(cx)
    }
}

/// A [`TextStream`] that also hands out the model's reasoning, from
/// [`TextStream::events`].
#[must_use = "a stream does nothing until it is polled"]
#[derive(Debug)]
pub struct TextEvents(TextStream);

impl TextEvents {
    /// The next event; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<TextEvent>> {
        poll_fn(|cx| self.0.poll_event(cx, true)).await
    }

    /// Reads the rest of the stream and returns the whole answer with its metadata, as
    /// [`TextStream::into_response`] does.
    ///
    /// # Errors
    ///
    /// As [`TextStream::into_response`].
    pub async fn into_response(self) -> Result<Response<String>> {
        self.0.into_response().await
    }

    /// The answer received so far.
    pub fn text(&self) -> &str {
        self.0.text()
    }

    /// The reasoning text received so far.
    pub fn reasoning(&self) -> &str {
        self.0.reasoning()
    }

    /// Token usage, once the server has reported it.
    pub fn usage(&self) -> Option<Usage> {
        self.0.usage()
    }

    /// Why the model stopped, once the server has said.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.0.finish_reason()
    }
}

impl Stream for TextEvents {
    type Item = Result<TextEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_event(cx, true)
    }
}
