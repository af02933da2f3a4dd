//! The common chat-completions body, read by hand in one pass.
//!
//! Nearly every awaited answer is one or a few choices of text, with usage. serde_json reads
//! such a body through a visitor per key and per value: about 12,700 instructions per answer
//! of OpenAI's shape (callgrind), more than the whole parse of a client that reads
//! `choices[0].message.content` alone. This reader takes that shape straight from the bytes
//! and gives up on anything else: a value of a type it does not expect, a tool call, reasoning
//! details, annotations, a content array, an `error` value, a lone surrogate, a count it would
//! have to round, an escaped key, nesting past [`MAX_SKIP_DEPTH`], any JSON error. Giving up
//! leaves the body to the serde reader (`CompletionReader`), which reads it, repairs it or
//! says why it cannot exactly as before. What this reader accepts, the serde reader reads to
//! the same completion: the property tests below check both on generated and mutated bodies.
//! Written by hand because the crates that parse without a visitor per value (simd-json,
//! sonic-rs) would be a second JSON stack, with `unsafe` SIMD code, beside serde_json for one
//! shape of body; serde_json stays the reader of everything else. Every index is checked (no
//! slicing that can panic), recursion is bounded by [`MAX_SKIP_DEPTH`], and the work is linear
//! in the body's length.

use std::borrow::Cow;

use super::answer::{AssistantMessage, Choice, Completion};
use crate::response::{FinishReason, Usage};

/// The body is not of the shape this reader takes: the serde reader decides.
struct GiveUp;

type Read<T> = Result<T, GiveUp>;

/// How deep a value this reader skips (an unknown field's) before giving up; the serde reader
/// then applies its own limits.
const MAX_SKIP_DEPTH: usize = 16;

/// Room made for an escaped string's text beyond its first plain run ([`Scanner::string`]).
const SHORT_TEXT_BYTES: usize = 64;

/// Reads `json` into `completion`, which must be empty, and says whether it did: on `false`
/// `completion` holds whatever was read before giving up, to be cleared by the caller.
pub(super) fn read(json: &str, completion: &mut Completion) -> bool {
    let mut scan = Scanner { text: json, at: 0 };
    scan.completion(completion).is_ok() && {
        scan.skip_whitespace();
        scan.at == json.len()
    }
}

/// A quote, backslash or control character: what ends a plain run of string bytes.
fn ends_a_run(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

struct Scanner<'a> {
    text: &'a str,
    /// The next byte to read.
    at: usize,
}

impl<'a> Scanner<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    /// JSON's whitespace, as serde_json reads it.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Read<()> {
        self.skip_whitespace();
        if self.peek() != Some(byte) {
            return Err(GiveUp);
        }
        self.at += 1;
        Ok(())
    }

    /// Reads `word` (after whitespace) if it is next.
    fn word(&mut self, word: &[u8]) -> bool {
        self.skip_whitespace();
        let next = self
            .bytes()
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word));
        if next {
            self.at += word.len();
        }
        next
    }

    fn null(&mut self) -> bool {
        self.word(b"null")
    }

    /// An object, each key handed to `field` with the reader at its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Read<()>) -> Read<()> {
        self.expect(b'{')?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            let key = self.key()?;
            self.expect(b':')?;
            field(self, key)?;
            if !self.more(b'}')? {
                return Ok(());
            }
        }
    }

    /// An object whose keys `field` reads itself, with [`known_key`](Self::known_key) for
    /// those it reads and [`other_key`](Self::other_key) for the rest.
    fn fields(&mut self, mut field: impl FnMut(&mut Self) -> Read<()>) -> Read<()> {
        self.expect(b'{')?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            field(self)?;
            if !self.more(b'}')? {
                return Ok(());
            }
        }
    }

    /// Reads the key `quoted` (spelled with its quotes) and the colon after it, if that key
    /// is next. A known key is compared where it stands, without searching for its end: the
    /// comparison with a constant is a few word compares once inlined, where the search cost
    /// about 100 instructions a key (callgrind).
    #[inline(always)]
    fn known_key(&mut self, quoted: &'static [u8]) -> Read<bool> {
        let next = self
            .bytes()
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(quoted));
        if next {
            self.at += quoted.len();
            self.expect(b':')?;
        }
        Ok(next)
    }

    /// Any other key (an escaped spelling of a known key gives up), and its value skipped.
    /// The fields OpenAI always sends and promptfn does not read (`object`, `created`,
    /// `system_fingerprint`, `index`, `logprobs`, `role`, the details' `audio_tokens` and
    /// prediction counts: <https://platform.openai.com/docs/api-reference/chat/object>) are
    /// named instead, so that their keys are compared rather than searched.
    fn other_field(&mut self) -> Read<()> {
        self.key()?;
        self.expect(b':')?;
        self.skip(MAX_SKIP_DEPTH)
    }

    /// An array, the reader handed to `element` at each element.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Read<()>) -> Read<()> {
        self.expect(b'[')?;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            element(self)?;
            if !self.more(b']')? {
                return Ok(());
            }
        }
    }

    /// After a member: `true` at a comma (another follows), `false` at `close`.
    fn more(&mut self, close: u8) -> Read<bool> {
        self.skip_whitespace();
        let next = self.peek();
        self.at += 1;
        match next {
            Some(b',') => Ok(true),
            Some(byte) if byte == close => Ok(false),
            _ => Err(GiveUp),
        }
    }

    /// The end of the plain run of string bytes from `from`: the first quote, backslash or
    /// control character (which JSON forbids raw in a string). The text is UTF-8, so these
    /// ASCII bytes are never inside a character and the run ends on a character boundary.
    fn plain_end(&self, from: usize) -> usize {
        const ONES: u64 = u64::MAX / 255;
        const HIGHS: u64 = ONES << 7;
        let bytes = self.bytes();
        let mut at = from;
        // Eight bytes at a time, as serde_json's `skip_to_escape` does: a byte's high bit is
        // set in `ends` when it is a zero of `word ^ quote` or `word ^ backslash`, or below
        // 0x20 (the has-zero-byte and has-less-than tests); a false hit only ever follows a
        // true one, so the lowest is the run's end.
        while let Some(Ok(eight)) = bytes.get(at..at + 8).map(<[u8; 8]>::try_from) {
            let word = u64::from_le_bytes(eight);
            let quote = word ^ (ONES * u64::from(b'"'));
            let backslash = word ^ (ONES * u64::from(b'\\'));
            let ends = (quote.wrapping_sub(ONES) & !quote)
                | (backslash.wrapping_sub(ONES) & !backslash)
                | (word.wrapping_sub(ONES * 0x20) & !word);
            if ends & HIGHS != 0 {
                return at + (ends & HIGHS).trailing_zeros() as usize / 8;
            }
            at += 8;
        }
        let tail = bytes.get(at..).unwrap_or_default();
        at + tail
            .iter()
            .position(|&b| ends_a_run(b))
            .unwrap_or(tail.len())
    }

    /// A key without escapes (an escaped key gives up).
    fn key(&mut self) -> Read<&'a str> {
        self.expect(b'"')?;
        let (start, end) = (self.at, self.plain_end(self.at));
        if self.bytes().get(end) != Some(&b'"') {
            return Err(GiveUp);
        }
        self.at = end + 1;
        self.text.get(start..end).ok_or(GiveUp)
    }

    /// A string, borrowed unless it has escapes.
    fn string(&mut self) -> Read<Cow<'a, str>> {
        self.expect(b'"')?;
        let (start, end) = (self.at, self.plain_end(self.at));
        self.at = end;
        let plain = self.text.get(start..end).ok_or(GiveUp)?;
        if self.peek() == Some(b'"') {
            self.at += 1;
            return Ok(Cow::Borrowed(plain));
        }
        // Room for what follows the first escape in a short text: a JSON answer escapes
        // every quote, so its first run is a byte or two, and growing the text from there
        // cost a reallocation (about 350 instructions per answer, callgrind). A long text
        // grows as any string does.
        let mut text = String::with_capacity(plain.len() + SHORT_TEXT_BYTES);
        text.push_str(plain);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(Cow::Owned(text));
                }
                Some(b'\\') => text.push(self.escape()?),
                _ => return Err(GiveUp),
            }
            let (start, end) = (self.at, self.plain_end(self.at));
            text.push_str(self.text.get(start..end).ok_or(GiveUp)?);
            self.at = end;
        }
    }

    /// The character of the escape at the reader (its backslash). A lone surrogate gives up:
    /// the serde reader replaces it and says so.
    fn escape(&mut self) -> Read<char> {
        let code = *self.bytes().get(self.at + 1).ok_or(GiveUp)?;
        self.at += 2;
        Ok(match code {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let scalar = match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes().get(self.at..self.at + 2) != Some(b"\\u") {
                            return Err(GiveUp);
                        }
                        self.at += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(GiveUp);
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    _ => unit,
                };
                // A lone low surrogate is no character.
                char::from_u32(scalar).ok_or(GiveUp)?
            }
            _ => return Err(GiveUp),
        })
    }

    fn hex4(&mut self) -> Read<u32> {
        let unit = super::surrogates::hex4(self.bytes(), self.at).ok_or(GiveUp)?;
        self.at += 4;
        Ok(unit)
    }

    /// A string or `null`.
    fn text(&mut self) -> Read<Option<String>> {
        if self.null() {
            return Ok(None);
        }
        Ok(Some(self.string()?.into_owned()))
    }

    /// A token count: `null` (0) or a whole number that fits a `u64`; a negative, fractional
    /// or larger count gives up (the serde reader's [`Usage`] says what it counts).
    fn count(&mut self) -> Read<u64> {
        if self.null() {
            return Ok(0);
        }
        let start = self.at;
        let mut count: u64 = 0;
        while let Some(digit) = self.peek().filter(u8::is_ascii_digit) {
            count = count
                .checked_mul(10)
                .and_then(|c| c.checked_add(u64::from(digit - b'0')))
                .ok_or(GiveUp)?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes().get(start) == Some(&b'0');
        if digits == 0 || leading_zero || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return Err(GiveUp);
        }
        Ok(count)
    }

    /// Any value, checked as JSON and dropped: the fields promptfn does not read.
    fn skip(&mut self, depth: usize) -> Read<()> {
        if depth == 0 {
            return Err(GiveUp);
        }
        self.skip_whitespace();
        match self.peek().ok_or(GiveUp)? {
            b'"' => self.skip_string(),
            b'{' => self.object(|scan, _| scan.skip(depth - 1)),
            b'[' => self.array(|scan| scan.skip(depth - 1)),
            b'n' if self.word(b"null") => Ok(()),
            b't' if self.word(b"true") => Ok(()),
            b'f' if self.word(b"false") => Ok(()),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => Err(GiveUp),
        }
    }

    fn skip_string(&mut self) -> Read<()> {
        self.expect(b'"')?;
        loop {
            self.at = self.plain_end(self.at);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                // Checked as serde_json checks a string it skips: surrogates are not paired.
                Some(b'\\') => match self.bytes().get(self.at + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.at += 2,
                    Some(b'u') => {
                        self.at += 2;
                        self.hex4()?;
                    }
                    _ => return Err(GiveUp),
                },
                _ => return Err(GiveUp),
            }
        }
    }

    /// A number in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn skip_number(&mut self) -> Read<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(GiveUp);
                }
            }
            Some(b'1'..=b'9') => self.skip_digits()?,
            _ => return Err(GiveUp),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.skip_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.skip_digits()?;
        }
        Ok(())
    }

    /// One digit or more.
    fn skip_digits(&mut self) -> Read<()> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at == start {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// The completion's fields as `CompletionReader` reads them.
    fn completion(&mut self, completion: &mut Completion) -> Read<()> {
        self.fields(|scan| {
            if scan.known_key(b"\"id\"")? {
                completion.id = scan.text()?;
            } else if scan.known_key(b"\"model\"")? {
                completion.model = scan.text()?;
            } else if scan.known_key(b"\"choices\"")? {
                // A repeated key replaces the list.
                completion.choices.clear();
                if !scan.null() {
                    completion.choices.reserve_exact(1);
                    scan.array(|scan| {
                        completion.choices.push(Choice::default());
                        match completion.choices.last_mut() {
                            Some(choice) => scan.choice(choice),
                            None => Err(GiveUp),
                        }
                    })?;
                }
            } else if scan.known_key(b"\"usage\"")? {
                completion.usage = if scan.null() {
                    None
                } else {
                    Some(scan.usage()?)
                };
            } else if scan.known_key(b"\"error\"")? {
                // The serde reader decides what an error value says.
                if !scan.null() {
                    return Err(GiveUp);
                }
                completion.error = None;
            } else if scan.known_key(b"\"object\"")?
                || scan.known_key(b"\"created\"")?
                || scan.known_key(b"\"system_fingerprint\"")?
                || scan.known_key(b"\"service_tier\"")?
            {
                scan.skip(MAX_SKIP_DEPTH)?;
            } else {
                scan.other_field()?;
            }
            Ok(())
        })
    }

    /// A choice's fields as `ChoiceReader` reads them.
    fn choice(&mut self, choice: &mut Choice) -> Read<()> {
        self.fields(|scan| {
            if scan.known_key(b"\"message\"")? {
                // `null` leaves the message as it is.
                if !scan.null() {
                    scan.message(&mut choice.message)?;
                }
            } else if scan.known_key(b"\"finish_reason\"")? {
                choice.finish_reason = if scan.null() {
                    None
                } else {
                    FinishReason::parse(&scan.string()?)
                };
            } else if scan.known_key(b"\"index\"")? || scan.known_key(b"\"logprobs\"")? {
                scan.skip(MAX_SKIP_DEPTH)?;
            } else {
                scan.other_field()?;
            }
            Ok(())
        })
    }

    /// A message's fields as `MessageReader` reads them, for a message of text.
    fn message(&mut self, message: &mut AssistantMessage) -> Read<()> {
        self.fields(|scan| {
            if scan.known_key(b"\"content\"")? {
                message.content = scan.text()?;
            } else if scan.known_key(b"\"refusal\"")? {
                message.refusal = scan.text()?;
            } else if scan.known_key(b"\"annotations\"")? {
                // Empty, as most answers send them.
                scan.nothing()?;
                message.sources.clear();
            } else if scan.known_key(b"\"tool_calls\"")? {
                scan.nothing()?;
                message.tool_calls.clear();
            } else if scan.known_key(b"\"reasoning_content\"")? {
                message.reasoning_content = scan.text()?;
            } else if scan.known_key(b"\"reasoning\"")? {
                message.reasoning = scan.text()?;
            } else if scan.known_key(b"\"function_call\"")? {
                if !scan.null() {
                    return Err(GiveUp);
                }
                message.function_call = None;
            } else if scan.known_key(b"\"reasoning_details\"")? {
                if !scan.null() {
                    return Err(GiveUp);
                }
                message.reasoning_details = None;
            } else if scan.known_key(b"\"role\"")? {
                scan.skip(MAX_SKIP_DEPTH)?;
            } else {
                scan.other_field()?;
            }
            Ok(())
        })
    }

    /// `null` or an empty list; anything else gives up.
    fn nothing(&mut self) -> Read<()> {
        if self.null() {
            return Ok(());
        }
        self.array(|_| Err(GiveUp))
    }

    /// A usage object as [`Usage`]'s own reader reads it.
    fn usage(&mut self) -> Read<Usage> {
        let mut usage = Usage::default();
        let (mut cached_in_details, mut reasoning_in_details) = (0, 0);
        self.fields(|scan| {
            if scan.known_key(b"\"prompt_tokens\"")? {
                usage.prompt_tokens = scan.count()?;
            } else if scan.known_key(b"\"completion_tokens\"")? {
                usage.completion_tokens = scan.count()?;
            } else if scan.known_key(b"\"total_tokens\"")? {
                usage.total_tokens = scan.count()?;
            } else if scan.known_key(b"\"prompt_tokens_details\"")? {
                cached_in_details = scan.details()?.0;
            } else if scan.known_key(b"\"completion_tokens_details\"")? {
                reasoning_in_details = scan.details()?.1;
            } else if scan.known_key(b"\"cache_read_tokens\"")? {
                usage.cache_read_tokens = scan.count()?;
            } else if scan.known_key(b"\"cache_write_tokens\"")? {
                usage.cache_write_tokens = scan.count()?;
            } else if scan.known_key(b"\"reasoning_tokens\"")? {
                usage.reasoning_tokens = scan.count()?;
            } else {
                scan.other_field()?;
            }
            Ok(())
        })?;
        usage.cache_read_tokens = usage.cache_read_tokens.max(cached_in_details);
        usage.reasoning_tokens = usage.reasoning_tokens.max(reasoning_in_details);
        Ok(usage)
    }

    /// A details object's cached and reasoning counts; `null` counts nothing.
    fn details(&mut self) -> Read<(u64, u64)> {
        let (mut cached, mut reasoning) = (0, 0);
        if self.null() {
            return Ok((cached, reasoning));
        }
        self.fields(|scan| {
            if scan.known_key(b"\"cached_tokens\"")? {
                cached = scan.count()?;
            } else if scan.known_key(b"\"reasoning_tokens\"")? {
                reasoning = scan.count()?;
            } else if scan.known_key(b"\"audio_tokens\"")?
                || scan.known_key(b"\"accepted_prediction_tokens\"")?
                || scan.known_key(b"\"rejected_prediction_tokens\"")?
            {
                scan.skip(MAX_SKIP_DEPTH)?;
            } else {
                scan.other_field()?;
            }
            Ok(())
        })?;
        Ok((cached, reasoning))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;
    use proptest::sample::Index;

    use super::*;

    /// What this reader and the serde reader make of `json`, each as its `Debug` text (`None`
    /// when this reader gives up or the serde reader fails).
    fn both(json: &str) -> (Option<String>, Option<String>) {
        let mut scanned = Completion::default();
        let scanned = read(json, &mut scanned).then(|| format!("{scanned:?}"));
        let serde = serde_json::from_str::<Completion>(json)
            .ok()
            .map(|c| format!("{c:?}"));
        (scanned, serde)
    }

    const OPENAI: &str = concat!(
        r#"{"id":"chatcmpl-1","object":"chat.completion","created":1735689600,"model":"m","#,
        r#""choices":[{"index":0,"message":{"role":"assistant","content":"{\"name\":\"Al\u00e9 \ud83d\ude00\"}\n","#,
        r#""refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"#,
        r#""usage":{"prompt_tokens":61,"completion_tokens":9,"total_tokens":70,"#,
        r#""prompt_tokens_details":{"cached_tokens":32,"audio_tokens":0},"#,
        r#""completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":0,"#,
        r#""accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"#,
        r#""service_tier":"default","system_fingerprint":"fp_1"} "#,
    );

    #[test]
    fn an_answer_of_text_is_read_by_hand_as_serde_reads_it() {
        let (scanned, serde) = both(OPENAI);
        assert!(scanned.is_some(), "the common shape is this reader's");
        assert_eq!(scanned, serde);
        let mut c = Completion::default();
        assert!(read(OPENAI, &mut c));
        let message = &c.choices[0].message;
        assert_eq!(message.content.as_deref(), Some("{\"name\":\"Alé 😀\"}\n"));
        assert_eq!(c.choices[0].finish_reason, Some(FinishReason::Stop));
        let usage = c.usage.unwrap();
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.cache_read_tokens,
                usage.reasoning_tokens
            ),
            (61, 32, 4)
        );
        assert_eq!(
            (c.id.as_deref(), c.model.as_deref()),
            (Some("chatcmpl-1"), Some("m"))
        );
        // Whitespace anywhere JSON allows it, nulls where a value may be absent.
        let spaced = "\r\n{ \"choices\" : [ { \"message\" : { \"content\" : null , \"tool_calls\" : [ ] } , \"finish_reason\" : null } , { } ] , \"usage\" : null , \"error\" : null }\t";
        let (scanned, serde) = both(spaced.trim_start());
        assert!(scanned.is_some());
        assert_eq!(scanned, serde);
    }

    #[test]
    fn anything_else_is_left_to_the_serde_reader() {
        let deep = format!(r#"{{"x":{}1{}}}"#, "[".repeat(40), "]".repeat(40));
        for body in [
            // Values this reader does not read: the serde reader does.
            r#"{"choices":[{"message":{"content":"a","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"message":{"content":[{"type":"text","text":"a"}]}}]}"#,
            r#"{"choices":[{"message":{"content":"a","annotations":[{"type":"url_citation"}]}}]}"#,
            r#"{"choices":[{"message":{"reasoning_details":[{"type":"reasoning.text"}]}}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":2.5}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":-1}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":18446744073709551616}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens_details":7}}"#,
            r#"{"error":{"message":"overloaded"}}"#,
            r#"{"id":7}"#,
            r#"{"ch\u006fices":[]}"#,
            // Lone surrogates: the serde reader replaces them and says so.
            r#"{"choices":[{"message":{"content":"cut \ud83d"}}]}"#,
            r#"{"choices":[{"message":{"content":"\ude00 first"}}]}"#,
            // Not JSON, or not a completion: the serde reader says why.
            r#"[{"choices":[]}]"#,
            r#"{"choices":[]} x"#,
            r#"{"choices":[],}"#,
            r#"{"choices":[{"message":{"content":"a	tab"}}]}"#,
            r#"{"created":01}"#,
            r#"{"choices":[{"message":{"content":"\x"}}]}"#,
            r#"{"choices":[{"message":{"content":"open"#,
            deep.as_str(),
        ] {
            let mut c = Completion::default();
            assert!(!read(body, &mut c), "{body}");
        }
    }

    proptest! {
        /// The run's end found eight bytes at a time is the first quote, backslash or
        /// control character, wherever it is and whatever precedes it.
        #[test]
        fn a_plain_run_ends_at_its_first_quote_backslash_or_control(
            text in "[a-z\\\\\"\\x00-\\x1f\\x7fé😀]{0,40}",
            from in 0usize..8,
        ) {
            let scan = Scanner { text: &text, at: 0 };
            let from = from.min(text.len());
            let naive = text.as_bytes()[from..]
                .iter()
                .position(|&b| ends_a_run(b))
                .map_or(text.len(), |at| from + at);
            prop_assert_eq!(scan.plain_end(from), naive);
        }
    }

    fn member(key: &'static str, value: BoxedStrategy<String>) -> BoxedStrategy<String> {
        value.prop_map(move |v| format!("\"{key}\":{v}")).boxed()
    }

    fn object(members: BoxedStrategy<String>, most: usize) -> BoxedStrategy<String> {
        (
            prop::collection::vec(members, 0..most),
            prop::sample::select(vec![",", " , ", ",\n\t"]),
        )
            .prop_map(|(m, comma)| format!("{{{}}}", m.join(comma)))
            .boxed()
    }

    fn one_of(values: &[&'static str]) -> BoxedStrategy<String> {
        prop::sample::select(values.to_vec())
            .prop_map(str::to_owned)
            .boxed()
    }

    fn text() -> BoxedStrategy<String> {
        prop_oneof![
            "[a-z é😀]{0,6}".prop_map(|s| format!("\"{s}\"")),
            one_of(&[
                "null",
                r#""""#,
                r#""say \"hi\"\n\t\\ \/ \b\f\r""#,
                r#""caf\u00e9 \ud83d\ude00 \u0000""#,
                r#""cut \ud83d""#,
                r#""\uDE00""#,
                r#""\u00e""#,
                "5",
                "true",
            ]),
        ]
        .boxed()
    }

    fn count() -> BoxedStrategy<String> {
        one_of(&[
            "0",
            "61",
            "null",
            "-4",
            "2.9",
            "1e30",
            "18446744073709551615",
            "18446744073709551616",
            "\"12\"",
            "007",
            "-0",
        ])
    }

    fn anything() -> BoxedStrategy<String> {
        one_of(&[
            "null",
            "true",
            "false",
            "[]",
            "{}",
            r#"[1,{"a":[null,-0.5e+3]}]"#,
            r#""x""#,
            r#"{"k":"v\u00e9"}"#,
            "1.5E-2",
            "[",
            "nul",
            "0x1",
        ])
    }

    fn details() -> BoxedStrategy<String> {
        prop_oneof![
            object(
                prop_oneof![
                    member("cached_tokens", count()),
                    member("reasoning_tokens", count()),
                    member("audio_tokens", anything()),
                    member("rejected_prediction_tokens", count()),
                ]
                .boxed(),
                4,
            ),
            one_of(&["null", "7", "[]", r#""x""#]),
        ]
        .boxed()
    }

    fn usage() -> BoxedStrategy<String> {
        prop_oneof![
            4 => object(
                prop_oneof![
                    member("prompt_tokens", count()),
                    member("completion_tokens", count()),
                    member("total_tokens", count()),
                    member("cache_read_tokens", count()),
                    member("cache_write_tokens", count()),
                    member("reasoning_tokens", count()),
                    member("cached_tokens", count()),
                    member("prompt_tokens_details", details()),
                    member("completion_tokens_details", details()),
                    member("other", anything()),
                ]
                .boxed(),
                8,
            ),
            1 => one_of(&["null", "5", "[]"]),
        ]
        .boxed()
    }

    fn message() -> BoxedStrategy<String> {
        prop_oneof![
            6 => object(
                prop_oneof![
                    4 => member("content", prop_oneof![
                        4 => text(),
                        1 => one_of(&[r#"[{"type":"text","text":"a"},{"type":"refusal","refusal":"no"}]"#]),
                    ].boxed()),
                    1 => member("role", one_of(&[r#""assistant""#, "null"])),
                    1 => member("refusal", text()),
                    1 => member("reasoning_content", text()),
                    1 => member("reasoning", text()),
                    1 => member("annotations", one_of(&[
                        "[]", "null",
                        r#"[{"type":"url_citation","url_citation":{"url":"https://a.example/","title":"A"}}]"#,
                    ])),
                    1 => member("tool_calls", one_of(&[
                        "[]", "null",
                        r#"[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]"#,
                    ])),
                    1 => member("function_call", one_of(&["null", r#"{"name":"f","arguments":"{}"}"#])),
                    1 => member("reasoning_details", one_of(&["null", r#"[{"type":"reasoning.text","text":"t"}]"#])),
                    1 => member("audio", anything()),
                ]
                .boxed(),
                5,
            ),
            1 => one_of(&["null", r#""x""#]),
        ]
        .boxed()
    }

    fn choice() -> BoxedStrategy<String> {
        prop_oneof![
            8 => object(
                prop_oneof![
                    1 => member("index", count()),
                    3 => member("message", message()),
                    1 => member("finish_reason", prop_oneof![
                        3 => one_of(&[r#""stop""#, r#""length""#, r#""tool_calls""#, r#""""#, "null", "3"]),
                        1 => text(),
                    ].boxed()),
                    1 => member("logprobs", anything()),
                ]
                .boxed(),
                5,
            ),
            1 => one_of(&["null", "1"]),
        ]
        .boxed()
    }

    fn completion() -> BoxedStrategy<String> {
        prop_oneof![
            12 => object(
                prop_oneof![
                    1 => member("id", text()),
                    1 => member("model", text()),
                    1 => member("object", one_of(&[r#""chat.completion""#])),
                    1 => member("created", one_of(&["1735689600", "-1.5"])),
                    4 => member("choices", prop_oneof![
                        4 => prop::collection::vec(choice(), 0..3).prop_map(|c| format!("[{}]", c.join(","))),
                        1 => one_of(&["null", "{}"]),
                    ].boxed()),
                    2 => member("usage", usage()),
                    1 => member("error", one_of(&["null", "{}", r#"{"message":"x"}"#, r#""""#, "0"])),
                    1 => member("system_fingerprint", text()),
                    1 => member("service_tier", anything()),
                    1 => member("extra", anything()),
                ]
                .boxed(),
                8,
            ),
            1 => one_of(&["[]", "null", r#""x""#]),
        ]
        .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// What this reader accepts, the serde reader reads to the same completion.
        #[test]
        fn what_is_read_by_hand_the_serde_reader_reads_the_same(body in completion()) {
            let (scanned, serde) = both(&body);
            if scanned.is_some() {
                prop_assert_eq!(scanned, serde, "{}", body);
            }
        }

        /// The same for bodies broken anywhere: a broken body is never read by hand into
        /// anything the serde reader would not read.
        #[test]
        fn a_broken_body_is_never_read_into_anything_else(
            body in completion(),
            edits in prop::collection::vec(
                (any::<Index>(), 0..3u8, prop::sample::select(
                    "{}[]\":,\\/01-.eEnulltrfau \t".chars().collect::<Vec<_>>(),
                )),
                1..4,
            ),
        ) {
            let mut chars: Vec<char> = body.chars().collect();
            for (at, op, c) in edits {
                let at = at.index(chars.len() + 1);
                match op {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars[at] = c,
                    _ => chars.insert(at, c),
                }
            }
            let body: String = chars.into_iter().collect();
            let (scanned, serde) = both(&body);
            if scanned.is_some() {
                prop_assert_eq!(scanned, serde, "{}", body);
            }
        }
    }
}
