//! The batch engine: a bulk run sent through the provider's batch API instead of one request
//! per item (OpenAI `/v1/batches`, also served by Azure OpenAI and several gateways: half the
//! price, a 24-hour window).
//!
//! The inputs are rendered ([`Call::request`](crate::Call::request)) into JSONL files of at
//! most `batch_size` requests, each uploaded (`/files`, purpose `batch`) and submitted as a
//! batch; every batch is then polled, with a growing wait, until it has ended. Its output and
//! error files are read line by line and each answer decoded into `T` by its `custom_id`
//! ([`Response::from_completion`](crate::Response::from_completion)). Answers that cannot be
//! decoded are asked again, once, in a follow-up batch that adds the answer and the reason to
//! the conversation.
//!
//! With a journal, each batch is written to it when created and marked when handled, so a run
//! killed while batches are on their way resumes polling them instead of submitting again.
//! (A kill between the creation of a batch and its journal line leaves that batch unknown to
//! the next run, which submits its items again.)
//!
//! Anthropic's message batches are not handled: promptfn has no Anthropic dialect yet.

mod api;
mod lines;

use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::Calls;
use super::done::DoneSet;
use super::runner::Done;
use crate::client::Client;
use crate::error::{DecodeError, Error, Result};
use crate::message::{Message, Role};
use crate::output::Output;
use crate::plan::reask_feedback;
use crate::wire::chat_completions;
use api::{BatchApi, BatchObject};
use lines::{RequestLine, read_answer};

/// The most requests one batch takes (the OpenAI limit is 50 000 per file).
pub const DEFAULT_BATCH_SIZE: usize = 50_000;

/// The largest input file built (the OpenAI limit is 200 MB); a batch closes early when its
/// requests reach this size.
const MAX_FILE_BYTES: usize = 190 * 1024 * 1024;

/// How many times in a row reading a batch or its files may fail before its items fail.
const MAX_READ_FAILURES: u32 = 5;

/// How a run uses the batch API.
#[derive(Debug, Clone)]
pub(super) struct BatchSettings {
    /// The client whose base URL, key and timeouts the files and batches go through (`None`:
    /// the default client).
    pub(super) client: Option<Client>,
    pub(super) batch_size: usize,
    pub(super) first_wait: Duration,
    pub(super) longest_wait: Duration,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            client: None,
            batch_size: DEFAULT_BATCH_SIZE,
            first_wait: Duration::from_secs(5),
            longest_wait: Duration::from_secs(120),
        }
    }
}

/// A submitted batch, as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct BatchEntry {
    pub(super) id: String,
    pub(super) input_file_id: String,
    /// The input indices it answers, as `[start, end)` ranges.
    pub(super) items: Vec<[u64; 2]>,
    /// Whether it re-asks answers that could not be decoded (its failures are final).
    pub(super) reask: bool,
}

impl BatchEntry {
    fn indices(&self) -> impl Iterator<Item = u64> + '_ {
        self.items.iter().flat_map(|&[start, end]| start..end)
    }

    /// The journal line that records this batch.
    pub(super) fn line(&self) -> serde_json::Value {
        serde_json::json!({ "batch": self })
    }
}

/// The journal line that marks a batch handled.
fn ended_line(batch_id: &str) -> serde_json::Value {
    serde_json::json!({ "batch_ended": batch_id })
}

/// Increasing indices as `[start, end)` ranges.
fn ranges(indices: &[usize]) -> Vec<[u64; 2]> {
    let mut out: Vec<[u64; 2]> = Vec::new();
    for &index in indices {
        let index = index as u64;
        match out.last_mut() {
            Some(last) if last[1] == index => last[1] += 1,
            _ => out.push([index, index + 1]),
        }
    }
    out
}

struct Waiting {
    entry: BatchEntry,
    failures: u32,
}

/// The engine's state between steps.
pub(super) struct Engine<T> {
    api: BatchApi,
    calls: Calls<T>,
    settings: BatchSettings,
    /// Items journaled by earlier runs (a resumed batch skips them).
    journaled: DoneSet,
    waiting: Vec<Waiting>,
    inputs_left: bool,
    wait: Duration,
}

impl<T: Output> Engine<T> {
    pub(super) fn new(
        settings: BatchSettings,
        calls: Calls<T>,
        journaled: DoneSet,
        resumed: Vec<BatchEntry>,
    ) -> Result<Self> {
        let client = match &settings.client {
            Some(client) => client.clone(),
            None => Client::default_client()?,
        };
        Ok(Self {
            api: BatchApi::new(client),
            calls,
            wait: settings.first_wait,
            settings,
            journaled,
            waiting: resumed
                .into_iter()
                .map(|entry| Waiting { entry, failures: 0 })
                .collect(),
            inputs_left: true,
        })
    }

    /// The results (and journal notes) of the engine, in the order they must be handled.
    pub(super) fn run(self) -> impl futures_core::Stream<Item = Done<T>> + Send {
        futures_util::stream::unfold(self, |mut engine| async move {
            let events = engine.step().await?;
            Some((futures_util::stream::iter(events), engine))
        })
        .flatten()
    }

    /// Submit the next batch of inputs, or else wait for a batch to end and read it.
    async fn step(&mut self) -> Option<Vec<Done<T>>> {
        if self.inputs_left {
            return Some(self.submit_next().await);
        }
        if self.waiting.is_empty() {
            return None;
        }
        loop {
            for position in 0..self.waiting.len() {
                let id = self.waiting[position].entry.id.clone();
                match self.api.retrieve(&id).await {
                    Ok(batch) if batch.has_ended() => {
                        let waiting = self.waiting.swap_remove(position);
                        return Some(self.handle(batch, waiting).await);
                    }
                    Ok(_) => self.waiting[position].failures = 0,
                    Err(error) => {
                        tracing::debug!(batch = %id, %error, "reading the batch failed");
                        self.waiting[position].failures += 1;
                        if self.waiting[position].failures >= MAX_READ_FAILURES {
                            let waiting = self.waiting.swap_remove(position);
                            return Some(self.give_up(&waiting.entry, &error));
                        }
                    }
                }
            }
            tokio::time::sleep(self.wait).await;
            self.wait = (self.wait * 2).min(self.settings.longest_wait);
        }
    }

    /// Render up to `batch_size` inputs and submit them as one batch.
    async fn submit_next(&mut self) -> Vec<Done<T>> {
        let mut events = Vec::new();
        let mut file = Vec::new();
        let mut indices = Vec::new();
        while indices.len() < self.settings.batch_size && file.len() < MAX_FILE_BYTES {
            let Some((index, call)) = self.calls.next().await else {
                self.inputs_left = false;
                break;
            };
            let rendered = call
                .request()
                .and_then(|body| RequestLine::chat(index, body).write(&mut file));
            match rendered {
                Ok(()) => indices.push(index),
                Err(error) => events.push(Done::Answered(index, Err(error))),
            }
        }
        if indices.is_empty() {
            return events;
        }
        match submit(&self.api, file, ranges(&indices), false).await {
            Ok(entry) => {
                events.push(Done::Note(entry.line()));
                self.waiting.push(Waiting { entry, failures: 0 });
                self.wait = self.settings.first_wait;
            }
            Err(error) => {
                let reason = format!("it could not be submitted: {error}");
                for index in indices {
                    events.push(Done::Answered(index, Err(unsent(&reason))));
                }
            }
        }
        events
    }

    /// Read an ended batch: every item's answer, re-asks for undecodable ones, then the note
    /// that it is handled.
    async fn handle(&mut self, batch: BatchObject, waiting: Waiting) -> Vec<Done<T>> {
        let entry = &waiting.entry;
        let mut members = DoneSet::default();
        for index in entry.indices() {
            members.insert(index);
        }
        let mut seen = DoneSet::default();
        let mut answers = Vec::new();
        let mut undecodable: Vec<(usize, DecodeError)> = Vec::new();
        if batch.status != "failed" {
            for file_id in [&batch.output_file_id, &batch.error_file_id]
                .into_iter()
                .flatten()
            {
                let read = self
                    .api
                    .each_line(file_id, |line| {
                        let Some((index, result)) = read_answer::<T>(line, &batch.id) else {
                            return;
                        };
                        let position = index as u64;
                        if !members.contains(position) || !seen.insert(position) {
                            return;
                        }
                        if self.journaled.contains(position) {
                            return;
                        }
                        match result {
                            Err(Error::Decode(decode)) if !entry.reask => {
                                undecodable.push((index, decode));
                            }
                            result => answers.push(Done::Answered(index, result)),
                        }
                    })
                    .await;
                if let Err(error) = read {
                    // Nothing was handed out: read the whole batch again later.
                    tracing::debug!(batch = %batch.id, %error, "reading the batch's files failed");
                    let failures = waiting.failures + 1;
                    if failures >= MAX_READ_FAILURES {
                        return self.give_up(&waiting.entry, &error);
                    }
                    self.waiting.push(Waiting {
                        entry: waiting.entry,
                        failures,
                    });
                    return Vec::new();
                }
            }
        }
        let mut events = answers;
        for index in entry.indices() {
            if !seen.contains(index) && !self.journaled.contains(index) {
                events.push(Done::Answered(
                    index as usize,
                    Err(Error::Batch {
                        batch: batch.id.clone(),
                        reason: format!("{}, without an answer for this item", batch.error_text()),
                    }),
                ));
            }
        }
        if !undecodable.is_empty() {
            events.extend(self.reask(entry, undecodable).await);
        }
        events.push(Done::Note(ended_line(&batch.id)));
        events
    }

    /// Submit the follow-up batch of re-asks, or, if that fails, let the decode errors stand.
    async fn reask(
        &mut self,
        entry: &BatchEntry,
        undecodable: Vec<(usize, DecodeError)>,
    ) -> Vec<Done<T>> {
        let by_index: std::collections::HashMap<usize, &DecodeError> =
            undecodable.iter().map(|(index, e)| (*index, e)).collect();
        let mut file = Vec::new();
        let mut indices = Vec::new();
        let mut failed: Option<Error> = None;
        // The original requests are read back from the uploaded input file.
        let read = self
            .api
            .each_line(&entry.input_file_id, |line| {
                let Ok(mut request) = serde_json::from_slice::<RequestLine>(line) else {
                    return;
                };
                let Some(index) = lines::index_of(&request.custom_id) else {
                    return;
                };
                let Some(decode) = by_index.get(&index) else {
                    return;
                };
                let turns = [
                    Message::text(Role::Assistant, decode.raw()),
                    Message::text(Role::User, reask_feedback(decode.reason(), None)),
                ];
                if !chat_completions::append_turns(&mut request.body, &turns) {
                    return;
                }
                match request.write(&mut file) {
                    Ok(()) => indices.push(index),
                    Err(error) => failed = Some(error),
                }
            })
            .await;
        let submitted = match (read, failed) {
            (Err(error), _) | (Ok(()), Some(error)) => Err(error),
            (Ok(()), None) if indices.is_empty() => Err(Error::Batch {
                batch: entry.id.clone(),
                reason: "its input file no longer holds the requests to re-ask".into(),
            }),
            (Ok(()), None) => {
                indices.sort_unstable();
                submit(&self.api, file, ranges(&indices), true).await
            }
        };
        match submitted {
            Ok(followup) => {
                let note = followup.line();
                self.waiting.push(Waiting {
                    entry: followup,
                    failures: 0,
                });
                self.wait = self.settings.first_wait;
                // An item whose request was not in the input file read back is not in the
                // follow-up: its decode error is its result.
                let mut events: Vec<Done<T>> = undecodable
                    .into_iter()
                    .filter(|(index, _)| indices.binary_search(index).is_err())
                    .map(|(index, decode)| Done::Answered(index, Err(decode.into())))
                    .collect();
                events.push(Done::Note(note));
                events
            }
            Err(error) => {
                tracing::debug!(batch = %entry.id, %error, "the re-asks could not be submitted");
                undecodable
                    .into_iter()
                    .map(|(index, decode)| Done::Answered(index, Err(decode.into())))
                    .collect()
            }
        }
    }

    /// A batch that cannot be read: its items fail (not journaled: a rerun submits them again)
    /// and it is marked handled.
    fn give_up(&self, entry: &BatchEntry, error: &Error) -> Vec<Done<T>> {
        let reason = format!("it could not be read: {error}");
        let mut events: Vec<Done<T>> = entry
            .indices()
            .filter(|&index| !self.journaled.contains(index))
            .map(|index| {
                Done::Answered(
                    index as usize,
                    Err(Error::Batch {
                        batch: entry.id.clone(),
                        reason: reason.clone(),
                    }),
                )
            })
            .collect();
        events.push(Done::Note(ended_line(&entry.id)));
        events
    }
}

/// Upload a batch file and create its batch.
async fn submit(
    api: &BatchApi,
    file: Vec<u8>,
    items: Vec<[u64; 2]>,
    reask: bool,
) -> Result<BatchEntry> {
    let input_file_id = api.upload(file).await?;
    let batch = api.create(&input_file_id).await?;
    tracing::info!(batch = %batch.id, reask, "batch submitted");
    Ok(BatchEntry {
        id: batch.id,
        input_file_id,
        items,
        reask,
    })
}

/// The failure of an item whose batch was never created.
fn unsent(reason: &str) -> Error {
    Error::Batch {
        batch: "(none)".into(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increasing_indices_become_ranges() {
        assert_eq!(ranges(&[0, 1, 2, 5, 6, 9]), [[0, 3], [5, 7], [9, 10]]);
        assert!(ranges(&[]).is_empty());
    }
}
