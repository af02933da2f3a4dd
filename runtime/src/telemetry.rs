//! The `tracing` spans of a call: what it asked, of which model, how it ended, how long it took
//! and how many tokens it used.
//!
//! Each call runs in an `info` span `promptfn.call` with the fields `function`, `model`,
//! `status` (`ok` or the error kind: `Api`, `Transport`, `Timeout`…), `http_status` (of the
//! last API error), `latency_ms`, `requests` (1 plus one per re-ask), `prompt_tokens`,
//! `completion_tokens` and `total_tokens`. Each HTTP attempt runs inside it in a `debug` span
//! `promptfn.attempt` with `function`, `attempt`, `status` and `latency_ms`; a retry is an
//! `info` event. Prompt and answer text are recorded (fields `prompt` and `answer`) only on
//! clients built with [`ClientBuilder::trace_content`](crate::ClientBuilder::trace_content).
//! The API key is never recorded: it lives in a secret type and a header marked sensitive.

use std::fmt;
use std::time::{Duration, Instant};

use tracing::Span;
use tracing::field::Empty;

use crate::client::Client;
use crate::error::{Error, Result, excerpt};
use crate::message::Message;
use crate::response::{Response, Usage};

/// The `promptfn.call` span of one call from its start to its outcome, as chat calls and the
/// endpoint calls both keep it.
pub(crate) struct CallTrace {
    span: Span,
    started: Option<Instant>,
    /// Whether the client records prompt and answer text.
    content: bool,
}

impl CallTrace {
    /// Open the span of `function`, naming the model when client and model resolved, and
    /// record the prompt when the client traces content.
    pub(crate) fn start(
        function: &'static str,
        messages: &[Message],
        resolved: Option<(&Client, &str)>,
    ) -> Self {
        let span = call_span(function, resolved.map(|(_, model)| model));
        let content = resolved.is_some_and(|(client, _)| client.trace_content());
        if content {
            record_prompt(&span, messages);
        }
        let started = start_timing(&span);
        Self {
            span,
            started,
            content,
        }
    }

    /// Whether prompt and answer text are recorded.
    pub(crate) fn content(&self) -> bool {
        self.content
    }

    /// The span, for the call's work to run in.
    pub(crate) fn span(&self) -> Span {
        self.span.clone()
    }

    /// Enters the span until the guard drops: for one poll of the call's work.
    pub(crate) fn enter(&self) -> tracing::span::Entered<'_> {
        self.span.enter()
    }

    /// Record how the call ended; `answer_text` says whether its answer is text that may be
    /// recorded (not so for vectors, images or audio).
    pub(crate) fn finish<T>(self, result: &Result<Response<T>>, answer_text: bool) {
        let latency = self.started.map(|started| started.elapsed());
        record_outcome(&self.span, result, latency, self.content && answer_text);
    }
}

/// The span of one call.
fn call_span(function: &'static str, model: Option<&str>) -> Span {
    tracing::info_span!(
        "promptfn.call",
        function,
        model = model.unwrap_or("(none)"),
        status = Empty,
        http_status = Empty,
        latency_ms = Empty,
        requests = Empty,
        prompt_tokens = Empty,
        completion_tokens = Empty,
        total_tokens = Empty,
        prompt = Empty,
        answer = Empty,
    )
}

/// Record the prompt's text (only for clients that opted in).
fn record_prompt(span: &Span, messages: &[Message]) {
    let text: Vec<String> = messages
        .iter()
        .map(|m| format!("{}: {}", m.role.as_str(), m.text_content()))
        .collect();
    span.record("prompt", excerpt(&text.join("\n")).as_str());
}

/// Record how the call ended; `content` says whether answer text may be recorded.
fn record_outcome<T>(
    span: &Span,
    result: &Result<Response<T>>,
    latency: Option<Duration>,
    content: bool,
) {
    if let Some(latency) = latency {
        span.record("latency_ms", millis(latency));
    }
    match result {
        Ok(response) => {
            span.record("status", "ok");
            span.record("requests", response.requests);
            record_usage(span, response.usage);
            if content {
                // The model's last turn: its text, or the tool call that carried the answer.
                let answer = response
                    .transcript
                    .iter()
                    .rev()
                    .find(|m| m.role == crate::message::Role::Assistant)
                    .map(|m| match m.tool_calls.first() {
                        Some(call) if m.text_content().trim().is_empty() => call.arguments.clone(),
                        _ => m.text_content(),
                    })
                    .unwrap_or_default();
                span.record("answer", excerpt(&answer).as_str());
            }
        }
        Err(error) => {
            span.record("status", kind(error));
            match error {
                Error::Api(api) => {
                    span.record("http_status", api.status);
                }
                Error::Incomplete { partial, usage } => {
                    record_usage(span, *usage);
                    if content {
                        span.record("answer", excerpt(partial).as_str());
                    }
                }
                Error::Decode(decode) if content => {
                    span.record("answer", excerpt(decode.raw()).as_str());
                }
                _ => {}
            }
            // The error's text names no secret (see `Error`): safe to log at any level.
            tracing::debug!(parent: span, error = %error, "call failed");
        }
    }
}

/// When `span` is recorded at all, the instant a latency is measured from. A disabled span
/// (no subscriber wants it) reads no clock.
pub(crate) fn start_timing(span: &Span) -> Option<Instant> {
    (!span.is_disabled()).then(Instant::now)
}

/// A latency as the whole milliseconds recorded in `latency_ms` fields.
pub(crate) fn millis(latency: Duration) -> u64 {
    u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)
}

fn record_usage(span: &Span, usage: Option<Usage>) {
    if let Some(usage) = usage {
        span.record("prompt_tokens", usage.prompt_tokens);
        span.record("completion_tokens", usage.completion_tokens);
        span.record("total_tokens", usage.total_tokens);
    }
}

/// The error's kind: its variant name, read from `Debug` so that kinds added later need no
/// change here. Formatting stops at the end of the name, so a large error costs nothing.
fn kind(error: &Error) -> String {
    struct Name(String);
    impl fmt::Write for Name {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    return Err(fmt::Error);
                }
                self.0.push(c);
            }
            Ok(())
        }
    }
    let mut name = Name(String::new());
    let _ = fmt::Write::write_fmt(&mut name, format_args!("{error:?}"));
    name.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_are_variant_names() {
        assert_eq!(kind(&Error::Config("x".into())), "Config");
        let timeout = Error::timeout("idle", Duration::from_secs(1));
        assert_eq!(kind(&timeout), "Timeout");
        let api = Error::from(crate::error::ApiError::from_body(429, b""));
        assert_eq!(kind(&api), "Api");
    }
}
