//! The spine end to end: `#[prompt]` declarations against the scripted mock server, asserting the
//! exact JSON each call sends and the value or error each real-world answer shape gives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::{Error, FinishReason, Mode, Result, Usage, prompt};
use promptfn_tests::mock::{MockServer, Reply, completion};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Person {
    name: String,
    age: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

/// Greets someone.
#[prompt("Say hi to {name}")]
pub async fn greet(name: &str) -> Result<String>;

#[prompt(
    "Extract the person mentioned in: {text}",
    model = "gpt-4o-mini",
    temperature = 0.0
)]
async fn extract_person(text: &str) -> Result<Person>;

#[prompt("Classify the sentiment of: {review}")]
async fn sentiment(review: &str) -> Result<Sentiment>;

#[prompt("List the people in: {text}", mode = "json_object")]
async fn people(text: String) -> Result<Vec<Person>>;

#[prompt("Is {claim} true?", mode = "prompt")]
async fn check(claim: &str) -> Result<bool>;

#[prompt("How many legs does a {animal} have?", mode = "tool")]
async fn legs(animal: &str) -> Result<Option<u32>>;

#[prompt(
    "Write about {topic} in {words} words.",
    system = "You are a {style} writer.",
    model = "some-model",
    temperature = 0.7,
    top_p = 0.9,
    max_tokens = 50,
    stop = ["\n\n", "END"],
    presence_penalty = 0.5,
    frequency_penalty = -0.5,
    logit_bias = [(50256, -100), (13, 5)],
    seed = 42,
    end_user = "user-123",
)]
async fn every_key(topic: &str, words: u32, style: &str) -> Result<String>;

#[tokio::test]
async fn text_functions_send_plain_string_content() {
    let server = MockServer::with([Reply::content("Hi, Bob!")]).await;
    let hi = greet("Bob").client(&server.client()).await.unwrap();
    assert_eq!(hi, "Hi, Bob!");
    assert_eq!(
        server.bodies()[0],
        json!({"model": "mock-model", "messages": [{"role": "user", "content": "Say hi to Bob"}]})
    );
}

#[tokio::test]
async fn every_parameter_key_reaches_the_wire() {
    let server = MockServer::with([Reply::content("ok")]).await;
    every_key("rust", 20, "terse")
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(
        server.bodies()[0],
        json!({
            "model": "some-model",
            "messages": [
                {"role": "system", "content": "You are a terse writer."},
                {"role": "user", "content": "Write about rust in 20 words."}
            ],
            "temperature": 0.7,
            "top_p": 0.9,
            "max_tokens": 50,
            "stop": ["\n\n", "END"],
            "presence_penalty": 0.5,
            "frequency_penalty": -0.5,
            "logit_bias": {"50256": -100, "13": 5},
            "seed": 42,
            "user": "user-123"
        })
    );
}

#[tokio::test]
async fn per_call_overrides_beat_the_declaration() {
    let server = MockServer::with([Reply::content("ok")]).await;
    every_key("rust", 20, "terse")
        .client(&server.client())
        .model("other")
        .temperature(0.1)
        .top_p(0.5)
        .max_tokens(7)
        .stop(["x"])
        .presence_penalty(1.0)
        .frequency_penalty(1.5)
        .logit_bias([(1, 2)])
        .seed(7)
        .end_user("u")
        .await
        .unwrap();
    let body = &server.bodies()[0];
    assert_eq!(body["model"], "other");
    assert_eq!(body["temperature"], 0.1);
    assert_eq!(body["top_p"], 0.5);
    assert_eq!(body["max_tokens"], 7);
    assert_eq!(body["stop"], json!(["x"]));
    assert_eq!(body["presence_penalty"], 1.0);
    assert_eq!(body["frequency_penalty"], 1.5);
    assert_eq!(body["logit_bias"], json!({"1": 2}));
    assert_eq!(body["seed"], 7);
    assert_eq!(body["user"], "u");
}

#[tokio::test]
async fn structs_are_asked_for_with_a_strict_json_schema() {
    let server = MockServer::with([Reply::content(r#"{"name":"Alice","age":30}"#)]).await;
    let p = extract_person("Alice is 30")
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(
        p,
        Person {
            name: "Alice".into(),
            age: Some(30)
        }
    );
    let body = &server.bodies()[0];
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["temperature"], 0.0);
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["strict"], true);
    let schema = &format["json_schema"]["schema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["required"], json!(["name", "age"]));
}

#[tokio::test]
async fn enums_are_wrapped_on_the_wire_and_unwrapped_on_decode() {
    let server = MockServer::with([Reply::content(r#"{"value":"Negative"}"#)]).await;
    let s = sentiment("awful").client(&server.client()).await.unwrap();
    assert_eq!(s, Sentiment::Negative);
    let schema = &server.bodies()[0]["response_format"]["json_schema"]["schema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["value"]));
}

#[tokio::test]
async fn lists_booleans_and_options_decode() {
    let server = MockServer::with([
        Reply::content(r#"{"value":[{"name":"A","age":null},{"name":"B","age":2}]}"#),
        Reply::content("true"),
        Reply::tool_call("answer", r#"{"value":null}"#),
    ])
    .await;
    let client = server.client();
    let list = people("A and B".to_owned()).client(&client).await.unwrap();
    assert_eq!(
        list,
        vec![
            Person {
                name: "A".into(),
                age: None
            },
            Person {
                name: "B".into(),
                age: Some(2)
            }
        ]
    );
    assert!(check("the sky is blue").client(&client).await.unwrap());
    assert_eq!(legs("snake").client(&client).await.unwrap(), None);

    let bodies = server.bodies();
    assert_eq!(bodies[0]["response_format"]["type"], "json_object");
    assert!(bodies[0]["response_format"]["schema"].is_object());
    assert!(bodies[1].get("response_format").is_none());
    assert!(
        bodies[1]["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("in this shape")
    );
    assert_eq!(
        bodies[2]["tool_choice"],
        json!({"type": "function", "function": {"name": "answer"}})
    );
    assert_eq!(bodies[2]["tools"][0]["function"]["name"], "answer");
}

#[tokio::test]
async fn with_meta_returns_usage_ids_finish_reason_and_raw_body() {
    let server = MockServer::with([Reply::content("Hello")]).await;
    let r = greet("Ann")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Hello");
    assert_eq!(r.id.as_deref(), Some("chatcmpl-test"));
    assert_eq!(r.model.as_deref(), Some("mock-model"));
    assert_eq!(r.usage, Some(Usage::new(10, 5)));
    assert_eq!(r.finish_reason, Some(FinishReason::Stop));
    assert!(r.raw.contains("chatcmpl-test"));
    assert_eq!(r.requests, 1);
    assert_eq!(r.mode, None);
}

#[tokio::test]
async fn request_renders_the_body_without_sending() {
    let server = MockServer::start().await;
    let body = extract_person("Alice")
        .client(&server.client())
        .request()
        .unwrap();
    assert_eq!(
        body["messages"][0]["content"],
        "Extract the person mentioned in: Alice"
    );
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn explicit_mode_per_call_wins() {
    let server = MockServer::with([Reply::tool_call("answer", r#"{"name":"Zed","age":1}"#)]).await;
    let r = extract_person("Zed")
        .client(&server.client())
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.name, "Zed");
    assert_eq!(r.mode, Some(Mode::Tool));
    assert!(server.bodies()[0].get("response_format").is_none());
}

#[tokio::test]
async fn null_content_empty_finish_reason_and_extra_fields_are_tolerated() {
    let body = json!({
        "choices": [{"message": {"content": "fine", "refusal": null, "tool_calls": null, "extra": 1}, "finish_reason": ""}],
        "usage": null, "system_fingerprint": null, "timings": {"x": 1}
    });
    let server = MockServer::with([Reply::json(body)]).await;
    let r = greet("x")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "fine");
    assert_eq!(r.finish_reason, None);
    assert_eq!(r.usage, None);
    assert_eq!(r.id, None);
}

#[tokio::test]
async fn a_structured_answer_cut_at_the_token_limit_is_asked_for_again_shorter() {
    let server = MockServer::with([
        Reply::json(completion(
            json!({"role": "assistant", "content": "{\"name\": \"Al"}),
            "length",
        )),
        Reply::content(r#"{"name": "Al", "age": null}"#),
    ])
    .await;
    let r = extract_person("Al")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        r.value,
        Person {
            name: "Al".into(),
            age: None
        }
    );
    assert_eq!(r.requests, 2);
    let reask = &server.bodies()[1]["messages"];
    let feedback = reask[reask.as_array().unwrap().len() - 1]["content"]
        .as_str()
        .unwrap();
    assert!(
        feedback.contains("cut at the token limit after 5 tokens"),
        "{feedback}"
    );
    assert_eq!(reask[1]["content"], "{\"name\": \"Al");
}

#[tokio::test]
async fn a_structured_answer_still_cut_when_no_reask_is_left_is_incomplete() {
    let cut = || {
        Reply::json(completion(
            json!({"role": "assistant", "content": "{\"name\": \"Al"}),
            "length",
        ))
    };
    let server = MockServer::with([cut(), cut()]).await;
    let err = extract_person("Al")
        .client(&server.client())
        .retries(1)
        .await
        .unwrap_err();
    match err {
        Error::Incomplete { partial, usage } => {
            assert_eq!(partial, "{\"name\": \"Al");
            assert_eq!(usage, Some(Usage::new(20, 10)));
        }
        other => panic!("expected Incomplete, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 2);
}

/// A `json_schema` prompt carries no shape (the server's grammar holds the answer to it): its
/// re-ask shows the shape, which a prompt in `json_object` mode carries already.
#[tokio::test]
async fn a_reask_shows_the_shape_only_where_the_prompt_did_not() {
    let bad = || Reply::content(r#"{"nom": "Al"}"#);
    let server = MockServer::with([
        bad(),
        Reply::content(r#"{"name": "Al", "age": null}"#),
        bad(),
        Reply::content(r#"[{"name": "Al", "age": null}]"#),
    ])
    .await;
    let client = server.client();
    let r = extract_person("Al")
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!((r.mode, r.requests), (Some(Mode::JsonSchema), 2));
    let r = people("Al".into())
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!((r.mode, r.requests), (Some(Mode::JsonObject), 2));
    let bodies = server.bodies();
    let feedback = |i: usize| {
        bodies[i]["messages"][2]["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let schema_reask = feedback(1);
    assert!(
        schema_reask.contains("in this shape:") && schema_reask.contains("\"name\": string,"),
        "{schema_reask}"
    );
    let object_reask = feedback(3);
    assert!(
        object_reask.ends_with("Answer again with only the corrected JSON."),
        "{object_reask}"
    );
    assert!(!object_reask.contains("in this shape"), "{object_reask}");
}

/// llama-server ends grammar-held JSON with whitespace it strips from the content, so an
/// answer can reach the token limit after its last bracket: such an answer is whole, and is the
/// answer; one that needs its end made up is still asked for again.
#[tokio::test]
async fn a_structured_answer_whole_before_the_cut_is_the_answer() {
    let cut = |content: &str| {
        Reply::json(completion(
            json!({"role": "assistant", "content": content}),
            "length",
        ))
    };
    let server = MockServer::with([
        cut("{\n  \"name\": \"Al\", \"age\": 40\n}"),
        // Brackets closed by the decoder, a cut number, a cut string: none is whole.
        cut("{\"name\": \"Al\", \"age\": 4"),
        cut("{\"name\": \"Al\", \"age\": 4}"),
    ])
    .await;
    let client = server.client();
    let r = extract_person("Al")
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        r.value,
        Person {
            name: "Al".into(),
            age: Some(40)
        }
    );
    assert_eq!(r.finish_reason, Some(FinishReason::Length));
    assert_eq!(r.requests, 1);

    let r = extract_person("Al")
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.age, Some(4), "read from the whole second answer");
    assert_eq!(
        r.requests, 2,
        "the answer without its closing bracket was asked again"
    );

    let server = MockServer::with([cut("{\"name\": \"Al}"), cut("{\"name\": \"Al}")]).await;
    let err = extract_person("Al")
        .client(&server.client())
        .retries(1)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err:?}");
}

#[tokio::test]
async fn text_cut_at_the_token_limit_is_the_answer_with_its_finish_reason() {
    let server = MockServer::with([Reply::json(completion(
        json!({"role": "assistant", "content": "Hello Bob, how are"}),
        "length",
    ))])
    .await;
    let r = greet("Bob")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Hello Bob, how are");
    assert_eq!(r.finish_reason, Some(FinishReason::Length));
    assert_eq!(r.requests, 1);
}

#[tokio::test]
async fn refusals_and_content_filters_have_their_own_errors() {
    let server = MockServer::with([
        Reply::json(completion(
            json!({"role": "assistant", "content": null, "refusal": "I can't help with that."}),
            "stop",
        )),
        Reply::json(completion(
            json!({"role": "assistant", "content": ""}),
            "content_filter",
        )),
    ])
    .await;
    let client = server.client();
    let err = extract_person("x").client(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Refused { refusal } if refusal == "I can't help with that."),
        "{err:?}"
    );
    let err = greet("x").client(&client).await.unwrap_err();
    assert!(matches!(err, Error::ContentFilter { .. }), "{err:?}");
}

#[tokio::test]
async fn api_errors_keep_status_provider_object_and_raw_body() {
    let server = MockServer::with([
        Reply::status(400, json!({"error": {"message": "bad", "type": "invalid_request_error", "param": "model", "code": 400}})),
        Reply::status(404, json!([{"error": {"code": 404, "message": "model not found", "status": "NOT_FOUND"}}])),
        Reply::Http { status: 502, headers: vec![("content-type".into(), "text/html".into())], body: b"<html>Bad gateway</html>".to_vec() },
    ])
    .await;
    let client = server.client();
    let Error::Api(e) = greet("x").client(&client).await.unwrap_err() else {
        panic!("expected Api")
    };
    assert_eq!(e.status, 400);
    let provider = e.error.as_ref().unwrap();
    assert_eq!(provider.message, "bad");
    assert_eq!(provider.code, Some(promptfn::ErrorCode::Number(400)));
    assert_eq!(provider.param.as_deref(), Some("model"));
    assert!(e.raw.contains("invalid_request_error"));

    let Error::Api(e) = greet("x").client(&client).await.unwrap_err() else {
        panic!("expected Api")
    };
    assert_eq!(e.status, 404);
    assert_eq!(e.message(), "model not found");

    let Error::Api(e) = greet("x").client(&client).await.unwrap_err() else {
        panic!("expected Api")
    };
    assert_eq!(e.status, 502);
    assert!(e.error.is_none());
    assert_eq!(e.raw, "<html>Bad gateway</html>");
}

#[tokio::test]
async fn unreadable_bodies_are_protocol_errors_with_the_raw_text() {
    let server = MockServer::with([
        Reply::Http {
            status: 200,
            headers: vec![],
            body: b"<html>login</html>".to_vec(),
        },
        Reply::json(json!({"id": "x", "choices": []})),
        Reply::json(json!({"error": {"message": "upstream failed", "code": 500}})),
    ])
    .await;
    let client = server.client();
    let err = greet("x").client(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol { raw, reason } if raw.contains("login") && reason.contains("HTML")),
        "{err:?}"
    );
    let err = greet("x").client(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol { reason, .. } if reason.contains("no choices")),
        "{err:?}"
    );
    let err = greet("x").client(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.status == 200 && e.message() == "upstream failed"),
        "{err:?}"
    );
}

#[tokio::test]
async fn undecodable_output_is_reasked_then_reported_with_every_answer() {
    let server = MockServer::with([
        Reply::content("I think it is Alice"),
        Reply::content(r#"{"age": "five"}"#),
        Reply::content("still no"),
    ])
    .await;
    let err = extract_person("x")
        .client(&server.client())
        .retries(2)
        .await
        .unwrap_err();
    let Error::Decode(e) = err else {
        panic!("expected Decode")
    };
    assert_eq!(e.attempts.len(), 3);
    assert_eq!(e.attempts[0].raw, "I think it is Alice");
    assert_eq!(e.raw(), "still no");
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 3);
    let second = bodies[1]["messages"].as_array().unwrap();
    assert_eq!(
        second[1],
        json!({"role": "assistant", "content": "I think it is Alice"})
    );
    assert!(
        second[2]["content"]
            .as_str()
            .unwrap()
            .starts_with("Your answer could not be used: ")
    );
}

#[tokio::test]
async fn missing_model_is_a_config_error_naming_the_fixes() {
    let server = MockServer::start().await;
    let client = promptfn::Client::builder()
        .base_url(server.url())
        .build()
        .unwrap();
    let err = greet("x").client(&client).await.unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("`greet`") && shown.contains("PROMPTFN_MODEL"),
        "{shown}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_api_key_never_appears_in_errors() {
    let server = MockServer::with([Reply::status(
        401,
        json!({"error": {"message": "invalid api key", "type": "auth"}}),
    )])
    .await;
    let client = promptfn::Client::builder()
        .base_url(server.url())
        .api_key("sk-SECRET-123")
        .model("m")
        .build()
        .unwrap();
    let err = greet("x").client(&client).await.unwrap_err();
    assert!(!format!("{err:?} {err}").contains("sk-SECRET-123"));
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk-SECRET-123")
    );
    let refused = promptfn::Client::builder()
        .base_url("http://127.0.0.1:1")
        .api_key("sk-SECRET-123")
        .model("m")
        .build()
        .unwrap();
    let err = greet("x").client(&refused).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("sk-SECRET-123"));
}

#[tokio::test]
async fn reasoning_text_is_kept_apart_from_the_answer() {
    let server = MockServer::with([
        Reply::json(completion(
            json!({"role": "assistant", "content": "Paris", "reasoning_content": "France's capital is Paris."}),
            "stop",
        )),
        Reply::json(completion(
            json!({"role": "assistant", "content": "Rome", "reasoning": "Italy: Rome.", "reasoning_content": "Italy: Rome."}),
            "stop",
        )),
        Reply::content("Oslo"),
    ])
    .await;
    let client = server.client();
    let r = greet("France").client(&client).with_meta().await.unwrap();
    assert_eq!(
        (r.value.as_str(), r.reasoning.as_deref()),
        ("Paris", Some("France's capital is Paris."))
    );
    let r = greet("Italy").client(&client).with_meta().await.unwrap();
    assert_eq!(
        (r.value.as_str(), r.reasoning.as_deref()),
        ("Rome", Some("Italy: Rome."))
    );
    let r = greet("Norway").client(&client).with_meta().await.unwrap();
    assert_eq!(r.reasoning, None);
}
