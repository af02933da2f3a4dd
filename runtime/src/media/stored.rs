//! A medium as it is kept between requests (a serialized [`Conversation`](crate::Conversation)):
//! its kind, its content as a URL or base64 bytes, and what the caller said about it.
//!
//! A medium read from a local file is written with its path, but a path is never read back:
//! serialized conversations often come from outside the process (a session store, a client),
//! and a restored path could name any file on this machine, which would then be sent to the
//! model. Such a medium is refused on reading, with the fix (load it as bytes before saving).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::types::{Detail, Media, MediaKind, MediaSource};

/// The stored form: exactly one of `url`, `base64` and `path`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    kind: MediaKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<Detail>,
}

impl Serialize for Media {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (mut url, mut base64, mut path) = (None, None, None);
        match self.source() {
            MediaSource::Url(u) => url = Some(u.clone()),
            MediaSource::Bytes(bytes) => base64 = Some(STANDARD.encode(bytes)),
            MediaSource::Path(p) => path = Some(p.to_string_lossy().into_owned()),
        }
        Stored {
            kind: self.kind(),
            url,
            base64,
            path,
            mime: self.mime().map(str::to_owned),
            filename: self.filename().map(str::to_owned),
            detail: self.detail(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Media {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = Stored::deserialize(deserializer)?;
        let source = match (stored.url, stored.base64, stored.path) {
            (Some(url), None, None) => MediaSource::Url(url),
            (None, Some(data), None) => {
                MediaSource::Bytes(Bytes::from(STANDARD.decode(data.as_bytes()).map_err(
                    |e| D::Error::custom(format!("a medium's `base64` content: {e}")),
                )?))
            }
            (None, None, Some(_)) => {
                return Err(D::Error::custom(
                    "a medium read from a local file is not restored from stored data (its path \
                     could name any file on this machine): load it with `bytes(…)` before the \
                     conversation is saved",
                ));
            }
            _ => {
                return Err(D::Error::custom(
                    "a medium needs exactly one of `url` and `base64`",
                ));
            }
        };
        let mut media = Media::new(stored.kind, source);
        media.set_details(
            stored.mime.as_deref().map(super::mime::canonical),
            stored.filename,
            stored.detail,
        );
        Ok(media)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{Image, Pdf};

    #[test]
    fn urls_and_bytes_round_trip_with_what_the_caller_said() {
        let image: Media = Image::url("https://h.example/a.png")
            .detail(Detail::Low)
            .into();
        let pdf: Media = Pdf::bytes(&b"%PDF-1.7"[..])
            .mime("application/pdf")
            .filename("a.pdf")
            .into();
        for media in [image, pdf] {
            let json = serde_json::to_string(&media).unwrap();
            let back: Media = serde_json::from_str(&json).unwrap();
            assert_eq!(back, media, "{json}");
        }
        let json = serde_json::to_value(Media::from(Pdf::bytes(&b"%PDF"[..]))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "pdf", "base64": "JVBERg=="})
        );
    }

    #[test]
    fn paths_are_written_but_never_read_back() {
        let json = serde_json::to_string(&Media::from(Image::path("/etc/passwd"))).unwrap();
        assert_eq!(json, r#"{"kind":"image","path":"/etc/passwd"}"#);
        let error = serde_json::from_str::<Media>(&json)
            .unwrap_err()
            .to_string();
        assert!(error.contains("load it with `bytes(…)`"), "{error}");
        let both = r#"{"kind":"image","url":"https://h.example/a.png","base64":"AA=="}"#;
        assert!(serde_json::from_str::<Media>(both).is_err());
        let bad = r#"{"kind":"image","base64":"not base64!"}"#;
        assert!(serde_json::from_str::<Media>(bad).is_err());
    }
}
