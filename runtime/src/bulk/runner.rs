//! The run itself: calls started lazily under the run's limits, finished ones counted, drawn and
//! handed out.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt;

use super::Bulk;
use super::progress::Progress;
use super::summary::Summary;
use crate::error::Result;
use crate::limit::Limits;
use crate::output::Output;
use crate::response::Response;

/// One finished call: its input index and what it came to, metadata included.
type Answered<T> = (usize, Result<Response<T>>);

/// The results of a run as they finish: `(input index, result)`.
///
/// Polling it drives the run; dropping it cancels the calls in flight. Nothing is read from
/// the inputs beyond what the run's concurrency has room for.
#[must_use = "a bulk run does nothing until its stream is polled"]
pub struct BulkStream<T> {
    answers: Pin<Box<dyn Stream<Item = Answered<T>> + Send>>,
    summary: Summary,
    progress: Progress,
    done: bool,
}

impl<T> std::fmt::Debug for BulkStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkStream")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// Every result of a run, in input order, and its summary.
#[derive(Debug)]
#[non_exhaustive]
pub struct Finished<T> {
    /// `(input index, result)`, sorted by index; a failed item keeps its error (with the
    /// model's raw answer, when it gave one).
    pub results: Vec<(usize, Result<T>)>,
    /// Counts, tokens and requests of the run.
    pub summary: Summary,
}

pub(super) fn start<T: Output>(bulk: Bulk<T>) -> BulkStream<T> {
    // The run's per-minute limit spaces the starts of items; the client's limits still
    // space every request (each admitted by the transport).
    let pace = bulk
        .requests_per_minute
        .map(|per_minute| Limits::new(None, Some(per_minute)));
    let answers = bulk
        .calls
        .map(move |(index, call)| {
            let pace = pace.clone();
            async move {
                if let Some(pace) = pace {
                    // No in-flight limit in these Limits: the permit holds nothing.
                    let _started = pace.admit().await;
                }
                (index, call.with_meta().await)
            }
        })
        .buffer_unordered(bulk.concurrency);
    BulkStream {
        answers: Box::pin(answers),
        summary: Summary::default(),
        progress: Progress::new(bulk.progress, bulk.total),
        done: false,
    }
}

impl<T: Output> BulkStream<T> {
    /// What the run has done so far (all of it once the stream has ended).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Drive the run to its end and gather every result in input order.
    pub async fn finish(mut self) -> Result<Finished<T>> {
        let mut results = Vec::new();
        while let Some(item) = self.next().await {
            results.push(item);
        }
        // Finished calls come in any order; an index appears once, so a plain sort will do.
        results.sort_unstable_by_key(|(index, _)| *index);
        Ok(Finished {
            results,
            summary: self.summary,
        })
    }
}

impl<T: Output> Stream for BulkStream<T> {
    type Item = (usize, Result<T>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.answers.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                this.done = true;
                this.summary.stop_clock();
                this.progress.finish(&this.summary);
                Poll::Ready(None)
            }
            Poll::Ready(Some((index, answer))) => {
                this.summary.record(&answer);
                this.progress.update(&this.summary);
                Poll::Ready(Some((index, answer.map(Response::into_value))))
            }
        }
    }
}
