//! The endpoint keys of a `#[prompt(…)]` attribute, fixed at compile time: one `static` per
//! function whose return type picks an endpoint other than chat completions.

/// The declared endpoint keys (the macro has checked that each suits the endpoint).
#[derive(Debug, Clone, Copy)]
pub struct EndpointDecl {
    /// Images: `size = "1024x1024"`.
    pub size: Option<&'static str>,
    /// Images: `quality = "high"`.
    pub quality: Option<&'static str>,
    /// Images (dall-e-3): `style = "vivid" | "natural"`.
    pub style: Option<&'static str>,
    /// Images (GPT image models): `background = "transparent" | "opaque" | "auto"`.
    pub background: Option<&'static str>,
    /// Images: `output_format`; speech: `response_format` (`format = "png"`, `"mp3"`…).
    pub format: Option<&'static str>,
    /// Speech: `voice = "alloy"`.
    pub voice: Option<&'static str>,
    /// Speech: `speed = 0.25..=4.0`.
    pub speed: Option<f64>,
    /// Speech: `instructions = "…"` (how to speak).
    pub instructions: Option<&'static str>,
    /// Embeddings: `dimensions = 256`.
    pub dimensions: Option<u32>,
    /// Embeddings: `encoding_format = "float" | "base64"`.
    pub encoding_format: Option<&'static str>,
    /// Embeddings: the most texts one request carries (`batch_size = …`).
    pub batch_size: Option<u32>,
    /// Transcription: the spoken language (`language = "en"`).
    pub language: Option<&'static str>,
    /// Transcription: timed segments, language and duration (`segments = true`).
    pub segments: bool,
    /// Transcription into English (`translate = true`): `/audio/translations`.
    pub translate: bool,
    /// Rerank: the most documents returned (`top_n = …`).
    pub top_n: Option<u32>,
    /// Rerank: whether the documents' texts come back (`return_documents = true`).
    pub return_documents: Option<bool>,
}

impl EndpointDecl {
    /// Nothing declared; generated code ends its initializer with `..EndpointDecl::DEFAULT`.
    pub const DEFAULT: EndpointDecl = EndpointDecl {
        size: None,
        quality: None,
        style: None,
        background: None,
        format: None,
        voice: None,
        speed: None,
        instructions: None,
        dimensions: None,
        encoding_format: None,
        batch_size: None,
        language: None,
        segments: false,
        translate: false,
        top_n: None,
        return_documents: None,
    };
}
