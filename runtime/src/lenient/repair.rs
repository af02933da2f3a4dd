//! A forgiving JSON reader for the mistakes models make: trailing and missing commas,
//! comments, single quotes, unquoted keys, Python literals, unescaped quotes, and output cut
//! off mid-value. It runs only after strict parsing failed, reads one value from the start of
//! its input, and notes every liberty it takes.
//!
//! One pass, no backtracking beyond a single rescan of a cut-off string; nesting is bounded
//! by [`MAX_DEPTH`], so hostile input fails cleanly instead of exhausting the stack.
//!
//! The caller tries one value start after another in the same text, so a string that never
//! closes would be scanned to the end once per start: quadratic time. Whether a quote closes a
//! string depends only on its own position (the backslashes right before it and what follows
//! it), not on where the string opened, and so does whether a line closing a code block stops
//! it; so [`Closings`] remembers, across reads of one text, from where on no string closes; a
//! string opened there stops at its rescue point at once.

use serde_json::{Map, Number, Value};

use super::Repair;

/// Deepest nesting of objects and arrays followed; serde_json stops at the same depth.
pub(super) const MAX_DEPTH: usize = 128;

/// A value read from the start of a text.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) value: Value,
    /// Byte offset just past the value; the caller decides whether what follows is prose.
    pub(super) end: usize,
    /// Syntax repairs, each kind once, in order of first use.
    pub(super) repairs: Vec<Repair>,
}

/// Why no value could be read.
#[derive(Debug)]
pub(super) struct SyntaxError {
    /// Byte offset in the parsed text where reading stopped.
    pub(super) offset: usize,
    pub(super) message: String,
    pub(super) too_deep: bool,
}

/// What reads of one text have learnt about its strings (see the module documentation).
#[derive(Debug, Default)]
pub(super) struct Closings {
    /// For `"` and `'`: no string opened by that quote at or after this offset closes before
    /// the end of the text.
    never_from: [Option<usize>; 2],
    /// Bytes looked at, summed over every read: the measure of the work done.
    pub(super) visited: usize,
}

impl Closings {
    fn slot(quote: u8) -> usize {
        usize::from(quote == b'\'')
    }
}

/// Reads one JSON value, repaired as needed, from the start of `src`.
#[cfg(test)]
pub(super) fn parse_prefix(src: &str) -> Result<Parsed, SyntaxError> {
    parse_at(src, 0, &mut Closings::default())
}

/// Reads one JSON value, repaired as needed, from offset `start` of `text` (the rest of the
/// text counts as what follows it). Offsets in the result are relative to `start`. `closings`
/// must come from reads of this same text.
pub(super) fn parse_at(
    text: &str,
    start: usize,
    closings: &mut Closings,
) -> Result<Parsed, SyntaxError> {
    let mut parser = Parser {
        src: text,
        bytes: text.as_bytes(),
        pos: start,
        depth: 0,
        repairs: Vec::new(),
        reach: start,
        closings,
    };
    parser.skip_trivia();
    let read = parser.value(None);
    let reach = parser.reach.max(parser.pos);
    parser.closings.visited = parser.closings.visited.saturating_add(reach - start);
    let relative = |mut error: SyntaxError| {
        error.offset = error.offset.saturating_sub(start);
        error
    };
    match read.map_err(relative)? {
        Some(value) => Ok(Parsed {
            value,
            end: parser.pos - start,
            repairs: parser.repairs,
        }),
        None => Err(relative(
            parser.error("expected a JSON value, found the end of the answer"),
        )),
    }
}

/// How a string ended.
enum Scanned {
    Closed(String),
    /// The text ended first; holds what was read (possibly shortened by the rescue).
    Cut(String),
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    repairs: Vec<Repair>,
    /// Furthest position looked at before a cut-off string's rescue stepped back.
    reach: usize,
    closings: &'a mut Closings,
}

impl Parser<'_> {
    fn note(&mut self, repair: Repair) {
        if !self.repairs.contains(&repair) {
            self.repairs.push(repair);
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// The text from the current position (which always sits on a character boundary).
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or_default()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.into(),
            too_deep: false,
        }
    }

    /// What sits at the current position, for error messages.
    fn found(&self) -> String {
        match self
            .src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => format!("`{}`", c.escape_debug()),
            None => "the end of the answer".to_owned(),
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError {
                offset: self.pos,
                message: format!("objects and arrays nest deeper than {MAX_DEPTH} levels"),
                too_deep: true,
            });
        }
        Ok(())
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.skip_line_comment(),
                Some(b'#') => self.skip_line_comment(),
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    self.note(Repair::Comment);
                    let body = self.pos + 2;
                    self.pos = match self.src.get(body..).and_then(|rest| rest.find("*/")) {
                        Some(at) => body + at + 2,
                        None => self.bytes.len(),
                    };
                }
                // A byte-order mark or no-break space is whitespace to a reader, if not to JSON.
                Some(0xEF) if self.rest().starts_with('\u{feff}') => self.pos += 3,
                Some(0xC2) if self.rest().starts_with('\u{a0}') => self.pos += 2,
                _ => return,
            }
        }
    }

    fn skip_line_comment(&mut self) {
        self.note(Repair::Comment);
        self.pos = match self.rest().find('\n') {
            Some(at) => self.pos + at + 1,
            None => self.bytes.len(),
        };
    }

    /// Reads a value; `Ok(None)` when the text ends before one starts. `closer` is the
    /// bracket that closes the enclosing container, if any.
    fn value(&mut self, closer: Option<u8>) -> Result<Option<Value>, SyntaxError> {
        let Some(byte) = self.peek() else {
            return Ok(None);
        };
        match byte {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' | b'\'' => {
                if byte == b'\'' {
                    self.note(Repair::SingleQuotes);
                }
                Ok(Some(Value::String(match self.string(byte, closer)? {
                    Scanned::Closed(text) => text,
                    Scanned::Cut(text) => {
                        self.note(Repair::ClosedString);
                        text
                    }
                })))
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' => self.number(),
            _ => self.literal(),
        }
    }

    /// Reads an object; `Ok(None)` when the text ends before its first complete member.
    fn object(&mut self) -> Result<Option<Value>, SyntaxError> {
        self.enter()?;
        self.pos += 1;
        let mut map = Map::new();
        let mut expect_member = true;
        let mut after_comma = false;
        let mut cut = false;
        loop {
            self.skip_trivia();
            let Some(byte) = self.peek() else {
                self.note(Repair::ClosedBrackets);
                cut = true;
                break;
            };
            match byte {
                b'}' => {
                    if after_comma {
                        self.note(Repair::TrailingComma);
                    }
                    self.pos += 1;
                    break;
                }
                b',' if !expect_member => {
                    self.pos += 1;
                    expect_member = true;
                    after_comma = true;
                    continue;
                }
                b'"' | b'\'' if !expect_member => self.note(Repair::MissingComma),
                _ if !expect_member && starts_word(self.src, self.pos) => {
                    self.note(Repair::MissingComma);
                }
                _ if !expect_member => {
                    return Err(self.error(format!(
                        "expected `,` or `}}` after an object member, found {}",
                        self.found()
                    )));
                }
                _ => {}
            }
            let Some(key) = self.key()? else {
                self.truncated_member();
                cut = true;
                break;
            };
            self.skip_trivia();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => {
                    self.truncated_member();
                    cut = true;
                    break;
                }
                Some(_) => {
                    return Err(self.error(format!(
                        "expected `:` after property name {}, found {}",
                        Value::from(shorten(&key)),
                        self.found()
                    )));
                }
            }
            self.skip_trivia();
            let Some(value) = self.value(Some(b'}'))? else {
                self.truncated_member();
                cut = true;
                break;
            };
            map.insert(key, value);
            expect_member = false;
            after_comma = false;
        }
        self.depth -= 1;
        // `{` and nothing complete after it is no value: an empty object would be invented.
        Ok((!cut || !map.is_empty()).then_some(Value::Object(map)))
    }

    fn truncated_member(&mut self) {
        self.note(Repair::DroppedTruncatedMember);
        self.note(Repair::ClosedBrackets);
    }

    /// Reads a property name; `Ok(None)` when the text ends inside it.
    fn key(&mut self) -> Result<Option<String>, SyntaxError> {
        match self.peek() {
            None => Ok(None),
            Some(quote @ (b'"' | b'\'')) => {
                if quote == b'\'' {
                    self.note(Repair::SingleQuotes);
                }
                Ok(match self.string(quote, None)? {
                    Scanned::Closed(key) => Some(key),
                    Scanned::Cut(_) => None,
                })
            }
            Some(_) if starts_word(self.src, self.pos) => {
                let start = self.pos;
                self.pos = word_end(self.src, start, |c| c == '-' || c == '$');
                if self.at_end() {
                    return Ok(None);
                }
                self.note(Repair::UnquotedKey);
                Ok(Some(self.src[start..self.pos].to_owned()))
            }
            Some(_) => Err(self.error(format!(
                "expected a property name or `}}`, found {}",
                self.found()
            ))),
        }
    }

    /// Reads an array; `Ok(None)` when the text ends before its first complete item.
    fn array(&mut self) -> Result<Option<Value>, SyntaxError> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        let mut expect_item = true;
        let mut after_comma = false;
        let mut cut = false;
        loop {
            self.skip_trivia();
            let Some(byte) = self.peek() else {
                self.note(Repair::ClosedBrackets);
                cut = true;
                break;
            };
            match byte {
                b']' => {
                    if after_comma {
                        self.note(Repair::TrailingComma);
                    }
                    self.pos += 1;
                    break;
                }
                b',' if !expect_item => {
                    self.pos += 1;
                    expect_item = true;
                    after_comma = true;
                    continue;
                }
                _ if !expect_item && starts_value(self.src, self.pos) => {
                    self.note(Repair::MissingComma);
                }
                _ if !expect_item => {
                    return Err(self.error(format!(
                        "expected `,` or `]` after an array item, found {}",
                        self.found()
                    )));
                }
                _ => {}
            }
            let Some(item) = self.value(Some(b']'))? else {
                self.note(Repair::ClosedBrackets);
                cut = true;
                break;
            };
            items.push(item);
            expect_item = false;
            after_comma = false;
        }
        self.depth -= 1;
        Ok((!cut || !items.is_empty()).then_some(Value::Array(items)))
    }

    /// Reads a string opened by `quote` at the current position.
    ///
    /// A quote ends the string only where a string can end (before `,` `:` `}` `]`, a line
    /// break, a comment, another quote or the end); elsewhere it is a quote the model forgot to
    /// escape. When the text ends first, a value string was most likely meant to end before
    /// the first `closer` bracket inside it (`"Paris }` followed by prose), so it is cut there;
    /// a key (`closer` is `None`) ends at its first quote after all, so that `{"a" 1}` is an
    /// error rather than a key swallowing the rest of the text. A string still open at a line
    /// that closes a code block (```` ``` ````) is an error: the model left the value broken and
    /// went on in prose.
    fn string(&mut self, quote: u8, closer: Option<u8>) -> Result<Scanned, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        let mut segment = self.pos;
        // Source offset and length of `out` there, for the first raw `closer` and the first
        // quote taken to be part of the text.
        let mut rescue: Option<(usize, usize)> = None;
        let mut inner_quote: Option<(usize, usize)> = None;
        let mut control: Option<usize> = None;
        let opened = self.pos;
        let never_from = self.closings.never_from[Closings::slot(quote)];
        let (scanned, end) = loop {
            // Past the point from which no string closes, the string is cut off: once its
            // rescue point is known, reading on to the end would change nothing.
            let hopeless = never_from.is_some_and(|from| self.pos >= from)
                && if closer.is_none() {
                    inner_quote.is_some()
                } else {
                    rescue.is_some()
                };
            let byte = if hopeless { None } else { self.peek() };
            let Some(byte) = byte else {
                self.reach = self.reach.max(self.pos);
                let slot = &mut self.closings.never_from[Closings::slot(quote)];
                *slot = Some(slot.map_or(opened, |from| from.min(opened)));
                out.push_str(&self.src[segment..self.pos]);
                if closer.is_none()
                    && let Some((offset, len)) = inner_quote
                {
                    out.truncate(len);
                    self.pos = offset + 1;
                    inner_quote = None;
                    break (Scanned::Closed(out), offset);
                }
                if let Some((offset, len)) = rescue {
                    out.truncate(len);
                    out.truncate(out.trim_end().len());
                    self.pos = offset;
                }
                let end = self.pos;
                break (Scanned::Cut(out), end);
            };
            if byte == quote {
                if self.quote_ends_string(quote) {
                    out.push_str(&self.src[segment..self.pos]);
                    let end = self.pos;
                    self.pos += 1;
                    break (Scanned::Closed(out), end);
                }
                if inner_quote.is_none() {
                    inner_quote = Some((self.pos, out.len() + (self.pos - segment)));
                }
                self.pos += 1;
            } else if byte == b'\\' {
                out.push_str(&self.src[segment..self.pos]);
                self.pos += 1;
                self.escape(quote, &mut out);
                segment = self.pos;
            } else {
                if byte == b'\n' && closes_code_block(self.bytes, self.pos + 1) {
                    // The model closed its code block with this string still open and went on
                    // in prose: any later quote belongs to the prose, and cutting the string
                    // short would guess at a value the answer never finished. Re-ask instead.
                    return Err(SyntaxError {
                        offset: self.pos + 1,
                        message: "a string is still open where the code block closes".to_owned(),
                        too_deep: false,
                    });
                }
                if byte < 0x20 {
                    control.get_or_insert(self.pos);
                } else if Some(byte) == closer && rescue.is_none() {
                    rescue = Some((self.pos, out.len() + (self.pos - segment)));
                }
                self.pos += 1;
            }
        };
        // Only what ended up inside the string counts as repaired.
        if inner_quote.is_some_and(|(offset, _)| offset < end) {
            self.note(Repair::UnescapedQuote);
        }
        if control.is_some_and(|offset| offset < end) {
            self.note(Repair::ControlCharacterInString);
        }
        Ok(scanned)
    }

    fn quote_ends_string(&self, quote: u8) -> bool {
        let mut at = self.pos + 1;
        while matches!(self.bytes.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        match self.bytes.get(at) {
            None | Some(b',' | b':' | b'}' | b']' | b'\n' | b'\r') => true,
            Some(b'/') => matches!(self.bytes.get(at + 1), Some(b'/' | b'*')),
            Some(&next) => next == quote,
        }
    }

    /// Reads the escape after a backslash into `out`. At the end of the text it reads
    /// nothing, leaving the cut to the caller.
    fn escape(&mut self, quote: u8, out: &mut String) {
        let Some(byte) = self.peek() else {
            return;
        };
        let simple = match byte {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'\'' => {
                if quote != b'\'' {
                    self.note(Repair::InvalidEscape);
                }
                Some('\'')
            }
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            self.pos += 1;
        } else if byte == b'u' {
            self.pos += 1;
            self.unicode_escape(out);
        } else {
            // `\d` from a regex, say: keep the backslash and let the character be read as text.
            self.note(Repair::InvalidEscape);
            out.push('\\');
        }
    }

    fn unicode_escape(&mut self, out: &mut String) {
        let Some(first) = self.hex4(self.pos) else {
            self.note(Repair::InvalidEscape);
            out.push_str("\\u");
            return;
        };
        self.pos += 4;
        let decoded = if (0xD800..0xDC00).contains(&first) {
            let low = (self.peek() == Some(b'\\') && self.peek_at(1) == Some(b'u'))
                .then(|| self.hex4(self.pos + 2))
                .flatten()
                .filter(|low| (0xDC00..0xE000).contains(low));
            low.and_then(|low| {
                self.pos += 6;
                char::from_u32(0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00))
            })
        } else {
            char::from_u32(first)
        };
        out.push(decoded.unwrap_or_else(|| {
            self.note(Repair::InvalidEscape);
            char::REPLACEMENT_CHARACTER
        }));
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        // All four bytes are ASCII hex digits, so this slice is on character boundaries.
        u32::from_str_radix(&self.src[at..at + 4], 16).ok()
    }

    /// Reads a number; `Ok(None)` for a lone sign or dot cut off by the end of the text.
    fn number(&mut self) -> Result<Option<Value>, SyntaxError> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let token = &self.src[start..self.pos];
        if let Ok(number) = token.parse::<Number>() {
            return Ok(Some(Value::Number(number)));
        }
        let cut_off = self.at_end();
        if cut_off && token.bytes().all(|b| matches!(b, b'+' | b'-' | b'.')) {
            return Ok(None);
        }
        match normalize_number(token, cut_off).and_then(|t| t.parse::<Number>().ok()) {
            Some(number) => {
                self.note(Repair::NonStandardNumber);
                Ok(Some(Value::Number(number)))
            }
            None => Err(SyntaxError {
                offset: start,
                message: format!("`{}` is not a number", shorten(token)),
                too_deep: false,
            }),
        }
    }

    /// Reads `true`, `false`, `null`, their Python spellings, or a prefix of one cut off by
    /// the end of the text.
    fn literal(&mut self) -> Result<Option<Value>, SyntaxError> {
        let start = self.pos;
        if !starts_word(self.src, start) {
            return Err(self.error(format!("expected a value, found {}", self.found())));
        }
        self.pos = word_end(self.src, start, |_| false);
        let word = &self.src[start..self.pos];
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "True" | "False" | "None" => {
                self.note(Repair::PythonLiteral);
                match word {
                    "True" => Value::Bool(true),
                    "False" => Value::Bool(false),
                    _ => Value::Null,
                }
            }
            _ if self.at_end() && "true".starts_with(word) => self.completed(Value::Bool(true)),
            _ if self.at_end() && "false".starts_with(word) => self.completed(Value::Bool(false)),
            _ if self.at_end() && "null".starts_with(word) => self.completed(Value::Null),
            _ => {
                return Err(SyntaxError {
                    offset: start,
                    message: format!(
                        "expected a value, found `{}` (text values need quotes)",
                        shorten(word)
                    ),
                    too_deep: false,
                });
            }
        };
        Ok(Some(value))
    }

    fn completed(&mut self, value: Value) -> Value {
        self.note(Repair::CompletedLiteral);
        value
    }
}

/// Whether a bare word (identifier, literal or unquoted key) starts at `at`.
fn starts_word(src: &str, at: usize) -> bool {
    src.get(at..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
}

/// Whether a value (or something the reader takes for one) starts at `at`.
fn starts_value(src: &str, at: usize) -> bool {
    matches!(
        src.as_bytes().get(at),
        Some(b'{' | b'[' | b'"' | b'\'' | b'-' | b'+' | b'.' | b'0'..=b'9')
    ) || starts_word(src, at)
}

/// End of the bare word starting at `start`: letters, digits, `_`, and what `extra` allows.
fn word_end(src: &str, start: usize, extra: impl Fn(char) -> bool) -> usize {
    src[start..]
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || extra(c)))
        .map_or(src.len(), |(at, _)| start + at)
}

/// Whether a line that closes a Markdown code block starts at `at`: three or more backticks,
/// then nothing but spaces up to the line break or the end. (A fence with an info word opens a
/// block; one followed by other text is inline code.)
fn closes_code_block(bytes: &[u8], at: usize) -> bool {
    let ticks = bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&byte| byte == b'`')
        .count();
    ticks >= 3
        && bytes
            .get(at + ticks..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&byte| byte != b'\n')
            .all(|&byte| matches!(byte, b' ' | b'\t' | b'\r'))
}

/// Rewrites `+1`, `.5`, `1.`, `007`, and (when cut off) `1e` into JSON's number grammar.
fn normalize_number(token: &str, cut_off: bool) -> Option<String> {
    let (sign, mut body) = match token.as_bytes().first()? {
        b'-' => ("-", &token[1..]),
        b'+' => ("", &token[1..]),
        _ => ("", token),
    };
    if cut_off {
        body = body.trim_end_matches(['e', 'E', '+', '-']);
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => body.split_at(at),
        None => (body, ""),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (mantissa, ""),
    };
    if !mantissa.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let mut out = format!("{sign}{whole}");
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out.push_str(exponent);
    Some(out)
}

/// At most 40 characters of `text`, for messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    fn parse(src: &str) -> (Value, Vec<Repair>) {
        let parsed = parse_prefix(src).unwrap_or_else(|e| panic!("{src:?}: {}", e.message));
        (parsed.value, parsed.repairs)
    }

    #[test]
    fn reads_trailing_commas_comments_quotes_and_bare_keys() {
        let (value, repairs) = parse(
            "{ // who\n name: 'O'Brien', /* age */ \"age\": 30, tags: ['a', 'b',], ok: True, }",
        );
        assert_eq!(
            value,
            json!({"name": "O'Brien", "age": 30, "tags": ["a", "b"], "ok": true})
        );
        assert_eq!(
            repairs,
            [
                Repair::Comment,
                Repair::UnquotedKey,
                Repair::SingleQuotes,
                Repair::UnescapedQuote,
                Repair::TrailingComma,
                Repair::PythonLiteral,
            ]
        );
    }

    #[test]
    fn closes_strings_and_brackets_cut_off_by_the_end() {
        let (value, repairs) = parse(r#"{"a": [1, 2, {"b": "hel"#);
        assert_eq!(value, json!({"a": [1, 2, {"b": "hel"}]}));
        assert_eq!(repairs, [Repair::ClosedString, Repair::ClosedBrackets]);
    }

    #[test]
    fn drops_a_member_whose_value_was_cut_off() {
        for src in [r#"{"a": 1, "b": "#, r#"{"a": 1, "b"#, r#"{"a": 1, bee"#] {
            let (value, repairs) = parse(src);
            assert_eq!(value, json!({"a": 1}), "{src}");
            assert!(repairs.contains(&Repair::DroppedTruncatedMember), "{src}");
        }
    }

    #[test]
    fn cuts_an_unclosed_string_at_the_containers_bracket() {
        let src = "{ \"name\": \"Alice\", \"city\": \"Paris }\n\nThis JSON describes Alice.";
        let parsed = parse_prefix(src).unwrap();
        assert_eq!(parsed.value, json!({"name": "Alice", "city": "Paris"}));
        assert_eq!(&src[parsed.end..], "\n\nThis JSON describes Alice.");
        assert_eq!(parsed.repairs, [Repair::ClosedString]);
    }

    #[test]
    fn a_string_open_where_the_code_block_closes_is_refused() {
        // SmolLM2 on llama-cpp-python: the city string never closes, the fence ends the
        // block, and a quote in the prose after it would otherwise close the string.
        let src = "{\"name\": \"\", \"age\": 42, \"city\": \"Berlin }\n```\n\nThis JSON is a \
                   valid JSON in Python. It contains the following data:\n\n- `name`: \"\"\n";
        let error = parse_prefix(src).expect_err("the string crosses the fence");
        assert_eq!(&src[error.offset..error.offset + 3], "```");
        assert!(
            error.message.contains("code block closes"),
            "{}",
            error.message
        );
        // Inline code and a fence opening another block are text inside a string.
        let (value, _) = parse("{\"a\": \"x\n```rust\nfn f() {}\n``` done\"}");
        assert_eq!(value, json!({"a": "x\n```rust\nfn f() {}\n``` done"}));
    }

    #[test]
    fn keeps_inner_quotes_and_handles_escapes() {
        let (value, _) = parse(r#"{"q": "He said "hi" to me", "e": "\u00e9\ud83d\ude00\d\'"}"#);
        assert_eq!(value, json!({"q": "He said \"hi\" to me", "e": "é😀\\d'"}));
        let (value, repairs) = parse(r#"["\ud800x", "\uZZ"]"#);
        assert_eq!(value, json!(["\u{fffd}x", "\\uZZ"]));
        assert_eq!(repairs, [Repair::InvalidEscape]);
    }

    #[test]
    fn missing_commas_and_odd_numbers() {
        let (value, repairs) = parse("{\"a\": 1\n \"b\": [1 2 +3 .5 007 1.]}");
        assert_eq!(value, json!({"a": 1, "b": [1, 2, 3, 0.5, 7, 1]}));
        assert_eq!(repairs, [Repair::MissingComma, Repair::NonStandardNumber]);
    }

    #[test]
    fn completes_literals_and_numbers_cut_off() {
        assert_eq!(parse("[tr").0, json!([true]));
        assert_eq!(parse("[1, fa").0, json!([1, false]));
        assert_eq!(parse("{\"x\": 1e").0, json!({"x": 1}));
        assert_eq!(parse("[1, -").0, json!([1]));
    }

    #[test]
    fn a_container_cut_off_before_any_content_is_no_value() {
        assert_eq!(parse(r#"{"a": 1, "b": ["#).0, json!({"a": 1}));
        assert_eq!(parse(r#"[1, {"#).0, json!([1]));
        assert_eq!(parse("[[]").0, json!([[]]));
        for src in ["[", "{", "{\"a\": {", "[[[", "{\"a"] {
            assert!(parse_prefix(src).is_err(), "{src}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for (src, message) in [
            ("{\"a\": yes}", "expected a value, found `yes`"),
            ("{\"a\" 1}", "expected `:`"),
            ("[1,,2]", "expected a value, found `,`"),
            ("{\"a\": NaN}", "found `NaN`"),
            ("[1 } ", "expected `,` or `]`"),
            ("{\"a\": 1 ]", "expected `,` or `}`"),
            ("[1-2-3]", "`1-2-3` is not a number"),
        ] {
            let error = parse_prefix(src).expect_err(src);
            assert!(error.message.contains(message), "{src}: {}", error.message);
        }
    }

    #[test]
    fn deep_nesting_fails_cleanly() {
        let bomb = "[".repeat(100_000);
        let error = parse_prefix(&bomb).expect_err("too deep");
        assert!(error.too_deep);
        assert_eq!(error.offset, MAX_DEPTH);
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_prefix(&fine).is_ok());
    }
}
