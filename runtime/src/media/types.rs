//! The media argument types: [`Image`], [`Audio`], [`Video`], [`Pdf`] and the general [`File`],
//! each built from a URL, a local path, bytes, or a `data:` URI; and [`Media`], what they all
//! become inside a message.

use std::fmt;
use std::path::PathBuf;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::MediaArg;
use super::data_uri;
use super::error::MediaError;
use crate::message::Message;

/// What kind of medium an argument was declared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MediaKind {
    /// A picture ([`Image`]).
    Image,
    /// Sound ([`Audio`]).
    Audio,
    /// A moving picture ([`Video`]).
    Video,
    /// A PDF document ([`Pdf`]).
    Pdf,
    /// Any other file, sent according to its MIME type ([`File`]).
    File,
}

impl MediaKind {
    /// The kind's name in messages: `image`, `audio`, `video`, `PDF`, `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Pdf => "PDF",
            Self::File => "file",
        }
    }

    /// The kind with its article, for sentences: `an image`, `audio`, `a PDF`.
    pub(crate) fn with_article(self) -> &'static str {
        match self {
            Self::Image => "an image",
            Self::Audio => "audio",
            Self::Video => "a video",
            Self::Pdf => "a PDF",
            Self::File => "a file",
        }
    }

    /// The promptfn type of this kind, for messages that suggest another one.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Self::Image => "Image",
            Self::Audio => "Audio",
            Self::Video => "Video",
            Self::Pdf => "Pdf",
            Self::File => "File",
        }
    }

    /// The kind a MIME type belongs to (`File` for anything that is not image, audio, video or PDF).
    pub(crate) fn of_mime(mime: &str) -> Self {
        match mime.split_once('/').map_or(mime, |(top, _)| top) {
            "image" => Self::Image,
            "audio" => Self::Audio,
            "video" => Self::Video,
            _ if mime == "application/pdf" => Self::Pdf,
            _ => Self::File,
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a medium's content is.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum MediaSource {
    /// An `http(s)://` URL (sent as it is or downloaded, per the [`MediaPolicy`](crate::MediaPolicy)),
    /// or a `data:` URI.
    Url(String),
    /// A local file, read when the request is sent.
    Path(PathBuf),
    /// Content in memory.
    Bytes(Bytes),
}

impl fmt::Debug for MediaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(url) if data_uri::is_data_uri(url) => {
                write!(f, "Url(<data: URI, {} chars>)", url.len())
            }
            Self::Url(url) => f
                .debug_tuple("Url")
                .field(&crate::redact::shown_url(url))
                .finish(),
            Self::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Self::Bytes(bytes) => write!(f, "Bytes(<{} bytes>)", bytes.len()),
        }
    }
}

/// How closely an image model looks at an image (OpenAI's `image_url.detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Detail {
    /// The model chooses.
    Auto,
    /// A low-resolution look: fewer tokens.
    Low,
    /// A high-resolution look.
    High,
}

impl Detail {
    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Low => "low",
            Self::High => "high",
        }
    }
}

/// One medium inside a message: its declared kind, where its content is, and what is known
/// about it. Built by [`Image`], [`Audio`], [`Video`], [`Pdf`] and [`File`].
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    kind: MediaKind,
    source: MediaSource,
    mime: Option<String>,
    filename: Option<String>,
    detail: Option<Detail>,
}

impl Media {
    pub(crate) fn new(kind: MediaKind, source: MediaSource) -> Self {
        Self {
            kind,
            source,
            mime: None,
            filename: None,
            detail: None,
        }
    }

    /// What the caller said about it, set back when it is restored from stored data.
    pub(super) fn set_details(
        &mut self,
        mime: Option<String>,
        filename: Option<String>,
        detail: Option<Detail>,
    ) {
        self.mime = mime;
        self.filename = filename;
        self.detail = detail;
    }

    fn from_data_uri(kind: MediaKind, uri: &str) -> crate::Result<Self> {
        let parsed = data_uri::parse(uri).map_err(|reason| MediaError::DataUri { kind, reason })?;
        let mut media = Self::new(kind, MediaSource::Bytes(parsed.data));
        media.mime = parsed.mime;
        Ok(media)
    }

    /// The kind it was declared as.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// Where its content is.
    pub fn source(&self) -> &MediaSource {
        &self.source
    }

    /// The MIME type given by the caller or by a `data:` URI; otherwise it is detected when the
    /// request is sent.
    pub fn mime(&self) -> Option<&str> {
        self.mime.as_deref()
    }

    /// The file name given by the caller, if any.
    pub fn filename(&self) -> Option<&str> {
        self.filename.as_deref()
    }

    /// The image detail, if one was asked for.
    pub fn detail(&self) -> Option<Detail> {
        self.detail
    }

    /// How errors name it: `the audio at https://…/a.mp3`, `the PDF file /tmp/b.pdf`.
    pub(crate) fn describe(&self) -> String {
        match &self.source {
            MediaSource::Url(url) if data_uri::is_data_uri(url) => {
                format!("the {} data: URI", self.kind)
            }
            MediaSource::Url(url) => {
                format!("the {} at {}", self.kind, crate::redact::shown_url(url))
            }
            MediaSource::Path(path) => format!("the {} file {}", self.kind, path.display()),
            MediaSource::Bytes(bytes) => format!("the {} bytes ({} bytes)", self.kind, bytes.len()),
        }
    }
}

impl MediaArg for Media {
    fn place(&self, message: &mut Message) {
        message.push_media(self.clone());
    }
}

macro_rules! media_types {
    ($($name:ident: $kind:ident, $noun:literal, $url:literal, $path:literal;)*) => {$(
        #[doc = concat!("A ", $noun, " prompt argument: placed where its `{placeholder}` is, as a content part.")]
        ///
        /// Build it from a URL, a local path, bytes or a `data:` URI. The MIME type is taken from
        /// [`mime`](Self::mime) when given, else detected when the request is sent (from the
        /// bytes' magic numbers, a download's `Content-Type`, or the file name's extension).
        /// How it is written on the wire depends on the target model and the
        /// [`MediaPolicy`](crate::MediaPolicy).
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(Media);

        impl $name {
            #[doc = concat!("A ", $noun, " at an `http(s)://` URL (or a `data:` URI), e.g. `", stringify!($name), "::url(\"", $url, "\")`.")]
            pub fn url(url: impl Into<String>) -> Self {
                Self(Media::new(MediaKind::$kind, MediaSource::Url(url.into())))
            }

            #[doc = concat!("A ", $noun, " in a local file, e.g. `", stringify!($name), "::path(\"", $path, "\")`; read when the request is sent.")]
            pub fn path(path: impl Into<PathBuf>) -> Self {
                Self(Media::new(MediaKind::$kind, MediaSource::Path(path.into())))
            }

            #[doc = concat!("A ", $noun, " in memory. Its MIME type is detected from its first bytes; give it with [`mime`](Self::mime) when they do not show it.")]
            pub fn bytes(data: impl Into<Bytes>) -> Self {
                Self(Media::new(MediaKind::$kind, MediaSource::Bytes(data.into())))
            }

            #[doc = concat!("A ", $noun, " written as a `data:<mime>;base64,<data>` URI, decoded now.")]
            ///
            /// # Errors
            /// [`Error::Media`](crate::Error::Media) when the URI is malformed.
            pub fn data_uri(uri: &str) -> crate::Result<Self> {
                Media::from_data_uri(MediaKind::$kind, uri).map(Self)
            }

            /// Its MIME type, overriding detection (`"audio/wav"`, `"image/png"`…).
            pub fn mime(mut self, mime: impl AsRef<str>) -> Self {
                self.0.mime = Some(super::mime::canonical(mime.as_ref()));
                self
            }

            /// The file name sent with it where the wire format carries one (OpenAI's `file` parts);
            /// by default the path's or URL's file name.
            pub fn filename(mut self, name: impl Into<String>) -> Self {
                self.0.filename = Some(name.into());
                self
            }

            /// The medium as it sits in a message.
            pub fn as_media(&self) -> &Media {
                &self.0
            }
        }

        impl From<$name> for Media {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl MediaArg for $name {
            fn place(&self, message: &mut Message) {
                message.push_media(self.0.clone());
            }
        }
    )*};
}

media_types! {
    Image: Image, "image", "https://example.com/cat.png", "photos/cat.jpg";
    Audio: Audio, "audio", "https://example.com/a.mp3", "recordings/a.wav";
    Video: Video, "video", "https://example.com/clip.mp4", "clips/clip.mp4";
    Pdf: Pdf, "PDF", "https://example.com/b.pdf", "docs/report.pdf";
    File: File, "file", "https://example.com/notes.txt", "notes/todo.txt";
}

impl Image {
    /// How closely the model should look (OpenAI's `detail`: low, high or auto).
    pub fn detail(mut self, detail: Detail) -> Self {
        self.0.detail = Some(detail);
        self
    }
}
