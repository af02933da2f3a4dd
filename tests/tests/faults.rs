//! One test per fault a busy application meets, against the raw-TCP fault server: each asserts
//! the outcome (retried to success, or the exact error kind) and how many requests the server
//! saw, and runs under a bound so that a hang fails the test instead of stalling the suite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::time::{Duration, SystemTime};

use promptfn::__private::transport_probe::{RawStream, open_stream};
use promptfn::{Error, Result, RetryPolicy, prompt};
use promptfn_tests::fault::{Fault, FaultServer, refused_addr};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// No test here may take longer than this, whatever the client does.
const BOUND: Duration = Duration::from_secs(30);

#[prompt("Say hi to {name}")]
async fn greet(name: &str) -> Result<String>;

#[derive(Debug, Deserialize, JsonSchema)]
struct Person {
    #[allow(dead_code)]
    name: String,
}

#[prompt("Extract the person in: {text}")]
async fn extract(text: &str) -> Result<Person>;

#[prompt("{text}", model = "text-embedding-3-small")]
async fn embed(text: &str) -> Result<promptfn::Embedding>;

async fn bounded<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, test)
        .await
        .expect("the test ran past its bound: something hangs")
}

fn api(err: &Error) -> &promptfn::ApiError {
    match err {
        Error::Api(e) => e,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

// ---- connection faults ----

#[tokio::test]
async fn a_refused_connection_is_retried_then_a_transport_error() {
    bounded(async {
        let addr = refused_addr().await;
        let client = promptfn::Client::builder()
            .base_url(format!("http://{addr}/v1"))
            .model("m")
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(3)
                    .initial_backoff(Duration::from_millis(10)),
            )
            .build()
            .unwrap();
        let err = greet("x").client(&client).await.unwrap_err();
        let Error::Transport { message, .. } = &err else {
            panic!("expected Transport, got {err:?}")
        };
        assert!(message.contains("gave up after 3 attempts"), "{message}");
    })
    .await;
}

#[tokio::test]
async fn a_transport_error_names_the_endpoint_called_without_its_credentials() {
    bounded(async {
        let addr = refused_addr().await;
        let client = promptfn::Client::builder()
            .base_url(format!("http://user:hunter2@{addr}/v1"))
            .model("m")
            .retry_policy(RetryPolicy::default().max_attempts(1))
            .build()
            .unwrap();
        for (err, path) in [
            (
                greet("x").client(&client).await.unwrap_err(),
                "chat/completions",
            ),
            (embed("x").client(&client).await.unwrap_err(), "embeddings"),
        ] {
            let Error::Transport { url, .. } = &err else {
                panic!("expected Transport, got {err:?}")
            };
            assert!(url.ends_with(&format!("{addr}/v1/{path}")), "{url}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_body_cut_midway_names_the_endpoint_it_came_from() {
    bounded(async {
        let server = FaultServer::start(|_, _| Fault::ResetMidBody).await;
        let client = server.builder().build().unwrap();
        let err = embed("x").client(&client).await.unwrap_err();
        let Error::Transport { url, message } = &err else {
            panic!("expected Transport, got {err:?}")
        };
        assert!(url.ends_with("/v1/embeddings"), "{url}");
        assert!(message.contains("body"), "{message}");
        assert_eq!(server.count(), 3, "a buffered body cut midway is retried");
    })
    .await;
}

#[tokio::test]
async fn a_reset_before_the_headers_is_retried_to_success() {
    bounded(async {
        let server =
            FaultServer::script([Fault::ResetBeforeHeaders, Fault::ResetBeforeHeaders]).await;
        let hi = greet("x").client(&server.builder().build().unwrap()).await;
        assert_eq!(hi.unwrap(), "ok");
        assert_eq!(server.count(), 3);
    })
    .await;
}

#[tokio::test]
async fn resets_before_the_headers_on_every_attempt_end_in_a_transport_error() {
    bounded(async {
        let server = FaultServer::start(|_, _| Fault::ResetBeforeHeaders).await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert_eq!(server.count(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_buffered_body_reset_midway_is_retried_to_success() {
    bounded(async {
        let server = FaultServer::script([Fault::ResetMidBody]).await;
        let hi = greet("x").client(&server.builder().build().unwrap()).await;
        assert_eq!(hi.unwrap(), "ok");
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_stream_reset_midway_ends_in_a_transport_error_and_is_not_resent() {
    bounded(async {
        let server =
            FaultServer::script([Fault::ResetMidStream(vec![r#"{"choices":[]}"#.into()])]).await;
        let client = server.builder().build().unwrap();
        let mut stream = open(&client).await;
        // The status line arrived, so the reset came after the stream began. (How much of the
        // first event is read before the reset overtakes it depends on scheduling.)
        assert_eq!(stream.status(), 200);
        let (_, end) = drain(&mut stream).await;
        assert!(matches!(end, Err(Error::Transport { .. })), "{end:?}");
        assert_eq!(server.count(), 1, "a started stream is never re-sent");
    })
    .await;
}

// ---- stalls ----

#[tokio::test]
async fn a_stall_before_the_headers_hits_the_first_byte_deadline_and_is_retried() {
    bounded(async {
        let server = FaultServer::script([Fault::StallBeforeHeaders]).await;
        let client = server
            .builder()
            .first_byte_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        assert_eq!(greet("x").client(&client).await.unwrap(), "ok");
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn stalls_before_the_headers_on_every_attempt_end_in_a_first_byte_timeout() {
    bounded(async {
        let server = FaultServer::start(|_, _| Fault::StallBeforeHeaders).await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .first_byte_timeout(Duration::from_millis(200))
            .max_attempts(2)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Timeout { phase: "first byte", after, .. } if after == Duration::from_millis(200)),
            "{err:?}"
        );
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_stall_with_no_other_deadline_ends_at_the_total_deadline() {
    bounded(async {
        let server = FaultServer::start(|_, _| Fault::StallBeforeHeaders).await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .timeout(Duration::from_millis(400))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Timeout { phase: "total", .. }),
            "{err:?}"
        );
        assert_eq!(server.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_buffered_body_stalled_midway_hits_the_idle_deadline_and_is_retried() {
    bounded(async {
        let server = FaultServer::script([Fault::StallMidBody]).await;
        let client = server
            .builder()
            .idle_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        assert_eq!(greet("x").client(&client).await.unwrap(), "ok");
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_stream_stalled_midway_ends_in_an_idle_timeout_and_is_not_resent() {
    bounded(async {
        let server =
            FaultServer::script([Fault::StallMidStream(vec![r#"{"choices":[]}"#.into()])]).await;
        let client = server
            .builder()
            .idle_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let mut stream = open(&client).await;
        let (chunks, end) = drain(&mut stream).await;
        assert!(chunks.contains("choices"), "{chunks}");
        assert!(
            matches!(end, Err(Error::Timeout { phase: "idle", .. })),
            "{end:?}"
        );
        assert_eq!(server.count(), 1);
    })
    .await;
}

// ---- rate limits ----

#[tokio::test]
async fn a_429_with_retry_after_in_seconds_is_waited_out_and_retried() {
    bounded(async {
        let server = FaultServer::script([Fault::error(
            429,
            &[("retry-after", "1")],
            "requests",
            "rate_limit_exceeded",
        )])
        .await;
        let client = server.builder().build().unwrap();
        assert_eq!(greet("x").client(&client).await.unwrap(), "ok");
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_429_with_retry_after_as_an_http_date_is_waited_out_and_retried() {
    bounded(async {
        let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1));
        let server = FaultServer::script([Fault::error(
            429,
            &[("retry-after", &at)],
            "requests",
            "rate_limit_exceeded",
        )])
        .await;
        let client = server.builder().build().unwrap();
        assert_eq!(greet("x").client(&client).await.unwrap(), "ok");
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_429_with_retry_after_ms_is_waited_out_and_retried() {
    bounded(async {
        let server = FaultServer::script([Fault::error(
            429,
            &[("retry-after-ms", "50"), ("retry-after", "3600")],
            "requests",
            "rate_limit_exceeded",
        )])
        .await;
        let client = server.builder().build().unwrap();
        assert_eq!(greet("x").client(&client).await.unwrap(), "ok");
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_ends_at_once_with_the_wait_in_the_error() {
    bounded(async {
        let server = FaultServer::start(|_, _| {
            Fault::error(
                429,
                &[("retry-after", "3600")],
                "requests",
                "rate_limit_exceeded",
            )
        })
        .await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .await
            .unwrap_err();
        let e = api(&err);
        assert_eq!(e.status, 429);
        assert_eq!(e.retry_after, Some(Duration::from_secs(3600)));
        assert!(err.to_string().contains("retry after"), "{err}");
        assert_eq!(server.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_quota_exhausted_429_is_never_retried() {
    bounded(async {
        let server = FaultServer::start(|_, _| {
            Fault::error(
                429,
                &[("retry-after", "1")],
                "insufficient_quota",
                "insufficient_quota",
            )
        })
        .await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .await
            .unwrap_err();
        let e = api(&err);
        assert_eq!(e.status, 429);
        assert_eq!(
            e.error.as_ref().unwrap().kind.as_deref(),
            Some("insufficient_quota")
        );
        assert_eq!(server.count(), 1);
    })
    .await;
}

// ---- server errors ----

#[tokio::test]
async fn each_transient_5xx_is_retried_to_success() {
    bounded(async {
        for status in [500, 502, 503, 504, 529] {
            let server = FaultServer::script([
                Fault::error(status, &[], "server_error", "upstream"),
                Fault::Status {
                    status,
                    headers: vec![("content-type".into(), "text/html".into())],
                    body: b"<html><body>Bad gateway</body></html>".to_vec(),
                },
            ])
            .await;
            let hi = greet("x").client(&server.builder().build().unwrap()).await;
            assert_eq!(hi.unwrap(), "ok", "HTTP {status}");
            assert_eq!(server.count(), 3, "HTTP {status}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_5xx_on_every_attempt_ends_in_an_api_error_with_the_last_answer() {
    bounded(async {
        let server =
            FaultServer::start(|_, _| Fault::error(503, &[], "overloaded", "overloaded")).await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .await
            .unwrap_err();
        assert_eq!(api(&err).status, 503);
        assert_eq!(server.count(), 3);
    })
    .await;
}

#[tokio::test]
async fn request_errors_are_never_retried() {
    bounded(async {
        for status in [400, 401, 403, 404] {
            let server = FaultServer::start(move |_, _| {
                Fault::error(
                    status,
                    &[("retry-after", "0"), ("x-should-retry", "true")],
                    "invalid_request_error",
                    "bad",
                )
            })
            .await;
            let err = greet("x")
                .client(&server.builder().build().unwrap())
                .await
                .unwrap_err();
            assert_eq!(api(&err).status, status);
            assert_eq!(server.count(), 1, "HTTP {status}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_call_can_turn_retries_off_and_a_client_can_allow_more() {
    bounded(async {
        let server =
            FaultServer::start(|_, _| Fault::error(500, &[], "server_error", "boom")).await;
        let client = server.builder().max_attempts(5).build().unwrap();
        assert!(greet("x").client(&client).await.is_err());
        assert_eq!(server.count(), 5);
        assert!(
            greet("x")
                .client(&client)
                .retry_policy(RetryPolicy::none())
                .await
                .is_err()
        );
        assert_eq!(server.count(), 6);
    })
    .await;
}

#[tokio::test]
async fn a_structured_mode_rejected_with_a_500_steps_down_without_retrying() {
    bounded(async {
        let rejection = Fault::json(
            500,
            &[],
            json!({"error": {"message": "1 validation error for CreateChatCompletionRequest\nresponse_format\n  Input should be 'text' or 'json_object'", "type": "internal_server_error", "param": null, "code": null}}),
        );
        let server = FaultServer::script([
            rejection,
            Fault::Answer(r#"{"name": "Ada"}"#.into()),
        ])
        .await;
        let person = extract("Ada").client(&server.builder().build().unwrap()).await;
        assert_eq!(person.unwrap().name, "Ada");
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        let second: serde_json::Value = requests[1].json();
        assert_eq!(second["response_format"]["type"], "json_object");
    })
    .await;
}

// ---- malformed answers ----

#[tokio::test]
async fn an_html_page_with_200_is_a_protocol_error() {
    bounded(async {
        let server = FaultServer::script([Fault::HtmlOk]).await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Protocol { reason, raw } if reason.contains("HTML") && raw.contains("Sign in")),
            "{err:?}"
        );
        assert_eq!(server.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap_with_a_bounded_excerpt() {
    bounded(async {
        let server = FaultServer::start(|_, _| Fault::EndlessBody).await;
        let client = server
            .builder()
            .max_body_bytes(1024 * 1024)
            .build()
            .unwrap();
        let err = greet("x").client(&client).await.unwrap_err();
        let Error::Protocol { reason, raw } = &err else {
            panic!("expected Protocol, got {err:?}")
        };
        assert!(reason.contains("1048576-byte limit"), "{reason}");
        assert!(
            raw.len() <= promptfn::RAW_EXCERPT_LIMIT + 64,
            "{}",
            raw.len()
        );
        assert_eq!(server.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn invalid_utf8_in_the_body_is_a_protocol_error() {
    bounded(async {
        let server = FaultServer::script([Fault::InvalidUtf8]).await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Protocol { raw, .. } if raw.contains("caf\u{e9}") && raw.contains('\u{fffd}')),
            "{err:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_json_bomb_is_a_protocol_error_not_a_stack_overflow() {
    bounded(async {
        let server = FaultServer::script([Fault::JsonBomb {
            status: 200,
            depth: 100_000,
        }])
        .await;
        let err = greet("x")
            .client(&server.builder().build().unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Protocol { reason, .. } if reason.contains("recursion limit")),
            "{err:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_json_bomb_as_an_error_body_or_as_model_output_is_a_typed_error() {
    bounded(async {
        let bomb = "[".repeat(50_000);
        let server = FaultServer::script([
            Fault::JsonBomb {
                status: 400,
                depth: 100_000,
            },
            Fault::Answer(bomb),
        ])
        .await;
        let client = server.builder().build().unwrap();
        let err = greet("x").client(&client).await.unwrap_err();
        assert_eq!(api(&err).status, 400);
        assert!(api(&err).error.is_none());
        let err = extract("x").client(&client).retries(0).await.unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn a_falsy_error_field_beside_a_valid_answer_is_not_an_error() {
    bounded(async {
        let falsy = [json!(""), json!(false), json!(0), json!({}), json!([])];
        let answers: Vec<Fault> = falsy
            .iter()
            .map(|error| {
                let mut body = promptfn_tests::mock::completion(
                    json!({"role": "assistant", "content": "fine"}),
                    "stop",
                );
                body["error"] = error.clone();
                Fault::json(200, &[], body)
            })
            .collect();
        let streamed: Vec<Fault> = falsy
            .iter()
            .map(|error| Fault::Status {
                status: 200,
                headers: vec![("content-type".into(), "text/event-stream".into())],
                body: format!(
                    "data: {}\n\ndata: [DONE]\n\n",
                    json!({"choices": [{"delta": {"content": "fine"}, "finish_reason": "stop"}], "error": error})
                )
                .into_bytes(),
            })
            .collect();
        let server = FaultServer::script(answers.into_iter().chain(streamed)).await;
        let client = server.builder().build().unwrap();
        for error in &falsy {
            let answer = greet("x").client(&client).await;
            assert_eq!(answer.unwrap(), "fine", "awaited, error: {error}");
        }
        for error in &falsy {
            let answer = greet("x").client(&client).stream().into_response().await;
            assert_eq!(answer.unwrap().value, "fine", "streamed, error: {error}");
        }
        assert_eq!(server.count(), 10, "nothing was retried");
    })
    .await;
}

// ---- limits ----

#[tokio::test]
async fn the_concurrency_limit_is_shared_by_every_call_on_a_client() {
    bounded(async {
        // Each answer waits a little, so that calls overlap.
        let server = FaultServer::start(|_, _| {
            Fault::Delayed(
                Duration::from_millis(30),
                Box::new(Fault::Answer("ok".into())),
            )
        })
        .await;
        let client = server.builder().max_concurrency(3).build().unwrap();
        let calls: Vec<_> = (0..24)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move { greet(&i.to_string()).client(&client).await })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap(), "ok");
        }
        assert_eq!(server.count(), 24);
        assert!(
            server.peak_in_progress() <= 3,
            "{}",
            server.peak_in_progress()
        );
    })
    .await;
}

#[prompt("List words about {topic}")]
async fn words(topic: &str) -> Result<Vec<String>>;

fn event_stream(events: impl IntoIterator<Item = serde_json::Value>) -> Fault {
    let mut body = String::new();
    for event in events {
        body.push_str(&format!("data: {event}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    Fault::Status {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        body: body.into_bytes(),
    }
}

fn content_chunk(content: &str) -> serde_json::Value {
    json!({"choices": [{"delta": {"content": content}, "finish_reason": null}]})
}

/// The error of an answer over the client's `max_body_bytes`, with a bounded excerpt.
fn assert_too_large(err: &Error, limit: usize) {
    let Error::Protocol { reason, raw } = err else {
        panic!("expected Protocol, got {err:?}")
    };
    assert!(reason.contains(&format!("{limit}-byte limit")), "{reason}");
    assert!(
        raw.len() <= promptfn::RAW_EXCERPT_LIMIT + 64,
        "{}",
        raw.len()
    );
}

/// A stream's text, its items and a body sent whole by a server that ignored `stream: true`
/// are held to the same `max_body_bytes` as an awaited answer, with the same error, even when
/// the caller drops every delta: what a stream keeps is bounded by the client's limit.
#[tokio::test]
async fn a_streamed_answer_is_held_to_max_body_bytes_on_every_path() {
    bounded(async {
        let limit = 1024 * 1024;
        let piece = "x".repeat(300 * 1024);
        let text = event_stream((0..5).map(|_| content_chunk(&piece)));
        let mut items = vec![content_chunk("[")];
        items.extend(
            (0..5).map(|i| content_chunk(&format!("{}\"{piece}\"", if i > 0 { "," } else { "" }))),
        );
        items.push(content_chunk("]"));
        let items = event_stream(items);
        let whole = Fault::Status {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: promptfn_tests::fault::completion_body(&"x".repeat(2 * limit)),
        };
        let server = FaultServer::script([text, items, whole.clone(), whole]).await;
        let client = server.builder().max_body_bytes(limit).build().unwrap();

        let mut stream = greet("x").client(&client).stream();
        let mut error = None;
        while let Some(delta) = stream.next().await {
            if let Err(e) = delta {
                error = Some(e);
            }
        }
        assert_too_large(&error.expect("the text stream fails"), limit);

        let mut stream = words("x").client(&client).stream();
        let mut error = None;
        while let Some(item) = stream.next().await {
            if let Err(e) = item {
                error = Some(e);
            }
        }
        assert_too_large(&error.expect("the item stream fails"), limit);

        let streamed = greet("x").client(&client).stream().into_response().await;
        assert_too_large(&streamed.unwrap_err(), limit);
        let awaited = greet("x").client(&client).await;
        assert_too_large(&awaited.unwrap_err(), limit);
        assert_eq!(server.count(), 4);
    })
    .await;
}

// ---- helpers ----

async fn open(client: &promptfn::Client) -> RawStream {
    let body = json!({"model": "fault-model", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    open_stream(
        client,
        body.to_string().into_bytes(),
        Duration::from_secs(20),
    )
    .await
    .expect("the stream opens")
}

/// Every chunk as text, and how the body ended.
async fn drain(stream: &mut RawStream) -> (String, Result<()>) {
    let mut text = String::new();
    loop {
        match stream.chunk().await {
            Ok(Some(bytes)) => text.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(None) => return (text, Ok(())),
            Err(e) => return (text, Err(e)),
        }
    }
}
