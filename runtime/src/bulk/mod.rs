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

mod batch;
mod done;
mod journal;
mod progress;
mod record;
mod runner;
mod shard;
mod summary;

use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use futures_core::Stream;
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::client::Client;
use crate::error::Result;
use crate::output::Output;
use batch::BatchSettings;
use done::DoneSet;
use journal::Codec;
use shard::Shard;

pub use batch::DEFAULT_BATCH_SIZE;
pub use runner::{BulkStream, Finished};
pub use summary::Summary;

/// How many calls a bulk run keeps in flight when [`Bulk::concurrency`] is not set.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The inputs of a run, numbered from 0 in the order they come, each already turned into the
/// call that answers it (lazily: an input is read and its call made only when there is room).
type Calls<T> = Pin<Box<dyn Stream<Item = (usize, Call<T>)> + Send>>;

/// Makes the calls of the inputs a run takes: those of its shard that no earlier run finished.
type Source<T> = Box<dyn FnOnce(Selection) -> Calls<T> + Send>;

/// Which inputs a run takes.
struct Selection {
    shard: Shard,
    done: DoneSet,
}

impl Selection {
    fn takes(&self, index: usize) -> bool {
        let index = index as u64;
        self.shard.takes(index) && !self.done.contains(index)
    }
}

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
    source: Source<T>,
    /// How many inputs the source says it has, when it knows.
    total: Option<u64>,
    concurrency: usize,
    requests_per_minute: Option<u32>,
    progress: bool,
    /// `(index, count)`, checked when the run starts.
    shard: Option<(usize, usize)>,
    journal: Option<(PathBuf, Codec<T>)>,
    /// Set: the run goes through the batch API.
    batch: Option<BatchSettings>,
}

impl<T> std::fmt::Debug for Bulk<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bulk")
            .field("total", &self.total)
            .field("concurrency", &self.concurrency)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("progress", &self.progress)
            .field("shard", &self.shard)
            .field("journal", &self.journal.as_ref().map(|(path, _)| path))
            .field("batch", &self.batch)
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
        let source: Source<T> = Box::new(move |selection: Selection| {
            // Inputs another shard takes, or an earlier run finished, are read and passed over
            // without making their call.
            let calls = inputs.enumerate().filter_map(move |(index, input)| {
                let call = selection.takes(index).then(|| (index, make(input)));
                std::future::ready(call)
            });
            Box::pin(calls) as Calls<T>
        });
        Self {
            source,
            total,
            concurrency: DEFAULT_CONCURRENCY,
            requests_per_minute: None,
            progress: true,
            shard: None,
            journal: None,
            batch: None,
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

    /// Take only every `count`-th input, starting at input `index` (`0 <= index < count`): the
    /// share of one of `count` machines running the same inputs. Indices stay those of the
    /// whole input, so the shards' results merge by index.
    pub fn shard(mut self, index: usize, count: usize) -> Self {
        self.shard = Some((index, count));
        self
    }

    /// Send the run through the provider's batch API (OpenAI `/v1/batches`: half the price,
    /// answers within 24 hours) instead of one request per item: the inputs are rendered into
    /// batch files of up to [`batch_size`](Self::batch_size) requests, uploaded, submitted and
    /// polled until they end; answers are decoded by `custom_id`, and undecodable ones are
    /// asked again once in a follow-up batch. With a [`journal`](Self::journal), a run stopped
    /// while its batches run resumes polling them instead of submitting again.
    ///
    /// The files and batches go through the default client unless
    /// [`batch_client`](Self::batch_client) names one. The run's concurrency and per-minute
    /// limits do not apply. (Anthropic's message batches are not supported yet.)
    pub fn via_batch_api(mut self) -> Self {
        self.batch.get_or_insert_with(BatchSettings::default);
        self
    }

    /// The client whose base URL, key and timeouts the batch API is reached through (implies
    /// [`via_batch_api`](Self::via_batch_api)).
    pub fn batch_client(mut self, client: &Client) -> Self {
        self.batch.get_or_insert_with(BatchSettings::default).client = Some(client.clone());
        self
    }

    /// At most this many requests per batch (default [`DEFAULT_BATCH_SIZE`], OpenAI's limit;
    /// 0 counts as 1). Implies [`via_batch_api`](Self::via_batch_api).
    pub fn batch_size(mut self, requests: usize) -> Self {
        self.batch
            .get_or_insert_with(BatchSettings::default)
            .batch_size = requests.max(1);
        self
    }

    /// How long to wait between reads of a running batch: `first`, doubling up to `longest`
    /// (default 5 s up to 2 min). Implies [`via_batch_api`](Self::via_batch_api).
    pub fn batch_poll(mut self, first: Duration, longest: Duration) -> Self {
        let settings = self.batch.get_or_insert_with(BatchSettings::default);
        settings.first_wait = first;
        settings.longest_wait = longest.max(first);
        self
    }

    /// Start the run: results come as `(input index, result)` in the order they finish.
    ///
    /// Fails before anything is sent when the run's settings cannot work.
    pub fn stream(self) -> Result<BulkStream<T>> {
        runner::start(self)
    }

    /// Run to the end and gather every result in input order, with the run's summary.
    pub async fn collect(self) -> Result<Finished<T>> {
        self.stream()?.finish().await
    }
}

impl<T: Output + Serialize + DeserializeOwned> Bulk<T> {
    /// Keep a journal of finished items in the file at `path` (JSON lines, created if missing):
    /// each item's line is written before its result is handed out, and a run started with a
    /// journal that already holds items hands out their results again without sending them.
    /// A run killed at any point and started again with the same journal (and the same inputs,
    /// in the same order) therefore sends nothing twice.
    ///
    /// The journal keeps what the model said: values, and answers that could not become one
    /// (undecodable, cut at the token limit, refused, filtered). An item that got no answer
    /// (network, timeout, HTTP error, configuration) is not journaled, so the next run sends it
    /// again.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some((path.into(), Codec::json()));
        self
    }
}

/// The exact length a size hint promises, if it promises one.
fn exact_len((lower, upper): (usize, Option<usize>)) -> Option<u64> {
    (upper == Some(lower)).then_some(lower as u64)
}
