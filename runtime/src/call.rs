//! `Call<T>`: one rendered prompt, its per-call overrides, and the pipeline that turns it into `T`.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use crate::__private::PromptSpec;
use crate::client::Client;
use crate::error::{DecodeError, Error, RejectedAnswer, Result};
use crate::message::{Message, Role};
use crate::output::{Output, OutputPlan};
use crate::params::{Overrides, Sampling};
use crate::plan::RequestPlan;
use crate::response::{FinishReason, Response, Usage};
use crate::structured::{Family, Mode};
use crate::tool::{self, Tool, ToolBox, ToolChoice};
use crate::transport::{self, Outgoing};
use crate::wire::openai::ChatResponse;

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
    /// The tools offered to the model: declared, or replaced per call.
    tools: Vec<Tool>,
    max_steps: Option<u32>,
    tool_choice: Option<ToolChoice>,
    _output: PhantomData<fn() -> T>,
}

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
    pub(crate) fn new(spec: &'static PromptSpec, messages: Vec<Message>) -> Self {
        Self {
            spec,
            messages,
            client: None,
            overrides: Overrides::default(),
            mode: None,
            retries: None,
            timeout: None,
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

    /// How many times to re-ask the model after an undecodable answer.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// The total deadline of each request of this call (and of each tool call it runs).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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
    pub fn request(&self) -> Result<serde_json::Value> {
        let client = self.resolve_client()?;
        let model = self.resolve_model(&client)?;
        let plan = self.spec.output.get::<T>();
        let mode = self.initial_mode(&client, &model, plan);
        let toolbox = ToolBox::new(&self.tools, Family::of(&model))?;
        let choice = self.resolve_tool_choice();
        let req = RequestPlan::new(plan, mode, Family::of(&model))?.with_tools(
            toolbox.as_ref(),
            choice.as_ref(),
            0,
        );
        let body = req.encode(
            &model,
            &self.messages,
            self.sampling(),
            self.instruction_at(),
        )?;
        serde_json::from_slice(&body).map_err(|e| Error::Config(format!("request body: {e}")))
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

    async fn run(self) -> Result<Response<T>> {
        let client = self.resolve_client()?;
        let model = self.resolve_model(&client)?;
        let plan = self.spec.output.get::<T>();
        let family = Family::of(&model);
        let mut mode = self.initial_mode(&client, &model, plan);
        let retries = self
            .retries
            .or(self.spec.decl.retries)
            .unwrap_or(client.default_retries());
        let timeout = self.timeout.unwrap_or(client.timeout());
        let instruction_at = self.instruction_at();
        let sampling = self.sampling();
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

        let mut conversation = self.messages.clone();
        let mut rejected: Vec<RejectedAnswer> = Vec::new();
        let mut usage: Option<Usage> = None;
        let mut requests = 0u32;
        // Rounds of tool calls run so far.
        let mut steps = 0u32;
        loop {
            let req = RequestPlan::new(plan, mode, family)?.with_tools(
                toolbox.as_ref(),
                tool_choice.as_ref(),
                steps,
            );
            let body = req.encode(&model, &conversation, sampling, instruction_at)?;
            requests += 1;
            let out = Outgoing {
                function: self.spec.name,
                body: body.into(),
                timeout,
                stream: false,
            };
            let answer = transport::send(&client, &out).await?;
            if !answer.is_success() {
                let text = String::from_utf8_lossy(&answer.body);
                if let Some(current) = mode
                    && current.rejected_by(answer.status, &text)
                    && let Some(next) = current.step_down()
                {
                    tracing::debug!(function = self.spec.name, %model, from = %current, to = %next,
                        "the server rejected the structured-output mode; stepping down");
                    client.learn_mode(&model, next);
                    mode = Some(next);
                    continue;
                }
                return Err(crate::error::ApiError::from_body(answer.status, &answer.body).into());
            }
            let raw = String::from_utf8_lossy(&answer.body).into_owned();
            let parsed = ChatResponse::parse(&answer.body).map_err(|reason| Error::Protocol {
                reason,
                raw: crate::error::excerpt(&raw),
            })?;
            if let Some(error) = &parsed.error {
                return Err(
                    crate::error::ApiError::from_body(200, error.to_string().as_bytes()).into(),
                );
            }
            usage = Usage::sum(usage, parsed.usage);
            let Some(choice) = parsed.choices.into_iter().next() else {
                return Err(Error::Protocol {
                    reason: "the completion has no choices".into(),
                    raw: crate::error::excerpt(&raw),
                });
            };
            let message = &choice.message;
            let answer_text = req.answer_text(message);
            match &choice.finish_reason {
                Some(FinishReason::Length) => {
                    return Err(Error::Incomplete {
                        partial: answer_text.unwrap_or_default().to_owned(),
                        usage,
                    });
                }
                Some(FinishReason::ContentFilter) => {
                    return Err(Error::ContentFilter {
                        partial: answer_text.unwrap_or_default().to_owned(),
                    });
                }
                _ => {}
            }
            if let Some(refusal) = message.refusal.as_deref().filter(|r| !r.trim().is_empty()) {
                return Err(Error::Refused {
                    refusal: refusal.to_owned(),
                });
            }
            if !T::TOOL_CALLS
                && let Some(toolbox) = &toolbox
                && let Some(turn) = tool::calls_to_run(message, mode)
            {
                if steps >= max_steps {
                    conversation.push(turn);
                    return Err(Error::MaxSteps(Box::new(crate::error::MaxStepsError {
                        max_steps,
                        transcript: conversation,
                        usage,
                    })));
                }
                steps += 1;
                let results = tool::run_round(toolbox, &turn.tool_calls, timeout).await;
                conversation.push(turn);
                conversation.extend(results);
                continue;
            }
            let outcome = if T::TOOL_CALLS {
                tool::take_calls::<T>(toolbox.as_ref(), message)
            } else {
                match answer_text {
                    Some(text) => plan
                        .decode::<T::Item>(text)
                        .map(|(item, repairs)| (T::from_items(vec![item]), repairs)),
                    None => {
                        Err("the model gave no answer (empty content and no tool call)".to_owned())
                    }
                }
            };
            match outcome {
                Ok((value, repairs)) => {
                    let value = value.ok_or_else(|| Error::Protocol {
                        reason: "the completion has no usable choice".into(),
                        raw: crate::error::excerpt(&raw),
                    })?;
                    conversation.push(message.to_message());
                    return Ok(Response {
                        value,
                        id: parsed.id,
                        model: parsed.model,
                        usage,
                        finish_reason: choice.finish_reason,
                        raw,
                        repairs,
                        requests,
                        mode,
                        transcript: conversation,
                    });
                }
                Err(reason) => {
                    let raw_answer = if T::TOOL_CALLS {
                        tool::calls_text(message)
                    } else {
                        answer_text.unwrap_or_default().to_owned()
                    };
                    tracing::debug!(function = self.spec.name, %reason, "undecodable answer");
                    rejected.push(RejectedAnswer {
                        raw: raw_answer,
                        reason: reason.clone(),
                    });
                    if rejected.len() > retries as usize {
                        return Err(DecodeError {
                            type_name: plan.type_name,
                            attempts: rejected,
                        }
                        .into());
                    }
                    if T::TOOL_CALLS {
                        tool::reask_calls(&mut conversation, message, &reason);
                    } else {
                        req.append_reask(&mut conversation, message, &reason);
                    }
                }
            }
        }
    }
}

impl<T: Output> IntoFuture for Call<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.run().await.map(Response::into_value) })
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
        Box::pin(self.0.run())
    }
}
