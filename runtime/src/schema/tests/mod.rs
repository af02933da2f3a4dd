//! Tests of the schema compiler.

mod limits;
mod robustness;
mod rules;
mod zoo;
mod zoo_types;

/// Sort every `required` list, so expectations written in any order compare equal: strict
/// mode lists properties in declaration order, which these tables do not restate.
pub(super) fn sorted_required(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, child)| {
                    let child = match (key.as_str(), child) {
                        ("required", Value::Array(items)) => {
                            let mut items = items.clone();
                            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                            Value::Array(items)
                        }
                        _ => sorted_required(child),
                    };
                    (key.clone(), child)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(sorted_required).collect()),
        other => other.clone(),
    }
}
