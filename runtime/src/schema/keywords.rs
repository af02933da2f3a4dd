//! Small facts about JSON Schema keywords and edits every dialect shares.

use serde_json::{Map, Value};

use super::document::Document;

/// Caps loops that merge a `$ref` target or an `allOf` part into a node, so a hand-built
/// schema whose references only point at each other ends in an error instead of a hang.
pub(super) const MAX_MERGE_STEPS: usize = 64;

/// How deep [`admits_null`] follows `$ref`s before giving up (and answering "no").
const MAX_NULL_REF_DEPTH: usize = 16;

/// Keywords that describe a value without constraining it.
pub(super) fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "description"
            | "title"
            | "default"
            | "examples"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "$comment"
    )
}

/// Keywords whose value is JSON data rather than a schema: walks must not look for `$ref`s
/// (or anything else) inside them.
pub(super) fn is_data_keyword(key: &str) -> bool {
    matches!(key, "enum" | "const" | "default" | "examples")
}

/// Combines two schemas that must both hold (a `$ref` and its siblings, an `allOf` part and
/// the rest of the node, a flattened struct and one enum variant). `properties` and
/// `required` are unions (the base's entries first); for any other keyword the overlay wins.
pub(super) fn merge(base: Map<String, Value>, overlay: Map<String, Value>) -> Map<String, Value> {
    let mut merged = base;
    for (key, value) in overlay {
        match (key.as_str(), merged.get_mut(&key), value) {
            ("properties", Some(Value::Object(existing)), Value::Object(added)) => {
                existing.extend(added);
            }
            ("required", Some(Value::Array(existing)), Value::Array(added)) => {
                for name in added {
                    if !existing.contains(&name) {
                        existing.push(name);
                    }
                }
            }
            (_, _, value) => {
                merged.insert(key, value);
            }
        }
    }
    merged
}

/// The `type` keyword as a list of names (empty when absent or malformed).
pub(super) fn type_names(node: &Map<String, Value>) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a node describes an object (by `type`, or by having `properties`).
pub(super) fn is_object_node(node: &Map<String, Value>) -> bool {
    type_names(node).contains(&"object") || node.contains_key("properties")
}

/// A root that can be sent without wrapping: exactly `"type": "object"`, not nullable, not
/// a union or reference.
pub(super) fn is_plain_object(schema: &Value) -> bool {
    let Some(node) = schema.as_object() else {
        return false;
    };
    node.get("type").and_then(Value::as_str) == Some("object")
        && node.get("nullable") != Some(&Value::Bool(true))
        && !["anyOf", "oneOf", "allOf", "$ref"]
            .iter()
            .any(|key| node.contains_key(*key))
}

/// Whether a schema is exactly the `null` type (the second branch of an `Option`).
pub(super) fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// Whether `null` is a valid value, following `$ref`s into the input definitions.
pub(super) fn admits_null(document: &Document, schema: &Value) -> bool {
    admits_null_at(document, schema, 0)
}

fn admits_null_at(document: &Document, schema: &Value, depth: usize) -> bool {
    let node = match schema {
        Value::Bool(accepts) => return *accepts,
        Value::Object(node) => node,
        _ => return false,
    };
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        return depth < MAX_NULL_REF_DEPTH
            && document
                .resolve(reference, "")
                .is_ok_and(|(_, target)| admits_null_at(document, target, depth + 1));
    }
    admits_null_here(node)
        || ["anyOf", "oneOf"].iter().any(|key| {
            node.get(*key)
                .and_then(Value::as_array)
                .is_some_and(|branches| {
                    branches
                        .iter()
                        .any(|branch| admits_null_at(document, branch, depth + 1))
                })
        })
}

/// Whether this node itself (not its branches) lets `null` through.
fn admits_null_here(node: &Map<String, Value>) -> bool {
    type_names(node).contains(&"null")
        || node.get("nullable") == Some(&Value::Bool(true))
        || node.get("const") == Some(&Value::Null)
        || node
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.contains(&Value::Null))
}

/// Makes a compiled node accept `null` as well: a `null` type next to a single type, a
/// `{"type":"null"}` branch in a union, or a union around anything else. An `enum` gets a
/// `null` member too, since the enum alone would still reject it.
pub(super) fn add_null(schema: Value) -> Value {
    let mut node = match schema {
        Value::Object(node) => node,
        other => return other,
    };
    if admits_null_here(&node) {
        return Value::Object(node);
    }
    let null_branch = || Value::Object(Map::from_iter([("type".to_owned(), Value::from("null"))]));
    if !node.contains_key("$ref") {
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = node.get_mut(key) {
                branches.push(null_branch());
                return Value::Object(node);
            }
        }
        let typed = match node.get_mut("type") {
            Some(node_type @ Value::String(_)) => {
                let single = std::mem::take(node_type);
                *node_type = Value::Array(vec![single, Value::from("null")]);
                true
            }
            Some(Value::Array(names)) => {
                names.push(Value::from("null"));
                true
            }
            _ => false,
        };
        if let Some(Value::Array(values)) = node.get_mut("enum") {
            values.push(Value::Null);
            return Value::Object(node);
        }
        if typed {
            return Value::Object(node);
        }
    }
    let mut union = Map::new();
    union.insert(
        "anyOf".to_owned(),
        Value::Array(vec![Value::Object(node), null_branch()]),
    );
    Value::Object(union)
}

/// Escapes a definition name for use in a JSON pointer.
pub(super) fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Points every `"$ref": "#"` at `target` (once the root has moved into `$defs`).
pub(super) fn rewrite_root_refs(schema: &mut Value, target: &str) {
    match schema {
        Value::Object(node) => {
            for (key, child) in node.iter_mut() {
                if key == "$ref" {
                    if child.as_str() == Some("#") {
                        *child = Value::from(target);
                    }
                } else if !is_data_keyword(key) {
                    rewrite_root_refs(child, target);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_root_refs(item, target);
            }
        }
        _ => {}
    }
}
