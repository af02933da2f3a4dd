//! One exchange with the model server: the conversation so far, and the requests that carry it.
//!
//! An awaited call and a streamed call are two ways of reading the same exchange: both encode
//! the next request here, step down the structured-output ladder here when the server rejects a
//! mode (and learn the step for the model), and run their rounds of tool calls here. Only what
//! they read back differs: one whole body, or a stream of events.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use crate::error::{ApiError, Error, MaxStepsError, Result};
use crate::message::Message;
use crate::plan::RequestPlan;
use crate::response::Usage;
use crate::structured::Mode;
use crate::tool;
use crate::transport::{self, Body, Outgoing, Route};
use crate::wire::dialect::{Dialect, StreamRequest};
use crate::wire::rejection::rejects_stream_usage;

use super::resolve::Resolved;

/// A call's conversation with the server, request after request.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// The call's settings, shared with the concurrent exchanges that fill missing choices.
    pub(crate) call: Arc<Resolved>,
    /// The prompt, then every turn added since: tool rounds, rejected answers and re-asks.
    pub(crate) conversation: Vec<Message>,
    /// The structured-output mode of the next request.
    pub(crate) mode: Option<Mode>,
    /// Rounds of tool calls run so far.
    pub(crate) steps: u32,
    /// Requests sent so far, step-downs included.
    pub(crate) requests: u32,
    /// Token usage summed over every request so far.
    pub(crate) usage: Option<Usage>,
    /// Where in `conversation` the rejected answers and their re-ask feedback are (left out of
    /// a [`Conversation`](crate::Conversation) the call extends).
    pub(crate) reasked: Vec<std::ops::Range<usize>>,
    /// How many answers each request asks for.
    n: Option<u32>,
    /// Modes this exchange saw fail (rejected by the server, or a forced tool left unused):
    /// none is sent again, so the exchange ends in a mode that works or in an error, never in
    /// a loop.
    failed: Vec<Mode>,
}

impl Exchange {
    pub(crate) fn new(call: Arc<Resolved>, conversation: Vec<Message>) -> Self {
        Self {
            mode: call.mode,
            n: call.n(),
            call,
            conversation,
            steps: 0,
            requests: 0,
            usage: None,
            reasked: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// Ask for `n` answers per request instead of what the call says (a refill asks for one).
    pub(crate) fn with_n(mut self, n: Option<u32>) -> Self {
        self.n = n;
        self
    }

    /// How the next request asks for the answer, and where it is found in the reply.
    pub(crate) fn plan(&self) -> Result<RequestPlan<'_>> {
        plan_of(&self.call, self.mode, self.steps)
    }

    /// The next request's body; `stream` for a streamed request.
    pub(crate) fn body(&self, stream: Option<StreamRequest>) -> Result<Vec<u8>> {
        let mut sampling = self.call.sampling();
        sampling.n = self.n;
        self.plan()?.with_cache(self.call.cache(&sampling)).encode(
            self.call.dialect,
            &self.call.model,
            &self.conversation,
            sampling,
            self.call.instruction_at,
            stream,
            self.call.completion_token_limit,
        )
    }

    /// Sends the next request, stepping down the mode ladder while the server rejects the
    /// mode, and returns the body of the first successful answer.
    pub(crate) async fn send(&mut self) -> Result<Bytes> {
        loop {
            let out = self.outgoing(self.body(None)?.into(), false);
            self.requests += 1;
            let answer = transport::send(self.call.client.link(), &out).await?;
            if answer.is_success() {
                return Ok(answer.body);
            }
            if self.step_down(answer.status, &answer.body) {
                continue;
            }
            return Err(ApiError::from_body(answer.status, &answer.body).into());
        }
    }

    /// Opens the next request as a stream, stepping down as [`send`](Self::send) does (and
    /// dropping `stream_options` for servers that reject it), until a success status arrives.
    /// Nothing is sent again once it has: a stream that breaks is reported, never resent.
    pub(crate) async fn open(&mut self) -> Result<Body> {
        let endpoint = self.call.client.endpoint().to_owned();
        let shown_endpoint = self.call.client.shown_endpoint().to_owned();
        // Usage arrives in a last chunk only when asked for; servers that ignore it are fine.
        let mut include_usage = !stream_options_rejected_by(&endpoint)
            && self.call.client.stream_usage_for(&self.call.model);
        loop {
            let body = self.body(Some(StreamRequest { include_usage }))?;
            let out = self.outgoing(body.into(), true);
            self.requests += 1;
            let mut opened = transport::open(self.call.client.link(), &out).await?;
            if (200..300).contains(&opened.status) {
                return Ok(opened.body);
            }
            let error_body = transport::read_all(self.call.client.link(), &mut opened.body).await?;
            if include_usage && rejects_stream_usage(opened.status, &error_body) {
                tracing::debug!(
                    function = self.call.function,
                    endpoint = %shown_endpoint,
                    "the server rejected stream_options; asking again without it"
                );
                remember_stream_options_rejected(&endpoint);
                include_usage = false;
                continue;
            }
            if self.step_down(opened.status, &error_body) {
                continue;
            }
            return Err(ApiError::from_body(opened.status, &error_body).into());
        }
    }

    fn outgoing(&self, body: Bytes, stream: bool) -> Outgoing {
        Outgoing {
            function: self.call.function,
            function_path: self.call.function_path,
            body,
            timeout: self.call.timeout,
            stream,
            structured: self.mode.is_some() || self.call.toolbox.is_some(),
            route: match self.call.dialect {
                Dialect::ChatCompletions => Route::Chat,
                dialect => Route::Native {
                    dialect,
                    path: dialect.path(&self.call.model, stream).into_owned(),
                },
            },
        }
    }

    /// Whether an error answer rejects the current mode, and a lower one is left to try: then
    /// the next request uses it (and later calls to this model, see [`Self::move_to`]).
    fn step_down(&mut self, status: u16, body: &[u8]) -> bool {
        let Some(current) = self.mode else {
            return false;
        };
        if !current.rejected_by(status, &String::from_utf8_lossy(body)) {
            return false;
        }
        self.failed.push(current);
        let mut below = current.step_down();
        while let Some(mode) = below.filter(|mode| self.failed.contains(mode)) {
            below = mode.step_down();
        }
        below.is_some_and(|next| {
            self.move_to(next, "the server rejected the structured-output mode");
            true
        })
    }

    /// `Tool` mode forced the answer tool and the answer called no tool: the server does not
    /// honour the mode (llama-server ignores an object `tool_choice`, and some chat templates
    /// drop the tools, so the model never sees the schema). The next request asks in the best
    /// JSON mode left: `json_schema`, then `json_object`, the first that this exchange has not
    /// seen fail and that the ladder does not skip for this model (it skips the modes above
    /// the one it starts at: those the server rejected, and `response_format` for Claude, whose
    /// OpenAI-compatible endpoint ignores it); else the prompt. Tool mode is never asked for
    /// again in this exchange, and a server that rejects the JSON mode steps down past it.
    /// Whether the answer held the value anyway is the caller's to judge from what it read.
    pub(crate) fn step_down_from_unused_tool(&mut self) -> bool {
        if self.mode != Some(Mode::Tool) {
            return false;
        }
        self.failed.push(Mode::Tool);
        let start = self.ladder_start();
        let next = Mode::LADDER
            .into_iter()
            .skip_while(|mode| *mode != start)
            .find(|mode| *mode != Mode::Tool && !self.failed.contains(mode))
            .unwrap_or(Mode::Prompt);
        self.move_to(
            next,
            "the server answered without calling the forced answer tool",
        );
        true
    }

    /// Where the ladder starts for this call's model: the mode learnt for it, else its
    /// family's default.
    fn ladder_start(&self) -> Mode {
        self.call
            .client
            .learned_mode(&self.call.model)
            .unwrap_or_else(|| self.call.family.default_mode())
    }

    /// Asks in `next` from the next request on. When the mode that failed is the one the
    /// ladder starts at for this model, `next` is learnt: later calls without a mode of their
    /// own start there. A failing mode the call chose elsewhere on the ladder
    /// (`.mode(Mode::Tool)` on a server that ignores forced tools) teaches nothing about where
    /// the ladder starts: learning from it would send every later call to that model a mode
    /// down from one that works.
    fn move_to(&mut self, next: Mode, why: &str) {
        let Some(current) = self.mode else {
            return;
        };
        tracing::debug!(function = self.call.function, model = %self.call.model, from = %current,
            to = %next, "{why}; asking in another mode");
        if current == self.ladder_start() {
            self.call.client.learn_mode(&self.call.model, next);
        }
        self.mode = Some(next);
    }

    /// Records that the turns from `from` on are a rejected answer and its re-ask feedback.
    pub(crate) fn mark_reask(&mut self, from: usize) {
        self.reasked.push(from..self.conversation.len());
    }

    /// Records a usage report of the latest request.
    pub(crate) fn add_usage(&mut self, usage: Option<Usage>) {
        self.usage = Usage::sum(self.usage, usage);
    }

    /// Runs a round of the tool calls in `turn` (an assistant turn): the turn and one result
    /// per call join the conversation, and the results are returned. Past `max_steps` rounds,
    /// [`Error::MaxSteps`] with the whole conversation instead.
    pub(crate) async fn run_tools(&mut self, turn: Message) -> Result<&[Message]> {
        // The call outlives the borrow of `self` that counting the step takes.
        let call = Arc::clone(&self.call);
        let Some(toolbox) = call.toolbox.as_ref() else {
            return Err(Error::Config(
                "a tool round without tools; this is a bug in promptfn".into(),
            ));
        };
        let turn = self.take_step(turn)?;
        let results = tool::run_round(toolbox, &turn.tool_calls, call.timeout).await;
        self.conversation.push(turn);
        let at = self.conversation.len();
        self.conversation.extend(results);
        Ok(&self.conversation[at..])
    }

    /// Carries on a turn the server paused (Anthropic's `pause_turn`, a long turn of its own
    /// tools): the turn joins the conversation as it stands, kept blocks included, and the next
    /// request lets the model continue it
    /// (<https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/server-tools>). It is a
    /// step of the loop, so a server that keeps pausing ends in [`Error::MaxSteps`].
    pub(crate) fn continue_paused(&mut self, turn: Message) -> Result<()> {
        let turn = self.take_step(turn)?;
        self.conversation.push(turn);
        Ok(())
    }

    /// Counts one more step of the loop for `turn`, or ends the call past `max_steps`.
    fn take_step(&mut self, turn: Message) -> Result<Message> {
        if self.steps >= self.call.max_steps {
            let mut transcript = std::mem::take(&mut self.conversation);
            transcript.push(turn);
            return Err(Error::MaxSteps(Box::new(MaxStepsError {
                max_steps: self.call.max_steps,
                transcript,
                usage: self.usage,
            })));
        }
        self.steps += 1;
        Ok(turn)
    }
}

/// The request plan of `call` in `mode`, the `steps`-th request of its tool loop.
pub(crate) fn plan_of(call: &Resolved, mode: Option<Mode>, steps: u32) -> Result<RequestPlan<'_>> {
    Ok(RequestPlan::new(call.plan, mode, call.family)?
        .with_media(&call.media)
        .with_tools(call.toolbox.as_ref(), call.tool_choice.as_ref(), steps))
}

/// Endpoints that rejected `stream_options`: later streams to them go without it.
static NO_STREAM_OPTIONS: Mutex<Option<HashSet<String>>> = Mutex::new(None);

fn stream_options_rejected_by(endpoint: &str) -> bool {
    let known = NO_STREAM_OPTIONS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    known.as_ref().is_some_and(|set| set.contains(endpoint))
}

fn remember_stream_options_rejected(endpoint: &str) {
    let mut known = NO_STREAM_OPTIONS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    known
        .get_or_insert_with(HashSet::new)
        .insert(endpoint.to_owned());
}
