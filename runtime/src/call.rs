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
    _output: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("function", &self.spec.name)
            .field("messages", &self.messages)
            .field("client", &self.client)
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
            _output: PhantomData,
        }
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

    /// The total deadline of each request of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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
        let body = self.request_body()?;
        serde_json::from_slice(&body).map_err(|e| Error::Config(format!("request body: {e}")))
    }

    /// The first request's body as the bytes that go on the wire.
    pub(crate) fn request_body(&self) -> Result<Vec<u8>> {
        let client = self.resolve_client()?;
        let model = self.resolve_model(&client)?;
        let plan = self.spec.output.get::<T>();
        let mode = self.initial_mode(&client, &model, plan);
        let req = RequestPlan::new(plan, mode, Family::of(&model))?;
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

    /// `keep_raw`: whether the caller wants [`Response::raw`] (a plain `.await` drops it, so it
    /// is not copied out of the body then).
    async fn run(self, keep_raw: bool) -> Result<Response<T>> {
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
        let sampling = Sampling::merge(&self.spec.decl, &self.overrides);

        // The call is consumed: its messages become the conversation without a copy.
        let mut conversation = self.messages;
        let mut rejected: Vec<RejectedAnswer> = Vec::new();
        let mut usage: Option<Usage> = None;
        let mut requests = 0u32;
        loop {
            let req = RequestPlan::new(plan, mode, family)?;
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
            let raw = || String::from_utf8_lossy(&answer.body);
            let parsed = ChatResponse::parse(&answer.body).map_err(|reason| Error::Protocol {
                reason,
                raw: crate::error::excerpt(&raw()),
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
                    raw: crate::error::excerpt(&raw()),
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
            let outcome = match answer_text {
                Some(text) => plan.decode::<T::Item>(text).map(|ok| (ok, text)),
                None => Err("the model gave no answer (empty content and no tool call)".to_owned()),
            };
            match outcome {
                Ok(((item, repairs), _)) => {
                    let value = T::from_items(vec![item]).ok_or_else(|| Error::Protocol {
                        reason: "the completion has no usable choice".into(),
                        raw: crate::error::excerpt(&raw()),
                    })?;
                    return Ok(Response {
                        value,
                        id: parsed.id,
                        model: parsed.model,
                        usage,
                        finish_reason: choice.finish_reason,
                        raw: if keep_raw {
                            raw().into_owned()
                        } else {
                            String::new()
                        },
                        repairs,
                        requests,
                        mode,
                    });
                }
                Err(reason) => {
                    let raw_answer = answer_text.unwrap_or_default().to_owned();
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
                    req.append_reask(&mut conversation, message, &reason);
                }
            }
        }
    }
}

impl<T: Output> IntoFuture for Call<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        // Mapped, not wrapped in an `async` block, so that the boxed future holds the call once.
        Box::pin(futures_util::FutureExt::map(self.run(false), |r| {
            r.map(Response::into_value)
        }))
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
        Box::pin(self.0.run(true))
    }
}
