//! The client: where requests go, with which key and defaults; one connection pool per client.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::structured::Mode;
use crate::transport::SharedBackend;

/// The base URL used when neither the builder nor `OPENAI_BASE_URL` names one.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A connection to one OpenAI-compatible endpoint, with its key and defaults.
///
/// Cheap to clone (the connection pool is shared). Calls that name no client use the process-wide
/// default: the one given to [`set_default_client`], or else one built by [`Client::from_env`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    endpoint: String,
    /// `endpoint` parsed once, so that requests do not parse it again (`None` if it does not
    /// parse: sending then reports the error).
    endpoint_url: Option<reqwest::Url>,
    api_key: Option<SecretString>,
    /// The `Authorization` header for `api_key`, built once.
    auth: Option<HeaderValue>,
    model: Option<String>,
    mode: Option<Mode>,
    retries: u32,
    timeout: Duration,
    /// Answers requests instead of the network (test doubles).
    backend: Option<SharedBackend>,
    /// Structured-output modes learnt by stepping down the ladder, per model.
    learned_modes: Mutex<HashMap<String, Mode>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field(
                "api_key",
                &self.inner.api_key.as_ref().map(|_| "[redacted]"),
            )
            .field("model", &self.inner.model)
            .field("mode", &self.inner.mode)
            .field("retries", &self.inner.retries)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `OPENAI_BASE_URL` (default
    /// [`DEFAULT_BASE_URL`]), `OPENAI_API_KEY` (optional: local servers need none) and
    /// `PROMPTFN_MODEL` (the default model).
    pub fn from_env() -> Result<Self> {
        Self::builder().from_env().build()
    }

    /// The endpoint requests are sent to (`…/v1/chat/completions`).
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The normalised base URL (`…/v1`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The default model, if one is set.
    pub fn model(&self) -> Option<&str> {
        self.inner.model.as_deref()
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn backend(&self) -> Option<&SharedBackend> {
        self.inner.backend.as_ref()
    }

    pub(crate) fn default_mode(&self) -> Option<Mode> {
        self.inner.mode
    }

    pub(crate) fn default_retries(&self) -> u32 {
        self.inner.retries
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    pub(crate) fn auth_header(&self) -> Option<HeaderValue> {
        self.inner.auth.clone()
    }

    pub(crate) fn endpoint_url(&self) -> Option<&reqwest::Url> {
        self.inner.endpoint_url.as_ref()
    }

    pub(crate) fn learned_mode(&self, model: &str) -> Option<Mode> {
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
    }

    /// The client a call uses when it names none.
    pub(crate) fn default_client() -> Result<Self> {
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

impl ClientBuilder {
    /// Fill everything not yet set from `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `PROMPTFN_MODEL`.
    pub fn from_env(mut self) -> Self {
        let var = |name| {
            std::env::var(name)
                .ok()
                .filter(|v: &String| !v.trim().is_empty())
        };
        if self.base_url.is_none() {
            self.base_url = var("OPENAI_BASE_URL");
        }
        if self.api_key.is_none() {
            self.api_key = var("OPENAI_API_KEY").map(SecretString::from);
        }
        if self.model.is_none() {
            self.model = var("PROMPTFN_MODEL");
        }
        self
    }

    /// The server's base URL; `https://host`, `https://host/v1` and `https://host/v1/` all
    /// reach `https://host/v1/chat/completions`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key, sent as `Authorization: Bearer …` and never shown in `Debug` or errors.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The model used by functions and calls that name none.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The structured-output mode for every call of this client (else chosen per model family).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// How many times to re-ask the model after an undecodable answer (default [`DEFAULT_RETRIES`]).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// The total deadline of one request (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The connect deadline (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// An extra header sent with every request (for aggregators that want their own).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<Client> {
        let base_url = normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let endpoint = format!("{base_url}/chat/completions");
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
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .build()
            .map_err(|e| Error::Config(format!("the HTTP client could not be built: {e}")))?;
        let auth = self.api_key.as_ref().and_then(bearer);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                endpoint_url: reqwest::Url::parse(&endpoint).ok(),
                endpoint,
                api_key: self.api_key,
                auth,
                model: self.model,
                mode: self.mode,
                retries: self.retries.unwrap_or(DEFAULT_RETRIES),
                timeout,
                backend: self.backend,
                learned_modes: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Answer requests with `backend` instead of the network.
    #[allow(dead_code)] // used by the testing kit
    pub(crate) fn backend(mut self, backend: SharedBackend) -> Self {
        self.backend = Some(backend);
        self
    }
}

/// `Authorization: Bearer <key>`, marked sensitive so that it never shows in logs.
fn bearer(key: &SecretString) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose_secret())).ok()?;
    value.set_sensitive(true);
    Some(value)
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
        assert!(client.auth_header().unwrap().is_sensitive());
    }

    #[test]
    fn bad_headers_are_config_errors() {
        let err = Client::builder()
            .header("bad header", "v")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("bad header"), "{err}");
    }
}
