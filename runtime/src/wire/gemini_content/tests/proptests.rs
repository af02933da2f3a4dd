//! Property tests: no Gemini answer or stream event, whatever its shape, panics the decoder or
//! the stream reader; a JSON bomb is an error, not a stack overflow.

use proptest::prelude::*;

use crate::tests::json_like::json_like;
use serde_json::{Value, json};

use super::super::{Reader, decode};
use crate::wire::sse::SseEvent;

const KEYS: [&str; 18] = [
    "candidates",
    "content",
    "parts",
    "text",
    "thought",
    "thoughtSignature",
    "functionCall",
    "args",
    "name",
    "id",
    "index",
    "finishReason",
    "usageMetadata",
    "promptTokenCount",
    "totalTokenCount",
    "promptFeedback",
    "blockReason",
    "error",
];

const WORDS: [&str; 3] = ["STOP", "MAX_TOKENS", "SAFETY"];

/// JSON of any shape, its keys mostly the response's own names, so that the walk reaches deep.
fn gemini_like() -> impl Strategy<Value = Value> {
    json_like(&KEYS, &WORDS)
}

fn event(data: String) -> SseEvent {
    SseEvent {
        event: None,
        data,
        id: None,
    }
}

proptest! {
    #[test]
    fn any_response_shape_decodes_without_panic(value in gemini_like()) {
        let _ = decode(value.to_string().as_bytes());
        let wrapped = json!({"candidates": [{"content": {"parts": [value.clone()]}, "finishReason": value.clone()}], "usageMetadata": value});
        let _ = decode(wrapped.to_string().as_bytes());
    }

    #[test]
    fn any_event_sequence_reads_without_panic(values in proptest::collection::vec(gemini_like(), 0..8), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut reader = Reader::default();
        for value in values {
            let _ = reader.read(&event(value.to_string()));
        }
        let _ = reader.read(&event(String::from_utf8_lossy(&bytes).into_owned()));
        let _ = decode(&bytes);
    }
}

#[test]
fn json_bombs_are_errors() {
    for depth in [129, 100_000] {
        let nested = "{\"candidates\":[".repeat(depth) + &"]}".repeat(depth);
        assert!(decode(nested.clone().as_bytes()).1.is_err());
        assert!(Reader::default().read(&event(nested)).is_err());
    }
}
