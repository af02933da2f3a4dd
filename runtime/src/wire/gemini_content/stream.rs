//! The events of `streamGenerateContent?alt=sse`: each `data:` line is a whole
//! `GenerateContentResponse` holding what the answer gained since the last one (text, thought
//! summaries, whole function calls), the usage so far, and on the last one the finish reason
//! (<https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent>). There is
//! no `[DONE]`: the stream ends after the chunk with the finish reason.

use serde_json::{Map, Value};

use crate::error::{ApiError, Error, Result, excerpt};
use crate::provider_state::ProviderState;
use crate::response::FinishReason;

use super::super::answer::{ChunkChoice, CompletionChunk, Delta};
use super::super::dialect::Dialect;
use super::super::sse::SseEvent;
use super::answer::{self, Candidate};

/// The state of one streamed answer between its events.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    /// Function calls read so far: the next one's position (and generated id).
    calls: usize,
    /// The last signed text part's fields, sent back on the turn.
    kept: Option<Map<String, Value>>,
}

impl Reader {
    /// One event: a chunk, nothing for an empty event, or the error the server put in it.
    pub(crate) fn read(&mut self, event: &SseEvent) -> Result<Option<CompletionChunk>> {
        let data = event.data.trim();
        if event.event.as_deref() == Some("error") {
            return Err(ApiError::from_body(200, data.as_bytes()).into());
        }
        if data.is_empty() {
            return Ok(None);
        }
        let response = answer::parse(data).map_err(|reason| Error::Protocol {
            reason: format!("a stream event: {reason}"),
            raw: excerpt(data),
        })?;
        if answer::error(&response).is_some() {
            return Err(ApiError::from_body(200, data.as_bytes()).into());
        }
        let mut choices = Vec::new();
        for candidate in answer::candidates(&response) {
            let read = Candidate::read(candidate, self.calls);
            self.calls += read.calls.len();
            if read.kept.is_some() {
                self.kept = read.kept;
            }
            choices.push(ChunkChoice {
                delta: Delta {
                    content: read.text,
                    reasoning: read.reasoning,
                    tool_calls: read.calls,
                    sources: read.sources,
                    ..Delta::default()
                },
                finish_reason: read.finish_reason,
            });
        }
        if choices.is_empty() && answer::block_reason(&response).is_some() {
            choices.push(ChunkChoice {
                delta: Delta::default(),
                finish_reason: Some(FinishReason::ContentFilter),
            });
        }
        // A stop after function calls ended a round of calls.
        if self.calls > 0 {
            for choice in &mut choices {
                if choice.finish_reason == Some(FinishReason::Stop) {
                    choice.finish_reason = Some(FinishReason::ToolCalls);
                }
            }
        }
        Ok(Some(CompletionChunk {
            id: response
                .get("responseId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            model: response
                .get("modelVersion")
                .and_then(Value::as_str)
                .map(str::to_owned),
            choices,
            // Each chunk's usage is the whole answer's so far: it replaces the last.
            usage: answer::usage(&response),
            error: None,
            state: self
                .kept
                .clone()
                .map(|kept| ProviderState::kept(Dialect::GeminiGenerateContent, kept))
                .unwrap_or_default(),
        }))
    }
}
