//! The runtime driven the way generated code drives it, without the macro: a check that the
//! pipeline (render, encode, send, decode) works on its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::__private::{Decl, OutputCache, PromptBuilder, PromptSpec, Role};
use promptfn::{Call, Mode};
use promptfn_tests::mock::{MockServer, Reply};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Person {
    name: String,
    age: Option<u32>,
}

fn extract(text: &str) -> Call<Person> {
    static SPEC: PromptSpec = PromptSpec {
        name: "extract",
        site: || "extract",
        decl: Decl {
            temperature: Some(0.0),
            ..Decl::DEFAULT
        },
        output: OutputCache::new(),
    };
    let mut b = PromptBuilder::new(&SPEC);
    b.start(Role::User);
    b.text("Extract: ");
    b.text_fmt(format_args!("{text}"));
    b.finish()
}

#[tokio::test]
async fn a_hand_written_call_round_trips() {
    let server = MockServer::with([Reply::content(r#"{"name":"Alice","age":30}"#)]).await;
    let person = extract("Alice is 30")
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(
        person,
        Person {
            name: "Alice".into(),
            age: Some(30)
        }
    );
    let body = &server.bodies()[0];
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Extract: Alice is 30"}])
    );
    assert_eq!(body["temperature"], json!(0.0));
    assert_eq!(body["response_format"]["type"], "json_schema");
    let req = &server.requests()[0];
    assert_eq!(req.path, "/v1/chat/completions");
    assert_eq!(req.header("authorization"), Some("Bearer sk-test-key"));
}

#[tokio::test]
async fn json_schema_rejection_steps_down_to_json_object() {
    let server = MockServer::with([
        Reply::status(500, json!({"error": {"message": "1 validation error\nresponse_format.type\n Input should be 'text' or 'json_object'", "type": "internal_server_error"}})),
        Reply::content(r#"{"name":"Bob","age":null}"#),
    ])
    .await;
    let client = server.client();
    let r = extract("Bob").client(&client).with_meta().await.unwrap();
    assert_eq!(
        r.value,
        Person {
            name: "Bob".into(),
            age: None
        }
    );
    assert_eq!(r.mode, Some(Mode::JsonObject));
    let bodies = server.bodies();
    assert_eq!(bodies[1]["response_format"]["type"], "json_object");
    assert!(
        bodies[1]["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("in this shape")
    );
}
