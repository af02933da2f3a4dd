//! OpenAI strict mode (`"strict": true`).
//!
//! Every object is closed (`additionalProperties: false`) and lists all its properties in
//! `required`, in the properties' order (declaration order: the workspace enables serde_json's
//! `preserve_order`, so a model writes fields in the order the type declares them). A
//! property that was optional becomes nullable, unless it already accepts `null` (`Option`),
//! carries a `default` (a `#[serde(default)]` field) or belongs to a map with enum keys: serde
//! rejects `null` in those, so the model must give a value. `$defs`/`$ref` stay (recursion is allowed); a `$ref` with a
//! sibling such as a doc comment is inlined one level, since strict mode rejects "$ref
//! cannot have keywords". `oneOf` becomes `anyOf`, `const` a one-value `enum`.
//!
//! Kept: `type`, `properties`, `items`, `anyOf`, `enum`, `description`, `title`, `pattern`,
//! `format` (the ones OpenAI lists), `minimum`, `maximum`, `exclusiveMinimum`,
//! `exclusiveMaximum`, `multipleOf`, `minItems`, `maxItems`.
//! Rejected: maps, tuples (`prefixItems`), several `allOf` parts, `not`, `if`/`then`/`else`,
//! `dependentRequired`, `dependentSchemas`, and schemas that accept any value.
//! Dropped: everything else (`default`, `examples`, `minLength`/`maxLength`, `uniqueItems`,
//! `propertyNames`, unknown keywords…).

use serde_json::{Map, Value};

use super::error::SchemaError;
use super::keywords;
use super::walk::{Rules, Walker, items_path};

/// `format` values OpenAI documents for strict mode.
const FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// The [`Rules`] of OpenAI strict mode.
#[derive(Debug)]
pub(super) struct OpenAiStrict;

impl Rules for OpenAiStrict {
    const REF_SIBLINGS: bool = false;

    fn keeps_ref(_cyclic: bool) -> bool {
        true
    }

    fn boolean(accepts: bool, path: &str) -> Result<Value, SchemaError> {
        Err(boolean_error(accepts, path))
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
    walker: &mut Walker<'_, OpenAiStrict>,
    node: &Map<String, Value>,
    path: &str,
) -> Result<Value, SchemaError> {
    if node.contains_key("anyOf") && node.contains_key("oneOf") {
        return Err(SchemaError::new(
            path,
            "both `anyOf` and `oneOf` on one schema; strict mode has only `anyOf`",
        ));
    }
    let is_object = keywords::is_object_node(node);
    if is_object {
        reject_map(node, path, "OpenAI strict mode")?;
    }
    let mut out = Map::new();
    let mut nullable = false;
    for (key, value) in node {
        match key.as_str() {
            "type" | "enum" | "description" | "title" | "pattern" | "minimum" | "maximum"
            | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" | "minItems" | "maxItems" => {
                out.insert(key.clone(), value.clone());
            }
            "const" => {
                out.insert("enum".to_owned(), Value::Array(vec![value.clone()]));
            }
            "format"
                if value
                    .as_str()
                    .is_some_and(|format| FORMATS.contains(&format)) =>
            {
                out.insert(key.clone(), value.clone());
            }
            "nullable" => nullable = value == &Value::Bool(true),
            "properties" => {
                let properties = compile_properties(walker, node, value, path)?;
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" => {
                let items = walker.schema(value, &items_path(path))?;
                out.insert(key.clone(), items);
            }
            "anyOf" | "oneOf" => {
                let branches = walker.schema_list(value, path, key)?;
                out.insert("anyOf".to_owned(), Value::Array(branches));
            }
            "prefixItems" => return Err(tuple_error(path)),
            "allOf" => {
                return Err(SchemaError::new(
                    path,
                    "`allOf` with several parts is not supported in strict mode; use one \
                     struct with all the fields",
                ));
            }
            "not" | "if" | "then" | "else" | "dependentRequired" | "dependentSchemas" => {
                return Err(SchemaError::new(
                    path,
                    format!(
                        "`{key}` is not supported in strict mode; remove it from the type's \
                         schema (e.g. a `#[schemars(extend(...))]` or a custom `JsonSchema` impl)"
                    ),
                ));
            }
            // `required` and `additionalProperties` are rebuilt below; the rest says nothing
            // strict mode can use.
            _ => {}
        }
    }
    if is_object {
        close_object(&mut out);
    }
    // `{"type":["string","null"],"enum":["C","F"]}` would still reject null.
    if keywords::type_names(&out).contains(&"null")
        && let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    if keywords::type_names(node).contains(&"array") && !out.contains_key("items") {
        return Err(SchemaError::new(
            path,
            "an array without an item schema cannot be expressed in strict mode; give the \
             `Vec` a concrete element type",
        ));
    }
    if !["type", "anyOf", "enum"]
        .iter()
        .any(|key| out.contains_key(*key))
    {
        return Err(boolean_error(true, path));
    }
    let compiled = Value::Object(out);
    Ok(if nullable {
        keywords::add_null(compiled)
    } else {
        compiled
    })
}

/// Compiles the properties and makes the optional ones nullable.
fn compile_properties(
    walker: &mut Walker<'_, OpenAiStrict>,
    node: &Map<String, Value>,
    properties: &Value,
    path: &str,
) -> Result<Map<String, Value>, SchemaError> {
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // schemars writes a map with enum keys (`BTreeMap<Sentiment, f32>`) as a closed object
    // without `required`; serde rejects `null` values there just as for a default field.
    let enum_keyed_map = node.get("additionalProperties") == Some(&Value::Bool(false))
        && !node.contains_key("required");
    let mut compiled = walker.schema_map(properties, path, "properties")?;
    let document = walker.document();
    for (name, schema) in compiled.iter_mut() {
        if enum_keyed_map || required.contains(&name.as_str()) {
            continue;
        }
        let has_default = properties
            .get(name)
            .and_then(Value::as_object)
            .is_some_and(|original| original.contains_key("default"));
        if !has_default && !keywords::admits_null(document, schema) {
            *schema = keywords::add_null(std::mem::take(schema));
        }
    }
    Ok(compiled)
}

/// Adds the keywords strict mode requires on every object.
fn close_object(out: &mut Map<String, Value>) {
    let properties = out
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let names: Vec<Value> = properties
        .as_object()
        .map(|properties| properties.keys().cloned().map(Value::from).collect())
        .unwrap_or_default();
    out.insert("required".to_owned(), Value::Array(names));
    out.insert("additionalProperties".to_owned(), Value::Bool(false));
}

/// Maps (`HashMap`, `BTreeMap`, `serde_json::Map`) have keys chosen by the model, which a
/// closed object cannot describe (shared with the Gemini dialect).
pub(super) fn reject_map(
    node: &Map<String, Value>,
    path: &str,
    dialect: &str,
) -> Result<(), SchemaError> {
    let has_fields = node
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|properties| !properties.is_empty());
    let open = match node.get("additionalProperties") {
        None | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => !has_fields,
        Some(_) => true,
    };
    if open || node.contains_key("patternProperties") {
        return Err(map_error(path, dialect));
    }
    Ok(())
}

fn map_error(path: &str, dialect: &str) -> SchemaError {
    SchemaError::new(
        path,
        format!(
            "a map (HashMap, BTreeMap or another object with free-form keys) cannot be \
             expressed in {dialect}: every key must be declared; use a Vec of a struct with \
             `key` and `value` fields, or a struct with one named field per key"
        ),
    )
}

/// The error for a tuple, shared with the Gemini dialect.
pub(super) fn tuple_error(path: &str) -> SchemaError {
    SchemaError::new(
        path,
        "a tuple (an array with one schema per position, `prefixItems`) is not supported \
         here; use a struct with named fields (or a struct variant instead of a tuple variant)",
    )
}

fn boolean_error(accepts: bool, path: &str) -> SchemaError {
    if accepts {
        SchemaError::new(
            path,
            "this schema accepts any JSON value (e.g. `serde_json::Value`), which strict mode \
             cannot express; use a concrete type",
        )
    } else {
        SchemaError::new(path, "this schema accepts no value at all (`false`)")
    }
}
