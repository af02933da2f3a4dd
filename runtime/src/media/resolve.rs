//! Before a request is encoded: every media part of the conversation becomes a [`WirePart`] for
//! the target, and everything that cannot be sent is refused.
//!
//! This is where local files are read (once, bounded by their size), URLs are downloaded when
//! the policy says so, MIME types are settled and the target's rules applied. The result is kept for
//! the whole call, so re-asks reuse it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use futures_util::future::try_join_all;

use super::data_uri;
use super::download;
use super::encode::{Inline, Payload, WirePart};
use super::error::MediaError;
use super::file;
use super::mime;
use super::policy::UrlHandling;
use super::rules::{Target, check_kind, class};
use super::types::{Media, MediaKind, MediaSource};
use crate::message::{Message, Part, Role};

/// Where a part is: (message index, part index).
type Position = (usize, usize);

/// Every media part of a conversation, ready to serialize, by position.
#[derive(Debug, Default)]
pub(crate) struct ResolvedMedia {
    parts: HashMap<Position, WirePart>,
    /// A read error met while a file was streamed into a body.
    failure: Mutex<Option<MediaError>>,
}

impl ResolvedMedia {
    /// The wire form of part `part` of message `message`.
    pub(crate) fn part(&self, message: usize, part: usize) -> Option<&WirePart> {
        self.parts.get(&(message, part))
    }

    /// Where serialization records a file it could not read.
    pub(crate) fn failure_slot(&self) -> &Mutex<Option<MediaError>> {
        &self.failure
    }

    /// The read error met by the last encoding, if any.
    pub(crate) fn take_failure(&self) -> Option<MediaError> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// A body capacity that holds the whole request without regrowing: the media payloads exactly,
    /// the text generously. Zero (no hint) when there is no media.
    pub(crate) fn body_capacity(&self, messages: &[Message]) -> usize {
        if self.parts.is_empty() {
            return 0;
        }
        let media: usize = self.parts.values().map(WirePart::payload_len).sum();
        let text: usize = messages
            .iter()
            .flat_map(|m| &m.parts)
            .map(|p| match p {
                Part::Text(t) => t.len(),
                Part::Media(_) => 0,
            })
            .sum();
        // Escapes can double text; schemas, tools and the structure fit in the slack.
        media
            .saturating_add(text.saturating_mul(2))
            .saturating_add(64 * 1024)
    }
}

/// What preparing one medium leaves to do.
enum Step {
    Ready(WirePart),
    /// Download this URL; `forwardable` when the target would also take it as it is.
    Download {
        url: String,
        forwardable: bool,
    },
}

/// Resolve every media part, downloading URLs as the policy says.
pub(crate) async fn resolve(
    messages: &[Message],
    target: &Target<'_>,
    http: &reqwest::Client,
) -> crate::Result<ResolvedMedia> {
    let mut resolved = ResolvedMedia::default();
    let mut downloads = Vec::new();
    for (at, media) in media_parts(messages)? {
        match prepare(media, target)? {
            Step::Ready(part) => {
                resolved.parts.insert(at, part);
            }
            Step::Download { url, forwardable } => downloads.push((at, media, url, forwardable)),
        }
    }
    let fetched = try_join_all(downloads.iter().map(|(_, media, url, forwardable)| {
        let fix = download_fix(media, *forwardable);
        download::fetch(http, url, media.describe(), fix, &target.policy)
    }))
    .await?;
    for ((at, media, url, _), got) in downloads.into_iter().zip(fetched) {
        resolved
            .parts
            .insert(at, downloaded(media, &url, got, target)?);
    }
    Ok(resolved)
}

/// Resolve every media part without the network: a URL that would be downloaded is an error.
/// For [`Call::request`](crate::Call::request), which shows the body without sending it.
pub(crate) fn resolve_offline(
    messages: &[Message],
    target: &Target<'_>,
) -> crate::Result<ResolvedMedia> {
    let mut resolved = ResolvedMedia::default();
    for (at, media) in media_parts(messages)? {
        match prepare(media, target)? {
            Step::Ready(part) => {
                resolved.parts.insert(at, part);
            }
            Step::Download { forwardable, .. } => {
                return Err(crate::Error::Config(format!(
                    "`request()` does not download media, and {} would be downloaded and sent \
                     inline; await the call instead, {}",
                    media.describe(),
                    offline_fix(media, forwardable)
                )));
            }
        }
    }
    Ok(resolved)
}

/// Every media part with its position; media outside user messages is refused, since system,
/// assistant and tool messages hold text only on the wire.
fn media_parts(messages: &[Message]) -> Result<Vec<(Position, &Media)>, MediaError> {
    let mut found = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        for (j, part) in m.parts.iter().enumerate() {
            let Part::Media(media) = part else { continue };
            if m.role != Role::User {
                return Err(MediaError::Misplaced {
                    what: media.describe(),
                    role: m.role.as_str(),
                });
            }
            found.push(((i, j), media));
        }
    }
    Ok(found)
}

/// Settle one medium as far as possible without the network.
fn prepare(media: &Media, target: &Target<'_>) -> Result<Step, MediaError> {
    match media.source() {
        MediaSource::Url(uri) if data_uri::is_data_uri(uri) => {
            let parsed = data_uri::parse(uri).map_err(|reason| MediaError::DataUri {
                kind: media.kind(),
                reason,
            })?;
            let declared = media.mime().map(str::to_owned).or(parsed.mime);
            inline_bytes(media, parsed.data, declared, None, target).map(Step::Ready)
        }
        MediaSource::Url(url) => url_step(media, url, target),
        MediaSource::Path(path) => local_file(media, path, target).map(Step::Ready),
        MediaSource::Bytes(bytes) => {
            let declared = media.mime().map(str::to_owned);
            inline_bytes(media, bytes.clone(), declared, None, target).map(Step::Ready)
        }
    }
}

/// A URL: sent as it is, or marked for download.
fn url_step(media: &Media, url: &str, target: &Target<'_>) -> Result<Step, MediaError> {
    let scheme_ok = url.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
    });
    if !scheme_ok {
        return Err(MediaError::Unsupported {
            model: target.model.to_owned(),
            what: media.describe(),
            mime: None,
            reason: format!(
                "only http(s) URLs and data: URIs can be sent; for a local file use `{}::path`",
                media.kind().type_name()
            ),
        });
    }
    let mime = media
        .mime()
        .map(str::to_owned)
        .or_else(|| guess_from_name(mime::url_file_name(url)))
        .map(|m| mime::for_kind(m, media.kind()));
    if let Some(m) = &mime {
        check_kind(media, m)?;
    }
    let class = class(media.kind(), mime.as_deref());
    let must_inline = !target.takes_url(class);
    let download = Step::Download {
        url: url.to_owned(),
        forwardable: !must_inline,
    };
    match target.policy.urls {
        UrlHandling::DownloadAll => return Ok(download),
        UrlHandling::DownloadWhenNeeded if must_inline => return Ok(download),
        UrlHandling::Forward if must_inline => return Err(target.needs_download(media, class)),
        _ => {}
    }
    target.check(media, class, mime.as_deref())?;
    Ok(Step::Ready(WirePart {
        part_type: target.part_type(class, mime.as_deref()),
        payload: Payload::Url(url.to_owned()),
        detail: media.detail(),
        filename: filename(media, mime::url_file_name(url), mime.as_deref()),
    }))
}

/// A downloaded URL: its type from the caller, else `Content-Type`, else the URL's extension,
/// else the bytes.
fn downloaded(
    media: &Media,
    url: &str,
    got: download::Downloaded,
    target: &Target<'_>,
) -> Result<WirePart, MediaError> {
    let name = mime::url_file_name(url);
    let declared = media
        .mime()
        .map(str::to_owned)
        .or(got.content_type)
        .or_else(|| guess_from_name(name));
    inline_bytes(media, got.bytes, declared, name, target)
}

/// Content in memory: its type from the caller (or data: URI), else from its first bytes.
fn inline_bytes(
    media: &Media,
    bytes: Bytes,
    declared: Option<String>,
    name: Option<&str>,
    target: &Target<'_>,
) -> Result<WirePart, MediaError> {
    let mime = settle_mime(media, declared, || mime::sniff(&bytes))?;
    inline(media, mime, Inline::Bytes(bytes), name, target)
}

/// A local file: read now, once (see [`file::read_once`]), and kept for the whole call
/// (re-asks included).
fn local_file(media: &Media, path: &Path, target: &Target<'_>) -> Result<WirePart, MediaError> {
    let bytes = file::read_once(path, &media.describe(), target.policy.max_download_bytes)?;
    let name = path.file_name().and_then(|n| n.to_str());
    let declared = media.mime().map(str::to_owned);
    let mime = settle_mime(media, declared, || {
        mime::sniff(&bytes).or_else(|| name.and_then(mime::from_extension))
    })?;
    inline(media, mime, Inline::Bytes(bytes), name, target)
}

/// The declared type if there is one, else the detected one, else an error asking for it.
fn settle_mime(
    media: &Media,
    declared: Option<String>,
    detect: impl FnOnce() -> Option<&'static str>,
) -> Result<String, MediaError> {
    let mime = declared
        .or_else(|| detect().map(str::to_owned))
        .ok_or_else(|| MediaError::UnknownMime {
            what: media.describe(),
            example: example_mime(media.kind()),
        })?;
    Ok(mime::for_kind(mime, media.kind()))
}

/// Checks and shape for inline content of a known type.
fn inline(
    media: &Media,
    mime: String,
    content: Inline,
    name: Option<&str>,
    target: &Target<'_>,
) -> Result<WirePart, MediaError> {
    check_kind(media, &mime)?;
    let class = class(media.kind(), Some(&mime));
    target.check(media, class, Some(&mime))?;
    Ok(WirePart {
        part_type: target.part_type(class, Some(&mime)),
        filename: filename(media, name, Some(&mime)),
        detail: media.detail(),
        payload: Payload::Inline {
            mime: target.spell(&mime).to_owned(),
            content,
        },
    })
}

/// What to do when a download fails: send the URL as it is where the target takes it, else
/// send the content from elsewhere.
fn download_fix(media: &Media, forwardable: bool) -> String {
    if forwardable {
        "or, if the model server can reach the URL, send it as it is with `.download_media(false)`"
            .to_owned()
    } else {
        let ty = media.kind().type_name();
        format!("or pass the content with `{ty}::path` or `{ty}::bytes`")
    }
}

/// What lets `request()` show a URL it would download: sending it as it is where the target
/// takes URLs; else the content itself, or a style whose server fetches URLs.
fn offline_fix(media: &Media, forwardable: bool) -> String {
    if forwardable {
        "or send URLs as they are with `.download_media(false)`".to_owned()
    } else {
        let ty = media.kind().type_name();
        format!(
            "pass the content with `{ty}::bytes` or `{ty}::path`, or, if the server fetches URLs \
             itself, choose `MediaStyle::Aggregator` (`.media_policy(MediaPolicy::new()\
             .style(MediaStyle::Aggregator))`)"
        )
    }
}

fn guess_from_name(name: Option<&str>) -> Option<String> {
    name.and_then(mime::from_extension).map(str::to_owned)
}

/// The file name `file` parts carry: the caller's, else the source's, else one made from the type.
fn filename(media: &Media, source_name: Option<&str>, mime: Option<&str>) -> String {
    if let Some(name) = media.filename().or(source_name) {
        return name.to_owned();
    }
    let stem = match media.kind() {
        MediaKind::Pdf => "document",
        _ => "file",
    };
    format!("{stem}.{}", mime.map_or("bin", mime::extension_for))
}

fn example_mime(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image/png",
        MediaKind::Audio => "audio/wav",
        MediaKind::Video => "video/mp4",
        MediaKind::Pdf => "application/pdf",
        MediaKind::File => "text/plain",
    }
}
