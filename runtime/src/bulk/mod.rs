//! Bulk runs: one prompt function over many inputs, with bounded concurrency, a per-minute
//! limit, progress on a terminal and a summary at the end.
//!
//! ```no_run
//! use promptfn::{Bulk, Result, prompt};
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize, JsonSchema)]
//! enum Sentiment { Positive, Negative, Neutral }
//!
//! #[prompt("Classify the sentiment of: {review}")]
//! async fn sentiment(review: &str) -> Result<Sentiment>;
//!
//! # async fn demo(reviews: Vec<String>) -> Result<()> {
//! let done = Bulk::new(reviews, |review| sentiment(&review))
//!     .concurrency(32)
//!     .requests_per_minute(3_000)
//!     .collect()
//!     .await?;
//! for (index, result) in &done.results {
//!     match result {
//!         Ok(mood) => println!("{index}: {mood:?}"),
//!         Err(error) => eprintln!("{index}: {error}"), // keeps the model's raw answer
//!     }
//! }
//! eprintln!("{}", done.summary);
//! # Ok(()) }
//! ```
//!
//! Inputs are read lazily: at most `concurrency` of them are held at once, whatever their
//! number, so a run over a million rows of a file needs no more memory than one over ten.

mod progress;
mod runner;
mod summary;

use std::pin::Pin;

use futures_core::Stream;
use futures_util::StreamExt;

use crate::call::Call;
use crate::error::Result;
use crate::output::Output;

pub use runner::{BulkStream, Finished};
pub use summary::Summary;

/// How many calls a bulk run keeps in flight when [`Bulk::concurrency`] is not set.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The inputs of a run, numbered from 0 in the order they come, each already turned into the
/// call that answers it (lazily: an input is read and its call made only when there is room).
type Calls<T> = Pin<Box<dyn Stream<Item = (usize, Call<T>)> + Send>>;

/// A prompt function applied to every input of an iterator or a stream.
///
/// Build it with [`Bulk::new`] (an iterator) or [`Bulk::from_stream`], set its limits, then
/// either [`collect`](Self::collect) every result in input order or take them as they finish
/// with [`stream`](Self::stream). The client's own limits
/// ([`max_concurrency`](crate::ClientBuilder::max_concurrency),
/// [`requests_per_minute`](crate::ClientBuilder::requests_per_minute)) still apply to every
/// request, re-asks and transport retries included; the run's limits count items.
#[must_use = "a Bulk run does nothing until it is collected or streamed"]
pub struct Bulk<T> {
    calls: Calls<T>,
    /// How many inputs the source says it has, when it knows.
    total: Option<u64>,
    concurrency: usize,
    requests_per_minute: Option<u32>,
    progress: bool,
}

impl<T> std::fmt::Debug for Bulk<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bulk")
            .field("total", &self.total)
            .field("concurrency", &self.concurrency)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl<T: Output> Bulk<T> {
    /// A run over every item of `inputs`; `make` turns one input into its call (set the
    /// client and any per-call override there: `|row| classify(&row.text).client(&client)`).
    pub fn new<I, F>(inputs: I, make: F) -> Self
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        F: FnMut(I::Item) -> Call<T> + Send + 'static,
    {
        let inputs = inputs.into_iter();
        let total = exact_len(inputs.size_hint());
        Self::over(futures_util::stream::iter(inputs), total, make)
    }

    /// A run over every item of a stream of inputs (rows arriving from a database cursor, a
    /// queue, a file read asynchronously).
    pub fn from_stream<S, F>(inputs: S, make: F) -> Self
    where
        S: Stream + Send + 'static,
        F: FnMut(S::Item) -> Call<T> + Send + 'static,
    {
        let total = exact_len(inputs.size_hint());
        Self::over(inputs, total, make)
    }

    fn over<S, F>(inputs: S, total: Option<u64>, mut make: F) -> Self
    where
        S: Stream + Send + 'static,
        F: FnMut(S::Item) -> Call<T> + Send + 'static,
    {
        let calls = inputs
            .enumerate()
            .map(move |(index, input)| (index, make(input)));
        Self {
            calls: Box::pin(calls),
            total,
            concurrency: DEFAULT_CONCURRENCY,
            requests_per_minute: None,
            progress: true,
        }
    }

    /// At most this many calls in flight at once (default [`DEFAULT_CONCURRENCY`]; 0 counts
    /// as 1). A call's re-asks and transport retries happen inside its slot.
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// At most this many calls started per minute, spaced evenly (default: no limit).
    pub fn requests_per_minute(mut self, calls: u32) -> Self {
        self.requests_per_minute = Some(calls);
        self
    }

    /// Whether to draw progress on standard error (default on). It is drawn only when standard
    /// error is a terminal, so logs and pipes never see it.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// Start the run: results come as `(input index, result)` in the order they finish.
    ///
    /// Fails before anything is sent when the run's settings cannot work.
    pub fn stream(self) -> Result<BulkStream<T>> {
        Ok(runner::start(self))
    }

    /// Run to the end and gather every result in input order, with the run's summary.
    pub async fn collect(self) -> Result<Finished<T>> {
        self.stream()?.finish().await
    }
}

/// The exact length a size hint promises, if it promises one.
fn exact_len((lower, upper): (usize, Option<usize>)) -> Option<u64> {
    (upper == Some(lower)).then_some(lower as u64)
}
