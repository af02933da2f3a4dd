//! Plain JSON Schema (2020-12) for local servers and prompts.
//!
//! Kept simple for the grammar converters of llama.cpp and llama-cpp-python: `$ref`s are
//! inlined (their nested-`$ref` resolution is unreliable), except where a type contains
//! itself: those definitions stay in `$defs`, and a root that refers to itself moves there
//! too, since the converters only resolve `#/…` pointers, not `"#"`. Structs get
//! `additionalProperties: false` (llama.cpp's default, said out loud for other servers and
//! for readers). A struct with a flattened enum becomes a union of complete objects, since
//! the converters cannot mix `properties` with `anyOf`.
//!
//! Kept: the standard validation and annotation keywords, `oneOf`, `allOf`, `const`,
//! `default`, `required` lists as derived. `format` is kept only where the converters build a
//! grammar for it (`date`, `time`, `date-time`, `uuid`); others (`uint8`, `double`, `email`,
//! `uri`…) are dropped. Dropped as well: `$schema`, `$id`, `$comment`, the root `title`
//! (it is the name), unknown and `x-` keywords. `true` becomes `{}`. Nothing is rejected
//! except malformed schemas.

use serde_json::{Map, Value};

use super::error::SchemaError;
use super::keywords;
use super::walk::{Rules, Walker, items_path};

/// Formats llama.cpp's converter turns into a grammar rule.
const FORMATS: &[&str] = &["date", "time", "date-time", "uuid"];

/// The [`Rules`] of plain JSON Schema.
#[derive(Debug)]
pub(super) struct Plain;

impl Rules for Plain {
    const REF_SIBLINGS: bool = true;

    fn keeps_ref(cyclic: bool) -> bool {
        cyclic
    }

    fn boolean(accepts: bool, _path: &str) -> Result<Value, SchemaError> {
        Ok(if accepts {
            Value::Object(Map::new())
        } else {
            Value::Bool(false)
        })
    }

    fn node(
        walker: &mut Walker<'_, Self>,
        node: &Map<String, Value>,
        path: &str,
    ) -> Result<Value, SchemaError> {
        compile_node(walker, node, path)
    }
}

fn compile_node(
    walker: &mut Walker<'_, Plain>,
    node: &Map<String, Value>,
    path: &str,
) -> Result<Value, SchemaError> {
    let mut out = Map::new();
    let mut nullable = false;
    for (key, value) in node {
        match key.as_str() {
            "type" | "enum" | "const" | "description" | "title" | "default" | "examples"
            | "deprecated" | "readOnly" | "writeOnly" | "required" | "minimum" | "maximum"
            | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" | "minLength"
            | "maxLength" | "pattern" | "minItems" | "maxItems" | "uniqueItems" | "minContains"
            | "maxContains" | "minProperties" | "maxProperties" | "dependentRequired"
            | "contentEncoding" | "contentMediaType" => {
                out.insert(key.clone(), value.clone());
            }
            "format"
                if value
                    .as_str()
                    .is_some_and(|format| FORMATS.contains(&format)) =>
            {
                out.insert(key.clone(), value.clone());
            }
            // An OpenAPI-style flag (schemars' openapi3 settings) said the JSON Schema way.
            "nullable" => nullable = value == &Value::Bool(true),
            "properties" | "patternProperties" | "dependentSchemas" => {
                let schemas = walker.schema_map(value, path, key)?;
                out.insert(key.clone(), Value::Object(schemas));
            }
            "items"
            | "additionalProperties"
            | "contains"
            | "propertyNames"
            | "not"
            | "if"
            | "then"
            | "else"
            | "unevaluatedProperties"
            | "unevaluatedItems" => {
                let compiled = match value {
                    // `items: false`, `additionalProperties: true`… keep their meaning as is.
                    Value::Bool(_) => value.clone(),
                    _ if key == "items" => walker.schema(value, &items_path(path))?,
                    _ => walker.schema(value, &format!("{path}.{key}"))?,
                };
                out.insert(key.clone(), compiled);
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                let branches = walker.schema_list(value, path, key)?;
                out.insert(key.clone(), Value::Array(branches));
            }
            _ => {}
        }
    }
    if keywords::is_object_node(node)
        && !out.contains_key("additionalProperties")
        && !out.contains_key("patternProperties")
    {
        out.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    let compiled = Value::Object(out);
    Ok(if nullable {
        keywords::add_null(compiled)
    } else {
        compiled
    })
}
