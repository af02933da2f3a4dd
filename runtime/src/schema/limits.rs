//! OpenAI's documented size limits for strict schemas, checked before a request is spent:
//! at most 10 levels of object nesting, 1,000 values per `enum` and 5,000 properties in all.
//!
//! Nesting counts object schemas on the way down (arrays and unions add no level), follows
//! `$ref`s, and stops at a reference back into a definition being measured, since OpenAI
//! allows recursion. A wrapped root counts its wrapper.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::error::SchemaError;
use super::keywords;

const MAX_NESTING: usize = 10;
const MAX_ENUM_VALUES: usize = 1_000;
const MAX_PROPERTIES: usize = 5_000;

/// Checks a compiled strict schema; error paths start at `root_path` (the type name).
pub(super) fn check(schema: &Value, root_path: &str, wrapped: bool) -> Result<(), SchemaError> {
    let defs = schema.get("$defs").and_then(Value::as_object);
    let (root, wrapper_levels, mut properties) = if wrapped {
        let value = schema
            .get("properties")
            .and_then(|properties| properties.get(super::WRAPPED_VALUE_KEY))
            .unwrap_or(&Value::Null);
        (value, 1, 1)
    } else {
        (schema, 0, 0)
    };
    scan(root, root_path, &mut properties)?;
    for (name, def) in defs.into_iter().flatten() {
        scan(def, name, &mut properties)?;
    }
    if properties > MAX_PROPERTIES {
        return Err(SchemaError::new(
            root_path,
            format!(
                "the schema has {properties} properties in all; OpenAI strict mode allows \
                 {MAX_PROPERTIES}: split the answer into several calls"
            ),
        ));
    }
    let mut nesting = Nesting {
        defs,
        memo: BTreeMap::new(),
        active: BTreeSet::new(),
    };
    let (levels, deepest) = nesting.measure(root);
    let levels = levels + wrapper_levels;
    if levels > MAX_NESTING {
        return Err(SchemaError::new(
            &format!("{root_path}{deepest}"),
            format!(
                "objects nest {levels} levels deep here; OpenAI strict mode allows \
                 {MAX_NESTING}: flatten some structs into their parent"
            ),
        ));
    }
    Ok(())
}

/// Counts properties and checks enum sizes in one schema (not following `$ref`s: each
/// definition is scanned once, as it is sent).
fn scan(schema: &Value, path: &str, properties: &mut usize) -> Result<(), SchemaError> {
    let Some(node) = schema.as_object() else {
        return Ok(());
    };
    if let Some(values) = node.get("enum").and_then(Value::as_array)
        && values.len() > MAX_ENUM_VALUES
    {
        return Err(SchemaError::new(
            path,
            format!(
                "an enum with {} values; OpenAI strict mode allows {MAX_ENUM_VALUES}: use a \
                     string and check the value after decoding",
                values.len()
            ),
        ));
    }
    for_each_child(node, path, |child, child_path| {
        scan(child, &child_path, properties)
    })?;
    if let Some(fields) = node.get("properties").and_then(Value::as_object) {
        *properties += fields.len();
    }
    Ok(())
}

/// Calls `visit` with every subschema of a compiled strict node and its path suffix.
fn for_each_child<E>(
    node: &Map<String, Value>,
    path: &str,
    mut visit: impl FnMut(&Value, String) -> Result<(), E>,
) -> Result<(), E> {
    if let Some(fields) = node.get("properties").and_then(Value::as_object) {
        for (name, child) in fields {
            visit(child, format!("{path}.{name}"))?;
        }
    }
    if let Some(items) = node.get("items") {
        visit(items, format!("{path}[]"))?;
    }
    if let Some(branches) = node.get("anyOf").and_then(Value::as_array) {
        for (index, branch) in branches.iter().enumerate() {
            visit(branch, format!("{path}.anyOf[{index}]"))?;
        }
    }
    Ok(())
}

struct Nesting<'s> {
    defs: Option<&'s Map<String, Value>>,
    memo: BTreeMap<String, (usize, String)>,
    active: BTreeSet<String>,
}

impl Nesting<'_> {
    /// The most object levels found below (and including) `schema`, and the path suffix of
    /// that deepest chain.
    fn measure(&mut self, schema: &Value) -> (usize, String) {
        let Some(node) = schema.as_object() else {
            return (0, String::new());
        };
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            return self.measure_ref(reference);
        }
        let own = usize::from(keywords::is_object_node(node));
        let mut deepest = (0, String::new());
        let _ = for_each_child(node, "", |child, suffix| {
            let (levels, below) = self.measure(child);
            if levels > deepest.0 {
                deepest = (levels, format!("{suffix}{below}"));
            }
            Ok::<(), ()>(())
        });
        (own + deepest.0, deepest.1)
    }

    fn measure_ref(&mut self, reference: &str) -> (usize, String) {
        let Some(name) = reference.strip_prefix("#/$defs/") else {
            // `"#"` points back at the root: recursion, which adds nothing measurable.
            return (0, String::new());
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        if let Some(known) = self.memo.get(&name) {
            return known.clone();
        }
        let Some(target) = self.defs.and_then(|defs| defs.get(&name)) else {
            return (0, String::new());
        };
        if !self.active.insert(name.clone()) {
            return (0, String::new());
        }
        let measured = self.measure(target);
        self.active.remove(&name);
        self.memo.insert(name, measured.clone());
        measured
    }
}
