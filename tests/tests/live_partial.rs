//! Live group: partial snapshots streamed from the real local model server (llama-cpp-python
//! with SmolLM2). Skipped, with a message, when PROMPTFN_LIVE_BASE_URL is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use promptfn::{Mode, Partial, Result, prompt};
use promptfn_tests::live;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema, Partial)]
struct City {
    name: String,
    country: String,
}

#[prompt(
    "Give the name and the country of the capital of {country}.",
    temperature = 0.0,
    max_tokens = 120
)]
async fn capital(country: &str) -> Result<City>;

/// A slow machine may take a while, but a live test must still end.
const LIVE_LIMIT: Duration = Duration::from_secs(120);

#[tokio::test]
async fn live_snapshots_grow_while_streaming_in_json_and_tool_modes() {
    let Some(client) = live::client("live_snapshots_grow_while_streaming") else {
        return;
    };
    let mut judged = Vec::new();
    for mode in [Mode::JsonObject, Mode::Tool] {
        let mut stream = capital("France").client(&client).mode(mode).stream();
        let mut snapshots = Vec::new();
        // Whether the server had already said it was finished when the first snapshot came.
        let mut finished_before_first = None;
        // A stream is never re-asked: a tiny model's answer that does not fit ends the stream
        // with the awaited call's typed error, which is what it must do (tested offline in
        // partial.rs). Live, that is reported and the mode's snapshots are not judged: in tool
        // mode llama-cpp-python's arguments may miss a field. (llama-server ignores a forced
        // tool: its prose answer is sent again in json_schema mode, whose snapshots are judged.)
        let mut failed = None;
        let run = async {
            while let Some(snapshot) = stream.next().await {
                finished_before_first.get_or_insert(stream.finish_reason().is_some());
                match snapshot {
                    Ok(snapshot) => snapshots.push(snapshot),
                    Err(promptfn::Error::Decode(e)) => {
                        failed = Some(e);
                        break;
                    }
                    Err(e) => panic!("{mode}: {e}"),
                }
            }
        };
        tokio::time::timeout(LIVE_LIMIT, run)
            .await
            .expect("the stream ended in time");
        if let Some(e) = failed {
            eprintln!(
                "live partial ({mode}): the model's answer did not fit, as a stream may end: {e}"
            );
            continue;
        }
        let response = stream
            .into_response()
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(
            snapshots.len() >= 2,
            "{mode}: expected several snapshots, got {snapshots:?} from {}",
            response.raw
        );
        assert_eq!(
            finished_before_first,
            Some(false),
            "{mode}: the first snapshot should come while the answer is still streaming"
        );
        // Every field once present stays present.
        for pair in snapshots.windows(2) {
            assert!(pair[0].name.is_none() || pair[1].name.is_some());
            assert!(pair[0].country.is_none() || pair[1].country.is_some());
        }
        assert_eq!(
            snapshots.last(),
            City::partial_from(&response.value).as_ref()
        );
        let sent_again = mode == Mode::Tool
            && live::Server::current() == live::Server::LlamaServer
            && response.mode == Some(Mode::JsonSchema);
        if !sent_again {
            assert_eq!(response.mode, Some(mode));
        }
        judged.push(mode);
        eprintln!(
            "live partial ({mode}): {} snapshots, finished {:?}",
            snapshots.len(),
            response.value
        );
    }
    // Both local servers honour the schema in `response_format` (json_object mode): there the
    // value must come, and its snapshots are judged.
    assert!(
        judged.contains(&Mode::JsonObject),
        "json_object mode gave no value that fits; judged: {judged:?}"
    );
}
