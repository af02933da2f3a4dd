//! `Call<T>`: one rendered prompt, its per-call overrides, and the pipeline that turns it into `T`.

use std::borrow::Cow;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use tracing::Instrument;

use crate::__private::PromptSpec;
use crate::client::Client;
use crate::error::{DecodeError, Error, RejectedAnswer, Result};
use crate::lenient::Repair;
use crate::media::MediaPolicy;
use crate::message::{Message, Role};
use crate::output::{Output, OutputPlan};
use crate::params::{Overrides, Sampling};
use crate::plan::RequestPlan;
use crate::response::{FinishReason, Response, Usage};
use crate::retry::RetryPolicy;
use crate::structured::{Family, Mode};
use crate::telemetry;
use crate::tool::{self, Tool, ToolBox, ToolChoice};
use crate::transport::{self, Outgoing, TransportOverrides};
use crate::wire::openai::{ChatResponse, Choice};

/// A rendered prompt, ready to send. Await it for `Result<T>`.
///
/// Returned by every `#[prompt]` function. Adjust it before awaiting:
/// `extract(text).client(&client).temperature(0.2).await`.
#[must_use = "a Call does nothing until it is awaited"]
pub struct Call<T> {
    spec: &'static PromptSpec,
    messages: Vec<Message>,
    client: Option<Client>,
    overrides: Overrides,
    mode: Option<Mode>,
    retries: Option<u32>,
    timeout: Option<Duration>,
    validator: Option<Validator>,
    /// Retry policy and deadlines of this call, laid over the client's.
    transport: TransportOverrides,
    media: MediaPolicy,
    /// The tools offered to the model: declared, or replaced per call.
    tools: Vec<Tool>,
    max_steps: Option<u32>,
    tool_choice: Option<ToolChoice>,
    _output: PhantomData<fn() -> T>,
}

/// The return type's [`Validate`](crate::Validate) check, type-erased so that `Call<T>` needs no
/// bound on `T` (a bound would repeat every "not an output type" error on the signature).
pub(crate) type Validator = fn(&dyn std::any::Any) -> std::result::Result<(), String>;

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("function", &self.spec.name)
            .field("messages", &self.messages)
            .field("client", &self.client)
            .field("tools", &self.tools)
            .finish_non_exhaustive()
    }
}

macro_rules! overrides {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $conv:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $name: $ty) -> Self {
            #[allow(clippy::redundant_closure_call)]
            { self.overrides.$name = Some(($conv)($name)); }
            self
        }
    )*};
}

impl<T: Output> Call<T> {
    pub(crate) fn with_validator(mut self, validator: Option<Validator>) -> Self {
        self.validator = validator;
        self
    }

    pub(crate) fn new(spec: &'static PromptSpec, messages: Vec<Message>) -> Self {
        Self {
            spec,
            messages,
            client: None,
            overrides: Overrides::default(),
            mode: None,
            retries: None,
            timeout: None,
            validator: None,
            transport: TransportOverrides::default(),
            media: MediaPolicy::new(),
            tools: Vec::new(),
            max_steps: None,
            tool_choice: None,
            _output: PhantomData,
        }
    }

    /// The tools listed in `#[prompt(tools = [...])]`.
    pub(crate) fn with_declared_tools(mut self, tools: Vec<Tool>) -> Self {
        self.tools = tools;
        self
    }

    /// Send this call through `client` instead of the default client.
    pub fn client(mut self, client: &Client) -> Self {
        self.client = Some(client.clone());
        self
    }

    overrides! {
        /// The model for this call.
        model: impl Into<String> => Into::into;
        /// Sampling temperature (0 to 2).
        temperature: f64 => std::convert::identity;
        /// Nucleus sampling mass (0 to 1).
        top_p: f64 => std::convert::identity;
        /// The most tokens the answer may have.
        max_tokens: u32 => std::convert::identity;
        /// Presence penalty (-2 to 2).
        presence_penalty: f64 => std::convert::identity;
        /// Frequency penalty (-2 to 2).
        frequency_penalty: f64 => std::convert::identity;
        /// Sampling seed, for servers that honour it.
        seed: i64 => std::convert::identity;
        /// An end-user identifier for the provider's abuse monitoring.
        user: impl Into<String> => Into::into;
    }

    /// Up to four sequences at which the model stops.
    pub fn stop<S: Into<String>>(mut self, stop: impl IntoIterator<Item = S>) -> Self {
        self.overrides.stop = Some(stop.into_iter().map(Into::into).collect());
        self
    }

    /// Token biases: `(token id, bias from -100 to 100)`.
    pub fn logit_bias(mut self, bias: impl IntoIterator<Item = (u32, i32)>) -> Self {
        self.overrides.logit_bias = Some(bias.into_iter().collect());
        self
    }

    /// The structured-output mode for this call.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// How many times to re-ask the model after an undecodable answer. (Requests that fail for
    /// transient reasons are retried by the transport: see [`max_attempts`](Self::max_attempts).)
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// The total deadline of each request of this call (and of each tool call it runs), every
    /// transport retry and every wait between attempts included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How this call retries requests that fail for transient reasons (rate limits, overload,
    /// resets, stalls), instead of the client's policy. Not to be confused with
    /// [`retries`](Self::retries), which re-asks the model after an undecodable answer.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.transport.retry_policy = Some(policy);
        self
    }

    /// How many times each request of this call may be sent in all, the first attempt
    /// included (1 turns transport retries off); the rest of the policy is the client's.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.transport.max_attempts = Some(attempts);
        self
    }

    /// The deadline from sending each request of this call to its status line.
    pub fn first_byte_timeout(mut self, timeout: Duration) -> Self {
        self.transport.first_byte_timeout = Some(timeout);
        self
    }

    /// The longest silence allowed between two chunks of a response body for this call.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.transport.idle_timeout = Some(timeout);
        self
    }

    /// How this call sends its media arguments (fields left unset come from the client, then
    /// from the model family).
    pub fn media_policy(mut self, policy: MediaPolicy) -> Self {
        self.media = policy.over(self.media);
        self
    }

    /// Whether media URLs the target only takes inline are downloaded; off, they are an error
    /// before sending.
    pub fn download_media(mut self, on: bool) -> Self {
        self.media = self.media.download(on);
        self
    }

    /// The most bytes one media download of this call may have.
    pub fn max_media_download(mut self, bytes: u64) -> Self {
        self.media = self.media.max_download_bytes(bytes);
        self
    }

    /// The deadline of each media download of this call.
    pub fn media_download_timeout(mut self, timeout: Duration) -> Self {
        self.media = self.media.download_timeout(timeout);
        self
    }

    /// Offer these tools to the model instead of the declared ones (`tools![f, g]`); an empty
    /// list offers none. The call runs the calls the model makes and feeds the results back
    /// until the model answers.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools = tools.into_iter().collect();
        self
    }

    /// The most rounds of tool calls this call runs before failing with
    /// [`Error::MaxSteps`].
    pub fn max_steps(mut self, max_steps: u32) -> Self {
        self.max_steps = Some(max_steps);
        self
    }

    /// Whether and which tools the model must call (a forcing choice applies to the first
    /// request only; see [`ToolChoice`]).
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// The messages this call sends (before any structured-output instruction is added).
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Await the value together with its metadata (usage, finish reason, ids, raw body).
    pub fn with_meta(self) -> WithMeta<T> {
        WithMeta(self)
    }

    /// The chat-completions body this call would send first, without sending it.
    ///
    /// Media is written as it would be sent, except that nothing is downloaded: a URL the call
    /// would download is an error here.
    pub fn request(&self) -> Result<serde_json::Value> {
        let body = self.request_body()?;
        serde_json::from_slice(&body).map_err(|e| Error::Config(format!("request body: {e}")))
    }

    /// The first request's body as the bytes that go on the wire.
    pub(crate) fn request_body(&self) -> Result<Vec<u8>> {
        let client = self.resolve_client()?;
        let model = self.resolve_model(&client)?;
        let plan = self.spec.output.get::<T>();
        let mode = self.initial_mode(&client, &model, plan);
        let media = crate::media::prepare_offline(&self.messages, &model, self.media, &client)?;
        let toolbox = ToolBox::new(&self.tools, Family::of(&model))?;
        let choice = self.resolve_tool_choice();
        let req = RequestPlan::new(plan, mode, Family::of(&model))?
            .with_media(&media)
            .with_tools(toolbox.as_ref(), choice.as_ref(), 0);
        req.encode(
            &model,
            &self.messages,
            self.sampling(),
            self.instruction_at(),
        )
    }

    fn sampling(&self) -> Sampling<'_> {
        Sampling::merge(&self.spec.decl, &self.overrides)
    }

    /// Per call > declared.
    fn resolve_tool_choice(&self) -> Option<ToolChoice> {
        self.tool_choice
            .clone()
            .or_else(|| self.spec.decl.tool_choice.map(ToolChoice::from))
    }

    fn resolve_client(&self) -> Result<Client> {
        match &self.client {
            Some(c) => Ok(c.clone()),
            None => Client::default_client(),
        }
        .map(|c| c.with_overrides(&self.transport))
    }

    fn resolve_model(&self, client: &Client) -> Result<String> {
        self.overrides
            .model
            .as_deref()
            .or(self.spec.decl.model)
            .or(client.model())
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::Config(format!(
                    "no model for `{}`: write `model = \"…\"` in its #[prompt], call `.model(…)`, \
                     give the client a default with `Client::builder().model(…)`, or set PROMPTFN_MODEL",
                    self.spec.name
                ))
            })
    }

    /// Explicit (call > function > client), else learnt for this model, else the family default.
    fn initial_mode(&self, client: &Client, model: &str, plan: &OutputPlan) -> Option<Mode> {
        plan.json()?;
        Some(
            self.mode
                .or(self.spec.decl.mode)
                .or(client.default_mode())
                .or_else(|| client.learned_mode(model))
                .unwrap_or_else(|| Family::of(model).default_mode()),
        )
    }

    /// The structured-output instruction goes at the end of the last user message.
    fn instruction_at(&self) -> Option<usize> {
        self.messages
            .iter()
            .rposition(|m| m.role == Role::User)
            .or(self.messages.len().checked_sub(1))
    }

    /// [`run`](Self::run) inside a `promptfn.call` span that records the outcome.
    ///
    /// `transcript` says whether the caller reads [`Response::transcript`]; a plain `.await`
    /// does not, and then the conversation is neither copied nor extended on success.
    async fn run_traced(self, transcript: bool) -> Result<Response<T>> {
        // Client and model are resolved once: the span names the model, the request uses both.
        let resolved = self.resolve_client().and_then(|client| {
            let model = self.resolve_model(&client)?;
            Ok((client, model))
        });
        let span = telemetry::call_span(
            self.spec.name,
            resolved.as_ref().ok().map(|(_, model)| model.as_str()),
        );
        let content = resolved
            .as_ref()
            .is_ok_and(|(client, _)| client.trace_content());
        if content {
            telemetry::record_prompt(&span, &self.messages);
        }
        let started = telemetry::start_timing(&span);
        let result = match resolved {
            // Traced content is read from the transcript.
            Ok((client, model)) => {
                self.run(client, model, transcript || content)
                    .instrument(span.clone())
                    .await
            }
            Err(error) => Err(error),
        };
        let latency = started.map(|started| started.elapsed());
        telemetry::record_outcome(&span, &result, latency, content);
        result
    }

    async fn run(self, client: Client, model: String, transcript: bool) -> Result<Response<T>> {
        let declared_n = self.overrides.n.or(self.spec.decl.n);
        // `Choices<T>` wants `n` answers; anything else wants one, whatever `n` says.
        let want = if T::CHOICES {
            declared_n.unwrap_or(1).max(1) as usize
        } else {
            1
        };
        let mut response = self
            .answer(&client, &model, declared_n, want, transcript)
            .await?;
        if response.value.len() < want {
            // The server gave fewer choices than asked (llama.cpp ignores `n`): fill the rest
            // with single-answer requests, concurrently.
            let missing = want - response.value.len();
            let fills = futures_util::future::join_all(
                (0..missing).map(|_| self.answer(&client, &model, None, 1, false)),
            )
            .await;
            for fill in fills {
                let fill = fill?;
                response.usage = Usage::sum(response.usage, fill.usage);
                response.requests += fill.requests;
                response.repairs.extend(fill.repairs);
                if let (Gathered::Items(items), Gathered::Items(more)) =
                    (&mut response.value, fill.value)
                {
                    items.extend(more);
                }
            }
        }
        let value = match std::mem::replace(&mut response.value, Gathered::Items(Vec::new())) {
            Gathered::Whole(whole) => Some(whole),
            Gathered::Items(items) => T::from_items(items),
        };
        let Some(value) = value else {
            return Err(Error::Protocol {
                reason: "the completion has no usable choice".into(),
                raw: crate::error::excerpt(&response.raw),
            });
        };
        Ok(response.map(|_| value))
    }

    /// One answer (or, for `want > 1`, up to `want` answers from the choices of one completion),
    /// re-asking the model while its output cannot be decoded.
    async fn answer(
        &self,
        client: &Client,
        model: &str,
        n: Option<u32>,
        want: usize,
        transcript: bool,
    ) -> Result<Response<Gathered<T>>> {
        let plan = self.spec.output.get::<T>();
        let family = Family::of(model);
        let mut mode = self.initial_mode(client, model, plan);
        let retries = self
            .retries
            .or(self.spec.decl.retries)
            .unwrap_or(client.default_retries());
        let timeout = self.timeout.unwrap_or(client.timeout());
        let instruction_at = self.instruction_at();
        let mut sampling = self.sampling();
        sampling.n = n;
        let media = crate::media::prepare(&self.messages, model, self.media, client).await?;
        let toolbox = ToolBox::new(&self.tools, family)?;
        let tool_choice = self.resolve_tool_choice();
        let max_steps = self
            .max_steps
            .or(self.spec.decl.max_steps)
            .unwrap_or(client.default_max_steps());
        if T::TOOL_CALLS && toolbox.is_none() {
            return Err(Error::Config(format!(
                "`{}` returns the model's tool calls but offers no tools: list them in \
                 #[prompt(tools = [...])] or with `.tools(tools![...])`",
                self.spec.name
            )));
        }

        // Copied only once a re-ask or a tool round adds to it, or a transcript is wanted.
        let mut conversation: Cow<'_, [Message]> = Cow::Borrowed(&self.messages);
        let mut rejected: Vec<RejectedAnswer> = Vec::new();
        let mut usage: Option<Usage> = None;
        let mut requests = 0u32;
        // Rounds of tool calls run so far.
        let mut steps = 0u32;
        loop {
            let req = RequestPlan::new(plan, mode, family)?
                .with_media(&media)
                .with_tools(toolbox.as_ref(), tool_choice.as_ref(), steps);
            let body = req.encode(model, &conversation, sampling, instruction_at)?;
            requests += 1;
            let out = Outgoing {
                function: self.spec.name,
                body: body.into(),
                timeout,
                stream: false,
            };
            let answer = transport::send(client, &out).await?;
            if !answer.is_success() {
                let text = String::from_utf8_lossy(&answer.body);
                if let Some(current) = mode
                    && current.rejected_by(answer.status, &text)
                    && let Some(next) = current.step_down()
                {
                    tracing::debug!(function = self.spec.name, %model, from = %current, to = %next,
                        "the server rejected the structured-output mode; stepping down");
                    client.learn_mode(model, next);
                    mode = Some(next);
                    continue;
                }
                return Err(crate::error::ApiError::from_body(answer.status, &answer.body).into());
            }
            let (raw, parsed) = ChatResponse::parse_body(answer.body.into());
            let parsed = parsed.map_err(|reason| Error::Protocol {
                reason,
                raw: crate::error::excerpt(&raw),
            })?;
            if let Some(error) = &parsed.error {
                return Err(
                    crate::error::ApiError::from_body(200, error.to_string().as_bytes()).into(),
                );
            }
            usage = Usage::sum(usage, parsed.usage);
            if parsed.choices.is_empty() {
                return Err(Error::Protocol {
                    reason: "the completion has no choices".into(),
                    raw: crate::error::excerpt(&raw),
                });
            }

            let first = &parsed.choices[0];
            let answer_text = req.answer_text(&first.message);
            if let Some(fatal) = fatal_finish(first, answer_text, usage) {
                return Err(fatal);
            }

            tool::check_call_count(&first.message, client.max_tool_calls()).map_err(|reason| {
                Error::Protocol {
                    reason,
                    raw: crate::error::excerpt(&raw),
                }
            })?;
            // A round of tool calls: run them, hand the results back, ask again.
            if !T::TOOL_CALLS
                && let Some(toolbox) = &toolbox
                && let Some(turn) = tool::calls_to_run(&first.message, mode)
            {
                if steps >= max_steps {
                    let mut conversation = conversation.into_owned();
                    conversation.push(turn);
                    return Err(Error::MaxSteps(Box::new(crate::error::MaxStepsError {
                        max_steps,
                        transcript: conversation,
                        usage,
                    })));
                }
                steps += 1;
                let results = tool::run_round(toolbox, &turn.tool_calls, timeout).await;
                let conversation = conversation.to_mut();
                conversation.push(turn);
                conversation.extend(results);
                continue;
            }

            // Manual mode: the requested calls are the answer.
            if T::TOOL_CALLS {
                match tool::take_calls::<T>(toolbox.as_ref(), &first.message) {
                    Ok((whole, repairs)) => {
                        let whole = whole.ok_or_else(|| Error::Protocol {
                            reason: "the completion has no usable choice".into(),
                            raw: crate::error::excerpt(&raw),
                        })?;
                        let transcript = finished(conversation, &first.message, transcript);
                        let finish_reason = first.finish_reason.clone();
                        let reasoning = first.message.reasoning_text().map(str::to_owned);
                        return Ok(Response {
                            value: Gathered::Whole(whole),
                            id: parsed.id,
                            model: parsed.model,
                            usage,
                            finish_reason,
                            raw,
                            repairs,
                            requests,
                            mode,
                            transcript,
                            reasoning,
                        });
                    }
                    Err(reason) => {
                        tracing::debug!(function = self.spec.name, %reason, "unusable tool calls");
                        rejected.push(RejectedAnswer {
                            raw: crate::error::excerpt(&tool::calls_text(&first.message)),
                            reason: reason.clone(),
                        });
                        if rejected.len() > retries as usize {
                            return Err(DecodeError {
                                type_name: plan.type_name,
                                attempts: rejected,
                            }
                            .into());
                        }
                        tool::reask_calls(conversation.to_mut(), &first.message, &reason);
                        continue;
                    }
                }
            }

            let mut items = Vec::new();
            let mut repairs = Vec::new();
            let mut first_rejection: Option<(usize, String)> = None;
            let mut first_fatal: Option<Error> = None;
            for (i, choice) in parsed.choices.iter().take(want).enumerate() {
                match self.judge(&req, plan, choice, usage) {
                    Ok(Verdict::Value(item, fixed)) => {
                        items.push(item);
                        repairs.extend(fixed);
                    }
                    Ok(Verdict::Reask(reason)) => {
                        first_rejection.get_or_insert((i, reason));
                    }
                    Err(fatal) => {
                        first_fatal.get_or_insert(fatal);
                    }
                }
            }
            if !items.is_empty() {
                let transcript = finished(conversation, &first.message, transcript);
                let finish_reason = first.finish_reason.clone();
                let reasoning = first.message.reasoning_text().map(str::to_owned);
                return Ok(Response {
                    value: Gathered::Items(items),
                    id: parsed.id,
                    model: parsed.model,
                    usage,
                    finish_reason,
                    raw,
                    repairs,
                    requests,
                    mode,
                    transcript,
                    reasoning,
                });
            }
            if let Some(fatal) = first_fatal {
                return Err(fatal);
            }
            let Some((index, reason)) = first_rejection else {
                continue;
            };
            let message = &parsed.choices[index].message;
            tracing::debug!(function = self.spec.name, %reason, "undecodable answer");
            rejected.push(RejectedAnswer {
                raw: crate::error::excerpt(req.answer_text(message).unwrap_or_default()),
                reason: reason.clone(),
            });
            if rejected.len() > retries as usize {
                return Err(DecodeError {
                    type_name: plan.type_name,
                    attempts: rejected,
                }
                .into());
            }
            req.append_reask(conversation.to_mut(), message, &reason);
        }
    }

    /// Decide what one choice is worth: a value, a reason to re-ask, or an error that
    /// re-asking cannot fix (token limit, content filter, refusal).
    fn judge(
        &self,
        req: &RequestPlan<'_>,
        plan: &OutputPlan,
        choice: &Choice,
        usage: Option<Usage>,
    ) -> Result<Verdict<T::Item>> {
        let answer_text = req.answer_text(&choice.message);
        if let Some(fatal) = fatal_finish(choice, answer_text, usage) {
            return Err(fatal);
        }
        let Some(text) = answer_text else {
            return Ok(Verdict::Reask(
                "the model gave no answer (empty content and no tool call)".to_owned(),
            ));
        };
        Ok(match plan.decode::<T::Item>(text) {
            Err(reason) => Verdict::Reask(reason),
            Ok((item, repairs)) => {
                match self.validator.map_or(Ok(()), |validate| validate(&item)) {
                    Ok(()) => Verdict::Value(item, repairs),
                    Err(why) => Verdict::Reask(format!("the value is not valid: {why}")),
                }
            }
        })
    }
}

/// The transcript of a successful call: the conversation and the model's final turn, or
/// nothing when the caller does not read it.
fn finished(
    conversation: Cow<'_, [Message]>,
    last: &crate::wire::openai::AssistantMessage,
    wanted: bool,
) -> Vec<Message> {
    if !wanted {
        return Vec::new();
    }
    let mut transcript = match conversation {
        Cow::Owned(owned) => owned,
        Cow::Borrowed(messages) => {
            let mut copy = Vec::with_capacity(messages.len() + 1);
            copy.extend_from_slice(messages);
            copy
        }
    };
    transcript.push(last.to_message());
    transcript
}

/// The error a choice's ending makes final, whatever its content: the token limit, the content
/// filter, a provider-side error, a refusal.
fn fatal_finish(choice: &Choice, answer_text: Option<&str>, usage: Option<Usage>) -> Option<Error> {
    let partial = || answer_text.unwrap_or_default().to_owned();
    match &choice.finish_reason {
        Some(FinishReason::Length) => {
            return Some(Error::Incomplete {
                partial: partial(),
                usage,
            });
        }
        Some(FinishReason::ContentFilter) => {
            return Some(Error::ContentFilter { partial: partial() });
        }
        // OpenRouter and others end a choice with "error" when the upstream failed mid-answer.
        Some(FinishReason::Other(reason)) if reason == "error" => {
            return Some(Error::Protocol {
                reason: "the provider ended the answer with finish_reason \"error\"".into(),
                raw: crate::error::excerpt(answer_text.unwrap_or_default()),
            });
        }
        _ => {}
    }
    let refusal = choice
        .message
        .refusal
        .as_deref()
        .filter(|r| !r.trim().is_empty())?;
    Some(Error::Refused {
        refusal: refusal.to_owned(),
    })
}

/// What [`Call::answer`] gathered: decoded choices, or (manual tool mode) the whole value.
enum Gathered<T: Output> {
    Items(Vec<T::Item>),
    Whole(T),
}

impl<T: Output> Gathered<T> {
    fn len(&self) -> usize {
        match self {
            Self::Items(items) => items.len(),
            Self::Whole(_) => 1,
        }
    }
}

/// What one choice of a completion is worth.
enum Verdict<I> {
    /// A decoded (and valid) value, with the repairs it took.
    Value(I, Vec<Repair>),
    /// Why the model should be asked again.
    Reask(String),
}

impl<T: Output> Call<T> {
    /// Stream the answer as the model writes it, instead of awaiting it whole.
    ///
    /// A `String` function gives a [`TextStream`](crate::TextStream) of text deltas; a
    /// `Vec<T>` function an [`ItemStream`](crate::ItemStream) of items, each handed out as soon
    /// as its JSON is complete. Nothing is sent until the stream is polled; dropping it cancels
    /// the request. The model is not re-asked mid-stream (`retries` does not apply).
    pub fn stream(self) -> T::Stream
    where
        T: crate::stream::Streamable,
    {
        T::open(self)
    }

    /// What a streamed request needs, resolved as an awaited call resolves it.
    pub(crate) fn prepare_stream(self) -> Result<crate::stream::Prepared> {
        let client = self.resolve_client()?;
        let model = self.resolve_model(&client)?;
        let spec: &'static PromptSpec = self.spec;
        let plan = spec.output.get::<T>();
        let mode = self.initial_mode(&client, &model, plan);
        let timeout = self.timeout.unwrap_or(client.timeout());
        let instruction_at = self.instruction_at();
        Ok(crate::stream::Prepared {
            client,
            model,
            plan,
            mode,
            timeout,
            function: spec.name,
            messages: self.messages,
            instruction_at,
            decl: &spec.decl,
            overrides: self.overrides,
            media: self.media,
        })
    }
}

impl<T: Output> IntoFuture for Call<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.run_traced(false).await.map(Response::into_value) })
    }
}

/// A [`Call`] that yields [`Response<T>`]: the value with usage, finish reason, ids and raw body.
#[must_use = "WithMeta does nothing until it is awaited"]
#[derive(Debug)]
pub struct WithMeta<T>(Call<T>);

impl<T: Output> IntoFuture for WithMeta<T> {
    type Output = Result<Response<T>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Response<T>>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.0.run_traced(true))
    }
}
