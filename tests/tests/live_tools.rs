//! Tools against the real local model server (skipped without one; `scripts/test` starts it).
//!
//! llama-cpp-python forces a named tool with a grammar built from the tool's parameters, so the
//! call and its arguments are reliable even with a 135M model; with `auto` it answers in plain
//! text. That is exactly the two-step loop: a forced call, then an answer using its result.
//!
//! llama-server cannot force a call with SmolLM2: it reads `tool_choice` as a string only (an
//! object is logged as a type error and taken as `auto`), and the model's chat template has no
//! tools, so it drops them (and adds no grammar, even for `required`). There the model answers
//! in prose, and these tests check that no call is made up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;

use promptfn::{Result, Role, ToolCalls, prompt, tool};
use promptfn_tests::live;
use serde::Deserialize;

/// Cities the weather tool was asked about.
static ASKED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The current weather in a city.
#[tool]
fn get_weather(
    /// The city's name, e.g. "Paris".
    city: String,
) -> String {
    ASKED.lock().unwrap().push(city.clone());
    format!("It is sunny and 21 degrees Celsius in {city}.")
}

#[prompt(
    "What is the weather in {city}? Answer in one sentence.",
    tools = [get_weather],
    tool_choice = "get_weather",
    temperature = 0.0,
    max_tokens = 60
)]
async fn weather_report(city: &str) -> Result<String>;

/// `get_weather`'s parameters, as manual mode hands them over.
#[derive(Debug, Deserialize)]
struct WeatherArgs {
    city: String,
}

#[prompt(
    "What is the weather in {city}?",
    tools = [get_weather],
    tool_choice = "get_weather",
    temperature = 0.0,
    max_tokens = 60
)]
async fn weather_call(city: &str) -> Result<ToolCalls<WeatherArgs>>;

#[tokio::test]
async fn a_forced_call_runs_and_the_model_answers_with_its_result() {
    let Some(client) = live::client("a_forced_call_runs_and_the_model_answers_with_its_result")
    else {
        return;
    };
    let r = weather_report("Paris")
        .client(&client)
        .with_meta()
        .await
        .expect("the tool loop completes against the local server");
    eprintln!("answer: {:?}; asked: {:?}", r.value, ASKED.lock().unwrap());
    assert!(!r.value.trim().is_empty());
    if live::Server::current() == live::Server::LlamaServer {
        // No call (see the module documentation): the prose is the answer, nothing ran.
        assert_eq!(r.requests, 1);
        assert!(r.transcript.iter().all(|m| m.tool_calls.is_empty()));
        return;
    }
    assert_eq!(r.requests, 2, "one forced call, then the answer");
    // user, assistant calling the tool, the tool's result, the answer
    let roles: Vec<Role> = r.transcript.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::User, Role::Assistant, Role::Tool, Role::Assistant]
    );
    let call = &r.transcript[1].tool_calls[0];
    assert_eq!(call.name, "get_weather");
    let result = r.transcript[2].text_content();
    assert!(
        result.starts_with("It is sunny and 21 degrees Celsius in "),
        "{result}"
    );
    assert!(
        ASKED
            .lock()
            .unwrap()
            .iter()
            .any(|city| !city.trim().is_empty()),
        "the tool ran with a decoded city"
    );
    let usage = r.usage.expect("the server reports usage");
    assert!(usage.total_tokens > 0);
}

#[tokio::test]
async fn manual_mode_hands_over_the_forced_call() {
    let Some(client) = live::client("manual_mode_hands_over_the_forced_call") else {
        return;
    };
    let calls = weather_call("Rome").client(&client).await;
    if live::Server::current() == live::Server::LlamaServer {
        // No call (see the module documentation): an error, never a call made up from prose.
        let error = calls.expect_err("llama-server answers in prose");
        eprintln!("no call from llama-server: {error}");
        return;
    }
    let calls = calls.expect("the server makes the forced call");
    eprintln!("calls: {calls:?}");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls.calls[0].name, "get_weather");
    assert!(!calls.calls[0].arguments.city.trim().is_empty());
    assert!(!calls.calls[0].id.is_empty());
}
