//! Gemini's schema subset, as accepted by its OpenAI-compatible endpoint and by aggregators
//! (one-api, new-api) that copy `response_format.json_schema.schema` into `responseSchema`.
//!
//! Gemini's `Schema` is a protobuf message: `type` is one enum value, so type arrays fail
//! with "Proto field is not repeating", and unknown keywords fail with "Cannot find field".
//! Null is expressed with `nullable: true`, not with `anyOf` + `{"type":"null"}`: `nullable`
//! is a field of that message on every Gemini API version (and in the OpenAPI 3.0 subset it
//! is modelled on), while a `null` type only exists in newer versions and a lone
//! `{"type":"null"}` is rejected; aggregators that forward the schema to the native API
//! therefore also accept it. So `["T","null"]` becomes `"type":"T","nullable":true` and an
//! `anyOf` loses its null branch (collapsing to the one branch left, if so).
//!
//! Every `$ref` is inlined (a recursive type is an error naming it). `oneOf` becomes `anyOf`
//! (Gemini's `Schema` has `anyOf` but no `oneOf`; data-carrying enums need one of them),
//! `const` a one-value `enum`; enums must hold strings.
//! Kept: `type`, `nullable`, `properties`, `required`, `items`, `anyOf`, `enum`,
//! `description`, `format` (`enum`, `date-time`), `minimum`, `maximum`, `minItems`,
//! `maxItems`, `minLength`, `maxLength`, `pattern`, `minProperties`, `maxProperties`.
//! Rejected: maps, tuples, objects without properties, always-null values, several `allOf`
//! parts, `not`, `if`/`then`/`else`, `dependent*`, schemas that accept any value.
//! Dropped: everything else (`title`, `additionalProperties: false`, `default`,
//! `exclusiveMinimum`/`exclusiveMaximum`, `propertyNames`, `$schema`, unknown keywords…).

use serde_json::{Map, Value};

use super::error::SchemaError;
use super::keywords;
use super::openai::{reject_map, tuple_error};
use super::walk::{Rules, Walker, branch_path, count_non_null, items_path};

const DIALECT: &str = "Gemini's schema";

/// The [`Rules`] of Gemini's schema subset.
#[derive(Debug)]
pub(super) struct Gemini;

impl Rules for Gemini {
    const REF_SIBLINGS: bool = false;

    fn keeps_ref(_cyclic: bool) -> bool {
        false
    }

    fn boolean(accepts: bool, path: &str) -> Result<Value, SchemaError> {
        Err(if accepts {
            any_value_error(path)
        } else {
            SchemaError::new(path, "this schema accepts no value at all (`false`)")
        })
    }

    fn node(
        walker: &mut Walker<'_, Self>,
        node: &Map<String, Value>,
        path: &str,
    ) -> Result<Value, SchemaError> {
        compile_node(walker, node, path)
    }

    fn recursion_error(type_name: &str, path: &str) -> SchemaError {
        SchemaError::new(
            path,
            format!(
                "`{type_name}` contains itself: Gemini's schema has no `$ref`, so a recursive \
                 type cannot be expressed; bound the depth with separate types (e.g. children \
                 of a leaf type), or use the OpenAI strict or plain JSON Schema dialect"
            ),
        )
    }
}

fn compile_node(
    walker: &mut Walker<'_, Gemini>,
    node: &Map<String, Value>,
    path: &str,
) -> Result<Value, SchemaError> {
    if node.contains_key("anyOf") && node.contains_key("oneOf") {
        return Err(SchemaError::new(
            path,
            "both `anyOf` and `oneOf` on one schema; Gemini has only `anyOf`",
        ));
    }
    if keywords::is_object_node(node) {
        reject_map(node, path, DIALECT)?;
    }
    let mut out = Map::new();
    let mut nullable = false;
    let mut only_null = false;
    let mut union = None;
    for (key, value) in node {
        match key.as_str() {
            "type" => match single_type(value, path)? {
                TypeKeyword::Single(name, with_null) => {
                    out.insert(key.clone(), Value::from(name));
                    nullable |= with_null;
                }
                TypeKeyword::OnlyNull => only_null = true,
            },
            "nullable" => nullable |= value == &Value::Bool(true),
            "description" | "required" | "minimum" | "maximum" | "minItems" | "maxItems"
            | "minLength" | "maxLength" | "pattern" | "minProperties" | "maxProperties" => {
                out.insert(key.clone(), value.clone());
            }
            "format" if matches!(value.as_str(), Some("enum" | "date-time")) => {
                out.insert(key.clone(), value.clone());
            }
            "enum" | "const" => {
                let values = match (key.as_str(), value) {
                    ("enum", Value::Array(values)) => values.as_slice(),
                    ("const", value) => std::slice::from_ref(value),
                    _ => return Err(SchemaError::new(path, "`enum` must be an array")),
                };
                let (strings, had_null) = string_enum(values, path)?;
                nullable |= had_null;
                out.insert("enum".to_owned(), Value::Array(strings));
            }
            "properties" => {
                let properties = walker.schema_map(value, path, key)?;
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" => {
                let items = walker.schema(value, &items_path(path))?;
                out.insert(key.clone(), items);
            }
            "anyOf" | "oneOf" => {
                let (branches, had_null) = compile_union(walker, value, path, key)?;
                nullable |= had_null;
                union = Some(branches);
            }
            "prefixItems" => return Err(tuple_error(path)),
            "allOf" => {
                return Err(SchemaError::new(
                    path,
                    "`allOf` with several parts is not supported by Gemini; use one struct \
                     with all the fields",
                ));
            }
            "not" | "if" | "then" | "else" | "dependentRequired" | "dependentSchemas" => {
                return Err(SchemaError::new(
                    path,
                    format!("`{key}` is not supported by Gemini; remove it from the type's schema"),
                ));
            }
            _ => {}
        }
    }
    if let Some(mut branches) = union {
        if branches.len() == 1 {
            // `Option<Struct>` arrives as `anyOf: [Struct, null]`: keep the struct itself, with
            // the field's own annotations on top.
            if let Some(Value::Object(branch)) = branches.pop() {
                out = keywords::merge(branch, out);
            }
        } else if branches.is_empty() {
            only_null = true;
        } else {
            out.insert("anyOf".to_owned(), Value::Array(branches));
        }
    }
    check_shape(&mut out, only_null, path)?;
    if nullable {
        mark_nullable(&mut out);
    }
    Ok(Value::Object(out))
}

/// Rejects what Gemini cannot take and fills in a `type` it requires.
fn check_shape(
    out: &mut Map<String, Value>,
    only_null: bool,
    path: &str,
) -> Result<(), SchemaError> {
    let has_type = out.contains_key("type");
    if only_null && !has_type && !out.contains_key("anyOf") {
        return Err(SchemaError::new(
            path,
            "a value that is always null (a unit struct or `()`) cannot be expressed in \
             Gemini's schema; remove the field or give it a type",
        ));
    }
    if !has_type && out.contains_key("enum") {
        out.insert("type".to_owned(), Value::from("string"));
    }
    match out.get("type").and_then(Value::as_str) {
        Some("object") => {
            let empty = out
                .get("properties")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty);
            if empty {
                return Err(SchemaError::new(
                    path,
                    "Gemini rejects an object without properties (an empty struct); add a \
                     field or remove this one",
                ));
            }
        }
        Some("array") if !out.contains_key("items") => {
            return Err(SchemaError::new(
                path,
                "an array without an item schema cannot be expressed in Gemini's schema; give \
                 the `Vec` a concrete element type",
            ));
        }
        Some(_) => {}
        None if out.contains_key("anyOf") => {}
        None => return Err(any_value_error(path)),
    }
    Ok(())
}

/// What a `type` keyword says, once `null` is taken out of it.
enum TypeKeyword {
    /// One type, and whether `null` was listed next to it.
    Single(String, bool),
    OnlyNull,
}

fn single_type(value: &Value, path: &str) -> Result<TypeKeyword, SchemaError> {
    let names: Vec<&str> = match value {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        _ => {
            return Err(SchemaError::new(
                path,
                "`type` must be a string or an array",
            ));
        }
    };
    let with_null = names.contains(&"null");
    let others: Vec<&str> = names.into_iter().filter(|name| *name != "null").collect();
    match others.as_slice() {
        [] => Ok(TypeKeyword::OnlyNull),
        [name] => Ok(TypeKeyword::Single((*name).to_owned(), with_null)),
        _ => Err(SchemaError::new(
            path,
            format!(
                "several types ({}) in one schema; Gemini takes one type per schema: use an \
                 untagged enum with one variant per type",
                others.join(", ")
            ),
        )),
    }
}

fn string_enum(values: &[Value], path: &str) -> Result<(Vec<Value>, bool), SchemaError> {
    let mut strings = Vec::with_capacity(values.len());
    let mut had_null = false;
    for value in values {
        match value {
            Value::Null => had_null = true,
            Value::String(_) => strings.push(value.clone()),
            other => {
                return Err(SchemaError::new(
                    path,
                    format!(
                        "Gemini enums hold strings only, found `{other}`; use a string enum \
                         (a unit-variant Rust enum) instead"
                    ),
                ));
            }
        }
    }
    Ok((strings, had_null))
}

/// Compiles the branches of a union, leaving out `{"type":"null"}` ones.
fn compile_union(
    walker: &mut Walker<'_, Gemini>,
    value: &Value,
    path: &str,
    keyword: &str,
) -> Result<(Vec<Value>, bool), SchemaError> {
    let Some(branches) = value.as_array() else {
        return Err(SchemaError::new(
            path,
            format!("`{keyword}` must be an array of schemas"),
        ));
    };
    let single = count_non_null(branches) == 1;
    let mut compiled = Vec::with_capacity(branches.len());
    let mut had_null = false;
    for (index, branch) in branches.iter().enumerate() {
        if keywords::is_null_schema(branch) {
            had_null = true;
        } else {
            let branch_path = branch_path(path, keyword, index, single);
            compiled.push(walker.schema(branch, &branch_path)?);
        }
    }
    Ok((compiled, had_null))
}

/// Puts `nullable: true` on the node, or on every branch of a union (Gemini wants it next
/// to a `type`).
fn mark_nullable(out: &mut Map<String, Value>) {
    if let Some(Value::Array(branches)) = out.get_mut("anyOf") {
        for branch in branches.iter_mut() {
            if let Value::Object(branch) = branch {
                branch.insert("nullable".to_owned(), Value::Bool(true));
            }
        }
    } else {
        out.insert("nullable".to_owned(), Value::Bool(true));
    }
}

fn any_value_error(path: &str) -> SchemaError {
    SchemaError::new(
        path,
        "this schema accepts any JSON value (e.g. `serde_json::Value`), which Gemini's schema \
         cannot express; use a concrete type",
    )
}
