//! One generator of server-shaped JSON for the property tests of every reader of
//! server-controlled bytes: any shape, a few levels deep, with the keys and strings each
//! reader looks for mixed among arbitrary ones, so that a property reaches past the first
//! missing field.

use proptest::prelude::*;
use serde_json::Value;

/// JSON of any shape whose object keys are mostly `keys` and whose strings are often `words`
/// (both non-empty).
pub(crate) fn json_like(
    keys: &'static [&'static str],
    words: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        proptest::sample::select(words).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        let key = prop_oneof![
            4 => proptest::sample::select(keys).prop_map(str::to_owned),
            1 => "[a-z_]{1,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(key, inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}
