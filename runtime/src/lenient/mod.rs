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
//! 2. past a leading `<think>…</think>` block (an answer that ends inside one has no
//!    answer), each fenced code block (the one that fits with the fewest repairs wins);
//! 3. the first object or array among the prose that parses (strictly, else repaired) and
//!    fits the schema; a span that was read is never searched again, so the scan is linear;
//! 4. for enums, booleans and numbers only, a short bare answer (`Positive`) read as text.
//!
//! Each candidate value is then fitted to the schema (module `coerce`). Nesting is bounded
//! (128 levels, as in serde_json) and the schema walk has a step budget proportional to the
//! answer's length, so no input can overflow the stack or run away. Those bounds grow with the
//! answer; a decode for a call also has a deadline (`decode_until`), which bounds it in time
//! whatever the answer's size and shape.

mod coerce;
mod extract;
mod misfit;
mod outcome;
mod path;
mod repair;
mod schema;

#[cfg(test)]
mod tests;

use std::ops::Range;
use std::time::Instant;

use serde_json::Value;

pub use outcome::{DecodeFailure, DecodeFailureKind, Decoded, Repair};

/// Schema-walk steps allowed per decode: a floor plus a share per byte of the answer.
const BUDGET_FLOOR: usize = 20_000;
const BUDGET_PER_BYTE: usize = 16;

/// Bytes the value search may read per byte of the answer, and a floor. The search reads each
/// byte a small, fixed number of times (a candidate that was read or failed is skipped as a
/// whole, and [`repair::Closings`] stops cut-off strings from being rescanned), so the limit
/// is a safety net that well-formed and hostile answers alike stay far below.
const WORK_PER_BYTE: usize = 64;
const WORK_FLOOR: usize = 4_096;

/// Candidates tried between two readings of the clock (see [`decode_until`]).
const CANDIDATES_PER_CLOCK_READING: usize = 64;

/// Why a decode that ran past its deadline was abandoned.
const OUT_OF_TIME: &str = "reading the answer was still going when its deadline passed";

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
// The runtime decodes with a deadline (`decode_until`); the property tests need no deadline.
#[cfg(test)]
pub fn decode(text: &str, schema: &Value) -> Result<Decoded, DecodeFailure> {
    search(text, schema, None).0
}

/// [`decode`], abandoned with [`DecodeFailureKind::Deadline`] once `deadline` has passed.
///
/// The work budgets of [`decode`] grow with the answer, so a large hostile answer could still
/// hold a runtime thread for long; a call's decode also ends by its deadline. The clock is read
/// every few dozen candidates and every few thousand schema steps, so a decode overruns its
/// deadline by that little work at most, and a small answer is never cut short by a clock.
pub(crate) fn decode_until(
    text: &str,
    schema: &Value,
    deadline: Option<Instant>,
) -> Result<Decoded, DecodeFailure> {
    search(text, schema, deadline).0
}

/// Whether `deadline` is set and has passed.
fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

/// [`decode_until`], and the bytes read while searching the answer for values.
fn search(
    text: &str,
    schema: &Value,
    deadline: Option<Instant>,
) -> (Result<Decoded, DecodeFailure>, usize) {
    let mut search = Search {
        text,
        schema,
        deadline,
        candidates: 0,
        budget: BUDGET_FLOOR.saturating_add(text.len().saturating_mul(BUDGET_PER_BYTE)),
        mismatch: None,
        too_deep: None,
        bomb: None,
        syntax: None,
        only_reasoning: false,
        work: 0,
        work_limit: WORK_FLOOR.saturating_add(text.len().saturating_mul(WORK_PER_BYTE)),
    };
    let result = match search.run() {
        Ok(Some(decoded)) => Ok(decoded),
        Ok(None) => Err(search.failure()),
        Err(Abort(failure)) => Err(failure),
    };
    (result, search.work)
}

/// Ends the search at once: the schema cannot be followed, or the budget is spent.
struct Abort(DecodeFailure);

type Found = Result<Option<Decoded>, Abort>;

/// One decode: the candidates tried so far and the best explanation of their failures.
struct Search<'a> {
    text: &'a str,
    schema: &'a Value,
    deadline: Option<Instant>,
    /// Candidates tried so far (the clock is read every [`CANDIDATES_PER_CLOCK_READING`]).
    candidates: usize,
    budget: usize,
    /// The first value that parsed but did not fit.
    mismatch: Option<DecodeFailure>,
    too_deep: Option<DecodeFailure>,
    /// The first nesting bomb, as (offset in the answer, message).
    bomb: Option<(usize, String)>,
    /// The syntax error that got furthest into its candidate, as (distance, offset in the
    /// answer, message); line and column are worked out only if it is reported.
    syntax: Option<(usize, usize, String)>,
    /// The answer ended inside its reasoning block.
    only_reasoning: bool,
    /// Bytes read while searching for values (see [`WORK_PER_BYTE`]).
    work: usize,
    work_limit: usize,
}

impl Search<'_> {
    fn run(&mut self) -> Found {
        // Strict JSON has nothing to repair, so how it fits the schema is the answer.
        if let Ok(value) = serde_json::from_str::<Value>(self.text) {
            return self.fit(&value, Vec::new());
        }
        if extract::ends_inside_reasoning(self.text) {
            // Drafts in unfinished reasoning are not the answer.
            self.only_reasoning = true;
            return Ok(None);
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
    /// `strict`), else each object or array in turn, read strictly or repaired. Every byte is
    /// read a bounded number of times: a candidate that was read, or failed, is skipped as a
    /// whole.
    fn in_region(&mut self, range: Range<usize>, base: Vec<Repair>, strict: bool) -> Found {
        let region = &self.text[range.clone()];
        if strict && let Ok(value) = serde_json::from_str::<Value>(region) {
            return self.fit(&value, base);
        }
        let content = extract::content_bounds(region);
        let mut closings = repair::Closings::default();
        let mut unbalanced_seen = false;
        let mut from = 0;
        while let Some(start) = extract::next_value_start(region, from) {
            self.candidates += 1;
            if self.candidates.is_multiple_of(CANDIDATES_PER_CLOCK_READING) && passed(self.deadline)
            {
                return Err(Abort(DecodeFailure::new(
                    DecodeFailureKind::Deadline,
                    OUT_OF_TIME.to_owned(),
                    None,
                )));
            }
            self.work = self.work.saturating_add(closings.visited);
            closings.visited = 0;
            if self.work > self.work_limit {
                // Unreachable by the scan's design (each byte is read a bounded number of
                // times); kept so that a mistake in it costs a failed decode, not minutes.
                return Err(Abort(DecodeFailure::new(
                    DecodeFailureKind::TooComplex,
                    "the answer took too long to search for a value".to_owned(),
                    None,
                )));
            }
            let rest = &region[start..];
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            let (value, end, syntax_repairs) = match stream.next() {
                Some(Ok(value)) => (value, start + stream.byte_offset(), Vec::new()),
                _ => match repair::parse_at(region, start, &mut closings) {
                    Ok(parsed) => (parsed.value, start + parsed.end, parsed.repairs),
                    Err(error) => {
                        self.note_syntax(range.start + start, &error);
                        // The broken value's whole bracketed span belongs to it: searching
                        // inside it would pick fragments of a broken value. An unbalanced
                        // span may be a stray bracket in prose, so only what the reader
                        // consumed is skipped then, unless it was a nesting bomb. A span
                        // runs unbalanced to the end at most once per region, which keeps
                        // the scan linear.
                        let consumed = start + error.offset.max(1);
                        let balanced = if unbalanced_seen {
                            None
                        } else {
                            let end = extract::balanced_end(region, start);
                            let scanned = end.unwrap_or(region.len()) - start;
                            self.work = self.work.saturating_add(scanned);
                            end
                        };
                        match balanced {
                            Some(end) => from = end.max(consumed),
                            None if error.too_deep => break,
                            None => {
                                unbalanced_seen = true;
                                from = consumed;
                            }
                        }
                        continue;
                    }
                },
            };
            let mut repairs = base.clone();
            if start > content.start || end < content.end {
                repairs.push(Repair::ExtractedFromProse);
            }
            repairs.extend(syntax_repairs);
            if let Some(found) = self.fit(&value, repairs)? {
                return Ok(Some(found));
            }
            from = end.max(start + 1);
        }
        self.work = self.work.saturating_add(closings.visited);
        Ok(None)
    }

    /// Fits a candidate value to the schema; a misfit is remembered, not returned.
    fn fit(&mut self, value: &Value, mut repairs: Vec<Repair>) -> Found {
        let error = match coerce::coerce(value, self.schema, &mut self.budget, self.deadline) {
            Ok((value, coercions)) => {
                repairs.extend(coercions);
                return Ok(Some(Decoded { value, repairs }));
            }
            Err(error) => error,
        };
        let slot = match error.kind {
            DecodeFailureKind::Mismatch => &mut self.mismatch,
            DecodeFailureKind::TooDeep => &mut self.too_deep,
            _ => return Err(Abort(located(error))),
        };
        if slot.is_none() {
            *slot = Some(located(error));
        }
        Ok(None)
    }

    fn note_syntax(&mut self, attempt_start: usize, error: &repair::SyntaxError) {
        let offset = attempt_start + error.offset;
        if error.too_deep {
            self.bomb
                .get_or_insert_with(|| (offset, error.message.clone()));
        } else if self
            .syntax
            .as_ref()
            .is_none_or(|(progress, _, _)| *progress < error.offset)
        {
            self.syntax = Some((error.offset, offset, error.message.clone()));
        }
    }

    /// The most informative failure seen.
    fn failure(&mut self) -> DecodeFailure {
        if let Some(failure) = self.mismatch.take().or_else(|| self.too_deep.take()) {
            return failure;
        }
        if let Some((offset, message)) = self.bomb.take() {
            let (line, column) = line_column(self.text, offset);
            let reason = format!("{message} (line {line}, column {column})");
            return DecodeFailure::new(DecodeFailureKind::TooDeep, reason, None);
        }
        if let Some((_, offset, message)) = self.syntax.take() {
            let (line, column) = line_column(self.text, offset);
            let reason = format!("invalid JSON at line {line}, column {column}: {message}");
            return DecodeFailure::new(DecodeFailureKind::Syntax, reason, None);
        }
        let trimmed = self.text.trim();
        let reason = if self.only_reasoning {
            "the answer ends inside its <think> reasoning block, before any answer".to_owned()
        } else if trimmed.is_empty() {
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

/// A failure to fit, located by its JSON path.
fn located(error: misfit::CoerceError) -> DecodeFailure {
    let reason = format!("at {}: {}", error.path, error.message());
    DecodeFailure::new(error.kind, reason, Some(error.path))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
