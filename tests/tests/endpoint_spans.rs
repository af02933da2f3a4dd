//! Endpoint calls run in the same `promptfn.call` span as chat calls (one helper keeps both):
//! function, model, status and usage recorded, the prompt only on opt-in, and never an answer
//! (vectors, images and audio are not text).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use promptfn::{Audio, Embedding, Result, prompt};
use promptfn_tests::mock::{MockServer, Reply};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

#[prompt("{text}", model = "text-embedding-3-small")]
async fn embed(text: &str) -> Result<Embedding>;

#[prompt("{text}", model = "tts-1", voice = "alloy")]
async fn speak(text: &str) -> Result<Audio>;

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Sink {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_endpoint_call_records_its_span_and_the_prompt_only_on_opt_in() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::with([
        Reply::json(json!({
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}],
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 4, "total_tokens": 4}
        })),
        Reply::status(400, json!({"error": {"message": "no such voice"}})),
    ])
    .await;
    let traced = promptfn::Client::builder()
        .base_url(server.url())
        .api_key("sk-test-key")
        .max_attempts(1)
        .trace_content(true)
        .build()
        .unwrap();
    embed("private words").client(&traced).await.unwrap();
    speak("unseen words")
        .client(&server.client())
        .await
        .unwrap_err();

    let logs = sink.text();
    let embed_span = logs
        .lines()
        .find(|l| l.contains("function=\"embed\""))
        .expect("the embed call's span closed");
    for field in [
        "model=\"text-embedding-3-small\"",
        "status=\"ok\"",
        "prompt_tokens=4",
        "prompt=\"user: private words\"",
    ] {
        assert!(embed_span.contains(field), "{field} not in {embed_span}");
    }
    assert!(!embed_span.contains("answer="), "{embed_span}");
    let speak_span = logs
        .lines()
        .find(|l| l.contains("function=\"speak\""))
        .expect("the speech call's span closed");
    assert!(speak_span.contains("status=\"Api\""), "{speak_span}");
    assert!(speak_span.contains("http_status=400"), "{speak_span}");
    assert!(
        !logs.contains("unseen words"),
        "no opt-in, no prompt: {logs}"
    );
}
