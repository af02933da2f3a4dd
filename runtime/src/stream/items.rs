//! Lists as they are written: [`ItemStream`] hands out each element of a `Vec<T>` answer as
//! soon as its JSON is complete.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{DecodeError, Error, RejectedAnswer, Result};
use crate::lenient::{self, Repair};
use crate::output::{CallDeadline, OutputPlan, unread};
use crate::response::{FinishReason, Response, Usage};

use super::elements::{Elements, Ending as ListEnding};
use super::session::{Cut, Ending, Piece, Session};
use super::source::{AnswerText, Source};

/// The items of a `Vec<T>` prompt function, one at a time, from
/// [`Call::stream`](crate::Call::stream).
///
/// A [`Stream`] of `Result<T>`: each element of the answer's list is decoded (with the tolerant
/// decoder, against `T`'s schema) and handed out as soon as its JSON is complete, while the
/// model is still writing the next ones. In `Tool` mode the list is read from the forced tool
/// call's arguments as they stream; in the other modes from the content.
///
/// ```no_run
/// # use promptfn::{prompt, Result};
/// # #[derive(Debug, serde::Deserialize, schemars::JsonSchema)] struct City { name: String }
/// #[prompt("List the five largest cities of {country}.")]
/// async fn cities(country: &str) -> Result<Vec<City>>;
///
/// # async fn demo() -> Result<()> {
/// let mut stream = cities("Japan").stream();
/// while let Some(city) = stream.next().await {
///     println!("{:?}", city?);
/// }
/// # Ok(()) }
/// ```
///
/// (Compiled, not run: the stream reads from the default client, over the network; the guide's
/// "Streaming" section runs item streams against the mock client.)
///
/// An element that does not fit `T` is an error item, and the stream goes on with the next
/// one. When the answer holds no list the scanner can follow (prose, an unusual shape), the
/// whole answer is decoded once it is complete, and its items come then. A model is never
/// re-asked mid-stream: the `retries` setting does not apply to streams. One answer is sent
/// for again: in `Tool` mode, a server that answers without calling the forced tool (its
/// text, from which no item was handed out, holding no list) gets the request again a mode
/// down, as an awaited call does. The last item is an
/// error when the answer is not usable (cut at the token limit, filtered, refused, or cut by
/// the connection). Dropping the stream cancels the request.
#[must_use = "a stream does nothing until it is polled"]
pub struct ItemStream<T> {
    session: Session,
    /// The `Vec<T>` plan, for decoding a whole answer the scanner could not follow.
    plan: Option<&'static OutputPlan>,
    /// `T`'s own schema, for decoding one element.
    item_schema: Value,
    elements: Elements,
    answer: AnswerText,
    ready: VecDeque<Result<T>>,
    /// Each element handed out, as the value decoded (`None` for an error item), to check
    /// against the whole answer's reading at the end.
    streamed: Vec<Option<Value>>,
    repairs: Vec<Repair>,
    /// The verdict came: the answer is complete and usable.
    complete: bool,
    failed: bool,
    _item: PhantomData<fn() -> T>,
}

// Items are only ever moved, never pinned.
impl<T> Unpin for ItemStream<T> {}

impl<T> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream")
            .field("session", &self.session)
            .field("items_found", &self.elements.found())
            .field("ready", &self.ready.len())
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> ItemStream<T> {
    pub(crate) fn new(session: Session, plan: Option<&'static OutputPlan>) -> Self {
        Self {
            session,
            plan,
            item_schema: schemars::schema_for!(T).to_value(),
            elements: Elements::new(),
            answer: AnswerText::default(),
            ready: VecDeque::new(),
            streamed: Vec::new(),
            repairs: Vec::new(),
            complete: false,
            failed: false,
            _item: PhantomData,
        }
    }

    /// The next item; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<T>> {
        poll_fn(|cx| self.poll_item(cx)).await
    }

    /// Reads the rest of the stream and returns the items **not handed out yet** with the
    /// metadata: usage, finish reason, the repairs the tolerant decoder made, the raw event
    /// stream. Items already taken with [`next`](Self::next) are not in `value` (they were
    /// moved out): call it on a fresh stream for the whole list, or keep the items you take.
    ///
    /// # Errors
    ///
    /// The first error item among the rest of the stream. If the stream already handed out
    /// the error that ended it, an [`Error::Truncated`] with the text that arrived.
    pub async fn into_response(mut self) -> Result<Response<Vec<T>>> {
        let mut items = Vec::new();
        while let Some(item) = self.next().await {
            items.push(item?);
        }
        if !self.complete {
            return Err(self.session.cut_short(self.failed));
        }
        Ok(self.session.response(items, self.repairs.clone()))
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

    fn source(&self) -> Source {
        Source::of(&self.session)
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
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
            match piece {
                Piece::Text(_) if self.source() == Source::Content => self.scan(Source::Content),
                Piece::Arguments if self.source() == Source::Arguments => {
                    self.scan(Source::Arguments);
                }
                // A tool round ended: the answer is in the rounds to come.
                Piece::ToolResults(_) => {
                    self.elements = Elements::new();
                    self.answer = AnswerText::default();
                }
                Piece::Text(_) | Piece::Arguments | Piece::Reasoning(_) | Piece::ToolCalls(_) => {}
                Piece::End(ending) => self.end(&ending),
            }
        }
    }

    /// Reads the elements completed by the latest text.
    fn scan(&mut self, source: Source) {
        let deadline = self.session.decode_deadline();
        let text = self.answer.get(&self.session, source);
        let mut found: Vec<Range<usize>> = Vec::new();
        self.elements.feed(text, &mut found);
        for range in found {
            let item = decode_element::<T>(&text[range], &self.item_schema, deadline).map(
                |(item, value, repairs)| {
                    self.repairs.extend(repairs);
                    self.streamed.push(Some(value));
                    item
                },
            );
            if item.is_err() {
                self.streamed.push(None);
            }
            self.ready.push_back(item);
        }
    }

    fn end(&mut self, ending: &Ending) {
        let source = self.answer.settle(&self.session);
        if source != self.source() {
            self.elements = Elements::new();
            self.scan(source);
        }
        let answer = self.answer.get(&self.session, source).to_owned();
        if let Err(e) = self.session.verdict(ending, &answer, Cut::IsIncomplete) {
            self.ready.push_back(Err(e));
            return;
        }
        if self.streamed.is_empty()
            && self.session.left_the_tool_unused()
            && !self.holds_a_value(&answer)
            && self.session.send_again()
        {
            // Nothing of this answer was handed out: the next one replaces it.
            self.elements = Elements::new();
            self.answer = AnswerText::default();
            return;
        }
        // The turns join the conversation only once the whole answer has passed its check:
        // a stream that ends in an error leaves the conversation as it was, as an awaited call
        // that fails does.
        match self.check_whole(&answer) {
            Ok(()) => {
                self.complete = true;
                self.session.keep_turns();
            }
            Err(e) => self.ready.push_back(Err(e)),
        }
    }

    /// Reads the whole answer as an awaited call reads it: what the scanner could not follow
    /// (prose, an unusual shape, a list left open) is queued from there, and what it handed
    /// out must be what that reading holds. An element that does not fit `T` is an error item
    /// of its own; the error returned here is the answer's.
    fn check_whole(&mut self, answer: &str) -> Result<()> {
        let closed = self.elements.ending() == ListEnding::Closed;
        // An element that did not fit was handed out as an error already; the whole answer
        // would only repeat it.
        if closed && self.streamed.iter().any(Option::is_none) {
            return Ok(());
        }
        let Some(json) = self.plan.and_then(OutputPlan::json) else {
            return Ok(());
        };
        let reject = |reason: String| -> Error {
            DecodeError {
                type_name: std::any::type_name::<Vec<T>>(),
                attempts: vec![RejectedAnswer {
                    raw: answer.to_owned(),
                    reason,
                }],
            }
            .into()
        };
        let deadline = self.session.decode_deadline();
        let decoded = lenient::decode_until(answer, &json.schema, deadline.map(|d| d.at))
            .map_err(|failure| reject(unread(failure, "the answer", answer, deadline)))?;
        let items = match decoded.value {
            Value::Array(items) => items,
            other => vec![other],
        };
        let found = self.streamed.len();
        let agrees = items.len() >= found
            && items
                .iter()
                .zip(&self.streamed)
                .all(|(item, streamed)| streamed.as_ref() == Some(item));
        if !agrees {
            return Err(reject(format!(
                "the whole answer holds {} item(s) that are not the {found} already handed out: \
                 the stream read a list the complete answer does not hold",
                items.len()
            )));
        }
        if !closed {
            self.repairs.extend(decoded.repairs);
        }
        for item in items.into_iter().skip(found) {
            let item = serde_json::from_value(item)
                .map_err(|e| reject(format!("the JSON does not fit the type: {e}")));
            self.ready.push_back(item);
        }
        Ok(())
    }

    /// Whether the whole answer reads as a value of the list's type.
    fn holds_a_value(&self, answer: &str) -> bool {
        let Some(json) = self.plan.and_then(OutputPlan::json) else {
            return true;
        };
        let deadline = self.session.decode_deadline().map(|d| d.at);
        lenient::decode_until(answer, &json.schema, deadline).is_ok()
    }
}

/// Decodes one element of the list, also as the value read.
fn decode_element<T: DeserializeOwned>(
    text: &str,
    schema: &Value,
    deadline: Option<CallDeadline>,
) -> Result<(T, Value, Vec<Repair>)> {
    let reject = |reason: String| -> Error {
        DecodeError {
            type_name: std::any::type_name::<T>(),
            attempts: vec![RejectedAnswer {
                raw: text.to_owned(),
                reason,
            }],
        }
        .into()
    };
    let decoded = lenient::decode_until(text, schema, deadline.map(|d| d.at))
        .map_err(|failure| reject(unread(failure, "the answer", text, deadline)))?;
    let item = serde_json::from_value(decoded.value.clone())
        .map_err(|e| reject(format!("the JSON does not fit the type: {e}")))?;
    Ok((item, decoded.value, decoded.repairs))
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Stream for ItemStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}
