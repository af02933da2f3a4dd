//! SchemaDialect-independent rewrites that turn schemars' composition patterns into plain nodes.
//!
//! - A `$ref` with constraining siblings (schemars writes
//!   `{"properties":{"type":{"const":"Square"}},"$ref":"#/$defs/Side"}` for an internally
//!   tagged newtype variant) becomes the target merged with the siblings.
//! - A one-part `allOf` is merged into its node.
//! - A node with both `properties` and a union (a `#[serde(flatten)]`ed enum) is distributed
//!   into the union: every branch gets the struct's fields. No target dialect accepts the mix
//!   (llama.cpp's grammar converter explicitly does not).
//!
//! A `$ref` with only annotation siblings (a doc comment on a field) is left alone: whether
//! it must be inlined depends on the dialect.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::document::Document;
use super::error::SchemaError;
use super::keywords::{self, MAX_MERGE_STEPS};

type Node = Map<String, Value>;

/// Applies the rewrites until none is left; a node that needs none is not copied.
pub(super) fn normalize<'n>(
    document: &Document,
    node: &'n Node,
    path: &str,
) -> Result<Cow<'n, Node>, SchemaError> {
    let mut current = Cow::Borrowed(node);
    for _ in 0..MAX_MERGE_STEPS {
        match step(document, &current, path)? {
            Some(next) => current = Cow::Owned(next),
            None => return Ok(current),
        }
    }
    Err(SchemaError::new(
        path,
        "`$ref`/`allOf` merging does not end: the references only point at each other",
    ))
}

/// One rewrite, or `None` when the node is already plain.
fn step(document: &Document, node: &Node, path: &str) -> Result<Option<Node>, SchemaError> {
    if let Some(reference) = node.get("$ref") {
        let Some(reference) = reference.as_str() else {
            return Err(SchemaError::new(path, "`$ref` must be a string"));
        };
        if node
            .keys()
            .all(|key| key == "$ref" || keywords::is_annotation(key))
        {
            return Ok(None);
        }
        let (_, target) = document.resolve(reference, path)?;
        let mut siblings = node.clone();
        siblings.remove("$ref");
        return merge_part(target, siblings, path).map(Some);
    }
    if let Some(parts) = node.get("allOf") {
        let Some(parts) = parts.as_array() else {
            return Err(SchemaError::new(
                path,
                "`allOf` must be an array of schemas",
            ));
        };
        // Several parts are left for the dialect to keep (plain) or reject (strict, Gemini).
        if let [part] = parts.as_slice() {
            let mut rest = node.clone();
            rest.remove("allOf");
            return merge_part(part, rest, path).map(Some);
        }
        return Ok(None);
    }
    let has_fields = node.contains_key("properties") || node.contains_key("required");
    let union_keys: Vec<&str> = ["anyOf", "oneOf"]
        .into_iter()
        .filter(|key| node.contains_key(*key))
        .collect();
    if let (true, [union_key]) = (has_fields, union_keys.as_slice()) {
        return distribute(node.clone(), union_key, path).map(Some);
    }
    Ok(None)
}

/// Merges `rest` (the node's own keywords, which win) into a schema that must also hold.
fn merge_part(part: &Value, rest: Node, path: &str) -> Result<Node, SchemaError> {
    match part {
        Value::Object(part) => Ok(keywords::merge(part.clone(), rest)),
        Value::Bool(true) => Ok(rest),
        _ => Err(SchemaError::new(
            path,
            "refers to a schema that accepts no value at all (`false`)",
        )),
    }
}

/// `{struct fields, anyOf: [A, B]}` → `{anyOf: [struct fields + A, struct fields + B]}`;
/// annotations such as the struct's description stay on the outer node.
fn distribute(mut node: Node, union_key: &str, path: &str) -> Result<Node, SchemaError> {
    let Some(Value::Array(branches)) = node.remove(union_key) else {
        return Err(SchemaError::new(
            path,
            format!("`{union_key}` must be an array of schemas"),
        ));
    };
    let (annotations, structure): (Node, Node) = node
        .into_iter()
        .partition(|(key, _)| keywords::is_annotation(key));
    let branches = branches
        .into_iter()
        .map(|branch| match branch {
            Value::Object(branch) => Value::Object(keywords::merge(structure.clone(), branch)),
            Value::Bool(true) => Value::Object(structure.clone()),
            other => other,
        })
        .collect();
    let mut distributed = annotations;
    distributed.insert(union_key.to_owned(), Value::Array(branches));
    Ok(distributed)
}
