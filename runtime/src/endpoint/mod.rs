//! The endpoints beside chat completions, picked by a declaration's return type.
//!
//! | return type | endpoint | call type |
//! |---|---|---|
//! | [`Embedding`], `Vec<Embedding>` | `POST /embeddings` | [`EmbedCall`] |
//! | [`Image`](crate::Image), `Vec<Image>` | `POST /images/generations` | [`ImageCall`] |
//! | `Image`, `Vec<Image>` with `Image` parameters (and an optional `mask: Image`) | `POST /images/edits` (multipart) | [`ImageCall`] |
//! | [`Audio`](crate::Audio) | `POST /audio/speech` | [`SpeechCall`] |
//! | [`Spoken`] (system and user turns allowed) | `POST /chat/completions` with `modalities: ["text", "audio"]` | [`SpokenCall`] |
//! | [`Moderation`] | `POST /moderations` | [`ModerationCall`] |
//! | [`Ranking`] (the template is the query, a `documents` list parameter) | `POST /rerank`, in the client's [`RerankFormat`] (Jina, Cohere or Xinference) | [`RerankCall`] |
//! | [`Transcript`] (one `Audio` parameter) | `POST /audio/transcriptions`, or `/audio/translations` with `translate = true` (multipart) | [`TranscriptionCall`] |
//!
//! [`Client::models`](crate::Client::models) lists the endpoint's models (`GET /models`).
//!
//! ```no_run
//! use promptfn::{prompt, Audio, Embedding, Image, Result};
//!
//! #[prompt("A watercolor of {subject}", model = "dall-e-3", size = "1024x1024")]
//! async fn paint(subject: &str) -> Result<Image>;
//!
//! #[prompt("{text}", model = "tts-1", voice = "alloy")]
//! async fn speak(text: &str) -> Result<Audio>;
//!
//! #[prompt("{text}", model = "text-embedding-3-small")]
//! async fn embed(text: &str) -> Result<Embedding>;
//!
//! #[prompt("{texts}", model = "text-embedding-3-small", dimensions = 256)]
//! async fn embed_all(texts: &[String]) -> Result<Vec<Embedding>>;
//!
//! # async fn demo() -> Result<()> {
//! paint("a lighthouse").await?.save("lighthouse.png")?;
//! let speech: Audio = speak("Hello").speed(1.25).await?;
//! let vectors = embed_all(&["a".to_owned(), "b".to_owned()]).await?;
//! # Ok(()) }
//! ```
//!
//! Each call takes the settings that make sense for its endpoint, and like a chat
//! [`Call`](crate::Call) a client, a model, transport retries and deadlines, `with_meta()` and
//! `request()`; the client's limits, tracing spans and the testing kit apply as they do to chat.

mod common;
mod decl;
mod embeddings;
mod form;
mod image_edit;
mod images;
mod models;
mod moderation;
mod parts;
mod rerank;
mod speech;
mod spoken;
mod transcription;

pub use embeddings::{
    EmbedCall, EmbedOutput, EmbedWithMeta, Embedding, EncodingFormat, MAX_EMBEDDING_BATCH,
};
pub use images::{ImageCall, ImageOutput, ImageWithMeta};
pub use models::ModelInfo;
pub use moderation::{Moderation, ModerationCall, ModerationWithMeta};
pub use rerank::{Ranked, Ranking, RerankCall, RerankFormat, RerankWithMeta};
pub use speech::{SpeechCall, SpeechWithMeta};
pub use spoken::{Spoken, SpokenCall, SpokenWithMeta};
pub use transcription::{Segment, Transcript, TranscriptionCall, TranscriptionWithMeta};

#[doc(hidden)]
pub use decl::EndpointDecl;
#[doc(hidden)]
pub use parts::{EmbedTexts, EndpointOutput, EndpointParts};
