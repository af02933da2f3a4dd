//! OpenAI strict mode's size limits.

use serde_json::{Map, Value, json};

use super::super::{SchemaDialect, compile};

/// `levels` objects nested through a field `n` each (the root counts as one).
fn nested(levels: usize) -> Value {
    let mut schema = json!({"type": "object", "properties": {"leaf": {"type": "string"}}});
    for _ in 1..levels {
        schema = json!({"type": "object", "properties": {"n": schema}});
    }
    schema["title"] = json!("Deep");
    schema
}

#[test]
fn ten_levels_of_objects_pass_and_eleven_fail_with_the_deepest_path() {
    assert!(compile(&nested(10), SchemaDialect::OpenAiStrict).is_ok());
    let error = compile(&nested(11), SchemaDialect::OpenAiStrict).unwrap_err();
    assert_eq!(error.path, "Deep.n.n.n.n.n.n.n.n.n.n");
    assert!(error.reason.contains("11 levels"), "{error}");
    // Other dialects have no documented limit.
    assert!(compile(&nested(11), SchemaDialect::Gemini).is_ok());
    assert!(compile(&nested(11), SchemaDialect::JsonSchema).is_ok());
}

#[test]
fn nesting_is_counted_through_refs_and_the_wrapper() {
    // D0 → D1 → … → D9: ten object levels reached only through `$ref`s.
    let mut defs = Map::new();
    for index in 0..10 {
        let next = if index == 9 {
            json!({"type": "string"})
        } else {
            json!({"$ref": format!("#/$defs/D{}", index + 1)})
        };
        defs.insert(
            format!("D{index}"),
            json!({"type": "object", "properties": {"next": next}, "required": ["next"]}),
        );
    }
    let object_root = json!({"title": "R", "$ref": "#/$defs/D0", "$defs": defs.clone()});
    assert!(compile(&object_root, SchemaDialect::OpenAiStrict).is_ok());

    // The same chain as a list root gains the wrapper's level.
    let list_root = json!({
        "title": "L", "type": "array", "items": {"$ref": "#/$defs/D0"}, "$defs": defs
    });
    let error = compile(&list_root, SchemaDialect::OpenAiStrict).unwrap_err();
    assert_eq!(
        error.path,
        "L[].next.next.next.next.next.next.next.next.next"
    );
    assert!(error.reason.contains("11 levels"), "{error}");
}

#[test]
fn enums_hold_at_most_a_thousand_values() {
    let values = |count: usize| -> Vec<String> { (0..count).map(|i| format!("v{i}")).collect() };
    let schema = |count: usize| {
        json!({
            "title": "E",
            "type": "object",
            "properties": {"pick": {"type": "string", "enum": values(count)}},
            "required": ["pick"]
        })
    };
    assert!(compile(&schema(1_000), SchemaDialect::OpenAiStrict).is_ok());
    let error = compile(&schema(1_001), SchemaDialect::OpenAiStrict).unwrap_err();
    assert_eq!(error.path, "E.pick");
    assert!(error.reason.contains("1001 values"), "{error}");
}

#[test]
fn at_most_five_thousand_properties_in_all() {
    let schema = |count: usize| {
        let properties: Map<String, Value> = (0..count)
            .map(|i| (format!("p{i}"), json!({"type": "boolean"})))
            .collect();
        json!({"title": "Wide", "type": "object", "properties": properties})
    };
    assert!(compile(&schema(5_000), SchemaDialect::OpenAiStrict).is_ok());
    let error = compile(&schema(5_001), SchemaDialect::OpenAiStrict).unwrap_err();
    assert_eq!(error.path, "Wide");
    assert!(error.reason.contains("5001 properties"), "{error}");
}
