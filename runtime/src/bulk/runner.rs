//! The run itself: earlier results replayed from the journal, then calls started lazily under
//! the run's limits, each finished one journaled, counted, drawn and handed out.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt;

use super::batch::Engine;
use super::journal::{Journal, Resume};
use super::progress::Progress;
use super::shard::Shard;
use super::summary::Summary;
use super::{Bulk, Selection};
use crate::error::{Error, Result};
use crate::limit::Admission;
use crate::output::Output;
use crate::response::Response;

/// What the run produces next.
pub(super) enum Done<T> {
    /// A call of this run finished: its input index and what it came to, metadata included.
    Answered(usize, Result<Response<T>>),
    /// A result an earlier run journaled, or the journal failing to give it back.
    Replayed(usize, Result<T>),
    /// A line for the journal that hands nothing out (a batch submitted or handled).
    Note(serde_json::Value),
}

/// The results of a run as they finish: `(input index, result)`.
///
/// Polling it drives the run; dropping it cancels the calls in flight. Nothing is read from
/// the inputs beyond what the run's concurrency has room for.
///
/// With a journal, the results earlier runs journaled come first. If the journal cannot be
/// written (or read back), the stream hands out that [`Error::Journal`] (with the index of the
/// item concerned, or `usize::MAX` when there is none) and ends.
#[must_use = "a bulk run does nothing until its stream is polled"]
pub struct BulkStream<T> {
    results: Pin<Box<dyn Stream<Item = Done<T>> + Send>>,
    journal: Option<Journal<T>>,
    summary: Summary,
    progress: Progress,
    ended: bool,
}

impl<T> std::fmt::Debug for BulkStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkStream")
            .field("journal", &self.journal)
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

pub(super) fn start<T: Output>(bulk: Bulk<T>) -> Result<BulkStream<T>> {
    let shard = match bulk.shard {
        Some((index, count)) => Shard::new(index, count)?,
        None => Shard::default(),
    };
    let (journal, resume) = match bulk.journal {
        Some((path, codec)) => {
            let (journal, resume) = Journal::open(&path, codec, shard)?;
            (Some(journal), resume)
        }
        None => (None, Resume::default()),
    };
    let replayed = match &journal {
        Some(journal) => Some(journal.replay(&resume, shard)?),
        None => None,
    };
    let replayed = futures_util::stream::iter(replayed.into_iter().flatten())
        .map(|(index, result)| Done::Replayed(index, result));

    // The run's per-minute limit spaces the starts of items; the client's limits still
    // space every request (each admitted by the transport).
    let pace = bulk
        .requests_per_minute
        .map(|per_minute| Admission::new(None, Some(per_minute)));
    // Inputs in batches still running are not taken again either.
    let mut skipped = resume.done.clone();
    skipped.extend(&resume.in_batches);
    let calls = (bulk.source)(Selection {
        shard,
        done: skipped,
    });
    if let Some(settings) = bulk.batch {
        let engine = Engine::new(settings, calls, resume.done, resume.batches)?;
        return Ok(BulkStream {
            results: Box::pin(replayed.chain(engine.run())),
            journal,
            summary: Summary::default(),
            progress: Progress::new(bulk.progress, bulk.total.map(|total| shard.share_of(total))),
            ended: false,
        });
    }
    let answered = calls
        .map(move |(index, call)| {
            let pace = pace.clone();
            async move {
                if let Some(pace) = pace {
                    // No in-flight limit in this Admission: the permit holds nothing.
                    let _started = pace.admit().await;
                }
                Done::Answered(index, call.with_meta().await)
            }
        })
        .buffer_unordered(bulk.concurrency);
    Ok(BulkStream {
        results: Box::pin(replayed.chain(answered)),
        journal,
        summary: Summary::default(),
        progress: Progress::new(bulk.progress, bulk.total.map(|total| shard.share_of(total))),
        ended: false,
    })
}

impl<T: Output> BulkStream<T> {
    /// What the run has done so far (all of it once the stream has ended).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Drive the run to its end and gather every result in input order; fails if the journal
    /// failed.
    pub async fn finish(mut self) -> Result<Finished<T>> {
        let mut results = Vec::new();
        while let Some((index, result)) = self.next().await {
            if let Err(error @ Error::Journal { .. }) = result {
                return Err(error);
            }
            results.push((index, result));
        }
        // Finished calls come in any order; an index appears once, so a plain sort will do.
        results.sort_unstable_by_key(|(index, _)| *index);
        Ok(Finished {
            results,
            summary: self.summary,
        })
    }

    /// Stop: the journal failed, and an item not journaled must not count as done.
    fn fail(&mut self, index: usize, error: Error) -> Poll<Option<(usize, Result<T>)>> {
        self.ended = true;
        self.summary.stop_clock();
        Poll::Ready(Some((index, Err(error))))
    }
}

impl<T: Output> Stream for BulkStream<T> {
    type Item = (usize, Result<T>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.ended {
                return Poll::Ready(None);
            }
            let next = match this.results.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(next) => next,
            };
            match next {
                None => {
                    this.ended = true;
                    this.summary.stop_clock();
                    this.progress.finish(&this.summary);
                    return Poll::Ready(None);
                }
                Some(Done::Note(note)) => {
                    // A batch submitted or handled: journaled, nothing handed out.
                    if let Some(journal) = &mut this.journal
                        && let Err(error) = journal.append_entry(&note)
                    {
                        return this.fail(usize::MAX, error);
                    }
                }
                Some(Done::Answered(index, answer)) => {
                    // Journaled before it is handed out: once the caller holds it, it is done.
                    if let Some(journal) = &mut this.journal
                        && let Err(error) = journal.append(index, &answer)
                    {
                        return this.fail(index, error);
                    }
                    this.summary.record(&answer);
                    this.progress.update(&this.summary);
                    return Poll::Ready(Some((index, answer.map(Response::into_value))));
                }
                Some(Done::Replayed(index, Err(error @ Error::Journal { .. }))) => {
                    return this.fail(index, error);
                }
                Some(Done::Replayed(index, result)) => {
                    this.summary.record_from_journal();
                    this.progress.update(&this.summary);
                    return Poll::Ready(Some((index, result)));
                }
            }
        }
    }
}
