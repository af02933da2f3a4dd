//! Media parts as they go on the wire, with inline content base64-encoded straight into the
//! request body.
//!
//! Inline content is never held as base64 text besides the JSON body: its base64 is written
//! chunk by chunk into the serializer's output, so the raw bytes and the body are the only
//! large buffers. (A local file is read into memory once, when the call resolves its media: a
//! file read again for each re-ask could have changed, or become endless, in between.)

use std::fmt;
use std::sync::{Mutex, PoisonError};

use base64::Engine;
use bytes::Bytes;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::data_uri::STANDARD;
use super::error::MediaError;
use super::rules::PartType;
use super::types::Detail;

/// One media part, ready to serialize.
#[derive(Debug)]
pub(crate) struct WirePart {
    pub(crate) part_type: PartType,
    pub(crate) payload: Payload,
    /// `image_url.detail` (images only).
    pub(crate) detail: Option<Detail>,
    /// `file.filename` (`file` parts only).
    pub(crate) filename: String,
}

/// What a part carries: a URL sent as it is, or content sent inline.
#[derive(Debug)]
pub(crate) enum Payload {
    Url(String),
    Inline {
        /// The MIME type, as this target spells it.
        mime: String,
        content: Inline,
    },
}

/// Inline content: given as bytes or a `data:` URI, downloaded, or read from a local file.
#[derive(Debug)]
pub(crate) enum Inline {
    Bytes(Bytes),
}

impl Inline {
    fn len(&self) -> u64 {
        match self {
            Self::Bytes(b) => b.len() as u64,
        }
    }
}

impl WirePart {
    /// How many bytes this part's payload takes in the body (the rest of the part is small).
    pub(crate) fn payload_len(&self) -> usize {
        match &self.payload {
            Payload::Url(url) => url.len(),
            Payload::Inline { mime, content } => {
                let raw = usize::try_from(content.len()).unwrap_or(usize::MAX);
                let encoded = base64::encoded_len(raw, true).unwrap_or(usize::MAX);
                encoded.saturating_add(mime.len() + DATA_URI_OVERHEAD)
            }
        }
    }

    /// The payload alone as a JSON string: the URL, or the inline content as a `data:` URI
    /// (`as_data_uri`: Responses' `image_url` and `file_data`) or bare base64 (Gemini's
    /// `inlineData`, Responses' `input_audio.data`), written straight into the body, for
    /// dialects that lay the part out in their own shape. Read failures land in `failure`.
    pub(crate) fn payload_text<'a>(
        &'a self,
        as_data_uri: bool,
        failure: &'a Mutex<Option<MediaError>>,
    ) -> impl Serialize + 'a {
        PayloadText {
            payload: &self.payload,
            as_data_uri,
            failure,
        }
    }

    /// This part as serde sees it; read failures of streamed files land in `failure`.
    pub(crate) fn serializable<'a>(
        &'a self,
        failure: &'a Mutex<Option<MediaError>>,
    ) -> impl Serialize + 'a {
        PartRef {
            part: self,
            failure,
        }
    }
}

/// `data:` + `;base64,`
const DATA_URI_OVERHEAD: usize = 13;

struct PartRef<'a> {
    part: &'a WirePart,
    failure: &'a Mutex<Option<MediaError>>,
}

impl Serialize for PartRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let part = self.part;
        let payload = |as_data_uri| PayloadText {
            payload: &part.payload,
            as_data_uri,
            failure: self.failure,
        };
        let mut map = s.serialize_map(Some(2))?;
        match part.part_type {
            PartType::ImageUrl => {
                map.serialize_entry("type", "image_url")?;
                map.serialize_entry(
                    "image_url",
                    &UrlObject {
                        url: payload(true),
                        detail: part.detail,
                    },
                )?;
            }
            PartType::VideoUrl => {
                map.serialize_entry("type", "video_url")?;
                map.serialize_entry(
                    "video_url",
                    &UrlObject {
                        url: payload(true),
                        detail: None,
                    },
                )?;
            }
            PartType::InputAudio { format } => {
                map.serialize_entry("type", "input_audio")?;
                map.serialize_entry(
                    "input_audio",
                    &AudioObject {
                        data: payload(false),
                        format,
                    },
                )?;
            }
            PartType::File => {
                map.serialize_entry("type", "file")?;
                map.serialize_entry(
                    "file",
                    &FileObject {
                        filename: &part.filename,
                        file_data: payload(true),
                    },
                )?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct UrlObject<'a> {
    url: PayloadText<'a>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "detail")]
    detail: Option<Detail>,
}

fn detail<S: Serializer>(d: &Option<Detail>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(d.as_str()),
        None => s.serialize_none(),
    }
}

#[derive(Serialize)]
struct AudioObject<'a> {
    data: PayloadText<'a>,
    format: &'static str,
}

#[derive(Serialize)]
struct FileObject<'a> {
    filename: &'a str,
    file_data: PayloadText<'a>,
}

/// A payload as a JSON string: the URL, a `data:<mime>;base64,…` URI, or bare base64.
struct PayloadText<'a> {
    payload: &'a Payload,
    as_data_uri: bool,
    failure: &'a Mutex<Option<MediaError>>,
}

impl Serialize for PayloadText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.payload {
            Payload::Url(url) => s.serialize_str(url),
            Payload::Inline { mime, content } => s.collect_str(&Base64Text {
                prefix: self.as_data_uri.then_some(mime.as_str()),
                content,
                failure: self.failure,
            }),
        }
    }
}

/// Input bytes per base64 chunk: a multiple of 3, so that only the last chunk is padded.
const CHUNK_IN: usize = 3 * 4096;
const CHUNK_OUT: usize = 4 * 4096;

/// Base64 text written in chunks into whatever formats it (serde_json writes it straight into
/// the body, escaping nothing since base64 needs no escapes).
struct Base64Text<'a> {
    prefix: Option<&'a str>,
    content: &'a Inline,
    failure: &'a Mutex<Option<MediaError>>,
}

impl fmt::Display for Base64Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(mime) = self.prefix {
            write!(f, "data:{mime};base64,")?;
        }
        match self.content {
            Inline::Bytes(bytes) => {
                for chunk in bytes.chunks(CHUNK_IN) {
                    self.write_chunk(f, chunk)?;
                }
                Ok(())
            }
        }
    }
}

impl Base64Text<'_> {
    fn write_chunk(&self, f: &mut fmt::Formatter<'_>, chunk: &[u8]) -> fmt::Result {
        let mut out = [0u8; CHUNK_OUT];
        let written = STANDARD.encode_slice(chunk, &mut out);
        match written.map(|n| std::str::from_utf8(&out[..n])) {
            Ok(Ok(text)) => f.write_str(text),
            // Cannot happen (the buffer fits a chunk, base64 is ASCII); kept as an error, not a panic.
            _ => {
                self.record(MediaError::Unreadable {
                    what: "inline media".into(),
                    reason: "its base64 encoding failed".into(),
                });
                Ok(())
            }
        }
    }

    fn record(&self, error: MediaError) {
        let mut slot = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_of(part: &WirePart) -> serde_json::Value {
        let failure = Mutex::new(None);
        let text = serde_json::to_string(&part.serializable(&failure)).unwrap();
        assert!(failure.lock().unwrap().is_none());
        serde_json::from_str(&text).unwrap()
    }

    fn inline(bytes: &'static [u8], mime: &str) -> Payload {
        Payload::Inline {
            mime: mime.into(),
            content: Inline::Bytes(Bytes::from_static(bytes)),
        }
    }

    #[test]
    fn each_part_type_serializes_as_the_spec_shows() {
        let image = WirePart {
            part_type: PartType::ImageUrl,
            payload: Payload::Url("https://h/a.png".into()),
            detail: Some(Detail::Low),
            filename: String::new(),
        };
        assert_eq!(
            json_of(&image),
            json!({"type":"image_url","image_url":{"url":"https://h/a.png","detail":"low"}})
        );
        let audio = WirePart {
            part_type: PartType::InputAudio { format: "mp3" },
            payload: inline(b"ID3\x04", "audio/mpeg"),
            detail: None,
            filename: String::new(),
        };
        assert_eq!(
            json_of(&audio),
            json!({"type":"input_audio","input_audio":{"data":"SUQzBA==","format":"mp3"}})
        );
        let file = WirePart {
            part_type: PartType::File,
            payload: inline(b"%PDF-", "application/pdf"),
            detail: None,
            filename: "b.pdf".into(),
        };
        assert_eq!(
            json_of(&file),
            json!({"type":"file","file":{"filename":"b.pdf","file_data":"data:application/pdf;base64,JVBERi0="}})
        );
        let video = WirePart {
            part_type: PartType::VideoUrl,
            payload: Payload::Url("https://h/c.mp4".into()),
            detail: None,
            filename: String::new(),
        };
        assert_eq!(
            json_of(&video),
            json!({"type":"video_url","video_url":{"url":"https://h/c.mp4"}})
        );
    }

    #[test]
    fn chunked_encoding_matches_one_shot_encoding_at_every_boundary() {
        for len in [
            0,
            1,
            2,
            3,
            CHUNK_IN - 1,
            CHUNK_IN,
            CHUNK_IN + 1,
            3 * CHUNK_IN + 2,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let part = WirePart {
                part_type: PartType::InputAudio { format: "wav" },
                payload: Payload::Inline {
                    mime: "audio/wav".into(),
                    content: Inline::Bytes(Bytes::from(data.clone())),
                },
                detail: None,
                filename: String::new(),
            };
            let json = json_of(&part);
            assert_eq!(json["input_audio"]["data"], STANDARD.encode(&data), "{len}");
            let expected_len = STANDARD.encode(&data).len() + "audio/wav".len() + DATA_URI_OVERHEAD;
            assert_eq!(part.payload_len(), expected_len);
        }
    }
}
