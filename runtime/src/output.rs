//! How a return type asks for an answer and decodes it: plain text, or JSON against its schema.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::lenient::{self, DecodeFailure, DecodeFailureKind, Repair};
use crate::schema::{self, CompiledSchema, SchemaDialect};
use crate::structured::Mode;
use crate::wire::mode::ModeWire;

/// The deadline a call's decode must end by, and the call's timeout it comes from (named in
/// the error when the decode is abandoned).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallDeadline {
    pub(crate) at: Instant,
    pub(crate) timeout: Duration,
}

impl CallDeadline {
    /// The deadline `timeout` from now; none when that is too far to represent.
    pub(crate) fn from_now(timeout: Duration) -> Option<Self> {
        Instant::now()
            .checked_add(timeout)
            .map(|at| Self { at, timeout })
    }
}

/// Why `text` (`what` it is: "the answer", "the arguments") could not be read: a decode
/// abandoned at the call's deadline in the call's terms (which setting bounds it), any other
/// failure as the decoder explains it.
pub(crate) fn unread(
    failure: DecodeFailure,
    what: &str,
    text: &str,
    deadline: Option<CallDeadline>,
) -> String {
    match (failure.kind, deadline) {
        (DecodeFailureKind::Deadline, Some(deadline)) => format!(
            "reading {what} ({} bytes) took longer than the call's timeout of {:?}, so it was \
             abandoned",
            text.len(),
            deadline.timeout
        ),
        _ => failure.to_string(),
    }
}

/// A type a prompt function can return.
///
/// Implemented for every `T: serde::de::DeserializeOwned + schemars::JsonSchema`. A type whose
/// schema is a bare string (`String`, `Box<str>`, a newtype over `String`) is asked for as plain
/// text; everything else is asked for as JSON matching its schema.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a model's answer",
    label = "this return type needs `Deserialize` and `JsonSchema`",
    note = "add `#[derive(serde::Deserialize, schemars::JsonSchema)]` to `{Self}` (schemars 1.x), or return `String` for plain text"
)]
pub trait Output: Sized + Send + 'static {
    /// The type each choice of the answer decodes into.
    #[doc(hidden)]
    type Item: DeserializeOwned + JsonSchema + Send + 'static;

    /// Whether the type collects several choices (`n > 1`).
    #[doc(hidden)]
    const CHOICES: bool = false;

    /// Build the value from the decoded choices, in order; `None` if there are none.
    #[doc(hidden)]
    fn from_items(items: Vec<Self::Item>) -> Option<Self>;

    /// Build the value from the one decoded answer of a call that wants one.
    #[doc(hidden)]
    fn from_item(item: Self::Item) -> Option<Self> {
        Self::from_items(vec![item])
    }

    /// Whether the type takes the model's tool calls instead of running them
    /// ([`ToolCalls`](crate::ToolCalls)).
    #[doc(hidden)]
    const TOOL_CALLS: bool = false;

    /// Build the value from the tool calls the model asked for (arguments read as JSON) and
    /// its text; an `Err` is sent back to the model to correct. Used when `TOOL_CALLS` is set.
    #[doc(hidden)]
    fn from_tool_calls(
        calls: Vec<crate::tool::RequestedCall<Value>>,
        text: String,
    ) -> Result<Self, String> {
        let _ = (calls, text);
        Err("this return type does not take tool calls".to_owned())
    }
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Output for T {
    type Item = T;

    fn from_items(items: Vec<T>) -> Option<T> {
        items.into_iter().next()
    }

    fn from_item(item: T) -> Option<T> {
        Some(item)
    }
}

/// Several typed answers to one prompt, in order: the return type of a `#[prompt(n = …)]`.
///
/// `n` answers are asked for in one request; when the server gives fewer (llama.cpp ignores
/// `n`), the missing ones are filled by further requests, sent concurrently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices<T>(Vec<T>);

impl<T> Choices<T> {
    /// The answers, in order.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> std::ops::Deref for Choices<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> IntoIterator for Choices<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Choices<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Output for Choices<T> {
    type Item = T;
    const CHOICES: bool = true;

    fn from_items(items: Vec<T>) -> Option<Self> {
        (!items.is_empty()).then_some(Self(items))
    }
}

/// A check of a decoded value beyond its type: a value that fails it is treated like
/// undecodable output, so the model is re-asked with the reason.
///
/// Implement it on a return type (the element type of `Choices<T>`), and every `#[prompt]`
/// function returning it runs the check:
///
/// ```
/// # use schemars::JsonSchema; use serde::Deserialize;
/// #[derive(Deserialize, JsonSchema)]
/// struct Rating { stars: u8 }
///
/// impl promptfn::Validate for Rating {
///     fn validate(&self) -> Result<(), String> {
///         if (1..=5).contains(&self.stars) { Ok(()) } else { Err(format!("stars must be 1 to 5, got {}", self.stars)) }
///     }
/// }
/// ```
pub trait Validate {
    /// `Err(reason)` when the value is not acceptable; the reason is shown to the model.
    fn validate(&self) -> Result<(), String>;
}

/// What a function's return type needs on the wire, computed once per function.
#[derive(Debug)]
pub struct OutputPlan {
    pub(crate) type_name: &'static str,
    pub(crate) format: OutputFormat,
}

/// Whether the answer is read as plain text or as JSON against the type's schema.
#[derive(Debug)]
pub(crate) enum OutputFormat {
    Text,
    Json(Box<JsonOutput>),
}

#[derive(Debug)]
pub(crate) struct JsonOutput {
    /// The schema as schemars produced it (with `$defs`), used for decoding.
    pub(crate) schema: Value,
    /// Whether serde accepts exactly what the schema allows, so that an answer serde reads
    /// straight into the type is one the tolerant decoder would pass unchanged (see [`serde_exact`]).
    serde_exact: bool,
    compiled: [OnceLock<Result<CompiledSchema, String>>; 3],
    /// What each (mode, dialect) adds to a request, built on first use.
    wires: [OnceLock<Result<ModeWire, String>>; 12],
}

impl JsonOutput {
    /// The schema in `dialect`, compiled on first use and kept.
    pub(crate) fn compiled(&self, dialect: SchemaDialect) -> Result<&CompiledSchema, crate::Error> {
        let slot = &self.compiled[dialect_index(dialect)];
        slot.get_or_init(|| schema::compile(&self.schema, dialect).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| crate::Error::Schema(e.clone()))
    }

    /// The request additions for `mode` in `dialect`, built on first use and kept.
    pub(crate) fn wire(
        &self,
        mode: Mode,
        dialect: SchemaDialect,
    ) -> Result<&ModeWire, crate::Error> {
        let m = Mode::LADDER.iter().position(|l| *l == mode).unwrap_or(0);
        let slot = &self.wires[m * 3 + dialect_index(dialect)];
        slot.get_or_init(|| {
            let compiled = self.compiled(dialect).map_err(|e| e.to_string())?;
            ModeWire::build(compiled, mode, dialect).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| crate::Error::Schema(e.clone()))
    }
}

fn dialect_index(dialect: SchemaDialect) -> usize {
    match dialect {
        SchemaDialect::OpenAiStrict => 0,
        SchemaDialect::Gemini => 1,
        SchemaDialect::JsonSchema => 2,
    }
}

impl OutputPlan {
    /// The plan for `T`'s answers.
    pub fn of<T: Output>() -> Self {
        let type_name = std::any::type_name::<T::Item>();
        let schema = schemars::schema_for!(T::Item).to_value();
        let format = if is_plain_string(&schema) {
            OutputFormat::Text
        } else {
            OutputFormat::Json(Box::new(JsonOutput {
                serde_exact: serde_exact(&schema),
                schema,
                compiled: Default::default(),
                wires: Default::default(),
            }))
        };
        Self { type_name, format }
    }

    pub(crate) fn json(&self) -> Option<&JsonOutput> {
        match &self.format {
            OutputFormat::Json(j) => Some(j),
            OutputFormat::Text => None,
        }
    }

    /// Decode one answer (the model's text, or the forced tool call's arguments).
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        answer: &str,
    ) -> Result<(T, Vec<Repair>), String> {
        self.decode_by(answer, None)
    }

    /// [`decode`](Self::decode) for a call whose timeout is `timeout`: reading the answer may
    /// take that long at most, however large or hostile the answer, and is abandoned then
    /// (a reason to re-ask, like any unreadable answer).
    pub(crate) fn decode_within<T: DeserializeOwned>(
        &self,
        answer: &str,
        timeout: Duration,
    ) -> Result<(T, Vec<Repair>), String> {
        self.decode_by(answer, CallDeadline::from_now(timeout))
    }

    /// [`decode`](Self::decode) abandoned at `deadline` (a stream's is its total deadline:
    /// reading its answer is part of the call).
    pub(crate) fn decode_by<T: DeserializeOwned>(
        &self,
        answer: &str,
        deadline: Option<CallDeadline>,
    ) -> Result<(T, Vec<Repair>), String> {
        match &self.format {
            OutputFormat::Text => serde_json::from_value(Value::String(answer.to_owned()))
                .map(|v| (v, Vec::new()))
                .map_err(|e| e.to_string()),
            OutputFormat::Json(j) => {
                // Clean JSON of the right shape, the common case, goes straight into the type
                // without an intermediate `Value`; anything else takes the tolerant path.
                if j.serde_exact
                    && let Ok(value) = serde_json::from_str::<T>(answer)
                {
                    return Ok((value, Vec::new()));
                }
                let decoded = lenient::decode_until(answer, &j.schema, deadline.map(|d| d.at))
                    .map_err(|failure| unread(failure, "the answer", answer, deadline))?;
                let value = serde_json::from_value(decoded.value)
                    .map_err(|e| format!("the JSON does not fit the type: {e}"))?;
                Ok((value, decoded.repairs))
            }
        }
    }
}

/// A schema that is nothing but `{"type": "string"}` asks for plain text.
fn is_plain_string(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else {
        return false;
    };
    obj.get("type").and_then(Value::as_str) == Some("string")
        && obj
            .keys()
            .all(|k| matches!(k.as_str(), "type" | "$schema" | "title" | "description"))
}

/// Whether every constraint of `schema` is one serde enforces by itself while deserializing.
///
/// The tolerant decoder also checks number bounds and item counts, which serde does not (they
/// come from `#[schemars(range(…), length(…))]`), except those that merely restate an integer
/// type's range (`"format": "uint32", "minimum": 0`). A schema with any other bound must go
/// through the tolerant decoder even when serde would accept the answer.
fn serde_exact(schema: &Value) -> bool {
    match schema {
        Value::Object(node) => {
            let bounds_implied = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]
                .iter()
                .all(|key| {
                    node.get(*key)
                        .is_none_or(|bound| implied_by_format(node, key, bound))
                });
            bounds_implied
                && !node.contains_key("minItems")
                && !node.contains_key("maxItems")
                && node.values().all(serde_exact)
        }
        Value::Array(items) => items.iter().all(serde_exact),
        _ => true,
    }
}

/// Whether `bound` (under `key`) is the edge of the integer type the node's `format` names.
fn implied_by_format(node: &serde_json::Map<String, Value>, key: &str, bound: &Value) -> bool {
    let Some(format) = node.get("format").and_then(Value::as_str) else {
        return false;
    };
    let (min, max): (i128, i128) = match format {
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint64" | "uint" => (0, u64::MAX.into()),
        "uint128" => (0, i128::MAX),
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" => (i64::MIN.into(), i64::MAX.into()),
        _ => return false,
    };
    let edge = match key {
        "minimum" => min,
        "maximum" => max,
        _ => return false,
    };
    let as_int = bound
        .as_i64()
        .map(i128::from)
        .or_else(|| bound.as_u64().map(i128::from));
    as_int == Some(edge)
}

/// The per-function slot holding its `OutputPlan`.
#[derive(Debug)]
pub struct OutputCache(OnceLock<OutputPlan>);

impl OutputCache {
    /// An empty slot, usable in a `static`.
    pub const fn new() -> Self {
        Self(OnceLock::new())
    }

    /// The plan for `T`, computed on first use.
    pub(crate) fn get<T: Output>(&self) -> &OutputPlan {
        self.0.get_or_init(OutputPlan::of::<T>)
    }
}

impl Default for OutputCache {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    struct Name(String);

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    enum Mood {
        Happy,
        Sad,
    }

    #[test]
    fn strings_and_string_newtypes_are_text() {
        assert!(matches!(
            OutputPlan::of::<String>().format,
            OutputFormat::Text
        ));
        assert!(matches!(
            OutputPlan::of::<Name>().format,
            OutputFormat::Text
        ));
        assert!(matches!(
            OutputPlan::of::<Mood>().format,
            OutputFormat::Json(_)
        ));
        assert!(matches!(
            OutputPlan::of::<Vec<String>>().format,
            OutputFormat::Json(_)
        ));
        assert!(matches!(
            OutputPlan::of::<bool>().format,
            OutputFormat::Json(_)
        ));
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    struct Widths {
        small: u8,
        count: u32,
        delta: i16,
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    struct Bounded {
        #[schemars(range(min = 1, max = 5))]
        stars: u8,
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    struct Listed {
        #[schemars(length(min = 2))]
        items: Vec<u32>,
    }

    #[test]
    fn integer_ranges_are_serde_exact_but_declared_bounds_are_not() {
        let exact = |plan: OutputPlan| plan.json().map(|j| j.serde_exact);
        assert_eq!(exact(OutputPlan::of::<Widths>()), Some(true));
        assert_eq!(exact(OutputPlan::of::<Mood>()), Some(true));
        assert_eq!(exact(OutputPlan::of::<Bounded>()), Some(false));
        assert_eq!(exact(OutputPlan::of::<Listed>()), Some(false));
    }

    #[test]
    fn a_hostile_answer_is_read_within_the_calls_timeout_only() {
        let plan = OutputPlan::of::<Vec<String>>();
        let hostile = "{\"a], ".repeat(64 * 1024);
        let reason = plan
            .decode_within::<Vec<String>>(&hostile, Duration::ZERO)
            .unwrap_err();
        assert_eq!(
            reason,
            "reading the answer (393216 bytes) took longer than the call's timeout of 0ns, \
             so it was abandoned"
        );
        // An answer read in time is read as without a timeout.
        let (value, _) = plan
            .decode_within::<Vec<String>>("['a']", Duration::from_secs(60))
            .unwrap();
        assert_eq!(value, ["a"]);
    }

    #[test]
    fn declared_bounds_still_reject_what_serde_would_accept() {
        let plan = OutputPlan::of::<Bounded>();
        assert!(plan.decode::<Bounded>(r#"{"stars": 9}"#).is_err());
        let (ok, repairs): (Bounded, _) = plan.decode(r#"{"stars": 4}"#).unwrap();
        assert_eq!(ok, Bounded { stars: 4 });
        assert!(repairs.is_empty());
        let plan = OutputPlan::of::<Listed>();
        assert!(plan.decode::<Listed>(r#"{"items": [1]}"#).is_err());
    }

    #[test]
    fn clean_and_messy_answers_decode_alike() {
        let plan = OutputPlan::of::<Widths>();
        let want = Widths {
            small: 7,
            count: 30,
            delta: -2,
            tags: vec!["a".into()],
        };
        let (clean, repairs): (Widths, _) = plan
            .decode(r#"{"small":7,"count":30,"delta":-2,"tags":["a"]}"#)
            .unwrap();
        assert_eq!((clean, repairs.len()), (want, 0));
        let (messy, repairs): (Widths, _) = plan
            .decode("```json\n{\"small\":\"7\",\"count\":30,\"delta\":-2,\"tags\":\"a\"}\n```")
            .unwrap();
        assert_eq!(messy.small, 7);
        assert_eq!(messy.tags, vec!["a".to_owned()]);
        assert!(!repairs.is_empty());
        assert!(
            plan.decode::<Widths>(r#"{"small":300,"count":1,"delta":0,"tags":[]}"#)
                .is_err()
        );
    }

    #[test]
    fn text_decodes_verbatim() {
        let plan = OutputPlan::of::<String>();
        let (s, repairs): (String, _) = plan.decode("  {not json} ").unwrap();
        assert_eq!(s, "  {not json} ");
        assert!(repairs.is_empty());
    }
}
