//! The media policy: how media parts are written for a target, and what is done with URLs.
//!
//! Chosen per model family by default, set per client, overridden per call: each level sets only
//! what it names, the rest comes from the level below.

use std::time::Duration;

use crate::model_family::ModelFamily;

/// How media parts are written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaStyle {
    /// Every medium as an `image_url` part holding its URL or a `data:<mime>;base64,…` URI: the
    /// form aggregators (one-api, new-api) turn into Gemini's and Claude's own media parts, and
    /// the one their documentation shows for Gemini audio and PDF understanding.
    /// The default for `gemini-*`, `gemma-*` and `claude-*` models.
    Aggregator,
    /// OpenAI's part types: `image_url` for images, `input_audio` (base64 wav or mp3) for audio,
    /// `file` (`filename`, `file_data`) for PDFs and other files, `video_url` for video (vLLM).
    /// The default for `gpt-*`, `o*` and unrecognised models (local servers).
    OpenAi,
}

impl MediaStyle {
    /// The style that suits a model family.
    pub(crate) fn for_family(family: ModelFamily) -> Self {
        match family {
            ModelFamily::Gemini | ModelFamily::Claude => Self::Aggregator,
            ModelFamily::OpenAi | ModelFamily::Other => Self::OpenAi,
        }
    }
}

/// What is done with media given as `http(s)://` URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlHandling {
    /// Send every URL as it is; a URL where the target only takes inline data (audio and files
    /// in [`MediaStyle::OpenAi`]) is an error before sending.
    Forward,
    /// Send URLs the target takes as they are; download the others and send their bytes inline
    /// (the default).
    DownloadWhenNeeded,
    /// Download every URL and send its bytes inline: for private URLs, or a model server that
    /// cannot reach the network.
    DownloadAll,
}

/// How media arguments are sent: the [`MediaStyle`], what happens to URLs, and the limits on
/// downloads. Unset fields come from the level below (call → client → model family defaults).
///
/// ```
/// use promptfn::{MediaPolicy, MediaStyle, UrlHandling};
/// use std::time::Duration;
///
/// let policy = MediaPolicy::new()
///     .style(MediaStyle::OpenAi)
///     .urls(UrlHandling::DownloadAll)
///     .max_download_bytes(8 * 1024 * 1024)
///     .download_timeout(Duration::from_secs(10))
///     // Media served from this machine or its network (off by default: see below).
///     .allow_private_addresses(true);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
pub struct MediaPolicy {
    style: Option<MediaStyle>,
    urls: Option<Urls>,
    max_download_bytes: Option<u64>,
    download_timeout: Option<Duration>,
    allow_private_addresses: Option<bool>,
}

/// The most bytes one media download may have, unless told otherwise: 20 MiB, what aggregators
/// accept for one inline file.
pub const DEFAULT_MAX_MEDIA_DOWNLOAD_BYTES: u64 = 20 * 1024 * 1024;
/// The deadline of one media download, unless told otherwise.
pub const DEFAULT_MEDIA_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

impl MediaPolicy {
    /// A policy that sets nothing: everything comes from the level below.
    pub fn new() -> Self {
        Self::default()
    }

    /// Write media in this style, whatever the model family.
    pub fn style(mut self, style: MediaStyle) -> Self {
        self.style = Some(style);
        self
    }

    /// What to do with URLs (default [`UrlHandling::DownloadWhenNeeded`]).
    pub fn urls(mut self, urls: UrlHandling) -> Self {
        self.urls = Some(Urls::Set(urls));
        self
    }

    /// The most bytes one download may have (default [`DEFAULT_MAX_MEDIA_DOWNLOAD_BYTES`]).
    pub fn max_download_bytes(mut self, bytes: u64) -> Self {
        self.max_download_bytes = Some(bytes);
        self
    }

    /// The deadline of one download (default [`DEFAULT_MEDIA_DOWNLOAD_TIMEOUT`]).
    pub fn download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = Some(timeout);
        self
    }

    /// Whether downloads may reach loopback, private, link-local and other non-public
    /// addresses (default off).
    ///
    /// Off, a download whose URL names such an address, whose host name resolves to one, or
    /// that is redirected to one fails with [`MediaError`](crate::MediaError) before a byte is
    /// fetched: a media URL may come from a user or a model, and fetching it must not hand
    /// what this machine's own network answers (a cloud metadata service, an admin page) to
    /// the model server. Turn it on when you serve media from your own network.
    pub fn allow_private_addresses(mut self, allow: bool) -> Self {
        self.allow_private_addresses = Some(allow);
        self
    }

    /// Downloading off (`Forward`), or on: `DownloadWhenNeeded` unless `DownloadAll` is set,
    /// here or below.
    pub(crate) fn download(mut self, on: bool) -> Self {
        self.urls = Some(match (on, self.urls) {
            (false, _) => Urls::Set(UrlHandling::Forward),
            (true, Some(Urls::Set(UrlHandling::DownloadAll))) => {
                Urls::Set(UrlHandling::DownloadAll)
            }
            (true, _) => Urls::DownloadOn,
        });
        self
    }

    /// This policy, with what it leaves unset taken from `base`.
    pub(crate) fn over(self, base: MediaPolicy) -> MediaPolicy {
        let urls = match (self.urls, base.urls) {
            (Some(Urls::DownloadOn), Some(Urls::Set(UrlHandling::DownloadAll))) => base.urls,
            (Some(urls), _) => Some(urls),
            (None, urls) => urls,
        };
        MediaPolicy {
            style: self.style.or(base.style),
            urls,
            max_download_bytes: self.max_download_bytes.or(base.max_download_bytes),
            download_timeout: self.download_timeout.or(base.download_timeout),
            allow_private_addresses: self
                .allow_private_addresses
                .or(base.allow_private_addresses),
        }
    }

    /// Every field decided, for a model of `family`.
    pub(crate) fn settle(self, family: ModelFamily) -> Settled {
        Settled {
            style: self.style.unwrap_or_else(|| MediaStyle::for_family(family)),
            urls: match self.urls {
                Some(Urls::Set(urls)) => urls,
                Some(Urls::DownloadOn) | None => UrlHandling::DownloadWhenNeeded,
            },
            max_download_bytes: self
                .max_download_bytes
                .unwrap_or(DEFAULT_MAX_MEDIA_DOWNLOAD_BYTES),
            download_timeout: self
                .download_timeout
                .unwrap_or(DEFAULT_MEDIA_DOWNLOAD_TIMEOUT),
            allow_private_addresses: self.allow_private_addresses.unwrap_or(false),
        }
    }
}

/// How a level sets URL handling: exactly, or just "downloading on" (which keeps a
/// `DownloadAll` set below rather than narrowing it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Urls {
    Set(UrlHandling),
    DownloadOn,
}

/// A policy with every field decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settled {
    pub(crate) style: MediaStyle,
    pub(crate) urls: UrlHandling,
    pub(crate) max_download_bytes: u64,
    pub(crate) download_timeout: Duration,
    pub(crate) allow_private_addresses: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_sets_only_what_it_names() {
        let client = MediaPolicy::new()
            .style(MediaStyle::Aggregator)
            .max_download_bytes(10);
        let call = MediaPolicy::new().download(false);
        let settled = call.over(client).settle(ModelFamily::OpenAi);
        assert_eq!(settled.style, MediaStyle::Aggregator);
        assert_eq!(settled.urls, UrlHandling::Forward);
        assert_eq!(settled.max_download_bytes, 10);
        assert_eq!(settled.download_timeout, DEFAULT_MEDIA_DOWNLOAD_TIMEOUT);
        assert!(!settled.allow_private_addresses, "refused unless asked");
        let open = MediaPolicy::new().allow_private_addresses(true);
        assert!(
            call.over(open)
                .settle(ModelFamily::Other)
                .allow_private_addresses
        );
        let closed = MediaPolicy::new().allow_private_addresses(false);
        assert!(
            !closed
                .over(open)
                .settle(ModelFamily::Other)
                .allow_private_addresses
        );
    }

    #[test]
    fn turning_downloads_on_never_narrows_download_all() {
        let all = MediaPolicy::new().urls(UrlHandling::DownloadAll);
        let on = MediaPolicy::new().download(true);
        assert_eq!(
            on.over(all).settle(ModelFamily::Other).urls,
            UrlHandling::DownloadAll
        );
        assert_eq!(
            all.download(true).settle(ModelFamily::Other).urls,
            UrlHandling::DownloadAll
        );
        let off = MediaPolicy::new().download(false);
        assert_eq!(
            on.over(off).settle(ModelFamily::Other).urls,
            UrlHandling::DownloadWhenNeeded
        );
        assert_eq!(
            off.over(all).settle(ModelFamily::Other).urls,
            UrlHandling::Forward
        );
    }

    #[test]
    fn the_family_picks_the_style_when_nobody_does() {
        let p = MediaPolicy::new();
        assert_eq!(p.settle(ModelFamily::Gemini).style, MediaStyle::Aggregator);
        assert_eq!(p.settle(ModelFamily::Claude).style, MediaStyle::Aggregator);
        assert_eq!(p.settle(ModelFamily::OpenAi).style, MediaStyle::OpenAi);
        assert_eq!(p.settle(ModelFamily::Other).style, MediaStyle::OpenAi);
        assert_eq!(
            p.settle(ModelFamily::Other).urls,
            UrlHandling::DownloadWhenNeeded
        );
    }
}
