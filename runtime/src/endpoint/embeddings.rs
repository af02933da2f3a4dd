//! `POST /embeddings`: `-> Result<Embedding>` for one text, `-> Result<Vec<Embedding>>` for a
//! list, sent in batches within the endpoint's input limit, usage summed.

use std::marker::PhantomData;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable, common_settings, response};
use crate::client::Client;
use crate::error::{Error, Result, excerpt};
use crate::response::{Response, Usage};

/// The most texts one embeddings request may carry (OpenAI's `input` array takes 2048).
pub const MAX_EMBEDDING_BATCH: usize = 2048;

/// One text's embedding: the vector the model gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding(Vec<f32>);

impl Embedding {
    /// An embedding of this vector.
    pub fn new(vector: Vec<f32>) -> Self {
        Self(vector)
    }

    /// The vector.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The vector, owned.
    pub fn into_vec(self) -> Vec<f32> {
        self.0
    }

    /// How many dimensions it has.
    pub fn dimensions(&self) -> usize {
        self.0.len()
    }

    /// The cosine of the angle between this vector and `other` (0 when either is all zeros or
    /// their lengths differ).
    pub fn cosine_similarity(&self, other: &Embedding) -> f32 {
        if self.0.len() != other.0.len() {
            return 0.0;
        }
        let (mut dot, mut a, mut b) = (0.0f64, 0.0f64, 0.0f64);
        for (x, y) in self.0.iter().zip(&other.0) {
            let (x, y) = (f64::from(*x), f64::from(*y));
            dot += x * y;
            a += x * x;
            b += y * y;
        }
        if a == 0.0 || b == 0.0 {
            return 0.0;
        }
        (dot / (a.sqrt() * b.sqrt())) as f32
    }
}

/// How the server writes the vectors: JSON numbers, or base64 of little-endian `f32`s (a
/// quarter of the size; decoded by the call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodingFormat {
    /// `"float"`.
    Float,
    /// `"base64"`.
    Base64,
}

impl EncodingFormat {
    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Float => "float",
            Self::Base64 => "base64",
        }
    }
}

/// What an embeddings function returns: one [`Embedding`] or a `Vec` of them.
pub trait EmbedOutput: Sized + Send + 'static {
    /// Whether it embeds a list (one text goes on the wire as a string, a list as an array).
    #[doc(hidden)]
    const IS_LIST: bool;
    #[doc(hidden)]
    fn from_embeddings(embeddings: Vec<Embedding>) -> Result<Self>;
}

impl EmbedOutput for Embedding {
    const IS_LIST: bool = false;
    fn from_embeddings(embeddings: Vec<Embedding>) -> Result<Self> {
        embeddings
            .into_iter()
            .next()
            .ok_or_else(|| Error::Protocol {
                reason: "the embeddings answer has no embedding".into(),
                raw: String::new(),
            })
    }
}

impl EmbedOutput for Vec<Embedding> {
    const IS_LIST: bool = true;
    fn from_embeddings(embeddings: Vec<Embedding>) -> Result<Self> {
        Ok(embeddings)
    }
}

/// The call of a function returning [`Embedding`] or `Vec<Embedding>`. Await it for the
/// vectors; adjust it first like a chat [`Call`](crate::Call).
#[must_use = "an embeddings call does nothing until it is awaited"]
#[derive(Debug)]
pub struct EmbedCall<T> {
    common: Common,
    inputs: Vec<String>,
    dimensions: Option<u32>,
    encoding: Option<EncodingFormat>,
    batch_size: Option<usize>,
    _output: PhantomData<fn() -> T>,
}

impl<T: EmbedOutput> EmbedCall<T> {
    pub(crate) fn new(common: Common, inputs: Vec<String>) -> Self {
        Self {
            common,
            inputs,
            dimensions: None,
            encoding: None,
            batch_size: None,
            _output: PhantomData,
        }
    }

    common_settings!(common);

    /// How many dimensions the vectors should have (`text-embedding-3` and later models).
    pub fn dimensions(mut self, dimensions: u32) -> Self {
        self.dimensions = Some(dimensions);
        self
    }

    /// How the server should write the vectors (base64 is smaller on the wire; the call
    /// decodes it either way).
    pub fn encoding_format(mut self, format: EncodingFormat) -> Self {
        self.encoding = Some(format);
        self
    }

    /// The most texts one request carries (at most [`MAX_EMBEDDING_BATCH`], the default); a
    /// longer list is sent in several requests, in order.
    pub fn batch_size(mut self, texts: usize) -> Self {
        self.batch_size = Some(texts);
        self
    }

    /// The texts this call embeds.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// Await the vectors with the metadata (usage summed over every request, the model, the
    /// last raw answer).
    pub fn with_meta(self) -> EmbedWithMeta<T> {
        EmbedWithMeta(self)
    }

    /// The body of the first request this call would send, without sending it.
    pub fn request(&self) -> Result<Value> {
        let client = self.common.resolve_client()?;
        let model = self.common.resolve_model(&client)?;
        Ok(self.body(&model, &self.inputs[..self.batch().min(self.inputs.len())]))
    }

    fn batch(&self) -> usize {
        self.batch_size
            .or(self.common.keys.batch_size.map(|n| n as usize))
            .unwrap_or(MAX_EMBEDDING_BATCH)
            .clamp(1, MAX_EMBEDDING_BATCH)
    }

    fn encoding(&self) -> Option<&'static str> {
        self.encoding
            .map(EncodingFormat::as_str)
            .or(self.common.keys.encoding_format)
    }

    fn body(&self, model: &str, inputs: &[String]) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        // One text goes as a string, as the endpoint's own examples send it.
        body.insert(
            "input".into(),
            match inputs {
                [one] if !T::IS_LIST => json!(one),
                many => json!(many),
            },
        );
        if let Some(dimensions) = self.dimensions.or(self.common.keys.dimensions) {
            body.insert("dimensions".into(), json!(dimensions));
        }
        if let Some(encoding) = self.encoding() {
            body.insert("encoding_format".into(), json!(encoding));
        }
        if let Some(user) = self.common.end_user() {
            body.insert("user".into(), json!(user));
        }
        Value::Object(body)
    }

    async fn run(self) -> Result<Response<T>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                if this.inputs.is_empty() {
                    return Ok(response(
                        T::from_embeddings(Vec::new())?,
                        None,
                        None,
                        String::new(),
                        0,
                    ));
                }
                this.embed_all(&client, &model).await
            })
            .await
    }

    async fn embed_all(&self, client: &Client, model: &str) -> Result<Response<T>> {
        let mut vectors = Vec::with_capacity(self.inputs.len());
        let mut usage: Option<Usage> = None;
        let (mut answered_by, mut raw, mut requests) = (None, String::new(), 0);
        for batch in self.inputs.chunks(self.batch()) {
            let body = self.body(model, batch);
            let (answer, text): (EmbeddingsAnswer, String) = self
                .common
                .exchange_json(client, "embeddings", &body)
                .await?;
            requests += 1;
            usage = Usage::sum(usage, answer.usage);
            answered_by = answer.model.or(answered_by);
            vectors.extend(in_order(answer.data, batch.len(), &text)?);
            raw = text;
        }
        Ok(response(
            T::from_embeddings(vectors)?,
            answered_by,
            usage,
            raw,
            requests,
        ))
    }
}

awaitable!(EmbedCall<T: EmbedOutput>, EmbedWithMeta);

/// An embeddings answer (OpenAI's `CreateEmbeddingResponse`).
#[derive(Deserialize)]
struct EmbeddingsAnswer {
    data: Vec<Datum>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Datum {
    #[serde(default)]
    index: Option<usize>,
    embedding: Vector,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Vector {
    Floats(Vec<f32>),
    Base64(String),
}

/// The vectors of one answer in input order: by `index` when the server gives one, else as
/// listed; every input exactly once.
fn in_order(data: Vec<Datum>, inputs: usize, raw: &str) -> Result<Vec<Embedding>> {
    let protocol = |reason: String| Error::Protocol {
        reason,
        raw: excerpt(raw),
    };
    if data.len() != inputs {
        return Err(protocol(format!(
            "the embeddings answer has {} vectors for {inputs} texts",
            data.len()
        )));
    }
    let mut slots: Vec<Option<Embedding>> = vec![None; inputs];
    for (position, datum) in data.into_iter().enumerate() {
        let index = datum.index.unwrap_or(position);
        let slot = slots
            .get_mut(index)
            .ok_or_else(|| protocol(format!("embedding index {index} is out of range")))?;
        if slot.is_some() {
            return Err(protocol(format!("embedding index {index} appears twice")));
        }
        *slot = Some(Embedding(decode_vector(datum.embedding).map_err(protocol)?));
    }
    Ok(slots.into_iter().flatten().collect())
}

/// A vector as JSON numbers, or as base64 of little-endian `f32`s.
fn decode_vector(vector: Vector) -> std::result::Result<Vec<f32>, String> {
    match vector {
        Vector::Floats(floats) => Ok(floats),
        Vector::Base64(text) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| format!("a base64 embedding does not decode: {e}"))?;
            if bytes.len() % 4 != 0 {
                return Err(format!(
                    "a base64 embedding has {} bytes, not a whole number of 4-byte floats",
                    bytes.len()
                ));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors_are_little_endian_floats() {
        let floats = [0.5f32, -1.25, 3.0];
        let bytes: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(decode_vector(Vector::Base64(text)), Ok(floats.to_vec()));
        let odd = base64::engine::general_purpose::STANDARD.encode([1u8, 2, 3]);
        assert!(decode_vector(Vector::Base64(odd)).is_err());
        assert!(decode_vector(Vector::Base64("not base64!".into())).is_err());
    }

    #[test]
    fn vectors_follow_their_index_and_each_input_has_one() {
        let datum = |index, v: f32| Datum {
            index: Some(index),
            embedding: Vector::Floats(vec![v]),
        };
        let ordered = in_order(vec![datum(1, 1.0), datum(0, 0.0)], 2, "").unwrap();
        assert_eq!(ordered, vec![Embedding(vec![0.0]), Embedding(vec![1.0])]);
        assert!(in_order(vec![datum(0, 0.0), datum(0, 1.0)], 2, "").is_err());
        assert!(in_order(vec![datum(5, 0.0)], 1, "").is_err());
        assert!(in_order(vec![datum(0, 0.0)], 2, "").is_err());
    }

    #[test]
    fn cosine_similarity_of_parallel_orthogonal_and_degenerate_vectors() {
        let a = Embedding::new(vec![1.0, 0.0]);
        let b = Embedding::new(vec![2.0, 0.0]);
        let c = Embedding::new(vec![0.0, 3.0]);
        assert!((a.cosine_similarity(&b) - 1.0).abs() < 1e-6);
        assert!(a.cosine_similarity(&c).abs() < 1e-6);
        assert_eq!(a.cosine_similarity(&Embedding::new(vec![0.0, 0.0])), 0.0);
        assert_eq!(a.cosine_similarity(&Embedding::new(vec![1.0])), 0.0);
    }
}
