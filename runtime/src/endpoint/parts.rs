//! What generated code hands an endpoint call: the declaration, its endpoint keys and the
//! rendered prompt (or, for `Vec<Embedding>`, the texts of a list parameter).

use super::common::Common;
use super::decl::EndpointDecl;
use super::embeddings::{EmbedCall, Embedding};
use super::images::ImageCall;
use super::moderation::{Moderation, ModerationCall};
use super::rerank::{Ranking, RerankCall};
use super::speech::SpeechCall;
use super::spoken::{Spoken, SpokenCall};
use super::transcription::{Transcript, TranscriptionCall};
use crate::media::{Audio, Image, Media, MediaArg};
use crate::message::{Message, Part, Role};
use crate::spec::{PromptBuilder, PromptSpec};

/// A declaration's rendered prompt, ready to become its endpoint's call.
#[derive(Debug)]
pub struct EndpointParts {
    common: Common,
    /// The texts of a `Vec<Embedding>` function's list parameter, or a `Ranking` function's
    /// documents.
    texts: Option<Vec<String>>,
    /// An image edit's mask.
    mask: Option<Media>,
}

impl EndpointParts {
    /// The prompt rendered by `builder`.
    pub fn rendered(builder: PromptBuilder, keys: &'static EndpointDecl) -> Self {
        let (spec, messages) = builder.into_parts();
        Self {
            common: Common::new(spec, keys, messages),
            texts: None,
            mask: None,
        }
    }

    /// These parts with the mask of an image edit (`None` places nothing).
    pub fn mask<M: MediaArg + ?Sized>(mut self, mask: &M) -> Self {
        let mut placed = Message::new(Role::User);
        mask.place(&mut placed);
        self.mask = placed.parts.into_iter().find_map(|part| match part {
            Part::Media(media) => Some(media),
            Part::Text(_) => None,
        });
        self
    }

    /// These parts with the documents a `Ranking` function ranks.
    pub fn documents(mut self, documents: Vec<String>) -> Self {
        self.texts = Some(documents);
        self
    }

    /// The texts of a list parameter, each embedded on its own.
    pub fn texts(
        spec: &'static PromptSpec,
        keys: &'static EndpointDecl,
        texts: Vec<String>,
    ) -> Self {
        Self {
            common: Common::new(spec, keys, Vec::new()),
            texts: Some(texts),
            mask: None,
        }
    }
}

/// A return type that picks an endpoint other than chat completions, and the call it makes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not pick an endpoint",
    label = "not one of promptfn's endpoint types",
    note = "a #[prompt] function returning promptfn::Image, Vec<Image>, Audio, Spoken, \
            Embedding, Vec<Embedding>, Transcript, Moderation or Ranking calls that endpoint; for structured output into a type \
            of your own with one of these names, rename the type"
)]
pub trait EndpointOutput: Sized {
    /// What the generated function returns.
    type Call;
    /// The call for these parts.
    fn call(parts: EndpointParts) -> Self::Call;
}

impl EndpointOutput for Image {
    type Call = ImageCall<Image>;
    fn call(parts: EndpointParts) -> Self::Call {
        ImageCall::new(parts.common, parts.mask)
    }
}

impl EndpointOutput for Vec<Image> {
    type Call = ImageCall<Vec<Image>>;
    fn call(parts: EndpointParts) -> Self::Call {
        ImageCall::new(parts.common, parts.mask)
    }
}

impl EndpointOutput for Audio {
    type Call = SpeechCall;
    fn call(parts: EndpointParts) -> Self::Call {
        SpeechCall::new(parts.common)
    }
}

impl EndpointOutput for Spoken {
    type Call = SpokenCall;
    fn call(parts: EndpointParts) -> Self::Call {
        SpokenCall::new(parts.common)
    }
}

impl EndpointOutput for Transcript {
    type Call = TranscriptionCall;
    fn call(parts: EndpointParts) -> Self::Call {
        TranscriptionCall::new(parts.common)
    }
}

impl EndpointOutput for Ranking {
    type Call = RerankCall;
    fn call(parts: EndpointParts) -> Self::Call {
        RerankCall::new(parts.common, parts.texts.unwrap_or_default())
    }
}

impl EndpointOutput for Moderation {
    type Call = ModerationCall;
    fn call(parts: EndpointParts) -> Self::Call {
        ModerationCall::new(parts.common)
    }
}

impl EndpointOutput for Embedding {
    type Call = EmbedCall<Embedding>;
    fn call(parts: EndpointParts) -> Self::Call {
        let text = parts.common.prompt_text();
        EmbedCall::new(parts.common, vec![text])
    }
}

impl EndpointOutput for Vec<Embedding> {
    type Call = EmbedCall<Vec<Embedding>>;
    fn call(parts: EndpointParts) -> Self::Call {
        let texts = match parts.texts {
            Some(texts) => texts,
            None => vec![parts.common.prompt_text()],
        };
        EmbedCall::new(parts.common, texts)
    }
}

/// A list parameter of a `Vec<Embedding>` function: each text is embedded on its own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of texts",
    label = "a `Vec<Embedding>` function embeds each text of this list",
    note = "declare the parameter as `&[String]`, `Vec<String>`, `&[&str]` or another list of \
            strings; for one text, return `Result<Embedding>`"
)]
pub trait EmbedTexts {
    /// The texts, owned.
    fn texts(&self) -> Vec<String>;
}

impl<S: AsRef<str>> EmbedTexts for [S] {
    fn texts(&self) -> Vec<String> {
        self.iter().map(|s| s.as_ref().to_owned()).collect()
    }
}

impl<S: AsRef<str>> EmbedTexts for Vec<S> {
    fn texts(&self) -> Vec<String> {
        self.as_slice().texts()
    }
}

impl<S: AsRef<str>, const N: usize> EmbedTexts for [S; N] {
    fn texts(&self) -> Vec<String> {
        self.as_slice().texts()
    }
}

impl<T: EmbedTexts + ?Sized> EmbedTexts for &T {
    fn texts(&self) -> Vec<String> {
        (**self).texts()
    }
}
