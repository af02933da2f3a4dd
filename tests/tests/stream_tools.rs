//! Streamed calls with tools run the tool loop: each round's text streams as it arrives, the
//! round's tools run between rounds (their calls and results are events), and the next request
//! carries the results and whatever state the provider attached to the calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use promptfn::{Error, FinishReason, Result, Role, TextEvent, prompt, tool};
use promptfn_tests::mock::events::{bounded, delta, done, finish, text};
use promptfn_tests::mock::{MockServer, Reply, Step, stream_of};
use serde_json::{Value, json};
use tokio::sync::Notify;

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

#[prompt("Weather in {city}?", tools = [weather], max_steps = 1)]
async fn one_step(city: &str) -> Result<String>;

/// A tool call streamed as real servers do: id and name first, the arguments in two pieces.
fn streamed_call(index: u32, id: &str, name: &str, args: (&str, &str), extra: Value) -> Vec<u8> {
    let mut first = json!({"index": index, "id": id, "type": "function",
        "function": {"name": name, "arguments": args.0}});
    if let (Some(first), Value::Object(extra)) = (first.as_object_mut(), extra) {
        first.extend(extra);
    }
    [
        delta(json!({"tool_calls": [first]})),
        delta(json!({"tool_calls": [{"index": index, "function": {"arguments": args.1}}]})),
    ]
    .concat()
}

fn calls_round() -> Reply {
    stream_of([
        text("Let me check. "),
        streamed_call(0, "c_w", "weather", ("{\"city\":", "\"Oslo\"}"), json!({})),
        streamed_call(
            1,
            "c_t",
            "local_time",
            ("{\"city\"", ":\"Oslo\"}"),
            json!({}),
        ),
        finish("tool_calls"),
        done(),
    ])
}

#[tokio::test]
async fn a_streamed_call_with_tools_runs_two_rounds_and_streams_the_text_of_each() {
    let gate = Arc::new(Notify::new());
    let server = MockServer::with([
        calls_round(),
        Reply::Steps {
            status: 200,
            steps: vec![
                Step::Send(text("Sunny")),
                // The rest waits until the test has the first delta of round two in hand.
                Step::Gate(Arc::clone(&gate)),
                Step::Send([text(" at noon."), finish("stop"), done()].concat()),
            ],
        },
    ])
    .await;
    let mut events = briefing("Oslo").client(&server.client()).stream().events();
    let mut seen = Vec::new();
    loop {
        let event = bounded(events.next()).await.unwrap().unwrap();
        let last = event == TextEvent::Text("Sunny".into());
        seen.push(event);
        if last {
            break;
        }
    }
    gate.notify_one();
    assert_eq!(
        seen,
        [
            TextEvent::Text("Let me check. ".into()),
            TextEvent::ToolCall(promptfn::ToolCall::new(
                "c_w",
                "weather",
                "{\"city\":\"Oslo\"}"
            )),
            TextEvent::ToolCall(promptfn::ToolCall::new(
                "c_t",
                "local_time",
                "{\"city\":\"Oslo\"}"
            )),
            TextEvent::ToolResult {
                call_id: "c_w".into(),
                content: "sunny in Oslo".into()
            },
            TextEvent::ToolResult {
                call_id: "c_t".into(),
                content: "noon in Oslo".into()
            },
            TextEvent::Text("Sunny".into()),
        ]
    );
    let r = bounded(events.into_response()).await.unwrap();
    assert_eq!(r.value, "Sunny at noon.");
    assert_eq!(r.finish_reason, Some(FinishReason::Stop));
    assert_eq!(r.requests, 2);
    // The transcript: prompt, the calling turn, two results, the answer.
    let roles: Vec<Role> = r.transcript.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::User,
            Role::Assistant,
            Role::Tool,
            Role::Tool,
            Role::Assistant
        ]
    );

    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["stream"], true);
    assert_eq!(
        bodies[0]["tools"].as_array().unwrap().len(),
        2,
        "the first streamed request offers the tools"
    );
    let sent = bodies[1]["messages"].as_array().unwrap();
    assert_eq!(
        sent[1],
        json!({"role": "assistant", "content": "Let me check. ", "tool_calls": [
            {"id": "c_w", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}},
            {"id": "c_t", "type": "function", "function": {"name": "local_time", "arguments": "{\"city\":\"Oslo\"}"}},
        ]})
    );
    assert_eq!(
        sent[2],
        json!({"role": "tool", "content": "sunny in Oslo", "tool_call_id": "c_w"})
    );
    assert_eq!(
        sent[3],
        json!({"role": "tool", "content": "noon in Oslo", "tool_call_id": "c_t"})
    );
    assert_eq!(bodies[1]["stream"], true);
}

#[tokio::test]
async fn a_plain_text_stream_hands_out_every_round_text_and_no_tool_events() {
    let server = MockServer::with([
        calls_round(),
        stream_of([text("Sunny."), finish("stop"), done()]),
    ])
    .await;
    let mut stream = briefing("Oslo").client(&server.client()).stream();
    let mut deltas = Vec::new();
    while let Some(d) = bounded(stream.next()).await {
        deltas.push(d.unwrap());
    }
    assert_eq!(deltas, ["Let me check. ", "Sunny."]);
}

#[tokio::test]
async fn a_streamed_thought_signature_goes_back_with_its_call() {
    let signature = json!({"google": {"thought_signature": "c2lnbmF0dXJlLWJ5dGVz+/=="}});
    let server = MockServer::with([
        stream_of([
            delta(json!({"reasoning_content": "I should call the tool."})),
            streamed_call(
                0,
                "c1",
                "weather",
                ("{\"city\":", "\"Rome\"}"),
                json!({"extra_content": signature}),
            ),
            finish("tool_calls"),
            done(),
        ]),
        stream_of([text("Warm."), finish("stop"), done()]),
    ])
    .await;
    let r = bounded(
        one_step("Rome")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, "Warm.");
    let sent = server.bodies()[1]["messages"].as_array().unwrap().clone();
    assert_eq!(sent[1]["tool_calls"][0]["extra_content"], signature);
    // Streamed `reasoning_content` beside tool calls goes back too (DeepSeek).
    assert_eq!(sent[1]["reasoning_content"], "I should call the tool.");
}

#[tokio::test]
async fn a_streamed_tool_loop_stops_at_max_steps() {
    let server = MockServer::with([calls_round(), calls_round()]).await;
    let mut stream = one_step("Oslo").client(&server.client()).stream();
    let mut error = None;
    while let Some(item) = bounded(stream.next()).await {
        if let Err(e) = item {
            error = Some(e);
        }
    }
    match error {
        Some(Error::MaxSteps(e)) => {
            assert_eq!(e.max_steps, 1);
            assert_eq!(
                e.transcript.len(),
                5,
                "prompt, turn, two results, the turn not run"
            );
        }
        other => panic!("expected MaxSteps, got {other:?}"),
    }
    assert_eq!(server.bodies().len(), 2);
}
