//! #19 item 1: reading an answer ends by the call's deadline on every path, not only the
//! awaited one: a stream's final decode (items and partial snapshots) by the stream's total
//! deadline, and a round's tool arguments by the round's.
//!
//! Each test makes the deadline pass before the decode starts, whatever the machine's speed:
//! the whole streamed body arrives as one chunk, so its pieces wait in the stream while the
//! test holds a piece past the deadline; a first tool blocks its thread past the round's
//! deadline before the second tool's arguments are read. The decoder reads its clock every
//! few dozen candidates or few thousand schema steps, so each answer here is long enough to
//! reach a reading, which then abandons it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::time::Duration;

use promptfn::testing::{MockClient, Reply};
use promptfn::{Error, Partial, Result, prompt, tool};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

const TIMEOUT: Duration = Duration::from_millis(200);
const ABANDONED: &str = "took longer than the call's timeout of 200ms, so it was abandoned";

/// Every wait is bounded, so a broken stream fails instead of hanging.
async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the stream should have ended long before this bound")
}

/// The whole SSE body of an answer streamed as content deltas, in one chunk.
fn streamed_in_one_chunk(deltas: &[&str]) -> Reply {
    let mut body = String::new();
    for delta in deltas {
        let chunk = json!({"id": "c", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": null}]});
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    let end = json!({"id": "c", "object": "chat.completion.chunk", "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    body.push_str(&format!("data: {end}\n\ndata: [DONE]\n\n"));
    Reply::chunked(200, [body])
}

/// `1,1,…,1`: the elements of a list whose schema walk takes more steps than one clock
/// reading.
fn ones(count: usize) -> String {
    vec!["1"; count].join(",")
}

/// The reason the call's error gives for its (only) rejected answer.
fn rejection(error: &Error) -> &str {
    match error {
        Error::Decode(decode) => &decode.attempts[0].reason,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[prompt("Count to {n}.")]
async fn count(n: u32) -> Result<Vec<u32>>;

#[tokio::test]
async fn a_streamed_lists_final_reading_ends_by_the_streams_deadline() {
    let mock = MockClient::new();
    let rest = format!("{}]", ones(6_000));
    mock.on("count")
        .reply(streamed_in_one_chunk(&["[1, ", &rest[..]]));
    let mut items = count(6_000)
        .client(&mock.client().unwrap())
        .timeout(TIMEOUT)
        .stream();
    assert_eq!(bounded(items.next()).await.unwrap().unwrap(), 1);
    // The rest of the body is already read; only its reading remains, after the deadline.
    std::thread::sleep(TIMEOUT + Duration::from_millis(100));
    let mut last = None;
    while let Some(item) = bounded(items.next()).await {
        last = Some(item);
    }
    let error = last
        .expect("more items")
        .expect_err("the final reading is abandoned");
    assert!(rejection(&error).contains(ABANDONED), "{error}");
}

#[derive(Debug, Deserialize, JsonSchema, Partial, PartialEq)]
struct Tally {
    #[partial(required)]
    label: String,
    counts: Vec<u32>,
}

#[prompt("Tally {what}.", mode = "json_object")]
async fn tally(what: &str) -> Result<Tally>;

#[tokio::test]
async fn a_partial_streams_final_reading_ends_by_the_streams_deadline() {
    let mock = MockClient::new();
    // The trailing comma keeps the answer off the exact path: the tolerant decoder reads it.
    let rest = format!("{},]}}", ones(6_000));
    mock.on("tally").reply(streamed_in_one_chunk(&[
        "{\"label\": \"ones\", \"counts\": [",
        &rest[..],
    ]));
    let mut snapshots = tally("ones")
        .client(&mock.client().unwrap())
        .timeout(TIMEOUT)
        .stream();
    let first = bounded(snapshots.next()).await.unwrap().unwrap();
    assert_eq!(first.label.as_deref(), Some("ones"));
    std::thread::sleep(TIMEOUT + Duration::from_millis(100));
    let mut last = None;
    while let Some(snapshot) = bounded(snapshots.next()).await {
        last = Some(snapshot);
    }
    let error = last
        .expect("more snapshots")
        .expect_err("the final reading is abandoned");
    assert!(rejection(&error).contains(ABANDONED), "{error}");
}

/// Holds its thread past the round's deadline, as a slow plain `fn` tool does.
#[tool]
fn slow(city: String) -> String {
    std::thread::sleep(TIMEOUT + Duration::from_millis(100));
    format!("slow in {city}")
}

/// Adds numbers up.
#[tool]
fn sum(values: Vec<u32>) -> String {
    values.iter().sum::<u32>().to_string()
}

#[prompt("Weather in {city}?", tools = [slow, sum])]
async fn ask(city: &str) -> Result<String>;

#[tokio::test]
async fn tool_arguments_are_read_by_the_rounds_deadline() {
    let mock = MockClient::new();
    // Arguments whose schema walk takes more steps than one clock reading.
    let long = format!("{{\"values\": [{}]}}", ones(6_000));
    mock.on("ask")
        .reply(Reply::message(
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "a", "type": "function",
                 "function": {"name": "slow", "arguments": "{\"city\": \"Oslo\"}"}},
                {"id": "b", "type": "function",
                 "function": {"name": "sum", "arguments": long}},
            ]}),
        ))
        .reply(Reply::text("Done."));
    let answer = ask("Oslo")
        .client(&mock.client().unwrap())
        .timeout(TIMEOUT)
        .await
        .unwrap();
    assert_eq!(answer, "Done.");
    let second = &mock.requests_to("ask")[1];
    let results: Vec<&str> = second
        .messages()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(results[0], "slow in Oslo");
    assert!(
        results[1].starts_with("Error: invalid arguments for `sum`: reading the arguments")
            && results[1].contains(ABANDONED),
        "{}",
        results[1]
    );
}
