//! The zoo: for each Rust type, the exact schema (or error) in every dialect.

use serde_json::{Value, json};

use super::super::{SchemaDialect, compile};
use super::zoo_types::*;

/// What one dialect must produce.
enum Expect {
    Schema {
        wrapped: bool,
        schema: Value,
    },
    Fails {
        path: &'static str,
        reason: &'static str,
    },
}

/// An object root, sent as is.
fn object(schema: Value) -> Expect {
    Expect::Schema {
        wrapped: false,
        schema,
    }
}

/// A non-object root, sent inside `{"value": …}`.
fn wrapped(schema: Value) -> Expect {
    Expect::Schema {
        wrapped: true,
        schema,
    }
}

/// A [`SchemaError`](super::super::SchemaError) at exactly `path`, whose reason contains
/// `reason`.
fn fails(path: &'static str, reason: &'static str) -> Expect {
    Expect::Fails { path, reason }
}

fn check(input: &Value, dialect: SchemaDialect, expect: Expect) {
    match (compile(input, dialect), expect) {
        (Ok(compiled), Expect::Schema { wrapped, schema }) => {
            assert_eq!(
                super::sorted_required(&compiled.schema),
                super::sorted_required(&schema),
                "{dialect:?}: got {}",
                serde_json::to_string_pretty(&compiled.schema).unwrap_or_default()
            );
            assert_eq!(compiled.wrapped, wrapped, "{dialect:?}: wrapped");
        }
        (Err(error), Expect::Fails { path, reason }) => {
            assert_eq!(error.path, path, "{dialect:?}: error path of {error}");
            assert!(
                error.reason.contains(reason),
                "{dialect:?}: `{}` does not contain `{reason}`",
                error.reason
            );
        }
        (Ok(compiled), Expect::Fails { path, .. }) => {
            panic!(
                "{dialect:?}: expected an error at {path}, got {}",
                compiled.schema
            )
        }
        (Err(error), Expect::Schema { .. }) => panic!("{dialect:?}: unexpected error: {error}"),
    }
}

/// One test per type: `name: Type => { strict: …, gemini: …, plain: … }`.
macro_rules! zoo {
    ($($test:ident: $ty:ty => {
        strict: $strict:expr,
        gemini: $gemini:expr,
        plain: $plain:expr $(,)?
    },)*) => {
        $(
            #[test]
            fn $test() {
                let input = schemars::schema_for!($ty).to_value();
                check(&input, SchemaDialect::OpenAiStrict, $strict);
                check(&input, SchemaDialect::Gemini, $gemini);
                check(&input, SchemaDialect::JsonSchema, $plain);
            }
        )*
    };
}

zoo! {
    person: Person => {
        strict: object(json!({
            "type": "object",
            "description": "A person mentioned in the text.",
            "properties": {
                "age": {"type": ["integer", "null"], "minimum": 0, "maximum": 255},
                "fullName": {"type": "string", "description": "Full name, as written."},
                "home": {
                    "type": "object",
                    "description": "Where they live.",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street", "zip"],
                    "additionalProperties": false
                },
                "nickname": {"type": ["string", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "work": {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]}
            },
            "required": ["age", "fullName", "home", "nickname", "tags", "work"],
            "additionalProperties": false,
            "$defs": {
                "Address": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street", "zip"],
                    "additionalProperties": false
                }
            }
        })),
        gemini: object(json!({
            "type": "object",
            "description": "A person mentioned in the text.",
            "properties": {
                "age": {"type": "integer", "nullable": true, "minimum": 0, "maximum": 255},
                "fullName": {"type": "string", "description": "Full name, as written."},
                "home": {
                    "type": "object",
                    "description": "Where they live.",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street", "zip"]
                },
                "nickname": {"type": "string", "nullable": true},
                "tags": {"type": "array", "items": {"type": "string"}},
                "work": {
                    "type": "object",
                    "nullable": true,
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street", "zip"]
                }
            },
            "required": ["fullName", "home", "tags"]
        })),
        plain: object(json!({
            "type": "object",
            "description": "A person mentioned in the text.",
            "properties": {
                "age": {"type": ["integer", "null"], "minimum": 0, "maximum": 255},
                "fullName": {"type": "string", "description": "Full name, as written."},
                "home": {
                    "type": "object",
                    "description": "Where they live.",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street", "zip"],
                    "additionalProperties": false
                },
                "nickname": {"type": ["string", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "work": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                            "required": ["street", "zip"],
                            "additionalProperties": false
                        },
                        {"type": "null"}
                    ]
                }
            },
            "required": ["fullName", "home", "tags"],
            "additionalProperties": false
        })),
    },
    unit_enum_root: Sentiment => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]}},
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]}},
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]}},
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    vec_of_enums: Review => {
        strict: object(json!({
            "type": "object",
            "properties": {
                "overall": {"$ref": "#/$defs/Sentiment"},
                "per_sentence": {"type": "array", "items": {"$ref": "#/$defs/Sentiment"}}
            },
            "required": ["overall", "per_sentence"],
            "additionalProperties": false,
            "$defs": {"Sentiment": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]}}
        })),
        gemini: object(json!({
            "type": "object",
            "properties": {
                "overall": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]},
                "per_sentence": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]}
                }
            },
            "required": ["overall", "per_sentence"]
        })),
        plain: object(json!({
            "type": "object",
            "properties": {
                "overall": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]},
                "per_sentence": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["Positive", "Negative", "Neutral"]}
                }
            },
            "required": ["overall", "per_sentence"],
            "additionalProperties": false
        })),
    },
    documented_unit_enum: Priority => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "description": "How urgent a ticket is.",
                    "anyOf": [
                        {"type": "string", "description": "Can wait.", "enum": ["LOW"]},
                        {
                            "type": "string",
                            "description": "Needs a human today.",
                            "enum": ["RIGHT_NOW"]
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "description": "How urgent a ticket is.",
                    "anyOf": [
                        {"type": "string", "description": "Can wait.", "enum": ["LOW"]},
                        {
                            "type": "string",
                            "description": "Needs a human today.",
                            "enum": ["RIGHT_NOW"]
                        }
                    ]
                }
            },
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "description": "How urgent a ticket is.",
                    "oneOf": [
                        {"type": "string", "description": "Can wait.", "const": "LOW"},
                        {
                            "type": "string",
                            "description": "Needs a human today.",
                            "const": "RIGHT_NOW"
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    internally_tagged: Figure => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "radius": {"type": "number"},
                                "type": {"type": "string", "enum": ["Circle"]}
                            },
                            "required": ["radius", "type"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "length": {"type": "number"},
                                "type": {"type": "string", "enum": ["Square"]}
                            },
                            "required": ["length", "type"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {"type": {"type": "string", "enum": ["Nothing"]}},
                            "required": ["type"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "radius": {"type": "number"},
                                "type": {"type": "string", "enum": ["Circle"]}
                            },
                            "required": ["type", "radius"]
                        },
                        {
                            "type": "object",
                            "properties": {
                                "length": {"type": "number"},
                                "type": {"type": "string", "enum": ["Square"]}
                            },
                            "required": ["length", "type"]
                        },
                        {
                            "type": "object",
                            "properties": {"type": {"type": "string", "enum": ["Nothing"]}},
                            "required": ["type"]
                        }
                    ]
                }
            },
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {
                                "radius": {"type": "number"},
                                "type": {"type": "string", "const": "Circle"}
                            },
                            "required": ["type", "radius"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "length": {"type": "number"},
                                "type": {"type": "string", "const": "Square"}
                            },
                            "required": ["length", "type"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {"type": {"type": "string", "const": "Nothing"}},
                            "required": ["type"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    adjacently_tagged: Event => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "data": {
                                    "type": "object",
                                    "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                                    "required": ["x", "y"],
                                    "additionalProperties": false
                                },
                                "kind": {"type": "string", "enum": ["Click"]}
                            },
                            "required": ["data", "kind"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "data": {"type": "string"},
                                "kind": {"type": "string", "enum": ["Key"]}
                            },
                            "required": ["data", "kind"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {"kind": {"type": "string", "enum": ["Quit"]}},
                            "required": ["kind"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "data": {
                                    "type": "object",
                                    "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                                    "required": ["x", "y"]
                                },
                                "kind": {"type": "string", "enum": ["Click"]}
                            },
                            "required": ["kind", "data"]
                        },
                        {
                            "type": "object",
                            "properties": {
                                "data": {"type": "string"},
                                "kind": {"type": "string", "enum": ["Key"]}
                            },
                            "required": ["kind", "data"]
                        },
                        {
                            "type": "object",
                            "properties": {"kind": {"type": "string", "enum": ["Quit"]}},
                            "required": ["kind"]
                        }
                    ]
                }
            },
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {
                                "data": {
                                    "type": "object",
                                    "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                                    "required": ["x", "y"],
                                    "additionalProperties": false
                                },
                                "kind": {"type": "string", "const": "Click"}
                            },
                            "required": ["kind", "data"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "data": {"type": "string"},
                                "kind": {"type": "string", "const": "Key"}
                            },
                            "required": ["kind", "data"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {"kind": {"type": "string", "const": "Quit"}},
                            "required": ["kind"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    untagged: Loose => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {"anyOf": [{"type": "number"}, {"type": "string"}, {"$ref": "#/$defs/Side"}]}
            },
            "required": ["value"],
            "additionalProperties": false,
            "$defs": {
                "Side": {
                    "type": "object",
                    "properties": {"length": {"type": "number"}},
                    "required": ["length"],
                    "additionalProperties": false
                }
            }
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {"type": "number"},
                        {"type": "string"},
                        {
                            "type": "object",
                            "properties": {"length": {"type": "number"}},
                            "required": ["length"]
                        }
                    ]
                }
            },
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {"type": "number"},
                        {"type": "string"},
                        {
                            "type": "object",
                            "properties": {"length": {"type": "number"}},
                            "required": ["length"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    externally_tagged: Command => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {"type": "string", "enum": ["Stop"]},
                        {
                            "type": "object",
                            "properties": {
                                "Move": {
                                    "type": "object",
                                    "properties": {"dx": {"type": "integer"}, "dy": {"type": "integer"}},
                                    "required": ["dx", "dy"],
                                    "additionalProperties": false
                                }
                            },
                            "required": ["Move"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {"Say": {"type": "string"}},
                            "required": ["Say"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {"type": "string", "enum": ["Stop"]},
                        {
                            "type": "object",
                            "properties": {
                                "Move": {
                                    "type": "object",
                                    "properties": {"dx": {"type": "integer"}, "dy": {"type": "integer"}},
                                    "required": ["dx", "dy"]
                                }
                            },
                            "required": ["Move"]
                        },
                        {
                            "type": "object",
                            "properties": {"Say": {"type": "string"}},
                            "required": ["Say"]
                        }
                    ]
                }
            },
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "oneOf": [
                        {"type": "string", "enum": ["Stop"]},
                        {
                            "type": "object",
                            "properties": {
                                "Move": {
                                    "type": "object",
                                    "properties": {"dx": {"type": "integer"}, "dy": {"type": "integer"}},
                                    "required": ["dx", "dy"],
                                    "additionalProperties": false
                                }
                            },
                            "required": ["Move"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {"Say": {"type": "string"}},
                            "required": ["Say"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    newtype_struct: Meters => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "number"}},
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({"type": "object", "properties": {"value": {"type": "number"}}, "required": ["value"]})),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "number"}},
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    hash_map_field: Inventory => {
        strict: fails("Inventory.counts", "a map (HashMap, BTreeMap"),
        gemini: fails("Inventory.counts", "a map (HashMap, BTreeMap"),
        plain: object(json!({
            "type": "object",
            "properties": {
                "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
            },
            "required": ["counts"],
            "additionalProperties": false
        })),
    },
    enum_keyed_map_field: Scores => {
        strict: object(json!({
            "type": "object",
            "properties": {
                "by_sentiment": {
                    "type": "object",
                    "properties": {
                        "Negative": {"type": "number"},
                        "Neutral": {"type": "number"},
                        "Positive": {"type": "number"}
                    },
                    "required": ["Negative", "Neutral", "Positive"],
                    "additionalProperties": false
                }
            },
            "required": ["by_sentiment"],
            "additionalProperties": false
        })),
        gemini: object(json!({
            "type": "object",
            "properties": {
                "by_sentiment": {
                    "type": "object",
                    "properties": {
                        "Negative": {"type": "number"},
                        "Neutral": {"type": "number"},
                        "Positive": {"type": "number"}
                    }
                }
            },
            "required": ["by_sentiment"]
        })),
        plain: object(json!({
            "type": "object",
            "properties": {
                "by_sentiment": {
                    "type": "object",
                    "properties": {
                        "Negative": {"type": "number"},
                        "Neutral": {"type": "number"},
                        "Positive": {"type": "number"}
                    },
                    "additionalProperties": false
                }
            },
            "required": ["by_sentiment"],
            "additionalProperties": false
        })),
    },
    btree_map_field: PriceList => {
        strict: fails("PriceList.prices", "a map (HashMap, BTreeMap"),
        gemini: fails("PriceList.prices", "a map (HashMap, BTreeMap"),
        plain: object(json!({
            "type": "object",
            "properties": {
                "currency": {"type": "string"},
                "prices": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"length": {"type": "number"}},
                        "required": ["length"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["currency", "prices"],
            "additionalProperties": false
        })),
    },
    recursive_root: Node => {
        strict: object(json!({
            "type": "object",
            "description": "A tree node.",
            "properties": {"children": {"type": "array", "items": {"$ref": "#"}}, "label": {"type": "string"}},
            "required": ["children", "label"],
            "additionalProperties": false
        })),
        gemini: fails("Node.children[]", "`Node` contains itself"),
        plain: object(json!({
            "type": "object",
            "description": "A tree node.",
            "properties": {
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                "label": {"type": "string"}
            },
            "required": ["label", "children"],
            "additionalProperties": false,
            "$defs": {
                "Node": {
                    "type": "object",
                    "description": "A tree node.",
                    "properties": {
                        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                        "label": {"type": "string"}
                    },
                    "required": ["label", "children"],
                    "additionalProperties": false
                }
            }
        })),
    },
    recursive_definition: Chain => {
        strict: object(json!({
            "type": "object",
            "properties": {"head": {"anyOf": [{"$ref": "#/$defs/Link"}, {"type": "null"}]}},
            "required": ["head"],
            "additionalProperties": false,
            "$defs": {
                "Link": {
                    "type": "object",
                    "properties": {
                        "next": {"anyOf": [{"$ref": "#/$defs/Link"}, {"type": "null"}]},
                        "value": {"type": "integer", "minimum": 0}
                    },
                    "required": ["next", "value"],
                    "additionalProperties": false
                }
            }
        })),
        gemini: fails("Chain.head.next", "`Link` contains itself"),
        plain: object(json!({
            "type": "object",
            "properties": {"head": {"anyOf": [{"$ref": "#/$defs/Link"}, {"type": "null"}]}},
            "additionalProperties": false,
            "$defs": {
                "Link": {
                    "type": "object",
                    "properties": {
                        "next": {"anyOf": [{"$ref": "#/$defs/Link"}, {"type": "null"}]},
                        "value": {"type": "integer", "minimum": 0}
                    },
                    "required": ["value"],
                    "additionalProperties": false
                }
            }
        })),
    },
    recursive_untagged_root: Tree => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"$ref": "#/$defs/Tree"}},
            "required": ["value"],
            "additionalProperties": false,
            "$defs": {
                "Tree": {
                    "anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/$defs/Tree"}}]
                }
            }
        })),
        gemini: fails("Tree.anyOf[1][]", "`Tree` contains itself"),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"$ref": "#/$defs/Tree"}},
            "required": ["value"],
            "additionalProperties": false,
            "$defs": {
                "Tree": {
                    "anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/$defs/Tree"}}]
                }
            }
        })),
    },
    integer_formats: Numbers => {
        strict: object(json!({
            "type": "object",
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "maybe": {"type": ["integer", "null"], "minimum": 0},
                "precise": {"type": "number"},
                "ratio": {"type": "number"},
                "tiny": {"type": "integer", "minimum": -128, "maximum": 127}
            },
            "required": ["count", "maybe", "precise", "ratio", "tiny"],
            "additionalProperties": false
        })),
        gemini: object(json!({
            "type": "object",
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "maybe": {"type": "integer", "nullable": true, "minimum": 0},
                "precise": {"type": "number"},
                "ratio": {"type": "number"},
                "tiny": {"type": "integer", "minimum": -128, "maximum": 127}
            },
            "required": ["tiny", "count", "ratio", "precise"]
        })),
        plain: object(json!({
            "type": "object",
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "maybe": {"type": ["integer", "null"], "minimum": 0},
                "precise": {"type": "number"},
                "ratio": {"type": "number"},
                "tiny": {"type": "integer", "minimum": -128, "maximum": 127}
            },
            "required": ["tiny", "count", "ratio", "precise"],
            "additionalProperties": false
        })),
    },
    serde_default_fields: Settings => {
        strict: object(json!({
            "type": "object",
            "properties": {
                "labels": {"type": "array", "items": {"type": "string"}},
                "name": {"type": "string"},
                "retries": {"type": "integer", "minimum": 0}
            },
            "required": ["labels", "name", "retries"],
            "additionalProperties": false
        })),
        gemini: object(json!({
            "type": "object",
            "properties": {
                "labels": {"type": "array", "items": {"type": "string"}},
                "name": {"type": "string"},
                "retries": {"type": "integer", "minimum": 0}
            },
            "required": ["name"]
        })),
        plain: object(json!({
            "type": "object",
            "properties": {
                "labels": {"type": "array", "items": {"type": "string"}, "default": []},
                "name": {"type": "string"},
                "retries": {"type": "integer", "minimum": 0, "default": 0}
            },
            "required": ["name"],
            "additionalProperties": false
        })),
    },
    flattened_enum: Envelope => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "radius": {"type": "number"},
                                "type": {"type": "string", "enum": ["Circle"]}
                            },
                            "required": ["id", "radius", "type"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "length": {"type": "number"},
                                "type": {"type": "string", "enum": ["Square"]}
                            },
                            "required": ["id", "length", "type"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "type": {"type": "string", "enum": ["Nothing"]}
                            },
                            "required": ["id", "type"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "radius": {"type": "number"},
                                "type": {"type": "string", "enum": ["Circle"]}
                            },
                            "required": ["id", "type", "radius"]
                        },
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "length": {"type": "number"},
                                "type": {"type": "string", "enum": ["Square"]}
                            },
                            "required": ["length", "id", "type"]
                        },
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "type": {"type": "string", "enum": ["Nothing"]}
                            },
                            "required": ["id", "type"]
                        }
                    ]
                }
            },
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "radius": {"type": "number"},
                                "type": {"type": "string", "const": "Circle"}
                            },
                            "required": ["id", "type", "radius"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "length": {"type": "number"},
                                "type": {"type": "string", "const": "Square"}
                            },
                            "required": ["length", "id", "type"],
                            "additionalProperties": false
                        },
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 0},
                                "type": {"type": "string", "const": "Nothing"}
                            },
                            "required": ["id", "type"],
                            "additionalProperties": false
                        }
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    tuple_field: Segment => {
        strict: fails("Segment.ends", "a tuple"),
        gemini: fails("Segment.ends", "a tuple"),
        plain: object(json!({
            "type": "object",
            "properties": {
                "ends": {
                    "type": "array",
                    "prefixItems": [{"type": "integer"}, {"type": "integer"}],
                    "minItems": 2,
                    "maxItems": 2
                }
            },
            "required": ["ends"],
            "additionalProperties": false
        })),
    },
    any_value_field: Raw => {
        strict: fails("Raw.payload", "accepts any JSON value"),
        gemini: fails("Raw.payload", "accepts any JSON value"),
        plain: object(json!({
            "type": "object",
            "properties": {"payload": {}},
            "required": ["payload"],
            "additionalProperties": false
        })),
    },
    bool_root: bool => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "boolean"}},
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({"type": "object", "properties": {"value": {"type": "boolean"}}, "required": ["value"]})),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "boolean"}},
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    number_root: f64 => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "number"}},
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({"type": "object", "properties": {"value": {"type": "number"}}, "required": ["value"]})),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "number"}},
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    string_root: String => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "string"}},
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({"type": "object", "properties": {"value": {"type": "string"}}, "required": ["value"]})),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "string"}},
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    vec_of_string_root: Vec<String> => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "array", "items": {"type": "string"}}},
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "array", "items": {"type": "string"}}},
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "array", "items": {"type": "string"}}},
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    option_u32_root: Option<u32> => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": ["integer", "null"], "minimum": 0}},
            "required": ["value"],
            "additionalProperties": false
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": "integer", "nullable": true, "minimum": 0}},
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {"value": {"type": ["integer", "null"], "minimum": 0}},
            "required": ["value"],
            "additionalProperties": false
        })),
    },
    option_struct_root: Option<Address> => {
        strict: wrapped(json!({
            "type": "object",
            "properties": {"value": {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]}},
            "required": ["value"],
            "additionalProperties": false,
            "$defs": {
                "Address": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street", "zip"],
                    "additionalProperties": false
                }
            }
        })),
        gemini: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "type": "object",
                    "nullable": true,
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street", "zip"]
                }
            },
            "required": ["value"]
        })),
        plain: wrapped(json!({
            "type": "object",
            "properties": {
                "value": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                            "required": ["street", "zip"],
                            "additionalProperties": false
                        },
                        {"type": "null"}
                    ]
                }
            },
            "required": ["value"],
            "additionalProperties": false
        })),
    },
}
