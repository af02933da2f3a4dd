//! Streaming against the scripted mock server: one test per real-world delta shape, the timing
//! guarantees (the first delta arrives while the server holds the rest; dropping closes the
//! connection; a stalled stream times out) and the typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use promptfn::{Client, Error, ErrorCode, FinishReason, Mode, Result, TextEvent, Usage, prompt};
use promptfn_tests::mock::events::{bounded, delta, done, finish, text};
use promptfn_tests::mock::{MockServer, Reply, Step, sse, stream_of};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Notify;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Person {
    name: String,
    age: Option<u32>,
}

#[prompt("Tell me about {topic}")]
async fn tell(topic: &str) -> Result<String>;

#[prompt("List the people in: {text}", mode = "json_object")]
async fn people(text: &str) -> Result<Vec<Person>>;

#[prompt("List the people in: {text}", mode = "tool")]
async fn people_by_tool(text: &str) -> Result<Vec<Person>>;

#[prompt("List the people in: {text}")]
async fn people_by_default(text: &str) -> Result<Vec<Person>>;

fn person(name: &str, age: u32) -> Person {
    Person {
        name: name.into(),
        age: Some(age),
    }
}

async fn collect_text(stream: &mut promptfn::TextStream) -> (Vec<String>, Option<Error>) {
    let mut deltas = Vec::new();
    while let Some(item) = bounded(stream.next()).await {
        match item {
            Ok(d) => deltas.push(d),
            Err(e) => return (deltas, Some(e)),
        }
    }
    (deltas, None)
}

#[tokio::test]
async fn text_deltas_arrive_in_order_and_the_response_carries_usage_and_finish_reason() {
    let usage = json!({"id": "chatcmpl-stream", "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}});
    let server = MockServer::with([stream_of([
        delta(json!({"role": "assistant", "content": ""})),
        text("Hel"),
        text("lo"),
        text("!"),
        finish("stop"),
        sse(&usage.to_string()),
        done(),
    ])])
    .await;
    let mut stream = tell("greetings").client(&server.client()).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(deltas, ["Hel", "lo", "!"]);
    assert_eq!(stream.text(), "Hello!");
    let r = bounded(stream.into_response()).await.unwrap();
    assert_eq!(r.value, "Hello!");
    assert_eq!(r.finish_reason, Some(FinishReason::Stop));
    assert_eq!(r.usage, Some(Usage::new(7, 3)));
    assert_eq!(r.id.as_deref(), Some("chatcmpl-stream"));
    assert_eq!(r.requests, 1);
    assert!(r.raw.contains("data: [DONE]"));

    let body = &server.bodies()[0];
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Tell me about greetings"}])
    );
    assert_eq!(
        server.requests()[0].header("accept"),
        Some("text/event-stream")
    );
}

#[tokio::test]
async fn the_first_delta_reaches_the_caller_while_the_server_holds_the_rest() {
    let gate = Arc::new(Notify::new());
    let server = MockServer::with([Reply::Steps {
        status: 200,
        steps: vec![
            Step::Send(text("first")),
            // The rest is only sent once the test has the first delta in hand.
            Step::Gate(Arc::clone(&gate)),
            Step::Send([text(" second"), finish("stop"), done()].concat()),
        ],
    }])
    .await;
    let mut stream = tell("x").client(&server.client()).stream();
    let first = bounded(stream.next()).await.unwrap().unwrap();
    assert_eq!(first, "first");
    gate.notify_one();
    let r = bounded(stream.into_response()).await.unwrap();
    assert_eq!(r.value, "first second");
}

#[tokio::test]
async fn each_item_is_handed_out_once_its_json_is_complete() {
    let gate = Arc::new(Notify::new());
    let server = MockServer::with([Reply::Steps {
        status: 200,
        steps: vec![
            Step::Send(text(r#"{"value": [{"name": "Ann","#)),
            Step::Send(text(r#" "age": 31}"#)),
            // The first element is closed; no comma or second element has been sent yet.
            Step::Gate(Arc::clone(&gate)),
            Step::Send(text(r#", {"name": "Bo", "age": 4"#)),
            Step::Send(text("2}]}")),
            Step::Send([finish("stop"), done()].concat()),
        ],
    }])
    .await;
    let mut stream = people("Ann and Bo").client(&server.client()).stream();
    let first = bounded(stream.next()).await.unwrap().unwrap();
    assert_eq!(first, person("Ann", 31));
    gate.notify_one();
    let second = bounded(stream.next()).await.unwrap().unwrap();
    assert_eq!(second, person("Bo", 42));
    assert!(bounded(stream.next()).await.is_none());
    let body = &server.bodies()[0];
    assert_eq!(body["response_format"]["type"], "json_object");
    assert_eq!(body["stream"], true);
}

#[tokio::test]
async fn tool_call_deltas_without_index_are_joined_to_the_latest_call() {
    // one-api's Claude channel: no `index`, the id and name only in the first delta,
    // `"type": null`, and `"finish_reason": ""` on intermediate chunks.
    let piece = |args: &str| {
        sse(&json!({"choices": [{"delta": {"tool_calls": [{"type": null, "function": {"arguments": args}}]}, "finish_reason": ""}]}).to_string())
    };
    let server = MockServer::with([stream_of([
        sse(&json!({"choices": [{"delta": {"role": "assistant", "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "answer", "arguments": ""}}]}, "finish_reason": ""}]}).to_string()),
        piece(r#"{"value": [{"name""#),
        piece(r#": "Ann", "age": 31}, {"name": "Bo", "#),
        piece(r#""age": 42}]}"#),
        finish("tool_calls"),
        done(),
    ])])
    .await;
    let stream = people_by_tool("x").client(&server.client()).stream();
    let items: Vec<Person> = bounded(stream.map(Result::unwrap).collect()).await;
    assert_eq!(items, [person("Ann", 31), person("Bo", 42)]);
    let body = &server.bodies()[0];
    assert_eq!(body["tool_choice"]["function"]["name"], "answer");
}

#[tokio::test]
async fn a_whole_tool_call_in_one_chunk_is_read() {
    let server = MockServer::with([stream_of([
        delta(json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "answer", "arguments": "{\"value\":[{\"name\":\"Ann\",\"age\":31}]}"}}]})),
        finish("stop"),
        done(),
    ])])
    .await;
    let r = bounded(
        people_by_tool("x")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, [person("Ann", 31)]);
    assert_eq!(r.mode, Some(Mode::Tool));
}

/// llama-server ignores an object `tool_choice`: the streamed answer comes as content. It is
/// read from there as it stands, and later calls to the model start a mode down.
#[tokio::test]
async fn a_forced_tool_streamed_as_content_steps_later_calls_down() {
    let rejected = |feature: &str| {
        Reply::status(
            400,
            json!({"error": {"message": format!("{feature} is not supported")}}),
        )
    };
    let server = MockServer::with([
        rejected("response_format json_schema"),
        rejected("response_format json_object"),
        stream_of([
            text(r#"{"value": [{"name": "Ann", "#),
            text(r#""age": 31}]}"#),
            finish("stop"),
            done(),
        ]),
        stream_of([
            text(r#"[{"name": "Bo", "age": 42}]"#),
            finish("stop"),
            done(),
        ]),
    ])
    .await;
    let client = server.client();
    let r = bounded(
        people_by_default("x")
            .client(&client)
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, [person("Ann", 31)]);
    assert_eq!((r.mode, r.requests), (Some(Mode::Tool), 3));
    assert_eq!(
        server.bodies()[2]["tool_choice"]["function"]["name"],
        "answer"
    );
    let next = bounded(
        people_by_default("y")
            .client(&client)
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(next.value, [person("Bo", 42)]);
    assert_eq!((next.mode, next.requests), (Some(Mode::Prompt), 1));
    let body = &server.bodies()[3];
    assert!(body.get("tools").is_none() && body.get("response_format").is_none());
}

/// The same server answering the forced tool in prose: nothing of that answer was handed out
/// (Tool mode reads items from the call's arguments), so the stream sends the request again in
/// `json_schema` mode, as the awaited call does, and hands out that answer's items.
#[tokio::test]
async fn a_forced_tool_streamed_as_prose_is_sent_again_in_json_schema_mode() {
    let server = MockServer::with([
        stream_of([
            text("Ann is a person "),
            text("who is 31."),
            finish("stop"),
            done(),
        ]),
        stream_of([
            text(r#"[{"name": "Ann", "age": 31}]"#),
            finish("stop"),
            done(),
        ]),
    ])
    .await;
    let mut stream = people_by_tool("Ann, 31").client(&server.client()).stream();
    let first = bounded(stream.next()).await.unwrap().unwrap();
    assert_eq!(first, person("Ann", 31));
    let r = bounded(stream.into_response()).await.unwrap();
    assert!(r.value.is_empty(), "the one item was handed out already");
    assert_eq!((r.mode, r.requests), (Some(Mode::JsonSchema), 2));
    let bodies = server.bodies();
    assert_eq!(bodies[0]["tool_choice"]["function"]["name"], "answer");
    // No re-ask turns: the model never saw the schema, so its prose is not an answer to correct.
    assert!(bodies[1].get("tools").is_none());
    assert_eq!(bodies[1]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[1]["messages"].as_array().unwrap().len(), 1);
    // The transcript holds the answer that was used, not the prose.
    assert_eq!(r.transcript.len(), 2);
    assert_eq!(
        r.transcript[1].text_content(),
        r#"[{"name": "Ann", "age": 31}]"#
    );
}

/// After the prose, a server that rejects `json_schema` with a 400: the stream opens again in
/// `json_object` mode and reads its items there, never asking for the tool again.
#[tokio::test]
async fn a_forced_tool_streamed_as_prose_then_a_rejected_json_schema_streams_in_json_object() {
    let server = MockServer::with([
        stream_of([text("Ann is a person who is 31."), finish("stop"), done()]),
        Reply::status(
            400,
            json!({"error": {"message": "response_format json_schema is not supported"}}),
        ),
        stream_of([
            text(r#"{"value": [{"name": "Ann", "age": 31}]}"#),
            finish("stop"),
            done(),
        ]),
    ])
    .await;
    let r = bounded(
        people_by_tool("Ann, 31")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, [person("Ann", 31)]);
    assert_eq!((r.mode, r.requests), (Some(Mode::JsonObject), 3));
    let bodies = server.bodies();
    assert_eq!(bodies[1]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[2]["response_format"]["type"], "json_object");
    assert!(bodies[2].get("tools").is_none());
}

#[tokio::test]
async fn llama_cpp_tool_deltas_repeating_id_and_name_are_not_repeated() {
    // llama-cpp-python: id, type and name in every delta, `"role": null, "content": null`.
    let piece = |args: &str| {
        delta(
            json!({"role": null, "content": null, "tool_calls": [{"index": 0, "id": "call_x", "type": "function", "function": {"name": "answer", "arguments": args}}]}),
        )
    };
    let server = MockServer::with([stream_of([
        piece(r#"{"value": [{"na"#),
        piece(r#"me": "Ann", "a"#),
        piece(r#"ge": 31}]}"#),
        sse(&json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls", "logprobs": null}]}).to_string()),
        done(),
    ])])
    .await;
    let r = bounded(
        people_by_tool("x")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, [person("Ann", 31)]);
    assert_eq!(r.finish_reason, Some(FinishReason::ToolCalls));
}

#[tokio::test]
async fn reasoning_content_and_reasoning_are_kept_apart_from_the_answer() {
    let server = MockServer::with([
        stream_of([
            delta(json!({"reasoning_content": "Let me think. "})),
            delta(json!({"reasoning_content": "Yes.", "content": null})),
            text("Paris"),
            finish("stop"),
            done(),
        ]),
        stream_of([
            delta(json!({"reasoning": "vLLM names it reasoning."})),
            text("Rome"),
            finish("stop"),
            done(),
        ]),
    ])
    .await;
    let client = server.client();
    let mut events = tell("France").client(&client).stream().events();
    let mut seen = Vec::new();
    while let Some(event) = bounded(events.next()).await {
        seen.push(event.unwrap());
    }
    assert_eq!(
        seen,
        [
            TextEvent::Reasoning("Let me think. ".into()),
            TextEvent::Reasoning("Yes.".into()),
            TextEvent::Text("Paris".into()),
        ]
    );
    assert_eq!(events.reasoning(), "Let me think. Yes.");
    assert_eq!(
        bounded(events.into_response()).await.unwrap().value,
        "Paris"
    );

    // A plain text stream hands out the answer only; the reasoning stays readable.
    let mut stream = tell("Italy").client(&client).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert!(error.is_none());
    assert_eq!(deltas, ["Rome"]);
    assert_eq!(stream.reasoning(), "vLLM names it reasoning.");
    let response = stream.into_response().await.unwrap();
    assert_eq!(
        response.reasoning.as_deref(),
        Some("vLLM names it reasoning.")
    );
}

#[tokio::test]
async fn an_error_object_inside_a_200_stream_is_an_api_error() {
    let server = MockServer::with([stream_of([
        text("Partial"),
        sse(r#"{"error":{"object":"error","message":"upstream overloaded","type":"upstream_error","code":529}}"#),
        done(),
    ])])
    .await;
    let mut stream = tell("x").client(&server.client()).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert_eq!(deltas, ["Partial"]);
    let Some(Error::Api(api)) = error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.status, 200);
    let provider = api.error.unwrap();
    assert_eq!(provider.message, "upstream overloaded");
    assert_eq!(provider.kind.as_deref(), Some("upstream_error"));
    assert_eq!(provider.code, Some(ErrorCode::Number(529)));
    assert!(bounded(stream.next()).await.is_none());
}

#[tokio::test]
async fn finish_reason_in_a_separate_empty_chunk_is_kept() {
    let server = MockServer::with([stream_of([
        delta(json!({"role": "assistant", "content": "Done"})),
        // Gemini through new-api and llama-cpp-python: the reason alone, after the text.
        sse(&json!({"id": "chatcmpl-stream", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": null}).to_string()),
        done(),
    ])])
    .await;
    let r = bounded(tell("x").client(&server.client()).stream().into_response())
        .await
        .unwrap();
    assert_eq!(r.value, "Done");
    assert_eq!(r.finish_reason, Some(FinishReason::Stop));
    assert_eq!(r.usage, None);
}

#[tokio::test]
async fn ping_comments_data_without_space_and_split_lines_are_tolerated() {
    let whole = [
        b": ping\n\n".to_vec(),
        br#"data:{"choices":[{"delta":{"content":"He"}}]}"#.to_vec(),
        b"\n\n: PING\n\n".to_vec(),
        text("llo"),
        b": keep-alive\r\n\r\n".to_vec(),
        finish("stop"),
        done(),
    ]
    .concat();
    // The same bytes, cut into pieces that split lines and events anywhere.
    let pieces: Vec<Vec<u8>> = whole.chunks(7).map(<[u8]>::to_vec).collect();
    let server = MockServer::with([stream_of(pieces)]).await;
    let mut stream = tell("x").client(&server.client()).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(deltas.concat(), "Hello");
}

#[tokio::test]
async fn a_usage_chunk_with_no_choices_gives_the_usage() {
    let server = MockServer::with([stream_of([
        text("Hi"),
        finish("stop"),
        sse(r#"{"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}"#),
        done(),
    ])])
    .await;
    let mut stream = tell("x").client(&server.client()).stream();
    let (deltas, _) = collect_text(&mut stream).await;
    assert_eq!(deltas, ["Hi"]);
    assert_eq!(stream.usage(), Some(Usage::new(2, 1)));
    assert_eq!(stream.finish_reason(), Some(&FinishReason::Stop));
}

#[tokio::test]
async fn a_stream_cut_without_done_or_finish_reason_is_truncated() {
    let server = MockServer::with([
        stream_of([text("Once upon"), text(" a")]),
        // With a finish reason the answer is complete even without the sentinel.
        stream_of([text("Whole"), finish("stop")]),
    ])
    .await;
    let client = server.client();
    let mut stream = tell("x").client(&client).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert_eq!(deltas, ["Once upon", " a"]);
    match error {
        Some(Error::Truncated { partial, reason }) => {
            assert_eq!(partial, "Once upon a");
            assert!(reason.contains("[DONE]"), "{reason}");
        }
        other => panic!("expected a truncation, got {other:?}"),
    }
    let r = bounded(tell("x").client(&client).stream().into_response())
        .await
        .unwrap();
    assert_eq!(r.value, "Whole");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let closed = Arc::new(Notify::new());
    let server = MockServer::with([Reply::Steps {
        status: 200,
        steps: vec![
            Step::Send(text("one")),
            Step::AwaitClose(Arc::clone(&closed)),
        ],
    }])
    .await;
    let mut stream = tell("x").client(&server.client()).stream();
    assert_eq!(bounded(stream.next()).await.unwrap().unwrap(), "one");
    drop(stream);
    bounded(closed.notified()).await;
    assert_eq!(server.requests().len(), 1, "a stream is never reconnected");
}

#[tokio::test]
async fn a_stalled_stream_hits_the_idle_timeout() {
    let closed = Arc::new(Notify::new());
    let server = MockServer::with([Reply::Steps {
        status: 200,
        steps: vec![
            Step::Send(text("one")),
            Step::AwaitClose(Arc::clone(&closed)),
        ],
    }])
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .model("mock-model")
        .idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut stream = tell("x").client(&client).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert_eq!(deltas, ["one"]);
    match error {
        Some(Error::Timeout { phase, after, .. }) => {
            assert_eq!(phase, "idle");
            assert_eq!(after, Duration::from_millis(200));
        }
        other => panic!("expected an idle timeout, got {other:?}"),
    }
    // The stalled request was cancelled, not left open.
    bounded(closed.notified()).await;
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_total_timeout_mid_stream_says_how_much_had_arrived_and_keeps_it() {
    let closed = Arc::new(Notify::new());
    let server = MockServer::with([Reply::Steps {
        status: 200,
        steps: vec![
            Step::Send(text("one")),
            Step::Send(text(" two")),
            Step::AwaitClose(Arc::clone(&closed)),
        ],
    }])
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .model("mock-model")
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut stream = tell("x").client(&client).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert_eq!(deltas, ["one", " two"]);
    let error = error.expect("the deadline ends the stream");
    let shown = error.to_string();
    match &error {
        Error::Timeout { phase, partial, .. } => {
            assert_eq!(*phase, "total");
            assert_eq!(partial, "one two");
        }
        other => panic!("expected a total timeout, got {other:?}"),
    }
    assert!(
        shown.contains("7 characters of the answer had arrived"),
        "{shown}"
    );

    // The error was handed out: asking for the response now says so, with the text.
    match bounded(stream.into_response()).await.unwrap_err() {
        Error::Truncated { partial, reason } => {
            assert_eq!(partial, "one two");
            assert!(reason.contains("already handed out"), "{reason}");
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
    bounded(closed.notified()).await;
}

#[tokio::test]
async fn a_server_silent_after_its_headers_hits_the_first_byte_timeout() {
    let closed = Arc::new(Notify::new());
    let server = MockServer::with([Reply::Steps {
        status: 200,
        steps: vec![Step::AwaitClose(Arc::clone(&closed))],
    }])
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .model("mock-model")
        .first_byte_timeout(Duration::from_millis(200))
        .idle_timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let err = bounded(tell("x").client(&client).stream().into_response())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: "first byte",
                ..
            }
        ),
        "{err}"
    );
    bounded(closed.notified()).await;
}

#[tokio::test]
async fn text_cut_at_the_token_limit_ends_the_stream_as_an_answer() {
    let server = MockServer::with([
        stream_of([text("A long"), text(" answer"), finish("length"), done()]),
        stream_of([text("A long"), text(" answer"), finish("length"), done()]),
    ])
    .await;
    let mut stream = tell("x").client(&server.client()).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert_eq!(deltas, ["A long", " answer"]);
    assert!(error.is_none(), "{error:?}");
    let whole = tell("x")
        .client(&server.client())
        .stream()
        .into_response()
        .await
        .unwrap();
    assert_eq!(whole.value, "A long answer");
    assert_eq!(whole.finish_reason, Some(promptfn::FinishReason::Length));
}

#[tokio::test]
async fn refusals_and_content_filters_end_the_stream_with_their_errors() {
    let server = MockServer::with([
        stream_of([
            delta(json!({"refusal": "I can't "})),
            delta(json!({"refusal": "help with that."})),
            finish("stop"),
            done(),
        ]),
        stream_of([text("Some"), finish("content_filter"), done()]),
    ])
    .await;
    let client = server.client();
    let err = bounded(tell("x").client(&client).stream().into_response())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Refused { refusal } if refusal == "I can't help with that."),
        "{err}"
    );
    let err = bounded(tell("x").client(&client).stream().into_response())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ContentFilter { partial } if partial == "Some"),
        "{err}"
    );
}

#[tokio::test]
async fn http_errors_before_the_stream_are_api_errors() {
    let server = MockServer::with([Reply::status(
        401,
        json!({"error": {"message": "invalid key", "type": "auth", "code": "invalid_api_key"}}),
    )])
    .await;
    let err = bounded(tell("x").client(&server.client()).stream().into_response())
        .await
        .unwrap_err();
    let Error::Api(api) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.message(), "invalid key");
}

#[tokio::test]
async fn a_rejected_mode_steps_down_before_the_stream_starts() {
    let llama = json!({"error": {"message": "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should be 'text' or 'json_object'", "type": "internal_server_error"}});
    let server = MockServer::with([
        Reply::status(500, llama),
        stream_of([
            text(r#"{"value":[{"name":"Ann","age":31}]}"#),
            finish("stop"),
            done(),
        ]),
    ])
    .await;
    let r = bounded(
        people_by_default("x")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, [person("Ann", 31)]);
    assert_eq!(r.mode, Some(Mode::JsonObject));
    assert_eq!(r.requests, 2);
    let bodies = server.bodies();
    assert_eq!(bodies[0]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[1]["response_format"]["type"], "json_object");
    assert_eq!(bodies[1]["stream"], true);
}

#[tokio::test]
async fn a_server_rejecting_stream_options_is_asked_again_without_them() {
    let server = MockServer::with([
        Reply::status(
            400,
            json!({"error": {"message": "Unrecognized request argument supplied: stream_options", "type": "invalid_request_error"}}),
        ),
        stream_of([text("ok"), finish("stop"), done()]),
        stream_of([text("again"), finish("stop"), done()]),
    ])
    .await;
    let client = server.client();
    let r = bounded(tell("x").client(&client).stream().into_response())
        .await
        .unwrap();
    assert_eq!(r.value, "ok");
    assert_eq!(r.requests, 2);
    // The next stream to that endpoint goes without them at once.
    let r = bounded(tell("y").client(&client).stream().into_response())
        .await
        .unwrap();
    assert_eq!(r.value, "again");
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 3);
    assert!(bodies[0].get("stream_options").is_some());
    assert!(bodies[1].get("stream_options").is_none());
    assert!(bodies[2].get("stream_options").is_none());
    assert_eq!(bodies[2]["stream"], true);
}

#[tokio::test]
async fn a_server_that_ignores_stream_true_is_read_whole() {
    let server = MockServer::with([Reply::content("Not streamed")]).await;
    let mut stream = tell("x").client(&server.client()).stream();
    let (deltas, error) = collect_text(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(deltas, ["Not streamed"]);
    assert_eq!(stream.usage(), Some(Usage::new(10, 5)));
}

#[tokio::test]
async fn an_item_that_does_not_fit_is_an_error_and_the_stream_goes_on() {
    let server = MockServer::with([stream_of([
        text(r#"{"value":[{"name":"Ann","age":31},{"age":"old"},{"name":"Cy","age":7}]}"#),
        finish("stop"),
        done(),
    ])])
    .await;
    let mut stream = people("x").client(&server.client()).stream();
    let mut results = Vec::new();
    while let Some(item) = bounded(stream.next()).await {
        results.push(item);
    }
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap(), &person("Ann", 31));
    match &results[1] {
        Err(Error::Decode(e)) => {
            assert_eq!(e.raw(), r#"{"age":"old"}"#);
            assert!(e.type_name.ends_with("Person"), "{}", e.type_name);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(results[2].as_ref().unwrap(), &person("Cy", 7));
}

#[tokio::test]
async fn a_list_left_open_is_finished_by_the_tolerant_decoder() {
    let server = MockServer::with([stream_of([
        text(r#"Here: {"value":[{"name":"Ann","age":31},{"name":"Bo","age":42"#),
        finish("stop"),
        done(),
    ])])
    .await;
    let r = bounded(
        people("x")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, [person("Ann", 31), person("Bo", 42)]);
    assert!(!r.repairs.is_empty());
}

#[tokio::test]
async fn tool_mode_answers_given_as_content_are_still_read() {
    // A server that ignores tool_choice answers in the content.
    let server = MockServer::with([stream_of([
        text(r#"[{"name":"Ann","age":31}]"#),
        finish("stop"),
        done(),
    ])])
    .await;
    let r = bounded(
        people_by_tool("x")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, [person("Ann", 31)]);
}

#[tokio::test]
async fn a_call_that_cannot_be_prepared_fails_on_the_first_poll() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let mut stream = tell("x").client(&client).stream();
    let err = bounded(stream.next()).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(bounded(stream.next()).await.is_none());
}

#[prompt("What is in {picture}?")]
async fn describe(picture: promptfn::Image) -> Result<String>;

#[tokio::test]
async fn streamed_calls_send_media_parts_like_awaited_ones() {
    let server = MockServer::with([stream_of([text("A cat."), finish("stop"), done()])]).await;
    let mut answer = describe(promptfn::Image::url("https://h.example/cat.png"))
        .client(&server.client())
        .model("gpt-4o-mini")
        .stream();
    let (deltas, error) = bounded(collect_text(&mut answer)).await;
    assert_eq!(
        (deltas.concat(), error.is_none()),
        ("A cat.".to_owned(), true)
    );
    let body = &server.bodies()[0];
    assert_eq!(body["stream"], true);
    assert_eq!(
        body["messages"][0]["content"],
        json!([
            {"type": "text", "text": "What is in "},
            {"type": "image_url", "image_url": {"url": "https://h.example/cat.png"}},
            {"type": "text", "text": "?"}
        ])
    );
}

#[prompt("List the numbers in: {text}", mode = "json_object")]
async fn numbers(text: &str) -> Result<Vec<u32>>;

/// The items of `answer` streamed, and the same answer awaited (no re-ask).
async fn streamed_and_awaited(answer: &str) -> (Vec<Result<u32>>, Result<Vec<u32>>) {
    let server = MockServer::with([
        stream_of([text(answer), finish("stop"), done()]),
        Reply::content(answer),
    ])
    .await;
    let client = server.client();
    let mut stream = numbers("x").client(&client).stream();
    let mut streamed = Vec::new();
    while let Some(item) = bounded(stream.next()).await {
        streamed.push(item);
    }
    let awaited = bounded(async { numbers("x").client(&client).retries(0).await }).await;
    (streamed, awaited)
}

#[tokio::test]
async fn a_list_under_another_key_first_is_not_streamed_only_the_awaited_calls_list_is() {
    // The wrapper comes second, after a list of its own: the scanner follows neither, and the
    // complete answer gives what the awaited call reads (the wrapper's list), never `9`.
    let (streamed, awaited) = streamed_and_awaited(r#"{"notes": ["9"], "value": ["1","2"]}"#).await;
    assert_eq!(awaited.unwrap(), [1, 2]);
    let streamed: Vec<u32> = streamed.into_iter().map(Result::unwrap).collect();
    assert_eq!(streamed, [1, 2]);
}

#[tokio::test]
async fn a_list_under_another_key_alone_is_refused_streamed_and_awaited() {
    let (streamed, awaited) = streamed_and_awaited(r#"{"notes": ["9"], "items": ["1"]}"#).await;
    assert!(matches!(awaited, Err(Error::Decode(_))), "{awaited:?}");
    assert_eq!(streamed.len(), 1, "{streamed:?}");
    assert!(matches!(streamed[0], Err(Error::Decode(_))), "{streamed:?}");
}

#[tokio::test]
async fn a_list_after_prose_streams_what_the_awaited_call_finds() {
    let (streamed, awaited) =
        streamed_and_awaited(r#"Here they are [as requested]: ["1","2","3"]"#).await;
    assert_eq!(awaited.unwrap(), [1, 2, 3]);
    let streamed: Vec<u32> = streamed.into_iter().map(Result::unwrap).collect();
    assert_eq!(streamed, [1, 2, 3]);
}

#[tokio::test]
async fn an_error_object_is_no_list_streamed_or_awaited() {
    let (streamed, awaited) = streamed_and_awaited(r#"{"error": "I cannot list them"}"#).await;
    assert!(matches!(awaited, Err(Error::Decode(_))), "{awaited:?}");
    assert_eq!(streamed.len(), 1, "{streamed:?}");
    assert!(matches!(streamed[0], Err(Error::Decode(_))), "{streamed:?}");
}

#[tokio::test]
async fn the_asked_for_wrapper_is_no_repair_streamed_or_awaited() {
    let server = MockServer::with([
        stream_of([text(r#"{"value": [1, 2]}"#), finish("stop"), done()]),
        Reply::content(r#"{"value": [1, 2]}"#),
    ])
    .await;
    let client = server.client();
    let streamed = bounded(numbers("x").client(&client).stream().into_response())
        .await
        .unwrap();
    assert_eq!((streamed.value, streamed.repairs), (vec![1, 2], vec![]));
    let awaited = bounded(async { numbers("x").client(&client).with_meta().await })
        .await
        .unwrap();
    assert_eq!((awaited.value, awaited.repairs), (vec![1, 2], vec![]));
}

#[tokio::test]
async fn an_emoji_split_across_deltas_becomes_replacement_characters() {
    // Each delta holds half of the surrogate pair of 😀: neither is a character on its own.
    let half = |escape: &str| {
        sse(&format!(
            r#"{{"id":"c","choices":[{{"index":0,"delta":{{"content":"{escape}"}}}}]}}"#
        ))
    };
    let server = MockServer::with([
        stream_of([text("cut "), half(r"\ud83d"), half(r"\ude00"), finish("stop"), done()]),
        Reply::Http {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"choices":[{"index":0,"message":{"content":"cut \ud83d"},"finish_reason":"stop"}]}"#
                .to_vec(),
        },
    ])
    .await;
    let client = server.client();
    let streamed = bounded(tell("x").client(&client).stream().into_response())
        .await
        .unwrap();
    assert_eq!(streamed.value, "cut \u{fffd}\u{fffd}");
    let awaited = bounded(async { tell("x").client(&client).await })
        .await
        .unwrap();
    assert_eq!(awaited, "cut \u{fffd}");
}
