//! Finding the elements of a JSON list in an answer that is still arriving.
//!
//! The answer grows chunk by chunk; [`Elements::feed`] is given the whole answer so far each
//! time but only looks at the bytes it has not seen yet, so a stream of `n` bytes costs `O(n)`
//! however it is split. An element is reported as soon as it is complete: an object, list or
//! string when its closing bracket or quote arrives, a number or literal when the `,` or `]`
//! after it does (before that, `12` might still become `123`).
//!
//! The list may be the answer itself (`[…]`) or the only member of the root object
//! (`{"value": […]}`, the wrapper that non-object roots travel in), at the start of the answer
//! (after a leading `<think>…</think>` block) or of its first code fence. The tolerant decoder
//! reads the whole answer the same way, so what is streamed is what an awaited call returns.
//! Anything else (a list after prose, under another key, after another member) is left to the
//! tolerant decoder once the answer is complete: a list in prose may be the wrong one
//! (`Here they are [as requested]: [1, 2]`), and another key may be an error report.

use std::ops::Range;

const THINK_OPEN: &[u8] = b"<think>";
const THINK_CLOSE: &[u8] = b"</think>";
const FENCE: &[u8] = b"```";
/// The key of the wrapper non-object roots travel in.
const WRAPPER_KEY: &[u8] = crate::schema::WRAPPED_VALUE_KEY.as_bytes();

/// Where the scanner is in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the JSON value: skipping whitespace.
    Before,
    /// In prose before the value: looking for a code fence.
    Prose,
    /// In a code fence's opening line: skipping its backticks and info word.
    Fence,
    /// Inside a leading `<think>` block, looking for its end tag.
    Thinking,
    /// Inside the root object, reading its first key: the list follows `"value":`.
    InRoot,
    /// Inside the list.
    InList,
    /// The list is closed: nothing after it is looked at.
    Closed,
    /// The answer does not start with a list the scanner can follow.
    NoList,
}

/// The element being read at list level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    /// Between elements.
    None,
    /// A number or literal starting here; it ends at the next `,` or `]`.
    Scalar(usize),
    /// An object, list or string starting here; it ends with its closing bracket or quote.
    Compound(usize),
    /// An object, list or string was reported; skip to the next `,` or `]`.
    Reported,
}

/// How the answer ended, as far as the scanner could follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The list was closed by its `]`.
    Closed,
    /// The list was opened but the answer ended inside it.
    Open,
    /// No list was found.
    NotFound,
}

/// Incremental scanner for the elements of the answer's list.
#[derive(Debug)]
pub(crate) struct Elements {
    /// The next byte of the answer to look at.
    pos: usize,
    phase: Phase,
    /// Whether a non-blank byte has been seen (a `<think>` block counts only at the start).
    started: bool,
    /// Nesting depth: 1 inside the root object or list.
    depth: usize,
    /// The depth of the list's elements.
    list_depth: usize,
    /// Inside a string opened by this quote (`"`, or `'` from sloppy models).
    quote: Option<u8>,
    escaped: bool,
    /// In the root object: where its first key's text starts, and whether its `:` was read.
    key_start: Option<usize>,
    colon: bool,
    /// In a fence's opening line: the info word has ended.
    fence_blank: bool,
    element: Element,
    found: usize,
}

impl Elements {
    pub(crate) fn new() -> Self {
        Self {
            pos: 0,
            phase: Phase::Before,
            started: false,
            depth: 0,
            list_depth: 0,
            quote: None,
            escaped: false,
            key_start: None,
            colon: false,
            fence_blank: false,
            element: Element::None,
            found: 0,
        }
    }

    /// How many elements have been reported.
    pub(crate) fn found(&self) -> usize {
        self.found
    }

    /// Scans the part of `answer` not seen yet; pushes the byte range of each element completed
    /// in it onto `out`. `answer` must be the previous answer with text appended.
    pub(crate) fn feed(&mut self, answer: &str, out: &mut Vec<Range<usize>>) {
        let bytes = answer.as_bytes();
        while self.pos < bytes.len() {
            match self.phase {
                Phase::Before => {
                    if !self.before(bytes) {
                        return;
                    }
                }
                Phase::Thinking => {
                    if !self.thinking(bytes) {
                        return;
                    }
                }
                Phase::Prose => {
                    if !self.prose(bytes) {
                        return;
                    }
                }
                Phase::Fence => self.fence(bytes),
                Phase::InRoot => self.in_root(bytes),
                Phase::InList => self.in_list(bytes, out),
                Phase::Closed | Phase::NoList => return,
            }
        }
    }

    /// How far the scanner got once the answer is complete.
    pub(crate) fn ending(&self) -> Ending {
        match self.phase {
            Phase::Closed => Ending::Closed,
            Phase::InList => Ending::Open,
            Phase::Before
            | Phase::Prose
            | Phase::Fence
            | Phase::Thinking
            | Phase::InRoot
            | Phase::NoList => Ending::NotFound,
        }
    }

    /// Skips to the root value. Returns `false` when it must wait for more text.
    fn before(&mut self, bytes: &[u8]) -> bool {
        while self.pos < bytes.len() {
            let b = bytes[self.pos];
            if !self.started && !b.is_ascii_whitespace() {
                self.started = true;
                if b == b'<' {
                    let rest = &bytes[self.pos..];
                    if rest.len() < THINK_OPEN.len() && THINK_OPEN.starts_with(rest) {
                        // `<thi…`: cannot tell yet whether a reasoning block starts here.
                        self.started = false;
                        return false;
                    }
                    if rest.starts_with(THINK_OPEN) {
                        self.pos += THINK_OPEN.len();
                        self.phase = Phase::Thinking;
                        return true;
                    }
                }
            }
            if b.is_ascii_whitespace() {
                self.pos += 1;
                continue;
            }
            self.open_root(b);
            return true;
        }
        true
    }

    /// Reads the first byte of the answer's (or a fence's) content: the root value, a fence,
    /// or prose.
    fn open_root(&mut self, b: u8) {
        match (b, self.phase) {
            (b'[', _) => {
                self.pos += 1;
                self.depth = 1;
                self.list_depth = 1;
                self.phase = Phase::InList;
            }
            (b'{', _) => {
                self.pos += 1;
                self.depth = 1;
                self.phase = Phase::InRoot;
            }
            (b'`', Phase::Before) => self.phase = Phase::Fence,
            (_, Phase::Before) => self.phase = Phase::Prose,
            _ => self.phase = Phase::NoList,
        }
    }

    /// Skips prose up to the first code fence. Returns `false` when it must wait for more text.
    fn prose(&mut self, bytes: &[u8]) -> bool {
        match memchr::memmem::find(&bytes[self.pos..], FENCE) {
            Some(at) => {
                self.pos += at;
                self.phase = Phase::Fence;
                true
            }
            None => {
                self.pos = self.pos.max(bytes.len().saturating_sub(FENCE.len() - 1));
                false
            }
        }
    }

    /// Skips a fence's backticks, info word (`json`) and the blanks after them, then reads
    /// the fenced value's first byte.
    fn fence(&mut self, bytes: &[u8]) {
        while self.pos < bytes.len() {
            let b = bytes[self.pos];
            let info =
                b == b'`' || b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'.');
            if b.is_ascii_whitespace() {
                self.fence_blank = true;
            } else if !info || self.fence_blank {
                self.open_root(b);
                return;
            }
            self.pos += 1;
        }
    }

    /// Skips the reasoning block. Returns `false` when its end tag has not arrived yet.
    fn thinking(&mut self, bytes: &[u8]) -> bool {
        match memchr::memmem::find(&bytes[self.pos..], THINK_CLOSE) {
            Some(at) => {
                self.pos += at + THINK_CLOSE.len();
                self.phase = Phase::Before;
                true
            }
            None => {
                // Search again from the bytes that may begin an end tag cut by the chunk boundary.
                self.pos = self
                    .pos
                    .max(bytes.len().saturating_sub(THINK_CLOSE.len() - 1));
                false
            }
        }
    }

    /// Returns whether `b` was part of a string (and so is no structure).
    fn string_byte(&mut self, b: u8) -> bool {
        let Some(quote) = self.quote else {
            return false;
        };
        if self.escaped {
            self.escaped = false;
        } else if b == b'\\' {
            self.escaped = true;
        } else if b == quote {
            self.quote = None;
        }
        true
    }

    /// Reads `"value": [` at the start of the root object; anything else is no list to
    /// follow.
    fn in_root(&mut self, bytes: &[u8]) {
        while self.pos < bytes.len() {
            let at = self.pos;
            let b = bytes[at];
            self.pos += 1;
            if self.string_byte(b) {
                if self.quote.is_none() {
                    let key = self.key_start.map_or(&[][..], |start| &bytes[start..at]);
                    if key != WRAPPER_KEY {
                        self.phase = Phase::NoList;
                        return;
                    }
                }
                continue;
            }
            match b {
                _ if b.is_ascii_whitespace() => {}
                b'"' | b'\'' if self.key_start.is_none() => {
                    self.quote = Some(b);
                    self.key_start = Some(at + 1);
                }
                b':' if self.key_start.is_some() && !self.colon => self.colon = true,
                b'[' if self.colon => {
                    self.depth = 2;
                    self.list_depth = 2;
                    self.phase = Phase::InList;
                    return;
                }
                _ => {
                    self.phase = Phase::NoList;
                    return;
                }
            }
        }
    }

    fn in_list(&mut self, bytes: &[u8], out: &mut Vec<Range<usize>>) {
        while self.pos < bytes.len() {
            let at = self.pos;
            let b = bytes[at];
            self.pos += 1;
            if self.quote.is_some() {
                self.string_byte(b);
                if self.quote.is_none() && self.depth == self.list_depth {
                    self.report_compound(at + 1, out);
                }
                continue;
            }
            let at_list_level = self.depth == self.list_depth;
            match b {
                b'"' | b'\'' => {
                    if at_list_level {
                        self.begin_compound(at);
                    }
                    self.quote = Some(b);
                }
                b'{' | b'[' => {
                    if at_list_level {
                        self.begin_compound(at);
                    }
                    self.depth += 1;
                }
                b']' if at_list_level => {
                    self.report_scalar(bytes, at, out);
                    self.phase = Phase::Closed;
                    return;
                }
                b'}' | b']' => {
                    if at_list_level {
                        // A stray closer at list level: not JSON; leave it to the final decode.
                        continue;
                    }
                    self.depth -= 1;
                    if self.depth == self.list_depth {
                        self.report_compound(at + 1, out);
                    }
                }
                b',' if at_list_level => {
                    self.report_scalar(bytes, at, out);
                    self.element = Element::None;
                }
                _ if at_list_level && !b.is_ascii_whitespace() && self.element == Element::None => {
                    self.element = Element::Scalar(at);
                }
                _ => {}
            }
        }
    }

    fn begin_compound(&mut self, at: usize) {
        if self.element == Element::None {
            self.element = Element::Compound(at);
        }
    }

    fn report_compound(&mut self, end: usize, out: &mut Vec<Range<usize>>) {
        if let Element::Compound(start) = self.element {
            out.push(start..end);
            self.found += 1;
            self.element = Element::Reported;
        }
    }

    fn report_scalar(&mut self, bytes: &[u8], end: usize, out: &mut Vec<Range<usize>>) {
        if let Element::Scalar(start) = self.element {
            let mut end = end;
            while end > start && bytes[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            out.push(start..end);
            self.found += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    mod proptests;

    use super::*;

    /// Feeds `answer` in pieces ending at each of `cuts`; returns the elements and the ending.
    fn scan_split(answer: &str, cuts: &[usize]) -> (Vec<String>, Ending) {
        let mut scanner = Elements::new();
        let mut ranges = Vec::new();
        for &cut in cuts.iter().chain([answer.len()].iter()) {
            if answer.is_char_boundary(cut) {
                scanner.feed(&answer[..cut], &mut ranges);
            }
        }
        let found = ranges
            .iter()
            .map(|r| answer[r.clone()].to_owned())
            .collect();
        (found, scanner.ending())
    }

    fn scan(answer: &str) -> (Vec<String>, Ending) {
        scan_split(answer, &[])
    }

    #[test]
    fn bare_and_wrapped_lists() {
        let expected = vec![r#"{"a":1}"#.to_owned(), r#"{"a":[2,3]}"#.to_owned()];
        assert_eq!(
            scan(r#"[{"a":1}, {"a":[2,3]}]"#),
            (expected.clone(), Ending::Closed)
        );
        assert_eq!(
            scan(r#"{"value": [{"a":1},{"a":[2,3]}]}"#),
            (expected, Ending::Closed)
        );
        assert_eq!(
            scan(r#"[1, -2.5e3 ,true,null, "x"]"#).0,
            ["1", "-2.5e3", "true", "null", "\"x\""]
        );
        assert_eq!(scan("[]"), (vec![], Ending::Closed));
        assert_eq!(scan("[1, 2, ]").0, ["1", "2"]);
    }

    #[test]
    fn brackets_and_quotes_inside_strings_are_text() {
        let answer = r#"{"value": ["x, ]y", {"k": "}\"]"}, 'q]', "a [b] {c}"]}"#;
        assert_eq!(
            scan(answer).0,
            [r#""x, ]y""#, r#"{"k": "}\"]"}"#, "'q]'", r#""a [b] {c}""#]
        );
    }

    #[test]
    fn only_the_value_wrapper_is_followed() {
        // Another member first, or another key: the whole answer decides, once complete.
        for answer in [
            r#"{"meta": {"tags": ["no"]}, "value": ["yes"]}"#,
            r#"{"notes": ["9"], "value": ["1","2"]}"#,
            r#"{"error": ["I cannot"]}"#,
            r#"{"a": 1}"#,
            r#"{"value": {"a": [1]}}"#,
        ] {
            assert_eq!(scan(answer), (vec![], Ending::NotFound), "{answer}");
        }
        assert_eq!(scan(r#"{ 'value' : ["yes"]}"#).0, [r#""yes""#]);
    }

    #[test]
    fn prose_fences_and_reasoning_before_the_list_are_skipped() {
        assert_eq!(scan("Here you go:\n```json\n[1,2]\n```").0, ["1", "2"]);
        let thinking = "<think>maybe [3] or {4}?</think>\n[5]";
        for cut in 0..thinking.len() {
            assert_eq!(scan_split(thinking, &[cut]).0, ["5"], "cut at {cut}");
        }
        // A list in prose may not be the answer (`[as requested]`): the whole answer decides.
        assert_eq!(scan("<b>list</b> [6]"), (vec![], Ending::NotFound));
        assert_eq!(
            scan("Here they are [as requested]: [1]"),
            (vec![], Ending::NotFound)
        );
        assert_eq!(scan("```\n{\"value\": [7]}\n```").0, ["7"]);
    }

    #[test]
    fn compound_elements_are_reported_before_the_next_comma() {
        let mut scanner = Elements::new();
        let mut out = Vec::new();
        scanner.feed(r#"[{"a":1}"#, &mut out);
        assert_eq!(out, vec![1..8]);
        // A number is not known to be complete until a delimiter follows it.
        scanner.feed(r#"[{"a":1}, 12"#, &mut out);
        assert_eq!(out.len(), 1);
        scanner.feed(r#"[{"a":1}, 12,"#, &mut out);
        assert_eq!(out, [1..8, 10..12]);
        assert_eq!(scanner.found(), 2);
        assert_eq!(scanner.ending(), Ending::Open);
    }

    #[test]
    fn every_split_gives_the_same_elements() {
        let answer = "<think>x</think>{\"value\": [{\"name\": \"Ann \\\"A\\\" [1]\", \"tags\": [\"é\", \"}\"]}, 42, \"ü,\" , [[]], false]}";
        let whole = scan(answer);
        assert_eq!(whole.0.len(), 5);
        for a in 0..=answer.len() {
            for b in (a..=answer.len()).step_by(7) {
                assert_eq!(scan_split(answer, &[a, b]), whole, "cuts {a} {b}");
            }
        }
    }

    #[test]
    fn an_answer_cut_inside_the_list_is_open() {
        assert_eq!(
            scan(r#"{"value": [{"a":1}, {"a""#),
            (vec![r#"{"a":1}"#.to_owned()], Ending::Open)
        );
        assert_eq!(scan("Sorry, no list."), (vec![], Ending::NotFound));
    }
}
