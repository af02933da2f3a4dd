//! The client: where requests go, with which key and defaults; one connection pool per client.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;

use crate::endpoint::RerankFormat;
use crate::error::{Error, Result};
use crate::limit::Admission;
use crate::media::{Downloader, MediaPolicy, MediaStyle};
use crate::retry::RetryPolicy;
use crate::structured::Mode;
use crate::transport::{
    DEFAULT_MAX_BODY_BYTES, Link, SharedBackend, Transport, TransportOverrides, TransportSettings,
};
use crate::wire::dialect::Dialect;

/// The base URL used when neither the builder nor `OPENAI_BASE_URL` names one.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A connection to one OpenAI-compatible endpoint, with its key and defaults.
///
/// Cheap to clone (the connection pool is shared). Calls that name no client use the process-wide
/// default: the one given to [`set_default_client`], or else one built by [`Client::from_env`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Per-call transport settings laid over the client's own (set by `Call`, never shared
    /// with other calls: the limits in `inner` are).
    overrides: Option<Arc<TransportOverrides>>,
}

struct Inner {
    /// How requests reach the server: pool, endpoint, key, deadlines, retry policy, limits.
    transport: Arc<Transport>,
    /// The dialect of models no prefix names.
    dialect: Dialect,
    /// Model-name prefixes with their dialect, longest first.
    dialect_prefixes: Vec<(String, Dialect)>,
    model: Option<String>,
    mode: Option<Mode>,
    retries: u32,
    max_steps: u32,
    max_tool_calls: u32,
    /// The rerank API the server speaks (`Ranking` functions).
    rerank_format: RerankFormat,
    /// Structured-output modes learnt by stepping down the ladder, per model.
    learned_modes: Mutex<HashMap<String, Mode>>,
    /// Whether `learned_modes` holds anything: until it does (the usual case), a call reads
    /// this flag instead of taking the lock that every concurrent call would contend for and
    /// hashing its model name.
    any_learned_mode: AtomicBool,
    /// Whether call spans record prompt and answer text.
    trace_content: bool,
    /// How media arguments are sent (unset fields: per model family).
    media_policy: MediaPolicy,
    /// The media style a profile found for each model (below `media_policy`, above the family).
    profiled_media_styles: HashMap<String, MediaStyle>,
    /// Models the profile found taking their token limit only as `max_completion_tokens`.
    profiled_completion_token_limit: HashSet<String>,
    /// Models the profile found rejecting or ignoring a stream's usage request.
    profiled_no_stream_usage: HashSet<String>,
    /// Downloads media URLs (its pools built on the first download).
    downloader: Downloader,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.shown_endpoint())
            .field(
                "api_key",
                &self.inner.transport.auth_header().map(|_| "[redacted]"),
            )
            .field("model", &self.inner.model)
            .field("mode", &self.inner.mode)
            .field("retries", &self.inner.retries)
            .field("timeout", &self.timeout())
            .field("retry_policy", &self.link().retry_policy())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `OPENAI_BASE_URL` (default
    /// [`DEFAULT_BASE_URL`]), `OPENAI_API_KEY` (optional: local servers need none),
    /// `PROMPTFN_MODEL` (the default model) and `PROMPTFN_PROFILE` (a
    /// [profile](ClientBuilder::profile)).
    pub fn from_env() -> Result<Self> {
        Self::builder().from_env().build()
    }

    /// The endpoint requests are sent to (`…/v1/chat/completions`).
    pub fn endpoint(&self) -> &str {
        self.inner.transport.endpoint()
    }

    /// [`endpoint`](Self::endpoint) as errors and logs show it: any user name, password or
    /// signature it holds replaced.
    pub(crate) fn shown_endpoint(&self) -> &str {
        self.inner.transport.shown_endpoint()
    }

    /// The normalised base URL (`…/v1`).
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// The default model, if one is set.
    pub fn model(&self) -> Option<&str> {
        self.inner.model.as_deref()
    }

    /// How this client's requests reach its server (requests go through [`Client::link`];
    /// the testing kit's cassettes and the tests look at the transport itself).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// This client's transport with this call's overrides (if any) laid over it: what a
    /// request is sent through.
    pub(crate) fn link(&self) -> Link<'_> {
        self.inner.transport.link(self.overrides.as_deref())
    }

    /// How media is sent to `model`: the client's policy, then the profile's style for it.
    pub(crate) fn media_policy(&self, model: &str) -> MediaPolicy {
        match self.inner.profiled_media_styles.get(model) {
            Some(style) => self
                .inner
                .media_policy
                .over(MediaPolicy::new().style(*style)),
            None => self.inner.media_policy,
        }
    }

    /// What downloads this client's media URLs, shared by its clones.
    pub(crate) fn downloader(&self) -> &Downloader {
        &self.inner.downloader
    }

    pub(crate) fn default_mode(&self) -> Option<Mode> {
        self.inner.mode
    }

    pub(crate) fn default_retries(&self) -> u32 {
        self.inner.retries
    }

    /// The total deadline of a request whose call sets none.
    pub(crate) fn timeout(&self) -> Duration {
        self.inner.transport.timeout()
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.inner.transport.max_body_bytes()
    }

    /// Whether call spans may record prompt and answer text.
    pub(crate) fn trace_content(&self) -> bool {
        self.inner.trace_content
    }

    /// This client with one call's transport settings laid over its own; connection pool,
    /// limits and learnt modes stay shared.
    pub(crate) fn with_overrides(self, overrides: &TransportOverrides) -> Self {
        if overrides.is_empty() {
            return self;
        }
        Self {
            inner: self.inner,
            overrides: Some(Arc::new(overrides.clone())),
        }
    }

    pub(crate) fn default_max_steps(&self) -> u32 {
        self.inner.max_steps
    }

    pub(crate) fn max_tool_calls(&self) -> u32 {
        self.inner.max_tool_calls
    }

    /// Whether the profile found `model` taking its token limit only as
    /// `max_completion_tokens`.
    pub(crate) fn wants_completion_token_limit(&self, model: &str) -> bool {
        let models = &self.inner.profiled_completion_token_limit;
        !models.is_empty() && models.contains(model)
    }

    /// Whether a stream to `model` may ask for a usage chunk (unless the profile found the
    /// server rejecting or ignoring it).
    pub(crate) fn stream_usage_for(&self, model: &str) -> bool {
        let models = &self.inner.profiled_no_stream_usage;
        models.is_empty() || !models.contains(model)
    }

    /// The dialect `model` is spoken to in.
    pub fn dialect_of(&self, model: &str) -> Dialect {
        self.inner
            .dialect_prefixes
            .iter()
            .find(|(prefix, _)| model.starts_with(prefix.as_str()))
            .map_or(self.inner.dialect, |(_, dialect)| *dialect)
    }

    pub(crate) fn rerank_format(&self) -> RerankFormat {
        self.inner.rerank_format
    }

    pub(crate) fn learned_mode(&self, model: &str) -> Option<Mode> {
        if !self.inner.any_learned_mode.load(Ordering::Acquire) {
            return None;
        }
        let modes = self
            .inner
            .learned_modes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        modes.get(model).copied()
    }

    pub(crate) fn learn_mode(&self, model: &str, mode: Mode) {
        let mut modes = self
            .inner
            .learned_modes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        modes.insert(model.to_owned(), mode);
        self.inner.any_learned_mode.store(true, Ordering::Release);
    }

    /// The client a call runs on: the one it named (`.client(…)`), else the default one, with
    /// the call's own transport settings laid over it. Chat calls and endpoint calls both
    /// resolve their client here.
    pub(crate) fn for_call(named: Option<Self>, overrides: &TransportOverrides) -> Result<Self> {
        let client = match named {
            Some(client) => client,
            None => Self::default_client()?,
        };
        Ok(client.with_overrides(overrides))
    }

    /// The client a call uses when it names none.
    pub(crate) fn default_client() -> Result<Self> {
        #[cfg(feature = "testing")]
        if let Some(c) = crate::testing::scoped_default_client() {
            return Ok(c);
        }
        if let Some(c) = DEFAULT
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            return Ok(c.clone());
        }
        let mut slot = DEFAULT.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let client = Self::from_env()?;
        *slot = Some(client.clone());
        Ok(client)
    }
}

static DEFAULT: RwLock<Option<Client>> = RwLock::new(None);

/// Make `client` the one used by calls that name no client (instead of [`Client::from_env`]).
pub fn set_default_client(client: Client) {
    *DEFAULT.write().unwrap_or_else(PoisonError::into_inner) = Some(client);
}

/// Configures a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    api_key: Option<SecretString>,
    model: Option<String>,
    mode: Option<Mode>,
    retries: Option<u32>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    headers: Vec<(String, String)>,
    backend: Option<SharedBackend>,
    /// Retry policy, attempts, first-byte and idle deadlines, as a call would override them.
    transport: TransportOverrides,
    max_body_bytes: Option<usize>,
    max_concurrency: Option<usize>,
    requests_per_minute: Option<u32>,
    trace_content: bool,
    media_policy: MediaPolicy,
    max_steps: Option<u32>,
    max_tool_calls: Option<u32>,
    rerank_format: RerankFormat,
    profile: Option<PathBuf>,
    dialect: Option<Dialect>,
    dialect_prefixes: Vec<(String, Dialect)>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

/// How many times a call re-asks the model after an undecodable answer, unless told otherwise.
pub const DEFAULT_RETRIES: u32 = 2;
/// The default total deadline of one request: LLM answers can take minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// The default connect deadline: a server that does not accept a connection quickly is down.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default idle deadline: a body silent for five minutes is dead. (There is no default
/// first-byte deadline: a non-streamed answer arrives whole, after the model has finished, so
/// only the total deadline bounds it.)
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

impl ClientBuilder {
    /// Fill everything not yet set from `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `PROMPTFN_MODEL` and
    /// `PROMPTFN_PROFILE`, the key included even when [`base_url`](Self::base_url) named another
    /// server.
    ///
    /// Without it, [`build`](Self::build) still falls back to the environment, except for the
    /// key of a server named by [`base_url`](Self::base_url) (see there).
    pub fn from_env(self) -> Self {
        self.fill_from(environment, KeyFromEnvironment::Always)
    }

    /// Fill what is not set yet from `var` (the process environment, or a stand-in in tests).
    fn fill_from(mut self, var: impl Fn(&str) -> Option<String>, key: KeyFromEnvironment) -> Self {
        let key_wanted = match key {
            KeyFromEnvironment::Always => true,
            KeyFromEnvironment::ForEnvironmentUrl => self.base_url.is_none(),
        };
        if self.base_url.is_none() {
            self.base_url = var(BASE_URL_ENV);
        }
        if self.api_key.is_none() && key_wanted {
            self.api_key = var(API_KEY_ENV).map(SecretString::from);
        }
        if self.model.is_none() {
            self.model = var(MODEL_ENV);
        }
        // Like the key, the environment's profile describes the environment's server.
        if self.profile.is_none() && key_wanted {
            self.profile = var(PROFILE_ENV).map(PathBuf::from);
        }
        self
    }

    /// The server's base URL; `https://host`, `https://host/v1` and `https://host/v1/` all
    /// reach `https://host/v1/chat/completions`.
    ///
    /// Without it the client uses `OPENAI_BASE_URL`, else [`DEFAULT_BASE_URL`]. A base URL set
    /// here is not sent `OPENAI_API_KEY` (that key belongs to the environment's server): give
    /// its key with [`api_key`](Self::api_key), or call [`from_env`](Self::from_env) to send it
    /// the environment's key as well.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key, sent as `Authorization: Bearer …` and never shown in `Debug` or errors.
    ///
    /// Surrounding whitespace is removed (keys read from files and mounted secrets often end
    /// in a line break); an empty key sends no `Authorization` header. A key that still holds a
    /// character HTTP headers cannot carry (a control character, a line break, a non-ASCII
    /// character) makes [`build`](Self::build) fail with [`Error::Config`] naming which kind.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The model used by functions and calls that name none (without it: `PROMPTFN_MODEL`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    crate::setters::request_setters!(timeout: timeout, transport: transport);
    crate::setters::answer_setters!(
        mode: mode,
        retries: retries,
        max_steps: max_steps,
        media: media_policy,
    );

    /// The connect deadline (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The largest response body read into memory (default [`DEFAULT_MAX_BODY_BYTES`]); a
    /// larger one ends the call with [`Error::Protocol`].
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }

    /// At most this many requests of this client in flight at once (default: no limit); the
    /// others wait their turn. Shared by every call on the client and its clones.
    pub fn max_concurrency(mut self, requests: usize) -> Self {
        self.max_concurrency = Some(requests);
        self
    }

    /// At most this many requests started per minute (default: no limit), spaced evenly;
    /// retries count. Shared by every call on the client and its clones.
    pub fn requests_per_minute(mut self, requests: u32) -> Self {
        self.requests_per_minute = Some(requests);
        self
    }

    /// Record prompt and answer text in the `promptfn.call` tracing span (default: off, since
    /// prompts and answers may hold personal or confidential data).
    pub fn trace_content(mut self, record: bool) -> Self {
        self.trace_content = record;
        self
    }

    /// The most tool calls one model turn may ask for (default
    /// [`DEFAULT_MAX_TOOL_CALLS`](crate::DEFAULT_MAX_TOOL_CALLS)); a turn with more fails with
    /// [`Error::Protocol`] instead of running (or handing over) them all.
    pub fn max_tool_calls(mut self, calls: u32) -> Self {
        self.max_tool_calls = Some(calls);
        self
    }

    /// An extra header sent with every request (for aggregators that want their own).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Whether media downloads may reach loopback, private, link-local and other non-public
    /// addresses (default off): see [`MediaPolicy::allow_private_addresses`].
    pub fn allow_private_media_addresses(mut self, allow: bool) -> Self {
        self.media_policy = self.media_policy.allow_private_addresses(allow);
        self
    }

    /// Speak `dialect` to every model of this client (unless [`dialect_for`](Self::dialect_for)
    /// names its prefix). Without it: the provider's own dialect when the base URL is its
    /// host (`api.anthropic.com`, `generativelanguage.googleapis.com`), else chat-completions.
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = Some(dialect);
        self
    }

    /// Speak `dialect` to the models whose name starts with `prefix` (the longest matching
    /// prefix wins), and the client's dialect to the rest: an aggregator serving Claude's
    /// `/v1/messages` beside chat-completions for every model is
    /// `.dialect_for("claude", Dialect::AnthropicMessages)`.
    pub fn dialect_for(mut self, prefix: impl Into<String>, dialect: Dialect) -> Self {
        let prefix = prefix.into();
        self.dialect_prefixes.retain(|(p, _)| *p != prefix);
        self.dialect_prefixes.push((prefix, dialect));
        self
    }

    /// The rerank API the server speaks, which `Ranking` functions write their requests in and
    /// read their answers as (default [`RerankFormat::Jina`], the format aggregators convert
    /// the others to).
    pub fn rerank_format(mut self, format: RerankFormat) -> Self {
        self.rerank_format = format;
        self
    }

    /// Start each model from what `promptfn doctor --profile-out FILE` found the endpoint to
    /// support: its structured-output mode (the ladder still steps down if the endpoint has
    /// changed since) and its media style (below a [`media_policy`](Self::media_policy) set
    /// here). The file is read by [`build`](Self::build); a missing or malformed one is an
    /// [`Error::Config`]. Without it, `PROMPTFN_PROFILE` names one, under the same rule as
    /// `OPENAI_API_KEY`: for the environment's server, or whenever [`from_env`](Self::from_env)
    /// is called.
    pub fn profile(mut self, path: impl Into<PathBuf>) -> Self {
        self.profile = Some(path.into());
        self
    }

    /// Build the client.
    ///
    /// What the builder was not given comes from the environment, as the precedence
    /// call > function > client > environment says: `OPENAI_BASE_URL`, `PROMPTFN_MODEL`, and
    /// `OPENAI_API_KEY` when the base URL also comes from the environment (or is the default).
    /// Clients of the testing kit's doubles never read the environment, so that tests do not
    /// depend on the shell they run in.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a malformed base URL, header or API key, or a
    /// [profile](Self::profile) that cannot be read.
    pub fn build(self) -> Result<Client> {
        let this = if self.backend.is_some() {
            self
        } else {
            self.fill_from(environment, KeyFromEnvironment::ForEnvironmentUrl)
        };
        this.build_as_given()
    }

    fn build_as_given(self) -> Result<Client> {
        let base_url = normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let profile = match &self.profile {
            Some(path) => crate::profile::load(path)?,
            None => crate::profile::Profile::default(),
        };
        warn_if_profiled_elsewhere(&profile, &base_url);
        let dialect = self
            .dialect
            .unwrap_or_else(|| Dialect::native_to(&base_url));
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::Config(format!("the value of header `{name}` is not valid in HTTP"))
            })?;
            // Extra headers often carry credentials of their own; keep them out of logs.
            value.set_sensitive(true);
            headers.insert(header, value);
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        warn_if_plain_http(&base_url);
        // Test doubles answer exactly what was scripted, once per request.
        let retry_policy = self
            .transport
            .retry_policy_over(&if self.backend.is_some() {
                RetryPolicy::none()
            } else {
                RetryPolicy::default()
            });
        let transport = Transport::new(TransportSettings {
            base_url,
            headers,
            api_key: self.api_key,
            timeout,
            connect_timeout,
            first_byte_timeout: self.transport.first_byte_timeout,
            idle_timeout: self.transport.idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT),
            retry_policy,
            max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            limits: Admission::new(self.max_concurrency, self.requests_per_minute),
            backend: self.backend,
            gate: live_request_gate(),
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Arc::new(transport),
                model: self.model,
                mode: self.mode,
                retries: self.retries.unwrap_or(DEFAULT_RETRIES),
                max_steps: self.max_steps.unwrap_or(crate::tool::DEFAULT_MAX_STEPS),
                max_tool_calls: self
                    .max_tool_calls
                    .unwrap_or(crate::tool::DEFAULT_MAX_TOOL_CALLS),
                rerank_format: self.rerank_format,
                // The profile's modes are where each model starts; a rejection still steps down.
                any_learned_mode: AtomicBool::new(!profile.modes.is_empty()),
                learned_modes: Mutex::new(profile.modes),
                trace_content: self.trace_content,
                media_policy: self.media_policy,
                profiled_media_styles: profile.media_styles,
                profiled_completion_token_limit: profile.completion_token_limit,
                profiled_no_stream_usage: profile.no_stream_usage,
                dialect,
                dialect_prefixes: {
                    let mut prefixes = self.dialect_prefixes;
                    // Longest first: the most specific prefix wins.
                    prefixes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
                    prefixes
                },
                downloader: Downloader::new(connect_timeout),
            }),
            overrides: None,
        })
    }

    /// Answer requests with `backend` instead of the network.
    #[allow(dead_code)] // used by the testing kit
    pub(crate) fn backend(mut self, backend: SharedBackend) -> Self {
        self.backend = Some(backend);
        self
    }
}

/// What the transport asks before a request goes to the network: the testing kit's
/// live-request guard when the kit is built in, else nothing.
fn live_request_gate() -> Option<&'static dyn crate::transport::RequestGate> {
    #[cfg(feature = "testing")]
    return Some(&crate::testing::LiveRequestGate);
    #[cfg(not(feature = "testing"))]
    None
}

/// Warn when a profile was probed at another base URL: it may not describe this endpoint.
fn warn_if_profiled_elsewhere(profile: &crate::profile::Profile, base_url: &str) {
    let Some(probed) = &profile.base_url else {
        return;
    };
    if normalize_base_url(probed).ok().as_deref() != Some(base_url) {
        tracing::warn!(
            profiled = %crate::redact::shown_url(probed),
            base_url,
            "the profile was written for another base URL; its modes and media styles are used anyway"
        );
    }
}

/// Warn when prompts and the API key would cross a network unencrypted: plain `http` to a host
/// other than loopback.
fn warn_if_plain_http(base_url: &str) {
    let Some(rest) = base_url.strip_prefix("http://") else {
        return;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    // Userinfo may hold credentials: only the host is ever logged.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if !is_loopback(host) {
        tracing::warn!(
            host,
            "the base URL uses plain http to a host that is not loopback: prompts, answers and \
             the API key cross the network unencrypted; use https"
        );
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The environment variable read for the base URL.
const BASE_URL_ENV: &str = "OPENAI_BASE_URL";
/// The environment variable read for the API key.
const API_KEY_ENV: &str = "OPENAI_API_KEY";
/// The environment variable read for the default model.
const MODEL_ENV: &str = "PROMPTFN_MODEL";
/// The environment variable read for the profile file.
const PROFILE_ENV: &str = "PROMPTFN_PROFILE";

/// When the environment's API key fills in a builder's missing key.
#[derive(Clone, Copy)]
enum KeyFromEnvironment {
    /// Asked for with `from_env`.
    Always,
    /// Only when the base URL is the environment's too: its key is not sent to another server.
    ForEnvironmentUrl,
}

/// A variable of the process environment; unset and blank are the same.
fn environment(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `https://host`, `https://host/`, `https://host/v1`, `https://host/v1/` → `https://host/v1`.
///
/// A path that already ends in a version segment (`/v1`, `/v1beta`, `/api/v3`) is kept as is, and
/// so is a full `…/chat/completions` endpoint given by mistake (minus that suffix).
fn normalize_base_url(url: &str) -> Result<String> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(Error::Config(format!(
            "base URL `{url}` has no scheme: write it as http://host:port/v1 or https://host/v1"
        )));
    };
    if !matches!(scheme, "http" | "https") || rest.is_empty() {
        return Err(Error::Config(format!(
            "base URL `{url}` must start with http:// or https:// and name a host"
        )));
    }
    let mut base = url.trim_end_matches('/');
    if let Some(stripped) = base.strip_suffix("/chat/completions") {
        base = stripped;
    }
    let last = base[scheme.len() + 3..]
        .rsplit_once('/')
        .map(|(_, seg)| seg);
    if last.is_some_and(is_version_segment) {
        Ok(base.to_owned())
    } else if Dialect::native_to(base) == Dialect::GeminiGenerateContent {
        // Gemini's REST API lives under `/v1beta` (https://ai.google.dev/api): its newest
        // fields (thinking, `responseJsonSchema`) are not in `/v1`.
        Ok(format!("{base}/v1beta"))
    } else {
        Ok(format!("{base}/v1"))
    }
}

fn is_version_segment(seg: &str) -> bool {
    seg.strip_prefix('v').is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_digit())
            && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls;
    use secrecy::ExposeSecret;
    use std::path::Path;

    #[test]
    fn the_media_downloader_is_built_on_first_use_only() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:9/v1")
            .api_key("k")
            .build()
            .unwrap();
        assert!(!client.downloader().is_built(false), "built by `build()`");
        let first: *const reqwest::Client = client.downloader().pool(false).unwrap();
        let again: *const reqwest::Client = client.clone().downloader().pool(false).unwrap();
        assert_eq!(
            first, again,
            "one downloader per client, shared by its clones"
        );
    }

    #[test]
    fn the_dialect_is_the_longest_matching_prefix_then_the_client_then_the_host() {
        let client = |base: &str| {
            Client::builder()
                .base_url(base)
                .dialect_for("claude", Dialect::AnthropicMessages)
                .dialect_for("claude-3", Dialect::ChatCompletions)
                .dialect_for("gemini", Dialect::GeminiGenerateContent)
                .build()
                .unwrap()
        };
        let aggregator = client("https://aggregator.example/v1");
        assert_eq!(
            aggregator.dialect_of("claude-sonnet-4"),
            Dialect::AnthropicMessages
        );
        assert_eq!(
            aggregator.dialect_of("claude-3-haiku"),
            Dialect::ChatCompletions
        );
        assert_eq!(
            aggregator.dialect_of("gemini-2.5-pro"),
            Dialect::GeminiGenerateContent
        );
        assert_eq!(aggregator.dialect_of("gpt-4o"), Dialect::ChatCompletions);
        let anthropic = client("https://api.anthropic.com/v1");
        assert_eq!(anthropic.dialect_of("gpt-4o"), Dialect::AnthropicMessages);
        let google = Client::builder()
            .base_url("https://generativelanguage.googleapis.com/v1beta")
            .build()
            .unwrap();
        assert_eq!(
            google.dialect_of("gemini-2.5-pro"),
            Dialect::GeminiGenerateContent
        );
        let chosen = Client::builder()
            .base_url("https://api.anthropic.com")
            .dialect(Dialect::OpenAiResponses)
            .build()
            .unwrap();
        assert_eq!(chosen.dialect_of("claude-x"), Dialect::OpenAiResponses);
    }

    #[test]
    fn base_urls_with_or_without_v1_reach_the_same_endpoint() {
        for url in [
            "http://127.0.0.1:8088",
            "http://127.0.0.1:8088/",
            "http://127.0.0.1:8088/v1",
            "http://127.0.0.1:8088/v1/",
            "http://127.0.0.1:8088/v1/chat/completions",
        ] {
            assert_eq!(
                normalize_base_url(url).unwrap(),
                "http://127.0.0.1:8088/v1",
                "{url}"
            );
        }
        assert_eq!(
            normalize_base_url("https://gw.example/api/v3/").unwrap(),
            "https://gw.example/api/v3"
        );
        assert_eq!(
            normalize_base_url("https://g.example/v1beta/openai").unwrap(),
            "https://g.example/v1beta/openai/v1"
        );
        assert!(
            normalize_base_url("localhost:8080")
                .unwrap_err()
                .to_string()
                .contains("scheme")
        );
        assert!(normalize_base_url("ftp://x").is_err());
    }

    #[test]
    fn the_bare_gemini_host_reaches_its_v1beta_api() {
        for url in [
            "https://generativelanguage.googleapis.com",
            "https://generativelanguage.googleapis.com/",
            "https://generativelanguage.googleapis.com/v1beta",
        ] {
            assert_eq!(
                normalize_base_url(url).unwrap(),
                "https://generativelanguage.googleapis.com/v1beta",
                "{url}"
            );
        }
        let client = Client::builder()
            .base_url("https://generativelanguage.googleapis.com")
            .api_key("k")
            .build()
            .unwrap();
        assert_eq!(
            client.dialect_of("gemini-2.5-flash"),
            Dialect::GeminiGenerateContent
        );
        // Google's host takes the key as `x-goog-api-key`, never as a bearer token.
        let url = format!(
            "{}/models/gemini-2.5-flash:generateContent",
            client.base_url()
        );
        let request = client
            .transport()
            .native_auth(
                Dialect::GeminiGenerateContent,
                client.transport().http().post(url),
            )
            .build()
            .unwrap();
        assert_eq!(request.headers()["x-goog-api-key"], "k");
        assert!(request.headers().get("authorization").is_none());
    }

    #[test]
    fn the_key_never_shows_in_debug() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:1")
            .api_key("sk-very-secret")
            .header("x-extra", "v")
            .build()
            .unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
        let builder = Client::builder().api_key("sk-very-secret");
        assert!(!format!("{builder:?}").contains("sk-very-secret"));
        assert!(client.transport().auth_header().unwrap().is_sensitive());
    }

    #[test]
    fn keys_lose_surrounding_whitespace_and_unsendable_ones_are_refused() {
        for key in ["sk-abc\n", "sk-abc\r\n", "  sk-abc ", "\tsk-abc"] {
            let client = Client::builder().api_key(key).build().unwrap();
            assert_eq!(
                client.transport().auth_header().unwrap().to_str().unwrap(),
                "Bearer sk-abc",
                "{key:?}"
            );
        }
        assert!(
            Client::builder()
                .api_key(" \n")
                .build()
                .unwrap()
                .transport()
                .auth_header()
                .is_none()
        );
        for (key, kind) in [
            ("sk-a\nbc", "a line break"),
            ("sk-a\u{7}bc", "a control character"),
            ("sk-a\u{a0}bc", "a non-ASCII space"),
            ("sk-\u{201c}abc\u{201d}", "a non-ASCII character"),
        ] {
            let err = Client::builder().api_key(key).build().unwrap_err();
            let shown = err.to_string();
            assert!(matches!(err, Error::Config(_)), "{key:?}: {shown}");
            assert!(shown.contains(kind), "{key:?}: {shown}");
            assert!(!shown.contains("abc"), "the key never shows: {shown}");
        }
    }

    #[test]
    fn the_builder_falls_back_to_the_environment_for_what_it_was_not_given() {
        let env = |name: &str| {
            Some(
                match name {
                    BASE_URL_ENV => "http://127.0.0.1:9/v1",
                    API_KEY_ENV => "sk-env",
                    MODEL_ENV => "env-model",
                    PROFILE_ENV => "/env/profile.toml",
                    _ => return None,
                }
                .to_owned(),
            )
        };
        let key = |b: ClientBuilder| b.api_key.map(|k| k.expose_secret().to_owned());
        let plain = Client::builder().fill_from(env, KeyFromEnvironment::ForEnvironmentUrl);
        assert_eq!(plain.base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(plain.model.as_deref(), Some("env-model"));
        assert_eq!(
            plain.profile.as_deref(),
            Some(Path::new("/env/profile.toml"))
        );
        assert_eq!(key(plain).as_deref(), Some("sk-env"));

        // Given settings win; the environment's key stays with the environment's server.
        let own_url = Client::builder()
            .base_url("http://127.0.0.1:8/v1")
            .model("mine")
            .fill_from(env, KeyFromEnvironment::ForEnvironmentUrl);
        assert_eq!(own_url.base_url.as_deref(), Some("http://127.0.0.1:8/v1"));
        assert_eq!(own_url.model.as_deref(), Some("mine"));
        assert_eq!(
            own_url.profile, None,
            "the profile stays with the environment's server"
        );
        assert_eq!(key(own_url), None);
        let asked = Client::builder()
            .base_url("http://127.0.0.1:8/v1")
            .fill_from(env, KeyFromEnvironment::Always);
        assert_eq!(key(asked).as_deref(), Some("sk-env"));
    }

    #[test]
    fn https_works_with_any_tls_feature_and_says_which_to_enable_without_one() {
        let built = Client::builder().base_url("https://api.example/v1").build();
        if tls::ENABLED {
            built.unwrap();
        } else {
            let err = built.unwrap_err().to_string();
            assert!(err.contains("rustls-ring"), "{err}");
        }
        Client::builder()
            .base_url("http://127.0.0.1:1/v1")
            .build()
            .unwrap();
    }

    #[test]
    fn bad_headers_are_config_errors() {
        let err = Client::builder()
            .header("bad header", "v")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("bad header"), "{err}");
    }

    #[test]
    fn loopback_hosts_are_told_apart_from_the_rest() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.3.2.1",
            "::1",
            "api.localhost",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "192.168.1.2",
            "",
            "localhost.example",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn call_overrides_win_and_client_settings_fill_in() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:1")
            .max_attempts(5)
            .idle_timeout(Duration::from_secs(7))
            .build()
            .unwrap();
        assert_eq!(client.link().retry_policy().attempts(), 5);
        assert_eq!(client.link().first_byte_timeout(), None);
        assert_eq!(client.link().idle_timeout(), Duration::from_secs(7));
        let call = client.clone().with_overrides(&TransportOverrides {
            retry_policy: Some(RetryPolicy::none()),
            max_attempts: None,
            first_byte_timeout: Some(Duration::from_secs(2)),
            idle_timeout: None,
        });
        assert_eq!(call.link().retry_policy().attempts(), 1);
        let more = client.clone().with_overrides(&TransportOverrides {
            max_attempts: Some(9),
            ..TransportOverrides::default()
        });
        assert_eq!(more.link().retry_policy().attempts(), 9);
        assert_eq!(
            call.link().first_byte_timeout(),
            Some(Duration::from_secs(2))
        );
        assert_eq!(call.link().idle_timeout(), Duration::from_secs(7));
        assert_eq!(
            client.link().retry_policy().attempts(),
            5,
            "the client is unchanged"
        );
        let plain = Client::builder().build().unwrap();
        assert_eq!(plain.link().idle_timeout(), DEFAULT_IDLE_TIMEOUT);
        assert_eq!(plain.max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn a_clients_attempts_apply_over_its_retry_policy_in_either_order() {
        let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(1));
        let first = Client::builder()
            .max_attempts(5)
            .retry_policy(policy.clone())
            .build()
            .unwrap();
        let then = Client::builder()
            .retry_policy(policy.clone())
            .max_attempts(5)
            .build()
            .unwrap();
        let want = policy.max_attempts(5);
        assert_eq!(first.link().retry_policy(), want);
        assert_eq!(then.link().retry_policy(), want);
    }
}
