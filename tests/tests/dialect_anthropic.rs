//! The Anthropic Messages dialect against a mock `/v1/messages` server: the same declared
//! functions as on chat-completions (text, struct, enum, `Vec`, `Option`, image + PDF, a tool
//! loop with two parallel calls, streamed text, streamed items, `with_meta` usage), with the
//! exact request bodies the Messages API documents (<https://docs.anthropic.com/en/api/messages>);
//! signed thinking round-tripped through tool loops, awaited and streamed; cache breakpoints and
//! cache usage; error bodies and stream errors as typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use promptfn::{Client, Dialect, Error, FinishReason, Image, Pdf, Reasoning, Result, prompt, tool};
use promptfn_tests::mock::events::bounded;
use promptfn_tests::mock::{MockServer, Reply, stream_of};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

const MODEL: &str = "claude-sonnet-4-5";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_key("sk-ant-test")
        .model(MODEL)
        .dialect(Dialect::AnthropicMessages)
        .max_attempts(1)
        .build()
        .unwrap()
}

/// A whole Messages answer.
fn answer(content: Value, stop: &str) -> Reply {
    Reply::json(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": MODEL,
        "content": content, "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": 7}
    }))
}

fn text_answer(text: &str) -> Reply {
    answer(json!([{"type": "text", "text": text}]), "end_turn")
}

/// The forced `answer` tool called with `input`.
fn answer_tool(input: Value) -> Reply {
    answer(
        json!([{"type": "tool_use", "id": "toolu_a", "name": "answer", "input": input}]),
        "tool_use",
    )
}

/// One SSE event as the API frames it: `event:` then `data:`.
fn ev(data: Value) -> Vec<u8> {
    let kind = data["type"].as_str().unwrap_or_default().to_owned();
    format!("event: {kind}\ndata: {data}\n\n").into_bytes()
}

fn message_start() -> Vec<u8> {
    ev(
        json!({"type": "message_start", "message": {"id": "msg_s", "type": "message",
        "role": "assistant", "model": MODEL, "content": [], "stop_reason": null,
        "usage": {"input_tokens": 20, "output_tokens": 1}}}),
    )
}

fn block_start(index: u32, block: Value) -> Vec<u8> {
    ev(json!({"type": "content_block_start", "index": index, "content_block": block}))
}

fn block_delta(index: u32, delta: Value) -> Vec<u8> {
    ev(json!({"type": "content_block_delta", "index": index, "delta": delta}))
}

fn block_stop(index: u32) -> Vec<u8> {
    ev(json!({"type": "content_block_stop", "index": index}))
}

fn message_end(stop: &str, output_tokens: u64) -> Vec<u8> {
    [
        ev(
            json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": output_tokens}}),
        ),
        ev(json!({"type": "message_stop"})),
    ]
    .concat()
}

fn bodies(server: &MockServer) -> Vec<Value> {
    let requests = server.requests();
    for r in &requests {
        assert_eq!(r.path, "/v1/messages");
    }
    requests.iter().map(|r| r.json()).collect()
}

/// The `answer` tool of `Tool` mode with the return type's schema.
fn answer_tool_def(schema: Value) -> Value {
    json!({"name": "answer",
        "description": "Give your answer by calling this function with it as the arguments.",
        "input_schema": schema})
}

const FORCED_ANSWER: fn() -> Value = || json!({"type": "tool", "name": "answer"});

fn user(text: &str) -> Value {
    json!({"role": "user", "content": [{"type": "text", "text": text}]})
}

// The ten declared functions.

#[prompt(system = "You are terse.", "Say hello to {name}.")]
async fn greet(name: &str) -> Result<String>;

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Person {
    name: String,
    age: u32,
}

#[prompt("Extract the person: {text}")]
async fn person(text: &str) -> Result<Person>;

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
enum Mood {
    Happy,
    Sad,
}

#[prompt("The mood of: {text}", mode = "json_schema")]
async fn mood(text: &str) -> Result<Mood>;

#[prompt("List the colours in: {text}")]
async fn colours(text: &str) -> Result<Vec<String>>;

#[prompt("The person in: {text}, if any")]
async fn maybe_person(text: &str) -> Result<Option<Person>>;

#[prompt("Compare {photo} with {report}.")]
async fn compare(photo: Image, report: Pdf) -> Result<String>;

/// The current weather in a city.
#[tool]
fn weather(city: String) -> String {
    format!("sunny in {city}")
}

#[prompt("Weather in {a} and {b}?", tools = [weather], reasoning = "low")]
async fn two_cities(a: &str, b: &str) -> Result<String>;

#[prompt("Tell me about {topic}.")]
async fn tell(topic: &str) -> Result<String>;

#[prompt("The people in: {text}")]
async fn people(text: &str) -> Result<Vec<Person>>;

#[prompt(
    system = "You summarise long documents.",
    "Summarise: {text}",
    cache = true
)]
async fn summarise(text: &str) -> Result<String>;

#[tokio::test]
async fn text_with_system_and_max_tokens_filled() {
    let server = MockServer::with([text_answer("Hello, Ana!")]).await;
    let out = greet("Ana").client(&client(&server)).await.unwrap();
    assert_eq!(out, "Hello, Ana!");
    assert_eq!(
        bodies(&server),
        [
            json!({"model": MODEL, "max_tokens": 4096, "system": "You are terse.",
            "messages": [user("Say hello to Ana.")]})
        ]
    );
    let r = &server.requests()[0];
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
}

#[tokio::test]
async fn a_struct_comes_through_the_forced_answer_tool() {
    let server = MockServer::with([answer_tool(json!({"name": "Ana", "age": 31}))]).await;
    let out = person("Ana, 31").client(&client(&server)).await.unwrap();
    assert_eq!(
        out,
        Person {
            name: "Ana".into(),
            age: 31
        }
    );
    let schema = json!({"type": "object", "properties": {
            "name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"], "additionalProperties": false});
    assert_eq!(
        bodies(&server),
        [json!({"model": MODEL, "max_tokens": 4096,
            "messages": [user("Extract the person: Ana, 31")],
            "tools": [answer_tool_def(schema)], "tool_choice": FORCED_ANSWER()})]
    );
}

#[tokio::test]
async fn an_enum_comes_through_native_json_schema_output() {
    let server = MockServer::with([text_answer(r#"{"value":"Happy"}"#)]).await;
    let out = mood("what a day!").client(&client(&server)).await.unwrap();
    assert_eq!(out, Mood::Happy);
    let body = &bodies(&server)[0];
    assert_eq!(body["output_config"]["format"]["type"], "json_schema");
    assert_eq!(
        body,
        &json!({"model": MODEL, "max_tokens": 4096,
            "messages": [user("The mood of: what a day!")],
            "output_config": {"format": {"type": "json_schema",
                "schema": body["output_config"]["format"]["schema"].clone()}}})
    );
}

/// A model without native JSON output refuses `output_config.format` in Anthropic's error shape
/// (the wording of <https://github.com/anomalyco/models.dev/pull/1765>): the ladder steps down
/// and the next request asks in the next mode, the schema in the prompt only.
#[tokio::test]
async fn a_refused_json_schema_output_steps_the_mode_down() {
    let refusal = json!({"type": "error", "error": {"type": "invalid_request_error",
        "message": "output_config.format: Extra inputs are not permitted"}});
    let server = MockServer::with([
        Reply::status(400, refusal),
        text_answer(r#"{"value":"Sad"}"#),
    ])
    .await;
    let out = mood("rain again")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(out.value, Mood::Sad);
    assert_eq!(out.mode, Some(promptfn::Mode::JsonObject));
    assert_eq!(out.requests, 2);
    let bodies = bodies(&server);
    assert_eq!(bodies[0]["output_config"]["format"]["type"], "json_schema");
    assert!(bodies[1].get("output_config").is_none(), "{}", bodies[1]);
    assert!(bodies[1].get("tools").is_none(), "{}", bodies[1]);
    let content = &bodies[1]["messages"][0]["content"];
    assert_eq!(
        content[0],
        json!({"type": "text", "text": "The mood of: rain again"})
    );
    let instruction = content[1]["text"].as_str().unwrap();
    assert!(
        instruction.contains("JSON only") && instruction.contains(r#""Happy" or "Sad""#),
        "the schema is asked for in the prompt: {instruction}"
    );
}

#[tokio::test]
async fn a_vec_and_an_option_come_through_the_answer_tool() {
    let server = MockServer::with([
        answer_tool(json!({"value": ["red", "green"]})),
        answer_tool(json!({"value": null})),
    ])
    .await;
    let c = client(&server);
    assert_eq!(
        colours("red and green").client(&c).await.unwrap(),
        ["red", "green"]
    );
    assert_eq!(maybe_person("nobody").client(&c).await.unwrap(), None);
    let b = bodies(&server);
    assert_eq!(b[0]["tool_choice"], FORCED_ANSWER());
    assert_eq!(
        b[0]["tools"][0]["input_schema"]["required"],
        json!(["value"])
    );
    assert_eq!(
        b[1]["messages"],
        json!([user("The person in: nobody, if any")])
    );
}

#[tokio::test]
async fn an_image_and_a_pdf_become_image_and_document_blocks() {
    let server = MockServer::with([text_answer("Same cat.")]).await;
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let pdf = b"%PDF-1.4 tiny".to_vec();
    let out = compare(
        Image::bytes(png).mime("image/png"),
        Pdf::bytes(pdf).mime("application/pdf"),
    )
    .client(&client(&server))
    .await
    .unwrap();
    assert_eq!(out, "Same cat.");
    assert_eq!(
        bodies(&server)[0]["messages"],
        json!([{"role": "user", "content": [
            {"type": "text", "text": "Compare "},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                "data": "iVBORw0KGgowMDAw"}},
            {"type": "text", "text": " with "},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                "data": "JVBERi0xLjQgdGlueQ=="}},
            {"type": "text", "text": "."}
        ]}])
    );
}

/// The first round of the tool loop: signed thinking, then two parallel calls.
fn thinking_and_two_calls() -> Reply {
    answer(
        json!([
            {"type": "thinking", "thinking": "Two cities.", "signature": "c2lnMQ=="},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "toolu_2", "name": "weather", "input": {"city": "Rome"}}
        ]),
        "tool_use",
    )
}

fn weather_tool_def() -> Value {
    json!({"name": "weather", "description": "The current weather in a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
            "required": ["city"], "additionalProperties": false}})
}

/// What the second request of the tool loop must carry: the thinking block first and unchanged,
/// the two calls, then both results in one user turn.
fn second_round_messages() -> Value {
    json!([
        user("Weather in Paris and Rome?"),
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Two cities.", "signature": "c2lnMQ=="},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "toolu_2", "name": "weather", "input": {"city": "Rome"}}
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny in Paris"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "sunny in Rome"}
        ]}
    ])
}

#[tokio::test]
async fn a_tool_loop_with_two_parallel_calls_sends_signed_thinking_back() {
    let server = MockServer::with([thinking_and_two_calls(), text_answer("Sunny in both.")]).await;
    let r = two_cities("Paris", "Rome")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Sunny in both.");
    let b = bodies(&server);
    assert_eq!(
        b[0],
        json!({"model": MODEL, "max_tokens": 4096 + 1024,
            "messages": [user("Weather in Paris and Rome?")],
            "tools": [weather_tool_def()],
            "thinking": {"type": "enabled", "budget_tokens": 1024}})
    );
    assert_eq!(b[1]["messages"], second_round_messages());
}

#[tokio::test]
async fn streamed_text_arrives_piece_by_piece_with_usage() {
    let server = MockServer::with([stream_of([
        message_start(),
        block_start(0, json!({"type": "text", "text": ""})),
        ev(json!({"type": "ping"})),
        block_delta(0, json!({"type": "text_delta", "text": "Rust is "})),
        block_delta(0, json!({"type": "text_delta", "text": "fast."})),
        block_stop(0),
        message_end("end_turn", 9),
    ])])
    .await;
    let mut s = tell("Rust").client(&client(&server)).stream();
    let mut pieces = Vec::new();
    while let Some(p) = bounded(s.next()).await {
        pieces.push(p.unwrap());
    }
    assert_eq!(pieces.concat(), "Rust is fast.");
    assert_eq!(s.finish_reason(), Some(&FinishReason::Stop));
    assert_eq!(
        s.usage().map(|u| (u.prompt_tokens, u.completion_tokens)),
        Some((20, 9))
    );
    assert_eq!(
        bodies(&server),
        [json!({"model": MODEL, "max_tokens": 4096,
            "messages": [user("Tell me about Rust.")], "stream": true})]
    );
}

#[tokio::test]
async fn streamed_items_come_from_the_answer_tools_json_pieces() {
    let server = MockServer::with([stream_of([
        message_start(),
        block_start(0, json!({"type": "tool_use", "id": "toolu_a", "name": "answer", "input": {}})),
        block_delta(0, json!({"type": "input_json_delta", "partial_json": "{\"value\": [{\"name\": \"Ann\", "})),
        block_delta(0, json!({"type": "input_json_delta", "partial_json": "\"age\": 31}, {\"name\": \"Bo\","})),
        block_delta(0, json!({"type": "input_json_delta", "partial_json": " \"age\": 42}]}"})),
        block_stop(0),
        message_end("tool_use", 30),
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
    assert_eq!(bodies(&server)[0]["tool_choice"], FORCED_ANSWER());
    assert_eq!(bodies(&server)[0]["stream"], true);
}

#[tokio::test]
async fn with_meta_reads_usage_with_cache_tokens_and_caching_marks_the_stable_prefix() {
    let server = MockServer::with([Reply::json(json!({
        "id": "msg_c", "type": "message", "role": "assistant", "model": MODEL,
        "content": [{"type": "text", "text": "Short."}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 5, "output_tokens": 2,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 1500}
    }))])
    .await;
    let r = summarise("a long text")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Short.");
    let usage = r.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens
        ),
        (1505, 2, 1500, 0)
    );
    let eph = json!({"type": "ephemeral"});
    assert_eq!(
        bodies(&server),
        [json!({"model": MODEL, "max_tokens": 4096,
        "system": [{"type": "text", "text": "You summarise long documents.", "cache_control": eph}],
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Summarise: ", "cache_control": eph},
            {"type": "text", "text": "a long text"}
        ]}]})]
    );
}

#[tokio::test]
async fn caching_per_call_also_marks_the_last_tool_and_reasoning_per_call_sets_the_budget() {
    let server = MockServer::with([thinking_and_two_calls(), text_answer("Sunny in both.")]).await;
    two_cities("Paris", "Rome")
        .client(&client(&server))
        .cache(true)
        .reasoning(Reasoning::High)
        .await
        .unwrap();
    let b = &bodies(&server)[0];
    assert_eq!(b["tools"][0]["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(b["thinking"]["budget_tokens"], 16384);
    assert_eq!(
        b["messages"][0]["content"][0],
        json!({"type": "text", "text": "Weather in ", "cache_control": {"type": "ephemeral"}})
    );
}

#[tokio::test]
async fn a_streamed_tool_loop_sends_the_streamed_signed_thinking_back() {
    let server = MockServer::with([
        stream_of([
            message_start(),
            block_start(0, json!({"type": "thinking", "thinking": ""})),
            block_delta(0, json!({"type": "thinking_delta", "thinking": "Two "})),
            block_delta(0, json!({"type": "thinking_delta", "thinking": "cities."})),
            block_delta(
                0,
                json!({"type": "signature_delta", "signature": "c2lnMQ=="}),
            ),
            block_stop(0),
            block_start(
                1,
                json!({"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}),
            ),
            block_delta(
                1,
                json!({"type": "input_json_delta", "partial_json": "{\"city\": \"Paris\"}"}),
            ),
            block_stop(1),
            block_start(
                2,
                json!({"type": "tool_use", "id": "toolu_2", "name": "weather", "input": {}}),
            ),
            block_delta(
                2,
                json!({"type": "input_json_delta", "partial_json": "{\"city\": \"Rome\"}"}),
            ),
            block_stop(2),
            message_end("tool_use", 40),
        ]),
        stream_of([
            message_start(),
            block_start(0, json!({"type": "text", "text": ""})),
            block_delta(0, json!({"type": "text_delta", "text": "Sunny in both."})),
            block_stop(0),
            message_end("end_turn", 5),
        ]),
    ])
    .await;
    let mut s = two_cities("Paris", "Rome")
        .client(&client(&server))
        .stream();
    let mut text = String::new();
    while let Some(p) = bounded(s.next()).await {
        text.push_str(&p.unwrap());
    }
    assert_eq!(text, "Sunny in both.");
    let b = bodies(&server);
    assert_eq!(b.len(), 2);
    assert_eq!(b[1]["messages"], second_round_messages());
    assert_eq!(b[1]["stream"], true);
}

#[tokio::test]
async fn an_overloaded_error_body_is_a_typed_retryable_api_error() {
    let overloaded =
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
    let server = MockServer::with([Reply::status(529, overloaded.clone())]).await;
    let e = greet("Ana").client(&client(&server)).await.unwrap_err();
    let Error::Api(api) = &e else { panic!("{e:?}") };
    assert_eq!(api.status, 529);
    assert_eq!(api.message(), "Overloaded");
    // With attempts left, the overloaded answer is sent again.
    let server =
        MockServer::with([Reply::status(529, overloaded), text_answer("Hello, Ana!")]).await;
    let retrying = Client::builder()
        .base_url(server.url())
        .api_key("sk-ant-test")
        .model(MODEL)
        .dialect(Dialect::AnthropicMessages)
        .retry_policy(
            promptfn::RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    assert_eq!(greet("Ana").client(&retrying).await.unwrap(), "Hello, Ana!");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn an_error_event_in_the_stream_ends_it_with_a_typed_error() {
    let server = MockServer::with([stream_of([
        message_start(),
        block_start(0, json!({"type": "text", "text": ""})),
        block_delta(0, json!({"type": "text_delta", "text": "Rust"})),
        ev(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})),
    ])])
    .await;
    let mut s = tell("Rust").client(&client(&server)).stream();
    let mut error = None;
    while let Some(p) = bounded(s.next()).await {
        if let Err(e) = p {
            error = Some(e);
        }
    }
    match error {
        Some(Error::Api(api)) => assert_eq!(api.message(), "Overloaded"),
        other => panic!("{other:?}"),
    }
}
