//! SchemaDialect rules the zoo does not reach, on hand-built schemas.

use serde_json::{Value, json};

use super::super::{SchemaDialect, SchemaError, compile};

fn strict(input: Value) -> Result<Value, SchemaError> {
    compile(&input, SchemaDialect::OpenAiStrict).map(|compiled| compiled.schema)
}

fn gemini(input: Value) -> Result<Value, SchemaError> {
    compile(&input, SchemaDialect::Gemini).map(|compiled| compiled.schema)
}

fn plain(input: Value) -> Result<Value, SchemaError> {
    compile(&input, SchemaDialect::JsonSchema).map(|compiled| compiled.schema)
}

/// A one-field struct named `T` around `field`.
fn with_field(field: Value) -> Value {
    json!({"title": "T", "type": "object", "properties": {"f": field}, "required": ["f"]})
}

fn error_at(result: Result<Value, SchemaError>, path: &str, reason: &str) {
    match result {
        Err(error) => {
            assert_eq!(error.path, path, "{error}");
            assert!(
                error.reason.contains(reason),
                "`{}` lacks `{reason}`",
                error.reason
            );
        }
        Ok(schema) => panic!("expected an error at {path}, got {schema}"),
    }
}

#[test]
fn strict_adds_null_to_the_enum_of_a_nullable_type() {
    let input = with_field(json!({"type": ["string", "null"], "enum": ["C", "F"]}));
    let field = &strict(input).unwrap()["properties"]["f"];
    assert_eq!(
        field,
        &json!({"type": ["string", "null"], "enum": ["C", "F", null]})
    );
}

#[test]
fn strict_makes_optional_properties_nullable_exactly_once() {
    // The shape schemars writes with `option_add_null_type = false`, plus already-nullable
    // properties that must stay as they are.
    let input = json!({
        "title": "T",
        "type": "object",
        "properties": {
            "plain": {"type": "string"},
            "reference": {"$ref": "#/$defs/S"},
            "union": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "untyped_enum": {"enum": ["x", "y"]},
            "already": {"type": ["string", "null"]},
            "null_def": {"$ref": "#/$defs/Unit"},
            "openapi": {"type": "string", "nullable": true}
        },
        "$defs": {
            "S": {"type": "object", "properties": {"v": {"type": "integer"}}, "required": ["v"]},
            "Unit": {"type": "null"}
        }
    });
    assert_eq!(
        super::sorted_required(&strict(input).unwrap()),
        super::sorted_required(&json!({
            "type": "object",
            "properties": {
                "plain": {"type": ["string", "null"]},
                "reference": {"anyOf": [{"$ref": "#/$defs/S"}, {"type": "null"}]},
                "union": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
                "untyped_enum": {"enum": ["x", "y", null]},
                "already": {"type": ["string", "null"]},
                "null_def": {"$ref": "#/$defs/Unit"},
                "openapi": {"type": ["string", "null"]}
            },
            "required": [
                "already", "null_def", "openapi", "plain", "reference", "union", "untyped_enum"
            ],
            "additionalProperties": false,
            "$defs": {
                "S": {
                    "type": "object",
                    "properties": {"v": {"type": "integer"}},
                    "required": ["v"],
                    "additionalProperties": false
                },
                "Unit": {"type": "null"}
            }
        }))
    );
}

#[test]
fn strict_inlines_a_described_ref_but_not_a_recursive_one() {
    let input = json!({
        "title": "N",
        "type": "object",
        "properties": {
            "again": {"$ref": "#", "description": "the same again"},
            "leaf": {"$ref": "#/$defs/L", "description": "a leaf"}
        },
        "required": ["again", "leaf"],
        "$defs": {"L": {"type": "object", "properties": {"v": {"type": "integer"}}, "required": ["v"]}}
    });
    assert_eq!(
        strict(input).unwrap(),
        json!({
            "type": "object",
            "properties": {
                "again": {"$ref": "#"},
                "leaf": {
                    "type": "object",
                    "description": "a leaf",
                    "properties": {"v": {"type": "integer"}},
                    "required": ["v"],
                    "additionalProperties": false
                }
            },
            "required": ["again", "leaf"],
            "additionalProperties": false
        })
    );
}

#[test]
fn a_one_part_all_of_is_merged_and_several_parts_depend_on_the_dialect() {
    let single = with_field(json!({"allOf": [{"type": "string"}], "description": "d"}));
    let expected = json!({"type": "string", "description": "d"});
    assert_eq!(strict(single.clone()).unwrap()["properties"]["f"], expected);
    assert_eq!(gemini(single.clone()).unwrap()["properties"]["f"], expected);
    assert_eq!(plain(single).unwrap()["properties"]["f"], expected);

    let several = with_field(json!({"allOf": [{"type": "string"}, {"maxLength": 3}]}));
    error_at(strict(several.clone()), "T.f", "`allOf` with several parts");
    error_at(gemini(several.clone()), "T.f", "`allOf` with several parts");
    assert_eq!(
        plain(several).unwrap()["properties"]["f"],
        json!({"allOf": [{"type": "string"}, {"maxLength": 3}]})
    );
}

#[test]
fn shape_changing_keywords_are_rejected_where_unsupported_and_kept_in_plain() {
    let schema = json!({"maxLength": 2});
    let cases = [
        ("not", schema.clone()),
        ("if", schema.clone()),
        ("then", schema.clone()),
        ("else", schema.clone()),
        ("dependentSchemas", json!({"a": schema})),
        ("dependentRequired", json!({"a": ["b"]})),
    ];
    for (keyword, value) in cases {
        let field =
            json!({"type": "object", "properties": {"a": {"type": "string"}}, keyword: value});
        let input = with_field(field.clone());
        error_at(strict(input.clone()), "T.f", keyword);
        error_at(gemini(input.clone()), "T.f", keyword);
        let mut expected = field;
        expected["additionalProperties"] = json!(false);
        assert_eq!(plain(input).unwrap()["properties"]["f"], expected);
    }
}

#[test]
fn annotations_and_unknown_keywords_are_dropped() {
    let input = with_field(json!({
        "type": "array",
        "items": {"type": "string", "x-internal": true},
        "uniqueItems": true,
        "examples": [["a"]],
        "$comment": "note",
        "default": [],
        "deprecated": true
    }));
    let minimal = json!({"type": "array", "items": {"type": "string"}});
    assert_eq!(strict(input.clone()).unwrap()["properties"]["f"], minimal);
    assert_eq!(gemini(input.clone()).unwrap()["properties"]["f"], minimal);
    assert_eq!(
        plain(input).unwrap()["properties"]["f"],
        json!({
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": true,
            "examples": [["a"]],
            "default": [],
            "deprecated": true
        })
    );
}

#[test]
fn formats_are_filtered_per_dialect() {
    let formats = [
        "date-time",
        "date",
        "time",
        "duration",
        "email",
        "uuid",
        "uri",
        "uint8",
        "double",
        "enum",
    ];
    let properties: serde_json::Map<String, Value> = formats
        .iter()
        .map(|format| {
            (
                (*format).to_owned(),
                json!({"type": "string", "format": format}),
            )
        })
        .collect();
    let input = json!({"title": "F", "type": "object", "properties": properties});
    let kept = |schema: Value| -> Vec<String> {
        formats
            .iter()
            .filter(|name| schema["properties"][**name].get("format").is_some())
            .map(|name| (*name).to_owned())
            .collect()
    };
    assert_eq!(
        kept(strict(input.clone()).unwrap()),
        ["date-time", "date", "time", "duration", "email", "uuid"]
    );
    assert_eq!(kept(gemini(input.clone()).unwrap()), ["date-time", "enum"]);
    assert_eq!(
        kept(plain(input).unwrap()),
        ["date-time", "date", "time", "uuid"]
    );
}

#[test]
fn strict_keeps_numeric_and_array_bounds_and_drops_string_lengths() {
    let input = with_field(json!({
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 1, "pattern": "^[a-z]$"},
        "minItems": 1,
        "maxItems": 3
    }));
    assert_eq!(
        strict(input).unwrap()["properties"]["f"],
        json!({
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z]$"},
            "minItems": 1,
            "maxItems": 3
        })
    );
    let numbers = with_field(json!({
        "type": "number", "minimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.5
    }));
    assert_eq!(
        strict(numbers.clone()).unwrap()["properties"]["f"],
        json!({"type": "number", "minimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.5})
    );
    assert_eq!(
        gemini(numbers).unwrap()["properties"]["f"],
        json!({"type": "number", "minimum": 0})
    );
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Empty {}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Marker;

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Holder {
    empty: Empty,
    marker: Marker,
    anything: serde_json::Map<String, Value>,
}

#[test]
fn empty_structs_unit_structs_and_free_form_objects() {
    let input = schemars::schema_for!(Holder).to_value();
    // (Gemini also rejects the map, but reports `empty` first when serde_json keeps
    // declaration order.)
    error_at(strict(input.clone()), "Holder.anything", "a map");

    let without_map = |mut input: Value| {
        if let Some(properties) = input["properties"].as_object_mut() {
            properties.remove("anything");
        }
        if let Some(required) = input["required"].as_array_mut() {
            required.retain(|name| name != "anything");
        }
        input
    };
    let input = without_map(input);
    assert_eq!(
        strict(input.clone()).unwrap()["properties"],
        json!({
            "empty": {"$ref": "#/$defs/Empty"},
            "marker": {"$ref": "#/$defs/Marker"}
        })
    );
    assert_eq!(
        strict(input.clone()).unwrap()["$defs"],
        json!({
            "Empty": {
                "type": "object",
                "properties": {},
                "required": [],
                "additionalProperties": false
            },
            "Marker": {"type": "null"}
        })
    );
    error_at(
        gemini(input.clone()),
        "Holder.empty",
        "object without properties",
    );
    assert_eq!(
        plain(input).unwrap()["properties"],
        json!({
            "empty": {"type": "object", "additionalProperties": false},
            "marker": {"type": "null"}
        })
    );
}

#[test]
fn gemini_rejects_what_its_schema_cannot_hold() {
    error_at(
        gemini(with_field(json!({"type": ["string", "integer"]}))),
        "T.f",
        "several types (string, integer)",
    );
    error_at(
        gemini(with_field(json!({"type": "integer", "enum": [1, 2]}))),
        "T.f",
        "Gemini enums hold strings only",
    );
    error_at(
        gemini(with_field(json!({"type": "null"}))),
        "T.f",
        "always null",
    );
    error_at(
        gemini(with_field(json!({"type": "array"}))),
        "T.f",
        "without an item schema",
    );
    error_at(
        gemini(with_field(json!({}))),
        "T.f",
        "accepts any JSON value",
    );
}

#[test]
fn gemini_moves_null_into_nullable() {
    let input = with_field(json!({
        "description": "one of three",
        "oneOf": [{"type": "string"}, {"type": "null"}, {"type": "integer", "format": "int32"}]
    }));
    assert_eq!(
        gemini(input).unwrap()["properties"]["f"],
        json!({
            "description": "one of three",
            "anyOf": [
                {"type": "string", "nullable": true},
                {"type": "integer", "nullable": true}
            ]
        })
    );
    let nullable_enum = with_field(json!({"type": ["string", "null"], "enum": ["a", null]}));
    assert_eq!(
        gemini(nullable_enum).unwrap()["properties"]["f"],
        json!({"type": "string", "nullable": true, "enum": ["a"]})
    );
    let constant = with_field(json!({"const": "only", "title": "Only"}));
    assert_eq!(
        gemini(constant).unwrap()["properties"]["f"],
        json!({"type": "string", "enum": ["only"]})
    );
}

#[test]
fn plain_keeps_boolean_subschemas_and_turns_true_into_an_empty_schema() {
    let input = json!({
        "title": "B",
        "type": "object",
        "properties": {"never": false, "anything": true, "list": {"type": "array", "items": false}},
        "additionalProperties": true
    });
    assert_eq!(
        plain(input).unwrap(),
        json!({
            "type": "object",
            "properties": {
                "never": false,
                "anything": {},
                "list": {"type": "array", "items": false}
            },
            "additionalProperties": true
        })
    );
    let any = compile(&json!(true), SchemaDialect::JsonSchema).unwrap();
    assert!(any.wrapped);
    assert_eq!(
        any.schema,
        json!({
            "type": "object",
            "properties": {"value": {}},
            "required": ["value"],
            "additionalProperties": false
        })
    );
    error_at(strict(json!(true)), "$", "accepts any JSON value");
}

#[test]
fn a_root_that_is_only_a_ref_is_inlined() {
    let input = json!({
        "$ref": "#/$defs/P",
        "description": "outer",
        "$defs": {"P": {"type": "object", "properties": {"a": {"type": "boolean"}}, "required": ["a"]}}
    });
    let compiled = compile(&input, SchemaDialect::Gemini).unwrap();
    assert!(!compiled.wrapped);
    assert_eq!(
        compiled.schema,
        json!({
            "type": "object",
            "description": "outer",
            "properties": {"a": {"type": "boolean"}},
            "required": ["a"]
        })
    );
}

#[test]
fn malformed_schemas_are_errors() {
    error_at(strict(json!(42)), "$", "not a JSON Schema");
    error_at(
        strict(json!({"title": "X", "$defs": []})),
        "X",
        "`$defs` must be an object",
    );
    error_at(
        plain(with_field(json!({"$ref": "https://example.com/s.json"}))),
        "T.f",
        "unsupported `$ref`",
    );
    error_at(
        gemini(with_field(json!({"$ref": "#/$defs/Missing"}))),
        "T.f",
        "does not exist",
    );
    error_at(
        strict(with_field(json!({"$ref": "#/properties/g"}))),
        "T.f",
        "unsupported `$ref`",
    );
    error_at(
        plain(with_field(json!({"type": "object", "properties": ["a"]}))),
        "T.f",
        "`properties` must be an object",
    );
    error_at(
        plain(with_field(json!({"anyOf": {}}))),
        "T.f",
        "`anyOf` must be an array",
    );
    error_at(
        plain(with_field(json!("string"))),
        "T.f",
        "not a JSON Schema",
    );
    error_at(
        plain(json!({
            "title": "Loop",
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/A", "minLength": 1}},
            "$defs": {"A": {"$ref": "#/$defs/A", "maxLength": 1}}
        })),
        "Loop.a",
        "merging does not end",
    );
}
