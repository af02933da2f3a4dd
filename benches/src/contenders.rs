//! The three ways of making the same typed call that the benchmarks compare.
//!
//! - [`Floor`]: raw reqwest POSTing the pre-serialized body promptfn would send and discarding
//!   the answer: the cost of the HTTP stack alone, below which no client can go.
//! - [`Promptfn`]: `extract(text).client(&client).await`, rendering, encoding, sending and
//!   decoding into [`Person`].
//! - [`AsyncOpenAi`]: the same request built with async-openai's types (same prompt, same strict
//!   schema), sent with its client, and the content decoded with `serde_json`.
//! - [`HyperFloor`]: the floor's request sent with hyper-util's client, the connection pool that
//!   reqwest wraps, without reqwest's layers: the cost of a leaner HTTP stack.
//! - [`JsonFloor`]: the floor plus the least JSON work any typed call does with `serde_json`:
//!   the prompt rendered and escaped into the body, the completion parsed down to the first
//!   choice's content, and the content decoded into [`Person`]. Nothing else: no usage, no
//!   finish reason, no checks. It tells what the JSON alone costs on the machine at hand.

use std::future::Future;
use std::sync::Arc;

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, CreateChatCompletionRequest, ResponseFormat,
    ResponseFormatJsonSchema,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use promptfn::{Result, prompt};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::server::Loopback;

/// The model name sent by every contender. Not a known family, so promptfn asks with
/// `response_format: json_schema` (strict), as for OpenAI's own models.
pub const MODEL: &str = "bench";

/// The text every call extracts a person from.
pub const TEXT: &str = "Alice is 30 and lives in Lisbon with her two cats.";

/// The API key every contender sends (the loopback server ignores it).
pub const API_KEY: &str = "sk-bench-0123456789abcdef";

/// The typed answer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
pub struct Person {
    /// The person's name.
    pub name: String,
    /// The person's age, when the text says it.
    pub age: Option<u32>,
}

/// The promptfn declaration under test.
#[prompt("Extract the person mentioned in: {text}", model = "bench")]
pub async fn extract(text: &str) -> Result<Person>;

/// One way of making the typed call.
pub trait Contender: Clone + Send + Sync + 'static {
    /// The contender's name in tables.
    const NAME: &'static str;

    /// Make one call; `Err` describes what went wrong (a benchmark stops on it).
    fn call(&self) -> impl Future<Output = std::result::Result<(), String>> + Send;
}

/// A promptfn client pointed at `server`.
pub fn promptfn_client(server: &Loopback) -> promptfn::Client {
    match promptfn::Client::builder()
        .base_url(server.origin())
        .api_key(API_KEY)
        .build()
    {
        Ok(client) => client,
        Err(e) => panic!("the promptfn client could not be built: {e}"),
    }
}

/// The body promptfn sends for `extract(TEXT)`, as JSON.
pub fn promptfn_request(server: &Loopback) -> Value {
    match extract(TEXT).client(&promptfn_client(server)).request() {
        Ok(body) => body,
        Err(e) => panic!("promptfn could not encode the request: {e}"),
    }
}

/// The floor: reqwest sending pre-serialized bytes to a pre-parsed URL with pre-built headers,
/// reading the answer and dropping it.
#[derive(Debug, Clone)]
pub struct Floor {
    http: reqwest::Client,
    url: reqwest::Url,
    body: Bytes,
    auth: HeaderValue,
}

impl Floor {
    /// The floor against `server`, sending exactly the bytes promptfn sends.
    pub fn new(server: &Loopback) -> Self {
        let body = match serde_json::to_vec(&promptfn_request(server)) {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => panic!("the request could not be serialized: {e}"),
        };
        let auth = match HeaderValue::from_str(&format!("Bearer {API_KEY}")) {
            Ok(value) => value,
            Err(e) => panic!("the key is not a header value: {e}"),
        };
        let url = format!("{}/v1/chat/completions", server.origin());
        let url = match reqwest::Url::parse(&url) {
            Ok(url) => url,
            Err(e) => panic!("{url} does not parse: {e}"),
        };
        Self {
            http: reqwest::Client::new(),
            url,
            body,
            auth,
        }
    }

    /// The request body it sends.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// POST `body` and read the answer to its end (so that the connection goes back to the
    /// pool).
    async fn exchange(&self, body: Bytes) -> std::result::Result<Bytes, String> {
        let response = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(AUTHORIZATION, self.auth.clone())
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        response.bytes().await.map_err(|e| e.to_string())
    }
}

impl Contender for Floor {
    const NAME: &'static str = "floor (raw reqwest)";

    async fn call(&self) -> std::result::Result<(), String> {
        let answer = self.exchange(self.body.clone()).await?;
        std::hint::black_box(answer);
        Ok(())
    }
}

/// The floor's request and reading, on hyper-util's pooled client directly (HTTP/1.1, no TLS):
/// no URL re-parsing, redirect, retry, proxy or decompression layers.
#[derive(Debug, Clone)]
pub struct HyperFloor {
    http: HyperClient<HttpConnector, Full<Bytes>>,
    uri: hyper::Uri,
    body: Bytes,
    auth: HeaderValue,
}

impl HyperFloor {
    /// The hyper-util floor against `server`, sending the floor's bytes.
    pub fn new(server: &Loopback) -> Self {
        let floor = Floor::new(server);
        let uri = match floor.url.as_str().parse::<hyper::Uri>() {
            Ok(uri) => uri,
            Err(e) => panic!("{} is not a URI: {e}", floor.url),
        };
        Self {
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
            uri,
            body: floor.body,
            auth: floor.auth,
        }
    }
}

impl Contender for HyperFloor {
    const NAME: &'static str = "floor on hyper-util (no reqwest)";

    async fn call(&self) -> std::result::Result<(), String> {
        let request = hyper::Request::post(self.uri.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(AUTHORIZATION, self.auth.clone())
            .body(Full::new(self.body.clone()))
            .map_err(|e| e.to_string())?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        std::hint::black_box(body);
        Ok(())
    }
}

/// The floor plus the minimum JSON work of a typed call, done with `serde_json`.
#[derive(Debug, Clone)]
pub struct JsonFloor {
    floor: Floor,
    /// The body before and after the prompt's JSON string.
    around_prompt: Arc<(Vec<u8>, Vec<u8>)>,
}

/// Only what a typed call must read from a completion.
#[derive(Deserialize)]
struct Completion {
    choices: Vec<CompletionChoice>,
}

#[derive(Deserialize)]
struct CompletionChoice {
    message: CompletionMessage,
}

#[derive(Deserialize)]
struct CompletionMessage {
    content: String,
}

impl JsonFloor {
    /// The JSON floor against `server`; its bodies are byte for byte the floor's.
    pub fn new(server: &Loopback) -> Self {
        let floor = Floor::new(server);
        let prompt = serde_json::to_vec(&Self::prompt(TEXT)).unwrap_or_default();
        let body = floor.body();
        let Some(at) = body.windows(prompt.len()).position(|w| w == prompt) else {
            panic!("the prompt is not in promptfn's body");
        };
        let around = (body[..at].to_vec(), body[at + prompt.len()..].to_vec());
        Self {
            floor,
            around_prompt: Arc::new(around),
        }
    }

    fn prompt(text: &str) -> String {
        format!("Extract the person mentioned in: {text}")
    }

    /// The request body for `text`.
    pub fn body(&self, text: &str) -> Bytes {
        let (before, after) = &*self.around_prompt;
        let prompt = Self::prompt(text);
        let mut body = Vec::with_capacity(before.len() + prompt.len() + 8 + after.len());
        body.extend_from_slice(before);
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut body, &prompt);
        body.extend_from_slice(after);
        Bytes::from(body)
    }
}

impl Contender for JsonFloor {
    const NAME: &'static str = "floor + minimal serde_json";

    async fn call(&self) -> std::result::Result<(), String> {
        let body = self.body(std::hint::black_box(TEXT));
        let body = self.floor.exchange(body).await?;
        let completion: Completion = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        let content = &completion
            .choices
            .first()
            .ok_or("the completion has no choices")?
            .message
            .content;
        let person: Person = serde_json::from_str(content).map_err(|e| e.to_string())?;
        std::hint::black_box(person);
        Ok(())
    }
}

/// promptfn's typed call.
#[derive(Debug, Clone)]
pub struct Promptfn {
    client: promptfn::Client,
}

impl Promptfn {
    /// promptfn against `server`.
    pub fn new(server: &Loopback) -> Self {
        Self {
            client: promptfn_client(server),
        }
    }
}

impl Contender for Promptfn {
    const NAME: &'static str = "promptfn";

    async fn call(&self) -> std::result::Result<(), String> {
        let person = extract(std::hint::black_box(TEXT))
            .client(&self.client)
            .await
            .map_err(|e| e.to_string())?;
        std::hint::black_box(person);
        Ok(())
    }
}

/// The same typed call written with async-openai and serde_json.
#[derive(Debug, Clone)]
pub struct AsyncOpenAi {
    client: async_openai::Client<OpenAIConfig>,
    /// The schema, name and strictness of promptfn's request, computed once as a user would.
    json_schema: Arc<ResponseFormatJsonSchema>,
}

impl AsyncOpenAi {
    /// async-openai against `server`, asking with the same strict schema as promptfn.
    pub fn new(server: &Loopback) -> Self {
        let request = promptfn_request(server);
        let spec = &request["response_format"]["json_schema"];
        let json_schema = ResponseFormatJsonSchema {
            description: None,
            name: spec["name"].as_str().unwrap_or("Person").to_owned(),
            schema: spec["schema"].clone(),
            strict: spec["strict"].as_bool(),
        };
        let config = OpenAIConfig::new()
            .with_api_base(format!("{}/v1", server.origin()))
            .with_api_key(API_KEY);
        Self {
            client: async_openai::Client::with_config(config),
            json_schema: Arc::new(json_schema),
        }
    }
}

impl Contender for AsyncOpenAi {
    const NAME: &'static str = "async-openai + serde_json";

    async fn call(&self) -> std::result::Result<(), String> {
        let text = std::hint::black_box(TEXT);
        let request = CreateChatCompletionRequest {
            model: MODEL.to_owned(),
            messages: vec![ChatCompletionRequestMessage::User(
                ChatCompletionRequestUserMessage {
                    content: ChatCompletionRequestUserMessageContent::Text(format!(
                        "Extract the person mentioned in: {text}"
                    )),
                    name: None,
                },
            )],
            response_format: Some(ResponseFormat::JsonSchema {
                json_schema: (*self.json_schema).clone(),
            }),
            ..Default::default()
        };
        let response = self
            .client
            .chat()
            .create(request)
            .await
            .map_err(|e| e.to_string())?;
        let content = response
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .ok_or("the completion has no content")?;
        let person: Person = serde_json::from_str(&content).map_err(|e| e.to_string())?;
        std::hint::black_box(person);
        Ok(())
    }
}
