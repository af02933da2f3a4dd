//! The input schema taken apart: the root, its definitions, and `$ref` resolution.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::error::SchemaError;
use super::keywords;

/// Guards recursive scans of the input against absurdly deep values.
const MAX_SCAN_DEPTH: usize = 512;

/// What a local `$ref` points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum DefKey {
    /// `"#"`: the root itself (schemars writes this for a type that contains itself).
    Root,
    /// `"#/$defs/Name"` (or the older `"#/definitions/Name"`).
    Def(String),
}

/// The input schema with `$schema`, `$id`, `title` and the definitions taken off the root.
#[derive(Debug)]
pub(super) struct Document {
    root: Value,
    defs: Map<String, Value>,
    title: Option<String>,
}

impl Document {
    /// Splits a schemars schema into root and definitions.
    pub(super) fn parse(schema: &Value) -> Result<Self, SchemaError> {
        let title = schema
            .get("title")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let root_path = title.clone().unwrap_or_else(|| "$".to_owned());
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(_) => {
                return Ok(Self {
                    root: schema.clone(),
                    defs: Map::new(),
                    title,
                });
            }
            _ => {
                return Err(SchemaError::new(
                    &root_path,
                    "not a JSON Schema: expected an object or a boolean, as produced by \
                     `schemars::schema_for!`",
                ));
            }
        };
        let mut root = map.clone();
        let mut defs = Map::new();
        // `$defs` wins over the pre-2019 `definitions` when both name the same type.
        for key in ["definitions", "$defs"] {
            if let Some(found) = root.remove(key) {
                match found {
                    Value::Object(found) => defs.extend(found),
                    _ => {
                        return Err(SchemaError::new(
                            &root_path,
                            format!("`{key}` must be an object of named schemas"),
                        ));
                    }
                }
            }
        }
        for key in ["$schema", "$id", "title"] {
            root.remove(key);
        }
        let mut document = Self {
            root: Value::Object(root),
            defs,
            title,
        };
        document.inline_root_ref(&root_path)?;
        Ok(document)
    }

    /// A root that is only a `$ref` (a hand-built schema) is replaced by its target so the root
    /// can be recognised as an object schema.
    fn inline_root_ref(&mut self, root_path: &str) -> Result<(), SchemaError> {
        for _ in 0..keywords::MAX_MERGE_STEPS {
            let Some(map) = self.root.as_object() else {
                return Ok(());
            };
            let Some(reference) = map.get("$ref").and_then(Value::as_str) else {
                return Ok(());
            };
            let (key, target) = self.resolve(reference, root_path)?;
            if key == DefKey::Root {
                return Err(SchemaError::new(
                    root_path,
                    "the root schema refers to itself and nothing else",
                ));
            }
            let mut siblings = map.clone();
            siblings.remove("$ref");
            self.root = match target {
                Value::Object(target) => Value::Object(keywords::merge(target.clone(), siblings)),
                _ => target.clone(),
            };
        }
        Err(SchemaError::new(root_path, "`$ref` chain too long"))
    }

    /// The root schema, without definitions.
    pub(super) fn root(&self) -> &Value {
        &self.root
    }

    /// The root's `title` (the type name schemars gave it).
    pub(super) fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Where error paths start: the type name, or `$`.
    pub(super) fn root_path(&self) -> String {
        self.title.clone().unwrap_or_else(|| "$".to_owned())
    }

    /// The name to show for a reference target in error messages.
    pub(super) fn display_name(&self, key: &DefKey) -> String {
        match key {
            DefKey::Root => self.root_path(),
            DefKey::Def(name) => name.clone(),
        }
    }

    /// Resolves a local reference; anything but `#`, `#/$defs/X` and `#/definitions/X` is an
    /// error (schemars never writes other kinds).
    pub(super) fn resolve(
        &self,
        reference: &str,
        path: &str,
    ) -> Result<(DefKey, &Value), SchemaError> {
        let key = parse_reference(reference).ok_or_else(|| {
            SchemaError::new(
                path,
                format!(
                    "unsupported `$ref` `{reference}`: only `#`, `#/$defs/Name` and \
                     `#/definitions/Name` can be resolved"
                ),
            )
        })?;
        let target = self.target(&key).ok_or_else(|| {
            SchemaError::new(
                path,
                format!("`$ref` `{reference}` points at a definition that does not exist"),
            )
        })?;
        Ok((key, target))
    }

    /// The schema a key names, if it exists.
    pub(super) fn target(&self, key: &DefKey) -> Option<&Value> {
        match key {
            DefKey::Root => Some(&self.root),
            DefKey::Def(name) => self.defs.get(name),
        }
    }

    /// The definitions (and the root) that can reach themselves through references; only
    /// these must stay `$ref`s when a dialect inlines everything else.
    pub(super) fn cyclic_keys(&self) -> BTreeSet<DefKey> {
        let mut keys = vec![DefKey::Root];
        keys.extend(self.defs.keys().cloned().map(DefKey::Def));
        keys.into_iter()
            .filter(|key| self.reaches_itself(key))
            .collect()
    }

    fn reaches_itself(&self, start: &DefKey) -> bool {
        let mut seen = BTreeSet::new();
        let mut pending = self.direct_refs(start);
        while let Some(key) = pending.pop() {
            if &key == start {
                return true;
            }
            if seen.insert(key.clone()) {
                pending.extend(self.direct_refs(&key));
            }
        }
        false
    }

    fn direct_refs(&self, key: &DefKey) -> Vec<DefKey> {
        let mut found = Vec::new();
        if let Some(target) = self.target(key) {
            collect_refs(target, &mut found, 0);
        }
        found
    }
}

fn collect_refs(value: &Value, found: &mut Vec<DefKey>, depth: usize) {
    if depth > MAX_SCAN_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(parsed) = child.as_str().and_then(parse_reference) {
                        found.push(parsed);
                    }
                } else if !keywords::is_data_keyword(key) {
                    collect_refs(child, found, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_refs(item, found, depth + 1);
            }
        }
        _ => {}
    }
}

fn parse_reference(reference: &str) -> Option<DefKey> {
    if reference == "#" {
        return Some(DefKey::Root);
    }
    let name = reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    Some(DefKey::Def(name.replace("~1", "/").replace("~0", "~")))
}
