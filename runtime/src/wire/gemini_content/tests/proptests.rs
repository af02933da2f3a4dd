//! Property tests: no Gemini answer or stream event, whatever its shape, panics the decoder or
//! the stream reader; a JSON bomb is an error, not a stack overflow.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::super::{Reader, decode};
use crate::wire::sse::SseEvent;

/// JSON of any shape, its keys mostly the response's own names, so that the walk reaches deep.
fn gemini_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![
            Just("STOP".to_owned()),
            Just("MAX_TOKENS".to_owned()),
            Just("SAFETY".to_owned()),
            "[a-zA-Z_=+/]{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("candidates".to_owned()),
                    Just("content".to_owned()),
                    Just("parts".to_owned()),
                    Just("text".to_owned()),
                    Just("thought".to_owned()),
                    Just("thoughtSignature".to_owned()),
                    Just("functionCall".to_owned()),
                    Just("args".to_owned()),
                    Just("name".to_owned()),
                    Just("id".to_owned()),
                    Just("index".to_owned()),
                    Just("finishReason".to_owned()),
                    Just("usageMetadata".to_owned()),
                    Just("promptTokenCount".to_owned()),
                    Just("totalTokenCount".to_owned()),
                    Just("promptFeedback".to_owned()),
                    Just("blockReason".to_owned()),
                    Just("error".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
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
        let _ = decode(value.to_string().into_bytes());
        let wrapped = json!({"candidates": [{"content": {"parts": [value.clone()]}, "finishReason": value.clone()}], "usageMetadata": value});
        let _ = decode(wrapped.to_string().into_bytes());
    }

    #[test]
    fn any_event_sequence_reads_without_panic(values in proptest::collection::vec(gemini_like(), 0..8), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut reader = Reader::default();
        for value in values {
            let _ = reader.read(&event(value.to_string()));
        }
        let _ = reader.read(&event(String::from_utf8_lossy(&bytes).into_owned()));
        let _ = decode(bytes);
    }
}

#[test]
fn json_bombs_are_errors() {
    for depth in [129, 100_000] {
        let nested = "{\"candidates\":[".repeat(depth) + &"]}".repeat(depth);
        assert!(decode(nested.clone().into_bytes()).1.is_err());
        assert!(Reader::default().read(&event(nested)).is_err());
    }
}
