//! When a request matches a recorded one, and where it differs when it does not.

use serde_json::Value;

/// How much of a differing value an error message shows.
const SHOWN_CHARS: usize = 160;
/// How many equal characters are shown before the first difference of two strings.
const LEAD_CHARS: usize = 40;

/// The body as matching sees it: the JSON without the top-level fields the cassette ignores.
/// Object key order and number spelling never matter (JSON values are compared, not text).
pub(crate) fn normalize(body: &Value, ignored: &[String]) -> Value {
    let mut body = body.clone();
    if let Some(object) = body.as_object_mut() {
        for field in ignored {
            object.remove(field);
        }
    }
    body
}

/// The first place where `now` differs from `recorded`: its path (`messages[0].content`) and
/// both values, shortened for an error message.
pub(crate) fn first_difference(recorded: &Value, now: &Value) -> Option<Difference> {
    let mut path = String::new();
    walk(recorded, now, &mut path)
}

/// Where two request bodies differ.
#[derive(Debug, PartialEq)]
pub(crate) struct Difference {
    pub(crate) path: String,
    pub(crate) recorded: String,
    pub(crate) now: String,
}

fn walk(recorded: &Value, now: &Value, path: &mut String) -> Option<Difference> {
    match (recorded, now) {
        (Value::Object(a), Value::Object(b)) => {
            let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
            for key in keys {
                let mark = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let found = match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => walk(x, y, path),
                    (x, y) => Some(difference(path, x, y)),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(mark);
            }
            None
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let mark = path.len();
                path.push_str(&format!("[{i}]"));
                let found = match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => walk(x, y, path),
                    (x, y) => Some(difference(path, x, y)),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(mark);
            }
            None
        }
        (a, b) if a == b => None,
        (a, b) => Some(difference(path, Some(a), Some(b))),
    }
}

fn difference(path: &str, recorded: Option<&Value>, now: Option<&Value>) -> Difference {
    let path = if path.is_empty() {
        "(the whole body)".to_owned()
    } else {
        path.to_owned()
    };
    if let (Some(Value::String(a)), Some(Value::String(b))) = (recorded, now) {
        // Long prompts differ deep inside: show both around the first differing character.
        let at = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        return Difference {
            path: if at > 0 {
                format!("{path}, character {}", at + 1)
            } else {
                path
            },
            recorded: around(a, at),
            now: around(b, at),
        };
    }
    Difference {
        path,
        recorded: shown(recorded),
        now: shown(now),
    }
}

/// `text` as a JSON string from a little before character `at`, shortened for a message.
fn around(text: &str, at: usize) -> String {
    let start = at.saturating_sub(LEAD_CHARS);
    let total = text.chars().count();
    let shown: String = text.chars().skip(start).take(SHOWN_CHARS).collect();
    let quoted = Value::String(shown).to_string();
    let head = if start > 0 { "…" } else { "" };
    let tail = if start + SHOWN_CHARS < total {
        "…"
    } else {
        ""
    };
    format!("{head}{quoted}{tail}")
}

fn shown(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "(absent)".to_owned();
    };
    let text = value.to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SHOWN_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_matter_and_ignored_fields_are_left_out() {
        let a = json!({"model": "x", "messages": [], "temperature": 0.5});
        let b = json!({"temperature": 0.5, "messages": [], "model": "y"});
        assert_ne!(normalize(&a, &[]), normalize(&b, &[]));
        let ignored = ["model".to_owned()];
        assert_eq!(normalize(&a, &ignored), normalize(&b, &ignored));
    }

    #[test]
    fn the_first_difference_is_named_by_its_path() {
        let recorded = json!({"model": "m", "messages": [{"role": "user", "content": "Hi Bob"}]});
        let now = json!({"model": "m", "messages": [{"role": "user", "content": "Hi Ann"}]});
        assert_eq!(
            first_difference(&recorded, &now),
            Some(Difference {
                path: "messages[0].content, character 4".into(),
                recorded: "\"Hi Bob\"".into(),
                now: "\"Hi Ann\"".into(),
            })
        );
        let now =
            json!({"model": "m", "messages": [{"role": "user", "content": "Hi Bob"}], "seed": 1});
        let d = first_difference(&recorded, &now).unwrap();
        assert_eq!((d.path.as_str(), d.recorded.as_str()), ("seed", "(absent)"));
        assert_eq!(first_difference(&recorded, &recorded), None);
        let long = json!("x".repeat(1000));
        let d = first_difference(&json!(1), &long).unwrap();
        assert_eq!(d.path, "(the whole body)");
        assert!(d.now.ends_with('…') && d.now.chars().count() == SHOWN_CHARS + 1);
    }

    #[test]
    fn long_strings_are_shown_where_they_differ() {
        let prompt = format!(
            "{}Summarise the ticket in one line.",
            "Context. ".repeat(100)
        );
        let changed = prompt.replace("one line", "two lines");
        let d = first_difference(&json!(prompt), &json!(changed)).unwrap();
        let at = prompt.find("one line").unwrap() + 1;
        assert_eq!(d.path, format!("(the whole body), character {at}"));
        assert!(
            d.recorded.starts_with('…') && d.recorded.contains("in one line"),
            "{d:?}"
        );
        assert!(d.now.contains("in two lines"), "{d:?}");
    }
}
