//! `POST /rerank`: `-> Result<Ranking>` for a query (the template) and a `documents` list.
//!
//! The aggregators serve the Jina, Cohere and Xinference formats at the same path with the same
//! request; their answers differ in how a returned document is written (`{"text": …}` or a
//! plain string) and where usage sits (`usage` or `meta.tokens`). All of them are read here, so
//! no setting picks a format.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable_of, common_settings, response};
use crate::error::{Error, Result, excerpt};
use crate::response::{Response, Usage};

/// The documents in order of relevance to the query.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Ranking {
    /// Most relevant first (at most `top_n` of them when it is set).
    pub results: Vec<Ranked>,
}

impl Ranking {
    /// The most relevant document, if any.
    pub fn top(&self) -> Option<&Ranked> {
        self.results.first()
    }

    /// The documents' positions in the list given, most relevant first.
    pub fn order(&self) -> Vec<usize> {
        self.results.iter().map(|r| r.index).collect()
    }
}

/// One document's place in a [`Ranking`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Ranked {
    /// Its position in the list given.
    pub index: usize,
    /// How relevant it is (higher is more relevant; the scale is the model's).
    pub score: f64,
    /// Its text, when the server returns it (`return_documents`).
    pub document: Option<String>,
}

/// The call of a function returning [`Ranking`]. Await it for the ranking.
#[must_use = "a rerank call does nothing until it is awaited"]
#[derive(Debug)]
pub struct RerankCall {
    common: Common,
    documents: Vec<String>,
    top_n: Option<u32>,
    return_documents: Option<bool>,
}

impl RerankCall {
    pub(crate) fn new(common: Common, documents: Vec<String>) -> Self {
        Self {
            common,
            documents,
            top_n: None,
            return_documents: None,
        }
    }

    common_settings!(common);

    /// Return only the `n` most relevant documents.
    pub fn top_n(mut self, n: u32) -> Self {
        self.top_n = Some(n);
        self
    }

    /// Whether the server should send each document's text back with its score.
    pub fn return_documents(mut self, on: bool) -> Self {
        self.return_documents = Some(on);
        self
    }

    /// Await the ranking with the metadata.
    pub fn with_meta(self) -> RerankWithMeta {
        RerankWithMeta(self)
    }

    /// The body this call would send, without sending it.
    pub fn request(&self) -> Result<Value> {
        let client = self.common.resolve_client()?;
        let model = self.common.resolve_model(&client)?;
        Ok(self.body(&model))
    }

    fn body(&self, model: &str) -> Value {
        let keys = self.common.keys;
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        body.insert("query".into(), json!(self.common.prompt_text()));
        body.insert("documents".into(), json!(self.documents));
        if let Some(n) = self.top_n.or(keys.top_n) {
            body.insert("top_n".into(), json!(n));
        }
        if let Some(on) = self.return_documents.or(keys.return_documents) {
            body.insert("return_documents".into(), json!(on));
        }
        Value::Object(body)
    }

    async fn run(self) -> Result<Response<Ranking>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                if this.documents.is_empty() {
                    return Ok(response(Ranking::default(), None, None, String::new(), 0));
                }
                let body = this.body(&model);
                let (answer, raw): (RerankAnswer, String) =
                    this.common.exchange_json(&client, "rerank", &body).await?;
                let mut results = Vec::with_capacity(answer.results.len());
                for result in answer.results {
                    if result.index >= this.documents.len() {
                        return Err(Error::Protocol {
                            reason: format!(
                                "the ranking names document {} of {}",
                                result.index,
                                this.documents.len()
                            ),
                            raw: excerpt(&raw),
                        });
                    }
                    results.push(Ranked {
                        index: result.index,
                        score: result.relevance_score,
                        document: result.document.map(Document::into_text),
                    });
                }
                // Servers send the most relevant first; the order is made sure of here.
                results.sort_by(|a, b| b.score.total_cmp(&a.score));
                let usage = answer
                    .usage
                    .or(answer.meta.and_then(|m| m.tokens))
                    .map(RerankUsage::into_usage);
                Ok(response(Ranking { results }, answer.model, usage, raw, 1))
            })
            .await
    }
}

awaitable_of!(RerankCall => Ranking, RerankWithMeta);

/// A Jina, Cohere or Xinference rerank answer.
#[derive(Deserialize)]
struct RerankAnswer {
    #[serde(default)]
    results: Vec<RerankResult>,
    #[serde(default)]
    model: Option<String>,
    /// Jina: `{"total_tokens": …}`.
    #[serde(default)]
    usage: Option<RerankUsage>,
    /// Cohere and Xinference: `{"tokens": {"input_tokens": …}}`.
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct RerankResult {
    index: usize,
    relevance_score: f64,
    #[serde(default)]
    document: Option<Document>,
}

/// Jina and Cohere write `{"text": …}`, Xinference a plain string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Document {
    Text(String),
    Object { text: String },
}

impl Document {
    fn into_text(self) -> String {
        match self {
            Document::Text(text) | Document::Object { text } => text,
        }
    }
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    tokens: Option<RerankUsage>,
}

#[derive(Deserialize)]
struct RerankUsage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl RerankUsage {
    fn into_usage(self) -> Usage {
        let input = self.input_tokens.or(self.total_tokens).unwrap_or(0);
        Usage::new(input, self.output_tokens.unwrap_or(0))
    }
}
