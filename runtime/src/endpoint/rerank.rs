//! `POST /rerank`: `-> Result<Ranking>` for a query (the template) and a `documents` list.
//!
//! Aggregators serve the Jina, Cohere and Xinference formats at the same path. The request
//! differs in the settings each takes, the answer in how a returned document is written
//! (`{"text": …}`, a plain string, or not at all) and where usage sits (`usage` or
//! `meta.tokens`). The client says which one its server speaks
//! ([`ClientBuilder::rerank_format`](crate::ClientBuilder::rerank_format)); an answer in
//! another format is an error that says so, rather than a ranking read wrongly.
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable_of, common_settings, decode_answer, response};
use crate::error::{Error, Result, excerpt};
use crate::response::{Response, Usage};
use crate::transport::BodyKind;

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
        Ok(self.body(client.rerank_format(), &model))
    }

    fn wants_documents(&self) -> bool {
        self.return_documents
            .or(self.common.keys.return_documents)
            .unwrap_or(false)
    }

    fn body(&self, format: RerankFormat, model: &str) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        body.insert("query".into(), json!(self.common.prompt_text()));
        body.insert("documents".into(), json!(self.documents));
        if let Some(n) = self.top_n.or(self.common.keys.top_n) {
            body.insert("top_n".into(), json!(n));
        }
        let asked = self.return_documents.or(self.common.keys.return_documents);
        match format {
            // Cohere's v2 API has no `return_documents`: the texts are the ones sent.
            RerankFormat::Cohere => {}
            RerankFormat::Jina => {
                if let Some(on) = asked {
                    body.insert("return_documents".into(), json!(on));
                }
            }
            RerankFormat::Xinference => {
                if let Some(on) = asked {
                    body.insert("return_documents".into(), json!(on));
                }
                // Without it Xinference reports no token counts.
                body.insert("return_len".into(), json!(true));
            }
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
                let format = client.rerank_format();
                let body = this.body(format, &model);
                let bytes =
                    serde_json::to_vec(&body).map_err(|e| Error::Config(format!("body: {e}")))?;
                let answer = this
                    .common
                    .exchange(&client, "rerank", BodyKind::Json, bytes)
                    .await?;
                let (answer, raw) = Answer::decode(format, &answer)?;
                let mut results = Vec::with_capacity(answer.results.len());
                for result in answer.results {
                    let Some(sent) = this.documents.get(result.index) else {
                        return Err(Error::Protocol {
                            reason: format!(
                                "the ranking names document {} of {}",
                                result.index,
                                this.documents.len()
                            ),
                            raw: excerpt(&raw),
                        });
                    };
                    // Cohere's v2 API never sends the texts back: they are the ones sent.
                    let document = match (format, result.document) {
                        (RerankFormat::Cohere, None) if this.wants_documents() => {
                            Some(sent.clone())
                        }
                        (_, document) => document,
                    };
                    results.push(Ranked {
                        index: result.index,
                        score: result.relevance_score,
                        document,
                    });
                }
                // Servers send the most relevant first; the order is made sure of here.
                results.sort_by(|a, b| b.score.total_cmp(&a.score));
                Ok(response(
                    Ranking { results },
                    answer.model,
                    answer.usage,
                    raw,
                    1,
                ))
            })
            .await
    }
}

awaitable_of!(RerankCall => Ranking, RerankWithMeta);

/// The rerank API a server speaks: what a `Ranking` function's request carries and how its
/// answer is read. Set on the client with
/// [`ClientBuilder::rerank_format`](crate::ClientBuilder::rerank_format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RerankFormat {
    /// Jina AI's, which aggregators convert the others to (the default): `top_n` and
    /// `return_documents`; documents come back as `{"text": …}`, usage as `usage`.
    #[default]
    Jina,
    /// Cohere's v2 API: `top_n`; no document comes back, so with `return_documents` the texts
    /// are taken from the list sent; usage as `meta.tokens`.
    Cohere,
    /// Xinference's: `top_n`, `return_documents` and `return_len` (for usage); documents come
    /// back as plain strings, usage as `meta.tokens`.
    Xinference,
}

impl RerankFormat {
    fn name(self) -> &'static str {
        match self {
            RerankFormat::Jina => "Jina",
            RerankFormat::Cohere => "Cohere",
            RerankFormat::Xinference => "Xinference",
        }
    }
}

/// A rerank answer, whichever format it came in.
struct Answer {
    results: Vec<Scored<String>>,
    model: Option<String>,
    usage: Option<Usage>,
}

impl Answer {
    /// Read `body` as `format` writes it; an answer in another format is a protocol error that
    /// names the format expected and where it is set.
    fn decode(format: RerankFormat, body: &[u8]) -> Result<(Answer, String)> {
        let decoded = match format {
            RerankFormat::Jina => decode_answer::<JinaAnswer>(body).map(|(a, raw)| {
                let usage = a.usage.map(JinaUsage::into_usage);
                (
                    Answer::of(a.results, a.model, usage, TextObject::into_text),
                    raw,
                )
            }),
            RerankFormat::Cohere => {
                decode_answer::<MetaAnswer<TextObject>>(body).map(|(a, raw)| {
                    let usage = a.usage();
                    (
                        Answer::of(a.results, a.model, usage, TextObject::into_text),
                        raw,
                    )
                })
            }
            RerankFormat::Xinference => {
                decode_answer::<MetaAnswer<String>>(body).map(|(a, raw)| {
                    let usage = a.usage();
                    (Answer::of(a.results, a.model, usage, |text| text), raw)
                })
            }
        };
        decoded.map_err(|error| match error {
            Error::Protocol { reason, raw } => Error::Protocol {
                reason: format!(
                    "{reason} (read as the {} rerank format: if the server speaks another, \
                     name it with `ClientBuilder::rerank_format`)",
                    format.name()
                ),
                raw,
            },
            other => other,
        })
    }

    fn of<D>(
        results: Vec<Scored<D>>,
        model: Option<String>,
        usage: Option<Usage>,
        text: impl Fn(D) -> String,
    ) -> Answer {
        let results = results
            .into_iter()
            .map(|r| Scored {
                index: r.index,
                relevance_score: r.relevance_score,
                document: r.document.map(&text),
            })
            .collect();
        Answer {
            results,
            model,
            usage,
        }
    }
}

/// One document's place in an answer; `D` is how the format writes a returned document.
#[derive(Deserialize)]
struct Scored<D> {
    index: usize,
    relevance_score: f64,
    document: Option<D>,
}

/// Jina (and Cohere's v1, when asked for documents): `{"text": …}`.
#[derive(Deserialize)]
struct TextObject {
    text: String,
}

impl TextObject {
    fn into_text(self) -> String {
        self.text
    }
}

/// Jina's answer: `usage` beside the results.
#[derive(Deserialize)]
struct JinaAnswer {
    results: Vec<Scored<TextObject>>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<JinaUsage>,
}

#[derive(Deserialize)]
struct JinaUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl JinaUsage {
    fn into_usage(self) -> Usage {
        Usage::new(self.prompt_tokens.or(self.total_tokens).unwrap_or(0), 0)
    }
}

/// Cohere's and Xinference's answer: usage in `meta.tokens`.
#[derive(Deserialize)]
struct MetaAnswer<D> {
    results: Vec<Scored<D>>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    meta: Option<Meta>,
}

impl<D> MetaAnswer<D> {
    fn usage(&self) -> Option<Usage> {
        let tokens = self.meta.as_ref()?.tokens.as_ref()?;
        Some(Usage::new(
            tokens.input_tokens.unwrap_or(0),
            tokens.output_tokens.unwrap_or(0),
        ))
    }
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    tokens: Option<Tokens>,
}

#[derive(Deserialize)]
struct Tokens {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
}
