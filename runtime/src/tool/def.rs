//! What `#[tool]` declares about a function, fixed at compile time, and the JSON schema of its
//! parameters assembled from it at run time.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value};

use super::result::ToolParam;

/// A tool's declaration: one per `#[tool]` function, built in a constant.
#[derive(Debug)]
pub struct ToolDef {
    /// The function's name: what the model calls.
    pub name: &'static str,
    /// The function's doc comment.
    pub description: &'static str,
    /// The parameters, in order.
    pub params: &'static [ParamDef],
}

/// One parameter of a tool.
#[derive(Debug)]
pub struct ParamDef {
    /// The parameter's name (the JSON property).
    pub name: &'static str,
    /// The parameter's doc comment; empty when it has none.
    pub description: &'static str,
    /// False for `Option<…>` parameters, which the model may leave out.
    pub required: bool,
    /// The parameter type's schema (`param_schema::<T>`).
    pub schema: fn(&mut SchemaGenerator) -> Schema,
}

/// The schema of a parameter of type `T`, its definitions collected in `generator`.
pub fn param_schema<T: ToolParam>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

impl ToolDef {
    /// The parameters as one object schema, shaped like what `schemars::schema_for!` gives for
    /// a struct (definitions in `$defs`), so the schema compiler and the tolerant decoder
    /// treat it like any return type.
    pub(crate) fn parameters_schema(&self) -> Value {
        let mut generator = SchemaGenerator::new(SchemaSettings::default());
        let mut properties = Map::new();
        let mut required = Vec::new();
        for param in self.params {
            let mut schema = (param.schema)(&mut generator).to_value();
            if !param.description.is_empty() {
                describe(&mut schema, param.description);
            }
            properties.insert(param.name.to_owned(), schema);
            if param.required {
                required.push(Value::from(param.name));
            }
        }
        let mut root = Map::new();
        root.insert("type".to_owned(), Value::from("object"));
        root.insert("properties".to_owned(), Value::Object(properties));
        root.insert("required".to_owned(), Value::Array(required));
        let defs = generator.take_definitions(true);
        if !defs.is_empty() {
            root.insert("$defs".to_owned(), Value::Object(defs));
        }
        Value::Object(root)
    }
}

/// Put the parameter's doc comment on its schema. A schema that accepts anything (`true`,
/// for a `serde_json::Value` parameter) becomes `{}` with the description, which means the same.
fn describe(schema: &mut Value, description: &str) {
    if !schema.is_object() {
        *schema = Value::Object(Map::new());
    }
    if let Value::Object(map) = schema {
        map.insert("description".to_owned(), Value::from(description));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    enum Unit {
        Celsius,
        Fahrenheit,
    }

    static DEF: ToolDef = ToolDef {
        name: "get_weather",
        description: "The weather.",
        params: &[
            ParamDef {
                name: "city",
                description: "The city.",
                required: true,
                schema: param_schema::<String>,
            },
            ParamDef {
                name: "unit",
                description: "",
                required: false,
                schema: param_schema::<Option<Unit>>,
            },
            ParamDef {
                name: "extra",
                description: "Anything.",
                required: true,
                schema: param_schema::<Value>,
            },
        ],
    };

    #[test]
    fn parameters_form_one_object_with_definitions() {
        let schema = DEF.parameters_schema();
        assert_eq!(schema["type"], "object");
        assert_eq!(
            schema["properties"]["city"],
            json!({"type": "string", "description": "The city."})
        );
        assert_eq!(
            schema["properties"]["extra"],
            json!({"description": "Anything."})
        );
        assert_eq!(schema["required"], json!(["city", "extra"]));
        assert!(schema["$defs"]["Unit"].is_object(), "{schema}");
        let keys: Vec<_> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["city", "unit", "extra"]);
    }
}
