//! Scripted answers of the endpoints beside chat completions, in their real formats.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Value, json};

use super::{MockRequest, Reply};

impl Reply {
    /// The embeddings endpoint answers with these vectors, one per text of the request, in
    /// order (OpenAI's format, `usage` counting one token per text). A request with more texts
    /// than vectors gets the last vector for the rest.
    pub fn embeddings(vectors: impl IntoIterator<Item = Vec<f32>>) -> Self {
        let vectors: Vec<Vec<f32>> = vectors.into_iter().collect();
        Self::from_fn(move |request| {
            let texts = embedding_inputs(request);
            let data: Vec<Value> = (0..texts)
                .map(|index| {
                    let vector = vectors
                        .get(index)
                        .or(vectors.last())
                        .cloned()
                        .unwrap_or_default();
                    json!({"object": "embedding", "index": index, "embedding": vector})
                })
                .collect();
            let body = json!({
                "object": "list",
                "data": data,
                "model": request.model().unwrap_or_default(),
                "usage": {"prompt_tokens": texts, "total_tokens": texts},
            });
            Self::http(200, body.to_string())
        })
    }

    /// The image endpoint answers with this image's bytes (`b64_json`, as GPT image models do).
    pub fn image(bytes: impl Into<Bytes>) -> Self {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes.into());
        let body = json!({"created": 1_700_000_000, "data": [{"b64_json": b64}]});
        Self::http(200, body.to_string())
    }

    /// The image endpoint answers with a URL to the image (as dall-e models do by default).
    pub fn image_url(url: impl Into<String>) -> Self {
        let body = json!({"created": 1_700_000_000, "data": [{"url": url.into()}]});
        Self::http(200, body.to_string())
    }

    /// The speech endpoint answers with these audio bytes.
    pub fn audio(bytes: impl Into<Bytes>) -> Self {
        Self::http(200, bytes.into())
    }

    /// A chat model answers aloud (a `Spoken` function): `message.audio` holds these audio
    /// bytes (base64) and `transcript`, with the id `audio_mock` and no text content.
    pub fn spoken(bytes: impl Into<Bytes>, transcript: impl Into<String>) -> Self {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes.into());
        Self::message(json!({
            "role": "assistant",
            "content": null,
            "audio": {
                "id": "audio_mock",
                "expires_at": 1_700_003_600,
                "data": data,
                "transcript": transcript.into(),
            },
        }))
    }
}

/// How many texts an embeddings request carries.
fn embedding_inputs(request: &MockRequest) -> usize {
    match request.body.get("input") {
        Some(Value::Array(texts)) => texts.len(),
        _ => 1,
    }
}
