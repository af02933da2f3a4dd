//! The model's arguments for one call, read leniently against the tool's schema and handed to
//! the generated code one parameter at a time, so every problem can be reported at once.

use serde_json::{Map, Value};

use super::result::{ToolFailure, ToolFuture, ToolParam};
use crate::lenient;
use crate::output::{CallDeadline, unread};

/// The arguments of one tool call, as decoded JSON (generated code only).
#[derive(Debug)]
pub struct ToolArgs {
    values: Map<String, Value>,
    problems: Vec<String>,
}

impl ToolArgs {
    /// Read `text` (the call's `arguments`) against the tool's parameter schema, abandoned at
    /// `deadline` (the round's: the call's timeout bounds reading arguments as it bounds
    /// running the tools). Broken JSON is repaired where the tolerant decoder can; an empty
    /// text means no arguments.
    pub(crate) fn parse(
        text: &str,
        schema: &Value,
        deadline: Option<CallDeadline>,
    ) -> Result<Self, String> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        let decoded = lenient::decode_until(text, schema, deadline.map(|d| d.at))
            .map_err(|failure| unread(failure, "the arguments", text, deadline))?;
        match decoded.value {
            Value::Object(values) => Ok(Self {
                values,
                problems: Vec::new(),
            }),
            other => Err(format!("the arguments must be a JSON object, not {other}")),
        }
    }

    /// The argument `name` as a `T`, or `None` after noting why it cannot be one. A missing
    /// argument reads as `null`, which an `Option` parameter accepts.
    pub fn take<T: ToolParam>(&mut self, name: &str) -> Option<T> {
        let given = self.values.remove(name);
        let missing = given.is_none();
        match serde_json::from_value(given.unwrap_or(Value::Null)) {
            Ok(value) => Some(value),
            Err(_) if missing => {
                self.problems.push(format!("`{name}` is missing"));
                None
            }
            Err(error) => {
                self.problems.push(format!("`{name}`: {error}"));
                None
            }
        }
    }

    /// The failure to report when some argument could not be taken.
    pub fn rejected(self) -> ToolFuture {
        let reason = if self.problems.is_empty() {
            "the arguments do not fit the parameters".to_owned()
        } else {
            self.problems.join("; ")
        };
        Box::pin(std::future::ready(Err(ToolFailure::InvalidArguments(
            reason,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "city": {"type": "string"}, "days": {"type": ["integer", "null"]}
        }, "required": ["city"]})
    }

    #[test]
    fn takes_each_argument_and_reads_missing_options_as_none() {
        let mut args = ToolArgs::parse(r#"{"city": "Paris"}"#, &schema(), None).unwrap();
        assert_eq!(args.take::<String>("city").as_deref(), Some("Paris"));
        assert_eq!(args.take::<Option<u32>>("days"), Some(None));
        assert!(args.problems.is_empty());
    }

    #[test]
    fn repairs_sloppy_json_and_treats_empty_text_as_no_arguments() {
        let mut args = ToolArgs::parse("{city: 'Oslo', days: \"3\",}", &schema(), None).unwrap();
        assert_eq!(args.take::<String>("city").as_deref(), Some("Oslo"));
        assert_eq!(args.take::<Option<u32>>("days"), Some(Some(3)));
        let empty = json!({"type": "object", "properties": {}});
        assert!(ToolArgs::parse("  ", &empty, None).is_ok());
    }

    #[test]
    fn every_problem_is_noted() {
        let mut args = ToolArgs::parse(r#"{"days": 2}"#, &json!({"type": "object"}), None).unwrap();
        assert_eq!(args.take::<String>("city"), None);
        assert_eq!(args.take::<bool>("days"), None);
        assert_eq!(args.problems.len(), 2, "{:?}", args.problems);
        assert_eq!(args.problems[0], "`city` is missing");
        assert!(args.problems[1].starts_with("`days`: invalid type"));
        assert!(ToolArgs::parse("[1]", &json!({}), None).is_err());
        assert!(ToolArgs::parse("not json at all", &schema(), None).is_err());
    }
}
