//! A JSON Schema rendered as the shape of the JSON it describes, for prompts.
//!
//! Models, small ones most of all, follow an example-like shape far better than a JSON Schema,
//! which they tend to echo back instead of answering. So the prompt-side instruction shows
//! `{"name": string, "age": integer or null}` rather than the schema itself.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// How deep a shape is drawn; recursive types stop here with `…`.
const MAX_DEPTH: usize = 8;

/// Render `schema` (with `$defs`/`$ref`) as an indented JSON shape.
pub(crate) fn render(schema: &Value) -> String {
    let defs = schema.get("$defs").and_then(Value::as_object);
    let mut out = String::new();
    ShapeWriter {
        defs,
        out: &mut out,
    }
    .node(schema, 0);
    out
}

struct ShapeWriter<'a, 'o> {
    defs: Option<&'a Map<String, Value>>,
    out: &'o mut String,
}

impl<'a> ShapeWriter<'a, '_> {
    fn resolve(&self, node: &'a Value) -> &'a Value {
        let mut node = node;
        // A chain of references is short; the bound only guards against a cycle of bare refs.
        for _ in 0..MAX_DEPTH {
            let Some(target) = node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| self.defs?.get(name))
            else {
                break;
            };
            node = target;
        }
        node
    }

    fn node(&mut self, node: &'a Value, depth: usize) {
        let node = self.resolve(node);
        if depth > MAX_DEPTH {
            self.out.push('…');
            return;
        }
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            self.alternatives(values.iter().map(Value::to_string));
            return;
        }
        if let Some(value) = node.get("const") {
            self.out.push_str(&value.to_string());
            return;
        }
        if let Some(options) = node
            .get("anyOf")
            .or_else(|| node.get("oneOf"))
            .and_then(Value::as_array)
        {
            for (i, option) in options.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(" or ");
                }
                self.node(option, depth + 1);
            }
            return;
        }
        let types: Vec<&str> = match node.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let nullable = types.contains(&"null") || node.get("nullable") == Some(&Value::Bool(true));
        let main = types.iter().find(|t| **t != "null").copied();
        match main {
            Some("object") => self.object(node, depth),
            Some("array") => {
                self.out.push('[');
                match node.get("items") {
                    Some(items) => self.node(items, depth + 1),
                    None => self.out.push_str("any"),
                }
                self.out.push_str(", …]");
            }
            Some(scalar) => self.out.push_str(scalar),
            None if node.get("properties").is_some() => self.object(node, depth),
            None if nullable => {}
            None => self.out.push_str("any"),
        }
        if nullable {
            self.out
                .push_str(if main.is_some() { " or null" } else { "null" });
        }
    }

    fn object(&mut self, node: &'a Value, depth: usize) {
        let Some(properties) = node.get("properties").and_then(Value::as_object) else {
            self.out.push_str("object");
            return;
        };
        let indent = "  ".repeat(depth + 1);
        self.out.push_str("{\n");
        for (name, property) in properties {
            let resolved = self.resolve(property);
            let description = property
                .get("description")
                .or_else(|| resolved.get("description"))
                .and_then(Value::as_str);
            if let Some(description) = description {
                for line in description.lines() {
                    let _ = writeln!(self.out, "{indent}// {line}");
                }
            }
            let _ = write!(self.out, "{indent}{}: ", Value::String(name.clone()));
            self.node(property, depth + 1);
            self.out.push_str(",\n");
        }
        self.out.push_str(&"  ".repeat(depth));
        self.out.push('}');
    }

    fn alternatives(&mut self, items: impl Iterator<Item = String>) {
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.out.push_str(" or ");
            }
            self.out.push_str(&item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_show_fields_types_and_descriptions() {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "Full name"},
                "age": {"type": ["integer", "null"]},
                "mood": {"$ref": "#/$defs/Mood"},
                "tags": {"type": "array", "items": {"type": "string"}}
            },
            "$defs": {"Mood": {"enum": ["Happy", "Sad"]}}
        });
        assert_eq!(
            render(&schema),
            "{\n  // Full name\n  \"name\": string,\n  \"age\": integer or null,\n  \"mood\": \"Happy\" or \"Sad\",\n  \"tags\": [string, …],\n}"
        );
    }

    #[test]
    fn recursion_stops() {
        let schema = json!({
            "$ref": "#/$defs/Node",
            "$defs": {"Node": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}}}}
        });
        let shape = render(&schema);
        assert!(shape.contains('…'), "{shape}");
    }
}
