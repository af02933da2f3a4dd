//! `POST /audio/transcriptions` and `/audio/translations` (multipart): `-> Result<Transcript>`
//! for a function whose one media parameter is an [`Audio`](crate::Audio). The template's text,
//! if any, is the endpoint's `prompt` hint (names, spelling, style).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Common, awaitable_of, common_settings, decode_answer, response};
use super::form::Form;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::response::{Response, Usage};
use crate::transport::BodyKind;

/// What was said in an audio recording.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transcript {
    /// The text (in English for a translation).
    pub text: String,
    /// The spoken language, when the server says (`segments = true` answers).
    #[serde(default)]
    pub language: Option<String>,
    /// The recording's length in seconds, when the server says.
    #[serde(default)]
    pub duration: Option<f64>,
    /// The timed pieces of the text, when asked for with `segments = true`.
    #[serde(default)]
    pub segments: Vec<Segment>,
}

/// A timed piece of a [`Transcript`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Segment {
    /// Where it starts, in seconds.
    pub start: f64,
    /// Where it ends, in seconds.
    pub end: f64,
    /// What is said in it.
    pub text: String,
}

/// The call of a function returning [`Transcript`]. Await it for the text.
#[must_use = "a transcription call does nothing until it is awaited"]
#[derive(Debug)]
pub struct TranscriptionCall {
    common: Common,
    language: Option<String>,
    segments: Option<bool>,
}

impl TranscriptionCall {
    pub(crate) fn new(common: Common) -> Self {
        Self {
            common,
            language: None,
            segments: None,
        }
    }

    common_settings!(common);

    /// The spoken language as an ISO-639-1 code (`"en"`, `"de"`…): faster and more accurate
    /// than detection. Transcriptions only.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Whether to ask for timed segments, the language and the duration (`verbose_json`,
    /// which `whisper-1` offers and the `gpt-4o-*-transcribe` models do not).
    pub fn segments(mut self, on: bool) -> Self {
        self.segments = Some(on);
        self
    }

    /// Await the transcript with the metadata.
    pub fn with_meta(self) -> TranscriptionWithMeta {
        TranscriptionWithMeta(self)
    }

    fn translate(&self) -> bool {
        self.common.keys.translate
    }

    fn path(&self) -> &'static str {
        if self.translate() {
            "audio/translations"
        } else {
            "audio/transcriptions"
        }
    }

    async fn form(&self, client: &Client, model: &str) -> Result<Form> {
        let mut media = self.common.media();
        let audio = media.next().ok_or_else(|| {
            Error::Config(format!(
                "`{}` has no audio to transcribe: place its `Audio` parameter in the template",
                self.common.spec.name
            ))
        })?;
        let loaded = self.common.load(client, model, audio).await?;
        let mut form = Form::default();
        form.file("file", &loaded.filename, &loaded.mime, loaded.bytes);
        form.text("model", model);
        let hint = self.common.prompt_text();
        if !hint.trim().is_empty() {
            form.text("prompt", hint.trim());
        }
        if !self.translate()
            && let Some(language) = self.language.as_deref().or(self.common.keys.language)
        {
            form.text("language", language);
        }
        if self.segments.unwrap_or(self.common.keys.segments) {
            form.text("response_format", "verbose_json");
            if !self.translate() {
                form.text("timestamp_granularities[]", "segment");
            }
        } else {
            form.text("response_format", "json");
        }
        Ok(form)
    }

    async fn run(self) -> Result<Response<Transcript>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                let (body, boundary) = this.form(&client, &model).await?.finish();
                let answer = this
                    .common
                    .exchange(&client, this.path(), BodyKind::Form { boundary }, body)
                    .await?;
                let (answer, raw): (TranscriptAnswer, String) = decode_answer(&answer)?;
                let usage = answer.usage.as_ref().and_then(token_usage);
                let transcript = Transcript {
                    text: answer.text,
                    language: answer.language,
                    duration: answer.duration,
                    segments: answer.segments,
                };
                Ok(response(transcript, Some(model), usage, raw, 1))
            })
            .await
    }
}

awaitable_of!(TranscriptionCall => Transcript, TranscriptionWithMeta);

/// A `json` or `verbose_json` transcription answer.
#[derive(Deserialize)]
struct TranscriptAnswer {
    text: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    segments: Vec<Segment>,
    #[serde(default)]
    usage: Option<Value>,
}

/// Token usage (`gpt-4o-*-transcribe`: `input_tokens`, `output_tokens`); `whisper-1` bills by
/// duration and reports no tokens.
fn token_usage(usage: &Value) -> Option<Usage> {
    let input = usage.get("input_tokens")?.as_u64()?;
    let output = usage
        .get("output_tokens")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    Some(Usage::new(input, output))
}
