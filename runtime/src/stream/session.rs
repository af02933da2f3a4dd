//! One streamed exchange, from sending the request to the verdict on how it ended.
//!
//! The session owns the request in flight (dropping it drops the connection), decodes the SSE
//! body as it arrives, reads each event as a chat-completion chunk, keeps what the chunks say
//! (text, reasoning, tool calls, usage, finish reason) and hands out [`Piece`]s in arrival
//! order. The public streams turn pieces into text deltas or typed items.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;

use crate::call::{Exchange, Resolved};
use crate::error::{ApiError, Error, ProviderError, Result, excerpt};
use crate::message::{Message, Role, ToolCall};
use crate::output::CallDeadline;
use crate::provider_state::ProviderState;
use crate::response::{FinishReason, Response, Usage};
use crate::sources::{self, Source};
use crate::structured::Mode;
use crate::transport::{Body, DEFAULT_MAX_BODY_BYTES, body_too_large};
use crate::wire::answer::{ChunkChoice, CompletionChunk, Delta, WireFunction};
use crate::wire::dialect::Dialect;
use crate::wire::dialect::EventReader;
use crate::wire::sse::{DEFAULT_MAX_EVENT_BYTES, SseDecoder, SseEvent, SseItem};

use super::body::{ByteStream, byte_stream};
use super::deadline::{Deadlines, StreamTimeouts};
use super::tool_calls::StreamedToolCalls;

/// What the session hands out, in the order the server sent it.
#[derive(Debug)]
pub(crate) enum Piece {
    /// Answer text.
    Text(String),
    /// Reasoning text.
    Reasoning(String),
    /// A tool call's arguments grew (read them from [`Session::tool_calls`]).
    Arguments,
    /// The round ended in calls of the user's tools, which run now.
    ToolCalls(Vec<ToolCall>),
    /// The tools ran: their results (one tool message per call). The next round begins, and
    /// its answer replaces what the last one assembled.
    ToolResults(Vec<Message>),
    /// The body is over; [`Session::verdict`] says whether the answer is usable.
    End(Ending),
}

/// How the body ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// `[DONE]` arrived, or the server gave a finish reason before closing.
    Complete,
    /// The body stopped without either: the answer may be cut.
    Truncated(String),
}

/// Sending a round's request, until its success status.
type Opening = Pin<Box<dyn Future<Output = Result<(Exchange, Body)>> + Send>>;
/// Running a round of tool calls; the results are in the exchange's conversation.
type RunningTools = Pin<Box<dyn Future<Output = Result<(Exchange, Vec<Message>)>> + Send>>;

enum State {
    /// The call could not even be prepared, or the stream must end with this error once the
    /// pieces before it are handed out.
    Failed(Error),
    Opening(Opening),
    Reading(ByteStream),
    RunningTools(RunningTools),
    Finished,
}

/// How the body is framed; decided by its first non-blank byte.
#[derive(Debug)]
enum Framing {
    Unknown,
    Sse,
    /// The server ignored `stream: true` and sent one JSON (or HTML) body.
    Whole(Vec<u8>),
}

/// What the chunks have said so far.
#[derive(Debug, Default)]
pub(crate) struct Assembled {
    pub(crate) id: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) usage: Option<Usage>,
    pub(crate) finish_reason: Option<FinishReason>,
    pub(crate) content: String,
    pub(crate) reasoning: String,
    pub(crate) refusal: String,
    pub(crate) tool_calls: StreamedToolCalls,
    /// A native dialect's state of the assistant turn (signed thinking, reasoning items).
    pub(crate) state: ProviderState,
    /// The sources cited so far, deduplicated and bounded.
    pub(crate) sources: Vec<Source>,
}

/// What an answer cut at the token limit is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// Text: the answer, with `FinishReason::Length`.
    IsTheAnswer,
    /// Structured output, which a stream cannot re-ask for: [`Error::Incomplete`].
    IsIncomplete,
}

/// One streamed exchange.
pub(crate) struct Session {
    state: State,
    deadlines: Deadlines,
    decoder: SseDecoder,
    framing: Framing,
    pending: VecDeque<Piece>,
    pub(crate) assembled: Assembled,
    raw: Vec<u8>,
    raw_dropped: usize,
    /// The client's `max_body_bytes`: the most of the raw body kept, of a body sent whole, and
    /// of the answer's text assembled (content, reasoning, refusal, tool calls), so that a
    /// stream holds no more than an awaited answer would, whatever the server sends.
    max_body_bytes: usize,
    /// The bytes of answer text assembled so far (measured against `max_body_bytes`).
    answer_bytes: usize,
    pub(crate) function: &'static str,
    pub(crate) mode: Option<Mode>,
    /// The call's conversation with the server, while no request or tool round holds it.
    exchange: Option<Exchange>,
    limits: StreamTimeouts,
    /// Whether the reasoning text came as `reasoning_content` (DeepSeek wants it back under
    /// that name beside tool calls).
    reasoning_content: bool,
    /// Reads the current round's events in the call's dialect.
    reader: EventReader,
    dialect: Dialect,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("function", &self.function)
            .field("mode", &self.mode)
            .field("assembled", &self.assembled)
            .field("raw_bytes", &(self.raw.len() + self.raw_dropped))
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session for a resolved call; nothing is sent until the first poll.
    pub(crate) fn new(resolved: Result<(Resolved, Vec<Message>)>) -> Self {
        let (state, limits, function, mode, max_body_bytes, dialect) = match resolved {
            Ok((call, messages)) => {
                let max_body_bytes = call.client.max_body_bytes();
                let link = call.client.link();
                let limits = StreamTimeouts {
                    total: call.timeout,
                    first_byte: link.first_byte_timeout(),
                    idle: Some(link.idle_timeout()),
                };
                let (function, mode, dialect) = (call.function, call.mode, call.dialect);
                (
                    State::Opening(first_round(call, messages)),
                    limits,
                    function,
                    mode,
                    max_body_bytes,
                    dialect,
                )
            }
            Err(e) => {
                let limits = StreamTimeouts {
                    total: crate::client::DEFAULT_TIMEOUT,
                    first_byte: None,
                    idle: None,
                };
                (
                    State::Failed(e),
                    limits,
                    "",
                    None,
                    DEFAULT_MAX_BODY_BYTES,
                    Dialect::default(),
                )
            }
        };
        Self {
            state,
            deadlines: Deadlines::new(limits),
            decoder: event_decoder(max_body_bytes),
            framing: Framing::Unknown,
            pending: VecDeque::new(),
            assembled: Assembled::default(),
            raw: Vec::new(),
            raw_dropped: 0,
            max_body_bytes,
            answer_bytes: 0,
            function,
            mode,
            exchange: None,
            limits,
            reasoning_content: false,
            reader: dialect.reader(),
            dialect,
        }
    }

    /// The next piece; `None` once the stream is over (after its `End` or its error).
    pub(crate) fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Piece>>> {
        loop {
            if let Some(piece) = self.pending.pop_front() {
                return Poll::Ready(Some(Ok(piece)));
            }
            let polled = match &mut self.state {
                State::Finished => return Poll::Ready(None),
                State::Failed(_) => {
                    let State::Failed(e) = std::mem::replace(&mut self.state, State::Finished)
                    else {
                        return Poll::Ready(None);
                    };
                    return Poll::Ready(Some(Err(e)));
                }
                State::Opening(opening) => match opening.as_mut().poll(cx) {
                    Poll::Ready(Ok((exchange, body))) => {
                        self.mode = exchange.mode;
                        self.state = State::Reading(byte_stream(body, exchange.call.client.link()));
                        self.exchange = Some(exchange);
                        continue;
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => Poll::Pending,
                },
                // Tools have their own deadline (the call's timeout, per tool call); the
                // stream's deadlines start again with the next round's request.
                State::RunningTools(running) => match running.as_mut().poll(cx) {
                    Poll::Ready(Ok((exchange, results))) => {
                        self.pending.push_back(Piece::ToolResults(results));
                        self.next_round(exchange);
                        continue;
                    }
                    Poll::Ready(Err(e)) => return self.fail(e),
                    Poll::Pending => return Poll::Pending,
                },
                State::Reading(body) => match body.as_mut().poll_next(cx) {
                    Poll::Ready(Some(Ok(chunk))) => Poll::Ready(self.take(chunk)),
                    Poll::Ready(Some(Err(e))) => Poll::Ready(Err(e)),
                    Poll::Ready(None) => Poll::Ready(self.end_of_body()),
                    Poll::Pending => Poll::Pending,
                },
            };
            match polled {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => return self.fail(e),
                Poll::Pending => {
                    return match self.deadlines.poll_expired(cx) {
                        // Dropping the request in flight closes its connection.
                        Poll::Ready(e) => self.fail(e),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }

    fn fail(&mut self, mut e: Error) -> Poll<Option<Result<Piece>>> {
        // A deadline that runs out mid-answer says how much had arrived, and keeps it.
        if let Error::Timeout { partial, .. } = &mut e
            && partial.is_empty()
        {
            partial.clone_from(&self.assembled.content);
        }
        self.state = State::Finished;
        self.pending.clear();
        Poll::Ready(Some(Err(e)))
    }

    /// A chunk of the body arrived.
    fn take(&mut self, chunk: Bytes) -> Result<()> {
        self.deadlines.on_bytes()?;
        self.keep_raw(&chunk);
        match &mut self.framing {
            Framing::Sse => self.decode_sse(&chunk),
            Framing::Whole(body) => {
                if body.len() + chunk.len() > self.max_body_bytes {
                    return Err(body_too_large(self.max_body_bytes, body));
                }
                body.extend_from_slice(&chunk);
                Ok(())
            }
            Framing::Unknown => {
                // SSE lines start with a field name or `:`; a body starting like JSON or HTML
                // comes from a server that ignored `stream: true`.
                let first = chunk
                    .iter()
                    .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
                match first {
                    None => {
                        self.decoder.feed(&chunk).for_each(drop);
                        Ok(())
                    }
                    Some(b'{' | b'[' | b'<') => {
                        if chunk.len() > self.max_body_bytes {
                            return Err(body_too_large(self.max_body_bytes, &chunk));
                        }
                        self.framing = Framing::Whole(chunk.to_vec());
                        Ok(())
                    }
                    Some(_) => {
                        self.framing = Framing::Sse;
                        self.decode_sse(&chunk)
                    }
                }
            }
        }
    }

    fn keep_raw(&mut self, chunk: &[u8]) {
        let room = self.max_body_bytes.saturating_sub(self.raw.len());
        let kept = chunk.len().min(room);
        self.raw.extend_from_slice(&chunk[..kept]);
        self.raw_dropped += chunk.len() - kept;
    }

    fn decode_sse(&mut self, chunk: &[u8]) -> Result<()> {
        // Each event is handled before the next is decoded: a chunk of many events never
        // becomes many events in memory.
        let mut input = chunk;
        while let Some(item) = self.decoder.next_from(&mut input) {
            match item {
                Ok(SseItem::Event(event)) => self.event(&event)?,
                Ok(SseItem::Done) => {
                    self.finish(Ending::Complete);
                    return Ok(());
                }
                Err(e) => {
                    return Err(Error::Protocol {
                        reason: e.to_string(),
                        raw: excerpt(&String::from_utf8_lossy(&self.raw)),
                    });
                }
            }
        }
        Ok(())
    }

    /// The body is over without `[DONE]`.
    fn end_of_body(&mut self) -> Result<()> {
        if let Framing::Whole(body) = std::mem::replace(&mut self.framing, Framing::Sse) {
            return self.whole(&body);
        }
        let ending = match self.decoder.finish() {
            Ok(()) => Ending::Complete,
            // A finish reason says the answer is complete; what was cut is the usage chunk
            // or the sentinel, which some servers never send.
            Err(cut) if self.assembled.finish_reason.is_some() => {
                tracing::debug!(function = self.function, %cut, "stream ended after its finish reason but without [DONE]");
                Ending::Complete
            }
            Err(cut) => Ending::Truncated(cut.to_string()),
        };
        self.finish(ending);
        Ok(())
    }

    fn finish(&mut self, ending: Ending) {
        // Nothing after `[DONE]` matters; dropping the body releases the connection.
        self.state = State::Finished;
        if ending == Ending::Complete
            && self.exchange.is_some()
            && (self.assembled.finish_reason.as_ref()).is_some_and(FinishReason::is_paused)
        {
            self.continue_paused();
            return;
        }
        if ending == Ending::Complete
            && let Some(turn) = self.tool_round()
        {
            self.run_tools(turn);
            return;
        }
        if ending == Ending::Complete {
            self.step_down_from_unused_tool();
        }
        self.pending.push_back(Piece::End(ending));
    }

    /// `Tool` mode forced the answer tool and the answer called none: the server does not
    /// honour the mode, and the exchange moves to a JSON mode (or the prompt) as the awaited
    /// path does. A stream cannot take back what it handed out, so this answer is read from
    /// its content as it stands (never filled in); only one that handed out nothing and held
    /// no value is sent again ([`Self::send_again`]).
    fn step_down_from_unused_tool(&mut self) {
        if self.assembled.tool_calls.answer().is_none()
            && let Some(exchange) = &mut self.exchange
        {
            exchange.step_down_from_unused_tool();
        }
    }

    /// Whether the answer came without the forced answer tool, so that the exchange moved to
    /// another mode at its end (see [`Self::send_again`]).
    pub(crate) fn left_the_tool_unused(&self) -> bool {
        self.mode == Some(Mode::Tool)
            && self.assembled.tool_calls.answer().is_none()
            && self
                .exchange
                .as_ref()
                .is_some_and(|exchange| exchange.mode != self.mode)
    }

    /// Sends the request again in the mode the exchange moved to, as the awaited path does
    /// when a forced tool went unused and the content held no value: the model never saw the
    /// schema, so its answer is not one to correct. Only for a stream that has handed out
    /// nothing of this answer (its pieces were text that no item or snapshot came from); the
    /// next round's answer replaces this one. False when there is nothing to send again.
    pub(crate) fn send_again(&mut self) -> bool {
        if !self.left_the_tool_unused() {
            return false;
        }
        let Some(exchange) = self.exchange.take() else {
            return false;
        };
        tracing::debug!(
            function = self.function,
            "the streamed answer held no value without the forced tool; sending it again in another mode"
        );
        self.next_round(exchange);
        true
    }

    /// The assistant turn to run, when the round ended in calls of the user's tools.
    fn tool_round(&self) -> Option<Message> {
        let exchange = self.exchange.as_ref()?;
        exchange.call.toolbox.as_ref()?;
        crate::tool::tool_round(self.answer_turn(), self.mode)
    }

    /// Hands the round's calls out, and runs them.
    fn run_tools(&mut self, turn: Message) {
        let Some(mut exchange) = self.exchange.take() else {
            return;
        };
        let limit = exchange.call.client.max_tool_calls();
        if let Err(reason) = crate::tool::check_call_count(turn.tool_calls.len(), limit) {
            self.state = State::Failed(Error::Protocol {
                reason,
                raw: crate::error::excerpt(&crate::tool::calls_of(&turn)),
            });
            return;
        }
        if self.assembled.finish_reason == Some(FinishReason::Length) {
            // Cut arguments cannot be run.
            self.state = State::Failed(Error::Incomplete {
                partial: crate::tool::calls_of(&turn),
                usage: Usage::sum(exchange.usage, self.assembled.usage),
            });
            return;
        }
        exchange.add_usage(self.assembled.usage.take());
        self.pending
            .push_back(Piece::ToolCalls(turn.tool_calls.clone()));
        self.state = State::RunningTools(Box::pin(async move {
            let results = exchange.run_tools(turn).await?.to_vec();
            Ok((exchange, results))
        }));
    }

    /// Sends a turn the server paused back as it stands, for the model to carry on (see
    /// `Exchange::continue_paused`); its text has streamed, and the next round's follows.
    fn continue_paused(&mut self) {
        let Some(mut exchange) = self.exchange.take() else {
            return;
        };
        exchange.add_usage(self.assembled.usage.take());
        match exchange.continue_paused(self.answer_turn()) {
            Ok(()) => self.next_round(exchange),
            Err(e) => self.state = State::Failed(e),
        }
    }

    /// Starts the next round of the tool loop: its answer replaces what this one assembled.
    fn next_round(&mut self, mut exchange: Exchange) {
        self.deadlines = Deadlines::new(self.limits);
        self.decoder = event_decoder(self.max_body_bytes);
        self.framing = Framing::Unknown;
        self.assembled = Assembled::default();
        self.raw.clear();
        self.raw_dropped = 0;
        self.answer_bytes = 0;
        self.reasoning_content = false;
        self.reader = self.dialect.reader();
        self.state = State::Opening(Box::pin(async move {
            let body = exchange.open().await?;
            Ok((exchange, body))
        }));
    }

    /// One SSE event: a chunk, or an error the server put in the stream.
    fn event(&mut self, event: &SseEvent) -> Result<()> {
        match self.reader.read(event)? {
            Some(chunk) => self.chunk(chunk),
            None => Ok(()),
        }
    }

    /// What one chunk adds to the answer.
    fn chunk(&mut self, chunk: CompletionChunk) -> Result<()> {
        let a = &mut self.assembled;
        // Gemini behind one-api gives every chunk a fresh id: keep the first.
        a.id = a.id.take().or(chunk.id);
        a.model = a.model.take().or(chunk.model);
        if chunk.usage.is_some() {
            a.usage = chunk.usage;
        }
        if !chunk.state.is_empty() {
            a.state = chunk.state;
        }
        // Choices are merged: one answer is streamed (n > 1 is refused), and new-api's Claude
        // channel numbers choices by content block.
        for choice in chunk.choices {
            self.choice(choice);
        }
        if self.answer_bytes > self.max_body_bytes {
            return Err(body_too_large(self.max_body_bytes, &self.raw));
        }
        Ok(())
    }

    fn choice(&mut self, choice: ChunkChoice) {
        let a = &mut self.assembled;
        let delta = choice.delta;
        self.answer_bytes = self.answer_bytes.saturating_add(delta_bytes(&delta));
        if let Some(reasoning) = delta.reasoning_text() {
            self.reasoning_content |= delta.reasoning_content.is_some();
            a.reasoning.push_str(reasoning);
            self.pending
                .push_back(Piece::Reasoning(reasoning.to_owned()));
        }
        if let Some(refusal) = &delta.refusal {
            a.refusal.push_str(refusal);
        }
        sources::extend(&mut a.sources, delta.sources);
        let mut arguments = false;
        for call in &delta.tool_calls {
            arguments |= a.tool_calls.apply(call);
        }
        if let Some(function) = &delta.function_call {
            arguments |= a.tool_calls.apply_legacy(function);
        }
        if arguments {
            self.pending.push_back(Piece::Arguments);
        }
        if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
            a.content.push_str(&text);
            self.pending.push_back(Piece::Text(text));
        }
        if choice.finish_reason.is_some() {
            a.finish_reason = choice.finish_reason;
        }
    }

    /// A server that ignored `stream: true`: its one body becomes one of each piece.
    fn whole(&mut self, body: &[u8]) -> Result<()> {
        let (raw, parsed) = self.dialect.decode(body);
        let parsed = parsed.map_err(|reason| Error::Protocol {
            reason,
            raw: excerpt(&raw),
        })?;
        if parsed.error.as_ref().is_some_and(|e| !e.is_null()) {
            return Err(ApiError::from_body(200, body).into());
        }
        let Some(choice) = parsed.choices.into_iter().next() else {
            return Err(Error::Protocol {
                reason: "the completion has no choices".into(),
                raw: excerpt(&raw),
            });
        };
        let message = choice.message;
        let mut tool_calls = message.tool_calls;
        for (i, call) in tool_calls.iter_mut().enumerate() {
            call.index = u32::try_from(i).ok();
        }
        self.chunk(CompletionChunk {
            id: parsed.id,
            model: parsed.model,
            usage: parsed.usage,
            choices: vec![ChunkChoice {
                delta: Delta {
                    content: message.content,
                    refusal: message.refusal,
                    reasoning_content: message.reasoning_content,
                    reasoning: message.reasoning,
                    tool_calls,
                    function_call: message.function_call,
                    sources: message.sources,
                },
                finish_reason: choice.finish_reason,
            }],
            error: None,
            state: message.state,
        })?;
        self.finish(Ending::Complete);
        Ok(())
    }

    /// Whether the answer is usable, given how the body ended; `partial` is the answer text
    /// (content or tool arguments) the errors keep.
    pub(crate) fn verdict(&self, ending: &Ending, partial: &str, cut: Cut) -> Result<()> {
        let a = &self.assembled;
        match &a.finish_reason {
            Some(FinishReason::Length) if cut == Cut::IsIncomplete => {
                return Err(Error::Incomplete {
                    partial: partial.to_owned(),
                    usage: a.usage,
                });
            }
            Some(FinishReason::ContentFilter) => {
                return Err(Error::ContentFilter {
                    partial: partial.to_owned(),
                });
            }
            // OpenRouter ends a failed stream with `finish_reason: "error"` instead of an error object.
            Some(FinishReason::Other(reason)) if reason == "error" => {
                return Err(ApiError {
                    status: 200,
                    error: Some(ProviderError {
                        message: "the server ended the stream with finish_reason \"error\"".into(),
                        kind: None,
                        code: None,
                        param: None,
                    }),
                    raw: excerpt(&self.raw_text()),
                    retry_after: None,
                }
                .into());
            }
            _ => {}
        }
        if let Ending::Truncated(reason) = ending {
            return Err(Error::Truncated {
                partial: partial.to_owned(),
                reason: reason.clone(),
            });
        }
        if !a.refusal.trim().is_empty() {
            return Err(Error::Refused {
                refusal: a.refusal.clone(),
            });
        }
        Ok(())
    }

    fn raw_text(&self) -> String {
        let mut raw = String::from_utf8_lossy(&self.raw).into_owned();
        if self.raw_dropped > 0 {
            raw.push_str(&format!("… [{} more bytes]", self.raw_dropped));
        }
        raw
    }

    /// The error for a response asked of a stream that did not complete: `failed` when the
    /// error that ended it was already handed out.
    pub(crate) fn cut_short(&self, failed: bool) -> Error {
        Error::Truncated {
            partial: self.assembled.content.clone(),
            reason: if failed {
                "the error that ended it was already handed out by `next`".into()
            } else {
                "it ended without an answer".into()
            },
        }
    }

    /// The metadata so far around `value`.
    pub(crate) fn response<V>(
        &self,
        value: V,
        repairs: Vec<crate::lenient::Repair>,
    ) -> Response<V> {
        let a = &self.assembled;
        let exchange = self.exchange.as_ref();
        Response {
            value,
            id: a.id.clone(),
            model: a.model.clone(),
            usage: Usage::sum(exchange.and_then(|e| e.usage), a.usage),
            finish_reason: a.finish_reason.clone(),
            raw: self.raw_text(),
            repairs,
            requests: exchange.map_or(0, |e| e.requests),
            mode: self.mode,
            transcript: self.transcript(),
            reasoning: (!a.reasoning.is_empty()).then(|| a.reasoning.clone()),
            sources: a.sources.clone(),
        }
    }

    /// The conversation (the prompt and every tool round) followed by the streamed answer's
    /// turn.
    fn transcript(&self) -> Vec<Message> {
        let mut transcript = self
            .exchange
            .as_ref()
            .map(|e| e.conversation.clone())
            .unwrap_or_default();
        transcript.push(self.answer_turn());
        transcript
    }

    /// The assistant turn the chunks made: its text, its calls and the provider state its
    /// dialect wants back, as an awaited answer keeps it (`AssistantMessage::to_message`), so
    /// that a streamed turn fed back as history loses nothing.
    fn answer_turn(&self) -> Message {
        let a = &self.assembled;
        let mut turn = Message::text(Role::Assistant, a.content.clone());
        turn.tool_calls = a.tool_calls.calls();
        if !a.state.is_empty() {
            turn.state = a.state.clone();
        } else if self.reasoning_content
            && !a.reasoning.is_empty()
            // DeepSeek wants `reasoning_content` back beside tool calls only.
            && !turn.tool_calls.is_empty()
        {
            let mut state = serde_json::Map::new();
            state.insert(
                "reasoning_content".into(),
                serde_json::Value::String(a.reasoning.clone()),
            );
            turn.state = ProviderState::kept(Dialect::ChatCompletions, state);
        }
        turn
    }

    /// What reading the answer must end by: the stream's total deadline.
    pub(crate) fn decode_deadline(&self) -> Option<CallDeadline> {
        self.deadlines.total_at().map(|at| CallDeadline {
            at,
            timeout: self.limits.total,
        })
    }

    /// The answer is usable: the call's new turns join its conversation, if it has one.
    pub(crate) fn keep_turns(&self) {
        if let Some(exchange) = &self.exchange {
            exchange.stage_kept_turns(|| self.answer_turn());
            if let Some(keep) = &exchange.call.keep {
                keep.commit();
            }
        }
    }
}

/// The first round: media resolved for the target (downloads included), then the request.
fn first_round(mut call: Resolved, messages: Vec<Message>) -> Opening {
    Box::pin(async move {
        if call.n().is_some_and(|n| n > 1) {
            return Err(Error::Config(format!(
                "`{}` asks for n > 1 answers, but a stream carries one: remove `n`, or await the call instead of streaming it",
                call.function
            )));
        }
        call.prepare_media(&messages).await?;
        let mut exchange = Exchange::new(std::sync::Arc::new(call), messages);
        let body = exchange.open().await?;
        Ok((exchange, body))
    })
}

/// The SSE decoder of a stream: no event may be larger than the whole body may be.
fn event_decoder(max_body_bytes: usize) -> SseDecoder {
    SseDecoder::with_max_event_bytes(max_body_bytes.min(DEFAULT_MAX_EVENT_BYTES))
}

/// The bytes of text one delta adds to the answer (names counted each time they are sent: an
/// overestimate by a few bytes for servers that repeat them).
fn delta_bytes(delta: &Delta) -> usize {
    let text = |t: &Option<String>| t.as_deref().map_or(0, str::len);
    let function = |f: &WireFunction| text(&f.name) + text(&f.arguments);
    text(&delta.content)
        + text(&delta.refusal)
        + text(&delta.reasoning_content)
        + text(&delta.reasoning)
        + delta
            .tool_calls
            .iter()
            .map(|call| text(&call.id) + function(&call.function))
            .sum::<usize>()
        + delta.function_call.as_ref().map_or(0, function)
}
