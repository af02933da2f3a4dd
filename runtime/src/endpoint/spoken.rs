//! Chat with audio output: `-> Result<Spoken>` asks a chat model that speaks
//! (`gpt-4o-audio-preview`, `gpt-4o-mini-audio-preview`…) for its answer aloud, on
//! `POST /chat/completions`.
//!
//! The request and the answer's audio are written and read by
//! [`wire::chat_audio`](crate::wire::chat_audio), not by the chat pipeline: such a call has no
//! tools, structured output or re-asks, and its answer is the audio object, not text.

use base64::Engine as _;
use serde_json::Value;

use super::common::{Common, awaitable_of, common_settings, response};
use super::speech::audio_mime;
use crate::error::{Error, Result, excerpt};
use crate::media::Audio;
use crate::response::{FinishReason, Response};
use crate::wire::chat_audio::{AudioAnswer, AudioMessage, AudioRequest};

/// The audio format asked for when neither the declaration nor the call names one (the
/// endpoint requires one; WAV plays everywhere).
const DEFAULT_FORMAT: &str = "wav";

/// What a chat model said aloud: the audio and its transcript.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Spoken {
    /// The audio, in memory, with its MIME type.
    pub audio: Audio,
    /// What the audio says.
    pub transcript: String,
    /// The server's id of this audio, by which a later turn of the conversation can refer to
    /// it instead of sending it back.
    pub id: String,
    /// When the server forgets the audio (Unix seconds), if it says.
    pub expires_at: Option<u64>,
}

/// The call of a function returning [`Spoken`]. Await it for the spoken answer; adjust it
/// first like a chat [`Call`](crate::Call).
#[must_use = "a spoken call does nothing until it is awaited"]
#[derive(Debug)]
pub struct SpokenCall {
    common: Common,
    voice: Option<String>,
    format: Option<String>,
}

impl SpokenCall {
    pub(crate) fn new(common: Common) -> Self {
        Self {
            common,
            voice: None,
            format: None,
        }
    }

    common_settings!(common);

    /// The voice: `"alloy"`, `"coral"`, `"sage"`… (what the model offers).
    pub fn voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// The audio format: `"wav"` (the default), `"mp3"`, `"flac"`, `"opus"`, `"aac"` or
    /// `"pcm16"`.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// Await the spoken answer with the metadata (usage, the raw answer).
    pub fn with_meta(self) -> SpokenWithMeta {
        SpokenWithMeta(self)
    }

    /// The body this call would send, without sending it.
    pub fn request(&self) -> Result<Value> {
        let client = self.common.resolve_client()?;
        let model = self.common.resolve_model(&client)?;
        self.body(&model)
    }

    fn format_requested(&self) -> &str {
        self.format
            .as_deref()
            .or(self.common.keys.format)
            .unwrap_or(DEFAULT_FORMAT)
    }

    fn body(&self, model: &str) -> Result<Value> {
        let voice = self
            .voice
            .as_deref()
            .or(self.common.keys.voice)
            .ok_or_else(|| {
                Error::Config(format!(
                    "`{}` answers aloud without a voice: write `voice = \"alloy\"` in its \
                     #[prompt] or call `.voice(…)`",
                    self.common.spec.name
                ))
            })?;
        Ok(AudioRequest {
            model,
            messages: &self.common.messages,
            voice,
            format: self.format_requested(),
            user: self.common.end_user(),
        }
        .body())
    }

    async fn run(self) -> Result<Response<Spoken>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                let body = this.body(&model)?;
                let (answer, raw): (AudioAnswer, String) = this
                    .common
                    .exchange_json(&client, "chat/completions", &body)
                    .await?;
                let usage = answer.usage;
                let id = answer.id;
                let answered_by = answer.model.or(Some(model));
                let choice = answer
                    .choices
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::Protocol {
                        reason: "the answer has no choice".into(),
                        raw: excerpt(&raw),
                    })?;
                let spoken = spoken_of(choice.message, this.format_requested(), &raw)?;
                let mut response = response(spoken, answered_by, usage, raw, 1);
                response.id = id;
                response.finish_reason = choice
                    .finish_reason
                    .as_deref()
                    .and_then(FinishReason::parse);
                Ok(response)
            })
            .await
    }
}

awaitable_of!(SpokenCall => Spoken, SpokenWithMeta);

/// The audio in an answer's message, as the [`Spoken`] it is (asked for in `format`).
fn spoken_of(message: AudioMessage, format: &str, raw: &str) -> Result<Spoken> {
    if let Some(refusal) = message.refusal.filter(|r| !r.is_empty()) {
        return Err(Error::Refused { refusal });
    }
    let Some(audio) = message.audio else {
        let said = if message.content.as_deref().is_some_and(|c| !c.is_empty()) {
            " (it answered with text only)"
        } else {
            ""
        };
        return Err(Error::Protocol {
            reason: format!(
                "the answer has no audio{said}: the model may not speak; use one with audio \
                 output, such as gpt-4o-audio-preview"
            ),
            raw: excerpt(raw),
        });
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(audio.data.trim())
        .map_err(|e| Error::Protocol {
            reason: format!("the answer's audio data does not decode: {e}"),
            raw: excerpt(raw),
        })?;
    let mime = audio_mime(&bytes, Some(format));
    Ok(Spoken {
        audio: Audio::bytes(bytes).mime(mime),
        transcript: audio.transcript,
        id: audio.id,
        expires_at: audio.expires_at,
    })
}
