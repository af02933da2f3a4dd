//! `promptfn doctor` against fake endpoints that behave like OpenAI, llama-cpp-python, a proxy
//! that drops `response_format`, and a server that ignores `tool_choice`: the table, the JSON
//! and the profile say what each really does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::Value;
use support::fake::{self, Behaviour};
use support::{promptfn, stdout_of};

/// Probe `behaviour` for one model; the parsed `--json` output, the profile written (in a
/// directory of the test's own, `test`), and the exit code.
async fn probe(behaviour: Behaviour, model: &str, test: &str) -> (Value, String, i32) {
    let server = fake::start(behaviour, &[model]).await;
    let dir = temp_dir(test);
    let profile = dir.join("profile.toml");
    let out = promptfn(
        &[
            "doctor",
            "--base-url",
            server.url(),
            "--model",
            model,
            "--json",
            "--profile-out",
            profile.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let profile = std::fs::read_to_string(profile).unwrap();
    (json, profile, out.status.code().unwrap())
}

fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("promptfn-doctor-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn status<'a>(json: &'a Value, model: &str, feature: &str) -> &'a str {
    json["models"][model][feature]
        .as_str()
        .unwrap_or_else(|| panic!("no status for {feature}: {json:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_like_endpoints_support_everything() {
    let (json, profile, code) = probe(Behaviour::openai(), "gpt-4o-mini", "openai").await;
    let statuses = json["models"]["gpt-4o-mini"].as_object().unwrap();
    let not_supported: Vec<_> = statuses.iter().filter(|(_, s)| *s != "supported").collect();
    assert!(not_supported.is_empty(), "{not_supported:?}");
    for feature in [
        "json_schema",
        "json_object",
        "tools",
        "tool_choice_required",
        "parallel_tools",
        "n",
        "stream_usage",
        "image_data_uri",
        "image_url",
        "audio_image_url",
        "audio_input_audio",
        "pdf_file",
        "pdf_image_url",
    ] {
        assert!(statuses.contains_key(feature), "{feature} missing");
    }
    assert_eq!(json["typed_calls"], true);
    assert_eq!(code, 0);
    assert!(profile.contains("mode = \"json_schema\""), "{profile}");
    assert!(profile.contains("media_style = \"openai\""), "{profile}");
    assert!(
        json["start_from"]["gpt-4o-mini"]["tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llama_cpp_python_rejects_json_schema_and_arrays_and_ignores_n() {
    let (json, profile, code) = probe(Behaviour::llama_cpp(), "smollm2", "llama").await;
    let m = "smollm2";
    assert_eq!(status(&json, m, "text"), "supported");
    assert_eq!(status(&json, m, "json_schema"), "unsupported");
    assert_eq!(status(&json, m, "json_object"), "supported");
    assert_eq!(status(&json, m, "n"), "ignored");
    assert_eq!(status(&json, m, "stream_usage"), "ignored");
    assert_eq!(status(&json, m, "max_tokens"), "supported");
    assert_eq!(status(&json, m, "max_completion_tokens"), "ignored");
    assert_eq!(status(&json, m, "image_data_uri"), "unsupported");
    assert_eq!(status(&json, m, "audio_input_audio"), "unsupported");
    assert_eq!(status(&json, m, "pdf_file"), "unsupported");
    assert_eq!(status(&json, m, "anthropic_messages"), "unsupported");
    assert_eq!(status(&json, m, "reasoning"), "ignored");
    let detail = &json["details"][m]["json_schema"]["detail"];
    assert!(detail.as_str().unwrap().starts_with("HTTP 500"), "{detail}");
    assert_eq!(code, 0, "json_object still serves typed calls");
    assert!(profile.contains("mode = \"json_object\""), "{profile}");
    assert!(!profile.contains("media_style"), "{profile}");
    assert!(profile.contains("stream_usage = false"), "{profile}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_drops_response_format_is_accepted_but_ignored() {
    let (json, profile, code) = probe(
        Behaviour::proxy_dropping_response_format(),
        "gpt-4o",
        "proxy",
    )
    .await;
    assert_eq!(status(&json, "gpt-4o", "json_schema"), "ignored");
    assert_eq!(status(&json, "gpt-4o", "json_object"), "ignored");
    assert_eq!(status(&json, "gpt-4o", "tool_choice_required"), "supported");
    let detail = json["details"]["gpt-4o"]["json_schema"]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("The sum is 5."), "{detail}");
    // The 200s lied: typed calls start from a forced tool call instead.
    assert!(profile.contains("mode = \"tool\""), "{profile}");
    assert!(profile.contains("json_schema = \"ignored\""), "{profile}");
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_tool_choice_is_accepted_but_ignored() {
    let (json, _, _) = probe(Behaviour::ignoring_tool_choice(), "gpt-4o", "tool-choice").await;
    assert_eq!(status(&json, "gpt-4o", "tools"), "supported");
    assert_eq!(status(&json, "gpt-4o", "tool_choice_required"), "ignored");
    let detail = json["details"]["gpt-4o"]["tool_choice_required"]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("prose"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_says_what_each_feature_did() {
    let server = fake::start(Behaviour::llama_cpp(), &["smollm2"]).await;
    let out = promptfn(
        &["doctor", "--base-url", server.url(), "--model", "smollm2"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    let stdout = stdout_of(&out, server.url());
    assert!(!stdout.contains('\x1b'), "no colour off a terminal");
    insta::assert_snapshot!("llama_cpp_table", stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[1/22] smollm2: text"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_output_keeps_its_shape() {
    let server = fake::start(Behaviour::llama_cpp(), &["smollm2"]).await;
    let out = promptfn(
        &[
            "doctor",
            "--base-url",
            server.url(),
            "--model",
            "smollm2",
            "--json",
        ],
        &[],
    )
    .await;
    insta::assert_snapshot!("llama_cpp_json", stdout_of(&out, server.url()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_models_get_a_table_each() {
    let server = fake::start(Behaviour::proxy_dropping_response_format(), &["a", "b"]).await;
    let out = promptfn(
        &[
            "doctor",
            "--base-url",
            server.url(),
            "--model",
            "a",
            "--model",
            "b",
        ],
        &[],
    )
    .await;
    insta::assert_snapshot!("two_models_table", stdout_of(&out, server.url()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_does_not_answer_cannot_serve_typed_calls() {
    // A port just released: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = promptfn(
        &["doctor", "--base-url", &url, "--model", "m", "--json"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["models"]["m"]["text"], "unknown");
    assert_eq!(json["typed_calls"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_sent_and_never_shown() {
    let server = fake::start(Behaviour::openai(), &["m"]).await;
    let out = promptfn(
        &[
            "doctor",
            "--base-url",
            server.url(),
            "--model",
            "m",
            "--json",
        ],
        &[("OPENAI_API_KEY", "sk-doctor-secret")],
    )
    .await;
    assert!(!String::from_utf8_lossy(&out.stdout).contains("sk-doctor-secret"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("sk-doctor-secret"));
    let requests = server.requests();
    assert!(!requests.is_empty());
    for (request, _) in requests {
        let auth = request.headers.iter().find(|(n, _)| n == "authorization");
        assert_eq!(
            auth.map(|(_, v)| v.as_str()),
            Some("Bearer sk-doctor-secret")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_with_2() {
    let out = promptfn(
        &["doctor", "--base-url", "localhost:1", "--model", "m"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scheme"));
    let out = promptfn(&["doctor", "--base-url", "http://127.0.0.1:1"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "--model is required");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_describes_the_command() {
    let out = promptfn(&["doctor", "--help"], &[]).await;
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("doctor_help", String::from_utf8_lossy(&out.stdout));
    let out = promptfn(&["--help"], &[]).await;
    insta::assert_snapshot!("help", String::from_utf8_lossy(&out.stdout));
}
