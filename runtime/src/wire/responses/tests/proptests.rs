//! Property tests: the Responses stream reader and body decoder never panic, whatever events
//! and bodies a server sends, in whatever order.

use proptest::prelude::*;

use crate::tests::json_like::json_like;
use serde_json::{Map, Value};

use super::super::{Reader, decode};
use crate::wire::sse::SseEvent;

const EVENT_TYPES: [&str; 17] = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.refusal.delta",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.reasoning_summary_text.delta",
    "response.completed",
    "response.incomplete",
    "response.failed",
    "error",
    "ping",
];

const KEYS: [&str; 24] = [
    "type",
    "item",
    "item_id",
    "output_index",
    "delta",
    "arguments",
    "response",
    "output",
    "status",
    "incomplete_details",
    "reason",
    "usage",
    "input_tokens",
    "output_tokens",
    "input_tokens_details",
    "cached_tokens",
    "call_id",
    "name",
    "summary",
    "text",
    "content",
    "encrypted_content",
    "error",
    "message",
];

const STRINGS: [&str; 10] = [
    "function_call",
    "message",
    "reasoning",
    "output_text",
    "refusal",
    "summary_text",
    "completed",
    "incomplete",
    "max_output_tokens",
    "fc_1",
];

/// JSON of any shape whose keys and strings are the ones the reader looks at.
fn any_json() -> impl Strategy<Value = Value> {
    json_like(&KEYS, &STRINGS)
}

/// An event with a known type and arbitrary fields, or arbitrary text.
fn any_event() -> impl Strategy<Value = SseEvent> {
    prop_oneof![
        (proptest::sample::select(&EVENT_TYPES[..]), any_json()).prop_map(|(kind, body)| {
            let mut object = match body {
                Value::Object(o) => o,
                other => {
                    let mut o = Map::new();
                    o.insert("item".into(), other);
                    o
                }
            };
            object.insert("type".into(), Value::from(kind));
            SseEvent {
                event: Some(kind.to_owned()),
                data: Value::Object(object).to_string(),
                id: None,
            }
        }),
        ".{0,40}".prop_map(|data| SseEvent {
            event: None,
            data,
            id: None,
        }),
    ]
}

proptest! {
    #[test]
    fn the_stream_reader_never_panics(events in proptest::collection::vec(any_event(), 0..24)) {
        let mut reader = Reader::default();
        for event in &events {
            let _ = reader.read(event);
        }
    }

    #[test]
    fn the_body_decoder_never_panics(body in any_json(), junk in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode(body.to_string().as_bytes());
        let _ = decode(&junk);
    }
}
