//! Chat with audio output: `-> Result<Spoken>` asks a chat model that speaks
//! (`gpt-4o-audio-preview`, `gpt-4o-mini-audio-preview`…) for its answer aloud:
//! `POST /chat/completions` with `modalities: ["text", "audio"]` and `audio: {voice, format}`.
//! The answer's `message.audio` holds the audio (base64), what it says, its id and when the
//! server forgets it.
//!
//! The request and answer are written and read here, not by the chat pipeline: such a call has
//! no tools, structured output or re-asks, and its answer is the audio object, not text.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable_of, common_settings, response};
use super::speech::audio_mime;
use crate::error::{Error, Result, excerpt};
use crate::media::Audio;
use crate::response::{FinishReason, Response, Usage};

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
        // The template's turns, as text: a spoken function takes text parameters only.
        let messages: Vec<Value> = self
            .common
            .messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.text_content()}))
            .collect();
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        body.insert("messages".into(), Value::Array(messages));
        body.insert("modalities".into(), json!(["text", "audio"]));
        body.insert(
            "audio".into(),
            json!({"voice": voice, "format": self.format_requested()}),
        );
        if let Some(user) = self.common.end_user() {
            body.insert("user".into(), json!(user));
        }
        Ok(Value::Object(body))
    }

    async fn run(self) -> Result<Response<Spoken>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                let body = this.body(&model)?;
                let (answer, raw): (ChatAnswer, String) = this
                    .common
                    .exchange_json(&client, "chat/completions", &body)
                    .await?;
                let usage = answer.usage.map(ChatUsage::into_usage);
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
                let spoken = choice.message.into_spoken(this.format_requested(), &raw)?;
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

/// A chat completion, as far as a spoken answer needs it.
#[derive(Deserialize)]
struct ChatAnswer {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<ChatUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: AnswerMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    audio: Option<AnswerAudio>,
}

/// `message.audio`.
#[derive(Deserialize)]
struct AnswerAudio {
    id: String,
    data: String,
    #[serde(default)]
    transcript: String,
    #[serde(default)]
    expires_at: Option<u64>,
}

impl AnswerMessage {
    fn into_spoken(self, format: &str, raw: &str) -> Result<Spoken> {
        if let Some(refusal) = self.refusal.filter(|r| !r.is_empty()) {
            return Err(Error::Refused { refusal });
        }
        let Some(audio) = self.audio else {
            let said = if self.content.as_deref().is_some_and(|c| !c.is_empty()) {
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
}

/// Chat usage: `prompt_tokens`, `completion_tokens` (audio tokens included).
#[derive(Deserialize)]
struct ChatUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl ChatUsage {
    fn into_usage(self) -> Usage {
        Usage::new(self.prompt_tokens, self.completion_tokens)
    }
}
