//! State a provider attaches to a turn and expects back: Gemini's thought signatures on tool
//! calls (`extra_content.google.thought_signature` through OpenAI-compatible endpoints),
//! DeepSeek's `reasoning_content` beside tool calls, OpenRouter's `reasoning_details`, and any
//! unknown field on a tool call, sent back unchanged in the next request of a tool loop and of
//! a re-ask, and kept in the transcript.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::{Result, Role, prompt, tool};
use promptfn_tests::mock::{MockServer, Reply, completion};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// The current weather in a city.
#[tool]
fn weather(city: String) -> String {
    format!("sunny in {city}")
}

#[prompt("What is the weather in {city}?", tools = [weather])]
async fn forecast(city: &str) -> Result<String>;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Person {
    name: String,
}

#[prompt("Extract the person in: {text}", mode = "tool")]
async fn extract(text: &str) -> Result<Person>;

/// A thought signature as Gemini sends it: opaque base64 that must come back byte for byte.
const SIGNATURE: &str = "CqADAdHtim9+/x=EjQ0vZ2luYWw\u{2028}=";

fn tool_turn(message: Value) -> Reply {
    Reply::json(completion(message, "tool_calls"))
}

/// The messages of the `n`-th request the server received.
fn messages(server: &MockServer, n: usize) -> Vec<Value> {
    server.bodies()[n]["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_gemini_thought_signature_on_a_tool_call_comes_back_unchanged() {
    let call = json!({
        "id": "call_a", "type": "function",
        "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"},
        "extra_content": {"google": {"thought_signature": SIGNATURE}},
    });
    let server = MockServer::with([
        tool_turn(json!({"role": "assistant", "content": null, "tool_calls": [call.clone()]})),
        Reply::content("Sunny."),
    ])
    .await;
    let r = forecast("Oslo")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Sunny.");
    let sent = messages(&server, 1);
    // The assistant turn goes back with the call exactly as it came, signature included.
    assert_eq!(sent[1]["tool_calls"], json!([call]));
    assert_eq!(
        sent[2],
        json!({"role": "tool", "content": "sunny in Oslo", "tool_call_id": "call_a"})
    );
    // The transcript keeps it, so it can be fed back later.
    let assistant = &r.transcript[1];
    assert_eq!(assistant.role, Role::Assistant);
    assert_eq!(
        assistant.tool_calls[0]
            .state
            .field_names()
            .collect::<Vec<_>>(),
        ["extra_content"]
    );
}

#[tokio::test]
async fn deepseek_reasoning_content_beside_tool_calls_comes_back() {
    let server = MockServer::with([
        tool_turn(json!({
            "role": "assistant", "content": "",
            "reasoning_content": "The user wants Lima's weather; call the tool.",
            "tool_calls": [{"id": "c1", "type": "function",
                "function": {"name": "weather", "arguments": "{\"city\":\"Lima\"}"}}],
        })),
        Reply::json(completion(
            json!({"role": "assistant", "content": "Sunny.", "reasoning_content": "Done."}),
            "stop",
        )),
    ])
    .await;
    let r = forecast("Lima")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Sunny.");
    let sent = messages(&server, 1);
    assert_eq!(
        sent[1]["reasoning_content"],
        "The user wants Lima's weather; call the tool."
    );
    assert_eq!(sent[1]["tool_calls"][0]["id"], "c1");
    // The final turn has no tool calls: DeepSeek refuses reasoning_content there, so the
    // transcript's last turn keeps none.
    assert!(r.transcript.last().unwrap().state.is_empty());
}

#[tokio::test]
async fn unknown_tool_call_fields_and_reasoning_details_are_echoed() {
    let details = json!([{"type": "reasoning.encrypted", "data": "ZW5j", "id": "r1", "index": 0}]);
    let call = json!({
        "id": "c9", "type": "function",
        "function": {"name": "weather", "arguments": "{\"city\":\"Rome\"}"},
        "vendor_trace": {"span": 7, "tags": ["a", null, 1.5]},
        "cache_hint": true,
    });
    let server = MockServer::with([
        tool_turn(json!({
            "role": "assistant", "content": null, "reasoning_details": details,
            "tool_calls": [call.clone()],
        })),
        Reply::content("Warm."),
    ])
    .await;
    forecast("Rome").client(&server.client()).await.unwrap();
    let sent = messages(&server, 1);
    assert_eq!(sent[1]["tool_calls"], json!([call]));
    assert_eq!(sent[1]["reasoning_details"], details);
    // The first request had no assistant turn: nothing is invented.
    assert_eq!(messages(&server, 0).len(), 1);
}

#[tokio::test]
async fn a_reask_sends_the_signed_tool_call_back() {
    let call = json!({
        "id": "call_answer", "type": "function",
        "function": {"name": "answer", "arguments": "{\"nom\": 1}"},
        "extra_content": {"google": {"thought_signature": SIGNATURE}},
    });
    let server = MockServer::with([
        tool_turn(json!({"role": "assistant", "content": null, "tool_calls": [call.clone()]})),
        Reply::tool_call("answer", "{\"name\": \"Ada\"}"),
    ])
    .await;
    let person = extract("Ada").client(&server.client()).await.unwrap();
    assert_eq!(person, Person { name: "Ada".into() });
    let sent = messages(&server, 1);
    assert_eq!(sent[1]["tool_calls"], json!([call]));
    assert_eq!(sent[2]["role"], "tool");
    assert_eq!(sent[2]["tool_call_id"], "call_answer");
}
