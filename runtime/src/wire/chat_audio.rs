//! Chat completions with audio output (`gpt-4o-audio-preview`…), the wire of a spoken call:
//! the request asks for `modalities: ["text", "audio"]` and `audio: {voice, format}`, and the
//! answer's `message.audio` holds the audio (base64), what it says, its id and when the server
//! forgets it. Written apart from the chat encoder: such a call has no tools, structured output
//! or re-asks, and what it reads of the answer is the audio object, not text.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::symbol;
use crate::message::Message;
use crate::response::Usage;

/// What a spoken call asks for.
pub(crate) struct AudioRequest<'a> {
    pub(crate) model: &'a str,
    pub(crate) messages: &'a [Message],
    pub(crate) voice: &'a str,
    /// `wav`, `mp3`, `flac`, `opus`, `aac` or `pcm16`.
    pub(crate) format: &'a str,
    /// The end-user id, if any.
    pub(crate) user: Option<&'a str>,
}

impl AudioRequest<'_> {
    /// The request body. The turns go as text: a spoken function takes text parameters only.
    pub(crate) fn body(&self) -> Value {
        let messages: Vec<Value> = self
            .messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.text_content()}))
            .collect();
        let mut body = Map::new();
        body.insert(symbol::MODEL.into(), json!(self.model));
        body.insert(symbol::MESSAGES.into(), Value::Array(messages));
        body.insert("modalities".into(), json!(["text", "audio"]));
        body.insert(
            "audio".into(),
            json!({"voice": self.voice, "format": self.format}),
        );
        if let Some(user) = self.user {
            body.insert(symbol::USER.into(), json!(user));
        }
        Value::Object(body)
    }
}

/// A chat completion, as far as a spoken answer needs it.
#[derive(Deserialize)]
pub(crate) struct AudioAnswer {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default)]
    pub(crate) choices: Vec<AudioChoice>,
    /// `prompt_tokens` and `completion_tokens`, audio tokens included.
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
}

#[derive(Deserialize)]
pub(crate) struct AudioChoice {
    pub(crate) message: AudioMessage,
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct AudioMessage {
    #[serde(default)]
    pub(crate) content: Option<String>,
    #[serde(default)]
    pub(crate) refusal: Option<String>,
    #[serde(default)]
    pub(crate) audio: Option<AnswerAudio>,
}

/// `message.audio`.
#[derive(Deserialize)]
pub(crate) struct AnswerAudio {
    pub(crate) id: String,
    /// The audio, base64.
    pub(crate) data: String,
    #[serde(default)]
    pub(crate) transcript: String,
    /// Unix seconds.
    #[serde(default)]
    pub(crate) expires_at: Option<u64>,
}
