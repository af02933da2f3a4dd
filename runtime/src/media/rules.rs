//! What a target takes: the part type each medium becomes in each style, which media need their
//! bytes inline, and which combinations a model family refuses, as the providers' documentation
//! and the aggregators' source show.

use super::error::MediaError;
use super::mime::{GEMINI_MIME_TYPES, gemini_spelling};
use super::policy::{MediaStyle, Settled};
use super::types::{Media, MediaKind};
use crate::model_family::ModelFamily;

/// The model a request is for and the settled policy: everything that decides how media is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) model: &'a str,
    pub(crate) family: ModelFamily,
    pub(crate) policy: Settled,
}

/// The content-part type a medium is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartType {
    /// `{"type":"image_url","image_url":{"url":…}}`
    ImageUrl,
    /// `{"type":"input_audio","input_audio":{"data":<base64>,"format":…}}`
    InputAudio { format: &'static str },
    /// `{"type":"file","file":{"filename":…,"file_data":<data: URI>}}`
    File,
    /// `{"type":"video_url","video_url":{"url":…}}`
    VideoUrl,
}

/// The kind a medium is sent as: its declared kind, or for a [`File`](crate::File), the kind its
/// MIME type names (a `File` holding a PNG is sent as an image).
pub(crate) fn class(kind: MediaKind, mime: Option<&str>) -> MediaKind {
    match (kind, mime) {
        (MediaKind::File, Some(mime)) => MediaKind::of_mime(mime),
        (kind, _) => kind,
    }
}

/// A declared `Image`/`Audio`/`Video`/`Pdf` must hold that kind of content; a `File` holds anything.
pub(crate) fn check_kind(media: &Media, mime: &str) -> Result<(), MediaError> {
    let declared = media.kind();
    let actual = MediaKind::of_mime(mime);
    if declared == MediaKind::File || declared == actual {
        return Ok(());
    }
    Err(MediaError::WrongKind {
        what: media.describe(),
        kind: declared,
        mime: mime.to_owned(),
        suggestion: actual.type_name(),
    })
}

impl Target<'_> {
    /// Whether a medium of this class may be sent as a URL; otherwise only its bytes inline will do.
    pub(crate) fn takes_url(&self, class: MediaKind) -> bool {
        match self.policy.style {
            MediaStyle::Aggregator => true,
            MediaStyle::OpenAi => matches!(class, MediaKind::Image | MediaKind::Video),
        }
    }

    /// The part type of a medium of this class and MIME type.
    pub(crate) fn part_type(&self, class: MediaKind, mime: Option<&str>) -> PartType {
        match (self.policy.style, class) {
            (MediaStyle::Aggregator, _) | (MediaStyle::OpenAi, MediaKind::Image) => {
                PartType::ImageUrl
            }
            (MediaStyle::OpenAi, MediaKind::Audio) => PartType::InputAudio {
                format: mime.and_then(audio_format).unwrap_or("wav"),
            },
            (MediaStyle::OpenAi, MediaKind::Video) => PartType::VideoUrl,
            (MediaStyle::OpenAi, _) => PartType::File,
        }
    }

    /// How the MIME type is spelled in a `data:` URI for this target.
    pub(crate) fn spell<'m>(&self, mime: &'m str) -> &'m str {
        match self.family {
            ModelFamily::Gemini => gemini_spelling(mime),
            _ => mime,
        }
    }

    /// Refuse, before sending, what the family or the style cannot take. `mime` is `None` for a
    /// URL sent as it is whose type nothing showed; only the kind is checked then.
    pub(crate) fn check(
        &self,
        media: &Media,
        class: MediaKind,
        mime: Option<&str>,
    ) -> Result<(), MediaError> {
        let refuse = |reason: String| {
            Err(MediaError::Unsupported {
                model: self.model.to_owned(),
                what: media.describe(),
                mime: mime.map(str::to_owned),
                reason,
            })
        };
        match self.family {
            ModelFamily::Claude => match class {
                MediaKind::Pdf => {}
                MediaKind::Image => {
                    if let Some(m) = mime
                        && !WEB_IMAGES.contains(&m)
                    {
                        return refuse(
                            "Claude takes JPEG, PNG, GIF and WebP images only; convert it to one of them"
                                .into(),
                        );
                    }
                }
                _ => {
                    return refuse(format!(
                        "Claude models take images and PDFs only (aggregators send any other \
                         medium to Claude as an image, which fails); send {} to a Gemini model, \
                         or put its content in the prompt as text",
                        class.with_article()
                    ));
                }
            },
            ModelFamily::Gemini => {
                if let Some(m) = mime
                    && !GEMINI_MIME_TYPES.contains(&gemini_spelling(m))
                {
                    return refuse(format!(
                        "Gemini takes only {} (aggregators fail with \"mime type is not supported \
                         by Gemini\"); convert it, e.g. audio to mp3 or wav, images to png or jpeg, \
                         video to mp4",
                        GEMINI_MIME_TYPES.join(", ")
                    ));
                }
            }
            ModelFamily::OpenAi => match class {
                MediaKind::Video => {
                    return refuse(
                        "OpenAI models take no video; send frames of it as images".into(),
                    );
                }
                MediaKind::Image => {
                    if let Some(m) = mime
                        && !WEB_IMAGES.contains(&m)
                    {
                        return refuse(
                            "OpenAI models take PNG, JPEG, WebP and GIF images only; convert it"
                                .into(),
                        );
                    }
                }
                _ => {}
            },
            ModelFamily::Other => {}
        }
        if self.policy.style == MediaStyle::OpenAi
            && class == MediaKind::Audio
            && let Some(m) = mime
            && audio_format(m).is_none()
        {
            return refuse(
                "OpenAI-style `input_audio` parts take wav and mp3 only; convert it, or if the \
                 server takes other audio as `image_url`, choose `MediaStyle::Aggregator`"
                    .into(),
            );
        }
        Ok(())
    }

    /// The error for a URL that must be inlined while downloading is off.
    pub(crate) fn needs_download(&self, media: &Media, class: MediaKind) -> MediaError {
        let part = match class {
            MediaKind::Audio => "`input_audio` parts, which hold base64 data only",
            _ => "`file` parts, which hold base64 data only",
        };
        MediaError::Unsupported {
            model: self.model.to_owned(),
            what: media.describe(),
            mime: media.mime().map(str::to_owned),
            reason: format!(
                "in the OpenAI style {} goes in {part}, and downloading is off; allow it with \
                 `.download_media(true)`, pass the content with `{}::path`/`{}::bytes`, or \
                 choose `MediaStyle::Aggregator` if the server fetches URLs itself",
                class.with_article(),
                media.kind().type_name(),
                media.kind().type_name(),
            ),
        }
    }
}

/// The image types both OpenAI and Claude take.
const WEB_IMAGES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// `input_audio.format` for a MIME type: only wav and mp3 exist.
fn audio_format(mime: &str) -> Option<&'static str> {
    match mime {
        "audio/wav" => Some("wav"),
        "audio/mpeg" => Some("mp3"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{Audio, Image, MediaPolicy, Pdf, Video};

    fn target(model: &str, style: Option<MediaStyle>) -> Target<'_> {
        let family = ModelFamily::of(model);
        let mut policy = MediaPolicy::new();
        if let Some(style) = style {
            policy = policy.style(style);
        }
        Target {
            model,
            family,
            policy: policy.settle(family),
        }
    }

    #[test]
    fn part_types_per_style() {
        let agg = target("gemini-2.0-flash", None);
        let oai = target("gpt-4o", None);
        for kind in [MediaKind::Image, MediaKind::Audio, MediaKind::Pdf] {
            assert_eq!(agg.part_type(kind, None), PartType::ImageUrl);
            assert!(agg.takes_url(kind));
        }
        assert_eq!(oai.part_type(MediaKind::Image, None), PartType::ImageUrl);
        assert_eq!(
            oai.part_type(MediaKind::Audio, Some("audio/mpeg")),
            PartType::InputAudio { format: "mp3" }
        );
        assert_eq!(oai.part_type(MediaKind::Pdf, None), PartType::File);
        assert_eq!(oai.part_type(MediaKind::File, None), PartType::File);
        assert_eq!(oai.part_type(MediaKind::Video, None), PartType::VideoUrl);
        assert!(!oai.takes_url(MediaKind::Audio));
        assert!(!oai.takes_url(MediaKind::Pdf));
        assert!(oai.takes_url(MediaKind::Video));
    }

    #[test]
    fn families_refuse_what_they_cannot_take() {
        let audio = Audio::url("https://h.example/a.ogg").into();
        let gemini = target("google/gemini-2.0-flash", None);
        let err = gemini
            .check(&audio, MediaKind::Audio, Some("audio/ogg"))
            .unwrap_err();
        assert!(err.to_string().contains("Gemini takes only"), "{err}");
        assert!(
            gemini
                .check(&audio, MediaKind::Audio, Some("audio/wav"))
                .is_ok()
        );
        assert!(
            gemini
                .check(
                    &Video::url("x").into(),
                    MediaKind::Video,
                    Some("video/quicktime")
                )
                .is_ok()
        );

        let claude = target("claude-3-5-sonnet", None);
        let err = claude.check(&audio, MediaKind::Audio, None).unwrap_err();
        assert!(err.to_string().contains("images and PDFs only"), "{err}");
        assert!(
            claude
                .check(&Pdf::url("x").into(), MediaKind::Pdf, None)
                .is_ok()
        );

        let gpt = target("gpt-4o", None);
        let err = gpt
            .check(&audio, MediaKind::Audio, Some("audio/ogg"))
            .unwrap_err();
        assert!(err.to_string().contains("wav and mp3 only"), "{err}");
        assert!(
            gpt.check(&Video::url("x").into(), MediaKind::Video, None)
                .is_err()
        );
        let local = target("smollm2", None);
        assert!(
            local
                .check(&Image::url("x").into(), MediaKind::Image, Some("image/bmp"))
                .is_ok()
        );
    }

    #[test]
    fn declared_kinds_must_match_the_content() {
        let err = check_kind(&Image::path("x.png").into(), "application/pdf").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the image file x.png is `application/pdf`, not an image; pass it as \
             `promptfn::Pdf` instead, or correct its type with `.mime(\"…\")`"
        );
        assert!(check_kind(&crate::media::File::path("x").into(), "text/csv").is_ok());
        assert_eq!(class(MediaKind::File, Some("image/png")), MediaKind::Image);
        assert_eq!(class(MediaKind::File, Some("text/csv")), MediaKind::File);
    }
}
