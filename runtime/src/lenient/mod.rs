//! Tolerant decoding of model answers towards a JSON Schema ("schema-aligned parsing").
//!
//! Models, small ones and those behind proxies especially, answer with JSON fenced in
//! Markdown, wrapped in prose, cut off mid-value, or written with trailing commas, comments,
//! single quotes and bare keys; they put numbers in strings and spell enum variants in the
//! wrong case. [`decode`] reads such answers the way a careful person would and reports every
//! liberty it took as a [`Repair`]; what it cannot read without inventing data becomes a
//! [`DecodeFailure`] naming the place (a JSON path) and what was expected and found.
//!
//! The search, cheapest reading first:
//! 1. the whole answer as strict JSON: if it parses, its fit to the schema is final;
//! 2. past a leading `<think>…</think>` block, each fenced code block (the one that fits
//!    with the fewest repairs wins);
//! 3. the first object or array among the prose that parses (strictly, else repaired) and
//!    fits the schema; a span that was read is never searched again, so the scan is linear;
//! 4. for enums, booleans and numbers only, a short bare answer (`Positive`) read as text.
//!
//! Each candidate value is then fitted to the schema by `coerce`. Nesting is bounded
//! (128 levels, as in serde_json) and the schema walk has a step budget proportional to the
//! answer's length, so no input can overflow the stack or run away.

mod coerce;
mod extract;
mod outcome;
mod path;
mod repair;
mod schema;

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;

use std::ops::Range;

use serde_json::Value;

pub use outcome::{DecodeFailure, DecodeFailureKind, Decoded, Repair};

/// Schema-walk steps allowed per decode: a floor plus a share per byte of the answer.
const BUDGET_FLOOR: usize = 100_000;
const BUDGET_PER_BYTE: usize = 16;

/// Reads `text`, a model's raw answer, as a value of `schema`.
///
/// `schema` is a plain JSON Schema (as schemars emits it): `$defs` with local `$ref`s,
/// `anyOf`, `oneOf`, `allOf`, `enum`, `const`, `type` (a name or a list), OpenAPI's
/// `nullable`, `properties`, `required`, `additionalProperties`, `items`, `prefixItems`,
/// item counts and number bounds. Other keywords are ignored. Non-object roots may travel
/// wrapped as `{"type":"object","properties":{"value":…},"required":["value"]}`: a bare value
/// is wrapped to fit it, and a `{"value": …}` object is unwrapped where a non-object is
/// expected.
///
/// Strict JSON that fits the schema comes back unchanged with no repairs. Never panics.
///
/// # Errors
///
/// A [`DecodeFailure`] when no reading of the answer fits the schema without inventing data.
/// It explains the most informative attempt: a value that parsed but does not fit (with its
/// JSON path), else nesting too deep, else the syntax error that got furthest (with line and
/// column), else that the answer holds no JSON value at all.
pub fn decode(text: &str, schema: &Value) -> Result<Decoded, DecodeFailure> {
    let mut search = Search {
        text,
        schema,
        budget: BUDGET_FLOOR.saturating_add(text.len().saturating_mul(BUDGET_PER_BYTE)),
        mismatch: None,
        too_deep: None,
        syntax: None,
    };
    match search.run() {
        Ok(Some(decoded)) => Ok(decoded),
        Ok(None) => Err(search.failure()),
        Err(Abort(failure)) => Err(failure),
    }
}

/// Ends the search at once: the schema cannot be followed, or the budget is spent.
struct Abort(DecodeFailure);

type Found = Result<Option<Decoded>, Abort>;

/// One decode: the candidates tried so far and the best explanation of their failures.
struct Search<'a> {
    text: &'a str,
    schema: &'a Value,
    budget: usize,
    /// The first value that parsed but did not fit.
    mismatch: Option<DecodeFailure>,
    too_deep: Option<DecodeFailure>,
    /// The syntax error that got furthest into its candidate, with that distance.
    syntax: Option<(usize, DecodeFailure)>,
}

impl Search<'_> {
    fn run(&mut self) -> Found {
        // Strict JSON has nothing to repair, so how it fits the schema is the answer.
        if let Ok(value) = serde_json::from_str::<Value>(self.text) {
            return self.fit(&value, Vec::new());
        }
        let mut base = Vec::new();
        let start = match extract::answer_after_reasoning(self.text) {
            Some(at) => {
                base.push(Repair::StrippedReasoning);
                at
            }
            None => 0,
        };
        let answer = &self.text[start..];

        let fences: Vec<Range<usize>> = extract::fenced_blocks(answer)
            .into_iter()
            .map(|body| start + body.start..start + body.end)
            .collect();
        let mut best: Option<Decoded> = None;
        for body in &fences {
            let mut repairs = base.clone();
            repairs.push(Repair::FencedBlock);
            if let Some(found) = self.in_region(body.clone(), repairs, true)?
                && best
                    .as_ref()
                    .is_none_or(|known| found.repairs.len() < known.repairs.len())
            {
                best = Some(found);
            }
        }
        if best.is_some() {
            return Ok(best);
        }

        if let Some(found) = self.in_region(start..self.text.len(), base.clone(), start > 0)? {
            return Ok(Some(found));
        }

        if !schema::accepts_bare_text(self.schema, self.schema) {
            return Ok(None);
        }
        let source = fences
            .first()
            .map_or(answer, |body| &self.text[body.clone()]);
        let Some((word, more)) = extract::bare_text(source) else {
            return Ok(None);
        };
        let mut repairs = base;
        if !fences.is_empty() {
            repairs.push(Repair::FencedBlock);
        }
        repairs.push(Repair::TextAsString);
        if more {
            repairs.push(Repair::ExtractedFromProse);
        }
        let first_mismatch = self.mismatch.is_none();
        let found = self.fit(&Value::String(word.to_owned()), repairs)?;
        // A bare line that fits no variant explains less than JSON that failed to parse.
        if found.is_none() && first_mismatch && self.syntax.is_some() {
            self.mismatch = None;
        }
        Ok(found)
    }

    /// Looks for a value in `range` of the answer: the whole range as strict JSON (when
    /// `strict`), else each object or array in turn, read strictly or repaired.
    fn in_region(&mut self, range: Range<usize>, base: Vec<Repair>, strict: bool) -> Found {
        let region = &self.text[range.clone()];
        if strict && let Ok(value) = serde_json::from_str::<Value>(region) {
            return self.fit(&value, base);
        }
        let mut from = 0;
        while let Some(start) = extract::next_value_start(region, from) {
            let rest = &region[start..];
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            let (value, end, syntax_repairs) = match stream.next() {
                Some(Ok(value)) => (value, start + stream.byte_offset(), Vec::new()),
                _ => match repair::parse_prefix(rest) {
                    Ok(parsed) => (parsed.value, start + parsed.end, parsed.repairs),
                    Err(error) => {
                        self.note_syntax(range.start + start, &error);
                        // The broken value's whole bracketed span belongs to it: searching
                        // inside it would pick fragments of a broken value. An unbalanced
                        // span may be a stray bracket in prose, so only what the reader
                        // consumed is skipped then, unless it was a nesting bomb.
                        let consumed = start + error.offset.max(1);
                        match extract::balanced_end(region, start) {
                            Some(end) => from = end.max(consumed),
                            None if error.too_deep => break,
                            None => from = consumed,
                        }
                        continue;
                    }
                },
            };
            let mut repairs = base.clone();
            let prose_before = !region.get(..start).is_none_or(extract::is_blank);
            let prose_after = !region.get(end..).is_none_or(extract::is_blank);
            if prose_before || prose_after {
                repairs.push(Repair::ExtractedFromProse);
            }
            repairs.extend(syntax_repairs);
            if let Some(found) = self.fit(&value, repairs)? {
                return Ok(Some(found));
            }
            from = end.max(start + 1);
        }
        Ok(None)
    }

    /// Fits a candidate value to the schema; a misfit is remembered, not returned.
    fn fit(&mut self, value: &Value, mut repairs: Vec<Repair>) -> Found {
        match coerce::coerce(value, self.schema, &mut self.budget) {
            Ok((value, coercions)) => {
                repairs.extend(coercions);
                Ok(Some(Decoded { value, repairs }))
            }
            Err(error) => {
                let reason = format!("at {}: {}", error.path, error.message());
                let failure = DecodeFailure::new(error.kind, reason, Some(error.path));
                match error.kind {
                    DecodeFailureKind::Mismatch => {
                        self.mismatch.get_or_insert(failure);
                    }
                    DecodeFailureKind::TooDeep => {
                        self.too_deep.get_or_insert(failure);
                    }
                    _ => return Err(Abort(failure)),
                }
                Ok(None)
            }
        }
    }

    fn note_syntax(&mut self, attempt_start: usize, error: &repair::SyntaxError) {
        let (line, column) = line_column(self.text, attempt_start + error.offset);
        if error.too_deep {
            let reason = format!("{} (line {line}, column {column})", error.message);
            self.too_deep.get_or_insert(DecodeFailure::new(
                DecodeFailureKind::TooDeep,
                reason,
                None,
            ));
            return;
        }
        if self
            .syntax
            .as_ref()
            .is_some_and(|(progress, _)| *progress >= error.offset)
        {
            return;
        }
        let reason = format!(
            "invalid JSON at line {line}, column {column}: {}",
            error.message
        );
        let failure = DecodeFailure::new(DecodeFailureKind::Syntax, reason, None);
        self.syntax = Some((error.offset, failure));
    }

    /// The most informative failure seen.
    fn failure(&mut self) -> DecodeFailure {
        if let Some(failure) = self.mismatch.take().or_else(|| self.too_deep.take()) {
            return failure;
        }
        if let Some((_, failure)) = self.syntax.take() {
            return failure;
        }
        let trimmed = self.text.trim();
        let reason = if trimmed.is_empty() {
            "the answer is empty".to_owned()
        } else {
            let preview: String = trimmed.chars().take(80).collect();
            let more = if preview.len() < trimmed.len() {
                "…"
            } else {
                ""
            };
            format!(
                "found no JSON value in the answer: {}{more}",
                Value::from(preview)
            )
        };
        DecodeFailure::new(DecodeFailureKind::NoJson, reason, None)
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
