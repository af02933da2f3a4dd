//! The Gemini `generateContent` dialect against a mock server: the same declared functions as
//! every dialect (text, struct, enum, `Vec`, `Option`, image + PDF, a tool loop with two
//! parallel calls, streamed text, streamed items, `with_meta` usage), with the exact request
//! bodies asserted against the REST reference's shapes
//! (<https://ai.google.dev/api/generate-content>, <https://ai.google.dev/api/caching#Content>);
//! thought signatures round-tripped through a two-round tool loop, awaited and streamed; error
//! bodies and stream errors ending in the typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use promptfn::{Dialect, Error, FinishReason, Image, Pdf, Result, Role, TextEvent, prompt, tool};
use promptfn_tests::mock::events::bounded;
use promptfn_tests::mock::{MockServer, Reply, sse, stream_of};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

const MODEL: &str = "gemini-2.5-flash";

/// A thought signature as Gemini sends it: opaque base64 that must come back byte for byte.
const SIGNATURE: &str = "CiQBcsjafD+/x=Z2VtaW5pIHRob3VnaHQ=";

fn client(server: &MockServer) -> promptfn::Client {
    promptfn::Client::builder()
        .base_url(server.url())
        .api_key("sk-test-key")
        .model(MODEL)
        .dialect(Dialect::GeminiGenerateContent)
        .max_attempts(1)
        .build()
        .unwrap()
}

/// A `GenerateContentResponse` with one candidate made of `parts`.
fn response(parts: Value, finish: &str) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
        "modelVersion": MODEL,
        "responseId": "resp-1"
    })
}

fn text_reply(text: &str) -> Reply {
    Reply::json(response(json!([{"text": text}]), "STOP"))
}

/// One SSE chunk: a response holding `parts`, with a finish reason on the last.
fn chunk(parts: Value, finish: Option<&str>) -> Vec<u8> {
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
    if let Some(finish) = finish {
        candidate["finishReason"] = json!(finish);
    }
    sse(
        &json!({"candidates": [candidate], "modelVersion": MODEL, "responseId": "resp-s"})
            .to_string(),
    )
}

fn user(text: &str) -> Value {
    json!({"role": "user", "parts": [{"text": text}]})
}

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

#[prompt(system = "Be brief.", "Say hello to {name}.")]
async fn greet(name: &str) -> Result<String>;

#[prompt("Extract the person: {text}")]
async fn person(text: &str) -> Result<Person>;

#[prompt("Classify: {review}")]
async fn sentiment(review: &str) -> Result<Sentiment>;

#[prompt("Extract everyone: {text}")]
async fn people(text: &str) -> Result<Vec<Person>>;

#[prompt("Who is mentioned, if anyone: {text}")]
async fn maybe_person(text: &str) -> Result<Option<Person>>;

#[prompt("Compare {photo} with {doc}")]
async fn compare(photo: Image, doc: Pdf) -> Result<String>;

/// The current weather in a city.
#[tool]
fn weather(city: String) -> String {
    format!("sunny in {city}")
}

/// The local time in a city.
#[tool]
fn local_time(city: String) -> String {
    format!("noon in {city}")
}

#[prompt("Weather and time in {city}?", tools = [weather, local_time])]
async fn briefing(city: &str) -> Result<String>;

#[tokio::test]
async fn text_goes_to_the_model_path_with_the_system_instruction() {
    let server = MockServer::with([text_reply("Hello, Ana!")]).await;
    let got = greet("Ana").client(&client(&server)).await.unwrap();
    assert_eq!(got, "Hello, Ana!");
    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/models/gemini-2.5-flash:generateContent");
    // Not Google's host: the key goes as aggregators take it.
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-key"));
    assert_eq!(request.header("x-goog-api-key"), None);
    assert_eq!(
        request.json(),
        json!({
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "contents": [user("Say hello to Ana.")]
        })
    );
}

#[tokio::test]
async fn structs_enums_vecs_and_options_use_the_response_schema() {
    let server = MockServer::with([
        text_reply(r#"{"name":"Ana","age":31}"#),
        text_reply(r#"{"value":"Positive"}"#),
        text_reply(r#"{"value":[{"name":"Ana","age":31},{"name":"Bo","age":4}]}"#),
        text_reply(r#"{"value":null}"#),
    ])
    .await;
    let c = client(&server);
    assert_eq!(
        person("Ana, 31").client(&c).await.unwrap(),
        Person {
            name: "Ana".into(),
            age: 31
        }
    );
    assert_eq!(
        sentiment("Great").client(&c).await.unwrap(),
        Sentiment::Positive
    );
    assert_eq!(people("Ana and Bo").client(&c).await.unwrap().len(), 2);
    assert_eq!(maybe_person("nobody").client(&c).await.unwrap(), None);
    let bodies = server.bodies();
    let person_schema = json!({"type": "object", "properties": {
        "name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"]});
    assert_eq!(
        bodies[0],
        json!({
            "contents": [user("Extract the person: Ana, 31")],
            "generationConfig": {"responseMimeType": "application/json", "responseSchema": person_schema}
        })
    );
    assert_eq!(
        bodies[1]["generationConfig"]["responseSchema"],
        json!({"type": "object", "properties": {"value": {"type": "string", "enum": ["Positive", "Negative"]}}, "required": ["value"]})
    );
    assert_eq!(
        bodies[2]["generationConfig"]["responseSchema"],
        json!({"type": "object", "properties": {"value": {"type": "array", "items": person_schema}}, "required": ["value"]})
    );
    let mut nullable = person_schema.clone();
    nullable["nullable"] = json!(true);
    assert_eq!(
        bodies[3]["generationConfig"]["responseSchema"],
        json!({"type": "object", "properties": {"value": nullable}, "required": ["value"]})
    );
}

/// Gemini's error shape (<https://ai.google.dev/gemini-api/docs/troubleshooting>): a model or
/// endpoint without the schema field names it in snake case; 2.x models refuse a JSON MIME type
/// beside function calling. Either steps the structured-output mode down.
fn invalid_argument(message: &str) -> Reply {
    Reply::status(
        400,
        json!({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}),
    )
}

#[tokio::test]
async fn a_refused_response_schema_steps_the_mode_down() {
    let server = MockServer::with([
        invalid_argument(
            "Invalid JSON payload received. Unknown name \"response_schema\" at 'generation_config': Cannot find field.",
        ),
        text_reply(r#"{"name":"Ana","age":31}"#),
    ])
    .await;
    let got = person("Ana, 31")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(got.value.name, "Ana");
    assert_eq!(got.mode, Some(promptfn::Mode::JsonObject));
    let bodies = server.bodies();
    assert!(bodies[0]["generationConfig"]["responseSchema"].is_object());
    // JSON mode: the MIME type stays, the schema goes into the prompt.
    assert_eq!(
        bodies[1]["generationConfig"],
        json!({"responseMimeType": "application/json"})
    );
    let asked = bodies[1]["contents"][0]["parts"][0]["text"]
        .as_str()
        .unwrap();
    assert!(asked.starts_with("Extract the person: Ana, 31") && asked.len() > 30);

    // Refused beside function calling, the JSON MIME type goes too: a forced answer function.
    let with_tools =
        "Function calling with a response mime type: 'application/json' is unsupported";
    let server = MockServer::with([
        invalid_argument(with_tools),
        invalid_argument(with_tools),
        Reply::json(response(
            json!([{"functionCall": {"name": "answer", "args": {"name": "Bo", "age": 4}}}]),
            "STOP",
        )),
    ])
    .await;
    let got = person("Bo, 4")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(got.value.name, "Bo");
    assert_eq!(got.mode, Some(promptfn::Mode::Tool));
    let bodies = server.bodies();
    assert_eq!(
        bodies[1]["generationConfig"],
        json!({"responseMimeType": "application/json"})
    );
    assert!(bodies[2].get("generationConfig").is_none(), "{}", bodies[2]);
    assert_eq!(
        bodies[2]["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["answer"]}})
    );
}

#[tokio::test]
async fn an_image_goes_inline_and_a_pdf_url_as_file_data() {
    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let server = MockServer::with([text_reply("Alike.")]).await;
    let doc_url = server.url_of("/docs/brief.pdf");
    let got = compare(Image::bytes(PNG.to_vec()), Pdf::url(doc_url.clone()))
        .client(&client(&server))
        .await
        .unwrap();
    assert_eq!(got, "Alike.");
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(PNG);
    assert_eq!(
        server.bodies()[0],
        json!({"contents": [{"role": "user", "parts": [
            {"text": "Compare "},
            {"inlineData": {"mimeType": "image/png", "data": data}},
            {"text": " with "},
            {"fileData": {"fileUri": doc_url}}
        ]}]})
    );
}

/// Round one of the tool loop: a thought summary, two parallel calls, the signature on the
/// first only (as Gemini 3 sends them).
fn calls_parts() -> Value {
    json!([
        {"text": "Two lookups are needed.", "thought": true},
        {"functionCall": {"name": "weather", "args": {"city": "Oslo"}}, "thoughtSignature": SIGNATURE},
        {"functionCall": {"name": "local_time", "args": {"city": "Oslo"}}}
    ])
}

/// What the second request of the tool loop must carry after the prompt.
fn second_round_contents() -> Value {
    json!([
        user("Weather and time in Oslo?"),
        {"role": "model", "parts": [
            {"functionCall": {"id": "call_0", "name": "weather", "args": {"city": "Oslo"}}, "thoughtSignature": SIGNATURE},
            {"functionCall": {"id": "call_1", "name": "local_time", "args": {"city": "Oslo"}}}
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"id": "call_0", "name": "weather", "response": {"output": "sunny in Oslo"}}},
            {"functionResponse": {"id": "call_1", "name": "local_time", "response": {"output": "noon in Oslo"}}}
        ]}
    ])
}

fn tool_declarations() -> Value {
    let city =
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
    json!([{"functionDeclarations": [
        {"name": "weather", "description": "The current weather in a city.", "parameters": city},
        {"name": "local_time", "description": "The local time in a city.", "parameters": city}
    ]}])
}

#[tokio::test]
async fn a_tool_loop_with_two_parallel_calls_sends_the_signature_back_awaited() {
    let server = MockServer::with([
        Reply::json(response(calls_parts(), "STOP")),
        text_reply("Sunny at noon."),
    ])
    .await;
    let r = briefing("Oslo")
        .client(&client(&server))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Sunny at noon.");
    assert_eq!(r.requests, 2);
    let bodies = server.bodies();
    assert_eq!(
        bodies[0],
        json!({"contents": [user("Weather and time in Oslo?")], "tools": tool_declarations()})
    );
    assert_eq!(
        bodies[1],
        json!({"contents": second_round_contents(), "tools": tool_declarations()})
    );
    // The transcript keeps the signature on the call it came with.
    let calling = &r.transcript[1];
    assert_eq!(calling.role, Role::Assistant);
    assert_eq!(
        calling.tool_calls[0]
            .state
            .field_names()
            .collect::<Vec<_>>(),
        ["thoughtSignature"]
    );
}

#[tokio::test]
async fn a_streamed_tool_loop_sends_the_signature_back_and_streams_thoughts() {
    let server = MockServer::with([
        stream_of([
            chunk(json!([{"text": "Two lookups are needed.", "thought": true}]), None),
            chunk(json!([{"functionCall": {"name": "weather", "args": {"city": "Oslo"}}, "thoughtSignature": SIGNATURE}]), None),
            chunk(json!([{"functionCall": {"name": "local_time", "args": {"city": "Oslo"}}}]), Some("STOP")),
        ]),
        stream_of([
            chunk(json!([{"text": "Sunny "}]), None),
            chunk(json!([{"text": "at noon.", "thoughtSignature": "dGV4dA=="}]), Some("STOP")),
        ]),
    ])
    .await;
    let mut events = briefing("Oslo").client(&client(&server)).stream().events();
    let mut seen = Vec::new();
    while let Some(event) = bounded(events.next()).await {
        seen.push(event.unwrap());
    }
    assert_eq!(
        seen[0],
        TextEvent::Reasoning("Two lookups are needed.".into())
    );
    assert!(seen.contains(&TextEvent::Text("at noon.".into())));
    let requests = server.requests();
    assert_eq!(
        requests[0].path,
        "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    // A streamed request sends the awaited body.
    assert_eq!(
        requests[0].json(),
        json!({"contents": [user("Weather and time in Oslo?")], "tools": tool_declarations()})
    );
    assert_eq!(
        requests[1].json(),
        json!({"contents": second_round_contents(), "tools": tool_declarations()})
    );
}

#[tokio::test]
async fn streamed_text_and_items_and_with_meta_usage() {
    let server = MockServer::with([
        stream_of([
            chunk(json!([{"text": "Hello, "}]), None),
            chunk(json!([{"text": "Ana!"}]), Some("STOP")),
        ]),
        stream_of([
            chunk(json!([{"text": "{\"value\":[{\"name\":\"Ana\",\"age\":31},"}]), None),
            chunk(json!([{"text": "{\"name\":\"Bo\",\"age\":4}]}"}]), Some("STOP")),
        ]),
        Reply::json(json!({
            "candidates": [{"content": {"role": "model", "parts": [
                {"text": "Short.", "thought": true}, {"text": "Hello, Bo!"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 4,
                "thoughtsTokenCount": 30, "cachedContentTokenCount": 8, "totalTokenCount": 46},
            "modelVersion": MODEL, "responseId": "resp-m"
        })),
    ])
    .await;
    let c = client(&server);
    let text = bounded(greet("Ana").client(&c).stream().into_response())
        .await
        .unwrap();
    assert_eq!(text.value, "Hello, Ana!");
    assert_eq!(text.finish_reason, Some(FinishReason::Stop));
    let items: Vec<Person> = bounded(
        people("Ana and Bo")
            .client(&c)
            .stream()
            .map(|p| p.unwrap())
            .collect(),
    )
    .await;
    assert_eq!(items.len(), 2);
    assert_eq!(
        server.bodies()[1]["generationConfig"]["responseMimeType"],
        "application/json"
    );
    let r = greet("Bo").client(&c).with_meta().await.unwrap();
    assert_eq!(r.value, "Hello, Bo!");
    assert_eq!(r.reasoning.as_deref(), Some("Short."));
    assert_eq!(r.id.as_deref(), Some("resp-m"));
    let usage = r.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (12, 34, 46)
    );
}

#[tokio::test]
async fn error_bodies_and_stream_errors_are_typed() {
    let exhausted = json!({"error": {"code": 429, "message": "You exceeded your current quota.",
        "status": "RESOURCE_EXHAUSTED"}});
    let server = MockServer::with([
        Reply::status(429, exhausted),
        Reply::json(json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})),
        Reply::json(response(json!([{"text": "partial"}]), "SAFETY")),
        stream_of([
            chunk(json!([{"text": "Hel"}]), None),
            sse(&json!({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}).to_string()),
        ]),
        // Cut before any finish reason.
        stream_of([chunk(json!([{"text": "Hel"}]), None)]),
    ])
    .await;
    let c = client(&server);
    let err = greet("a").client(&c).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.status == 429 && e.message() == "You exceeded your current quota."),
        "{err:?}"
    );
    let err = greet("b").client(&c).await.unwrap_err();
    assert!(matches!(err, Error::ContentFilter { .. }), "{err:?}");
    let err = greet("c").client(&c).await.unwrap_err();
    assert!(matches!(err, Error::ContentFilter { .. }), "{err:?}");
    let err = bounded(greet("d").client(&c).stream().into_response())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.message() == "The model is overloaded."),
        "{err:?}"
    );
    let err = bounded(greet("e").client(&c).stream().into_response())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err:?}");
}
