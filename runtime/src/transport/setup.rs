//! What a client's transport is made of: its connection pool, where it sends, the key it sends,
//! its deadlines, retry policy and limits, and whatever answers instead of the network. Built
//! once per client and shared by its clones; one call's overrides are laid over it by a
//! [`Link`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::{Outgoing, Route, SharedBackend};
use crate::error::{Error, Result};
use crate::limit::Admission;
use crate::redact::{BodyScrubber, ScrubKey, shown_url};
use crate::retry::RetryPolicy;
use crate::tls;
use crate::wire::dialect::Dialect;

/// The Messages API version sent as `anthropic-version` (the one Anthropic documents for the
/// current Messages API).
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Asked before a request leaves for the network, and may refuse it. The transport knows
/// nothing of who asks: the testing kit's live-request guard is the one implementation.
pub(crate) trait RequestGate: Send + Sync {
    /// `Ok` to let the request of `function` (at `function_path`, which tells apart functions
    /// of the same name) go out to `destination` (its URL as errors show it, written only when
    /// shown); the error the call fails with otherwise.
    fn admit(
        &self,
        function: &str,
        function_path: &str,
        destination: &dyn fmt::Display,
    ) -> Result<()>;
}

/// Where a request goes, as errors show it (without credentials): written only when shown, so
/// that asking the gate costs nothing when it lets the request through.
pub(super) struct Destination<'a> {
    pub(super) transport: &'a Transport,
    pub(super) route: &'a Route,
}

impl fmt::Display for Destination<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.route {
            Route::Chat => f.write_str(&self.transport.shown_endpoint),
            route => f.write_str(&shown_url(&self.transport.url_of(route))),
        }
    }
}

/// What a transport is built from (every default already applied by the client builder).
pub(crate) struct TransportSettings {
    /// The normalised base URL (`…/v1`).
    pub(crate) base_url: String,
    /// Headers sent with every request, marked sensitive.
    pub(crate) headers: HeaderMap,
    /// The API key as given (it is trimmed here; an empty one is no key).
    pub(crate) api_key: Option<SecretString>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) first_byte_timeout: Option<Duration>,
    pub(crate) idle_timeout: Duration,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) max_body_bytes: usize,
    pub(crate) limits: Admission,
    pub(crate) backend: Option<SharedBackend>,
    pub(crate) gate: Option<&'static dyn RequestGate>,
}

/// How one client's requests reach its server.
pub(crate) struct Transport {
    http: reqwest::Client,
    base_url: String,
    /// `{base_url}/chat/completions`.
    endpoint: String,
    /// `endpoint` as errors, logs and `Debug` show it: without credentials (see
    /// [`crate::redact::shown_url`]).
    shown_endpoint: String,
    /// `endpoint` parsed once, so that requests do not parse it again (`None` if it does not
    /// parse: sending then reports the error).
    endpoint_url: Option<reqwest::Url>,
    api_key: Option<SecretString>,
    /// `api_key` as every answer body's scrubber looks for it.
    scrub_key: Option<Arc<ScrubKey>>,
    /// The `Authorization` header for `api_key`, built once.
    auth: Option<HeaderValue>,
    /// The total deadline of a request unless its call says otherwise.
    timeout: Duration,
    /// The connect deadline given to reqwest (kept to report it in timeouts).
    connect_timeout: Duration,
    /// Request sent → status line; `None`: only the total deadline applies.
    first_byte_timeout: Option<Duration>,
    /// The longest silence between two body chunks.
    idle_timeout: Duration,
    /// Transport retries (not a call's re-asks).
    retry_policy: RetryPolicy,
    /// The largest body read into memory.
    max_body_bytes: usize,
    /// In-flight and per-minute limits shared by every call on the client.
    limits: Admission,
    /// Answers requests instead of the network (test doubles).
    backend: Option<SharedBackend>,
    /// Asked before a request goes to the network.
    gate: Option<&'static dyn RequestGate>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("endpoint", &self.shown_endpoint)
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry_policy)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Build the connection pool and everything requests reuse: the parsed endpoint, the
    /// `Authorization` header, the key scrubber.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an API key HTTP cannot carry, a TLS-less build asked for
    /// `https`, or a pool reqwest cannot build.
    pub(crate) fn new(settings: TransportSettings) -> Result<Self> {
        let TransportSettings {
            base_url,
            headers,
            api_key,
            timeout,
            connect_timeout,
            first_byte_timeout,
            idle_timeout,
            retry_policy,
            max_body_bytes,
            limits,
            backend,
            gate,
        } = settings;
        tls::check_available(&base_url)?;
        tls::install_provider();
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(connect_timeout)
            .redirect(super::redirect_policy())
            // One retry policy, the user's (transport.rs): reqwest's own would resend refused
            // HTTP/2 streams behind its back, and to be able to, it copies every request's
            // headers and extensions before sending.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .map_err(|e| Error::Config(format!("the HTTP client could not be built: {e}")))?;
        let api_key = api_key
            .map(|key| SecretString::from(key.expose_secret().trim()))
            .filter(|key| !key.expose_secret().is_empty());
        let auth = api_key.as_ref().map(bearer).transpose()?;
        let scrub_key = api_key.as_ref().and_then(ScrubKey::new).map(Arc::new);
        let endpoint = format!("{base_url}/chat/completions");
        Ok(Self {
            http,
            endpoint_url: reqwest::Url::parse(&endpoint).ok(),
            shown_endpoint: shown_url(&endpoint),
            endpoint,
            base_url,
            api_key,
            scrub_key,
            auth,
            timeout,
            connect_timeout,
            first_byte_timeout,
            idle_timeout,
            retry_policy,
            max_body_bytes,
            limits,
            backend,
            gate,
        })
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The normalised base URL (`…/v1`).
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The chat-completions endpoint (`…/v1/chat/completions`).
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// [`endpoint`](Self::endpoint) as errors and logs show it: any user name, password or
    /// signature it holds replaced.
    pub(crate) fn shown_endpoint(&self) -> &str {
        &self.shown_endpoint
    }

    pub(crate) fn endpoint_url(&self) -> Option<&reqwest::Url> {
        self.endpoint_url.as_ref()
    }

    pub(crate) fn auth_header(&self) -> Option<HeaderValue> {
        self.auth.clone()
    }

    /// The total deadline of a request whose call sets none.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    pub(crate) fn limits(&self) -> &Admission {
        &self.limits
    }

    pub(crate) fn backend(&self) -> Option<&SharedBackend> {
        self.backend.as_ref()
    }

    /// Whether `request` may go to the network (the gate, if any, says).
    pub(crate) fn admit(&self, request: &Outgoing) -> Result<()> {
        match self.gate {
            Some(gate) => gate.admit(
                request.function,
                request.function_path,
                &Destination {
                    transport: self,
                    route: &request.route,
                },
            ),
            None => Ok(()),
        }
    }

    /// `{base_url}/{path}` of a route other than the chat endpoint (which may be set apart).
    pub(crate) fn url_of(&self, route: &Route) -> String {
        format!("{}/{}", self.base_url, route.path())
    }

    /// What keeps the API key out of an answer body, if there is a key worth hiding.
    pub(crate) fn body_scrubber(&self) -> Option<BodyScrubber> {
        BodyScrubber::new(self.scrub_key.as_ref())
    }

    /// Adds `dialect`'s authentication headers to a request: the provider's own on its host,
    /// `Authorization: Bearer` (as aggregators take every dialect) elsewhere.
    pub(crate) fn native_auth(
        &self,
        dialect: Dialect,
        request: reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        let Some(key) = &self.api_key else {
            return request;
        };
        let native = Dialect::native_to(&self.base_url) == dialect;
        let secret = |value: &str| {
            let mut value = HeaderValue::from_str(value).ok()?;
            value.set_sensitive(true);
            Some(value)
        };
        match dialect {
            Dialect::AnthropicMessages => {
                let request = request.header("anthropic-version", ANTHROPIC_VERSION);
                match secret(key.expose_secret()) {
                    Some(value) if native => request.header("x-api-key", value),
                    _ => self.bearer_on(request),
                }
            }
            Dialect::GeminiGenerateContent if native => match secret(key.expose_secret()) {
                Some(value) => request.header("x-goog-api-key", value),
                None => request,
            },
            _ => self.bearer_on(request),
        }
    }

    fn bearer_on(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Some(auth) => request.header(AUTHORIZATION, auth.clone()),
            None => request,
        }
    }

    /// This transport as one call sees it, with the call's `overrides` (if any) laid over it.
    pub(crate) fn link<'a>(
        self: &'a Arc<Self>,
        overrides: Option<&'a TransportOverrides>,
    ) -> Link<'a> {
        Link {
            transport: self,
            overrides,
        }
    }
}

/// Per-call transport settings laid over a client's own (see `Call::retry_policy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TransportOverrides {
    pub(crate) retry_policy: Option<RetryPolicy>,
    /// Applied over whichever policy is in force.
    pub(crate) max_attempts: Option<u32>,
    pub(crate) first_byte_timeout: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
}

impl TransportOverrides {
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The retry policy these overrides make of `base`: their own policy, else `base`, with
    /// their attempts (if set) over it.
    pub(crate) fn retry_policy_over(&self, base: &RetryPolicy) -> RetryPolicy {
        let policy = self.retry_policy.as_ref().unwrap_or(base).clone();
        match self.max_attempts {
            Some(attempts) => policy.max_attempts(attempts),
            None => policy,
        }
    }
}

/// A client's transport with one call's overrides laid over it: what sending a request and
/// reading its answer are given. Borrowed, so it costs nothing to make per request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link<'a> {
    pub(crate) transport: &'a Arc<Transport>,
    overrides: Option<&'a TransportOverrides>,
}

impl Link<'_> {
    /// The first-byte deadline in force (per call, else per client); `None`: none but the total.
    pub(crate) fn first_byte_timeout(&self) -> Option<Duration> {
        self.overrides
            .and_then(|o| o.first_byte_timeout)
            .or(self.transport.first_byte_timeout)
    }

    /// The idle deadline in force (per call, else per client).
    pub(crate) fn idle_timeout(&self) -> Duration {
        self.overrides
            .and_then(|o| o.idle_timeout)
            .unwrap_or(self.transport.idle_timeout)
    }

    /// The transport retry policy in force (per call, else per client).
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        match self.overrides {
            Some(overrides) => overrides.retry_policy_over(&self.transport.retry_policy),
            None => self.transport.retry_policy.clone(),
        }
    }
}

/// `Authorization: Bearer <key>` for a trimmed key, marked sensitive so that it never shows in
/// logs. A key HTTP cannot carry is an error naming the kind of character (never the key).
fn bearer(key: &SecretString) -> Result<HeaderValue> {
    let key = key.expose_secret();
    if let Some(bad) = key.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
        let kind = match bad {
            '\n' | '\r' => "a line break",
            c if c.is_ascii_control() => "a control character",
            c if c.is_whitespace() => "a non-ASCII space (such as a non-breaking space)",
            _ => "a non-ASCII character (such as a typographic quote)",
        };
        return Err(Error::Config(format!(
            "the API key contains {kind}, which an HTTP header cannot carry: check where the key \
             is read from (surrounding whitespace is already removed)"
        )));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {key}"))
        .map_err(|_| Error::Config("the API key cannot be sent in an HTTP header".to_owned()))?;
    value.set_sensitive(true);
    Ok(value)
}
