//! Live group: streaming from the real local model server (llama-cpp-python with SmolLM2).
//! Skipped, with a message, when PROMPTFN_LIVE_BASE_URL is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use promptfn::{Mode, Result, prompt};
use promptfn_tests::live;

#[prompt(
    "In one sentence: what is the capital of {country}?",
    temperature = 0.0,
    max_tokens = 40
)]
async fn capital(country: &str) -> Result<String>;

#[prompt(
    "Name three colors of the rainbow.",
    temperature = 0.0,
    max_tokens = 200
)]
async fn colors() -> Result<Vec<String>>;

/// A slow machine may take a while, but a live test must still end.
const LIVE_LIMIT: Duration = Duration::from_secs(120);

#[tokio::test]
async fn live_text_arrives_in_several_deltas_then_a_response_with_finish_reason() {
    let Some(client) = live::client("live_text_arrives_in_several_deltas") else {
        return;
    };
    let mut stream = capital("France").client(&client).stream();
    let mut deltas = Vec::new();
    let run = async {
        while let Some(delta) = stream.next().await {
            deltas.push(delta.expect("a text delta"));
        }
    };
    tokio::time::timeout(LIVE_LIMIT, run)
        .await
        .expect("the stream ended in time");
    assert!(
        deltas.len() >= 2,
        "expected the answer in several deltas, got {deltas:?}"
    );
    let response = stream.into_response().await.expect("a complete answer");
    assert_eq!(response.value, deltas.concat());
    assert!(!response.value.trim().is_empty(), "the model said nothing");
    assert!(
        response.finish_reason.is_some(),
        "no finish reason in {}",
        response.raw
    );
    assert_eq!(response.requests, 1);
    eprintln!(
        "live stream: {} deltas, finish reason {:?}: {:?}",
        deltas.len(),
        response.finish_reason,
        response.value
    );
}

#[tokio::test]
async fn live_list_items_stream_one_at_a_time_in_json_and_tool_modes() {
    let Some(client) = live::client("live_list_items_stream_one_at_a_time") else {
        return;
    };
    for mode in [Mode::JsonObject, Mode::Tool] {
        let mut stream = colors().client(&client).mode(mode).stream();
        let mut items = Vec::new();
        // Whether the server had already said it was finished when the first item came out.
        let mut finished_before_first_item = None;
        let run = async {
            while let Some(item) = stream.next().await {
                finished_before_first_item.get_or_insert(stream.finish_reason().is_some());
                items.push(item.unwrap_or_else(|e| panic!("{mode}: {e}")));
            }
        };
        tokio::time::timeout(LIVE_LIMIT, run)
            .await
            .expect("the stream ended in time");
        let response = stream
            .into_response()
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(!items.is_empty(), "{mode}: no items in {}", response.raw);
        eprintln!("live items ({mode}): {items:?}");
        if mode == Mode::Tool && live::Server::current() == live::Server::LlamaServer {
            // llama-server drops the forced tool (see live_tools.rs): the answer comes as
            // content, read once it is complete, since tool mode streams the call's arguments;
            // when it holds no list, the request is sent again in json_schema mode, whose
            // items stream one at a time.
            assert!(
                matches!(response.mode, Some(Mode::Tool | Mode::JsonSchema)),
                "{:?}",
                response.mode
            );
            if response.mode == Some(Mode::Tool) {
                continue;
            }
        } else {
            assert_eq!(response.mode, Some(mode));
        }
        assert_eq!(
            finished_before_first_item,
            Some(false),
            "{mode}: the first item should come out while the answer is still streaming"
        );
    }
}
