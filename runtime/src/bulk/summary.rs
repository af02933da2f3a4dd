//! What a bulk run did: counts, tokens, requests, time.

use std::fmt;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::response::{Response, Usage};

/// The tally of a bulk run, kept up to date while it runs
/// ([`BulkStream::summary`](super::BulkStream::summary)) and final once it has ended.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Summary {
    /// Items answered with a value in this run.
    pub succeeded: u64,
    /// Items that failed in this run.
    pub failed: u64,
    /// Items an earlier run had finished, taken from the journal instead of being sent.
    pub from_journal: u64,
    /// Tokens used by this run, as the server reported them (failed items count when their
    /// error carries usage: a cut answer, a tool loop that ran out of steps).
    pub usage: Usage,
    /// Requests that got an answer in this run: one per item, plus one per re-ask (transport
    /// retries of the same request are not counted).
    pub requests: u64,
    /// Of those requests, how many re-asked the model after an undecodable answer.
    pub reasks: u64,
    /// Time from the start of the run to now, or to its end once it has ended.
    pub elapsed: Duration,
    started: Instant,
    ended: bool,
}

impl Default for Summary {
    fn default() -> Self {
        Self {
            succeeded: 0,
            failed: 0,
            from_journal: 0,
            usage: Usage::default(),
            requests: 0,
            reasks: 0,
            elapsed: Duration::ZERO,
            started: Instant::now(),
            ended: false,
        }
    }
}

impl Summary {
    /// Items finished so far, from the journal included.
    pub fn finished(&self) -> u64 {
        self.succeeded + self.failed + self.from_journal
    }

    /// Items finished by this run per second of it.
    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            (self.succeeded + self.failed) as f64 / seconds
        } else {
            0.0
        }
    }

    pub(super) fn record<T>(&mut self, answer: &Result<Response<T>>) {
        self.tick();
        match answer {
            Ok(response) => {
                self.succeeded += 1;
                self.add_usage(response.usage);
                let requests = u64::from(response.requests.max(1));
                self.requests += requests;
                self.reasks += requests - 1;
            }
            Err(error) => {
                self.failed += 1;
                let (requests, usage) = spent_on(error);
                self.add_usage(usage);
                self.requests += requests;
                self.reasks += requests.saturating_sub(1);
            }
        }
    }

    pub(super) fn record_from_journal(&mut self) {
        self.tick();
        self.from_journal += 1;
    }

    pub(super) fn stop_clock(&mut self) {
        self.tick();
        self.ended = true;
    }

    fn tick(&mut self) {
        if !self.ended {
            self.elapsed = self.started.elapsed();
        }
    }

    fn add_usage(&mut self, usage: Option<Usage>) {
        if let Some(usage) = usage {
            self.usage = self.usage.add(usage);
        }
    }
}

/// The answered requests and the usage a failure stands for, as far as its error tells.
fn spent_on(error: &Error) -> (u64, Option<Usage>) {
    match error {
        // Found before anything was sent.
        Error::Config(_) | Error::Schema(_) | Error::Media(_) => (0, None),
        // No answer arrived (the transport gave up).
        Error::Transport { .. } | Error::Timeout { .. } => (0, None),
        Error::Decode(decode) => (decode.attempts.len() as u64, None),
        Error::Incomplete { usage, .. } => (1, *usage),
        Error::MaxSteps(steps) => (u64::from(steps.max_steps) + 1, steps.usage),
        _ => (1, None),
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} items: {} succeeded, {} failed",
            self.finished(),
            self.succeeded,
            self.failed
        )?;
        if self.from_journal > 0 {
            write!(f, ", {} from the journal", self.from_journal)?;
        }
        write!(
            f,
            "; {} requests ({} re-asks); {} tokens ({} prompt, {} completion); {:.1}s",
            self.requests,
            self.reasks,
            self.usage.total_tokens,
            self.usage.prompt_tokens,
            self.usage.completion_tokens,
            self.elapsed.as_secs_f64()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{DecodeError, RejectedAnswer};

    fn response(requests: u32, usage: Usage) -> Response<u8> {
        Response {
            usage: Some(usage),
            requests,
            ..Response::bare(1)
        }
    }

    #[test]
    fn counts_items_requests_reasks_and_tokens() {
        let mut summary = Summary::default();
        summary.record(&Ok(response(1, Usage::new(10, 5))));
        summary.record(&Ok(response(3, Usage::new(30, 15))));
        let rejected = RejectedAnswer {
            raw: "nope".into(),
            reason: "not JSON".into(),
        };
        summary.record::<u8>(&Err(DecodeError {
            type_name: "u8",
            attempts: vec![rejected.clone(), rejected],
        }
        .into()));
        summary.record::<u8>(&Err(Error::Config("no model".into())));
        summary.record_from_journal();
        summary.stop_clock();
        assert_eq!((summary.succeeded, summary.failed), (2, 2));
        assert_eq!((summary.from_journal, summary.finished()), (1, 5));
        assert_eq!((summary.requests, summary.reasks), (6, 3));
        assert_eq!(summary.usage, Usage::new(40, 20));
        let shown = summary.to_string();
        assert!(
            shown.starts_with("5 items: 2 succeeded, 2 failed, 1 from the journal; 6 requests (3 re-asks); 60 tokens"),
            "{shown}"
        );
    }
}
