//! Determinism, names, budgets, and no panics on odd input.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::super::{SchemaDialect, compile, compile_with_name};
use super::zoo_types::*;

const DIALECTS: [SchemaDialect; 3] = [
    SchemaDialect::OpenAiStrict,
    SchemaDialect::Gemini,
    SchemaDialect::JsonSchema,
];

/// Rebuilds every object with its keys inserted in reverse order (only visible when
/// serde_json keeps insertion order; the output then follows the input's order, so only
/// its content must stay the same).
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
            pairs.reverse();
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(key, child)| (key.clone(), reversed(child)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

#[test]
fn compiling_is_deterministic() {
    let inputs = [
        schemars::schema_for!(Person).to_value(),
        schemars::schema_for!(Envelope).to_value(),
        schemars::schema_for!(Chain).to_value(),
        schemars::schema_for!(Tree).to_value(),
        schemars::schema_for!(Command).to_value(),
    ];
    for input in &inputs {
        for dialect in DIALECTS {
            let first = compile(input, dialect).map(|c| c.schema.to_string());
            let again = compile(input, dialect).map(|c| c.schema.to_string());
            assert_eq!(first, again, "{dialect:?}");
            // Reordering the input may reorder `required` (it follows the properties), nothing else.
            let content = compile(input, dialect).map(|c| super::sorted_required(&c.schema));
            let reordered =
                compile(&reversed(input), dialect).map(|c| super::sorted_required(&c.schema));
            assert_eq!(content, reordered, "{dialect:?}");
        }
    }
}

#[test]
fn names_come_from_the_title_or_the_caller_and_are_always_valid() {
    let person = schemars::schema_for!(Person).to_value();
    assert_eq!(
        compile(&person, SchemaDialect::OpenAiStrict).unwrap().name,
        "Person"
    );
    let list = schemars::schema_for!(Vec<Address>).to_value();
    assert_eq!(
        compile(&list, SchemaDialect::Gemini).unwrap().name,
        "Array_of_Address"
    );
    let untitled = json!({"type": "object", "properties": {}});
    assert_eq!(
        compile(&untitled, SchemaDialect::JsonSchema).unwrap().name,
        "answer"
    );
    let odd = json!({"title": "Wrapper<T> für alle", "type": "string"});
    assert_eq!(
        compile(&odd, SchemaDialect::JsonSchema).unwrap().name,
        "Wrapper_T__f_r_alle"
    );
    let long = json!({"title": "x".repeat(100), "type": "string"});
    assert_eq!(
        compile(&long, SchemaDialect::JsonSchema)
            .unwrap()
            .name
            .len(),
        64
    );
    let named = compile_with_name(&person, SchemaDialect::OpenAiStrict, "extract person!").unwrap();
    assert_eq!(named.name, "extract_person_");
    assert_eq!(
        compile_with_name(&person, SchemaDialect::Gemini, "")
            .unwrap()
            .name,
        "answer"
    );
}

#[test]
fn strict_nullability_matches_what_serde_accepts() {
    // Option fields made required still take an explicit null…
    let person: Result<Person, _> = serde_json::from_value(json!({
        "fullName": "Ada", "age": null, "nickname": null,
        "home": {"street": "1 Main St", "zip": "12345"}, "work": null, "tags": []
    }));
    assert!(person.is_ok());
    // …but a `#[serde(default)]` field does not, which is why strict mode leaves it non-null.
    let settings: Result<Settings, _> =
        serde_json::from_value(json!({"name": "a", "retries": null, "labels": []}));
    assert!(settings.is_err());
    let strict = compile(
        &schemars::schema_for!(Settings).to_value(),
        SchemaDialect::OpenAiStrict,
    );
    assert_eq!(
        strict.unwrap().schema["properties"]["retries"],
        json!({"type": "integer", "minimum": 0})
    );
}

#[test]
fn inlining_stops_at_a_node_budget() {
    // Each definition uses the next one twice: inlining doubles the schema 24 times.
    let mut defs = Map::new();
    for index in 0..24 {
        let next = json!({"$ref": format!("#/$defs/D{}", index + 1)});
        defs.insert(
            format!("D{index}"),
            json!({"type": "object", "properties": {"a": next, "b": next}, "required": ["a", "b"]}),
        );
    }
    defs.insert("D24".to_owned(), json!({"type": "string"}));
    let input = json!({"title": "Wide", "$ref": "#/$defs/D0", "$defs": defs});
    // The budget, not the 2^24-node expansion, ends the work: the error says so (speed is a
    // benchmark's concern, never a timed assertion in a test).
    let error = compile(&input, SchemaDialect::Gemini).unwrap_err();
    assert!(error.reason.contains("grows past"), "{error}");
    // Strict mode keeps the references, so only its nesting limit applies; plain inlines
    // what is not recursive and hits the same budget.
    let strict = compile(&input, SchemaDialect::OpenAiStrict).unwrap_err();
    assert!(strict.reason.contains("24 levels deep"), "{strict}");
    let plain = compile(&input, SchemaDialect::JsonSchema).unwrap_err();
    assert!(plain.reason.contains("grows past"), "{plain}");
}

#[test]
fn absurd_nesting_is_an_error_not_a_stack_overflow() {
    let mut schema = json!({"type": "string"});
    for _ in 0..500 {
        schema = json!({"type": "array", "items": schema});
    }
    for dialect in DIALECTS {
        let error = compile(&schema, dialect).unwrap_err();
        assert!(
            error.reason.contains("nests more than"),
            "{dialect:?}: {error}"
        );
    }
}

/// JSON values biased towards schema keywords, to reach the compiler's odd corners.
fn schema_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..3).prop_map(Value::from),
        prop::sample::select(vec![
            "object",
            "string",
            "null",
            "array",
            "integer",
            "#",
            "#/$defs/A",
            "#/$defs/B",
            "#/$defs/Z",
            "date-time",
            "uint8",
            "x",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop::sample::select(vec![
            "type",
            "properties",
            "required",
            "items",
            "anyOf",
            "oneOf",
            "allOf",
            "$ref",
            "$defs",
            "enum",
            "const",
            "additionalProperties",
            "prefixItems",
            "nullable",
            "description",
            "format",
            "not",
            "A",
            "B",
            "title",
            "default",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #[test]
    fn odd_schemas_compile_or_fail_but_never_panic(input in schema_like()) {
        for dialect in DIALECTS {
            if let Ok(compiled) = compile(&input, dialect) {
                // Whatever came in, a success is an object root with a valid name.
                prop_assert_eq!(compiled.schema.get("type"), Some(&json!("object")));
                prop_assert!(!compiled.name.is_empty() && compiled.name.len() <= 64);
                prop_assert!(compiled
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            }
        }
    }
}
