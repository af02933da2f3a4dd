//! `.stream()` on a `#[derive(Partial)]` return type against the scripted mock server:
//! snapshots over content deltas and over tool-argument deltas, the finished value equal to an
//! awaited call's, the typed errors, and any split of the answer giving the same snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::time::Duration;

use promptfn::{Error, Partial, Result, prompt};
use promptfn_tests::mock::{MockServer, Reply, chunk, sse, stream_of};
use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, JsonSchema, Partial, PartialEq)]
struct Order {
    #[partial(required)]
    customer: String,
    items: Vec<Item>,
    status: Status,
    note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Partial, PartialEq)]
struct Item {
    name: String,
    #[partial(done)]
    sku: String,
    quantity: u32,
}

#[derive(Debug, Deserialize, JsonSchema, Partial, PartialEq)]
enum Status {
    Open,
    Paid,
}

#[prompt("Extract the order: {text}", mode = "json_object")]
async fn order(text: &str) -> Result<Order>;

#[prompt("Extract the order: {text}", mode = "tool")]
async fn order_by_tool(text: &str) -> Result<Order>;

const ANSWER: &str = r#"{"customer": "Ana Lima", "items": [{"name": "apple", "sku": "AP-1", "quantity": 2}, {"name": "pear", "sku": "PE-22", "quantity": 10}], "status": "Paid", "note": "leave at the door"}"#;

/// Every wait is bounded, so a broken stream fails instead of hanging.
async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("the stream should have answered long before this bound")
}

fn content(t: &str) -> Vec<u8> {
    sse(&chunk(json!({"content": t}), None).to_string())
}

fn arguments(t: &str) -> Vec<u8> {
    sse(&chunk(
        json!({"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "answer", "arguments": t}}]}),
        None,
    )
    .to_string())
}

fn end(reason: &str) -> Vec<Vec<u8>> {
    vec![
        sse(&chunk(json!({}), Some(reason)).to_string()),
        sse("[DONE]"),
    ]
}

/// `text` in pieces of `size` bytes (moved to char boundaries).
fn pieces(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let mut to = (from + size).min(text.len());
        while !text.is_char_boundary(to) {
            to += 1;
        }
        out.push(&text[from..to]);
        from = to;
    }
    out
}

/// A stream server sending `deltas` as content (or tool arguments), then `stop`.
async fn streaming(deltas: &[&str], tool: bool) -> MockServer {
    let mut events: Vec<Vec<u8>> = deltas
        .iter()
        .map(|d| if tool { arguments(d) } else { content(d) })
        .collect();
    events.extend(end(if tool { "tool_calls" } else { "stop" }));
    MockServer::with([stream_of(events)]).await
}

async fn snapshots(stream: &mut promptfn::PartialStream<Order>) -> Vec<OrderPartial> {
    let mut out = Vec::new();
    while let Some(snapshot) = bounded(stream.next()).await {
        out.push(snapshot.unwrap());
    }
    out
}

fn whole() -> Order {
    serde_json::from_str(ANSWER).unwrap()
}

#[tokio::test]
async fn content_deltas_give_growing_snapshots_then_the_awaited_value() {
    let server = streaming(&pieces(ANSWER, 3), false).await;
    let mut stream = order("x").client(&server.client()).stream();
    let snaps = snapshots(&mut stream).await;
    let value = bounded(stream.into_value()).await.unwrap();

    let awaited_server = MockServer::with([Reply::content(ANSWER)]).await;
    let awaited = order("x").client(&awaited_server.client()).await.unwrap();
    assert_eq!(value, awaited);
    assert_eq!(value, whole());

    // Each snapshot is new, the customer is there from the first, strings grow, numbers and
    // the `done` SKU appear whole, the list grows element by element, the enum once known.
    assert!(snaps.windows(2).all(|w| w[0] != w[1]));
    assert!(snaps.iter().all(|s| s.customer.is_some()));
    assert!(snaps.iter().any(|s| {
        s.customer
            .as_deref()
            .is_some_and(|c| !c.is_empty() && c.len() < 8 && "Ana Lima".starts_with(c))
    }));
    let lengths: Vec<usize> = snaps
        .iter()
        .map(|s| s.items.as_ref().map_or(0, Vec::len))
        .collect();
    assert!(lengths.windows(2).all(|w| w[0] <= w[1]));
    assert!(lengths.contains(&1) && lengths.contains(&2));
    for item in snaps.iter().flat_map(|s| s.items.iter().flatten()) {
        assert!(matches!(item.quantity, None | Some(2 | 10)), "{item:?}");
        assert!(
            matches!(item.sku.as_deref(), None | Some("AP-1" | "PE-22")),
            "{item:?}"
        );
    }
    assert!(
        snaps
            .iter()
            .all(|s| matches!(s.status, None | Some(StatusPartial::Paid)))
    );
    assert_eq!(snaps.last(), Order::partial_from(&value).as_ref());
    let body = &server.bodies()[0];
    assert_eq!(body["response_format"]["type"], "json_object");
    assert_eq!(body["stream"], true);
}

#[tokio::test]
async fn tool_argument_deltas_give_the_same_snapshots() {
    let deltas = pieces(ANSWER, 7);
    let by_content = {
        let server = streaming(&deltas, false).await;
        snapshots(&mut order("x").client(&server.client()).stream()).await
    };
    let server = streaming(&deltas, true).await;
    let mut stream = order_by_tool("x").client(&server.client()).stream();
    assert_eq!(snapshots(&mut stream).await, by_content);
    let response = bounded(stream.into_response()).await.unwrap();
    assert_eq!(response.value, whole());
    assert_eq!(response.mode, Some(promptfn::Mode::Tool));
    assert_eq!(
        server.bodies()[0]["tool_choice"]["function"]["name"],
        "answer"
    );
}

/// A server that ignores the forced tool answers in prose: no snapshot came from it (Tool mode
/// reads the call's arguments), so the request goes again in `json_schema` mode and its
/// answer gives the snapshots and the value; a server that rejects `json_schema` too is asked
/// in `json_object`, never in Tool mode again.
#[tokio::test]
async fn a_forced_tool_answered_in_prose_is_streamed_again_in_a_json_mode() {
    let prose = || {
        let mut events = vec![content("The order is from Ana Lima, ")];
        events.push(content("two apples and ten pears."));
        events.extend(end("stop"));
        stream_of(events)
    };
    let answer = || {
        let mut events: Vec<Vec<u8>> = pieces(ANSWER, 9).into_iter().map(content).collect();
        events.extend(end("stop"));
        stream_of(events)
    };
    let server = MockServer::with([prose(), answer()]).await;
    let mut stream = order_by_tool("x").client(&server.client()).stream();
    let snaps = snapshots(&mut stream).await;
    assert!(
        snaps.len() > 3,
        "snapshots of the second answer: {}",
        snaps.len()
    );
    let r = bounded(stream.into_response()).await.unwrap();
    assert_eq!(r.value, whole());
    assert_eq!((r.mode, r.requests), (Some(promptfn::Mode::JsonSchema), 2));
    let bodies = server.bodies();
    assert_eq!(bodies[1]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[1]["messages"].as_array().unwrap().len(), 1);

    let rejected = Reply::status(
        400,
        json!({"error": {"message": "response_format json_schema is not supported"}}),
    );
    let server = MockServer::with([prose(), rejected, answer()]).await;
    let r = bounded(
        order_by_tool("x")
            .client(&server.client())
            .stream()
            .into_response(),
    )
    .await
    .unwrap();
    assert_eq!(r.value, whole());
    assert_eq!((r.mode, r.requests), (Some(promptfn::Mode::JsonObject), 3));
    assert!(server.bodies()[2].get("tools").is_none());
}

/// A forced tool left unused whose prose answer in every mode holds no value: the stream is
/// sent again once, then ends in the decode error with that answer, without looping.
#[tokio::test]
async fn a_partial_stream_sent_again_after_an_unused_tool_is_not_sent_a_third_time() {
    let prose = || {
        let mut events = vec![content("I cannot find an order.")];
        events.extend(end("stop"));
        stream_of(events)
    };
    let server = MockServer::with([prose(), prose(), prose()]).await;
    let err = bounded(
        order_by_tool("x")
            .client(&server.client())
            .stream()
            .into_value(),
    )
    .await
    .unwrap_err();
    assert!(matches!(&err, Error::Decode(_)), "{err:?}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn prose_and_a_fence_before_the_json_are_skipped_while_streaming() {
    let answer = format!("Sure, here is the order:\n```json\n{ANSWER}\n```\n");
    let server = streaming(&pieces(&answer, 5), false).await;
    let mut stream = order("x").client(&server.client()).stream();
    let snaps = snapshots(&mut stream).await;
    assert!(
        snaps.len() > 10,
        "snapshots came while streaming: {}",
        snaps.len()
    );
    let value = bounded(stream.into_value()).await.unwrap();
    assert_eq!(value, whole());
    let response = {
        let server = MockServer::with([Reply::content(&answer)]).await;
        order("x")
            .client(&server.client())
            .with_meta()
            .await
            .unwrap()
    };
    assert_eq!(response.value, value);
}

#[tokio::test]
async fn an_answer_that_does_not_decode_is_the_awaited_calls_error() {
    let answer = r#"{"customer": "Ana", "items": "none", "status": "Lost"}"#;
    let server = streaming(&pieces(answer, 4), false).await;
    let mut stream = order("x").client(&server.client()).stream();
    let mut last = None;
    while let Some(item) = bounded(stream.next()).await {
        last = Some(item);
    }
    let Some(Err(Error::Decode(streamed))) = last else {
        panic!("the last item should be the decode error: {last:?}");
    };
    let awaited_server = MockServer::with([Reply::content(answer)]).await;
    let awaited = order("x")
        .client(&awaited_server.client())
        .retries(0)
        .await
        .unwrap_err();
    let Error::Decode(awaited) = awaited else {
        panic!("the awaited call should fail to decode: {awaited:?}");
    };
    assert_eq!(streamed.attempts.len(), 1);
    assert_eq!(streamed.attempts[0].raw, answer);
    assert_eq!(streamed.attempts[0].reason, awaited.attempts[0].reason);
    assert_eq!(streamed.type_name, awaited.type_name);
}

#[tokio::test]
async fn a_cut_answer_ends_with_a_typed_error_and_into_value_reports_it() {
    let mut events: Vec<Vec<u8>> = pieces(&ANSWER[..60], 6).into_iter().map(content).collect();
    events.push(sse(&chunk(json!({}), Some("length")).to_string()));
    let server = MockServer::with([stream_of(events)]).await;
    let stream = order("x").client(&server.client()).stream();
    match bounded(stream.into_value()).await {
        Err(Error::Incomplete { partial, .. }) => assert_eq!(partial, &ANSWER[..60]),
        other => panic!("expected Incomplete, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any split of the answer into deltas gives the same final value, and each snapshot is
    /// the one the same prefix gives read in one piece (so the distinct snapshots of a split
    /// are those of the finest split, taken at its delta boundaries).
    #[test]
    fn any_split_gives_the_same_value_and_snapshots(cuts in proptest::collection::vec(0..ANSWER.len(), 1..12)) {
        let mut bounds: Vec<usize> = cuts;
        bounds.push(ANSWER.len());
        bounds.sort_unstable();
        bounds.dedup();
        let mut deltas = Vec::new();
        let mut from = 0;
        for &to in &bounds {
            deltas.push(&ANSWER[from..to]);
            from = to;
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (snaps, value) = runtime.block_on(async {
            let server = streaming(&deltas, false).await;
            let mut stream = order("x").client(&server.client()).stream();
            let snaps = snapshots(&mut stream).await;
            (snaps, bounded(stream.into_value()).await.unwrap())
        });
        prop_assert_eq!(&value, &whole());
        // The snapshot of each prefix, read in one piece.
        let expected: Vec<OrderPartial> = {
            let mut out: Vec<OrderPartial> = Vec::new();
            for &to in &bounds {
                let mut parser = promptfn::__private::PartialParser::new();
                parser.feed(&ANSWER[..to]);
                let snap = parser.root().and_then(<Order as Partial>::partial_of);
                if let Some(snap) = snap && out.last() != Some(&snap) {
                    out.push(snap);
                }
            }
            out
        };
        prop_assert_eq!(snaps, expected);
    }
}
