//! A medium's content in memory, for endpoints that upload files (transcription, image edits):
//! bytes as they are, local files read once and bounded (`file`), `data:` URIs decoded, URLs
//! downloaded within the policy's bounds.

use bytes::Bytes;

use super::error::MediaError;
use super::policy::Settled;
use super::types::{Media, MediaSource};
use super::{data_uri, download, file, mime};

/// A medium's content, its MIME type and a file name for a form upload.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) bytes: Bytes,
    pub(crate) mime: String,
    pub(crate) filename: String,
}

/// Read `media` into memory; URLs are downloaded with `http` under `policy`'s size and time caps.
pub(crate) async fn load(
    media: &Media,
    http: &reqwest::Client,
    policy: &Settled,
) -> Result<Loaded, MediaError> {
    let (bytes, announced, source_name) = match media.source() {
        MediaSource::Bytes(bytes) => (bytes.clone(), None, None),
        MediaSource::Path(path) => {
            // Read once and bounded, as the chat path reads local media.
            let bytes = file::read_once(path, &media.describe(), policy.max_download_bytes)?;
            let name = path.file_name().and_then(|n| n.to_str()).map(str::to_owned);
            (bytes, None, name)
        }
        MediaSource::Url(url) if data_uri::is_data_uri(url) => {
            let parsed = data_uri::parse(url).map_err(|reason| MediaError::DataUri {
                kind: media.kind(),
                reason,
            })?;
            (parsed.data, parsed.mime, None)
        }
        MediaSource::Url(url) => {
            let ty = media.kind().type_name();
            let fix = format!("or pass the content with `{ty}::path` or `{ty}::bytes`");
            let fetched = download::fetch(http, url, media.describe(), fix, policy).await?;
            let name = mime::url_file_name(url).map(str::to_owned);
            (fetched.bytes, fetched.content_type, name)
        }
    };
    let name = media.filename().map(str::to_owned).or(source_name);
    let mime = media
        .mime()
        .map(str::to_owned)
        .or(announced)
        .or_else(|| mime::sniff(&bytes).map(str::to_owned))
        .or_else(|| {
            name.as_deref()
                .and_then(mime::from_extension)
                .map(str::to_owned)
        })
        .ok_or_else(|| MediaError::UnknownMime {
            what: media.describe(),
            example: "audio/wav",
        })?;
    // Servers often go by the file name's extension: `image.png`, `audio.wav`…
    let filename = name.unwrap_or_else(|| {
        let stem = media.kind().type_name().to_ascii_lowercase();
        format!("{stem}.{}", audio_extension(&mime))
    });
    Ok(Loaded {
        bytes,
        mime,
        filename,
    })
}

/// The extension servers expect for an audio type (they often go by the file name).
fn audio_extension(mime: &str) -> &'static str {
    match mime {
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/wav" | "audio/x-wav" => "wav",
        "audio/ogg" => "ogg",
        "audio/flac" => "flac",
        "audio/webm" => "webm",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" => "m4a",
        other => mime::extension_for(other),
    }
}
