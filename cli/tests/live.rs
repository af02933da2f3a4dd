//! `promptfn doctor` against the local model server (llama-cpp-python with SmolLM2), then a
//! structured call made with the profile it wrote: the call sends no request the server
//! rejects. Without a server (plain `cargo test`) the live test says why it was skipped, and
//! passes; the same steps also run against the llama-cpp-python fake, so they are always checked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use promptfn::{Client, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

#[prompt("Classify the sentiment of this review: {review}", temperature = 0.0)]
async fn sentiment(review: &str) -> Result<Sentiment>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_server_is_probed_and_its_profile_avoids_rejected_requests() {
    let Some(url) = std::env::var("PROMPTFN_LIVE_BASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!(
            "skipped: no live server (PROMPTFN_LIVE_BASE_URL is unset; `scripts/test` starts one)"
        );
        return;
    };
    let model = std::env::var("PROMPTFN_LIVE_MODEL").unwrap_or_else(|_| "smollm2".into());
    probe_then_call(&url, &model, "live").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_steps_pass_against_the_llama_cpp_python_fake() {
    let server = support::fake::start(support::fake::Behaviour::llama_cpp(), &["smollm2"]).await;
    probe_then_call(&format!("{}/v1", server.url()), "smollm2", "fake").await;
}

/// Probe `url`, then make a structured call with the profile through a recording proxy.
async fn probe_then_call(url: &str, model: &str, name: &str) {
    let dir = std::env::temp_dir().join(format!("promptfn-doctor-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("profile.toml");

    let out = support::promptfn(
        &[
            "doctor",
            "--base-url",
            url,
            "--model",
            model,
            "--json",
            "--profile-out",
            profile.to_str().unwrap(),
        ],
        &[("OPENAI_API_KEY", "local")],
    )
    .await;
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    println!("{json:#}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the local server serves typed calls"
    );
    let statuses = &json["models"][model];
    assert_eq!(statuses["text"], "supported");
    // llama-cpp-python's server answers HTTP 500 to json_schema and to array content.
    assert_eq!(statuses["json_schema"], "unsupported");
    assert_eq!(statuses["image_data_uri"], "unsupported");
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(!text.contains("mode = \"json_schema\""), "{text}");

    // The first structured call, through a recording proxy, with the profile loaded.
    let proxy = support::proxy::start(url).await;
    let client = Client::builder()
        .base_url(proxy.url())
        .api_key("local")
        .model(model)
        .profile(&profile)
        .build()
        .unwrap();
    let value = sentiment("I loved it, the best purchase I ever made!")
        .client(&client)
        .await;
    let sent = proxy.requests();
    assert!(!sent.is_empty());
    for (request, status) in &sent {
        assert!(
            *status < 400,
            "{} was rejected with {status}: {}",
            request.path,
            String::from_utf8_lossy(&request.body)
        );
    }
    assert_ne!(sent[0].0.json()["response_format"]["type"], "json_schema");
    value.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
