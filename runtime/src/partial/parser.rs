//! The incremental JSON reader behind partial snapshots.
//!
//! [`Parser::feed`] is given the whole answer so far each time but reads only the bytes it has
//! not seen, keeping its place (open containers, a string or number cut by the delta, a
//! half-read escape) between calls: a stream of `n` bytes costs `O(n)` however it is split,
//! and what it builds after some prefix does not depend on how that prefix was split.
//!
//! It is tolerant where models are sloppy while they write: prose, a code fence or a leading
//! `<think>…</think>` block before the value is skipped; single-quoted strings, bare keys,
//! trailing or missing commas and Python's `True`/`False`/`None` are read. What it cannot
//! follow stops the snapshots from growing (nothing read is taken back); the finished value
//! is always decoded from the whole answer by the tolerant decoder, as an awaited call's is.

use memchr::{memchr2, memmem};

use super::tree::{Node, NodeId, Tree, Value};

/// Deepest nesting read, as in serde_json and the tolerant decoder.
const MAX_DEPTH: usize = 128;

const THINK_OPEN: &[u8] = b"<think>";
const THINK_CLOSE: &[u8] = b"</think>";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the value: skipping blanks, prose or a code fence.
    Before,
    /// Inside a leading `<think>` block, looking for its end tag.
    Thinking,
    /// Reading the value.
    Value,
    /// The root value is closed: nothing after it is read.
    Done,
    /// Something the reader cannot follow: nothing more is read.
    Stuck,
}

/// What an open container waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Key,
    Colon,
    Value,
    CommaOrEnd,
}

#[derive(Debug)]
struct Frame {
    node: NodeId,
    object: bool,
    expect: Expect,
}

/// A half-read escape inside a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    Backslash,
    /// `\u` and the hex digits read so far.
    Unicode {
        digits: u8,
        code: u32,
    },
}

/// The token being read when the delta ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    None,
    /// A string: a value's (its node) or a key's (`None`: the text goes to `key`).
    Str {
        node: Option<NodeId>,
        quote: u8,
        escape: Escape,
    },
    /// An unquoted key (`{name: …}`).
    BareKey,
    /// A number or literal; it ends at the next delimiter.
    Scalar,
}

/// Reads a JSON value from an answer that grows, into a tree that grows with it.
#[derive(Debug)]
pub struct Parser {
    /// The next byte of the answer to read.
    pos: usize,
    phase: Phase,
    /// A non-blank byte has been seen (a `<think>` block counts only at the start).
    started: bool,
    stack: Vec<Frame>,
    token: Token,
    /// The key being read, then waiting for its value.
    key: String,
    /// The number or literal being read.
    scalar: String,
    /// A `\uD800`-style high surrogate waiting for its low half.
    high_surrogate: Option<u32>,
    tree: Tree,
    /// Bumped on every change to the tree.
    version: u64,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A reader that has seen nothing.
    pub fn new() -> Self {
        Self {
            pos: 0,
            phase: Phase::Before,
            started: false,
            stack: Vec::new(),
            token: Token::None,
            key: String::new(),
            scalar: String::new(),
            high_surrogate: None,
            tree: Tree::default(),
            version: 0,
        }
    }

    /// Reads the part of `answer` not seen yet. `answer` must be the previous answer with text
    /// appended.
    pub fn feed(&mut self, answer: &str) {
        while self.pos < answer.len() {
            let waiting = match self.phase {
                Phase::Before => !self.before(answer.as_bytes()),
                Phase::Thinking => !self.thinking(answer.as_bytes()),
                Phase::Value => {
                    self.value(answer);
                    false
                }
                Phase::Done | Phase::Stuck => {
                    self.pos = answer.len();
                    false
                }
            };
            if waiting {
                return;
            }
        }
    }

    /// The value read so far; `None` before it starts.
    pub fn root(&self) -> Option<Node<'_>> {
        self.tree.root()
    }

    /// A counter that changes whenever the value grows.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether the root value has been closed.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Skips to the root value. Returns `false` when it must wait for more text.
    fn before(&mut self, bytes: &[u8]) -> bool {
        if !self.started {
            let Some(at) = bytes[self.pos..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())
            else {
                self.pos = bytes.len();
                return true;
            };
            self.pos += at;
            let rest = &bytes[self.pos..];
            if rest.len() < THINK_OPEN.len() && THINK_OPEN.starts_with(rest) {
                // `<thi…`: cannot tell yet whether a reasoning block starts here.
                return false;
            }
            self.started = true;
            if rest.starts_with(THINK_OPEN) {
                self.pos += THINK_OPEN.len();
                self.phase = Phase::Thinking;
                return true;
            }
        }
        match memchr2(b'{', b'[', &bytes[self.pos..]) {
            Some(at) => {
                self.pos += at;
                self.phase = Phase::Value;
            }
            None => self.pos = bytes.len(),
        }
        true
    }

    /// Skips a leading reasoning block. Returns `false` when it must wait for more text.
    fn thinking(&mut self, bytes: &[u8]) -> bool {
        // The end tag may have been cut by the previous delta: look a tag's length back.
        let from = self.pos.saturating_sub(THINK_CLOSE.len() - 1);
        match memmem::find(&bytes[from..], THINK_CLOSE) {
            Some(at) => {
                self.pos = from + at + THINK_CLOSE.len();
                self.phase = Phase::Before;
                true
            }
            None => {
                self.pos = bytes.len();
                false
            }
        }
    }

    fn value(&mut self, text: &str) {
        let bytes = text.as_bytes();
        while self.pos < bytes.len() && self.phase == Phase::Value {
            match self.token {
                Token::Str {
                    node,
                    quote,
                    escape,
                } => self.string(text, node, quote, escape),
                Token::Scalar => self.scalar(text),
                Token::BareKey => self.bare_key(text),
                Token::None => self.structural(bytes[self.pos]),
            }
        }
    }

    fn stuck(&mut self) {
        self.phase = Phase::Stuck;
    }

    /// A byte between tokens.
    fn structural(&mut self, b: u8) {
        if b.is_ascii_whitespace() {
            self.pos += 1;
            return;
        }
        let Some(frame) = self.stack.last_mut() else {
            // The root: `before` stopped at its opening bracket.
            self.begin_value(b);
            return;
        };
        match (frame.object, frame.expect, b) {
            (_, _, b'}' | b']') => {
                self.pos += 1;
                self.close();
            }
            (true, Expect::Key, b'"' | b'\'') => {
                self.pos += 1;
                self.key.clear();
                self.token = Token::Str {
                    node: None,
                    quote: b,
                    escape: Escape::None,
                };
            }
            (true, Expect::Key, b',') | (false, Expect::Value, b',') => self.pos += 1,
            (true, Expect::Key, _) if is_bare_key_byte(b) => {
                self.key.clear();
                self.token = Token::BareKey;
            }
            (true, Expect::Colon, b':') => {
                self.pos += 1;
                frame.expect = Expect::Value;
            }
            // `{"a": ,` has no value: the member is dropped.
            (true, Expect::Value, b',') => {
                self.pos += 1;
                frame.expect = Expect::Key;
            }
            (_, Expect::Value, _) => self.begin_value(b),
            (object, Expect::CommaOrEnd, b',') => {
                self.pos += 1;
                frame.expect = if object { Expect::Key } else { Expect::Value };
            }
            // A missing comma: read on as if it were there.
            (object, Expect::CommaOrEnd, _) => {
                frame.expect = if object { Expect::Key } else { Expect::Value };
            }
            _ => self.stuck(),
        }
    }

    /// The first byte of a value.
    fn begin_value(&mut self, b: u8) {
        match b {
            b'{' | b'[' => {
                if self.stack.len() >= MAX_DEPTH {
                    self.stuck();
                    return;
                }
                self.pos += 1;
                let object = b == b'{';
                let value = if object {
                    Value::Object(Vec::new())
                } else {
                    Value::Array(Vec::new())
                };
                let node = self.attach(value, false);
                self.stack.push(Frame {
                    node,
                    object,
                    expect: if object { Expect::Key } else { Expect::Value },
                });
            }
            b'"' | b'\'' if !self.stack.is_empty() => {
                self.pos += 1;
                let node = self.attach(Value::String(String::new()), false);
                self.token = Token::Str {
                    node: Some(node),
                    quote: b,
                    escape: Escape::None,
                };
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z'
                if !self.stack.is_empty() =>
            {
                self.scalar.clear();
                self.token = Token::Scalar;
            }
            _ => self.stuck(),
        }
    }

    /// Adds a value to the open container (or makes it the root) and returns its node.
    fn attach(&mut self, value: Value, complete: bool) -> NodeId {
        let node = self.tree.add(value, complete);
        self.version += 1;
        if let Some(frame) = self.stack.last_mut() {
            match &mut self.tree.slots[frame.node].value {
                Value::Object(members) => members.push((std::mem::take(&mut self.key), node)),
                Value::Array(items) => items.push(node),
                _ => {}
            }
            frame.expect = Expect::CommaOrEnd;
        }
        node
    }

    /// A closing bracket: the innermost container is complete.
    fn close(&mut self) {
        if let Some(frame) = self.stack.pop() {
            self.tree.slots[frame.node].complete = true;
            self.version += 1;
        }
        if self.stack.is_empty() {
            self.phase = Phase::Done;
        }
    }

    /// Reads string text up to the closing quote or the end of the delta.
    fn string(&mut self, text: &str, node: Option<NodeId>, quote: u8, mut escape: Escape) {
        let bytes = text.as_bytes();
        while self.pos < bytes.len() {
            if escape != Escape::None {
                escape = self.escape(node, bytes[self.pos], escape);
                continue;
            }
            let run_end = memchr2(quote, b'\\', &bytes[self.pos..]).map(|at| self.pos + at);
            let end = run_end.unwrap_or(bytes.len());
            if end > self.pos {
                // Both ends sit before an ASCII byte or at the end, so on char boundaries.
                self.push_text(node, &text[self.pos..end]);
                self.pos = end;
            }
            let Some(at) = run_end else {
                break;
            };
            self.pos = at + 1;
            if bytes[at] == b'\\' {
                escape = Escape::Backslash;
                continue;
            }
            self.flush_surrogate(node);
            self.token = Token::None;
            match node {
                Some(node) => {
                    self.tree.slots[node].complete = true;
                    self.version += 1;
                }
                None => {
                    if let Some(frame) = self.stack.last_mut() {
                        frame.expect = Expect::Colon;
                    }
                }
            }
            return;
        }
        self.token = Token::Str {
            node,
            quote,
            escape,
        };
    }

    /// One byte of an escape sequence; returns the escape state after it.
    fn escape(&mut self, node: Option<NodeId>, b: u8, escape: Escape) -> Escape {
        match escape {
            Escape::Backslash => {
                let c = match b {
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'u' => {
                        self.pos += 1;
                        return Escape::Unicode { digits: 0, code: 0 };
                    }
                    // A backslash before a non-ASCII character is dropped; the character is
                    // read with the run that follows.
                    b if !b.is_ascii() => return Escape::None,
                    b => char::from(b),
                };
                self.pos += 1;
                self.push_char(node, c);
                Escape::None
            }
            Escape::Unicode { digits, code } => {
                let Some(digit) = char::from(b).to_digit(16) else {
                    // A cut `\u` escape: what it stood for is unknown.
                    self.push_char(node, char::REPLACEMENT_CHARACTER);
                    return Escape::None;
                };
                self.pos += 1;
                let code = code * 16 + digit;
                if digits < 3 {
                    return Escape::Unicode {
                        digits: digits + 1,
                        code,
                    };
                }
                self.code_point(node, code);
                Escape::None
            }
            Escape::None => Escape::None,
        }
    }

    /// A `\uXXXX` escape, which may be half of a surrogate pair.
    fn code_point(&mut self, node: Option<NodeId>, code: u32) {
        match code {
            0xD800..=0xDBFF => {
                self.flush_surrogate(node);
                self.high_surrogate = Some(code);
            }
            0xDC00..=0xDFFF => {
                let c = self
                    .high_surrogate
                    .take()
                    .and_then(|high| {
                        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))
                    })
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                self.push_char(node, c);
            }
            _ => self.push_char(
                node,
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
            ),
        }
    }

    /// A high surrogate not followed by its low half stands for nothing readable.
    fn flush_surrogate(&mut self, node: Option<NodeId>) {
        if self.high_surrogate.take().is_some() {
            self.target(node).push(char::REPLACEMENT_CHARACTER);
            self.version += 1;
        }
    }

    fn push_char(&mut self, node: Option<NodeId>, c: char) {
        self.flush_surrogate(node);
        self.target(node).push(c);
        self.version += 1;
    }

    fn push_text(&mut self, node: Option<NodeId>, text: &str) {
        self.flush_surrogate(node);
        self.target(node).push_str(text);
        self.version += 1;
    }

    /// Where string text goes: the value's node, or the key being read.
    fn target(&mut self, node: Option<NodeId>) -> &mut String {
        if let Some(node) = node
            && let Value::String(text) = &mut self.tree.slots[node].value
        {
            return text;
        }
        &mut self.key
    }

    /// Reads an unquoted key up to the first byte that cannot be part of it.
    fn bare_key(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let end = bytes[self.pos..]
            .iter()
            .position(|&b| !is_bare_key_byte(b))
            .map_or(bytes.len(), |at| self.pos + at);
        self.key.push_str(&text[self.pos..end]);
        self.pos = end;
        if end < bytes.len() {
            self.token = Token::None;
            if let Some(frame) = self.stack.last_mut() {
                frame.expect = Expect::Colon;
            }
        }
    }

    /// Reads a number or literal; it is added whole once a delimiter ends it.
    fn scalar(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let end = bytes[self.pos..]
            .iter()
            .position(|&b| b.is_ascii() && !is_scalar_byte(b))
            .map_or(bytes.len(), |at| self.pos + at);
        self.scalar.push_str(&text[self.pos..end]);
        self.pos = end;
        if end == bytes.len() {
            return;
        }
        self.token = Token::None;
        let scalar = std::mem::take(&mut self.scalar);
        let value = match scalar.as_str() {
            "true" | "True" => Some(Value::Bool(true)),
            "false" | "False" => Some(Value::Bool(false)),
            "null" | "None" => Some(Value::Null),
            s if s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
                && s.parse::<f64>().is_ok() =>
            {
                Some(Value::Number(scalar.into_boxed_str()))
            }
            _ => None,
        };
        match value {
            Some(value) => {
                self.attach(value, true);
            }
            // A bare word is not a value the snapshot can use; the member is left out.
            None => {
                self.key.clear();
                if let Some(frame) = self.stack.last_mut() {
                    frame.expect = Expect::CommaOrEnd;
                }
            }
        }
    }
}

fn is_bare_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-') || !b.is_ascii()
}

fn is_scalar_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')
}
