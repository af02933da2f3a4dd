//! JSON paths (`$.items[2].name`) naming where in a value a repair or failure happened.

use std::fmt::Write as _;

/// One step from a value to a child.
#[derive(Debug, Clone)]
pub(super) enum Step {
    /// A property name as the answer spells it.
    Key(String),
    /// A position in an array.
    Index(usize),
}

/// The steps from the root of the answer to the value being looked at; rendered only when
/// a repair or failure needs it. Paths name places in the answer as the model wrote it.
#[derive(Debug, Default)]
pub(super) struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    pub(super) fn push(&mut self, step: Step) {
        self.steps.push(step);
    }

    pub(super) fn pop(&mut self) {
        self.steps.pop();
    }

    /// Number of steps; a longer path means a failure was found further into the value.
    pub(super) fn len(&self) -> usize {
        self.steps.len()
    }

    /// The path as text, with one more key appended.
    pub(super) fn render_with_key(&self, key: &str) -> String {
        let mut out = self.render();
        push_key(&mut out, key);
        out
    }

    /// The path as text: `$`, `$.name`, `$.items[2]`, `$["odd key"]`.
    pub(super) fn render(&self) -> String {
        let mut out = String::from("$");
        for step in &self.steps {
            match step {
                Step::Key(key) => push_key(&mut out, key),
                Step::Index(index) => {
                    let _ = write!(out, "[{index}]");
                }
            }
        }
        out
    }
}

fn push_key(out: &mut String, key: &str) {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        out.push('.');
        out.push_str(key);
    } else {
        // A JSON string literal is an unambiguous bracket key, whatever the key holds.
        out.push('[');
        out.push_str(&serde_json::Value::from(key).to_string());
        out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_indices_and_odd_keys() {
        let mut path = JsonPath::default();
        assert_eq!(path.render(), "$");
        path.push(Step::Key("items".to_owned()));
        path.push(Step::Index(2));
        path.push(Step::Key("first name".to_owned()));
        assert_eq!(path.render(), r#"$.items[2]["first name"]"#);
        path.pop();
        assert_eq!(path.render_with_key("name"), "$.items[2].name");
        assert_eq!(path.render_with_key("9lives"), r#"$.items[2]["9lives"]"#);
        assert_eq!(path.len(), 2);
    }
}
