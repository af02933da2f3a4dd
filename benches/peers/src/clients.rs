//! The Rust clients compared: promptfn, async-openai, genai and rig, each making the typed call
//! of the in-process benches (`extract(TEXT)` into `Person`). promptfn's and async-openai's are
//! the in-process benches' own contenders; genai's and rig's are written here the same way: the
//! prompt formatted per call, the same strict schema (taken from promptfn's request, built once
//! as a user would), the content decoded into `Person` with serde_json.

use std::sync::Arc;

use genai::adapter::AdapterKind;
use genai::chat::{ChatOptions, ChatRequest, JsonSpec};
use genai::resolver::{AuthData, Endpoint, ServiceTargetResolver};
use genai::{ModelIden, ServiceTarget};
use promptfn_benches::contenders::{API_KEY, Contender, MODEL, Person, TEXT, promptfn_request};
use promptfn_benches::server::Loopback;
use rig_core::completion::CompletionRequest;
use rig_core::driver::Model;
use rig_core::providers::openai::OpenAIConfig;
use rig_core::providers::openai::wire::Chat;
use serde_json::Value;

/// The prompt every client sends for `text`.
fn prompt(text: &str) -> String {
    format!("Extract the person mentioned in: {text}")
}

/// The strict JSON schema (and its name) that promptfn asks with.
fn promptfn_schema(server: &Loopback) -> (String, Value) {
    let request = promptfn_request(server);
    let spec = &request["response_format"]["json_schema"];
    let name = spec["name"].as_str().unwrap_or("Person").to_owned();
    (name, spec["schema"].clone())
}

/// genai, with a service target resolver pointing model names at the loopback server as an
/// OpenAI-compatible endpoint (genai's documented way to reach a custom endpoint).
#[derive(Debug, Clone)]
pub struct Genai {
    client: genai::Client,
    options: Arc<ChatOptions>,
}

impl Genai {
    /// genai against `server`, asking with promptfn's strict schema.
    pub fn new(server: &Loopback) -> Self {
        let endpoint = Endpoint::from_owned(format!("{}/v1/", server.origin()));
        let resolver = ServiceTargetResolver::from_resolver_fn(
            move |target: ServiceTarget| -> Result<ServiceTarget, genai::resolver::Error> {
                Ok(ServiceTarget {
                    endpoint: endpoint.clone(),
                    auth: AuthData::from_single(API_KEY),
                    model: ModelIden::new(AdapterKind::OpenAI, target.model.model_name),
                })
            },
        );
        let client = match genai::Client::builder()
            .with_service_target_resolver(resolver)
            .build()
        {
            Ok(client) => client,
            Err(e) => panic!("the genai client could not be built: {e}"),
        };
        let (name, schema) = promptfn_schema(server);
        let options = ChatOptions::default().with_response_format(JsonSpec::new(name, schema));
        Self {
            client,
            options: Arc::new(options),
        }
    }
}

impl Contender for Genai {
    const NAME: &'static str = "genai + serde_json";

    async fn call(&self) -> Result<(), String> {
        let request = ChatRequest::from_user(prompt(std::hint::black_box(TEXT)));
        let response = self
            .client
            .exec_chat(MODEL, request, Some(&self.options))
            .await
            .map_err(|e| e.to_string())?;
        let content = response.first_text().ok_or("the answer has no text")?;
        let person: Person = serde_json::from_str(content).map_err(|e| e.to_string())?;
        std::hint::black_box(person);
        Ok(())
    }
}

/// rig, its OpenAI chat-completions model with an output schema (rig's structured output).
#[derive(Debug, Clone)]
pub struct Rig {
    model: Model<Chat>,
    schema: Arc<schemars::Schema>,
}

impl Rig {
    /// rig against `server`, asking with promptfn's strict schema.
    pub fn new(server: &Loopback) -> Self {
        let model = OpenAIConfig::new(API_KEY)
            .with_base_url(format!("{}/v1", server.origin()))
            .client()
            .chat(MODEL);
        let (_, schema) = promptfn_schema(server);
        let schema = match schemars::Schema::try_from(schema) {
            Ok(schema) => schema,
            Err(e) => panic!("promptfn's schema is not a schema: {e}"),
        };
        Self {
            model,
            schema: Arc::new(schema),
        }
    }
}

impl Contender for Rig {
    const NAME: &'static str = "rig + serde_json";

    async fn call(&self) -> Result<(), String> {
        let request = CompletionRequest::new(prompt(std::hint::black_box(TEXT)))
            .output_schema((*self.schema).clone());
        let response = self.model.call(request).await.map_err(|e| e.to_string())?;
        let person: Person = serde_json::from_str(&response.text()).map_err(|e| e.to_string())?;
        std::hint::black_box(person);
        Ok(())
    }
}
