//! Property tests: no Anthropic answer or stream event, whatever its shape or order, panics the
//! decoder or the stream reader.

use proptest::prelude::*;

use crate::tests::json_like::json_like;
use serde_json::{Value, json};

use super::super::{Reader, decode};
use crate::wire::sse::SseEvent;

const KEYS: [&str; 20] = [
    "type",
    "index",
    "message",
    "content",
    "content_block",
    "delta",
    "text",
    "thinking",
    "signature",
    "partial_json",
    "input",
    "id",
    "name",
    "stop_reason",
    "usage",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "error",
];

const WORDS: [&str; 15] = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "error",
    "text",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "text_delta",
    "input_json_delta",
    "thinking_delta",
    "signature_delta",
    "refusal",
];

/// JSON of any shape, its keys and strings mostly the API's own names, so that the reader's
/// walk reaches deep.
fn anthropic_like() -> impl Strategy<Value = Value> {
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
    fn any_answer_body_decodes_or_fails_without_panicking(value in anthropic_like()) {
        let _ = decode(value.to_string().as_bytes());
    }

    #[test]
    fn any_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode(&bytes);
        let _ = Reader::default().read(&event(String::from_utf8_lossy(&bytes).into_owned()));
    }

    #[test]
    fn any_sequence_of_events_is_read_without_panicking(
        values in proptest::collection::vec(anthropic_like(), 0..12)
    ) {
        let mut reader = Reader::default();
        for value in values {
            let _ = reader.read(&event(value.to_string()));
        }
    }
}

#[test]
fn a_deeply_nested_event_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Reader::default().read(&event(deep.clone())).is_err());
    assert!(decode(deep.as_bytes()).1.is_err());
    let bomb = json!({"type": "content_block_delta", "index": u64::MAX, "delta": {"type": "thinking_delta", "thinking": "x"}});
    assert!(Reader::default().read(&event(bomb.to_string())).is_ok());
}
