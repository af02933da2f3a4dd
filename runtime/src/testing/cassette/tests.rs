use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::message::Role;
use crate::output::OutputCache;
use crate::spec::{Decl, PromptBuilder, PromptSpec};
use crate::testing::{MockClient, Reply};
use crate::{Call, Mode};
use std::future::IntoFuture;

static GREET: PromptSpec = PromptSpec {
    name: "greet",
    site: || "greet",
    decl: Decl::DEFAULT,
    output: OutputCache::new(),
};
static AGE: PromptSpec = PromptSpec {
    name: "age",
    site: || "age",
    decl: Decl::DEFAULT,
    output: OutputCache::new(),
};

fn call<T: crate::Output>(spec: &'static PromptSpec, prompt: &str) -> Call<T> {
    let mut b = PromptBuilder::new(spec);
    b.start(Role::User);
    b.text(prompt);
    b.finish()
}

/// A fresh directory for one test's cassettes, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("promptfn-cassette-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    fn file(&self) -> PathBuf {
        self.0.join("nested").join("cassette.json")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const KEY: &str = "sk-live-secret-0123456789";

/// A "live server" for recording: a mock behind a client with a real-looking key.
fn server() -> (MockClient, Client) {
    let mock = MockClient::new();
    let client = mock
        .client_builder()
        .api_key(KEY)
        .header("x-org", "org-private")
        .build()
        .unwrap();
    (mock, client)
}

fn client(cassette: &Cassette, model: &str) -> Client {
    cassette.client_builder().model(model).build().unwrap()
}

#[tokio::test]
async fn recorded_answers_replay_offline_and_the_key_never_reaches_the_file() {
    let dir = Dir::new("round_trip");
    let (server, live) = server();
    server
        .on("greet")
        .returns_text(format!("Hi Bob! (your key is {KEY})"));
    server.on("age").reply(Reply::value(30u32));

    let recording = Cassette::open_with_mode(dir.file(), CassetteMode::Record)
        .unwrap()
        .record_through(live);
    let c = client(&recording, "m");
    let hi: String = call(&GREET, "Say hi to Bob").client(&c).await.unwrap();
    // Every answer body is scrubbed as it enters the transport, test doubles' included.
    assert_eq!(hi, "Hi Bob! (your key is [redacted])");
    let age: u32 = call(&AGE, "How old?").client(&c).await.unwrap();
    assert_eq!(age, 30);
    assert_eq!(recording.len(), 2);
    assert_eq!(server.requests().len(), 2);

    let text = std::fs::read_to_string(dir.file()).unwrap();
    for secret in [KEY, "Bearer", "uthorization", "org-private"] {
        assert!(
            !text.contains(secret),
            "`{secret}` in the cassette:\n{text}"
        );
    }
    assert!(text.contains("[redacted]"));
    assert!(text.contains("\"promptfn_cassette\": 1"));

    let replay = Cassette::open_with_mode(dir.file(), CassetteMode::Replay).unwrap();
    assert_eq!(replay.unplayed(), ["greet", "age"]);
    let c = client(&replay, "m");
    let hi: String = call(&GREET, "Say hi to Bob").client(&c).await.unwrap();
    assert_eq!(hi, "Hi Bob! (your key is [redacted])");
    let age: u32 = call(&AGE, "How old?").client(&c).await.unwrap();
    assert_eq!(age, 30);
    assert!(replay.unplayed().is_empty());
    assert_eq!(server.requests().len(), 2, "replay sends nothing");
}

#[tokio::test]
async fn an_unrecorded_request_fails_naming_the_difference_and_the_fix() {
    let dir = Dir::new("miss");
    let (server, live) = server();
    server.on("greet").returns_text("Hi Bob!");
    let recording = Cassette::open_with_mode(dir.file(), CassetteMode::Record)
        .unwrap()
        .record_through(live);
    let _: String = call(&GREET, "Say hi to Bob")
        .client(&client(&recording, "m"))
        .await
        .unwrap();

    let replay = Cassette::open_with_mode(dir.file(), CassetteMode::Replay).unwrap();
    let err = call::<String>(&GREET, "Say hi to Ann")
        .client(&client(&replay, "m"))
        .await
        .unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, Error::NoScriptedAnswer(_)), "{err:?}");
    assert!(shown.contains("messages[0].content"), "{shown}");
    assert!(shown.contains("\"Say hi to Bob\""), "{shown}");
    assert!(shown.contains("\"Say hi to Ann\""), "{shown}");
    assert!(shown.contains("PROMPTFN_CASSETTE=record"), "{shown}");
    assert!(shown.contains("cassette.json"), "{shown}");

    let err = call::<u32>(&AGE, "How old?")
        .client(&client(&replay, "m"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no recorded request of `age`"), "{err}");
    assert!(err.contains("requests of: greet"), "{err}");

    let err = call::<String>(&GREET, "Say hi to Bob")
        .client(&client(&replay, "other-model"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("at `model`"), "{err}");
    let lenient = Cassette::open_with_mode(dir.file(), CassetteMode::Replay)
        .unwrap()
        .ignore_field("model");
    let hi: String = call(&GREET, "Say hi to Bob")
        .client(&client(&lenient, "other-model"))
        .await
        .unwrap();
    assert_eq!(hi, "Hi Bob!");
}

#[tokio::test]
async fn repeated_requests_replay_in_order_then_repeat_the_last() {
    let dir = Dir::new("order");
    let (server, live) = server();
    server
        .on("greet")
        .returns_text("first")
        .returns_text("second");
    let recording = Cassette::open_with_mode(dir.file(), CassetteMode::Record)
        .unwrap()
        .record_through(live);
    let c = client(&recording, "m");
    for _ in 0..2 {
        let _: String = call(&GREET, "hi").client(&c).await.unwrap();
    }
    let replay = Cassette::open_with_mode(dir.file(), CassetteMode::Replay).unwrap();
    let c = client(&replay, "m");
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(call::<String>(&GREET, "hi").client(&c).await.unwrap());
    }
    assert_eq!(got, ["first", "second", "second"]);
}

#[tokio::test]
async fn append_replays_what_it_has_and_records_the_rest() {
    let dir = Dir::new("append");
    let (server, live) = server();
    server
        .on("greet")
        .responds_with(|r| Reply::text(format!("re: {}", r.prompt())));
    let first = Cassette::open_with_mode(dir.file(), CassetteMode::Append)
        .unwrap()
        .record_through(live.clone());
    let _: String = call(&GREET, "one")
        .client(&client(&first, "m"))
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);

    let second = Cassette::open_with_mode(dir.file(), CassetteMode::Append)
        .unwrap()
        .record_through(live);
    let c = client(&second, "m");
    let one: String = call(&GREET, "one").client(&c).await.unwrap();
    let two: String = call(&GREET, "two").client(&c).await.unwrap();
    assert_eq!((one.as_str(), two.as_str()), ("re: one", "re: two"));
    assert_eq!(server.requests().len(), 2, "only the new request went out");
    assert_eq!(
        Cassette::open_with_mode(dir.file(), CassetteMode::Replay)
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn errors_and_streams_are_recorded_as_they_came() {
    let dir = Dir::new("streams");
    let (server, live) = server();
    server
        .on("greet")
        .reply(Reply::api_error(503, "overloaded"))
        .returns_text("streamed hello, in several pieces");
    let recording = Cassette::open_with_mode(dir.file(), CassetteMode::Record)
        .unwrap()
        .record_through(live);
    let backend = recording.state.clone();
    let out = |stream: bool| Outgoing {
        function: "greet",
        function_path: "greet",
        body: serde_json::to_vec(
            &serde_json::json!({"model": "m", "messages": [], "stream": stream}),
        )
        .unwrap()
        .into(),
        timeout: Duration::from_secs(5),
        stream,
        structured: false,
        route: crate::transport::Route::Chat,
    };
    let error = backend.answer(&out(false)).await.unwrap();
    assert_eq!(error.status, 503);
    let stream = backend.answer(&out(true)).await.unwrap();
    assert_eq!(stream.status, 200);

    let replay = Cassette::open_with_mode(dir.file(), CassetteMode::Replay).unwrap();
    let backend = replay.state.clone();
    assert_eq!(backend.answer(&out(false)).await.unwrap().status, 503);
    let mut opened = backend.answer(&out(true)).await.unwrap();
    let Body::Chunks(chunks) = &mut opened.body else {
        panic!("replays are chunks");
    };
    assert!(chunks.len() > 3, "one chunk per SSE event");
    let text: Vec<u8> = chunks.iter().flatten().copied().collect();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.starts_with("data: {") && text.ends_with("data: [DONE]\n\n"),
        "{text}"
    );
}

#[test]
fn replaying_a_missing_cassette_says_how_to_record_it() {
    let dir = Dir::new("missing");
    let err = Cassette::open_with_mode(dir.file(), CassetteMode::Replay)
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not exist"), "{err}");
    assert!(err.contains("PROMPTFN_CASSETTE=record"), "{err}");
    let empty = Cassette::open_with_mode(dir.file(), CassetteMode::Append).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.mode(), CassetteMode::Append);
    assert_eq!(empty.path(), dir.file());
    assert!(format!("{empty:?}").contains("Append"));
}

#[test]
fn modes_parse_from_their_names() {
    for mode in [
        CassetteMode::Replay,
        CassetteMode::Record,
        CassetteMode::Append,
    ] {
        assert_eq!(mode.as_str().parse::<CassetteMode>().unwrap(), mode);
        assert_eq!(mode.to_string(), mode.as_str());
    }
    assert_eq!(
        " RECORD ".parse::<CassetteMode>().unwrap(),
        CassetteMode::Record
    );
    assert_eq!("".parse::<CassetteMode>().unwrap(), CassetteMode::Replay);
    let err = "rewind".parse::<CassetteMode>().unwrap_err().to_string();
    assert!(err.contains("replay, record or append"), "{err}");
}

#[tokio::test]
async fn a_session_recorded_with_concurrent_calls_replays_fully() {
    let dir = Dir::new("concurrent");
    let (server, live) = server();
    // A server without `json_schema` support, like llama-cpp-python: it rejects the mode.
    server.on("age").responds_with(|request| {
        if request.mode() == Some(Mode::JsonSchema) {
            Reply::api_error(400, "response_format json_schema is not supported")
        } else {
            Reply::value(if request.prompt().contains("Ann") {
                30u32
            } else {
                4
            })
        }
    });
    // Two calls in flight at once each meet the rejection before either learns the fallback;
    // two recording clients (each learns on its own) leave exactly that on the tape.
    let recording = Cassette::open_with_mode(dir.file(), CassetteMode::Record)
        .unwrap()
        .record_through(live);
    for prompt in ["How old is Ann?", "How old is Bo?"] {
        let _: u32 = call(&AGE, prompt)
            .client(&client(&recording, "gpt-4o-mini"))
            .await
            .unwrap();
    }
    assert_eq!(recording.len(), 4, "two rejections, two answers");

    // Replayed through one client, the later call starts from the learnt mode and never asks
    // for its recorded rejection; the session still counts as fully replayed.
    let replay = |dir: &Dir| Cassette::open_with_mode(dir.file(), CassetteMode::Replay).unwrap();
    let sequential = replay(&dir);
    let c = client(&sequential, "gpt-4o-mini");
    let ann: u32 = call(&AGE, "How old is Ann?").client(&c).await.unwrap();
    let bo: u32 = call(&AGE, "How old is Bo?").client(&c).await.unwrap();
    assert_eq!((ann, bo), (30, 4));
    assert!(
        sequential.unplayed().is_empty(),
        "{:?}",
        sequential.unplayed()
    );

    let concurrent = replay(&dir);
    let c = client(&concurrent, "gpt-4o-mini");
    let (ann, bo) = tokio::join!(
        call::<u32>(&AGE, "How old is Ann?")
            .client(&c)
            .into_future(),
        call::<u32>(&AGE, "How old is Bo?").client(&c).into_future(),
    );
    assert_eq!((ann.unwrap(), bo.unwrap()), (30, 4));
    assert!(
        concurrent.unplayed().is_empty(),
        "{:?}",
        concurrent.unplayed()
    );

    // A call that was recorded but not made still shows.
    let partial = replay(&dir);
    let _: u32 = call(&AGE, "How old is Ann?")
        .client(&client(&partial, "gpt-4o-mini"))
        .await
        .unwrap();
    assert_eq!(partial.unplayed(), ["age", "age"]);
    assert_eq!(server.requests().len(), 4, "replays send nothing");
}
