//! Why a media argument cannot be sent. Every one of these is found before a request goes out.

use super::types::MediaKind;

/// A media argument that cannot be sent as asked, with what to do about it.
///
/// Raised (as [`Error::Media`](crate::Error::Media)) before any chat request is sent, so no
/// tokens are spent on a request the server would refuse or answer without seeing the medium.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// A local file could not be read.
    #[error("cannot read {what}: {reason}")]
    Unreadable {
        /// The medium, as errors name it.
        what: String,
        /// What the operating system said.
        reason: String,
    },

    /// A URL that had to be downloaded could not be (connection, HTTP status, deadline).
    #[error(
        "could not download {what}: {reason}; check the URL and that this machine can reach it, {fix}"
    )]
    Download {
        /// The medium, as errors name it.
        what: String,
        /// What went wrong.
        reason: String,
        /// What to do about it.
        fix: String,
    },

    /// A download was larger than the size cap.
    #[error(
        "{what} is larger than the download cap of {limit} bytes{}; raise the cap with \
         `.max_media_download(…)`, {fix}",
        size.map(|s| format!(" ({s} bytes)")).unwrap_or_default()
    )]
    TooLarge {
        /// The medium, as errors name it.
        what: String,
        /// The cap, in bytes.
        limit: u64,
        /// The size the server announced, when it did.
        size: Option<u64>,
        /// What else to do about it.
        fix: String,
    },

    /// The MIME type could be told neither from the content nor from a name.
    #[error("cannot tell the MIME type of {what}: give it with `.mime(\"…\")` (e.g. `{example}`)")]
    UnknownMime {
        /// The medium, as errors name it.
        what: String,
        /// An example MIME type of the declared kind.
        example: &'static str,
    },

    /// The content is not the kind of medium it was declared as.
    #[error(
        "{what} is `{mime}`, not {}; pass it as `promptfn::{suggestion}` instead, \
         or correct its type with `.mime(\"…\")`",
        kind.with_article()
    )]
    WrongKind {
        /// The medium, as errors name it.
        what: String,
        /// The kind it was declared as.
        kind: MediaKind,
        /// The MIME type it has.
        mime: String,
        /// The promptfn type that fits its MIME type.
        suggestion: &'static str,
    },

    /// A `data:` URI could not be decoded.
    #[error("the {kind} data: URI is invalid: {reason}; write it as `data:<mime>;base64,<data>`")]
    DataUri {
        /// The kind it was declared as.
        kind: MediaKind,
        /// What is wrong with it.
        reason: String,
    },

    /// A medium placed in a system, assistant or tool message, which hold text only.
    #[error(
        "{what} is placed in a {role} message, which can hold text only; move its placeholder \
         to the user message"
    )]
    Misplaced {
        /// The medium, as errors name it.
        what: String,
        /// The role of the message it is in.
        role: &'static str,
    },

    /// The target model (or the way media is written for it) cannot take this medium.
    #[error("`{model}` cannot take {what}{}: {reason}", mime.as_ref().map(|m| format!(" (`{m}`)")).unwrap_or_default())]
    Unsupported {
        /// The model the request was for.
        model: String,
        /// The medium, as errors name it.
        what: String,
        /// Its MIME type, when known.
        mime: Option<String>,
        /// Why, and what to do instead.
        reason: String,
    },
}

impl From<MediaError> for crate::Error {
    fn from(e: MediaError) -> Self {
        Self::Media(Box::new(e))
    }
}
