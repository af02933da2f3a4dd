//! A table of answers shaped like real model output, each with the Rust value it must decode
//! to (and the exact repairs reported) or the failure it must produce. Schemas come from
//! schemars 1.x, as promptfn derives them; non-object roots are also tried in the
//! `{"value": …}` wrapper promptfn sends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::super::{DecodeFailureKind, Repair, decode};

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Person {
    name: String,
    age: Option<u32>,
    email: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Resident {
    name: String,
    age: u32,
    city: String,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

/// Documented variants make schemars emit `oneOf` with one `const` per variant.
#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
enum Priority {
    /// Can wait.
    Low,
    /// This week.
    Medium,
    /// Today.
    High,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Status {
    NotStarted,
    InProgress,
    Done,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Address {
    street: String,
    city: String,
    zip: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Contact {
    name: String,
    address: Address,
    previous: Option<Address>,
    tags: Vec<String>,
    priority: Priority,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct LineItem {
    sku: String,
    qty: u32,
    price: f64,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Invoice {
    id: u64,
    total: f64,
    paid: bool,
    items: Vec<LineItem>,
    status: Status,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Figure {
    Circle { radius: f64 },
    Rectangle { width: f64, height: f64 },
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
enum Action {
    Stop,
    Move { x: i32, y: i32 },
    Say(String),
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Review {
    sentiment: Sentiment,
    score: u8,
    summary: String,
    keywords: Vec<String>,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Task {
    title: String,
    done: bool,
    priority: Option<Priority>,
    subtasks: Vec<Task>,
}

/// How promptfn's output side reads a wrapped root back.
#[derive(Debug, PartialEq, Deserialize)]
struct Wrapped<T> {
    value: T,
}

fn schema_of<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap()
}

/// The schema promptfn sends for a non-object root: the type's schema under a required
/// `value` property, its `$defs` lifted to the root so that `#/$defs/…` still resolves.
fn wrapped_schema_of<T: JsonSchema>() -> Value {
    let mut inner = schema_of::<T>();
    let defs = inner.as_object_mut().and_then(|node| {
        node.remove("$schema");
        node.remove("title");
        node.remove("$defs")
    });
    let mut root = json!({
        "type": "object",
        "properties": {"value": inner},
        "required": ["value"],
    });
    if let Some(defs) = defs {
        root["$defs"] = defs;
    }
    root
}

struct Case {
    name: &'static str,
    run: Box<dyn Fn() -> Result<(), String>>,
}

/// `text` decodes to `expected`, reporting exactly `repairs`.
fn ok<T>(name: &'static str, text: &'static str, expected: T, repairs: Vec<Repair>) -> Case
where
    T: JsonSchema + DeserializeOwned + PartialEq + Debug + 'static,
{
    expect_value(name, text, schema_of::<T>(), expected, repairs)
}

/// Like [`ok`], against the wrapped schema of `T`.
fn ok_wrapped<T>(name: &'static str, text: &'static str, expected: T, repairs: Vec<Repair>) -> Case
where
    T: JsonSchema + DeserializeOwned + PartialEq + Debug + 'static,
{
    let expected = Wrapped { value: expected };
    expect_value(name, text, wrapped_schema_of::<T>(), expected, repairs)
}

fn expect_value<T>(
    name: &'static str,
    text: &'static str,
    schema: Value,
    expected: T,
    repairs: Vec<Repair>,
) -> Case
where
    T: DeserializeOwned + PartialEq + Debug + 'static,
{
    let run = move || {
        let decoded = decode(text, &schema).map_err(|f| format!("failed: {}", f.reason))?;
        let value: T = serde_json::from_value(decoded.value.clone())
            .map_err(|e| format!("serde rejected {}: {e}", decoded.value))?;
        if value != expected {
            return Err(format!("decoded {value:?}, expected {expected:?}"));
        }
        // Coercions follow the order of the answer's keys, which depends on whether
        // serde_json preserves order (the workspace enables `preserve_order`): compare as sets.
        if !same_items(&decoded.repairs, &repairs) {
            return Err(format!(
                "repairs {:?}, expected {repairs:?}",
                decoded.repairs
            ));
        }
        Ok(())
    };
    Case {
        name,
        run: Box::new(run),
    }
}

/// `text` fails with `kind`, at `path`, with a reason containing `reason`.
fn fails<T: JsonSchema>(
    name: &'static str,
    text: &'static str,
    kind: DecodeFailureKind,
    path: Option<&'static str>,
    reason: &'static str,
) -> Case {
    expect_failure(name, text.to_owned(), schema_of::<T>(), kind, path, reason)
}

fn fails_wrapped<T: JsonSchema>(
    name: &'static str,
    text: &'static str,
    kind: DecodeFailureKind,
    path: Option<&'static str>,
    reason: &'static str,
) -> Case {
    expect_failure(
        name,
        text.to_owned(),
        wrapped_schema_of::<T>(),
        kind,
        path,
        reason,
    )
}

fn expect_failure(
    name: &'static str,
    text: String,
    schema: Value,
    kind: DecodeFailureKind,
    path: Option<&'static str>,
    reason: &'static str,
) -> Case {
    let run = move || match decode(&text, &schema) {
        Ok(decoded) => Err(format!(
            "decoded {} with {:?}, expected a failure",
            decoded.value, decoded.repairs
        )),
        Err(failure) if failure.kind != kind => Err(format!(
            "{:?} ({}), expected {kind:?}",
            failure.kind, failure.reason
        )),
        Err(failure) if failure.path.as_deref() != path => Err(format!(
            "path {:?} ({}), expected {path:?}",
            failure.path, failure.reason
        )),
        Err(failure) if !failure.reason.contains(reason) => {
            Err(format!("reason {:?} lacks {reason:?}", failure.reason))
        }
        Err(_) => Ok(()),
    };
    Case {
        name,
        run: Box::new(run),
    }
}

/// Whether both lists hold the same repairs, in any order.
fn same_items(found: &[Repair], expected: &[Repair]) -> bool {
    let mut unmatched: Vec<&Repair> = expected.iter().collect();
    for repair in found {
        match unmatched.iter().position(|r| *r == repair) {
            Some(at) => {
                unmatched.swap_remove(at);
            }
            None => return false,
        }
    }
    unmatched.is_empty()
}

fn person(name: &str, age: Option<u32>, email: Option<&str>) -> Person {
    Person {
        name: name.to_owned(),
        age,
        email: email.map(str::to_owned),
    }
}

fn at(path: &str) -> String {
    path.to_owned()
}

fn enum_case(path: &str, from: &str, to: &str) -> Repair {
    Repair::EnumCaseInsensitive {
        path: at(path),
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

fn missing_optional(path: &str) -> Repair {
    Repair::NullForMissingOptional { path: at(path) }
}

fn string_to_number(path: &str) -> Repair {
    Repair::StringToNumber { path: at(path) }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

use DecodeFailureKind::{Mismatch, NoJson, Syntax, TooDeep};

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    vec![
        // ── Person: an object with optional fields ──────────────────────────────────────
        ok(
            "strict json needs no repair",
            r#"{"name":"Alice","age":30,"email":null}"#,
            person("Alice", Some(30), None),
            vec![],
        ),
        ok(
            "missing optional fields become null",
            r#"{"name": "Alice"}"#,
            person("Alice", None, None),
            vec![missing_optional("$.age"), missing_optional("$.email")],
        ),
        ok(
            "json fenced block",
            "```json\n{\"name\": \"Bob\", \"age\": 41, \"email\": \"bob@example.com\"}\n```",
            person("Bob", Some(41), Some("bob@example.com")),
            vec![Repair::FencedBlock],
        ),
        ok(
            "bare fence inside chatty prose",
            "Sure! Here is the person:\n\n```\n{\"name\": \"Bob\", \"age\": 41, \"email\": null}\n```\n\nLet me know if you need anything else.",
            person("Bob", Some(41), None),
            vec![Repair::FencedBlock],
        ),
        ok(
            "json inside prose",
            "Here is the JSON you asked for: {\"name\": \"Carol\", \"age\": 25, \"email\": null} Hope this helps!",
            person("Carol", Some(25), None),
            vec![Repair::ExtractedFromProse],
        ),
        ok(
            "braces inside strings in prose",
            "Result: {\"name\": \"Carol {the} [great]\", \"age\": 25, \"email\": \"c}@x.io\"} -- done.",
            person("Carol {the} [great]", Some(25), Some("c}@x.io")),
            vec![Repair::ExtractedFromProse],
        ),
        ok(
            "trailing comma",
            r#"{"name": "Dan", "age": 52, "email": null,}"#,
            person("Dan", Some(52), None),
            vec![Repair::TrailingComma],
        ),
        ok(
            "python dict with single quotes and None",
            "{'name': 'Eve', 'age': 33, 'email': None}",
            person("Eve", Some(33), None),
            vec![Repair::SingleQuotes, Repair::PythonLiteral],
        ),
        ok(
            "javascript object with unquoted keys",
            r#"{name: "Frank", age: 61, email: "f@x.io"}"#,
            person("Frank", Some(61), Some("f@x.io")),
            vec![Repair::UnquotedKey],
        ),
        ok(
            "line and block comments",
            "{\n  // the person\n  \"name\": \"Gina\", /* years */ \"age\": 28,\n  \"email\": null\n}",
            person("Gina", Some(28), None),
            vec![Repair::Comment],
        ),
        ok(
            "truncated inside a string",
            r#"{"name": "Hank", "age": 45, "email": "hank@exa"#,
            person("Hank", Some(45), Some("hank@exa")),
            vec![Repair::ClosedString, Repair::ClosedBrackets],
        ),
        ok(
            "truncated after a key",
            r#"{"name": "Ivy", "age": 38, "email":"#,
            person("Ivy", Some(38), None),
            vec![
                Repair::DroppedTruncatedMember,
                Repair::ClosedBrackets,
                missing_optional("$.email"),
            ],
        ),
        ok(
            "age as a string",
            r#"{"name": "Jack", "age": "27", "email": null}"#,
            person("Jack", Some(27), None),
            vec![string_to_number("$.age")],
        ),
        ok(
            "age as a whole float",
            r#"{"name": "Jack", "age": 27.0, "email": null}"#,
            person("Jack", Some(27), None),
            vec![Repair::FloatToInteger { path: at("$.age") }],
        ),
        ok(
            "name as a number",
            r#"{"name": 12345, "age": null, "email": null}"#,
            person("12345", None, None),
            vec![Repair::NumberToString { path: at("$.name") }],
        ),
        ok(
            "property names in the wrong case",
            r#"{"Name": "Kim", "Age": 22, "EMAIL": null}"#,
            person("Kim", Some(22), None),
            vec![
                Repair::RenamedProperty {
                    path: at("$"),
                    from: "Age".into(),
                    to: "age".into(),
                },
                Repair::RenamedProperty {
                    path: at("$"),
                    from: "EMAIL".into(),
                    to: "email".into(),
                },
                Repair::RenamedProperty {
                    path: at("$"),
                    from: "Name".into(),
                    to: "name".into(),
                },
            ],
        ),
        // Only promptfn's own `value` wrapper stands for its content: another single key
        // may be an error report (`{"error": {…}}`), not the answer.
        fails::<Person>(
            "object wrapped in a key of its own",
            r#"{"person": {"name": "Liam", "age": 19, "email": null}}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"person\"",
        ),
        fails::<Person>(
            "error object in place of the answer",
            r#"{"error": {"name": "not_found"}}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"error\"",
        ),
        ok(
            "reasoning block with draft json first",
            "<think>The user wants JSON. Draft: {\"name\": \"draft\"}.</think>\n{\"name\": \"Mia\", \"age\": 24, \"email\": null}",
            person("Mia", Some(24), None),
            vec![Repair::StrippedReasoning],
        ),
        ok(
            "json encoded twice",
            r#""{\"name\": \"Noah\", \"age\": 50, \"email\": null}""#,
            person("Noah", Some(50), None),
            vec![Repair::ParsedJsonString { path: at("$") }],
        ),
        ok(
            "unescaped quotes inside a string",
            r#"{"name": "Dwayne "The Rock" Johnson", "age": 52, "email": null}"#,
            person("Dwayne \"The Rock\" Johnson", Some(52), None),
            vec![Repair::UnescapedQuote],
        ),
        ok(
            "missing commas between lines",
            "{\n  \"name\": \"Ann\"\n  \"age\": 31\n}",
            person("Ann", Some(31), None),
            vec![Repair::MissingComma, missing_optional("$.email")],
        ),
        ok(
            "schema echoed in a first fence, answer in the second",
            "Schema:\n```json\n{\"type\": \"object\"}\n```\nAnswer:\n```json\n{\"name\": \"Zoe\", \"age\": 29, \"email\": null}\n```",
            person("Zoe", Some(29), None),
            vec![Repair::FencedBlock],
        ),
        ok(
            "prose with brackets before the json",
            "Based on the text [source 1], the person is: {\"name\": \"Uma\", \"age\": 40, \"email\": null}.",
            person("Uma", Some(40), None),
            vec![Repair::ExtractedFromProse],
        ),
        ok(
            "json in inline code",
            "`{\"name\": \"Vic\", \"age\": 35, \"email\": null}`",
            person("Vic", Some(35), None),
            vec![],
        ),
        ok(
            "observed smollm2 answer: string closed by the brace, then prose",
            "{ \"name\": \"Alice\", \"age\": 30, \"city\": \"Paris }\n\nThis JSON object represents a person named Alice who is 30 years old and lives in Paris.",
            Resident {
                name: "Alice".into(),
                age: 30,
                city: "Paris".into(),
            },
            vec![Repair::ExtractedFromProse, Repair::ClosedString],
        ),
        fails::<Resident>(
            "observed smollm2 answer: string still open when the fence closes, prose quoted after",
            "{\"name\": \"\", \"age\": 42, \"city\": \"Berlin }\n```\n\nThis JSON is a valid JSON in \
             Python. It contains the following data:\n\n- `name`: \"\"\n- `age`: 42\n- `city`: \"Berlin\"\n",
            Syntax,
            None,
            "a string is still open where the code block closes",
        ),
        fails::<Person>(
            "object where a number is expected",
            r#"{"name": "Olga", "age": {"years": 30}}"#,
            Mismatch,
            Some("$.age"),
            r#"expected integer or null, found object with keys "years""#,
        ),
        fails::<Person>(
            "word where a number is expected",
            r#"{"name": "Pat", "age": "thirty"}"#,
            Mismatch,
            Some("$.age"),
            r#"expected integer or null, found string "thirty""#,
        ),
        fails::<Person>(
            "number with a unit",
            r#"{"name": "Pat", "age": "30 years"}"#,
            Mismatch,
            Some("$.age"),
            r#"found string "30 years""#,
        ),
        fails::<Person>(
            "fraction where an integer is expected",
            r#"{"name": "Pat", "age": 30.5}"#,
            Mismatch,
            Some("$.age"),
            "expected integer, found number 30.5",
        ),
        fails::<Person>(
            "negative age",
            r#"{"name": "Pat", "age": -3}"#,
            Mismatch,
            Some("$.age"),
            "expected integer ≥ 0, found number -3",
        ),
        fails::<Person>(
            "boolean where a number is expected",
            r#"{"name": "Pat", "age": true}"#,
            Mismatch,
            Some("$.age"),
            "found boolean true",
        ),
        fails::<Person>(
            "required field missing",
            r#"{"age": 30}"#,
            Mismatch,
            Some("$"),
            "missing required property `name`",
        ),
        fails::<Person>(
            "required field null",
            r#"{"name": null}"#,
            Mismatch,
            Some("$.name"),
            "expected string, found null",
        ),
        fails::<Person>(
            "two objects where one is expected",
            r#"[{"name": "A"}, {"name": "B"}]"#,
            Mismatch,
            Some("$"),
            "expected object, found array of 2 items",
        ),
        fails::<Person>(
            "object with none of the properties",
            r#"{"type": "object", "properties": {}}"#,
            Mismatch,
            Some("$"),
            "expected object with properties `",
        ),
        fails::<Person>(
            "refusal in prose",
            "I'm sorry, but I can't help with that request.",
            NoJson,
            None,
            "found no JSON value in the answer: \"I'm sorry",
        ),
        fails::<Person>("empty answer", "  \n", NoJson, None, "the answer is empty"),
        fails::<Person>(
            "cut off while still reasoning",
            "<think>The user wants a person. Draft: {\"name\": \"Draft\"}. Let me check the age",
            NoJson,
            None,
            "ends inside its <think> reasoning block",
        ),
        ok(
            "one-line fence after prose",
            "Sure! ```json {\"name\": \"Ola\", \"age\": 7, \"email\": null}``` Done.",
            person("Ola", Some(7), None),
            vec![Repair::FencedBlock],
        ),
        ok(
            "hyphenated bare keys and a hash comment",
            "{\n  # model comment\n  name: \"Ida\",\n  e-mail: \"ida@x.io\"\n}",
            person("Ida", None, Some("ida@x.io")),
            vec![
                Repair::Comment,
                Repair::UnquotedKey,
                Repair::RenamedProperty {
                    path: at("$"),
                    from: "e-mail".into(),
                    to: "email".into(),
                },
                missing_optional("$.age"),
            ],
        ),
        fails::<Person>(
            "json that cannot be repaired",
            r#"{"name": "Quinn", "age": 30, oops}"#,
            Syntax,
            None,
            "line 1, column 34: expected `:` after property name \"oops\", found `}`",
        ),
        fails::<Person>(
            "only brackets",
            "}{][",
            Syntax,
            None,
            "invalid JSON at line 1",
        ),
        fails::<Person>(
            "unquoted text value",
            r#"{"name": Alice, "age": 3}"#,
            Syntax,
            None,
            "found `Alice` (text values need quotes)",
        ),
        // ── Sentiment: a unit enum at the root ──────────────────────────────────────────
        ok(
            "enum as a json string",
            r#""Positive""#,
            Sentiment::Positive,
            vec![],
        ),
        ok(
            "enum in lower case",
            r#""positive""#,
            Sentiment::Positive,
            vec![enum_case("$", "positive", "Positive")],
        ),
        ok(
            "enum as a bare word",
            "Negative",
            Sentiment::Negative,
            vec![Repair::TextAsString],
        ),
        ok(
            "enum as a bare word with a full stop",
            "neutral.",
            Sentiment::Neutral,
            vec![Repair::TextAsString, enum_case("$", "neutral", "Neutral")],
        ),
        fails::<Sentiment>(
            "enum wrapped by the model in an object",
            r#"{"sentiment": "NEGATIVE"}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"sentiment\"",
        ),
        ok(
            "enum then an explanation",
            "Positive\n\nThe reviewer loved the battery life.",
            Sentiment::Positive,
            vec![Repair::TextAsString, Repair::ExtractedFromProse],
        ),
        ok(
            "enum in a one-element list",
            r#"["Neutral"]"#,
            Sentiment::Neutral,
            vec![Repair::SingleElementListToValue { path: at("$") }],
        ),
        fails::<Sentiment>(
            "enum variant that does not exist",
            "Happy",
            Mismatch,
            Some("$"),
            r#"expected one of `Positive`, `Negative`, `Neutral`, found string "Happy""#,
        ),
        fails::<Sentiment>(
            "enum behind a label",
            "Sentiment: Positive",
            Mismatch,
            Some("$"),
            r#"found string "Sentiment: Positive""#,
        ),
        // ── Wrapped roots, as promptfn sends non-object return types ───────────────────
        ok_wrapped(
            "wrapped enum",
            r#"{"value": "Neutral"}"#,
            Sentiment::Neutral,
            vec![],
        ),
        ok_wrapped(
            "wrapped enum sent bare",
            r#""negative""#,
            Sentiment::Negative,
            vec![
                Repair::WrappedInValueObject { path: at("$") },
                enum_case("$", "negative", "Negative"),
            ],
        ),
        fails_wrapped::<Sentiment>(
            "wrapped enum in the model's own key",
            r#"{"sentiment": "Positive"}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"sentiment\"",
        ),
        ok_wrapped(
            "wrapped list sent bare",
            r#"["rust", "json"]"#,
            strings(&["rust", "json"]),
            vec![Repair::WrappedInValueObject { path: at("$") }],
        ),
        ok_wrapped(
            "wrapped list sent as one bare string",
            r#""rust""#,
            strings(&["rust"]),
            vec![
                Repair::WrappedInValueObject { path: at("$") },
                Repair::SingleValueToList { path: at("$") },
            ],
        ),
        ok_wrapped(
            "wrapped list holding one string",
            r#"{"value": "rust"}"#,
            strings(&["rust"]),
            vec![Repair::SingleValueToList {
                path: at("$.value"),
            }],
        ),
        fails_wrapped::<Vec<String>>(
            "wrapped list in the model's own key",
            r#"{"tags": ["a", "b"]}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"tags\"",
        ),
        fails::<Vec<String>>(
            "refusal in an object of its own",
            r#"{"error": "I cannot list them"}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"error\"",
        ),
        fails::<u32>(
            "error code in place of a number",
            r#"{"error": 7}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"error\"",
        ),
        ok_wrapped(
            "wrapped list truncated",
            "```json\n{\"value\": [\"alpha\", \"beta\", \"gam",
            strings(&["alpha", "beta", "gam"]),
            vec![
                Repair::FencedBlock,
                Repair::ClosedString,
                Repair::ClosedBrackets,
            ],
        ),
        ok_wrapped(
            "wrapped number sent bare",
            "42",
            42_u32,
            vec![Repair::WrappedInValueObject { path: at("$") }],
        ),
        ok_wrapped(
            "wrapped number as a string",
            r#""42""#,
            42_u32,
            vec![
                Repair::WrappedInValueObject { path: at("$") },
                string_to_number("$"),
            ],
        ),
        ok_wrapped(
            "wrapped float as a string",
            r#"{"value": " 3.5 "}"#,
            3.5_f64,
            vec![string_to_number("$.value")],
        ),
        ok_wrapped(
            "wrapped boolean as a python word",
            "True",
            true,
            vec![
                Repair::TextAsString,
                Repair::WrappedInValueObject { path: at("$") },
                Repair::StringToBool { path: at("$") },
            ],
        ),
        ok_wrapped(
            "wrapped option null",
            "null",
            None::<u32>,
            vec![Repair::WrappedInValueObject { path: at("$") }],
        ),
        ok_wrapped(
            "wrapped option as the string null",
            r#"{"value": "null"}"#,
            None::<u32>,
            vec![Repair::StringToNull {
                path: at("$.value"),
            }],
        ),
        fails_wrapped::<u32>(
            "wrapped number in a sentence",
            "The answer is 42.",
            Mismatch,
            Some("$"),
            r#"expected integer, found string "The answer is 42""#,
        ),
        fails_wrapped::<bool>(
            "wrapped boolean as yes",
            r#"{"value": "yes"}"#,
            Mismatch,
            Some("$.value"),
            r#"expected boolean, found string "yes""#,
        ),
        fails_wrapped::<f64>(
            "wrapped float with a decimal comma",
            r#"{"value": "3,5"}"#,
            Mismatch,
            Some("$.value"),
            r#"expected number, found string "3,5""#,
        ),
        fails_wrapped::<Vec<String>>(
            "wrapped list with an object item",
            r#"[1, {"a": 2}]"#,
            Mismatch,
            Some("$[1]"),
            r#"expected string, found object with keys "a""#,
        ),
        fails_wrapped::<Vec<String>>(
            "wrapped list cut off right after its bracket",
            "Here are the tags: [",
            Syntax,
            None,
            "found the end of the answer",
        ),
        // ── Non-object roots sent in promptfn's wrapper but expected bare ──────────────
        // The wrapper promptfn asked for is no repair (issue #18).
        ok(
            "unwrapped list root",
            r#"{"value": [1, 2, 3]}"#,
            vec![1_u32, 2, 3],
            vec![],
        ),
        ok("unwrapped number root", r#"{"value": 7}"#, 7_u8, vec![]),
        ok(
            "unwrapped enum root",
            r#"{"value": "Negative"}"#,
            Sentiment::Negative,
            vec![],
        ),
        // Properties beside the value, which the wrapper's schema forbids, are dropped as
        // from any closed object; the value is read where promptfn asked for it.
        ok(
            "wrapper with properties beside the value",
            r#"{"value": 4, "unit": "legs", "reason": "a dog has four"}"#,
            4_u8,
            vec![
                Repair::DroppedUnknownProperty { path: at("$.unit") },
                Repair::DroppedUnknownProperty {
                    path: at("$.reason"),
                },
            ],
        ),
        ok(
            "list wrapper with a count beside it",
            r#"{"count": 2, "value": ["a", "b"]}"#,
            vec!["a".to_owned(), "b".to_owned()],
            vec![Repair::DroppedUnknownProperty {
                path: at("$.count"),
            }],
        ),
        // Without its `value`, such an object is no answer.
        fails::<u8>(
            "object of other properties where a number is asked",
            r#"{"count": 4, "unit": "legs"}"#,
            Mismatch,
            Some("$"),
            "found object with keys \"count\", \"unit\"",
        ),
        ok(
            "wrapper misspelt by the model",
            r#"{"Value": 7}"#,
            7_u8,
            vec![Repair::UnwrappedSingleKeyObject {
                path: at("$"),
                key: "Value".into(),
            }],
        ),
        fails::<u8>(
            "number out of range",
            "300",
            Mismatch,
            Some("$"),
            "expected integer ≤ 255, found number 300",
        ),
        // ── Nested structs ─────────────────────────────────────────────────────────────
        ok(
            "nested struct with several coercions",
            "```json\n{\"name\": \"Ada\", \"address\": {\"street\": \"1 Loop\", \"city\": \"Cupertino\"}, \"previous\": null, \"tags\": \"vip\", \"priority\": \"high\"}\n```",
            Contact {
                name: "Ada".into(),
                address: Address {
                    street: "1 Loop".into(),
                    city: "Cupertino".into(),
                    zip: None,
                },
                previous: None,
                tags: strings(&["vip"]),
                priority: Priority::High,
            },
            vec![
                Repair::FencedBlock,
                missing_optional("$.address.zip"),
                enum_case("$.priority", "high", "High"),
                Repair::SingleValueToList { path: at("$.tags") },
            ],
        ),
        ok(
            "optional nested struct present with a numeric zip",
            r#"{"name": "Bo", "address": {"street": "2 Main", "city": "Oslo", "zip": null}, "previous": {"street": "3 Side", "city": "Bergen", "zip": 5003}, "tags": [], "priority": "Low"}"#,
            Contact {
                name: "Bo".into(),
                address: Address {
                    street: "2 Main".into(),
                    city: "Oslo".into(),
                    zip: None,
                },
                previous: Some(Address {
                    street: "3 Side".into(),
                    city: "Bergen".into(),
                    zip: Some("5003".into()),
                }),
                tags: vec![],
                priority: Priority::Low,
            },
            vec![Repair::NumberToString {
                path: at("$.previous.zip"),
            }],
        ),
        fails::<Contact>(
            "string where a nested struct is expected",
            r#"{"name": "Cy", "address": "1 Main St, Springfield", "tags": [], "priority": "Low"}"#,
            Mismatch,
            Some("$.address"),
            r#"expected object, found string "1 Main St, Springfield""#,
        ),
        fails::<Contact>(
            "nested struct missing a required field",
            r#"{"name": "Cy", "address": {"street": "1 Main"}, "tags": [], "priority": "Low"}"#,
            Mismatch,
            Some("$.address"),
            "missing required property `city`",
        ),
        fails::<Contact>(
            "documented enum variant that does not exist",
            r#"{"name": "Cy", "address": {"street": "1 Main", "city": "X"}, "tags": [], "priority": "Urgent"}"#,
            Mismatch,
            Some("$.priority"),
            r#"expected one of `Low`, `Medium`, `High`, found string "Urgent""#,
        ),
        fails::<Contact>(
            "optional struct given as a string",
            r#"{"name": "Cy", "address": {"street": "1 Main", "city": "X"}, "previous": "none known", "tags": [], "priority": "Low"}"#,
            Mismatch,
            Some("$.previous"),
            r#"expected object or null, found string "none known""#,
        ),
        // ── Invoice: numbers, booleans, enums and lists written loosely ──────────────────
        ok(
            "numbers and booleans as strings, enum with spaces",
            r#"{"id": "1001", "total": "59.90", "paid": "true", "items": [{"sku": "A-1", "qty": "2", "price": 19.95}, {"sku": "B-2", "qty": 1, "price": 20}], "status": "in progress"}"#,
            Invoice {
                id: 1001,
                total: 59.9,
                paid: true,
                items: vec![
                    LineItem {
                        sku: "A-1".into(),
                        qty: 2,
                        price: 19.95,
                    },
                    LineItem {
                        sku: "B-2".into(),
                        qty: 1,
                        price: 20.0,
                    },
                ],
                status: Status::InProgress,
            },
            vec![
                string_to_number("$.id"),
                string_to_number("$.items[0].qty"),
                Repair::StringToBool { path: at("$.paid") },
                Repair::EnumNormalized {
                    path: at("$.status"),
                    from: "in progress".into(),
                    to: "IN_PROGRESS".into(),
                },
                string_to_number("$.total"),
            ],
        ),
        ok(
            "renamed screaming enum in lower case",
            r#"{"id": 1, "total": 0, "paid": false, "items": [], "status": "done"}"#,
            Invoice {
                id: 1,
                total: 0.0,
                paid: false,
                items: vec![],
                status: Status::Done,
            },
            vec![enum_case("$.status", "done", "DONE")],
        ),
        ok(
            "invoice cut off after its last item",
            r#"{"id": 8, "total": 3, "paid": true, "status": "DONE", "items": [{"sku": "Z", "qty": 3, "price": 1}"#,
            Invoice {
                id: 8,
                total: 3.0,
                paid: true,
                items: vec![LineItem {
                    sku: "Z".into(),
                    qty: 3,
                    price: 1.0,
                }],
                status: Status::Done,
            },
            vec![Repair::ClosedBrackets],
        ),
        fails::<Invoice>(
            "invoice cut off inside an item",
            "```json\n{\"id\": 7, \"total\": 10.5, \"paid\": false, \"status\": \"DONE\", \"items\": [{\"sku\": \"X\", \"qty\": 1, \"price\": 10.5}, {\"sku\": \"Y\", \"qty\"",
            Mismatch,
            Some("$.items[1]"),
            "missing required properties `qty`, `price`",
        ),
        fails::<Invoice>(
            "negative quantity",
            r#"{"id": 1, "total": 1, "paid": true, "status": "DONE", "items": [{"sku": "X", "qty": -1, "price": 1}]}"#,
            Mismatch,
            Some("$.items[0].qty"),
            "expected integer ≥ 0, found number -1",
        ),
        fails::<Invoice>(
            "id too large for an integer",
            r#"{"id": 1e30, "total": 1, "paid": true, "status": "DONE", "items": []}"#,
            Mismatch,
            Some("$.id"),
            "expected integer, found number 1e+30",
        ),
        // ── Tagged enums ───────────────────────────────────────────────────────────────
        ok(
            "internally tagged enum with a capitalised tag and a string number",
            r#"{"kind": "Circle", "radius": "2.5"}"#,
            Figure::Circle { radius: 2.5 },
            vec![
                enum_case("$.kind", "Circle", "circle"),
                string_to_number("$.radius"),
            ],
        ),
        ok(
            "internally tagged enum as is",
            r#"{"kind": "rectangle", "width": 3, "height": 4}"#,
            Figure::Rectangle {
                width: 3.0,
                height: 4.0,
            },
            vec![],
        ),
        fails::<Figure>(
            "internally tagged enum with an unknown tag",
            r#"{"kind": "triangle", "side": 3}"#,
            Mismatch,
            Some("$.kind"),
            r#"expected one of `circle`, `rectangle`, found string "triangle""#,
        ),
        ok(
            "externally tagged variant in lower case with a string number",
            r#"{"move": {"x": "3", "y": 4}}"#,
            Action::Move { x: 3, y: 4 },
            vec![
                Repair::RenamedProperty {
                    path: at("$"),
                    from: "move".into(),
                    to: "Move".into(),
                },
                string_to_number("$.move.x"),
            ],
        ),
        ok(
            "unit variant in lower case",
            r#""stop""#,
            Action::Stop,
            vec![enum_case("$", "stop", "Stop")],
        ),
        ok(
            "newtype variant holding a number",
            r#"{"Say": 42}"#,
            Action::Say("42".into()),
            vec![Repair::NumberToString { path: at("$.Say") }],
        ),
        // ── Review and Task: lists and recursion ───────────────────────────────────────
        ok(
            "keywords given as one string",
            r#"{"sentiment": "Positive", "score": 9, "summary": "Great", "keywords": "fast"}"#,
            Review {
                sentiment: Sentiment::Positive,
                score: 9,
                summary: "Great".into(),
                keywords: strings(&["fast"]),
            },
            vec![Repair::SingleValueToList {
                path: at("$.keywords"),
            }],
        ),
        fails::<Review>(
            "score as a fraction string",
            r#"{"sentiment": "Positive", "score": "9/10", "summary": "Great", "keywords": []}"#,
            Mismatch,
            Some("$.score"),
            r#"expected integer, found string "9/10""#,
        ),
        ok(
            "recursive tasks in python syntax",
            "{'title': 'Ship', 'done': False, 'subtasks': [{'title': 'Test', 'done': True, 'priority': 'high', 'subtasks': []}]}",
            Task {
                title: "Ship".into(),
                done: false,
                priority: None,
                subtasks: vec![Task {
                    title: "Test".into(),
                    done: true,
                    priority: Some(Priority::High),
                    subtasks: vec![],
                }],
            },
            vec![
                Repair::SingleQuotes,
                Repair::PythonLiteral,
                enum_case("$.subtasks[0].priority", "high", "High"),
                missing_optional("$.priority"),
            ],
        ),
        expect_failure(
            "json bomb",
            "[".repeat(10_000),
            wrapped_schema_of::<Vec<Task>>(),
            TooDeep,
            None,
            "deeper than 128 levels",
        ),
        expect_failure(
            "deeply nested but valid recursive tasks beyond the limit",
            format!(
                "{}{}",
                r#"{"title": "t", "done": true, "subtasks": ["#.repeat(200),
                "]}".repeat(200)
            ),
            schema_of::<Task>(),
            TooDeep,
            None,
            "deeper than 128 levels",
        ),
        fails::<Person>(
            "broken json around a fitting fragment",
            r#"{"note": yes, "person": {"name": "Rae", "age": 3, "email": null}}"#,
            Syntax,
            None,
            "found `yes`",
        ),
    ]
}

#[test]
fn corpus_decodes_as_expected() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");

    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| (case.run)().err().map(|e| format!("{}: {e}", case.name)))
        .collect();
    let passed = cases.len() - failures.len();
    println!("lenient corpus: {passed}/{} cases pass", cases.len());
    assert!(
        cases.len() >= 60,
        "the corpus has only {} cases",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
