//! Profiles written by `promptfn doctor` and loaded by the runtime: each model's first request
//! starts from the mode and media style the probe found, and the ladder still steps down when
//! the endpoint has changed since.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use promptfn::{Client, Pdf, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;
use support::fake::{self, Behaviour};
use support::promptfn;
use support::server::Server;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Sum {
    sum: i64,
}

#[prompt("What is 2 + 3? {hint}")]
async fn add(hint: &str) -> Result<Sum>;

#[prompt("Summarise: {doc}")]
async fn summarise(doc: Pdf) -> Result<String>;

/// Run the doctor on `server` for `model` and return the profile's path.
async fn doctor(server: &Server, model: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("promptfn-profile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("profile.toml");
    let out = promptfn(
        &[
            "doctor",
            "--base-url",
            server.url(),
            "--model",
            model,
            "--profile-out",
            path.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

fn client(server: &Server, model: &str, profile: Option<&Path>) -> Client {
    let mut builder = Client::builder()
        .base_url(server.url())
        .model(model)
        .max_attempts(1);
    if let Some(path) = profile {
        builder = builder.profile(path);
    }
    builder.build().unwrap()
}

/// The chat requests sent after the first `skip`, with the status each got.
fn chats_after(server: &Server, skip: usize) -> Vec<(serde_json::Value, u16)> {
    server.requests()[skip..]
        .iter()
        .filter(|(r, _)| r.path == "/v1/chat/completions")
        .map(|(r, status)| (r.json(), *status))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profiled_client_starts_from_the_mode_that_works() {
    let server = fake::start(Behaviour::llama_cpp(), &["smollm2"]).await;
    let profile = doctor(&server, "smollm2", "llama").await;

    // Without the profile the first request learns the hard way: json_schema, HTTP 500.
    let before = server.requests().len();
    let plain = client(&server, "smollm2", None);
    assert_eq!(add("").client(&plain).await.unwrap(), Sum { sum: 5 });
    let sent = chats_after(&server, before);
    assert_eq!(sent[0].0["response_format"]["type"], "json_schema");
    assert_eq!(sent[0].1, 500);

    // With it, the first request is already json_object, and nothing is rejected.
    let before = server.requests().len();
    let profiled = client(&server, "smollm2", Some(&profile));
    assert_eq!(add("").client(&profiled).await.unwrap(), Sum { sum: 5 });
    let sent = chats_after(&server, before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0["response_format"]["type"], "json_object");
    assert_eq!(sent[0].1, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ladder_still_steps_down_when_the_endpoint_changed() {
    // Probed when the endpoint took json_schema; it has since been replaced by one that does not.
    let then = fake::start(Behaviour::openai(), &["smollm2"]).await;
    let profile = doctor(&then, "smollm2", "changed").await;
    assert!(
        std::fs::read_to_string(&profile)
            .unwrap()
            .contains("mode = \"json_schema\"")
    );
    let now = fake::start(Behaviour::llama_cpp(), &["smollm2"]).await;
    let client = client(&now, "smollm2", Some(&profile));
    assert_eq!(add("").client(&client).await.unwrap(), Sum { sum: 5 });
    let modes: Vec<_> = chats_after(&now, 0)
        .iter()
        .map(|(body, status)| (body["response_format"]["type"].clone(), *status))
        .collect();
    assert_eq!(
        modes,
        [
            (serde_json::json!("json_schema"), 500),
            (serde_json::json!("json_object"), 200)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_go_in_the_style_the_probe_found() {
    // gpt-* models default to OpenAI's part types; this aggregator takes only image_url.
    let server = fake::start(Behaviour::aggregator(), &["gpt-4o"]).await;
    let profile = doctor(&server, "gpt-4o", "aggregator").await;
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(text.contains("media_style = \"aggregator\""), "{text}");
    let pdf = || Pdf::data_uri("data:application/pdf;base64,JVBERi0xLjQK").unwrap();

    let before = server.requests().len();
    let plain = client(&server, "gpt-4o", None);
    assert!(summarise(pdf()).client(&plain).await.is_err());
    assert_eq!(
        chats_after(&server, before)[0].0["messages"][0]["content"][1]["type"],
        "file"
    );

    let before = server.requests().len();
    let profiled = client(&server, "gpt-4o", Some(&profile));
    assert_eq!(summarise(pdf()).client(&profiled).await.unwrap(), "58");
    let sent = chats_after(&server, before);
    let part = &sent[0].0["messages"][0]["content"][1];
    assert_eq!(part["type"], "image_url");
    assert!(
        part["image_url"]["url"]
            .as_str()
            .unwrap()
            .starts_with("data:application/pdf")
    );
}

#[test]
fn a_missing_profile_is_a_config_error_that_names_the_fix() {
    let err = Client::builder()
        .base_url("http://127.0.0.1:1")
        .profile("/nonexistent/profile.toml")
        .build()
        .unwrap_err();
    assert!(matches!(err, promptfn::Error::Config(_)), "{err:?}");
    assert!(
        err.to_string().contains("promptfn doctor --profile-out"),
        "{err}"
    );
}

#[prompt("Say hi to {name}", max_tokens = 12)]
async fn greet(name: &str) -> Result<String>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profiled_token_limit_field_and_stream_usage_shape_the_requests() {
    let server = fake::start(Behaviour::openai(), &["o3", "gpt-4o"]).await;
    let dir = std::env::temp_dir().join(format!("promptfn-profile-{}-quirks", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("profile.toml");
    std::fs::write(
        &path,
        format!(
            "base_url = \"{}\"\n[models.o3]\ntoken_limit_field = \"max_completion_tokens\"\nstream_usage = false\n",
            server.url()
        ),
    )
    .unwrap();
    for model in ["o3", "gpt-4o"] {
        let client = client(&server, model, Some(&path));
        let before = server.requests().len();
        greet("Ana").client(&client).await.unwrap();
        let mut stream = greet("Ana").client(&client).stream();
        while let Some(delta) = stream.next().await {
            delta.unwrap();
        }
        let sent = chats_after(&server, before);
        assert_eq!(sent.len(), 2, "{sent:?}");
        let (awaited, streamed) = (&sent[0].0, &sent[1].0);
        let profiled = model == "o3";
        for body in [awaited, streamed] {
            // The profiled model gets its token limit under the field the probe found.
            assert_eq!(
                body.get("max_completion_tokens").is_some(),
                profiled,
                "{body}"
            );
            assert_eq!(body.get("max_tokens").is_some(), !profiled, "{body}");
        }
        // …and its streams do not ask for a usage chunk the server rejects or ignores.
        assert_eq!(
            streamed.get("stream_options").is_none(),
            profiled,
            "{streamed}"
        );
    }
}
