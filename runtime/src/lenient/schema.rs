//! Reading the JSON Schema keywords the decoder follows, matching names loosely, and
//! describing values and constants in failure messages.
//!
//! Only what shapes a model's answer is read: `type`, `nullable`, `enum`, `const`,
//! `properties`, `required`, `additionalProperties`, `items`, `prefixItems`, `minItems`,
//! `maxItems`, number bounds, `anyOf`, `oneOf`, `allOf` and local `$ref`s.

use serde_json::{Map, Value};

/// How far helper walks (null and bare-text checks) follow `$ref`s and branches.
const MAX_WALK: usize = 16;

/// A set of JSON types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Types(u8);

impl Types {
    pub(super) const NULL: Self = Self(1);
    pub(super) const BOOLEAN: Self = Self(1 << 1);
    pub(super) const INTEGER: Self = Self(1 << 2);
    pub(super) const NUMBER: Self = Self(1 << 3);
    pub(super) const STRING: Self = Self(1 << 4);
    pub(super) const ARRAY: Self = Self(1 << 5);
    pub(super) const OBJECT: Self = Self(1 << 6);
    /// No type at all.
    pub(super) const NONE: Self = Self(0);
    /// Every type.
    pub(super) const ANY: Self = Self(0x7f);
    const NAMES: [(Self, &'static str); 7] = [
        (Self::OBJECT, "object"),
        (Self::ARRAY, "array"),
        (Self::STRING, "string"),
        (Self::INTEGER, "integer"),
        (Self::NUMBER, "number"),
        (Self::BOOLEAN, "boolean"),
        (Self::NULL, "null"),
    ];

    /// Whether the two sets share a type.
    pub(super) fn has(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Both sets together.
    pub(super) fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    fn named(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(types, _)| *types)
    }

    /// The names of the types in the set: `["integer", "null"]`.
    pub(super) fn names(self) -> Vec<String> {
        Self::NAMES
            .iter()
            .filter(|(types, _)| self.has(*types))
            .map(|(_, name)| (*name).to_owned())
            .collect()
    }
}

/// The JSON type of a value; whole numbers count as integers.
pub(super) fn kind_of(value: &Value) -> Types {
    match value {
        Value::Null => Types::NULL,
        Value::Bool(_) => Types::BOOLEAN,
        Value::Number(n) if n.is_i64() || n.is_u64() => Types::INTEGER,
        Value::Number(_) => Types::NUMBER,
        Value::String(_) => Types::STRING,
        Value::Array(_) => Types::ARRAY,
        Value::Object(_) => Types::OBJECT,
    }
}

/// The types a schema node allows through `type` (a name or a list) and OpenAPI's
/// `nullable`, or implies through object or array keywords; `None` leaves the type open.
pub(super) fn declared_types(node: &Map<String, Value>) -> Option<Types> {
    let mut types = match node.get("type") {
        Some(Value::String(name)) => Types::named(name).unwrap_or(Types::NONE),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .filter_map(Types::named)
            .fold(Types::NONE, Types::union),
        _ if ["properties", "required", "additionalProperties"]
            .iter()
            .any(|k| node.contains_key(*k)) =>
        {
            Types::OBJECT
        }
        _ if node.contains_key("items") || node.contains_key("prefixItems") => Types::ARRAY,
        _ => return None,
    };
    if node.get("nullable") == Some(&Value::Bool(true)) {
        types = types.union(Types::NULL);
    }
    Some(types)
}

/// The target of a local `$ref` (`#`, `#/$defs/Name`, `#/definitions/Name`).
pub(super) fn resolve_ref<'s>(root: &'s Value, reference: &str) -> Option<&'s Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        Some(root)
    } else {
        root.pointer(pointer)
    }
}

/// The schema of `value` when `node` is an object whose one property is a required
/// `value`: the shape in which non-object roots travel.
pub(super) fn value_wrapper_inner(node: &Map<String, Value>) -> Option<&Value> {
    let properties = node.get("properties")?.as_object()?;
    let requires_value = node
        .get("required")?
        .as_array()?
        .iter()
        .any(|name| name == "value");
    (properties.len() == 1 && requires_value)
        .then(|| properties.get("value"))
        .flatten()
}

/// Whether a schema explicitly admits `null` (a nullable type, a `null` variant, or a
/// `null` branch), the mark of an `Option`.
pub(super) fn allows_null(root: &Value, schema: &Value) -> bool {
    allows_null_within(root, schema, 0)
}

fn allows_null_within(root: &Value, schema: &Value, depth: usize) -> bool {
    let Some(node) = schema.as_object() else {
        return false;
    };
    if depth > MAX_WALK {
        return false;
    }
    let nested = |s: &Value| allows_null_within(root, s, depth + 1);
    declared_types(node).is_some_and(|t| t.has(Types::NULL))
        || node.get("nullable") == Some(&Value::Bool(true))
        || node.get("const") == Some(&Value::Null)
        || node
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|variants| variants.contains(&Value::Null))
        || ["anyOf", "oneOf"].iter().any(|k| {
            node.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|branches| branches.iter().any(nested))
        })
        || node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_ref(root, r))
            .is_some_and(nested)
}

/// Whether a schema only admits values a short bare answer can stand for and that
/// coercion then checks: enum variants, constants, booleans and numbers. Free text is
/// excluded so that prose never passes for a string value.
pub(super) fn accepts_bare_text(root: &Value, schema: &Value) -> bool {
    accepts_bare_text_within(root, schema, 0)
}

fn accepts_bare_text_within(root: &Value, schema: &Value, depth: usize) -> bool {
    let Some(node) = schema.as_object() else {
        return false;
    };
    if depth > MAX_WALK {
        return false;
    }
    let nested = |s: &Value| accepts_bare_text_within(root, s, depth + 1);
    if let Some(target) = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| resolve_ref(root, r))
    {
        return nested(target);
    }
    if let Some(inner) = value_wrapper_inner(node) {
        return nested(inner);
    }
    if node.contains_key("const") || node.contains_key("enum") {
        let scalar = |v: &Value| !matches!(v, Value::Array(_) | Value::Object(_));
        return node.get("const").is_none_or(scalar)
            && node
                .get("enum")
                .is_none_or(|e| e.as_array().is_some_and(|vs| vs.iter().all(scalar)));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            let only_null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
            return branches.iter().any(nested)
                && branches.iter().all(|b| nested(b) || only_null(b));
        }
    }
    let checked = Types::BOOLEAN.union(Types::INTEGER).union(Types::NUMBER);
    declared_types(node).is_some_and(|t| {
        t.has(checked) && !t.has(Types::STRING.union(Types::ARRAY).union(Types::OBJECT))
    })
}

/// Keywords that constrain a value (as opposed to annotations like `description`).
const ASSERTIONS: [&str; 18] = [
    "allOf",
    "anyOf",
    "oneOf",
    "const",
    "enum",
    "type",
    "nullable",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// Whether a node has keywords of its own beside `$ref`.
pub(super) fn asserts_besides_ref(node: &Map<String, Value>) -> bool {
    ASSERTIONS.iter().any(|k| node.contains_key(*k))
}

/// Whether a node constrains values through its own keywords (not only through `$ref` or
/// combinators).
pub(super) fn asserts_locally(node: &Map<String, Value>) -> bool {
    node.contains_key("const") || node.contains_key("enum") || declared_types(node).is_some()
}

/// The kinds of value a node's own keywords accept.
pub(super) fn accepted_kinds(node: &Map<String, Value>) -> Types {
    let variants: Option<Vec<&Value>> = match (node.get("const"), node.get("enum")) {
        (Some(constant), _) => Some(vec![constant]),
        (None, Some(Value::Array(variants))) => Some(variants.iter().collect()),
        _ => None,
    };
    match variants {
        Some(variants) => variants
            .into_iter()
            .map(kind_of)
            .fold(Types::NONE, Types::union),
        None => declared_types(node).unwrap_or(Types::ANY),
    }
}

/// Whether the node declares `key` as a property, exactly or loosely.
pub(super) fn declares_property(node: &Map<String, Value>, key: &str) -> bool {
    node.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|props| {
            let wanted = normalize(key);
            props
                .keys()
                .any(|name| name == key || normalize(name) == wanted)
        })
}

/// The declared property a model's key means, ignoring case, `_`, `-` and spaces
/// (`First Name` → `first_name`), when exactly one matches and the answer does not also
/// use the exact name.
pub(super) fn loose_property<'s>(
    props: &'s Map<String, Value>,
    answer: &Map<String, Value>,
    key: &str,
) -> Option<(&'s str, &'s Value)> {
    let wanted = normalize(key);
    if wanted.is_empty() {
        return None;
    }
    let mut hits = props
        .iter()
        .filter(|(name, _)| normalize(name) == wanted && !answer.contains_key(*name));
    let (name, schema) = hits.next()?;
    hits.next().is_none().then_some((name.as_str(), schema))
}

/// The schema of the array item at `index`: `prefixItems`, then `items`.
pub(super) fn item_schema(node: &Map<String, Value>, index: usize) -> Option<&Value> {
    if let Some(prefix) = node.get("prefixItems").and_then(Value::as_array) {
        return prefix.get(index).or_else(|| node.get("items"));
    }
    match node.get("items") {
        // Draft 4–7 tuple form.
        Some(Value::Array(tuple)) => tuple.get(index).or_else(|| node.get("additionalItems")),
        other => other,
    }
}

/// Lowercase letters and digits only: `In Progress`, `in_progress`, `IN-PROGRESS` all
/// become `inprogress`.
pub(super) fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A constant as it appears in messages: strings in backticks as written, other values as
/// JSON in backticks.
pub(super) fn render_constant(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{}`", shorten(s)),
        other => format!("`{other}`"),
    }
}

/// A short description of a value: `string "abc"`, `number 3.5`, `object with keys "a", "b"`.
pub(super) fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {}", Value::from(shorten(s))),
        Value::Array(items) if items.len() == 1 => "array of 1 item".to_owned(),
        Value::Array(items) => format!("array of {} items", items.len()),
        Value::Object(map) if map.is_empty() => "empty object".to_owned(),
        Value::Object(map) => {
            let keys: Vec<String> = map
                .keys()
                .take(5)
                .map(|k| Value::from(shorten(k)).to_string())
                .collect();
            let more = if map.len() > 5 { ", …" } else { "" };
            format!("object with keys {}{more}", keys.join(", "))
        }
    }
}

/// At most 60 characters of `text`.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_types_and_nullability() {
        let node = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            declared_types(&node(json!({"type": ["integer", "null"]}))),
            Some(Types::INTEGER.union(Types::NULL))
        );
        assert_eq!(
            declared_types(&node(json!({"type": "string", "nullable": true}))),
            Some(Types::STRING.union(Types::NULL))
        );
        assert_eq!(
            declared_types(&node(json!({"properties": {}}))),
            Some(Types::OBJECT)
        );
        assert_eq!(declared_types(&node(json!({"description": "x"}))), None);
        assert_eq!(
            Types::INTEGER.union(Types::NULL).names(),
            ["integer", "null"]
        );
    }

    #[test]
    fn follows_refs_for_null_and_bare_text() {
        let root = json!({
            "$defs": {
                "Kind": {"type": "string", "enum": ["A", "B"]},
                "Opt": {"anyOf": [{"$ref": "#/$defs/Kind"}, {"type": "null"}]}
            }
        });
        assert!(allows_null(&root, &json!({"$ref": "#/$defs/Opt"})));
        assert!(!allows_null(&root, &json!({"$ref": "#/$defs/Kind"})));
        assert!(accepts_bare_text(&root, &json!({"$ref": "#/$defs/Opt"})));
        let wrapped = json!({"type": "object", "properties": {"value": {"type": "boolean"}}, "required": ["value"]});
        assert!(accepts_bare_text(&root, &wrapped));
        assert!(!accepts_bare_text(&root, &json!({"type": "string"})));
        assert!(!accepts_bare_text(
            &root,
            &json!({"type": ["integer", "string"]})
        ));
    }

    #[test]
    fn describes_constants_and_values() {
        assert_eq!(render_constant(&json!("Low")), "`Low`");
        assert_eq!(render_constant(&json!(3)), "`3`");
        assert_eq!(
            describe_value(&json!({"a": 1, "b": 2})),
            r#"object with keys "a", "b""#
        );
        assert_eq!(describe_value(&json!("x")), r#"string "x""#);
        assert_eq!(describe_value(&json!([1])), "array of 1 item");
    }
}
