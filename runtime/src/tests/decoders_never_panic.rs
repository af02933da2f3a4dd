//! Property tests: no decoder of server-controlled bytes panics or overflows the stack, whatever
//! it is given. (The SSE decoder has its own, in `wire/sse/tests/proptests.rs`.)

use std::time::SystemTime;

use proptest::prelude::*;

use crate::tests::json_like::json_like;
use serde_json::{Value, json};

use crate::error::ProviderError;
use crate::lenient;
use crate::retry::{self, Hints};
use crate::wire::answer::Completion;

fn schemas() -> [Value; 4] {
    [
        json!({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": ["integer", "null"]}}, "required": ["name", "age"]}),
        json!({"type": "array", "items": {"type": "number"}}),
        json!({"enum": ["Positive", "Negative"]}),
        json!({"$defs": {"N": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}}}}, "$ref": "#/$defs/N"}),
    ]
}

/// Every decoder that reads bytes a server sent.
fn decode_everything(bytes: &[u8], pick: usize) {
    let _ = Completion::parse(bytes);
    let _ = ProviderError::parse(bytes);
    let text = String::from_utf8_lossy(bytes);
    let _ = lenient::decode(&text, &schemas()[pick % 4]);
    let _ = retry::parse_retry_after(&text, SystemTime::now());
    let _ = retry::parse_retry_after_ms(&text);
    for status in [400, 429, 500, 503] {
        let _ = retry::classify_status(status, Hints::default(), bytes, pick.is_multiple_of(2));
    }
}

const KEYS: [&str; 7] = [
    "error",
    "choices",
    "message",
    "content",
    "code",
    "usage",
    "tool_calls",
];

const WORDS: [&str; 4] = ["stop", "length", "assistant", "tool_calls"];

/// JSON values of any shape, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    json_like(&KEYS, &WORDS)
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..800), pick in 0_usize..8) {
        decode_everything(&bytes, pick);
    }

    #[test]
    fn json_like_bytes_never_panic(text in "[{}\\[\\]\":,0-9a-z \\n<>-]{0,400}", pick in 0_usize..8) {
        decode_everything(text.as_bytes(), pick);
    }

    #[test]
    fn any_json_shape_never_panics(value in any_json(), pick in 0_usize..8) {
        decode_everything(value.to_string().as_bytes(), pick);
        let wrapped = json!({"choices": [{"message": value.clone(), "finish_reason": value.clone()}], "error": value});
        decode_everything(wrapped.to_string().as_bytes(), pick);
    }
}

#[test]
fn json_bombs_are_errors_not_stack_overflows() {
    for depth in [129, 10_000, 200_000] {
        let arrays = "[".repeat(depth) + &"]".repeat(depth);
        let objects = "{\"error\":".repeat(depth) + "1" + &"}".repeat(depth);
        let unclosed = "[{\"a\":".repeat(depth);
        for bomb in [arrays, objects, unclosed] {
            assert!(Completion::parse(bomb.as_bytes()).is_err());
            assert!(ProviderError::parse(bomb.as_bytes()).is_none());
            for (pick, schema) in schemas().iter().enumerate() {
                assert!(lenient::decode(&bomb, schema).is_err(), "{pick} at {depth}");
            }
        }
    }
}
