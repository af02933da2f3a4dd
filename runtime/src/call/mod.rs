//! `Call<T>`: one rendered prompt, its per-call overrides, and the pipeline that turns it into `T`.
//!
//! Inside: `resolve` turns a call into the one value its requests read, `exchange` holds the
//! conversation with the server and sends, steps down and runs tool rounds for both ways of
//! reading it, `answer` is the awaited way (the streamed one is the stream module), and `traced`
//! runs an awaited call inside its span.

mod answer;
mod assembled;
mod exchange;
mod origin;
mod resolve;
mod traced;

pub(crate) use exchange::Exchange;
pub(crate) use resolve::Resolved;

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::cache::StablePrefix;
use crate::client::Client;
use crate::conversation::Keep;
use crate::error::{Error, Result};
use crate::media::MediaPolicy;
use crate::message::Message;
use crate::output::Output;
use crate::params::Overrides;
use crate::reasoning::Reasoning;
use crate::response::Response;
use crate::spec::PromptSpec;
use crate::structured::Mode;
use crate::telemetry::CallTrace;
use crate::tool::{Tool, ToolChoice};
use crate::transport::TransportOverrides;
use crate::web_search::WebSearch;
use answer::Reads;
use origin::Origin;
use traced::Traced;

/// A rendered prompt, ready to send. Await it for `Result<T>`.
///
/// Returned by every `#[prompt]` function. Adjust it before awaiting:
/// `extract(text).client(&client).temperature(0.2).await`.
#[must_use = "a Call does nothing until it is awaited"]
pub struct Call<T> {
    origin: Origin,
    messages: Vec<Message>,
    /// Where a declared history parameter ends in `messages`: a conversation goes there.
    declared_history: Option<usize>,
    /// Where [`conversation`](Self::conversation) put its history: `(index, length)`.
    history: Option<(usize, usize)>,
    /// The conversation this call's new turns join when it succeeds.
    keep: Option<Keep>,
    client: Option<Client>,
    /// Boxed, and absent until a setter needs it: a call is moved several times on its way to
    /// the network, and most calls override nothing.
    overrides: Option<Box<Overrides>>,
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
    /// Where the template's first parameter is (for prompt caching).
    stable_prefix: Option<StablePrefix>,
    /// How the call runs when awaited.
    awaited: Awaited<T>,
    _output: PhantomData<fn() -> T>,
}

/// How an awaited call runs, set by [`Call::new`], where `T: Output` is known, so that awaiting
/// needs no bound on `T`: with one, a return type that cannot be decoded would be reported
/// first as "`Call<T>` is not a future", before the error that says what it lacks.
///
/// One runner per reading, so that each is a single boxed future (a value read from a
/// [`Response`] in a second boxed future would cost an allocation per call).
struct Awaited<T> {
    /// `.await`: the value alone.
    value: fn(Call<T>) -> Running<T>,
    /// `.with_meta().await`: the whole [`Response`].
    with_meta: fn(Call<T>) -> Running<Response<T>>,
}

/// A call on its way to `R`.
type Running<R> = Pin<Box<dyn Future<Output = Result<R>> + Send>>;

/// The return type's [`Validate`](crate::Validate) check, type-erased so that `Call<T>` needs no
/// bound on `T` (a bound would repeat every "not an output type" error on the signature).
pub(crate) type Validator = fn(&dyn std::any::Any) -> std::result::Result<(), String>;

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("function", &self.origin.name())
            .field("messages", &self.messages)
            .field("client", &self.client)
            .field("tools", &self.tools)
            .finish_non_exhaustive()
    }
}

/// What a declared function's rendering gives its call besides the declaration.
pub(crate) struct Declared {
    pub(crate) messages: Vec<Message>,
    pub(crate) tools: Vec<Tool>,
    pub(crate) stable_prefix: Option<StablePrefix>,
    pub(crate) history_end: Option<usize>,
    /// The return type's [`Validate`](crate::Validate) check, when it has one.
    pub(crate) validator: Option<Validator>,
}

macro_rules! overrides {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $conv:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $name: $ty) -> Self {
            #[allow(clippy::redundant_closure_call)]
            { self.overrides.get_or_insert_default().$name = Some(($conv)($name)); }
            self
        }
    )*};
}

impl<T: Output> Call<T> {
    pub(crate) fn with_validator(mut self, validator: Option<Validator>) -> Self {
        self.validator = validator;
        self
    }

    /// The call of a declared function: its rendered `messages`, where a declared `history`
    /// parameter's turns end in them, the declared tools, where the template's first parameter
    /// is (for prompt caching) and the return type's check. Built in one go: a call is
    /// hundreds of bytes, and each builder step would move it.
    pub(crate) fn new(spec: &'static PromptSpec, declared: Declared) -> Self {
        let mut call = Self::with_origin(Origin::Declared(spec), declared.messages);
        call.declared_history = declared.history_end;
        call.tools = declared.tools;
        call.stable_prefix = declared.stable_prefix;
        call.validator = declared.validator;
        call
    }

    fn with_origin(origin: Origin, messages: Vec<Message>) -> Self {
        Self {
            origin,
            messages,
            declared_history: None,
            history: None,
            keep: None,
            client: None,
            overrides: None,
            mode: None,
            retries: None,
            timeout: None,
            validator: None,
            transport: TransportOverrides::default(),
            media: MediaPolicy::new(),
            tools: Vec::new(),
            max_steps: None,
            tool_choice: None,
            stable_prefix: None,
            awaited: Awaited {
                value: |call| call.run_traced(Reads::VALUE, Response::into_value),
                with_meta: |call| call.run_traced(Reads::EVERYTHING, std::convert::identity),
            },
            _output: PhantomData,
        }
    }
}

// The settings ask nothing of `T`: with a bound, a return type that cannot be decoded would be
// reported at every setter a caller chains, before the error that says what the type lacks.
impl<T> Call<T> {
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
        /// An end-user identifier for the provider's abuse monitoring (`end_user = "…"` in
        /// `#[prompt]`; the request's `user` field).
        end_user: impl Into<String> => Into::into;
        /// Mark the prompt's stable prefix (tool definitions, system text, few-shot turns, the
        /// template up to its first parameter) as cacheable: Anthropic `cache_control`
        /// breakpoints, OpenAI `prompt_cache_key`; nothing where the provider caches by itself.
        /// `#[prompt(cache = true)]` declares it.
        cache: bool => std::convert::identity;
        /// How much the model reasons before answering (Anthropic thinking budget, Gemini
        /// `thinkingConfig`, OpenAI `reasoning_effort`); `#[prompt(reasoning = "…")]` declares it.
        reasoning: Reasoning => std::convert::identity;
        /// Let the model search the web before it answers (`true`, or a [`WebSearch`] with its
        /// options): chat-completions `web_search_options`, the Responses `web_search` tool,
        /// Gemini `google_search` grounding, Anthropic's `web_search` server tool. The pages
        /// it cites are in [`Response::sources`](crate::Response::sources);
        /// `#[prompt(web_search = true)]` declares it.
        web_search: impl Into<WebSearch> => Into::into;
    }

    /// Up to four sequences at which the model stops.
    pub fn stop<S: Into<String>>(mut self, stop: impl IntoIterator<Item = S>) -> Self {
        self.overrides.get_or_insert_default().stop =
            Some(stop.into_iter().map(Into::into).collect());
        self
    }

    /// Token biases: `(token id, bias from -100 to 100)`.
    pub fn logit_bias(mut self, bias: impl IntoIterator<Item = (u32, i32)>) -> Self {
        self.overrides.get_or_insert_default().logit_bias = Some(bias.into_iter().collect());
        self
    }

    crate::setters::request_setters!(timeout: timeout, transport: transport);
    crate::setters::answer_setters!(
        mode: mode,
        retries: retries,
        max_steps: max_steps,
        media: media,
    );

    /// Offer these tools to the model instead of the declared ones (`tools![f, g]`); an empty
    /// list offers none. The call runs the calls the model makes and feeds the results back
    /// until the model answers.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools = tools.into_iter().collect();
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
}

impl<T: Output> Call<T> {
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
        let mut call = self.resolve_with(client, model)?;
        call.prepare_media_offline(&self.messages)?;
        let exchange = Exchange::new(Arc::new(call), self.messages.clone());
        exchange.body(None)
    }

    /// The messages this call sends, taken out of it (the rest of the call stays as it was).
    pub(crate) fn take_messages(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.messages)
    }

    /// The awaited call, inside a `promptfn.call` span that records the outcome.
    ///
    /// `reads` says what the caller reads of the response besides the value; a plain `.await`
    /// reads nothing else, and then the conversation is neither copied nor extended on
    /// success, nor the raw body copied.
    ///
    /// The call is resolved here, before its future is boxed: the future then holds the
    /// resolved call and its messages only. An `async fn` taking the `Call` would hold the
    /// `Call` and the resolved call side by side, and every async layer would copy that state
    /// (kilobytes) when it is created and again when it is awaited.
    /// `read` takes what the caller awaits out of the response.
    fn run_traced<R: Send + 'static>(
        mut self,
        reads: Reads,
        read: fn(Response<T>) -> R,
    ) -> Running<R> {
        // Client and model are resolved once: the span names the model, the request uses both.
        let resolved = self.take_client().and_then(|client| {
            let model = self.resolve_model(&client)?;
            Ok((client, model))
        });
        let trace = CallTrace::start(
            self.origin.name(),
            &self.messages,
            resolved
                .as_ref()
                .ok()
                .map(|(client, model)| (client, &**model)),
        );
        // Traced content is read from the transcript.
        let reads = Reads {
            transcript: reads.transcript || trace.content(),
            ..reads
        };
        let prepared = resolved.and_then(|(client, model)| {
            let call = trace.span().in_scope(|| self.resolve_with(client, model))?;
            // Shared from here on: the future holds a pointer, not the resolved call.
            Ok((Arc::new(call), self.take_messages()))
        });
        match prepared {
            Ok((call, messages)) => {
                Box::pin(Traced::new(answer::run(call, messages, reads), trace, read))
            }
            Err(error) => {
                // Nothing ran: the outcome is known before the future is polled.
                let result = Err(error);
                trace.finish::<T>(&result, true);
                Box::pin(std::future::ready(result.map(read)))
            }
        }
    }
}

impl<T: 'static> IntoFuture for Call<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        (self.awaited.value)(self)
    }
}

/// A [`Call`] that yields [`Response<T>`]: the value with usage, finish reason, ids and raw body.
#[must_use = "WithMeta does nothing until it is awaited"]
#[derive(Debug)]
pub struct WithMeta<T>(Call<T>);

impl<T> IntoFuture for WithMeta<T> {
    type Output = Result<Response<T>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Response<T>>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        (self.0.awaited.with_meta)(self.0)
    }
}
