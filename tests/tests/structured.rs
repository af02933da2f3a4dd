//! Structured outputs against the scripted mock server: the mode ladder and its memory,
//! re-asking, validation, `Choices<T>` filling, finish reasons and per-family dialects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use promptfn::{Choices, Client, Error, FinishReason, Mode, Result, Role, Validate, prompt};
use promptfn_tests::mock::{MockServer, Reply, completion};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Person {
    name: String,
    age: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
enum Colour {
    Red,
    Green,
    Blue,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Rating {
    stars: u8,
}

impl Validate for Rating {
    fn validate(&self) -> std::result::Result<(), String> {
        if (1..=5).contains(&self.stars) {
            Ok(())
        } else {
            Err(format!("stars must be between 1 and 5, got {}", self.stars))
        }
    }
}

// Never decoded: its map field cannot be expressed in strict mode, so no request is sent.
#[allow(dead_code)]
#[derive(Debug, Deserialize, JsonSchema)]
struct Inventory {
    counts: HashMap<String, u32>,
}

#[prompt("Extract the person in: {text}")]
async fn extract(text: &str) -> Result<Person>;

#[prompt("Pick a colour for {thing}", n = 3)]
async fn colours(thing: &str) -> Result<Choices<Colour>>;

#[prompt("Rate: {review}")]
async fn rate(review: &str) -> Result<Rating>;

#[prompt("Rate twice: {review}", n = 2)]
async fn ratings(review: &str) -> Result<Choices<Rating>>;

#[prompt("Count the items in: {text}")]
async fn inventory(text: &str) -> Result<Inventory>;

fn rejection(feature: &str) -> Reply {
    Reply::status(
        400,
        json!({"error": {"message": format!("{feature} is not supported by this model"), "type": "invalid_request_error"}}),
    )
}

#[tokio::test]
async fn the_ladder_steps_down_until_a_mode_works_and_remembers_it() {
    let server = MockServer::with([
        rejection("response_format json_schema"),
        rejection("response_format json_object"),
        Reply::tool_call("answer", r#"{"name":"Ann","age":3}"#),
        Reply::tool_call("answer", r#"{"name":"Bo","age":null}"#),
    ])
    .await;
    let client = server.client();
    let first = extract("Ann, 3").client(&client).with_meta().await.unwrap();
    assert_eq!(
        first.value,
        Person {
            name: "Ann".into(),
            age: Some(3)
        }
    );
    assert_eq!(first.mode, Some(Mode::Tool));
    assert_eq!(first.requests, 3);
    let second = extract("Bo").client(&client).with_meta().await.unwrap();
    assert_eq!(second.requests, 1, "the learnt mode is used straight away");

    let bodies = server.bodies();
    assert_eq!(bodies[0]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[1]["response_format"]["type"], "json_object");
    assert!(bodies[2].get("response_format").is_none());
    assert_eq!(bodies[2]["tool_choice"]["function"]["name"], "answer");
    assert_eq!(bodies[3]["tool_choice"]["function"]["name"], "answer");
}

#[tokio::test]
async fn errors_that_do_not_name_the_mode_are_not_a_reason_to_step_down() {
    let server = MockServer::with([Reply::status(
        400,
        json!({"error": {"message": "context length exceeded"}}),
    )])
    .await;
    let err = extract("x").client(&server.client()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 400), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn learnt_modes_are_per_model() {
    let server = MockServer::with([
        rejection("json_schema"),
        Reply::content(r#"{"name":"A","age":1}"#),
        Reply::content(r#"{"name":"B","age":2}"#),
    ])
    .await;
    let client = server.client();
    extract("A").client(&client).await.unwrap();
    let other = extract("B")
        .client(&client)
        .model("other-model")
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        other.mode,
        Some(Mode::JsonSchema),
        "another model starts from its own default"
    );
}

#[tokio::test]
async fn modes_can_be_set_per_client() {
    let server = MockServer::with([Reply::content(r#"{"name":"A","age":1}"#)]).await;
    let client = Client::builder()
        .base_url(server.url())
        .model("m")
        .mode(Mode::Prompt)
        .build()
        .unwrap();
    let r = extract("A").client(&client).with_meta().await.unwrap();
    assert_eq!(r.mode, Some(Mode::Prompt));
    let body = &server.bodies()[0];
    assert!(body.get("response_format").is_none() && body.get("tools").is_none());
    let prompt = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        prompt.starts_with("Extract the person in: A\n\nAnswer with JSON only"),
        "{prompt}"
    );
    assert!(
        prompt.contains("\"name\": string,") && prompt.contains("\"age\": integer or null,"),
        "{prompt}"
    );
}

#[tokio::test]
async fn invalid_output_is_reasked_with_the_error_and_the_repairs_are_reported() {
    let server = MockServer::with([
        Reply::content("Sure! The person is Ann."),
        Reply::content("```json\n{\"name\": \"Ann\", \"age\": \"7\",}\n```"),
    ])
    .await;
    let r = extract("Ann is 7")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        r.value,
        Person {
            name: "Ann".into(),
            age: Some(7)
        }
    );
    assert_eq!(r.requests, 2);
    // `Repair` is named from the crate root: the decoder's module is not public.
    for repair in [
        promptfn::Repair::FencedBlock,
        promptfn::Repair::TrailingComma,
    ] {
        assert!(r.repairs.contains(&repair), "{repair:?} in {:?}", r.repairs);
    }
    assert!(
        r.repairs
            .iter()
            .any(|repair| matches!(repair, promptfn::Repair::StringToNumber { .. })),
        "the age given as a string was read as a number: {:?}",
        r.repairs
    );
    assert_eq!(
        r.usage.map(|u| u.total_tokens),
        Some(30),
        "usage is summed over both requests"
    );
    let second = &server.bodies()[1]["messages"];
    assert_eq!(
        second[1],
        json!({"role": "assistant", "content": "Sure! The person is Ann."})
    );
    let feedback = second[2]["content"].as_str().unwrap();
    assert!(
        feedback.starts_with("Your answer could not be used: "),
        "{feedback}"
    );
}

#[tokio::test]
async fn the_transcript_holds_the_conversation_and_the_final_answer_with_or_without_reasks() {
    let server = MockServer::with([
        Reply::content(r#"{"name": "Bo", "age": null}"#),
        Reply::content("Sure! The person is Ann."),
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
    ])
    .await;
    let client = server.client();
    let roles = |r: &promptfn::Response<Person>| -> Vec<Role> {
        r.transcript.iter().map(|m| m.role).collect()
    };

    let plain = extract("Bo").client(&client).with_meta().await.unwrap();
    assert_eq!(roles(&plain), [Role::User, Role::Assistant]);
    assert!(plain.transcript[0].text_content().contains("Bo"));
    assert_eq!(
        plain.transcript[1].text_content(),
        r#"{"name": "Bo", "age": null}"#
    );

    let reasked = extract("Ann is 7")
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        roles(&reasked),
        [Role::User, Role::Assistant, Role::User, Role::Assistant]
    );
    assert_eq!(
        reasked.transcript[1].text_content(),
        "Sure! The person is Ann."
    );
    assert!(
        reasked.transcript[2]
            .text_content()
            .starts_with("Your answer could not be used: ")
    );
    assert_eq!(
        reasked.transcript[3].text_content(),
        r#"{"name": "Ann", "age": 7}"#
    );
}

#[tokio::test]
async fn tool_mode_reasks_through_a_tool_result() {
    let server = MockServer::with([
        Reply::tool_call("answer", r#"{"nom": "Ann"}"#),
        Reply::tool_call("answer", r#"{"name": "Ann", "age": null}"#),
    ])
    .await;
    let r = extract("Ann")
        .client(&server.client())
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.name, "Ann");
    let second = &server.bodies()[1]["messages"];
    assert_eq!(
        second[1]["tool_calls"][0]["function"]["arguments"],
        r#"{"nom": "Ann"}"#
    );
    assert_eq!(second[2]["role"], "tool");
    assert_eq!(second[2]["tool_call_id"], "call_1");
}

/// llama-server ignores an object `tool_choice`, and SmolLM2's chat template drops the tools:
/// the model answers in prose, never having seen the schema. The request goes again in the
/// best JSON mode the server has not rejected: `json_schema`, which llama-server constrains.
#[tokio::test]
async fn a_forced_tool_answered_in_prose_is_sent_again_in_json_schema_mode() {
    let server = MockServer::with([
        Reply::content("Ann is a person who is seven years old."),
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
        Reply::content(r#"{"name": "Bo", "age": 9}"#),
    ])
    .await;
    let client = server.client();
    let r = extract("Ann, 7")
        .client(&client)
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.name, "Ann");
    assert_eq!(r.mode, Some(Mode::JsonSchema));
    assert_eq!(r.requests, 2);
    let bodies = server.bodies();
    assert_eq!(bodies[0]["tool_choice"]["function"]["name"], "answer");
    // Sent again in json_schema mode: no tools, and no re-ask turns (the model never saw the
    // schema, so its prose was not an answer to correct).
    assert!(bodies[1].get("tools").is_none() && bodies[1].get("tool_choice").is_none());
    assert_eq!(bodies[1]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[1]["messages"].as_array().unwrap().len(), 1);
    // The mode was the call's choice: a call without one still starts where the ladder does
    // (JSON schema, which the server may well honour), not a mode down from a forced tool.
    let next = extract("Bo, 9").client(&client).with_meta().await.unwrap();
    assert_eq!((next.mode, next.requests), (Some(Mode::JsonSchema), 1));
    assert_eq!(server.bodies()[2]["response_format"]["type"], "json_schema");
}

/// A server that ignores the forced tool and rejects `json_schema` (llama-cpp-python's 500):
/// the call goes on to `json_object`, and since `json_schema` is where the ladder starts for
/// the model, its rejection is learnt: a later call without a mode starts at `json_object`.
#[tokio::test]
async fn an_unused_tool_then_a_rejected_json_schema_ends_in_json_object() {
    let server = MockServer::with([
        Reply::content("Ann is a person who is seven years old."),
        rejection("response_format json_schema"),
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
        Reply::content(r#"{"name": "Bo", "age": 9}"#),
    ])
    .await;
    let client = server.client();
    let r = extract("Ann, 7")
        .client(&client)
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.name, "Ann");
    assert_eq!((r.mode, r.requests), (Some(Mode::JsonObject), 3));
    let bodies = server.bodies();
    assert_eq!(bodies[1]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[2]["response_format"]["type"], "json_object");
    assert!(bodies[2].get("tools").is_none());
    let next = extract("Bo, 9").client(&client).with_meta().await.unwrap();
    assert_eq!((next.mode, next.requests), (Some(Mode::JsonObject), 1));
}

/// Both JSON modes rejected after the unused tool: the call ends in prompt mode, and never
/// asks for the tool again (stepping down from `json_object` skips it).
#[tokio::test]
async fn an_unused_tool_then_both_json_modes_rejected_ends_in_prompt_mode_without_the_tool() {
    let server = MockServer::with([
        Reply::content("Ann is a person who is seven years old."),
        rejection("response_format json_schema"),
        rejection("response_format json_object"),
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
    ])
    .await;
    let r = extract("Ann, 7")
        .client(&server.client())
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.name, "Ann");
    assert_eq!((r.mode, r.requests), (Some(Mode::Prompt), 4));
    let last = &server.bodies()[3];
    assert!(last.get("tools").is_none() && last.get("tool_choice").is_none());
    assert!(last.get("response_format").is_none());
    let prompt = last["messages"][0]["content"].as_str().unwrap();
    assert!(prompt.contains("\"name\": string,"), "{prompt}");
}

/// A server that ignores the forced tool and whose every answer is prose: each mode is tried
/// once, then the prompt-mode answer is re-asked as usual, and the call ends in the decode
/// error; no mode is sent twice and nothing loops.
#[tokio::test]
async fn an_unused_tool_with_modes_rejected_and_prose_answers_ends_in_a_decode_error() {
    let prose = "I am not sure who that is.";
    let server = MockServer::with([
        Reply::content(prose),
        rejection("response_format json_schema"),
        rejection("response_format json_object"),
        Reply::content(prose),
        Reply::content(prose),
    ])
    .await;
    let err = extract("someone")
        .client(&server.client())
        .mode(Mode::Tool)
        .retries(1)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.attempts.len() == 2),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 5);
}

/// The ladder already learnt that the server rejects `json_schema`: after an unused forced
/// tool the call goes straight to `json_object`, without asking for what it knows fails.
#[tokio::test]
async fn an_unused_tool_skips_a_json_mode_the_server_is_known_to_reject() {
    let server = MockServer::with([
        rejection("response_format json_schema"),
        Reply::content(r#"{"name": "Bo", "age": 9}"#),
        Reply::content("Ann is a person who is seven years old."),
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
    ])
    .await;
    let client = server.client();
    extract("Bo, 9").client(&client).await.unwrap();
    let r = extract("Ann, 7")
        .client(&client)
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    assert_eq!((r.mode, r.requests), (Some(Mode::JsonObject), 2));
    assert_eq!(server.bodies()[3]["response_format"]["type"], "json_object");
}

/// Claude's OpenAI-compatible endpoint ignores `response_format`, so the ladder starts at the
/// forced tool: one left unused goes to prompt mode, never to a JSON mode.
#[tokio::test]
async fn an_unused_tool_of_a_model_whose_ladder_starts_at_tool_goes_to_prompt_mode() {
    let server = MockServer::with([
        Reply::content("Ann is a person who is seven years old."),
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
    ])
    .await;
    let r = extract("Ann, 7")
        .client(&server.client())
        .model("claude-haiku-4-5")
        .with_meta()
        .await
        .unwrap();
    assert_eq!((r.mode, r.requests), (Some(Mode::Prompt), 2));
    let bodies = server.bodies();
    assert_eq!(bodies[0]["tool_choice"]["function"]["name"], "answer");
    assert!(bodies[1].get("response_format").is_none() && bodies[1].get("tools").is_none());
}

/// The ladder reached Tool mode itself (the server refused both JSON modes), and the forced
/// tool went unused: that is learnt for the model, as a refusal is.
#[tokio::test]
async fn an_unused_tool_the_ladder_chose_is_learnt_for_the_model() {
    let server = MockServer::with([
        rejection("response_format json_schema"),
        rejection("response_format json_object"),
        Reply::content("Ann is a person who is seven years old."),
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
        Reply::content(r#"{"name": "Bo", "age": 9}"#),
    ])
    .await;
    let client = server.client();
    let first = extract("Ann, 7").client(&client).with_meta().await.unwrap();
    assert_eq!((first.mode, first.requests), (Some(Mode::Prompt), 4));
    let next = extract("Bo, 9").client(&client).with_meta().await.unwrap();
    assert_eq!((next.mode, next.requests), (Some(Mode::Prompt), 1));
    let bodies = server.bodies();
    assert_eq!(bodies[2]["tool_choice"]["function"]["name"], "answer");
    assert!(bodies[4].get("tools").is_none() && bodies[4].get("response_format").is_none());
}

#[tokio::test]
async fn a_forced_tool_answered_with_the_value_in_the_content_keeps_it() {
    let server = MockServer::with([
        Reply::content(r#"{"name": "Ann", "age": 7}"#),
        Reply::content(r#"{"name": "Bo", "age": 9}"#),
    ])
    .await;
    let client = server.client();
    let r = extract("Ann, 7")
        .client(&client)
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        r.value,
        Person {
            name: "Ann".into(),
            age: Some(7)
        }
    );
    // The value was in the answer to the tool-mode request.
    assert_eq!((r.mode, r.requests), (Some(Mode::Tool), 1));
    // The call chose Tool mode: a call without a mode starts where the ladder does.
    let next = extract("Bo, 9").client(&client).with_meta().await.unwrap();
    assert_eq!((next.mode, next.requests), (Some(Mode::JsonSchema), 1));
    assert_eq!(server.bodies()[1]["response_format"]["type"], "json_schema");
}

#[tokio::test]
async fn a_step_down_from_an_unused_tool_never_makes_up_a_value() {
    let prose = "I am not sure who that is.";
    let server = MockServer::with([
        Reply::content(prose),
        Reply::content(prose),
        Reply::content(prose),
    ])
    .await;
    let err = extract("someone")
        .client(&server.client())
        .mode(Mode::Tool)
        .retries(1)
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}");
    };
    // Sent again in json_schema mode, then that answer and its one re-ask: both rejected.
    assert_eq!(decode.attempts.len(), 2, "{err}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn the_validation_hook_takes_part_in_the_reask_loop() {
    let server = MockServer::with([
        Reply::content(r#"{"stars": 9}"#),
        Reply::content(r#"{"stars": 4}"#),
    ])
    .await;
    let r = rate("good")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, Rating { stars: 4 });
    assert_eq!(r.requests, 2);
    let feedback = server.bodies()[1]["messages"][2]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        feedback.contains("stars must be between 1 and 5, got 9"),
        "{feedback}"
    );

    let server = MockServer::with([Reply::content(r#"{"stars": 0}"#)]).await;
    let err = rate("bad")
        .client(&server.client())
        .retries(0)
        .await
        .unwrap_err();
    let Error::Decode(e) = err else {
        panic!("expected Decode, got {err:?}")
    };
    assert!(e.reason().contains("got 0"), "{}", e.reason());
}

fn choices(contents: &[&str]) -> Reply {
    let choices: Vec<Value> = contents
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"index": i, "message": {"role": "assistant", "content": c}, "finish_reason": "stop"}))
        .collect();
    Reply::json(
        json!({"id": "x", "choices": choices, "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}),
    )
}

#[tokio::test]
async fn choices_come_from_one_request_when_the_server_honours_n() {
    let server = MockServer::with([choices(&[
        r#"{"value":"Red"}"#,
        r#"{"value":"Blue"}"#,
        r#"{"value":"green"}"#,
    ])])
    .await;
    let r = colours("a car")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        r.value.into_vec(),
        vec![Colour::Red, Colour::Blue, Colour::Green]
    );
    assert_eq!(r.requests, 1);
    assert_eq!(server.bodies()[0]["n"], 3);
}

#[tokio::test]
async fn missing_choices_are_filled_with_more_requests() {
    let server = MockServer::with([
        choices(&[r#"{"value":"Red"}"#]),
        choices(&[r#"{"value":"Green"}"#]),
        choices(&[r#"{"value":"Blue"}"#]),
    ])
    .await;
    let r = colours("a car")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    let mut got = r.value.into_vec();
    assert_eq!(got.remove(0), Colour::Red);
    got.sort_by_key(|c| format!("{c:?}"));
    assert_eq!(
        got,
        vec![Colour::Blue, Colour::Green],
        "fills arrive in any order"
    );
    assert_eq!(r.requests, 3);
    assert_eq!(r.usage.map(|u| u.total_tokens), Some(6));
    let bodies = server.bodies();
    assert_eq!(bodies[0]["n"], 3);
    assert!(bodies[1].get("n").is_none() && bodies[2].get("n").is_none());
}

#[tokio::test]
async fn an_invalid_choice_is_replaced_rather_than_failing_the_call() {
    let server = MockServer::with([
        choices(&[r#"{"value":"Red"}"#, "purple?", r#"{"value":"Blue"}"#]),
        choices(&[r#"{"value":"Green"}"#]),
    ])
    .await;
    let r = colours("x")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.len(), 3);
    assert_eq!(r.requests, 2);
}

#[tokio::test]
async fn each_finish_reason_gives_its_outcome() {
    let reply = |reason: &str| {
        Reply::json(completion(
            json!({"role": "assistant", "content": r#"{"name":"A","age":1}"#}),
            reason,
        ))
    };
    let server = MockServer::with([
        reply("stop"),
        reply("eos"),
        reply("end_turn"),
        reply(""),
        reply("length"),
        reply("content_filter"),
        reply("error"),
        reply("tool_calls"),
    ])
    .await;
    let client = server.client();
    for expected in [
        Some(FinishReason::Stop),
        Some(FinishReason::Stop),
        Some(FinishReason::Stop),
        None,
    ] {
        let r = extract("A").client(&client).with_meta().await.unwrap();
        assert_eq!(r.finish_reason, expected);
    }
    // A structured answer cut at the token limit after its JSON had ended (it closes its own
    // brackets) is the answer; one whose end must be made up is asked for again
    // (spine::a_structured_answer_whole_before_the_cut_is_the_answer).
    let r = extract("A")
        .client(&client)
        .retries(0)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.finish_reason, Some(FinishReason::Length));
    assert!(matches!(
        extract("A").client(&client).await,
        Err(Error::ContentFilter { .. })
    ));
    let err = extract("A").client(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol { reason, .. } if reason.contains("\"error\"")),
        "{err:?}"
    );
    let r = extract("A").client(&client).with_meta().await.unwrap();
    assert_eq!(
        r.finish_reason,
        Some(FinishReason::ToolCalls),
        "a tool_calls finish with the answer in content still decodes"
    );
}

#[tokio::test]
async fn gemini_models_get_the_gemini_dialect_and_claude_models_a_forced_tool() {
    let server = MockServer::with([
        Reply::content(r#"{"name":"A","age":1}"#),
        Reply::tool_call("answer", r#"{"name":"B","age":2}"#),
    ])
    .await;
    let client = server.client();
    extract("A")
        .client(&client)
        .model("gemini-2.0-flash")
        .await
        .unwrap();
    let r = extract("B")
        .client(&client)
        .model("claude-3-5-sonnet")
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.mode, Some(Mode::Tool));
    let bodies = server.bodies();
    let gemini = &bodies[0]["response_format"]["json_schema"];
    assert!(gemini.get("strict").is_none());
    assert!(gemini["schema"].get("additionalProperties").is_none());
    assert_eq!(gemini["schema"]["properties"]["age"]["nullable"], true);
    assert_eq!(bodies[1]["tools"][0]["function"]["name"], "answer");
}

#[tokio::test]
async fn a_type_the_dialect_cannot_express_fails_before_sending() {
    let server = MockServer::start().await;
    let err = inventory("3 apples")
        .client(&server.client())
        .await
        .unwrap_err();
    let Error::Schema(reason) = &err else {
        panic!("expected Schema, got {err:?}")
    };
    assert!(reason.contains("counts"), "{reason}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn choices_are_validated_one_by_one() {
    let server = MockServer::with([
        choices(&[r#"{"stars": 9}"#, r#"{"stars": 3}"#]),
        choices(&[r#"{"stars": 2}"#]),
    ])
    .await;
    let r = ratings("ok")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(
        r.value.into_vec(),
        vec![Rating { stars: 3 }, Rating { stars: 2 }]
    );
    assert_eq!(r.requests, 2);
}
