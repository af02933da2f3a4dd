//! Compiles the JSON Schema that schemars derives for a return type into the dialect a target
//! accepts: OpenAI strict mode, Gemini's schema subset, or plain JSON Schema for local servers
//! and prompts.
//!
//! Every dialect gets the same treatment of the root: a root that is not a plain object schema
//! (an enum, a list, a number, an `Option`, an untagged enum…) is wrapped as
//! `{"type":"object","properties":{"value": <root>},"required":["value"]}` and
//! [`CompiledSchema::wrapped`] tells the decoder to unwrap [`WRAPPED_VALUE_KEY`].
//!
//! Keywords are handled in three ways, per dialect:
//! - kept (possibly rewritten, e.g. `oneOf` → `anyOf`, `const` → one-value `enum`);
//! - dropped silently, when losing them cannot change which JSON deserializes into the Rust
//!   type: annotations (`default`, `examples`, `$comment`…), unsupported formats, unknown and
//!   `x-` keywords, and loosening-only checks such as `uniqueItems`;
//! - rejected with a [`SchemaError`] naming the field and the fix, when dropping them would
//!   change the shape: maps, tuples, `not`, `if`/`then`/`else`, `dependent*`, several `allOf`
//!   parts, and (Gemini) recursion.
//!
//! Each dialect module (`openai`, `gemini`, `plain`) lists what it keeps, drops and rejects.
//! Output is deterministic: the same input gives byte-identical JSON. Properties keep the
//! input's order (declaration order, since the workspace enables serde_json's `preserve_order`),
//! and so do strict mode's `required` lists.

mod document;
mod error;
mod gemini;
mod keywords;
mod limits;
mod name;
mod normalize;
mod openai;
mod plain;
mod walk;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

pub use error::SchemaError;

use document::Document;
use walk::{Rules, Walker};

/// Property under which a wrapped root value travels (see [`CompiledSchema::wrapped`]).
pub const WRAPPED_VALUE_KEY: &str = "value";

/// Whether answers for the root schema `root` travel wrapped as `{"value": …}`: every root but
/// a plain object does.
pub(crate) fn travels_wrapped(root: &Value) -> bool {
    !keywords::is_plain_object(root)
}

/// The schema dialect a target accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaDialect {
    /// OpenAI `response_format` / tool schemas with `strict: true`.
    OpenAiStrict,
    /// Gemini's OpenAPI-like subset, as taken by its OpenAI-compatible endpoint and by
    /// aggregators that copy the schema into `responseSchema`.
    Gemini,
    /// Plain JSON Schema, kept simple for local servers that turn a schema into a grammar
    /// (llama.cpp, llama-cpp-python) and for showing in a prompt.
    JsonSchema,
}

/// A schema ready to send in one dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSchema {
    /// The schema to send; its root is always an object schema.
    pub schema: Value,
    /// The original root was not an object and travels as `{"value": …}`.
    pub wrapped: bool,
    /// A valid `response_format` / tool name (`[a-zA-Z0-9_-]{1,64}`).
    pub name: String,
}

/// Compiles `schema` (as produced by `schemars::schema_for!`) into `dialect`, naming it after
/// the schema's `title` (or `answer` when it has none).
pub fn compile(schema: &Value, dialect: SchemaDialect) -> Result<CompiledSchema, SchemaError> {
    let title = schema.get("title").and_then(Value::as_str);
    let name = name::response_name(title);
    compile_with_name(schema, dialect, &name)
}

/// Compiles `schema` into `dialect` under a caller-chosen name; characters outside
/// `[a-zA-Z0-9_-]` become `_` and the name is cut to 64 characters.
pub fn compile_with_name(
    schema: &Value,
    dialect: SchemaDialect,
    name: &str,
) -> Result<CompiledSchema, SchemaError> {
    let document = Document::parse(schema)?;
    let output = match dialect {
        SchemaDialect::OpenAiStrict => run::<openai::OpenAiStrict>(&document)?,
        SchemaDialect::Gemini => run::<gemini::Gemini>(&document)?,
        SchemaDialect::JsonSchema => run::<plain::Plain>(&document)?,
    };
    let (schema, wrapped) = assemble(&document, dialect, output);
    if dialect == SchemaDialect::OpenAiStrict {
        limits::check(&schema, &document.root_path(), wrapped)?;
    }
    Ok(CompiledSchema {
        schema,
        wrapped,
        name: name::response_name(Some(name)),
    })
}

/// What a dialect walk produced before the root is wrapped.
struct WalkOutput {
    root: Value,
    defs: Map<String, Value>,
    root_referenced: bool,
}

fn run<R: Rules>(document: &Document) -> Result<WalkOutput, SchemaError> {
    let mut walker = Walker::<R>::new(document);
    let root = walker.root()?;
    let (defs, root_referenced) = walker.finish();
    Ok(WalkOutput {
        root,
        defs,
        root_referenced,
    })
}

/// Wraps a non-object root, hoists definitions to the top and, where `"#"` would no longer
/// point at the right schema (wrapped root) or is not understood (llama.cpp only resolves
/// `#/…` pointers), moves the root into `$defs`.
fn assemble(document: &Document, dialect: SchemaDialect, output: WalkOutput) -> (Value, bool) {
    let WalkOutput {
        mut root,
        mut defs,
        root_referenced,
    } = output;
    let wrapped = travels_wrapped(&root);
    if root_referenced && (wrapped || dialect == SchemaDialect::JsonSchema) {
        let def_name = unique_def_name(document.title(), &defs);
        let target = format!("#/$defs/{}", keywords::escape_pointer(&def_name));
        keywords::rewrite_root_refs(&mut root, &target);
        for def in defs.values_mut() {
            keywords::rewrite_root_refs(def, &target);
        }
        defs.insert(def_name, root.clone());
        if wrapped {
            // The wrapper's value can point at the moved root instead of repeating it.
            root = Value::Object(Map::from_iter([("$ref".to_owned(), Value::from(target))]));
        }
    }
    let mut schema = match root {
        Value::Object(map) if !wrapped => map,
        other => wrap(other, dialect),
    };
    if !defs.is_empty() {
        schema.insert("$defs".to_owned(), Value::Object(defs));
    }
    (Value::Object(schema), wrapped)
}

fn wrap(root: Value, dialect: SchemaDialect) -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert(WRAPPED_VALUE_KEY.to_owned(), root);
    let mut wrapper = Map::new();
    wrapper.insert("type".to_owned(), Value::from("object"));
    wrapper.insert("properties".to_owned(), Value::Object(properties));
    wrapper.insert(
        "required".to_owned(),
        Value::Array(vec![Value::from(WRAPPED_VALUE_KEY)]),
    );
    // Gemini rejects `additionalProperties`; the other two dialects close objects.
    if dialect != SchemaDialect::Gemini {
        wrapper.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    wrapper
}

fn unique_def_name(title: Option<&str>, defs: &Map<String, Value>) -> String {
    let base = match title {
        Some(title) if !title.is_empty() => title.to_owned(),
        _ => "Root".to_owned(),
    };
    if !defs.contains_key(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|candidate| !defs.contains_key(candidate))
        .unwrap_or(base)
}
