//! Structs and enums as they are written: [`PartialStream`] hands out a snapshot of a
//! `#[derive(Partial)]` answer each time it grows, then the finished value.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::{DecodeError, Error, RejectedAnswer, Result, excerpt};
use crate::lenient::Repair;
use crate::output::OutputPlan;
use crate::partial::{self, Parser, Partial};
use crate::response::{FinishReason, Response, Usage};

use super::session::{Cut, Ending, Piece, Session};
use super::source::{AnswerText, Source};

/// Snapshots of a struct or enum answer while the model writes it, from
/// [`Call::stream`](crate::Call::stream) on a function returning a `#[derive(Partial)]` type.
///
/// A [`Stream`] of `Result<T::Partial>` ([`Partial`]): a new snapshot each time the value
/// grew, read incrementally (each delta is read once; nothing is parsed again). Once the answer
/// is complete it is decoded as an awaited call decodes it (the tolerant decoder, its repairs,
/// the same [`DecodeError`] with the raw text when it does not fit); the finished value is
/// [`into_value`](Self::into_value), and its snapshot is the stream's last item when it differs
/// from the one before.
///
/// ```no_run
/// # use promptfn::{prompt, Partial, Result};
/// # #[derive(Debug, serde::Deserialize, schemars::JsonSchema, Partial)] struct Order { customer: String }
/// #[prompt("Extract the order: {text}")]
/// async fn order(text: &str) -> Result<Order>;
///
/// # async fn demo() -> Result<()> {
/// let mut stream = order("two apples for Ana").stream();
/// while let Some(snapshot) = stream.next().await {
///     println!("{:?}", snapshot?.customer);
/// }
/// let order: Order = stream.into_value().await?;
/// # Ok(()) }
/// ```
///
/// (Compiled, not run: the stream reads from the default client, over the network.)
///
/// In `Tool` mode the value is read from the forced tool call's arguments as they stream; in
/// the other modes from the content, past any prose, code fence or reasoning block before it.
/// Each snapshot is a fresh copy, so handing one out costs time in proportion to the value so
/// far. The model is never re-asked mid-stream (`retries` does not apply); only an answer that
/// left the forced tool unused, with no value in its content and no snapshot handed out, is
/// asked for again in a JSON mode (see [`Mode::Tool`](crate::Mode::Tool)). The last item is an
/// error when the answer is not usable (cut at the token limit, filtered, refused, cut by the
/// connection, or not decodable). Dropping the stream cancels the request.
#[must_use = "a stream does nothing until it is polled"]
pub struct PartialStream<T: Partial> {
    session: Session,
    plan: Option<&'static OutputPlan>,
    answer: AnswerText,
    parser: Parser,
    /// The parser's version when the last snapshot was taken.
    seen: u64,
    last: Option<T::Partial>,
    /// The finished value, once decoded.
    value: Option<(T, Vec<Repair>)>,
    /// The finished value's snapshot or the error that ended the stream, not handed out yet.
    ending: Option<Result<T::Partial>>,
    /// An error item has been handed out.
    failed: bool,
}

// Snapshots and values are only ever moved, never pinned.
impl<T: Partial> Unpin for PartialStream<T> {}

impl<T: Partial> std::fmt::Debug for PartialStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartialStream")
            .field("session", &self.session)
            .field("latest", &self.last)
            .field("finished", &self.value.is_some())
            .finish_non_exhaustive()
    }
}

impl<T: Partial> PartialStream<T> {
    pub(crate) fn new(session: Session, plan: Option<&'static OutputPlan>) -> Self {
        Self {
            session,
            plan,
            answer: AnswerText::default(),
            parser: Parser::new(),
            seen: 0,
            last: None,
            value: None,
            ending: None,
            failed: false,
        }
    }

    /// The next snapshot; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<T::Partial>> {
        poll_fn(|cx| self.poll_snapshot(cx)).await
    }

    /// Reads the rest of the stream and returns the finished value, decoded and repaired as an
    /// awaited call would decode it.
    ///
    /// # Errors
    ///
    /// The error that ends the stream, as [`next`](Self::next) would have given it: the
    /// answer was cut, filtered or refused, the connection failed, or the answer does not
    /// decode ([`Error::Decode`], with the raw text). If that error was already handed out by
    /// `next`, an [`Error::Config`] saying so.
    pub async fn into_value(self) -> Result<T> {
        self.into_response().await.map(Response::into_value)
    }

    /// As [`into_value`](Self::into_value), with the metadata: usage, finish reason, the
    /// repairs the tolerant decoder made, the raw event stream.
    ///
    /// # Errors
    ///
    /// As [`into_value`](Self::into_value).
    pub async fn into_response(mut self) -> Result<Response<T>> {
        while let Some(item) = self.next().await {
            item?;
        }
        match self.value.take() {
            Some((value, repairs)) => Ok(self.session.response(value, repairs)),
            None => Err(Error::Config(if self.failed {
                "the stream already ended with an error, handed out by `next`; there is no value"
                    .into()
            } else {
                "the stream ended without an answer".into()
            })),
        }
    }

    /// The latest snapshot handed out (or about to be), if any.
    pub fn latest(&self) -> Option<&T::Partial> {
        self.last.as_ref()
    }

    /// The reasoning text received so far (empty when the model gives none).
    pub fn reasoning(&self) -> &str {
        &self.session.assembled.reasoning
    }

    /// Token usage, once the server has reported it.
    pub fn usage(&self) -> Option<Usage> {
        self.session.assembled.usage
    }

    /// Why the model stopped, once the server has said.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.session.assembled.finish_reason.as_ref()
    }

    fn poll_snapshot(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T::Partial>>> {
        loop {
            if let Some(item) = self.ending.take() {
                self.failed |= item.is_err();
                return Poll::Ready(Some(item));
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
            let live = Source::of(&self.session);
            let grew = match piece {
                Piece::Text(_) => live == Source::Content && self.read(Source::Content),
                Piece::Arguments => live == Source::Arguments && self.read(Source::Arguments),
                Piece::Reasoning(_) | Piece::ToolCalls(_) => false,
                // A tool round ended: the answer is in the rounds to come.
                Piece::ToolResults(_) => {
                    self.answer = AnswerText::default();
                    self.parser = Parser::new();
                    self.seen = 0;
                    false
                }
                Piece::End(ending) => {
                    self.end(&ending);
                    continue;
                }
            };
            if grew && let Some(snapshot) = self.last.clone() {
                return Poll::Ready(Some(Ok(snapshot)));
            }
        }
    }

    /// Reads the latest text; whether the snapshot changed.
    fn read(&mut self, source: Source) -> bool {
        let text = self.answer.get(&self.session, source);
        self.parser.feed(text);
        if self.parser.version() == self.seen {
            return false;
        }
        self.seen = self.parser.version();
        self.offer(partial::snapshot::<T>(&self.parser))
    }

    /// Keeps `snapshot` as the latest if it differs from it; whether it did.
    fn offer(&mut self, snapshot: Option<T::Partial>) -> bool {
        match snapshot {
            Some(snapshot) if self.last.as_ref() != Some(&snapshot) => {
                self.last = Some(snapshot);
                true
            }
            _ => false,
        }
    }

    /// The body is over: the verdict, then the whole answer decoded as an awaited call would.
    fn end(&mut self, ending: &Ending) {
        // In Tool mode snapshots come from the forced call's arguments: a server that left the
        // tool unused has had none of this answer handed out.
        let handed_out = self.last.is_some();
        let source = self.answer.settle(&self.session);
        if source != Source::of(&self.session) {
            // The server answered where the mode did not ask: read that answer instead.
            self.parser = Parser::new();
            self.read(source);
        }
        let answer = self.answer.get(&self.session, source);
        if let Err(e) = self.session.verdict(ending, answer, Cut::IsIncomplete) {
            self.ending = Some(Err(e));
            return;
        }
        let Some(plan) = self.plan else {
            self.ending = Some(Err(Error::Config(
                "the stream has no output plan; this is a bug in promptfn".into(),
            )));
            return;
        };
        let decoded = plan.decode_by::<T>(answer, self.session.decode_deadline());
        let rejected = match decoded {
            Ok((value, repairs)) => {
                if self.offer(T::partial_from(&value)) {
                    self.ending = self.last.clone().map(Ok);
                }
                self.value = Some((value, repairs));
                self.session.keep_turns();
                return;
            }
            Err(reason) => RejectedAnswer {
                raw: excerpt(answer),
                reason,
            },
        };
        // The forced tool went unused and the content held no value: the model never saw the
        // schema, so the request goes again in the mode the exchange moved to, as the awaited
        // call and the item stream do; its answer replaces this one.
        if !handed_out && self.session.left_the_tool_unused() && self.session.send_again() {
            self.answer = AnswerText::default();
            self.parser = Parser::new();
            self.seen = 0;
            self.last = None;
            return;
        }
        self.ending = Some(Err(DecodeError {
            type_name: plan.type_name,
            attempts: vec![rejected],
        }
        .into()));
    }
}

impl<T: Partial> Stream for PartialStream<T> {
    type Item = Result<T::Partial>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_snapshot(cx)
    }
}
