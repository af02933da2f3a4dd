//! Fitting a parsed value to the schema: the conversions a careful reader would make
//! (`"3"` → 3, one value → a one-element list, `positive` → `Positive`, `{"value": x}` ↔ `x`),
//! and a precise refusal for everything that would mean inventing data.
//!
//! The walk builds a new value and never backtracks except across `anyOf`/`oneOf` branches
//! and the few reshapings below; a step budget bounds that search and a depth limit bounds
//! the recursion, cyclic `$ref`s included.

use std::time::Instant;

use serde_json::{Map, Number, Value};

use super::Repair;
use super::misfit::{CoerceError, Detail, further, merge};
use super::outcome::DecodeFailureKind;
use super::path::{JsonPath, Step};
use super::schema::{
    self, Types, accepted_kinds, asserts_besides_ref, asserts_locally, declares_property,
    item_schema, loose_property, normalize,
};

/// Deepest chain of schema nodes followed (nesting, branches, `$ref`s with siblings).
/// Values nest at most 128 levels, and a recursive type costs about two nodes per level;
/// the limit keeps the walk well inside a 2 MiB thread stack even in debug builds.
const MAX_DEPTH: usize = 300;

/// Most wrappings of one value in a row: `"x"` fits `{"value": [["x"]]}`, no more.
const MAX_GROWTH: usize = 3;

/// Longest chain of bare `$ref`s followed from one node; longer means a cycle.
const MAX_REF_HOPS: usize = 64;

/// A number bound: keyword, relation as shown in messages, and whether a value meets it.
type Bound = (&'static str, &'static str, fn(f64, f64) -> bool);

const BOUNDS: [Bound; 4] = [
    ("minimum", "≥", |x, limit| x >= limit),
    ("maximum", "≤", |x, limit| x <= limit),
    ("exclusiveMinimum", ">", |x, limit| x > limit),
    ("exclusiveMaximum", "<", |x, limit| x < limit),
];

/// Steps between two readings of the clock: often enough that a walk overruns its deadline
/// by a few milliseconds at most, rarely enough that reading the clock costs nothing.
const STEPS_PER_CLOCK_READING: usize = 4_096;

/// Fits `value` to the schema `root`, spending steps from `budget`, until `deadline` if any.
pub(super) fn coerce(
    value: &Value,
    root: &Value,
    budget: &mut usize,
    deadline: Option<Instant>,
) -> Result<(Value, Vec<Repair>), CoerceError> {
    let mut coercer = Coercer {
        root,
        budget: *budget,
        steps: 0,
        deadline,
        repairs: Vec::new(),
        growth: (0, 0),
    };
    let result = coercer.node(value, root, &mut JsonPath::default(), 0);
    *budget = coercer.budget;
    match result {
        Ok(fitted) => Ok((fitted, coercer.repairs)),
        Err(error) => Err(*error),
    }
}

/// Errors are boxed so that results stay small in every frame of the recursion.
type Outcome = Result<Value, Box<CoerceError>>;

/// What a schema node asks of a value.
enum Target<'s> {
    /// Anything goes.
    Any,
    /// `$ref` with siblings, `allOf`, `anyOf` or `oneOf`.
    Composite(&'s Map<String, Value>),
    /// Only the node's own keywords.
    Local(&'s Map<String, Value>),
}

struct Coercer<'s> {
    root: &'s Value,
    budget: usize,
    /// Steps taken by this walk (the clock is read every [`STEPS_PER_CLOCK_READING`]).
    steps: usize,
    deadline: Option<Instant>,
    repairs: Vec<Repair>,
    /// The value being wrapped (into a list or a `{"value": …}` object), by address, and
    /// how many times in a row: bounded, or a recursive schema would wrap it forever.
    growth: (usize, usize),
}

impl<'s> Coercer<'s> {
    fn fail(&self, path: &JsonPath, message: String) -> Box<CoerceError> {
        self.abort(DecodeFailureKind::Mismatch, path, message)
    }

    fn wrong_kind(
        &self,
        path: &JsonPath,
        expected: Vec<String>,
        found: &Value,
    ) -> Box<CoerceError> {
        Box::new(CoerceError {
            kind: DecodeFailureKind::Mismatch,
            path: path.render(),
            depth: path.len(),
            detail: Detail::WrongKind {
                expected,
                found: schema::describe_value(found),
            },
        })
    }

    fn abort(&self, kind: DecodeFailureKind, path: &JsonPath, message: String) -> Box<CoerceError> {
        Box::new(CoerceError {
            kind,
            path: path.render(),
            depth: path.len(),
            detail: Detail::Specific(message),
        })
    }

    /// Fits `v` to one schema node. Every step of the walk passes here, so this is where the
    /// step budget and the depth limit are kept. Functions on the recursive path keep their
    /// frames small (the rest is done in helpers) so that 128 levels of nesting fit in a
    /// 2 MiB stack even in debug builds.
    fn node(&mut self, v: &Value, schema: &'s Value, path: &mut JsonPath, depth: usize) -> Outcome {
        self.step(path, depth)?;
        match self.target(v, schema, path)? {
            Target::Any => Ok(v.clone()),
            // OpenAPI's `nullable` admits null whatever the other keywords say.
            Target::Composite(node) | Target::Local(node)
                if v.is_null() && node.get("nullable") == Some(&Value::Bool(true)) =>
            {
                Ok(Value::Null)
            }
            Target::Composite(node) => self.composite(v, node, path, depth),
            Target::Local(node) => self.local(v, node, path, depth),
        }
    }

    fn step(&mut self, path: &JsonPath, depth: usize) -> Result<(), Box<CoerceError>> {
        if self.budget == 0 {
            return Err(self.out_of_budget(path));
        }
        self.budget -= 1;
        self.steps += 1;
        if self.steps.is_multiple_of(STEPS_PER_CLOCK_READING) && super::passed(self.deadline) {
            return Err(self.out_of_time(path));
        }
        if depth > MAX_DEPTH {
            return Err(self.too_deep(path));
        }
        Ok(())
    }

    /// What a schema node asks of a value. schemars puts a bare `$ref` at every use of a
    /// named type: those are followed in a loop, not by recursion.
    fn target(
        &self,
        v: &Value,
        mut schema: &'s Value,
        path: &JsonPath,
    ) -> Result<Target<'s>, Box<CoerceError>> {
        let mut hops = 0;
        let node = loop {
            let node = match schema {
                Value::Object(node) => node,
                Value::Bool(true) => return Ok(Target::Any),
                _ => return Err(self.not_a_schema(schema, v, path)),
            };
            match node.get("$ref") {
                Some(reference) if !asserts_besides_ref(node) => {
                    hops += 1;
                    if hops > MAX_REF_HOPS {
                        return Err(self.too_deep(path));
                    }
                    schema = self.resolve(reference, path)?;
                }
                _ => break node,
            }
        };
        let combines = ["$ref", "allOf", "anyOf", "oneOf"]
            .iter()
            .any(|k| node.contains_key(*k));
        Ok(if combines {
            Target::Composite(node)
        } else if asserts_locally(node) {
            Target::Local(node)
        } else {
            Target::Any
        })
    }

    /// A node combining `$ref` (with other keywords beside it), `allOf`, `anyOf`/`oneOf` and
    /// its own keywords: each stage works on the previous stage's output.
    fn composite(
        &mut self,
        v: &Value,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        let mut current: Option<Value> = None;
        if let Some(reference) = node.get("$ref") {
            let target = self.resolve(reference, path)?;
            current = Some(self.node(v, target, path, depth + 1)?);
        }
        if let Some(parts) = node.get("allOf").and_then(Value::as_array) {
            for part in parts {
                let input = current.take();
                current = Some(self.node(input.as_ref().unwrap_or(v), part, path, depth + 1)?);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = node.get(key).and_then(Value::as_array) {
                let input = current.take();
                let input = input.as_ref().unwrap_or(v);
                current = Some(self.branches(input, branches, path, depth + 1)?);
            }
        }
        let input = current.take();
        let input = input.as_ref().unwrap_or(v);
        if asserts_locally(node) {
            self.local(input, node, path, depth)
        } else {
            Ok(input.clone())
        }
    }

    /// How many times in a row `v` has been wrapped, counting one more.
    fn next_growth(&self, v: &Value) -> (usize, usize) {
        let address = std::ptr::from_ref(v) as usize;
        let count = if self.growth.0 == address {
            self.growth.1 + 1
        } else {
            1
        };
        (address, count)
    }

    /// Whether `v` may be wrapped once more: at most [`MAX_GROWTH`] times in a row.
    fn can_grow(&self, v: &Value) -> bool {
        self.next_growth(v).1 <= MAX_GROWTH
    }

    /// Counts one more wrapping of `v`; returns the state to restore afterwards.
    fn start_growing(&mut self, v: &Value) -> (usize, usize) {
        let next = self.next_growth(v);
        std::mem::replace(&mut self.growth, next)
    }

    fn resolve(&self, reference: &Value, path: &JsonPath) -> Result<&'s Value, Box<CoerceError>> {
        let target = reference
            .as_str()
            .and_then(|r| schema::resolve_ref(self.root, r));
        target.ok_or_else(|| {
            let message = format!("the schema's $ref {reference} cannot be resolved");
            self.abort(DecodeFailureKind::InvalidSchema, path, message)
        })
    }

    #[cold]
    fn out_of_budget(&self, path: &JsonPath) -> Box<CoerceError> {
        let message = "matching the answer to the schema took too many steps".to_owned();
        self.abort(DecodeFailureKind::TooComplex, path, message)
    }

    #[cold]
    fn out_of_time(&self, path: &JsonPath) -> Box<CoerceError> {
        let message = super::OUT_OF_TIME.to_owned();
        self.abort(DecodeFailureKind::Deadline, path, message)
    }

    #[cold]
    fn too_deep(&self, path: &JsonPath) -> Box<CoerceError> {
        let message = format!("the value and schema nest deeper than {MAX_DEPTH} steps here");
        self.abort(DecodeFailureKind::TooDeep, path, message)
    }

    #[cold]
    fn not_a_schema(&self, schema: &Value, v: &Value, path: &JsonPath) -> Box<CoerceError> {
        if schema == &Value::Bool(false) {
            let found = schema::describe_value(v);
            return self.fail(path, format!("no value is allowed here, found {found}"));
        }
        let message = format!("schema node `{schema}` is neither an object nor a boolean");
        self.abort(DecodeFailureKind::InvalidSchema, path, message)
    }

    /// Fits `v` to the best branch: the first that fits as is, else the one needing the
    /// fewest repairs, earlier branches winning ties.
    fn branches(
        &mut self,
        v: &Value,
        branches: &'s [Value],
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        let mark = self.repairs.len();
        let mut best: Option<(Value, Vec<Repair>)> = None;
        let mut failures = Vec::new();
        for branch in branches {
            match self.node(v, branch, path, depth) {
                Ok(fitted) => {
                    let added = self.repairs.split_off(mark);
                    if added.is_empty() {
                        return Ok(fitted);
                    }
                    if best.as_ref().is_none_or(|(_, r)| added.len() < r.len()) {
                        best = Some((fitted, added));
                    }
                }
                Err(e) if e.kind != DecodeFailureKind::Mismatch => return Err(e),
                Err(e) => {
                    self.repairs.truncate(mark);
                    failures.push(*e);
                }
            }
        }
        if let Some((fitted, added)) = best {
            self.repairs.extend(added);
            return Ok(fitted);
        }
        Err(match merge(failures) {
            Some(failure) => Box::new(failure),
            None => self.fail(path, "the schema offers no alternative here".to_owned()),
        })
    }

    /// Fits `v` to a node's own keywords, reshaping it (unwrapping a single-property
    /// object or a one-element list) when it does not fit as it is.
    fn local(
        &mut self,
        v: &Value,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        let mark = self.repairs.len();
        let direct = match self.local_direct(v, node, path, depth) {
            Err(e) if e.kind == DecodeFailureKind::Mismatch => e,
            other => return other,
        };
        self.repairs.truncate(mark);
        match self.reshape(v, node, path, depth) {
            Some(Err(e)) if e.kind == DecodeFailureKind::Mismatch => {
                self.repairs.truncate(mark);
                Err(further(direct, e))
            }
            Some(other) => other,
            None => Err(direct),
        }
    }

    fn local_direct(
        &mut self,
        v: &Value,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        if let Some(constant) = node.get("const") {
            return self.variant(v, std::slice::from_ref(constant), path);
        }
        if let Some(variants) = node.get("enum").and_then(Value::as_array) {
            return self.variant(v, variants, path);
        }
        match schema::declared_types(node) {
            Some(types) => self.typed(v, types, node, path, depth),
            None => Ok(v.clone()),
        }
    }

    /// Whether `path` is where promptfn asked for its `{"value": …}` wrapper: the root of a
    /// schema that travels wrapped.
    fn asked_for_wrapper(&self, path: &JsonPath) -> bool {
        path.len() == 0 && crate::schema::travels_wrapped(self.root)
    }

    /// Fit `inner`, the member (`key`) of an object standing in for its value, recording the
    /// unwrapping unless it is the wrapper promptfn asked for: `{"value": …}` around a root
    /// that travels wrapped.
    fn unwrapped(
        &mut self,
        key: &str,
        inner: &Value,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        let asked_for = key == crate::schema::WRAPPED_VALUE_KEY && self.asked_for_wrapper(path);
        if !asked_for {
            self.repairs.push(Repair::UnwrappedSingleKeyObject {
                path: path.render(),
                key: key.to_owned(),
            });
        }
        path.push(Step::Key(key.to_owned()));
        let fitted = self.local(inner, node, path, depth + 1);
        path.pop();
        fitted
    }

    /// Answers come wrapped in `{"value": …}` (the wrapper of non-object roots, sent where
    /// none was asked or asked for) or in a one-element list; when the value does not fit, what
    /// it wraps may.
    fn reshape(
        &mut self,
        v: &Value,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Option<Outcome> {
        let accepted = accepted_kinds(node);
        match v {
            Value::Object(map) if map.len() == 1 => {
                let (key, inner) = map.iter().next()?;
                let unwrap = !accepted.has(Types::OBJECT)
                    || (inner.is_object() && !declares_property(node, key));
                if !unwrap || !is_value_wrapper(key) {
                    return None;
                }
                Some(self.unwrapped(key, inner, node, path, depth))
            }
            // The wrapper promptfn asked for, with properties its schema forbids beside the
            // value (`{"value": 4, "unit": "legs"}`): they are dropped, as from any object
            // whose schema closes it, and the value is read where it was asked for.
            Value::Object(map) if self.asked_for_wrapper(path) && !accepted.has(Types::OBJECT) => {
                let inner = map.get(crate::schema::WRAPPED_VALUE_KEY)?;
                for key in map.keys() {
                    if key != crate::schema::WRAPPED_VALUE_KEY {
                        self.repairs.push(Repair::DroppedUnknownProperty {
                            path: path.render_with_key(key),
                        });
                    }
                }
                Some(self.unwrapped(crate::schema::WRAPPED_VALUE_KEY, inner, node, path, depth))
            }
            Value::Array(items) if items.len() == 1 && !accepted.has(Types::ARRAY) => {
                self.repairs.push(Repair::SingleElementListToValue {
                    path: path.render(),
                });
                path.push(Step::Index(0));
                let fitted = self.local(&items[0], node, path, depth + 1);
                path.pop();
                Some(fitted)
            }
            _ => None,
        }
    }

    /// Matches `v` to one of `variants`: exactly, then ignoring case, then ignoring case and
    /// separators, then across the string/number divide.
    fn variant(&mut self, v: &Value, variants: &'s [Value], path: &JsonPath) -> Outcome {
        if let Some(hit) = variants.iter().find(|known| same_value(known, v)) {
            return Ok(hit.clone());
        }
        let pick = |matches: &dyn Fn(&str) -> bool| -> Option<&'s str> {
            let mut hits = variants
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| matches(s));
            let first = hits.next()?;
            hits.next().is_none().then_some(first)
        };
        match v {
            Value::String(text) => {
                let folded = text.trim().to_lowercase();
                if let Some(hit) = pick(&|s| s.to_lowercase() == folded) {
                    self.repairs.push(Repair::EnumCaseInsensitive {
                        path: path.render(),
                        from: text.clone(),
                        to: hit.to_owned(),
                    });
                    return Ok(Value::from(hit));
                }
                let normalized = normalize(text);
                if !normalized.is_empty()
                    && let Some(hit) = pick(&|s| normalize(s) == normalized)
                {
                    self.repairs.push(Repair::EnumNormalized {
                        path: path.render(),
                        from: text.clone(),
                        to: hit.to_owned(),
                    });
                    return Ok(Value::from(hit));
                }
                if let Some(number) = number_from_text(text).map(Value::Number)
                    && let Some(hit) = variants.iter().find(|known| same_value(known, &number))
                {
                    self.repairs.push(Repair::StringToNumber {
                        path: path.render(),
                    });
                    return Ok(hit.clone());
                }
            }
            Value::Number(number) => {
                let text = number.to_string();
                if let Some(hit) = variants.iter().find(|known| known.as_str() == Some(&text)) {
                    self.repairs.push(Repair::NumberToString {
                        path: path.render(),
                    });
                    return Ok(hit.clone());
                }
            }
            _ => {}
        }
        let expected = variants.iter().map(schema::render_constant).collect();
        Err(self.wrong_kind(path, expected, v))
    }

    /// Fits `v` to a node with declared types.
    fn typed(
        &mut self,
        v: &Value,
        types: Types,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        if let Some(inner) = self.wrapped_schema(v, types, node) {
            return self.wrap_in_value(v, inner, path, depth);
        }
        match v {
            Value::Null if types.has(Types::NULL) => Ok(Value::Null),
            Value::Bool(_) if types.has(Types::BOOLEAN) => Ok(v.clone()),
            Value::String(_) if types.has(Types::STRING) => Ok(v.clone()),
            Value::Number(n) if types.has(Types::NUMBER.union(Types::INTEGER)) => {
                self.number(n, types, node, path)
            }
            Value::Array(items) if types.has(Types::ARRAY) => self.array(items, node, path, depth),
            Value::Object(_) if types.has(Types::OBJECT) => self.object(v, node, path, depth),
            _ => self.convert(v, types, node, path, depth),
        }
    }

    /// The schema of the wrapped value, when `v` is a bare value (or an object without
    /// `value`) meeting promptfn's `{"value": …}` wrapper.
    fn wrapped_schema(
        &self,
        v: &Value,
        types: Types,
        node: &'s Map<String, Value>,
    ) -> Option<&'s Value> {
        let inner = schema::value_wrapper_inner(node)?;
        let wraps = types.has(Types::OBJECT) && wants_wrapping(v, types) && self.can_grow(v);
        wraps.then_some(inner)
    }

    fn wrap_in_value(
        &mut self,
        v: &Value,
        inner: &'s Value,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        self.repairs.push(Repair::WrappedInValueObject {
            path: path.render(),
        });
        let previous = self.start_growing(v);
        let fitted = self.node(v, inner, path, depth + 1);
        self.growth = previous;
        let mut wrapper = Map::new();
        wrapper.insert("value".to_owned(), fitted?);
        Ok(Value::Object(wrapper))
    }

    /// The conversions between kinds that keep the model's meaning.
    fn convert(
        &mut self,
        v: &Value,
        types: Types,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        match v {
            Value::String(text) => {
                if types.has(Types::NUMBER.union(Types::INTEGER))
                    && let Some(number) = number_from_text(text)
                {
                    self.repairs.push(Repair::StringToNumber {
                        path: path.render(),
                    });
                    return self.number(&number, types, node, path);
                }
                let folded = text.trim().to_lowercase();
                if types.has(Types::BOOLEAN) && matches!(folded.as_str(), "true" | "false") {
                    self.repairs.push(Repair::StringToBool {
                        path: path.render(),
                    });
                    return Ok(Value::Bool(folded == "true"));
                }
                if types.has(Types::NULL) && matches!(folded.as_str(), "" | "null" | "none") {
                    self.repairs.push(Repair::StringToNull {
                        path: path.render(),
                    });
                    return Ok(Value::Null);
                }
                if types.has(Types::OBJECT.union(Types::ARRAY))
                    && let Ok(parsed) = serde_json::from_str::<Value>(text)
                    && (parsed.is_object() || parsed.is_array())
                {
                    self.repairs.push(Repair::ParsedJsonString {
                        path: path.render(),
                    });
                    return self.typed(&parsed, types, node, path, depth + 1);
                }
            }
            Value::Number(number) if types.has(Types::STRING) => {
                self.repairs.push(Repair::NumberToString {
                    path: path.render(),
                });
                return Ok(Value::String(number.to_string()));
            }
            _ => {}
        }
        if types.has(Types::ARRAY) && !v.is_null() && self.can_grow(v) {
            let previous = self.start_growing(v);
            let fitted = self.single_value_to_list(v, node, path, depth);
            self.growth = previous;
            return fitted;
        }
        Err(self.wrong_kind(path, types.names(), v))
    }

    fn single_value_to_list(
        &mut self,
        v: &Value,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        // `{"tags": ["a", "b"]}` holds the list; wrapping the object would hide it.
        if let Value::Object(map) = v
            && map.len() == 1
            && let Some((key, inner @ Value::Array(_))) = map.iter().next()
            && is_value_wrapper(key)
        {
            let mark = self.repairs.len();
            match self.unwrapped(key, inner, node, path, depth) {
                Err(e) if e.kind == DecodeFailureKind::Mismatch => self.repairs.truncate(mark),
                other => return other,
            }
        }
        self.repairs.push(Repair::SingleValueToList {
            path: path.render(),
        });
        self.check_length(1, node, path)?;
        let fitted = match item_schema(node, 0) {
            Some(items) => self.node(v, items, path, depth + 1)?,
            None => v.clone(),
        };
        Ok(Value::Array(vec![fitted]))
    }

    fn number(
        &mut self,
        number: &Number,
        types: Types,
        node: &Map<String, Value>,
        path: &JsonPath,
    ) -> Outcome {
        let integral = number.is_i64() || number.is_u64();
        let number = if integral || types.has(Types::NUMBER) {
            number.clone()
        } else {
            let whole = number
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .and_then(whole_number);
            let Some(whole) = whole else {
                let message = format!("expected integer, found number {number}");
                return Err(self.fail(path, message));
            };
            self.repairs.push(Repair::FloatToInteger {
                path: path.render(),
            });
            whole
        };
        self.check_bounds(&number, types, node, path)?;
        Ok(Value::Number(number))
    }

    fn check_bounds(
        &self,
        number: &Number,
        types: Types,
        node: &Map<String, Value>,
        path: &JsonPath,
    ) -> Result<(), Box<CoerceError>> {
        let Some(x) = number.as_f64() else {
            return Ok(());
        };
        for (keyword, relation, holds) in BOUNDS {
            let Some(bound) = node.get(keyword).filter(|b| b.is_number()) else {
                continue;
            };
            if !bound.as_f64().is_some_and(|limit| holds(x, limit)) {
                let kind = if types.has(Types::NUMBER) {
                    "number"
                } else {
                    "integer"
                };
                let message = format!("expected {kind} {relation} {bound}, found number {number}");
                return Err(self.fail(path, message));
            }
        }
        Ok(())
    }

    fn check_length(
        &self,
        count: usize,
        node: &Map<String, Value>,
        path: &JsonPath,
    ) -> Result<(), Box<CoerceError>> {
        let limit = |key: &str| node.get(key).and_then(Value::as_u64);
        let plural = |n: u64| if n == 1 { "item" } else { "items" };
        let count_u64 = count as u64;
        if let Some(min) = limit("minItems")
            && count_u64 < min
        {
            let message = format!("expected at least {min} {}, found {count}", plural(min));
            return Err(self.fail(path, message));
        }
        if let Some(max) = limit("maxItems")
            && count_u64 > max
        {
            let message = format!("expected at most {max} {}, found {count}", plural(max));
            return Err(self.fail(path, message));
        }
        Ok(())
    }

    fn array(
        &mut self,
        items: &[Value],
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        self.check_length(items.len(), node, path)?;
        let mut fitted = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            path.push(Step::Index(index));
            let result = match item_schema(node, index) {
                Some(schema) => self.node(item, schema, path, depth + 1),
                None => Ok(item.clone()),
            };
            path.pop();
            fitted.push(result?);
        }
        Ok(Value::Array(fitted))
    }

    fn object(
        &mut self,
        v: &Value,
        node: &'s Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Outcome {
        let Value::Object(map) = v else {
            return Err(self.wrong_kind(path, vec!["object".to_owned()], v));
        };
        let properties = node.get("properties").and_then(Value::as_object);
        let mut fitted = Map::new();
        let mut matched_any = false;
        for (key, value) in map {
            let target = properties.and_then(|props| match props.get_key_value(key) {
                Some((name, schema)) => Some((name.as_str(), schema)),
                None => loose_property(props, map, key),
            });
            match target {
                Some((name, schema)) if !fitted.contains_key(name) => {
                    matched_any = true;
                    if name != key {
                        self.note_renamed(path, key, name);
                    }
                    path.push(Step::Key(key.clone()));
                    let result = self.node(value, schema, path, depth + 1);
                    path.pop();
                    fitted.insert(name.to_owned(), result?);
                }
                _ => self.extra_property(key, value, node, &mut fitted, path, depth)?,
            }
        }
        self.finish_object(v, node, fitted, matched_any, path)
    }

    fn note_renamed(&mut self, path: &JsonPath, from: &str, to: &str) {
        self.repairs.push(Repair::RenamedProperty {
            path: path.render(),
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }

    /// What the members alone cannot settle: that some property was recognised and the
    /// required ones are present; missing optional ones are set to null.
    fn finish_object(
        &mut self,
        v: &Value,
        node: &'s Map<String, Value>,
        mut fitted: Map<String, Value>,
        matched_any: bool,
        path: &JsonPath,
    ) -> Outcome {
        let properties = node.get("properties").and_then(Value::as_object);
        let answered = v.as_object().is_some_and(|map| !map.is_empty());
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = properties
            && !props.is_empty()
            && answered
            && !matched_any
        {
            let names: Vec<String> = props.keys().take(8).map(|k| format!("`{k}`")).collect();
            let expected = format!("object with properties {}", names.join(", "));
            return Err(self.wrong_kind(path, vec![expected], v));
        }
        let missing: Vec<String> = required
            .iter()
            .filter(|name| !fitted.contains_key(**name))
            .map(|name| format!("`{name}`"))
            .collect();
        if !missing.is_empty() {
            let noun = if missing.len() == 1 {
                "property"
            } else {
                "properties"
            };
            let mut error = self.fail(
                path,
                format!("missing required {noun} {}", missing.join(", ")),
            );
            error.depth += 1;
            return Err(error);
        }
        for (name, schema) in properties.into_iter().flatten() {
            if !fitted.contains_key(name) && schema::allows_null(self.root, schema) {
                self.repairs.push(Repair::NullForMissingOptional {
                    path: path.render_with_key(name),
                });
                fitted.insert(name.clone(), Value::Null);
            }
        }
        Ok(Value::Object(fitted))
    }

    /// A property the schema does not name: checked against `additionalProperties`,
    /// dropped (and reported) where the schema forbids extra properties.
    fn extra_property(
        &mut self,
        key: &str,
        value: &Value,
        node: &'s Map<String, Value>,
        fitted: &mut Map<String, Value>,
        path: &mut JsonPath,
        depth: usize,
    ) -> Result<(), Box<CoerceError>> {
        match node.get("additionalProperties") {
            Some(Value::Bool(false)) => {
                self.repairs.push(Repair::DroppedUnknownProperty {
                    path: path.render_with_key(key),
                });
            }
            Some(schema @ Value::Object(_)) => {
                path.push(Step::Key(key.to_owned()));
                let result = self.node(value, schema, path, depth + 1);
                path.pop();
                fitted.insert(key.to_owned(), result?);
            }
            _ => {
                fitted.insert(key.to_owned(), value.clone());
            }
        }
        Ok(())
    }
}

/// Whether a bare value, or an object without a `value` member, stands for the wrapped value.
fn wants_wrapping(v: &Value, types: Types) -> bool {
    match v {
        Value::Object(map) => !map.keys().any(|k| normalize(k) == "value"),
        other => !types.has(schema::kind_of(other)),
    }
}

/// Whether an object with the single property `key` may stand for that property's value: only
/// for `value`, the wrapper promptfn itself uses. Any other name is data the model chose to
/// send: `{"error": "I cannot list them"}` read as a list of one string would pass a refusal
/// off as an answer, and `{"years": 30}` deeper down names what the number means.
fn is_value_wrapper(key: &str) -> bool {
    normalize(key) == crate::schema::WRAPPED_VALUE_KEY
}

/// A number written as a string, only if the whole string (around whitespace) is one.
fn number_from_text(text: &str) -> Option<Number> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    trimmed.parse::<Number>().ok()
}

/// A float without fraction as an integer `Number`, if it fits in 64 bits.
fn whole_number(f: f64) -> Option<Number> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
    if (-TWO_POW_63..TWO_POW_63).contains(&f) {
        // In range and whole, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        Some(Number::from(f as i64))
    } else if (0.0..TWO_POW_64).contains(&f) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(Number::from(f as u64))
    } else {
        None
    }
}

/// Equality that treats `1` and `1.0` as the same number.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}
