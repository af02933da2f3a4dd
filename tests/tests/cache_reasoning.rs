//! The shared caching and reasoning settings (issue #15 points 3 and 4): declared with
//! `#[prompt(cache = …, reasoning = …)]`, overridden with `.cache(…)` and `.reasoning(…)`, and
//! written in the chat-completions dialect as `prompt_cache_key` (the function's name) and
//! `reasoning_effort` (https://platform.openai.com/docs/api-reference/chat/create).
#![allow(clippy::expect_used)]

use promptfn::{Reasoning, Result, prompt};
use promptfn_tests::mock::MockServer;
use serde_json::{Value, json};

#[prompt(
    system = "You summarise.",
    "Summarise: {text}",
    cache = true,
    reasoning = "low"
)]
async fn summarise(text: &str) -> Result<String>;

#[prompt("Translate: {text}")]
async fn translate(text: &str) -> Result<String>;

fn body<T: promptfn::Output>(call: promptfn::Call<T>, server: &MockServer) -> Value {
    call.client(&server.client())
        .request()
        .expect("the request renders")
}

#[tokio::test]
async fn declared_settings_reach_the_chat_completions_body() {
    let server = MockServer::start().await;
    assert_eq!(
        body(summarise("a long text"), &server),
        json!({"model": "mock-model", "messages": [
            {"role": "system", "content": "You summarise."},
            {"role": "user", "content": "Summarise: a long text"}
        ], "prompt_cache_key": "summarise", "reasoning_effort": "low"})
    );
}

#[tokio::test]
async fn per_call_settings_override_the_declared_ones() {
    let server = MockServer::start().await;
    let off = body(
        summarise("a long text")
            .cache(false)
            .reasoning(Reasoning::High),
        &server,
    );
    assert!(off.get("prompt_cache_key").is_none(), "{off}");
    assert_eq!(off["reasoning_effort"], "high");
    let on = body(translate("bonjour").cache(true), &server);
    assert_eq!(on["prompt_cache_key"], "translate");
    assert!(on.get("reasoning_effort").is_none(), "{on}");
}
