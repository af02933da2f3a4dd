//! Resolving a call once: every setting taken from the call, the declaration, the client or the
//! model family, in that order, into the one value the exchange reads.

use std::borrow::Cow;
use std::time::Duration;

use crate::cache::{CacheRequest, StablePrefix};
use crate::client::Client;
use crate::conversation::Keep;
use crate::error::{Error, Result};
use crate::media::{MediaPolicy, ResolvedMedia};
use crate::message::{Message, Role};
use crate::model_family::ModelFamily;
use crate::output::{Output, OutputPlan};
use crate::params::{Overrides, Sampling};
use crate::spec::Decl;
use crate::structured::Mode;
use crate::tool::{ToolBox, ToolChoice};

use crate::wire::dialect::Dialect;

use super::{Call, Validator};

/// Everything a call's requests need, resolved once: client, model, output plan and mode,
/// sampling, media, tools, deadlines and re-asks.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) function: &'static str,
    /// The function's path (`app::Planner::run`), for test doubles.
    pub(crate) function_path: &'static str,
    pub(crate) client: Client,
    /// Borrowed when it is the declared one (most calls), so that resolving allocates nothing
    /// for it.
    pub(crate) model: Cow<'static, str>,
    pub(crate) family: ModelFamily,
    /// The wire dialect the model is spoken to in.
    pub(crate) dialect: Dialect,
    /// The model takes its token limit only as `max_completion_tokens` (from the profile).
    pub(crate) completion_token_limit: bool,
    pub(crate) plan: &'static OutputPlan,
    /// The structured-output mode the first request uses (`None` for text).
    pub(crate) mode: Option<Mode>,
    decl: &'static Decl,
    /// The call's own sampling settings (`None`: it sets none).
    overrides: Option<Box<Overrides>>,
    /// How many times an unusable answer is asked for again.
    pub(crate) retries: u32,
    /// The total deadline of each request (and of each tool call).
    pub(crate) timeout: Duration,
    /// The conversation's media, in the form the target takes.
    pub(crate) media: ResolvedMedia,
    media_policy: MediaPolicy,
    pub(crate) toolbox: Option<ToolBox>,
    pub(crate) tool_choice: Option<ToolChoice>,
    pub(crate) max_steps: u32,
    /// The message the structured-output instruction is appended to.
    pub(crate) instruction_at: Option<usize>,
    pub(crate) validator: Option<Validator>,
    /// The conversation the call's new turns join when it succeeds.
    pub(crate) keep: Option<Keep>,
    /// Where the prompt's stable prefix ends, and how many messages the call began with.
    stable_prefix: Option<StablePrefix>,
    prompt_messages: usize,
}

impl Resolved {
    /// The sampling parameters: per call, else declared.
    pub(crate) fn sampling(&self) -> Sampling<'_> {
        Sampling::merge(self.decl, self.overrides())
    }

    /// How many answers each request asks for: [`sampling`](Self::sampling)'s `n`, read
    /// without merging every other parameter (a merge costs a few hundred instructions).
    pub(crate) fn n(&self) -> Option<u32> {
        Sampling::n_of(self.decl, self.overrides())
    }

    fn overrides(&self) -> &Overrides {
        self.overrides.as_deref().unwrap_or(Overrides::NONE)
    }

    /// The caching request, when `sampling` (this call's, as the request sends it) turns
    /// caching on.
    pub(crate) fn cache(&self, sampling: &Sampling<'_>) -> Option<CacheRequest<'_>> {
        sampling.cache.then_some(CacheRequest {
            key: self.function,
            prefix: self.stable_prefix,
            prompt_messages: self.prompt_messages,
        })
    }

    /// Resolve the conversation's media for the target, downloading what it needs inline.
    pub(crate) async fn prepare_media(&mut self, messages: &[Message]) -> Result<()> {
        let policy = self.media_policy_for_model();
        self.media =
            crate::media::prepare(messages, &self.model, policy, self.client.downloader()).await?;
        Ok(())
    }

    /// [`prepare_media`](Self::prepare_media) without downloading: a URL that would be
    /// downloaded is an error.
    pub(crate) fn prepare_media_offline(&mut self, messages: &[Message]) -> Result<()> {
        let policy = self.media_policy_for_model();
        self.media = crate::media::prepare_offline(messages, &self.model, policy)?;
        Ok(())
    }

    /// The call's media policy laid over the client's for the model.
    fn media_policy_for_model(&self) -> MediaPolicy {
        self.media_policy
            .over(self.client.media_policy(&self.model))
    }
}

impl<T: Output> Call<T> {
    /// Resolves the call's settings (media is left for [`Resolved::prepare_media`]) and hands
    /// over its messages.
    pub(crate) fn resolve(mut self) -> Result<(Resolved, Vec<Message>)> {
        let client = self.take_client()?;
        let model = self.resolve_model(&client)?;
        let resolved = self.resolve_with(client, model)?;
        Ok((resolved, self.messages))
    }

    /// [`resolve`](Self::resolve) with client and model already known.
    pub(crate) fn resolve_with(
        &self,
        client: Client,
        model: Cow<'static, str>,
    ) -> Result<Resolved> {
        let (name, decl) = (self.origin.name(), self.origin.decl());
        let plan = self.origin.plan::<T>();
        let family = ModelFamily::of(&model);
        let mode = self.initial_mode(&client, &model, plan, family);
        let toolbox = ToolBox::new(&self.tools, family)?;
        if T::TOOL_CALLS && toolbox.is_none() {
            return Err(Error::Config(format!(
                "`{}` returns the model's tool calls but offers no tools: list them in \
                 #[prompt(tools = [...])] or with `.tools(tools![...])`",
                name
            )));
        }
        Ok(Resolved {
            function: name,
            function_path: self.origin.path(),
            retries: self
                .retries
                .or(decl.retries)
                .unwrap_or(client.default_retries()),
            timeout: self.timeout.unwrap_or(client.timeout()),
            max_steps: self
                .max_steps
                .or(decl.max_steps)
                .unwrap_or(client.default_max_steps()),
            tool_choice: self
                .tool_choice
                .clone()
                .or_else(|| decl.tool_choice.map(ToolChoice::from)),
            instruction_at: instruction_at(&self.messages),
            decl,
            overrides: self.overrides.clone(),
            media: ResolvedMedia::default(),
            media_policy: self.media,
            validator: self.validator,
            keep: self.keep.clone(),
            stable_prefix: self.stable_prefix,
            prompt_messages: self.messages.len(),
            toolbox,
            dialect: client.dialect_of(&model),
            completion_token_limit: client.wants_completion_token_limit(&model),
            client,
            model,
            family,
            plan,
            mode,
        })
    }

    /// The call's client (the default one unless `.client()` named one), with this call's
    /// transport settings laid over it.
    pub(crate) fn resolve_client(&self) -> Result<Client> {
        Client::for_call(self.client.clone(), &self.transport)
    }

    /// [`resolve_client`](Self::resolve_client) for a call about to run: its client is taken
    /// out of it rather than copied (each copy of a client, shared by every call, is an atomic
    /// update that concurrent calls contend for).
    pub(crate) fn take_client(&mut self) -> Result<Client> {
        Client::for_call(self.client.take(), &self.transport)
    }

    /// Per call > declared > the client's default.
    pub(crate) fn resolve_model(&self, client: &Client) -> Result<Cow<'static, str>> {
        let per_call = self.overrides.as_ref().and_then(|o| o.model.as_deref());
        per_call
            .map(|model| Cow::Owned(model.to_owned()))
            .or_else(|| self.origin.decl().model.map(Cow::Borrowed))
            .or_else(|| client.model().map(|model| Cow::Owned(model.to_owned())))
            .ok_or_else(|| {
                Error::Config(format!(
                    "no model for `{}`: write `model = \"…\"` in its #[prompt], call `.model(…)`, \
                     give the client a default with `Client::builder().model(…)`, or set PROMPTFN_MODEL",
                    self.origin.name()
                ))
            })
    }

    /// Explicit (call > function > client), else learnt for this model, else the family default.
    fn initial_mode(
        &self,
        client: &Client,
        model: &str,
        plan: &OutputPlan,
        family: ModelFamily,
    ) -> Option<Mode> {
        plan.json()?;
        Some(
            self.chosen_mode(client)
                .or_else(|| client.learned_mode(model))
                .unwrap_or_else(|| family.default_mode()),
        )
    }

    /// The mode the call, its function or its client chose, if any.
    fn chosen_mode(&self, client: &Client) -> Option<Mode> {
        self.mode
            .or(self.origin.decl().mode)
            .or(client.default_mode())
    }
}

/// The structured-output instruction goes at the end of the last user message.
fn instruction_at(messages: &[Message]) -> Option<usize> {
    messages
        .iter()
        .rposition(|m| m.role == Role::User)
        .or(messages.len().checked_sub(1))
}
