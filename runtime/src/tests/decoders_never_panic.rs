//! Property tests: no decoder of server-controlled bytes panics or overflows the stack, whatever
//! it is given. (The SSE decoder has its own, in `wire/sse/tests/proptests.rs`.)

use std::time::SystemTime;

use proptest::prelude::*;
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

/// JSON values of any shape, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("error".to_owned()),
                    Just("choices".to_owned()),
                    Just("message".to_owned()),
                    Just("content".to_owned()),
                    Just("code".to_owned()),
                    Just("usage".to_owned()),
                    Just("tool_calls".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
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
