//! The OpenAI Responses dialect end to end against a scripted server: the same declared
//! functions as every dialect (text, struct, enum, `Vec`, `Option`, image + PDF, a tool loop
//! with two parallel calls, streamed text, streamed items, `with_meta` usage) with the exact
//! bodies they send to `POST /v1/responses`; reasoning items round-tripped through a two-round
//! tool loop, awaited and streamed; `n` filled by concurrent requests; error bodies and stream
//! errors ending in typed errors.
//!
//! The shapes are the API reference's: request
//! <https://platform.openai.com/docs/api-reference/responses/create>, response object
//! <https://platform.openai.com/docs/api-reference/responses/object>, streaming events
//! <https://platform.openai.com/docs/api-reference/responses-streaming>.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use promptfn::{
    Choices, Client, Dialect, Error, FinishReason, Image, Pdf, Result, TextEvent, prompt, tool,
};
use promptfn_tests::mock::events::bounded;
use promptfn_tests::mock::{MockServer, Reply, stream_of};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Person {
    name: String,
    age: u32,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
enum Sentiment {
    Positive,
    Negative,
}

/// The current weather in a city.
#[tool]
fn weather(city: String) -> String {
    format!("sunny in {city}")
}

#[prompt(system = "Be brief.", "Say hello to {name}.")]
async fn greet(name: &str) -> Result<String>;

#[prompt("Extract the person in: {text}")]
async fn extract(text: &str) -> Result<Person>;

#[prompt("Classify: {review}")]
async fn classify(review: &str) -> Result<Sentiment>;

#[prompt("List the names in: {text}")]
async fn names(text: &str) -> Result<Vec<String>>;

#[prompt("Find the person in: {text}, if any")]
async fn maybe_person(text: &str) -> Result<Option<Person>>;

#[prompt("Does {photo} match {report}?")]
async fn check(photo: Image, report: Pdf) -> Result<String>;

#[prompt("Weather in {a} and {b}?", tools = [weather])]
async fn forecast(a: &str, b: &str) -> Result<String>;

#[prompt("List the people in: {text}")]
async fn people(text: &str) -> Result<Vec<Person>>;

#[prompt("Classify: {review}", n = 2)]
async fn classify_twice(review: &str) -> Result<Choices<Sentiment>>;

#[prompt("Prove it: {claim}", reasoning = "medium", cache = true)]
async fn prove(claim: &str) -> Result<String>;

fn client(server: &MockServer) -> Client {
    client_for(server, "mock-model")
}

fn client_for(server: &MockServer, model: &str) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_key("sk-test-key")
        .model(model)
        .dialect(Dialect::OpenAiResponses)
        .max_attempts(1)
        .build()
        .unwrap()
}

/// A completed `Response` object holding `output`.
fn response(output: Value) -> Value {
    json!({
        "id": "resp_1", "object": "response", "created_at": 1_700_000_000,
        "status": "completed", "model": "mock-model", "output": output,
        "usage": {"input_tokens": 20, "input_tokens_details": {"cached_tokens": 8},
                  "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 2},
                  "total_tokens": 25},
        "error": null, "incomplete_details": null
    })
}

fn message(text: &str) -> Value {
    json!({"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
           "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

fn answer(text: &str) -> Reply {
    Reply::json(response(json!([message(text)])))
}

fn call(id: &str, call_id: &str, city: &str) -> Value {
    json!({"type": "function_call", "id": id, "call_id": call_id, "name": "weather",
           "arguments": format!("{{\"city\":\"{city}\"}}"), "status": "completed"})
}

/// A reasoning item as a reasoning model returns it with `store: false`.
fn reasoning_item() -> Value {
    json!({"type": "reasoning", "id": "rs_1",
           "summary": [{"type": "summary_text", "text": "Two cities: call twice."}],
           "encrypted_content": "gAAAAABo-opaque+/="})
}

/// One SSE event as the API frames it: `event: <type>` and the JSON data.
fn event(data: Value) -> Vec<u8> {
    let kind = data["type"].as_str().unwrap().to_owned();
    format!("event: {kind}\ndata: {data}\n\n").into_bytes()
}

fn text_delta(delta: &str) -> Vec<u8> {
    event(
        json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                 "content_index": 0, "delta": delta, "sequence_number": 1}),
    )
}

fn created() -> Vec<u8> {
    event(json!({"type": "response.created", "sequence_number": 0,
                 "response": {"id": "resp_1", "status": "in_progress", "model": "mock-model", "output": []}}))
}

fn completed(output: Value) -> Vec<u8> {
    event(
        json!({"type": "response.completed", "sequence_number": 99, "response": response(output)}),
    )
}

/// The body every request ends with: nothing stored server-side.
fn plain(model: &str, input: Value) -> Value {
    json!({"model": model, "input": input, "store": false})
}

// ---------------------------------------------------------------------------------------------
// The ten functions, awaited and streamed

#[tokio::test]
async fn text_goes_to_responses_with_instructions_and_bearer_auth() {
    let server = MockServer::with([answer("Hello, Ann!")]).await;
    let out = greet("Ann").client(&client(&server)).await.unwrap();
    assert_eq!(out, "Hello, Ann!");
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/responses");
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-key"));
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        r#"{"model":"mock-model","instructions":"Be brief.","input":[{"role":"user","content":"Say hello to Ann."}],"store":false}"#
    );
}

#[tokio::test]
async fn a_struct_is_asked_for_with_text_format_json_schema() {
    let server = MockServer::with([answer(r#"{"name":"Ann","age":31}"#)]).await;
    let out = extract("Ann is 31").client(&client(&server)).await.unwrap();
    assert_eq!(
        out,
        Person {
            name: "Ann".into(),
            age: 31
        }
    );
    let mut expected = plain(
        "mock-model",
        json!([{"role": "user", "content": "Extract the person in: Ann is 31"}]),
    );
    expected["text"] = json!({"format": {"type": "json_schema", "name": "Person", "strict": true,
        "schema": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
                   "required": ["name", "age"], "additionalProperties": false}}});
    assert_eq!(server.bodies()[0], expected);
}

#[tokio::test]
async fn an_enum_a_vec_and_an_option_travel_as_their_schemas() {
    let server = MockServer::with([
        answer(r#""Positive""#),
        answer(r#"{"value":["Ann","Bo"]}"#),
        answer(r#"{"value":null}"#),
    ])
    .await;
    let c = client(&server);
    assert_eq!(
        classify("great").client(&c).await.unwrap(),
        Sentiment::Positive
    );
    assert_eq!(names("Ann and Bo").client(&c).await.unwrap(), ["Ann", "Bo"]);
    assert_eq!(maybe_person("nobody").client(&c).await.unwrap(), None);
    let bodies = server.bodies();
    let format = |i: usize| bodies[i]["text"]["format"].clone();
    assert_eq!(
        format(0),
        json!({"type": "json_schema", "name": "Sentiment", "strict": true,
               "schema": {"type": "object", "properties": {"value": {"type": "string", "enum": ["Positive", "Negative"]}},
                          "required": ["value"], "additionalProperties": false}})
    );
    assert_eq!(
        format(1),
        json!({"type": "json_schema", "name": "Array_of_string", "strict": true,
               "schema": {"type": "object", "properties": {"value": {"type": "array", "items": {"type": "string"}}},
                          "required": ["value"], "additionalProperties": false}})
    );
    assert_eq!(format(2)["schema"]["required"], json!(["value"]));
    for (i, text) in [
        "Classify: great",
        "List the names in: Ann and Bo",
        "Find the person in: nobody, if any",
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            bodies[i]["input"],
            json!([{"role": "user", "content": text}])
        );
        assert_eq!(bodies[i]["store"], json!(false));
    }
}

#[tokio::test]
async fn an_image_url_and_an_inline_pdf_are_input_image_and_input_file_parts() {
    let server = MockServer::with([answer("yes")]).await;
    let photo = Image::url("https://h.example/cat.png");
    let report = Pdf::bytes(&b"%PDF-1.4 cat"[..]).filename("cat.pdf");
    let out = check(photo, report).client(&client(&server)).await.unwrap();
    assert_eq!(out, "yes");
    assert_eq!(
        server.bodies()[0],
        plain(
            "mock-model",
            json!([{"role": "user", "content": [
                {"type": "input_text", "text": "Does "},
                {"type": "input_image", "image_url": "https://h.example/cat.png", "detail": "auto"},
                {"type": "input_text", "text": " match "},
                {"type": "input_file", "filename": "cat.pdf", "file_data": "data:application/pdf;base64,JVBERi0xLjQgY2F0"},
                {"type": "input_text", "text": "?"}
            ]}])
        )
    );
}

#[tokio::test]
async fn a_tool_loop_with_two_parallel_calls_sends_calls_and_outputs_as_items() {
    let server = MockServer::with([
        Reply::json(response(json!([
            call("fc_1", "call_a", "Oslo"),
            call("fc_2", "call_b", "Rome")
        ]))),
        answer("Sunny in both."),
    ])
    .await;
    let r = forecast("Oslo", "Rome")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Sunny in both.");
    let tools = json!([{"type": "function", "name": "weather", "description": "The current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false},
        "strict": false}]);
    let bodies = server.bodies();
    let mut first = plain(
        "mock-model",
        json!([{"role": "user", "content": "Weather in Oslo and Rome?"}]),
    );
    first["tools"] = tools.clone();
    assert_eq!(bodies[0], first);
    let mut second = plain(
        "mock-model",
        json!([
            {"role": "user", "content": "Weather in Oslo and Rome?"},
            {"type": "function_call", "call_id": "call_a", "name": "weather", "arguments": "{\"city\":\"Oslo\"}"},
            {"type": "function_call", "call_id": "call_b", "name": "weather", "arguments": "{\"city\":\"Rome\"}"},
            {"type": "function_call_output", "call_id": "call_a", "output": "sunny in Oslo"},
            {"type": "function_call_output", "call_id": "call_b", "output": "sunny in Rome"}
        ]),
    );
    second["tools"] = tools;
    assert_eq!(bodies[1], second);
    assert_eq!(r.requests, 2);
}

#[tokio::test]
async fn streamed_text_arrives_delta_by_delta_and_ends_on_response_completed() {
    let server = MockServer::with([stream_of([
        created(),
        event(
            json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": "msg_1", "content": []}}),
        ),
        event(
            json!({"type": "response.content_part.added", "item_id": "msg_1", "output_index": 0, "content_index": 0, "part": {"type": "output_text", "text": ""}}),
        ),
        text_delta("Hel"),
        text_delta("lo"),
        event(
            json!({"type": "response.output_text.done", "item_id": "msg_1", "output_index": 0, "content_index": 0, "text": "Hello"}),
        ),
        event(
            json!({"type": "response.output_item.done", "output_index": 0, "item": message("Hello")}),
        ),
        completed(json!([message("Hello")])),
    ])])
    .await;
    let mut stream = greet("Ann").client(&client(&server)).stream();
    let mut deltas = Vec::new();
    while let Some(d) = bounded(stream.next()).await {
        deltas.push(d.unwrap());
    }
    assert_eq!(deltas, ["Hel", "lo"]);
    let mut expected = plain(
        "mock-model",
        json!([{"role": "user", "content": "Say hello to Ann."}]),
    );
    expected["instructions"] = json!("Be brief.");
    expected["stream"] = json!(true);
    assert_eq!(server.bodies()[0], expected);
}

#[tokio::test]
async fn streamed_items_are_handed_out_as_each_one_closes() {
    let server = MockServer::with([stream_of([
        created(),
        text_delta(r#"{"value":[{"name":"Ann","#),
        text_delta(r#""age":31},{"name":"Bo","age":42}]}"#),
        completed(json!([message(
            r#"{"value":[{"name":"Ann","age":31},{"name":"Bo","age":42}]}"#
        )])),
    ])])
    .await;
    let stream = people("Ann and Bo").client(&client(&server)).stream();
    let items: Vec<Person> = bounded(stream.map(Result::unwrap).collect()).await;
    assert_eq!(
        items,
        [
            Person {
                name: "Ann".into(),
                age: 31
            },
            Person {
                name: "Bo".into(),
                age: 42
            }
        ]
    );
    let body = &server.bodies()[0];
    assert_eq!(body["text"]["format"]["type"], "json_schema");
    assert_eq!(body["stream"], true);
}

#[tokio::test]
async fn with_meta_reads_usage_with_cached_and_reasoning_tokens() {
    let server = MockServer::with([answer("hi")]).await;
    let r = greet("Ann")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    let usage = r.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (20, 5, 25)
    );
    assert_eq!((usage.cache_read_tokens, usage.reasoning_tokens), (8, 2));
    assert_eq!(r.finish_reason, Some(FinishReason::Stop));
    assert_eq!(r.id.as_deref(), Some("resp_1"));
}

/// The one reasoning setting is `reasoning.effort`, with the summary asked for, and the summary
/// is the answer's reasoning; caching sends the function's `prompt_cache_key`
/// (<https://platform.openai.com/docs/api-reference/responses/create>).
#[tokio::test]
async fn reasoning_and_caching_send_effort_summary_and_prompt_cache_key() {
    let server = MockServer::with([Reply::json(response(json!([
        reasoning_item(),
        message("It holds.")
    ])))])
    .await;
    let r = prove("2+2=4")
        .client(&client_for(&server, "o4-mini"))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "It holds.");
    assert_eq!(r.reasoning.as_deref(), Some("Two cities: call twice."));
    let usage = r.usage.unwrap();
    assert_eq!((usage.cache_read_tokens, usage.reasoning_tokens), (8, 2));
    assert_eq!(
        server.bodies()[0],
        json!({"model": "o4-mini",
            "input": [{"role": "user", "content": "Prove it: 2+2=4"}],
            "reasoning": {"effort": "medium", "summary": "auto"},
            "prompt_cache_key": "prove",
            "include": ["reasoning.encrypted_content"], "store": false})
    );
    // Per call, the setting replaces the declared one.
    let server = MockServer::with([answer("Fine.")]).await;
    prove("1=1")
        .client(&client_for(&server, "o4-mini"))
        .reasoning(promptfn::Reasoning::High)
        .cache(false)
        .await
        .unwrap();
    let body = &server.bodies()[0];
    assert_eq!(
        body["reasoning"],
        json!({"effort": "high", "summary": "auto"})
    );
    assert!(body.get("prompt_cache_key").is_none(), "{body}");
}

// ---------------------------------------------------------------------------------------------
// Reasoning items, sent back unchanged

#[tokio::test]
async fn reasoning_items_come_back_unchanged_in_the_next_round_of_an_awaited_tool_loop() {
    let server = MockServer::with([
        Reply::json(response(json!([
            reasoning_item(),
            call("fc_1", "call_a", "Oslo"),
            call("fc_2", "call_b", "Rome")
        ]))),
        answer("Sunny in both."),
    ])
    .await;
    let r = forecast("Oslo", "Rome")
        .client(&client_for(&server, "o4-mini"))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Sunny in both.");
    let bodies = server.bodies();
    assert_eq!(bodies[0]["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(bodies[0]["store"], json!(false));
    assert_eq!(
        bodies[1]["input"],
        json!([
            {"role": "user", "content": "Weather in Oslo and Rome?"},
            reasoning_item(),
            {"type": "function_call", "call_id": "call_a", "name": "weather", "arguments": "{\"city\":\"Oslo\"}"},
            {"type": "function_call", "call_id": "call_b", "name": "weather", "arguments": "{\"city\":\"Rome\"}"},
            {"type": "function_call_output", "call_id": "call_a", "output": "sunny in Oslo"},
            {"type": "function_call_output", "call_id": "call_b", "output": "sunny in Rome"}
        ])
    );
    assert_eq!(
        r.transcript[1].state.field_names().collect::<Vec<_>>(),
        ["reasoning_items"]
    );
}

#[tokio::test]
async fn reasoning_items_come_back_unchanged_in_the_next_round_of_a_streamed_tool_loop() {
    let added = |i: u64, id: &str, call_id: &str| {
        event(
            json!({"type": "response.output_item.added", "output_index": i, "item": {"type": "function_call", "id": id, "call_id": call_id, "name": "weather", "arguments": "", "status": "in_progress"}}),
        )
    };
    let args = |i: u64, id: &str, delta: &str| {
        event(
            json!({"type": "response.function_call_arguments.delta", "item_id": id, "output_index": i, "delta": delta}),
        )
    };
    let server = MockServer::with([
        stream_of([
            created(),
            event(
                json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
            ),
            event(
                json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Two cities: call twice."}),
            ),
            event(
                json!({"type": "response.output_item.done", "output_index": 0, "item": reasoning_item()}),
            ),
            added(1, "fc_1", "call_a"),
            args(1, "fc_1", "{\"city\":"),
            added(2, "fc_2", "call_b"),
            args(2, "fc_2", "{\"city\":\"Rome\"}"),
            args(1, "fc_1", "\"Oslo\"}"),
            completed(json!([
                reasoning_item(),
                call("fc_1", "call_a", "Oslo"),
                call("fc_2", "call_b", "Rome")
            ])),
        ]),
        stream_of([
            created(),
            text_delta("Sunny in both."),
            completed(json!([message("Sunny in both.")])),
        ]),
    ])
    .await;
    let mut events = forecast("Oslo", "Rome")
        .client(&client_for(&server, "o4-mini"))
        .stream()
        .events();
    let mut reasoning = String::new();
    let mut text = String::new();
    let mut calls = Vec::new();
    while let Some(e) = bounded(events.next()).await {
        match e.unwrap() {
            TextEvent::Reasoning(r) => reasoning.push_str(&r),
            TextEvent::Text(t) => text.push_str(&t),
            TextEvent::ToolCall(c) => calls.push((c.id, c.arguments)),
            _ => {}
        }
    }
    assert_eq!(reasoning, "Two cities: call twice.");
    assert_eq!(text, "Sunny in both.");
    assert_eq!(
        calls,
        [
            ("call_a".to_owned(), "{\"city\":\"Oslo\"}".to_owned()),
            ("call_b".to_owned(), "{\"city\":\"Rome\"}".to_owned())
        ]
    );
    let bodies = server.bodies();
    assert_eq!(bodies[1]["input"][1], reasoning_item());
    assert_eq!(
        bodies[1]["input"][2],
        json!({"type": "function_call", "call_id": "call_a", "name": "weather", "arguments": "{\"city\":\"Oslo\"}"})
    );
    assert_eq!(bodies[1]["stream"], true);
}

// ---------------------------------------------------------------------------------------------
// n, finish reasons and errors

#[tokio::test]
async fn n_is_filled_by_concurrent_requests() {
    let server = MockServer::with([answer(r#""Positive""#), answer(r#""Negative""#)]).await;
    let choices = classify_twice("mixed")
        .client(&client(&server))
        .await
        .unwrap();
    let mut got: Vec<_> = choices.into_iter().collect();
    got.sort_by_key(|s| format!("{s:?}"));
    assert_eq!(got, [Sentiment::Negative, Sentiment::Positive]);
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|b| b.get("n").is_none()));
}

#[tokio::test]
async fn incomplete_details_become_finish_reasons() {
    let incomplete = |reason: &str| {
        let mut cut = response(json!([message("Hel")]));
        cut["status"] = json!("incomplete");
        cut["incomplete_details"] = json!({"reason": reason});
        Reply::json(cut)
    };
    let server = MockServer::with([
        incomplete("max_output_tokens"),
        incomplete("content_filter"),
    ])
    .await;
    let c = client(&server);
    let r = greet("Ann")
        .client(&c)
        .max_tokens(3)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        (r.value.as_str(), r.finish_reason),
        ("Hel", Some(FinishReason::Length))
    );
    assert_eq!(server.bodies()[0]["max_output_tokens"], json!(3));
    let e = greet("Bo").client(&c).await.unwrap_err();
    assert!(matches!(e, Error::ContentFilter { .. }), "{e:?}");
}

#[tokio::test]
async fn error_bodies_and_stream_errors_are_typed_api_errors() {
    let rate_limited = json!({"error": {"message": "Rate limit reached.", "type": "requests", "param": null, "code": "rate_limit_exceeded"}});
    let mut failed = response(json!([]));
    failed["status"] = json!("failed");
    failed["error"] = json!({"code": "server_error", "message": "The model failed."});
    let server = MockServer::with([
        Reply::status(429, rate_limited),
        Reply::json(failed.clone()),
        stream_of([
            created(),
            text_delta("Hel"),
            event(
                json!({"type": "error", "code": "server_error", "message": "Stream broke.", "param": null, "sequence_number": 3}),
            ),
        ]),
        stream_of([
            created(),
            event(json!({"type": "response.failed", "response": failed})),
        ]),
    ])
    .await;
    let c = client(&server);
    let message = |e: Error| match e {
        Error::Api(api) => (api.status, api.message().to_owned()),
        other => panic!("not an API error: {other:?}"),
    };
    let e = greet("a").client(&c).await.unwrap_err();
    assert_eq!(message(e), (429, "Rate limit reached.".to_owned()));
    let e = greet("b").client(&c).await.unwrap_err();
    assert_eq!(message(e), (200, "The model failed.".to_owned()));
    let r = bounded(greet("c").client(&c).stream().into_response()).await;
    assert_eq!(message(r.unwrap_err()), (200, "Stream broke.".to_owned()));
    let r = bounded(greet("d").client(&c).stream().into_response()).await;
    assert_eq!(
        message(r.unwrap_err()),
        (200, "The model failed.".to_owned())
    );
}

#[tokio::test]
async fn a_stream_cut_before_its_terminal_event_is_not_an_answer() {
    let server = MockServer::with([stream_of([created(), text_delta("Hel")])]).await;
    let r = bounded(greet("a").client(&client(&server)).stream().into_response()).await;
    assert!(r.is_err(), "{r:?}");
}
