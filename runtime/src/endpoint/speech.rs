//! `POST /audio/speech`: `-> Result<Audio>`, the spoken prompt as bytes with their MIME type.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable_of, common_settings, response};
use crate::error::{ApiError, Error, Result};
use crate::media::{Audio, mime};
use crate::response::Response;

/// The call of a function returning [`Audio`]. Await it for the speech; adjust it first like
/// a chat [`Call`](crate::Call).
#[must_use = "a speech call does nothing until it is awaited"]
#[derive(Debug)]
pub struct SpeechCall {
    common: Common,
    voice: Option<String>,
    format: Option<String>,
    speed: Option<f64>,
    instructions: Option<String>,
}

impl SpeechCall {
    pub(crate) fn new(common: Common) -> Self {
        Self {
            common,
            voice: None,
            format: None,
            speed: None,
            instructions: None,
        }
    }

    common_settings!(common);

    /// The voice: `"alloy"`, `"coral"`, `"nova"`… (what the model offers).
    pub fn voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// The audio format (`response_format`): `"mp3"` (the default), `"opus"`, `"aac"`,
    /// `"flac"`, `"wav"` or `"pcm"`.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// The speed, from 0.25 to 4.0 (1.0 is normal).
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = Some(speed);
        self
    }

    /// How to speak: tone, pace, accent (`gpt-4o-mini-tts`; `tts-1` ignores it).
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// The text this call speaks.
    pub fn input(&self) -> String {
        self.common.prompt_text()
    }

    /// Await the audio with the metadata.
    pub fn with_meta(self) -> SpeechWithMeta {
        SpeechWithMeta(self)
    }

    /// The body this call would send, without sending it.
    pub fn request(&self) -> Result<Value> {
        let client = self.common.resolve_client()?;
        let model = self.common.resolve_model(&client)?;
        self.body(&model)
    }

    fn format_requested(&self) -> Option<&str> {
        self.format.as_deref().or(self.common.keys.format)
    }

    fn body(&self, model: &str) -> Result<Value> {
        let keys = self.common.keys;
        let voice = self.voice.as_deref().or(keys.voice).ok_or_else(|| {
            Error::Config(format!(
                "`{}` speaks without a voice: write `voice = \"alloy\"` in its #[prompt] or call \
                 `.voice(…)`",
                self.common.spec.name
            ))
        })?;
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        body.insert("input".into(), json!(self.common.prompt_text()));
        body.insert("voice".into(), json!(voice));
        if let Some(instructions) = self.instructions.as_deref().or(keys.instructions) {
            body.insert("instructions".into(), json!(instructions));
        }
        if let Some(format) = self.format_requested() {
            body.insert("response_format".into(), json!(format));
        }
        if let Some(speed) = self.speed.or(keys.speed) {
            body.insert("speed".into(), json!(speed));
        }
        Ok(Value::Object(body))
    }

    async fn run(self) -> Result<Response<Audio>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                let body = this.body(&model)?;
                let bytes =
                    serde_json::to_vec(&body).map_err(|e| Error::Config(format!("body: {e}")))?;
                let audio = this
                    .common
                    .exchange(
                        &client,
                        "audio/speech",
                        crate::transport::BodyKind::Json,
                        bytes,
                    )
                    .await?;
                refuse_error_object(&audio)?;
                let mime = audio_mime(&audio, this.format_requested());
                let raw = format!("<{} bytes of {mime}>", audio.len());
                Ok(response(
                    Audio::bytes(audio).mime(mime),
                    Some(model),
                    None,
                    raw,
                    1,
                ))
            })
            .await
    }
}

awaitable_of!(SpeechCall => Audio, SpeechWithMeta);

/// Some gateways answer a failed speech request with 200 and an error object instead of audio.
fn refuse_error_object(body: &Bytes) -> Result<()> {
    let looks_like_json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !looks_like_json {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if value.get("error").is_some_and(|e| !e.is_null()) => {
            Err(ApiError::from_body(200, body).into())
        }
        _ => Ok(()),
    }
}

/// The audio's MIME type: what its bytes show, else the format asked for, else mp3 (the
/// endpoint's default). Chat audio output (`Spoken`) names its formats the same way, but for
/// `pcm16`.
pub(super) fn audio_mime(bytes: &[u8], format: Option<&str>) -> &'static str {
    let asked = match format {
        Some("opus") => Some("audio/ogg"),
        Some("aac") => Some("audio/aac"),
        Some("flac") => Some("audio/flac"),
        Some("wav") => Some("audio/wav"),
        // Raw 24 kHz 16-bit mono samples: nothing in the bytes says so.
        Some("pcm" | "pcm16") => return "audio/pcm",
        Some("mp3") => Some("audio/mpeg"),
        _ => None,
    };
    mime::sniff(bytes)
        .filter(|sniffed| sniffed.starts_with("audio/"))
        .or(asked)
        .unwrap_or("audio/mpeg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mime_type_comes_from_the_bytes_then_the_format() {
        let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ";
        assert_eq!(audio_mime(wav, Some("mp3")), "audio/wav");
        assert_eq!(audio_mime(b"\x00\x01", Some("flac")), "audio/flac");
        assert_eq!(audio_mime(b"\x00\x01", Some("pcm")), "audio/pcm");
        assert_eq!(audio_mime(b"\x00\x01", None), "audio/mpeg");
    }

    #[test]
    fn an_error_object_in_a_success_answer_is_an_api_error() {
        let body = Bytes::from_static(br#" {"error": {"message": "no such voice"}}"#);
        assert!(matches!(refuse_error_object(&body), Err(Error::Api(_))));
        assert!(refuse_error_object(&Bytes::from_static(b"ID3\x04")).is_ok());
    }
}
