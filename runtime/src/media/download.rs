//! Downloading a media URL to send it inline: bounded in size and time.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::CONTENT_TYPE;

use super::error::MediaError;
use super::mime;
use super::policy::Settled;
use crate::error::{Error, Result};

/// A client's media download pools, each built on its first download: most clients never
/// download, and building an HTTP client loads the root certificates again (about half of a
/// cold start's instructions). Apart from the API pool: no extra headers (they may carry
/// credentials that must not reach media hosts), and redirects followed (media URLs often
/// redirect to a CDN, while API requests refuse every redirect).
#[derive(Debug)]
pub(crate) struct Downloader {
    /// Reaches public addresses only, however a name resolves and wherever a redirect points
    /// (see `media::address`).
    public: OnceLock<reqwest::Client>,
    /// Reaches any address, for policies that allow private ones.
    any: OnceLock<reqwest::Client>,
    connect_timeout: Duration,
}

impl Downloader {
    /// Pools that connect within `connect_timeout`, none built yet.
    pub(crate) fn new(connect_timeout: Duration) -> Self {
        Self {
            public: OnceLock::new(),
            any: OnceLock::new(),
            connect_timeout,
        }
    }

    /// The pool for a policy that does or does not `allow_private` addresses, built on first
    /// use (two first downloads may race: one pool is kept).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when reqwest cannot build the pool.
    pub(crate) fn pool(&self, allow_private: bool) -> Result<&reqwest::Client> {
        let slot = if allow_private {
            &self.any
        } else {
            &self.public
        };
        if let Some(http) = slot.get() {
            return Ok(http);
        }
        let builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(super::address::redirect_policy(allow_private));
        let builder = if allow_private {
            builder
        } else {
            builder.dns_resolver(super::address::PublicOnly)
        };
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("the HTTP client could not be built: {e}")))?;
        Ok(slot.get_or_init(|| http))
    }

    /// Whether the pool for `allow_private` has been built.
    #[cfg(test)]
    pub(crate) fn is_built(&self, allow_private: bool) -> bool {
        if allow_private {
            self.any.get().is_some()
        } else {
            self.public.get().is_some()
        }
    }
}

/// A downloaded medium.
#[derive(Debug)]
pub(crate) struct Downloaded {
    pub(crate) bytes: Bytes,
    /// The server's `Content-Type` (canonical spelling), unless it says nothing (`octet-stream`).
    pub(crate) content_type: Option<String>,
}

/// Download `url`, refusing more than the policy's cap and giving up at its deadline.
pub(crate) async fn fetch(
    http: &reqwest::Client,
    url: &str,
    what: String,
    fix: String,
    policy: &Settled,
) -> Result<Downloaded, MediaError> {
    let limit = policy.max_download_bytes;
    let too_large = |size| MediaError::TooLarge {
        what: what.clone(),
        limit,
        size,
        fix: fix.clone(),
    };
    let failed = |reason: String| MediaError::Download {
        what: what.clone(),
        reason,
        fix: fix.clone(),
    };
    let mut target =
        reqwest::Url::parse(url).map_err(|e| failed(format!("the URL is not valid: {e}")))?;
    // Credentials written in the URL are shown nowhere and sent nowhere: reqwest would send
    // them as Basic auth, to whichever host the URL names.
    let _ = target.set_username("");
    let _ = target.set_password(None);
    if let Some(why) = super::address::refusal(&target, policy.allow_private_addresses) {
        return Err(failed(why));
    }
    let work = async {
        let mut response = http
            .get(target)
            .send()
            .await
            .map_err(|e| failed(describe(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!(
                "the server answered HTTP {}",
                status.as_u16()
            )));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(mime::canonical)
            .filter(|m| !mime::is_generic(m));
        let announced = response.content_length();
        if let Some(size) = announced
            && size > limit
        {
            return Err(too_large(Some(size)));
        }
        let capacity = announced.unwrap_or(64 * 1024).min(limit);
        let mut buf = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| failed(describe(&e)))? {
            if (buf.len() + chunk.len()) as u64 > limit {
                return Err(too_large(None));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(Downloaded {
            bytes: buf.freeze(),
            content_type,
        })
    };
    match tokio::time::timeout(policy.download_timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(failed(format!(
            "it did not arrive within {:?} (raise the deadline with `.media_download_timeout(…)`)",
            policy.download_timeout
        ))),
    }
}

/// reqwest's error with its causes, which say what actually happened.
fn describe(e: &reqwest::Error) -> String {
    let mut message = if e.is_connect() {
        "the connection failed".to_owned()
    } else if e.is_body() || e.is_decode() {
        "the body could not be read".to_owned()
    } else if e.is_builder() {
        "the URL is not valid".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pool_is_built_on_its_first_use_and_then_kept() {
        let downloader = Downloader::new(Duration::from_secs(1));
        assert!(!downloader.is_built(false) && !downloader.is_built(true));
        let first: *const reqwest::Client = downloader.pool(false).unwrap();
        assert!(downloader.is_built(false));
        assert!(
            !downloader.is_built(true),
            "the pool that reaches private addresses is built only when a policy allows them"
        );
        let again: *const reqwest::Client = downloader.pool(false).unwrap();
        assert_eq!(first, again);
        let any: *const reqwest::Client = downloader.pool(true).unwrap();
        assert_ne!(first, any);
    }
}
