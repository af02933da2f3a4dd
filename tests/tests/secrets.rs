//! The API key never leaves the configured server: not in `tracing` output at any level, not in
//! the `Debug` or `Display` of any error kind, client or call, and not across a redirect to
//! another origin. Also: call spans carry their fields, content only on opt-in, and a plain-http
//! base URL to a remote host warns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use promptfn::{Error, Result, prompt};
use promptfn_tests::fault::{Fault, FaultServer, refused_addr};
use promptfn_tests::mock::completion;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

const KEY: &str = "sk-LEAKCHECK-7f3a9c2e41b8";
const BOUND: Duration = Duration::from_secs(30);

/// Everything every `tracing` subscriber level wrote in this test binary.
fn captured() -> String {
    let buffer = capture();
    let bytes = buffer.lock().unwrap_or_else(PoisonError::into_inner);
    String::from_utf8_lossy(&bytes).into_owned()
}

fn capture() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let sink = Arc::clone(&buffer);
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
                .with_writer(move || Sink(Arc::clone(&sink)))
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
            buffer
        })
        .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

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

async fn bounded<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, test)
        .await
        .expect("the test ran past its bound: something hangs")
}

#[prompt("Say hi to {name}")]
async fn greet(name: &str) -> Result<String>;

#[derive(Debug, Deserialize, JsonSchema)]
struct Person {
    #[allow(dead_code)]
    name: String,
}

#[prompt("Extract the person in: {text}")]
async fn extract(text: &str) -> Result<Person>;

/// Eleven nested object levels: more than OpenAI's strict mode accepts (a schema error).
macro_rules! nested {
    ($name:ident) => {
        #[derive(Debug, Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct $name { leaf: String }
    };
    ($name:ident, $inner:ident $(, $rest:ident)*) => {
        #[derive(Debug, Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct $name { inner: $inner }
        nested!($inner $(, $rest)*);
    };
}
nested!(D0, D1, D2, D3, D4, D5, D6, D7, D8, D9, D10);

#[prompt("Nest {x}", model = "gpt-4o-mini")]
async fn too_deep(x: &str) -> Result<D0>;

fn key_client(url: &str) -> promptfn::ClientBuilder {
    promptfn::Client::builder()
        .base_url(url)
        .api_key(KEY)
        .model("leak-model")
        .trace_content(true)
        .retry_policy(
            promptfn::RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(5)),
        )
}

fn answer(message: serde_json::Value, finish: &str) -> Fault {
    Fault::json(200, &[], completion(message, finish))
}

/// Each call fails with another error kind; all of them, and every log line, must be clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_trace_of_the_api_key_in_logs_or_in_any_error_kind() {
    capture();
    bounded(async {
        let echo = |status: u16| {
            Fault::json(
                status,
                &[],
                json!({"error": {"message": format!("Incorrect API key provided: {KEY}"), "type": "invalid_request_error", "param": KEY}}),
            )
        };
        let server = FaultServer::script([
            // A careless server quoting the key: once on a retried 503, once on a final 401.
            echo(503),
            echo(401),
            Fault::error(
                429,
                &[("retry-after", "3600")],
                "requests",
                "rate_limit_exceeded",
            ),
            Fault::HtmlOk,
            Fault::Answer("no person here".into()),
            answer(json!({"role": "assistant", "content": "cut"}), "length"),
            answer(
                json!({"role": "assistant", "content": null, "refusal": "no"}),
                "stop",
            ),
            answer(
                json!({"role": "assistant", "content": ""}),
                "content_filter",
            ),
            Fault::StallBeforeHeaders,
            Fault::StallBeforeHeaders,
            Fault::ResetBeforeHeaders,
            Fault::ResetBeforeHeaders,
        ])
        .await;
        let client = key_client(&server.url())
            .first_byte_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let refused = key_client(&format!("http://{}/v1", refused_addr().await))
            .build()
            .unwrap();
        let no_model = promptfn::Client::builder()
            .base_url(server.url())
            .api_key(KEY)
            .build()
            .unwrap();

        let mut errors: Vec<Error> = Vec::new();
        errors.push(greet("a").client(&client).await.unwrap_err()); // Api 401
        errors.push(greet("b").client(&client).await.unwrap_err()); // Api 429
        errors.push(greet("c").client(&client).await.unwrap_err()); // Protocol
        errors.push(extract("d").client(&client).retries(0).await.unwrap_err()); // Decode
        errors.push(extract("e").client(&client).retries(0).await.unwrap_err()); // Incomplete
        errors.push(greet("f").client(&client).await.unwrap_err()); // Refused
        errors.push(greet("g").client(&client).await.unwrap_err()); // ContentFilter
        errors.push(greet("h").client(&client).await.unwrap_err()); // Timeout
        errors.push(greet("i").client(&client).await.unwrap_err()); // Transport (reset)
        errors.push(greet("j").client(&refused).await.unwrap_err()); // Transport (refused)
        errors.push(greet("k").client(&no_model).await.unwrap_err()); // Config
        errors.push(too_deep("l").client(&client).await.unwrap_err()); // Schema

        let mut kinds: Vec<String> = errors
            .iter()
            .map(|e| {
                format!("{e:?}")
                    .split(['(', ' ', '{'])
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(
            kinds,
            [
                "Api",
                "Config",
                "ContentFilter",
                "Decode",
                "Incomplete",
                "Protocol",
                "Refused",
                "Schema",
                "Timeout",
                "Transport"
            ],
            "every error kind was produced"
        );

        let mut shown = String::new();
        for e in &errors {
            shown.push_str(&format!("{e:?}\n{e}\n{e:#?}\n"));
        }
        shown.push_str(&format!(
            "{client:?} {no_model:?} {:?} {:?}",
            promptfn::Client::builder().api_key(KEY),
            greet("m").client(&client)
        ));
        let logs = captured();
        assert!(
            logs.contains("promptfn.call") && logs.contains("promptfn.attempt"),
            "the capture works"
        );
        assert!(logs.contains("retrying"), "retries were logged");
        for (what, text) in [
            ("errors and Debug output", &shown),
            ("tracing output", &logs),
        ] {
            assert!(!text.contains(KEY), "the key appears in {what}");
            assert!(
                !text.contains("LEAKCHECK"),
                "part of the key appears in {what}"
            );
            assert!(
                !text.contains("Bearer"),
                "an Authorization value appears in {what}"
            );
        }
        // The key did reach the server that was configured.
        assert_eq!(
            server.requests()[0].header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert!(shown.contains("Incorrect API key provided: [redacted]"), "{shown}");
    })
    .await;
}

/// A key with a `/`, which JSON writers may escape as `\/`.
const SLASHED_KEY: &str = "sk-proj/LEAKCHECK-51c0e8d7a2b9";

fn event_stream(body: String) -> Fault {
    Fault::Status {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        body: body.into_bytes(),
    }
}

/// The server quotes the key back in every way a stream or an answer can hold text; no error,
/// `raw` body or log line may hold any of it, escaped or cut.
#[tokio::test]
async fn an_echoed_key_never_surfaces_streamed_awaited_escaped_or_cut() {
    capture();
    bounded(async {
        let escaped = SLASHED_KEY.replace('/', "\\/");
        let unicode = SLASHED_KEY.replace('-', "\\u002d");
        let chunk = |content: &str| {
            json!({"choices": [{"delta": {"content": content}, "finish_reason": null}]})
        };
        // The key straddles the cut of the 64 KiB excerpt an error keeps.
        let padding = "x".repeat(promptfn::RAW_EXCERPT_LIMIT - 20);
        let server = FaultServer::script([
            // Streamed: a 401 echoing the key.
            Fault::json(
                401,
                &[],
                json!({"error": {"message": format!("Incorrect API key provided: {SLASHED_KEY}")}}),
            ),
            // Streamed: `event: error`, JSON-escaped.
            event_stream(format!(
                "event: error\ndata: {{\"error\":{{\"message\":\"bad key {escaped}\"}}}}\n\n"
            )),
            // Streamed: an error object in a `data:` line, escaped as \u002d.
            event_stream(format!(
                "data: {{\"error\":{{\"message\":\"bad key {unicode}\"}}}}\n\n"
            )),
            // Streamed: the model quotes the key, then the body stops (a Truncated partial).
            event_stream(format!(
                "data: {}\n\ndata: {}\n\n",
                chunk("your key is "),
                chunk(SLASHED_KEY)
            )),
            // Awaited: the key as the error's code.
            Fault::json(401, &[], json!({"error": {"message": "no", "code": SLASHED_KEY}})),
            // Awaited: the key across the excerpt's cut.
            Fault::json(400, &[], json!({"error": {"message": format!("{padding}{SLASHED_KEY}")}})),
            // Awaited: a successful answer quoting the key, JSON-escaped in the raw body.
            Fault::Status {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: completion(json!({"role": "assistant", "content": "key: KEY"}), "stop")
                    .to_string()
                    .replace("KEY", &escaped)
                    .into_bytes(),
            },
        ])
        .await;
        let client = promptfn::Client::builder()
            .base_url(server.url())
            .api_key(SLASHED_KEY)
            .model("leak-model")
            .trace_content(true)
            .max_attempts(1)
            .build()
            .unwrap();
        let mut shown = String::new();
        for _ in 0..4 {
            let mut stream = greet("x").client(&client).stream();
            let mut error = None;
            while let Some(item) = stream.next().await {
                match item {
                    Ok(delta) => shown.push_str(&delta),
                    Err(e) => error = Some(e),
                }
            }
            let error = error.expect("every stream here ends in an error");
            shown.push_str(&format!("{error:?}\n{error}\n"));
            if let Error::Truncated { partial, .. } = &error {
                assert_eq!(partial, "your key is [redacted]");
            }
        }
        for _ in 0..2 {
            let error = greet("x").client(&client).await.unwrap_err();
            shown.push_str(&format!("{error:?}\n{error}\n"));
        }
        let response = greet("x").client(&client).with_meta().await.unwrap();
        assert_eq!(response.value, "key: [redacted]");
        shown.push_str(&format!("{response:?}\n{}", response.raw));
        shown.push_str(&captured());
        for needle in [SLASHED_KEY, &escaped, &unicode, "LEAKCHECK", "sk-proj\\/L"] {
            assert!(!shown.contains(needle), "`{needle}` shown:\n{shown}");
        }
        assert!(shown.contains("Incorrect API key provided: [redacted]"));
        assert_eq!(server.count(), 7);
    })
    .await;
}

#[prompt("Look at {image}")]
async fn look(image: promptfn::Image) -> Result<String>;

/// A password in the base URL, and a user name, password and signature in a media URL, appear
/// in no error, `Debug` or log line; the media host gets no Basic auth made from them.
#[tokio::test]
async fn credentials_in_urls_are_never_shown_nor_sent_unasked() {
    capture();
    bounded(async {
        let addr = refused_addr().await;
        let client = promptfn::Client::builder()
            .base_url(format!("http://bob:PASSWORD-b0b@{addr}/v1"))
            .model("m")
            .retry_policy(
                promptfn::RetryPolicy::default()
                    .max_attempts(2)
                    .initial_backoff(Duration::from_millis(5)),
            )
            .build()
            .unwrap();
        let err = greet("x").client(&client).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        let mut shown = format!("{err}\n{err:?}\n{client:?}\n");

        let files = FaultServer::start(|_, _| Fault::Status {
            status: 404,
            headers: Vec::new(),
            body: b"no such image".to_vec(),
        })
        .await;
        let chat = FaultServer::start(|_, _| Fault::Answer("ok".into())).await;
        let chat_client = key_client(&chat.url())
            .allow_private_media_addresses(true)
            .build()
            .unwrap();
        let media_url = format!(
            "http://alice:MEDIAPASS-a1@127.0.0.1:{}/i.png?X-Amz-Credential=AKIA-CRED&X-Amz-Signature=SIGVALUE-5e&size=2",
            files.addr().port()
        );
        let err = look(promptfn::Image::url(media_url))
            .client(&chat_client)
            .media_policy(promptfn::MediaPolicy::new().urls(promptfn::UrlHandling::DownloadAll))
            .await
            .unwrap_err();
        let media = format!("{err}\n{err:?}\n");
        assert!(media.contains("HTTP 404") && media.contains("size=2"), "{media}");
        shown.push_str(&media);
        let fetched = files.requests();
        assert_eq!(fetched.len(), 1);
        assert_eq!(fetched[0].header("authorization"), None, "no Basic auth unasked");
        assert_eq!(chat.count(), 0);

        shown.push_str(&captured());
        for needle in ["PASSWORD-b0b", "MEDIAPASS-a1", "SIGVALUE-5e", "AKIA-CRED"] {
            assert!(!shown.contains(needle), "`{needle}` shown:\n{shown}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_redirect_to_another_port_or_host_is_refused_and_the_key_stays_home() {
    capture();
    bounded(async {
        let elsewhere = FaultServer::start(|_, _| Fault::Answer("stolen".into())).await;
        let port = elsewhere.addr().port();
        for target in [
            format!("http://127.0.0.1:{port}/v1/chat/completions"),
            format!("http://localhost:{port}/v1/chat/completions"),
        ] {
            let location = target.clone();
            let server = FaultServer::start(move |_, _| Fault::Status {
                status: 307,
                headers: vec![("location".into(), location.clone())],
                body: Vec::new(),
            })
            .await;
            let client = key_client(&server.url()).build().unwrap();
            let err = greet("x").client(&client).await.unwrap_err();
            let Error::Config(message) = &err else {
                panic!("expected Config, got {err:?}")
            };
            assert!(message.contains("another origin"), "{message}");
            assert!(message.contains(&format!(":{port}")), "{message}");
            assert_eq!(server.count(), 1, "a refused redirect is not retried");
        }
        assert_eq!(elsewhere.count(), 0, "nothing reached the other origin");
    })
    .await;
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_refused_not_turned_into_a_get() {
    capture();
    bounded(async {
        for status in [301, 302, 303, 307, 308] {
            // Were the 302 followed, the POST would become a GET without its body, and the
            // server's answer to that GET would pass for the completion.
            let server = FaultServer::start(move |_, request| {
                if request.method == "POST" {
                    Fault::Status {
                        status,
                        headers: vec![("location".into(), "/v2/chat/completions".into())],
                        body: Vec::new(),
                    }
                } else {
                    Fault::Answer("an answer to a GET".into())
                }
            })
            .await;
            let client = key_client(&server.url()).build().unwrap();
            let err = greet("x").client(&client).await.unwrap_err();
            let Error::Config(message) = &err else {
                panic!("expected Config for {status}, got {err:?}")
            };
            assert!(message.contains("does not follow redirects"), "{message}");
            assert!(message.contains("/v2/chat/completions"), "{message}");
            let streamed = greet("x").client(&client).stream().into_response().await;
            assert!(
                matches!(&streamed, Err(Error::Config(m)) if m.contains("does not follow redirects")),
                "{streamed:?}"
            );
            let requests = server.requests();
            assert_eq!(requests.len(), 2, "one POST per call, nothing followed");
            assert!(requests.iter().all(|r| r.method == "POST"));
        }
    })
    .await;
}

#[tokio::test]
async fn call_spans_record_function_model_attempt_status_latency_and_usage() {
    capture();
    bounded(async {
        let server =
            FaultServer::script([Fault::error(503, &[], "overloaded", "overloaded")]).await;
        let client = key_client(&server.url()).build().unwrap();
        assert_eq!(spanned("x").client(&client).await.unwrap(), "ok");
        let logs = captured();
        let call = logs
            .lines()
            .find(|l| {
                l.contains("promptfn.call{function=\"spanned\"")
                    && !l.contains("promptfn.attempt")
                    && l.contains("close")
            })
            .expect("the call span closed");
        for field in [
            "function=\"spanned\"",
            "model=\"leak-model\"",
            "status=\"ok\"",
            "requests=1",
            "prompt_tokens=10",
            "completion_tokens=5",
            "total_tokens=15",
            "latency_ms=",
        ] {
            assert!(call.contains(field), "{field} missing in {call}");
        }
        let attempts: Vec<&str> = logs
            .lines()
            .filter(|l| {
                l.contains("promptfn.attempt") && l.contains("spanned") && l.contains("close")
            })
            .collect();
        assert_eq!(attempts.len(), 2, "{attempts:?}");
        assert!(attempts[0].contains("attempt=1") && attempts[0].contains("status=503"));
        assert!(attempts[1].contains("attempt=2") && attempts[1].contains("status=200"));
        assert!(
            attempts.iter().all(|a| a.contains("latency_ms=")),
            "{attempts:?}"
        );
    })
    .await;
}

#[prompt("Span me {x}")]
async fn spanned(x: &str) -> Result<String>;

#[prompt("Private words: {x}")]
async fn private(x: &str) -> Result<String>;

#[tokio::test]
async fn prompt_and_answer_text_are_recorded_only_on_opt_in() {
    capture();
    bounded(async {
        let server = FaultServer::start(|_, _| Fault::Answer("a reply".into())).await;
        let quiet = promptfn::Client::builder()
            .base_url(server.url())
            .model("m")
            .build()
            .unwrap();
        private("QUIET-MARKER").client(&quiet).await.unwrap();
        let loud = key_client(&server.url()).build().unwrap();
        private("LOUD-MARKER").client(&loud).await.unwrap();
        let logs = captured();
        assert!(logs.contains("LOUD-MARKER"), "opted-in content is recorded");
        assert!(logs.contains("a reply"), "opted-in answers are recorded");
        assert!(
            !logs.contains("QUIET-MARKER"),
            "content is not recorded by default"
        );
    })
    .await;
}

#[tokio::test]
async fn a_plain_http_base_url_to_a_remote_host_warns_and_loopback_does_not() {
    capture();
    promptfn::Client::builder()
        .base_url("http://user:pw@models.example.invalid:8000/v1")
        .build()
        .unwrap();
    promptfn::Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .unwrap();
    promptfn::Client::builder()
        .base_url("https://secure.example.invalid/v1")
        .build()
        .unwrap();
    let logs = captured();
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("plain http")).collect();
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("WARN") && l.contains("models.example.invalid")),
        "{warnings:?}"
    );
    assert!(
        !warnings.iter().any(|l| l.contains("127.0.0.1")),
        "{warnings:?}"
    );
    assert!(
        !warnings
            .iter()
            .any(|l| l.contains("secure.example.invalid")),
        "{warnings:?}"
    );
    assert!(
        !logs.contains("user:pw"),
        "credentials in a URL are never logged"
    );
}
