//! Media parameters: images, audio, video, PDFs and other files, from URLs, local files, bytes
//! or `data:` URIs, written for each model family the way it takes them.
//!
//! A media argument is placed in its message as a [`Part::Media`](crate::Part::Media) where its
//! placeholder is. When the call is sent, each medium is resolved for the target model
//! ([`resolve`]): local files read once and bounded (`file`), its MIME type settled (`mime`), the [`MediaPolicy`] applied (`policy`,
//! `rules`), URLs downloaded when needed (`download`), from public addresses only unless the
//! policy allows private ones (`address`); then the request body is written with inline
//! content base64-encoded on the fly (`encode`).

pub(crate) mod address;
mod data_uri;
mod download;
mod encode;
mod error;
mod file;
mod load;
pub(crate) mod mime;
mod policy;
mod resolve;
mod rules;
mod save;
mod stored;
mod types;

pub(crate) use download::Downloader;
pub(crate) use encode::{Payload, WirePart};
pub use error::MediaError;
pub(crate) use load::{Loaded, load};
pub use policy::{
    DEFAULT_MAX_MEDIA_DOWNLOAD_BYTES, DEFAULT_MEDIA_DOWNLOAD_TIMEOUT, MediaPolicy, MediaStyle,
    UrlHandling,
};
pub(crate) use resolve::ResolvedMedia;
pub(crate) use rules::PartType;
pub use types::{Audio, Detail, File, Image, Media, MediaKind, MediaSource, Pdf, Video};

use crate::message::Message;
use crate::model_family::ModelFamily;

/// A prompt argument that becomes content parts (image, audio, video, PDF, file) rather than text.
///
/// Implemented by [`Image`], [`Audio`], [`Video`], [`Pdf`], [`File`] and [`Media`], and by
/// references, `Vec`s, arrays, slices and `Option`s of them: a `Vec` places each element in
/// order, `None` places nothing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a media type",
    note = "media parameters are promptfn::Image, Audio, Video, Pdf or File, or Vec, Option or slices of them"
)]
pub trait MediaArg {
    /// Append this argument's parts to `message`, at the current position.
    #[doc(hidden)]
    fn place(&self, message: &mut Message);
}

impl<M: MediaArg + ?Sized> MediaArg for &M {
    fn place(&self, message: &mut Message) {
        (**self).place(message);
    }
}

impl<M: MediaArg> MediaArg for [M] {
    fn place(&self, message: &mut Message) {
        for media in self {
            media.place(message);
        }
    }
}

impl<M: MediaArg, const N: usize> MediaArg for [M; N] {
    fn place(&self, message: &mut Message) {
        self.as_slice().place(message);
    }
}

impl<M: MediaArg> MediaArg for Vec<M> {
    fn place(&self, message: &mut Message) {
        self.as_slice().place(message);
    }
}

impl<M: MediaArg> MediaArg for Option<M> {
    fn place(&self, message: &mut Message) {
        if let Some(media) = self {
            media.place(message);
        }
    }
}

/// Whether any message holds media (most calls hold none, and skip resolution entirely).
pub(crate) fn has_media(messages: &[Message]) -> bool {
    messages
        .iter()
        .any(|m| m.parts.iter().any(|p| matches!(p, crate::Part::Media(_))))
}

fn target(model: &str, policy: MediaPolicy) -> rules::Target<'_> {
    let family = ModelFamily::of(model);
    rules::Target {
        model,
        family,
        policy: policy.settle(family),
    }
}

/// Resolve the media of `messages` for `model` under `policy` (the call's laid over the
/// client's; what it leaves unset is the model family's), downloading what it says through
/// `downloader`: everything the request body needs, or the error that stops the call before
/// anything is sent.
pub(crate) async fn prepare(
    messages: &[Message],
    model: &str,
    policy: MediaPolicy,
    downloader: &Downloader,
) -> crate::Result<ResolvedMedia> {
    if !has_media(messages) {
        return Ok(ResolvedMedia::default());
    }
    let target = target(model, policy);
    let http = downloader.pool(target.policy.allow_private_addresses)?;
    resolve::resolve(messages, &target, http).await
}

/// [`prepare`] without the network, for [`Call::request`](crate::Call::request).
pub(crate) fn prepare_offline(
    messages: &[Message],
    model: &str,
    policy: MediaPolicy,
) -> crate::Result<ResolvedMedia> {
    if !has_media(messages) {
        return Ok(ResolvedMedia::default());
    }
    resolve::resolve_offline(messages, &target(model, policy))
}
