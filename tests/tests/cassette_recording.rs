//! Recording cassettes over real HTTP: the scripted mock server on 127.0.0.1 (which receives the
//! `Authorization` header and extra headers), and the local model server when one runs. Each
//! recording is replayed offline and its file scanned for credentials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use promptfn::testing::{Cassette, CassetteMode, forbid_live_requests};
use promptfn::{Client, Result, prompt};
use promptfn_tests::live;
use promptfn_tests::mock::{MockServer, Reply};

#[prompt("Say hi to {name} in five words.")]
async fn greet(name: &str) -> Result<String>;

const KEY: &str = "sk-proj-recording-secret-42";
const HEADER_SECRET: &str = "org-header-secret";

/// A cassette path in a directory of its own, removed when dropped.
struct TempCassette(PathBuf);

impl TempCassette {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("promptfn-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    fn path(&self) -> PathBuf {
        self.0.join("cassettes").join("greet.json")
    }
}

impl Drop for TempCassette {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn assert_no_credentials(path: &std::path::Path, secrets: &[&str]) {
    let text = std::fs::read_to_string(path).unwrap();
    let lower = text.to_ascii_lowercase();
    for needle in ["authorization", "bearer", "x-org"] {
        assert!(
            !lower.contains(needle),
            "`{needle}` in the cassette:\n{text}"
        );
    }
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "`{secret}` in the cassette:\n{text}"
        );
    }
}

#[tokio::test]
async fn recording_over_http_keeps_credentials_out_of_the_file() {
    let server =
        MockServer::with([Reply::content(&format!("Hi Bob! Your key {KEY} is safe."))]).await;
    let recorder = Client::builder()
        .base_url(server.url())
        .api_key(KEY)
        .header("x-org", HEADER_SECRET)
        .build()
        .unwrap();
    let cassette = TempCassette::new("recording-over-http");
    // Recording was asked for explicitly, so it passes the live-request guard.
    let _offline = forbid_live_requests();

    let recording = Cassette::open_with_mode(cassette.path(), CassetteMode::Record)
        .unwrap()
        .record_through(recorder);
    let client = recording
        .client_builder()
        .model("gpt-4o-mini")
        .build()
        .unwrap();
    let live_answer = greet("Bob").client(&client).await.unwrap();
    // The key the server echoed is scrubbed as the answer arrives, before anything reads it.
    assert_eq!(live_answer, "Hi Bob! Your key [redacted] is safe.");

    let sent = &server.requests()[0];
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(sent.header("x-org"), Some(HEADER_SECRET));
    assert_no_credentials(&cassette.path(), &[KEY, HEADER_SECRET]);

    drop(server);
    let replay = Cassette::open_with_mode(cassette.path(), CassetteMode::Replay).unwrap();
    let client = replay
        .client_builder()
        .model("gpt-4o-mini")
        .build()
        .unwrap();
    let replayed = greet("Bob").client(&client).await.unwrap();
    assert_eq!(replayed, "Hi Bob! Your key [redacted] is safe.");
}

#[tokio::test]
async fn live_answers_record_and_replay() {
    let Some(live) = live::client("live_answers_record_and_replay") else {
        return;
    };
    let cassette = TempCassette::new("live-recording");
    let recording = Cassette::open_with_mode(cassette.path(), CassetteMode::Record)
        .unwrap()
        .record_through(live);
    let client = recording.client_builder().model("smollm2").build().unwrap();
    let recorded = greet("Bob").client(&client).await.unwrap();
    assert_eq!(recording.len(), 1);
    assert_no_credentials(&cassette.path(), &[]);

    let _offline = forbid_live_requests();
    let replay = Cassette::open_with_mode(cassette.path(), CassetteMode::Replay).unwrap();
    let client = replay.client_builder().model("smollm2").build().unwrap();
    let replayed = greet("Bob").client(&client).await.unwrap();
    // The live client's key ("local") is redacted from the file; the rest is replayed verbatim.
    assert_eq!(replayed, recorded.replace("local", "[redacted]"));
}
