//! The public API exactly as the project's design contract writes it (apart from media parameters, which arrive with
//! the media types), driven against the mock server through the environment and a built client.
//! This file is its own test binary because it sets process-wide environment variables.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]
// `std::env::set_var` is unsafe in edition 2024; see the SAFETY note where it is called.
#![allow(unsafe_code)]

use promptfn::{Result, prompt};
use promptfn_tests::mock::{MockServer, Reply};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
struct Person {
    name: String,
    age: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

/// Doc comments stay on the generated function.
#[prompt(
    "Extract the person mentioned in: {text}",
    model = "gpt-4o-mini",
    temperature = 0.0
)]
async fn extract_person(text: &str) -> Result<Person>;

#[prompt("Classify the sentiment of: {review}")]
async fn sentiment(review: &str) -> Result<Sentiment>;

async fn demo(base_url: &str) -> Result<()> {
    let p: Person = extract_person("Alice is 30").await?; // default client (env)
    assert_eq!(p.name, "Alice");
    let client = promptfn::Client::builder()
        .base_url(base_url)
        .api_key("local")
        .build()?;
    let p = extract_person("Alice")
        .client(&client)
        .temperature(0.2)
        .await?;
    assert_eq!(p.age, None);
    let r = extract_person("Alice").with_meta().await?; // Response<Person>: value, usage, finish_reason, model, id, raw
    assert!(r.usage.is_some() && r.finish_reason.is_some() && r.id.is_some() && !r.raw.is_empty());
    let req = extract_person("Alice").request(); // the chat-completions body, not sent
    assert_eq!(req?["model"], "gpt-4o-mini");
    let s = sentiment("Great!").await?;
    assert!(matches!(s, Sentiment::Positive));
    Ok(())
}

#[tokio::test]
async fn the_design_example_runs_against_the_environment() {
    let server = MockServer::with([
        Reply::content(r#"{"name":"Alice","age":30}"#),
        Reply::content(r#"{"name":"Alice","age":null}"#),
        Reply::content(r#"{"name":"Alice","age":null}"#),
        Reply::content(r#"{"value":"Positive"}"#),
        Reply::content(r#"{"value":"Neutral"}"#),
    ])
    .await;
    // SAFETY of set_var: this binary has a single test, so no other thread reads the environment.
    unsafe {
        std::env::set_var("OPENAI_BASE_URL", server.url().trim_end_matches("/v1"));
        std::env::set_var("OPENAI_API_KEY", "sk-from-env");
        std::env::set_var("PROMPTFN_MODEL", "env-model");
    }
    demo(&server.url()).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer sk-from-env")
    );
    assert_eq!(requests[1].header("authorization"), Some("Bearer local"));
    assert_eq!(
        requests[3].json()["model"],
        "env-model",
        "PROMPTFN_MODEL fills in where the function names none"
    );
    assert_eq!(
        requests[0].path, "/v1/chat/completions",
        "a base URL without /v1 reaches the same endpoint"
    );

    // A builder falls back to the environment for what it was not given (here the model), but
    // the environment's key is not sent to a base URL given in code.
    let own = promptfn::Client::builder()
        .base_url(server.url())
        .build()
        .unwrap();
    assert_eq!(own.model(), Some("env-model"));
    sentiment("Fine").client(&own).await.unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.json()["model"], "env-model");
    assert_eq!(last.header("authorization"), None);
}
