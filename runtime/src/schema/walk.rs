//! The traversal every dialect shares: boolean schemas, normalization, `$ref` handling
//! (keep and compile the definition once, or inline it), budgets and error paths. Each
//! dialect supplies [`Rules`] for what happens to the keywords of one node.

use std::collections::BTreeSet;
use std::marker::PhantomData;

use serde_json::{Map, Value};

use super::document::{DefKey, Document};
use super::error::SchemaError;
use super::keywords;
use super::normalize::normalize;

/// Inlining a definition used in many places multiplies the schema; past this many nodes the
/// result is too large for any provider and compiling stops.
const MAX_NODES: usize = 100_000;

/// Nesting bound for the walk, far above any provider's own limit, so that no input can
/// exhaust the stack.
const MAX_NESTING: usize = 128;

/// What one dialect does with the nodes the walker hands it.
pub(super) trait Rules: Sized {
    /// Whether a kept `$ref` may carry annotation siblings such as a field's `description`.
    const REF_SIBLINGS: bool;

    /// Whether a `$ref` to a definition stays a reference (`cyclic`: the definition can reach
    /// itself); otherwise the definition is inlined.
    fn keeps_ref(cyclic: bool) -> bool;

    /// `true` (any value) or `false` (no value) where a schema is expected.
    fn boolean(accepts: bool, path: &str) -> Result<Value, SchemaError>;

    /// Compiles one normalized node that is not a `$ref`.
    fn node(
        walker: &mut Walker<'_, Self>,
        node: &Map<String, Value>,
        path: &str,
    ) -> Result<Value, SchemaError>;

    /// The error for a type that contains itself, in a dialect that inlines every `$ref`.
    fn recursion_error(type_name: &str, path: &str) -> SchemaError {
        SchemaError::new(
            path,
            format!("`{type_name}` contains itself, which this dialect cannot express"),
        )
    }
}

/// Walks one schema in one dialect.
#[derive(Debug)]
pub(super) struct Walker<'d, R> {
    document: &'d Document,
    cyclic: BTreeSet<DefKey>,
    defs: Map<String, Value>,
    started: BTreeSet<String>,
    stack: Vec<DefKey>,
    root_referenced: bool,
    nodes: usize,
    nesting: usize,
    rules: PhantomData<R>,
}

impl<'d, R: Rules> Walker<'d, R> {
    pub(super) fn new(document: &'d Document) -> Self {
        // Only a dialect that keeps some references but not all needs to know which.
        let cyclic = if R::keeps_ref(true) != R::keeps_ref(false) {
            document.cyclic_keys()
        } else {
            BTreeSet::new()
        };
        Self {
            document,
            cyclic,
            defs: Map::new(),
            started: BTreeSet::new(),
            stack: Vec::new(),
            root_referenced: false,
            nodes: 0,
            nesting: 0,
            rules: PhantomData,
        }
    }

    /// The input being compiled.
    pub(super) fn document(&self) -> &'d Document {
        self.document
    }

    /// Compiles the root.
    pub(super) fn root(&mut self) -> Result<Value, SchemaError> {
        let document = self.document;
        self.stack.push(DefKey::Root);
        let compiled = self.schema(document.root(), &document.root_path());
        self.stack.pop();
        compiled
    }

    /// The definitions kept as `$ref` targets, and whether some `$ref` still says `"#"`.
    pub(super) fn finish(self) -> (Map<String, Value>, bool) {
        (self.defs, self.root_referenced)
    }

    /// Compiles any subschema found at `path`.
    pub(super) fn schema(&mut self, schema: &Value, path: &str) -> Result<Value, SchemaError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(SchemaError::new(
                path,
                format!(
                    "the schema grows past {MAX_NODES} nodes once references are inlined; \
                     split the type or use fewer nested copies of the same struct"
                ),
            ));
        }
        if self.nesting >= MAX_NESTING {
            return Err(SchemaError::new(
                path,
                format!("the schema nests more than {MAX_NESTING} levels deep"),
            ));
        }
        self.nesting += 1;
        let compiled = self.schema_at(schema, path);
        self.nesting -= 1;
        compiled
    }

    fn schema_at(&mut self, schema: &Value, path: &str) -> Result<Value, SchemaError> {
        let node = match schema {
            Value::Bool(accepts) => return R::boolean(*accepts, path),
            Value::Object(node) => node,
            _ => {
                return Err(SchemaError::new(
                    path,
                    "not a JSON Schema: expected an object or a boolean",
                ));
            }
        };
        let node = normalize(self.document, node, path)?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => self.reference(reference, &node, path),
            None => R::node(self, &node, path),
        }
    }

    /// A node that is a `$ref`, possibly with annotation siblings (normalization merged any
    /// others).
    fn reference(
        &mut self,
        reference: &str,
        node: &Map<String, Value>,
        path: &str,
    ) -> Result<Value, SchemaError> {
        let document = self.document;
        let (key, target) = document.resolve(reference, path)?;
        let siblings: Map<String, Value> = node
            .iter()
            .filter(|(name, _)| *name != "$ref")
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let keep = R::keeps_ref(self.cyclic.contains(&key));
        let recursing = self.stack.contains(&key);
        // A dialect that forbids siblings gets the target inlined one level with the
        // siblings merged in, unless that would recurse forever: then the siblings go.
        if keep && (siblings.is_empty() || R::REF_SIBLINGS || recursing) {
            self.compile_definition(&key, target, path)?;
            let mut kept = Map::new();
            kept.insert("$ref".to_owned(), Value::from(output_ref(&key)));
            if R::REF_SIBLINGS {
                kept.extend(siblings);
            }
            return Ok(Value::Object(kept));
        }
        if recursing {
            return Err(R::recursion_error(&document.display_name(&key), path));
        }
        let merged = match target {
            _ if siblings.is_empty() => None,
            Value::Object(target) => Some(Value::Object(keywords::merge(target.clone(), siblings))),
            Value::Bool(true) => Some(Value::Object(siblings)),
            _ => None,
        };
        self.stack.push(key);
        let compiled = self.schema(merged.as_ref().unwrap_or(target), path);
        self.stack.pop();
        compiled
    }

    /// Compiles a kept definition the first time it is referenced, so that its errors carry
    /// the path of that first use.
    fn compile_definition(
        &mut self,
        key: &DefKey,
        target: &Value,
        path: &str,
    ) -> Result<(), SchemaError> {
        let name = match key {
            DefKey::Root => {
                self.root_referenced = true;
                return Ok(());
            }
            DefKey::Def(name) => name,
        };
        if !self.started.insert(name.clone()) {
            return Ok(());
        }
        self.stack.push(key.clone());
        let compiled = self.schema(target, path);
        self.stack.pop();
        self.defs.insert(name.clone(), compiled?);
        Ok(())
    }

    /// Compiles every schema of a `properties`-like map, in order.
    pub(super) fn schema_map(
        &mut self,
        schemas: &Value,
        path: &str,
        keyword: &str,
    ) -> Result<Map<String, Value>, SchemaError> {
        let Some(schemas) = schemas.as_object() else {
            return Err(SchemaError::new(
                path,
                format!("`{keyword}` must be an object of schemas"),
            ));
        };
        schemas
            .iter()
            .map(|(name, schema)| Ok((name.clone(), self.schema(schema, &field_path(path, name))?)))
            .collect()
    }

    /// Compiles every schema of an `anyOf`-like list, in order.
    pub(super) fn schema_list(
        &mut self,
        schemas: &Value,
        path: &str,
        keyword: &str,
    ) -> Result<Vec<Value>, SchemaError> {
        let Some(schemas) = schemas.as_array() else {
            return Err(SchemaError::new(
                path,
                format!("`{keyword}` must be an array of schemas"),
            ));
        };
        let single = count_non_null(schemas) == 1;
        schemas
            .iter()
            .enumerate()
            .map(|(index, schema)| self.schema(schema, &branch_path(path, keyword, index, single)))
            .collect()
    }
}

/// The path of a property.
fn field_path(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

/// The path of a union branch; an `Option`'s one real branch keeps the field's path.
pub(super) fn branch_path(path: &str, keyword: &str, index: usize, single: bool) -> String {
    if single {
        path.to_owned()
    } else {
        format!("{path}.{keyword}[{index}]")
    }
}

/// How many branches of a union are not just `{"type":"null"}`.
pub(super) fn count_non_null(branches: &[Value]) -> usize {
    branches
        .iter()
        .filter(|branch| !keywords::is_null_schema(branch))
        .count()
}

/// The path of array items.
pub(super) fn items_path(path: &str) -> String {
    format!("{path}[]")
}

fn output_ref(key: &DefKey) -> String {
    match key {
        DefKey::Root => "#".to_owned(),
        DefKey::Def(name) => format!("#/$defs/{}", keywords::escape_pointer(name)),
    }
}
