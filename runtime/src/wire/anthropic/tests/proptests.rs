//! Property tests: no Anthropic answer or stream event, whatever its shape or order, panics the
//! decoder or the stream reader.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::super::{Reader, decode};
use crate::wire::sse::SseEvent;

/// JSON of any shape, its keys and strings mostly the API's own names, so that the reader's
/// walk reaches deep.
fn anthropic_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("message_start".to_owned()),
            Just("content_block_start".to_owned()),
            Just("content_block_delta".to_owned()),
            Just("content_block_stop".to_owned()),
            Just("message_delta".to_owned()),
            Just("error".to_owned()),
            Just("text".to_owned()),
            Just("thinking".to_owned()),
            Just("redacted_thinking".to_owned()),
            Just("tool_use".to_owned()),
            Just("text_delta".to_owned()),
            Just("input_json_delta".to_owned()),
            Just("thinking_delta".to_owned()),
            Just("signature_delta".to_owned()),
            Just("tool_use".to_owned()),
            Just("refusal".to_owned()),
            "[a-z_{}\":]{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("index".to_owned()),
                    Just("message".to_owned()),
                    Just("content".to_owned()),
                    Just("content_block".to_owned()),
                    Just("delta".to_owned()),
                    Just("text".to_owned()),
                    Just("thinking".to_owned()),
                    Just("signature".to_owned()),
                    Just("partial_json".to_owned()),
                    Just("input".to_owned()),
                    Just("id".to_owned()),
                    Just("name".to_owned()),
                    Just("stop_reason".to_owned()),
                    Just("usage".to_owned()),
                    Just("input_tokens".to_owned()),
                    Just("output_tokens".to_owned()),
                    Just("cache_read_input_tokens".to_owned()),
                    Just("cache_creation_input_tokens".to_owned()),
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
    fn any_answer_body_decodes_or_fails_without_panicking(value in anthropic_like()) {
        let _ = decode(value.to_string().into_bytes());
    }

    #[test]
    fn any_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode(bytes.clone());
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
    assert!(decode(deep.into_bytes()).1.is_err());
    let bomb = json!({"type": "content_block_delta", "index": u64::MAX, "delta": {"type": "thinking_delta", "thinking": "x"}});
    assert!(Reader::default().read(&event(bomb.to_string())).is_ok());
}
