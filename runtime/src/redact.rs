//! Keeping the API key out of everything a server's answer reaches, even when the server echoes
//! it back.
//!
//! promptfn itself never puts the key anywhere it shows, but errors, `Response::raw`, decoded
//! values and cassettes keep what the server said, and a careless server, a proxy or a
//! prompt-injected model may quote the key it was sent: whole, JSON-escaped (`sk-proj\/…`,
//! `\u0073k-…`), escaped twice (`\\\/`), or percent-encoded. Every answer body is scrubbed
//! once, as it enters the transport ([`BodyScrubber`], installed by the transport's `Sending`
//! future as the status arrives), so that nothing read from it can hold the key, whichever
//! path reads it: awaited, streamed, cut into an excerpt or recorded.

use std::sync::Arc;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};

/// What stands in for the key. Plain ASCII without quotes or backslashes, so that replacing
/// a key inside a JSON string leaves the JSON valid.
pub(crate) const REDACTED: &str = "[redacted]";

/// Keys shorter than this are placeholders local servers accept ("local", "none"), and
/// replacing them would garble ordinary words.
const MIN_SECRET_LEN: usize = 8;

/// The most backslashes accepted before one escaped character: a key escaped three times over
/// (a JSON string quoted inside a JSON string inside another) is still found.
const MAX_BACKSLASHES: usize = 7;

/// How far a match of `key` got at some position of a text.
#[derive(Debug, PartialEq, Eq)]
enum Match {
    /// The key is spelt out there, ending at this offset.
    Whole(usize),
    /// What is there spells the first this many bytes of the key, then the text ends.
    Cut(usize),
    /// Not the key.
    No,
}

/// The value of the hex digits `digits`, if they all are hex digits.
fn hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &d| {
        char::from(d).to_digit(16).map(|digit| value * 16 + digit)
    })
}

/// Whether `text[at..]` starts with the key, every byte of it spelt literally, as a JSON
/// escape (`\/`, `\u002d`, with up to [`MAX_BACKSLASHES`] backslashes) or percent-encoded.
fn match_at(text: &[u8], at: usize, key: &[u8]) -> Match {
    let mut p = at;
    for (matched, &want) in key.iter().enumerate() {
        let rest = &text[p..];
        let Some(&first) = rest.first() else {
            return Match::Cut(matched);
        };
        if first == want {
            p += 1;
            continue;
        }
        if first == b'%' {
            match rest.get(1..3) {
                None if rest[1..].iter().all(u8::is_ascii_hexdigit) => {
                    return Match::Cut(matched);
                }
                Some(digits) if hex(digits) == Some(u32::from(want)) => {
                    p += 3;
                    continue;
                }
                _ => return Match::No,
            }
        }
        if first != b'\\' {
            return Match::No;
        }
        // Counting stops past the most accepted, so that a run of backslashes costs linear time.
        let slashes = rest
            .iter()
            .take(MAX_BACKSLASHES + 1)
            .take_while(|&&b| b == b'\\')
            .count();
        if slashes > MAX_BACKSLASHES {
            return Match::No;
        }
        let escaped = &rest[slashes..];
        match escaped.first() {
            None => return Match::Cut(matched),
            Some(&b) if b == want => p += slashes + 1,
            Some(b'u') => match escaped.get(1..5) {
                None if escaped[1..].iter().all(u8::is_ascii_hexdigit) => {
                    return Match::Cut(matched);
                }
                Some(digits) if hex(digits) == Some(u32::from(want)) => p += slashes + 5,
                _ => return Match::No,
            },
            Some(_) => return Match::No,
        }
    }
    Match::Whole(p)
}

/// Where a spelling of the key's first byte may start.
fn candidates(text: &[u8], first: u8) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr3_iter(first, b'%', b'\\', text)
}

/// `text` with every spelling of `key` replaced by [`REDACTED`], up to where the text ends
/// inside what may be the key: then that offset too.
fn replace(text: &[u8], key: &[u8]) -> (Vec<u8>, Option<usize>) {
    let Some(&first) = key.first() else {
        return (text.to_vec(), None);
    };
    let mut out = Vec::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = candidates(&text[from..], first).next().map(|i| i + from) {
        match match_at(text, at, key) {
            Match::Whole(end) => {
                out.extend_from_slice(&text[copied..at]);
                out.extend_from_slice(REDACTED.as_bytes());
                copied = end;
                from = end;
            }
            Match::Cut(_) => {
                out.extend_from_slice(&text[copied..at]);
                return (out, Some(at));
            }
            Match::No => from = at + 1,
        }
    }
    out.extend_from_slice(&text[copied..]);
    (out, None)
}

/// A client's key, ready to be looked for in every answer body: built once per client.
pub(crate) struct ScrubKey {
    secret: SecretString,
    /// The searcher for the key spelt literally. Building one costs more than searching a
    /// typical answer with it, so it is built once. It holds a copy of the key, as the
    /// client's `Authorization` header does.
    literal: memchr::memmem::Finder<'static>,
    /// Which byte values the key holds.
    holds: [bool; 256],
    /// Whether the key holds `%` or `\\`: then any escape may be the key's own byte, spelt
    /// literally.
    holds_escape_byte: bool,
    /// Which pairs of bytes follow each other in the key, a bit per pair (`a` then `b` at bit
    /// `a * 256 + b`): an escape spelling `b` after an `a` may continue a spelling of the key
    /// only if the key holds the pair. Boxed: 8 KiB, made once per client.
    pairs: Box<[u64; 1024]>,
}

/// What an escape of a text spells, as far as the key is concerned.
enum Escaped {
    /// Nothing of the key: a byte it does not hold, or more backslashes than accepted.
    Nothing,
    /// This byte, which the key holds.
    KeyByte(u8),
    /// Not known: the text ends inside the escape, or the key holds `%` or `\\` (then the
    /// escape may be the key's own byte, spelt literally).
    Unknown,
}

impl std::fmt::Debug for ScrubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScrubKey([redacted])")
    }
}

impl ScrubKey {
    /// `secret` made ready, or `None` when it is too short to look for.
    pub(crate) fn new(secret: &SecretString) -> Option<Self> {
        let key = secret.expose_secret().as_bytes();
        if key.len() < MIN_SECRET_LEN {
            return None;
        }
        let mut holds = [false; 256];
        for &b in key {
            holds[usize::from(b)] = true;
        }
        let mut pairs = Box::new([0u64; 1024]);
        for pair in key.windows(2) {
            let pair = usize::from(pair[0]) << 8 | usize::from(pair[1]);
            pairs[pair / 64] |= 1 << (pair % 64);
        }
        Some(Self {
            secret: secret.clone(),
            literal: memchr::memmem::Finder::new(key).into_owned(),
            holds,
            holds_escape_byte: holds[usize::from(b'%')] || holds[usize::from(b'\\')],
            pairs,
        })
    }

    fn key(&self) -> &[u8] {
        self.secret.expose_secret().as_bytes()
    }

    /// What the `%` or `\\` at `text[at]` spells, as far as the key is concerned. Most escapes
    /// in an answer are `\\"`, which no key holds.
    fn escaped(&self, text: &[u8], at: usize) -> Escaped {
        if self.holds_escape_byte {
            return Escaped::Unknown;
        }
        let rest = &text[at..];
        let digits = |digits: Option<&[u8]>| match digits.map(hex) {
            None => Err(Escaped::Unknown),
            Some(None) => Err(Escaped::Nothing),
            Some(Some(value)) => Ok(value),
        };
        let value = match rest {
            // One backslash before a plain byte (`\\"`, `\\n`): nearly every escape of a body,
            // decided without counting backslashes.
            [b'\\', escaped, ..] if !matches!(escaped, b'\\' | b'u') => Ok(u32::from(*escaped)),
            [b'%', ..] => digits(rest.get(1..3)),
            _ => {
                let slashes = rest
                    .iter()
                    .take(MAX_BACKSLASHES + 1)
                    .take_while(|&&b| b == b'\\')
                    .count();
                match rest.get(slashes) {
                    _ if slashes > MAX_BACKSLASHES => Err(Escaped::Nothing),
                    Some(b'u') => digits(rest.get(slashes + 1..slashes + 5)),
                    Some(&b) => Ok(u32::from(b)),
                    None => Err(Escaped::Unknown),
                }
            }
        };
        match value.map(u8::try_from) {
            Ok(Ok(byte)) if self.holds[usize::from(byte)] => Escaped::KeyByte(byte),
            Ok(_) => Escaped::Nothing,
            Err(escaped) => escaped,
        }
    }

    /// Whether the key holds byte `a` followed by byte `b`.
    fn holds_pair(&self, a: u8, b: u8) -> bool {
        let pair = usize::from(a) << 8 | usize::from(b);
        self.pairs[pair / 64] >> (pair % 64) & 1 == 1
    }

    /// Whether the text's end may be the start of the key spelt literally (`sk-pr`, or an `s`
    /// ending a word).
    fn may_end_in_key(&self, text: &[u8]) -> bool {
        let key = self.key();
        let Some((&first, &last)) = key.first().zip(text.last()) else {
            return false;
        };
        if !self.holds[usize::from(last)] {
            // The common case (a body ends in `}` or a line break), without a search.
            return false;
        }
        let tail = text.len().saturating_sub(key.len());
        memchr::memchr_iter(first, &text[tail..]).any(|at| key.starts_with(&text[tail + at..]))
    }
}

/// The escapes of a text that may spell a byte of the key, in order: every `%` and `\\` (what
/// [`memchr::memchr2_iter`] finds), but those before a `"` when `skip_quoted` (the key holds
/// no `"`: then `\\"` and `%"` spell nothing of it).
///
/// An answer's escapes come in runs a few bytes apart (the `\\"` of a JSON answer quoted in the
/// content string): restarting a SIMD search for each costs more than testing eight bytes at
/// once, so after a search finds an escape, the text is read a word at a time until a word
/// holds none, and the `\\"` of a run never surface one by one.
struct Escapes<'t> {
    text: &'t [u8],
    /// Where the next word starts.
    from: usize,
    /// Where the word being read starts.
    word_at: usize,
    /// The high bit of each of that word's bytes that is an escape still to yield.
    pending: u64,
    /// Zero when escapes before a `"` are left out, else every byte's high bit.
    keep_quoted: u64,
}

impl<'t> Escapes<'t> {
    fn new(text: &'t [u8], skip_quoted: bool) -> Self {
        Self {
            text,
            from: 0,
            word_at: 0,
            pending: 0,
            keep_quoted: if skip_quoted { 0 } else { splat(0x80) },
        }
    }

    /// The next word with escapes to yield: where it starts, and the high bit of each of its
    /// bytes that is one of them. Words are read while they hold escapes (quoted or not), then
    /// a search finds the next.
    fn next_word(&mut self) -> Option<(usize, u64)> {
        let text = self.text;
        let mut from = self.from;
        loop {
            // Byte `i` of `following` is the text's byte after byte `i` of `word`.
            let words = text.get(from..).and_then(|rest| {
                let word = rest.first_chunk::<8>()?;
                let following = rest.get(1..)?.first_chunk::<8>()?;
                Some((u64::from_le_bytes(*word), u64::from_le_bytes(*following)))
            });
            let Some((word, following)) = words else {
                // Fewer than nine bytes left: one escape at a time.
                let at = self.search(from)?;
                from = at + 1;
                if self.keep_quoted == 0 && text.get(from) == Some(&b'"') {
                    continue;
                }
                self.from = from;
                return Some((at, 0x80));
            };
            let escapes = !(nonzero_bytes(word ^ splat(b'%')) & nonzero_bytes(word ^ splat(b'\\')))
                & splat(0x80);
            if escapes == 0 {
                // Past the run: the next escape may be far.
                from = self.search(from + 8)?;
                continue;
            }
            let pending = escapes & (nonzero_bytes(following ^ splat(b'"')) | self.keep_quoted);
            if pending != 0 {
                self.from = from + 8;
                return Some((from, pending));
            }
            from += 8;
        }
    }

    /// The next escape at or after `from` by a SIMD search: ends the iteration when none.
    fn search(&mut self, from: usize) -> Option<usize> {
        let found = self
            .text
            .get(from..)
            .and_then(|rest| memchr::memchr2(b'%', b'\\', rest));
        if found.is_none() {
            self.from = self.text.len();
        }
        Some(from + found?)
    }
}

/// `byte` in every byte of a word.
const fn splat(byte: u8) -> u64 {
    u64::from_le_bytes([byte; 8])
}

/// A word whose bytes have their high bit set where `word`'s bytes are not zero (the low bits
/// are noise). The sum sets it when a byte's low seven bits are not all zero, the `| word` when
/// its own high bit is set, and it never carries into the next byte, so every byte is exact
/// (the shorter `(w - 0x01…) & !w` may take a `0x01` after a zero byte for a zero).
const fn nonzero_bytes(word: u64) -> u64 {
    let low = splat(0x7f);
    ((word & low) + low) | word
}

impl Iterator for Escapes<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.pending == 0 {
            (self.word_at, self.pending) = self.next_word()?;
        }
        // The byte's index in the word: at most 7, so the cast is exact.
        let at = self.word_at + (self.pending.trailing_zeros() / 8) as usize;
        self.pending &= self.pending - 1;
        Some(at)
    }
}

/// Whether `text` holds no spelling of the key, not even one cut by its end.
///
/// Every answer body crosses here, so this does not try [`match_at`] at each occurrence of
/// the key's first byte (common letters), only where a spelling can start:
/// - spelt wholly literally: found by a substring search, or, cut by the end, a prefix of the
///   key at the very end of the text;
/// - otherwise its first escaped byte is a `%` or a `\\` (rare) that escapes a byte of the
///   key, after a literal prefix of the key: each such escape is tried with every prefix of
///   the key that ends just before it, unless the escaped byte can neither start the key nor
///   follow the byte before the escape in it (the `\\n` of prose, for a key that holds `n`).
fn is_clean(text: &[u8], scrub: &ScrubKey) -> bool {
    let key = scrub.key();
    if scrub.literal.find(text).is_some() || scrub.may_end_in_key(text) {
        return false;
    }
    let tried = |start: usize| match_at(text, start, key) != Match::No;
    // Whether a spelling of the key whose first escape is at `escape` starts after a literal
    // prefix of the key: each prefix that ends with the byte before the escape is tried.
    let after_prefix = |escape: usize| {
        let Some(&before) = escape.checked_sub(1).and_then(|i| text.get(i)) else {
            return false;
        };
        let longest = key.len().min(escape + 1) - 1;
        memchr::memchr_iter(before, &key[..longest]).any(|last| {
            let len = last + 1;
            text[escape - len..escape] == key[..len] && tried(escape - len)
        })
    };
    let skip_quoted = !scrub.holds_escape_byte && !scrub.holds[usize::from(b'"')];
    Escapes::new(text, skip_quoted).all(|escape| match scrub.escaped(text, escape) {
        Escaped::Nothing => true,
        // It may start the key (spelling its first byte), or follow a literal prefix that
        // ends in the byte before it: only if the key holds that byte and this one in a row.
        Escaped::KeyByte(byte) => {
            let follows = escape
                .checked_sub(1)
                .is_some_and(|before| scrub.holds_pair(text[before], byte));
            !(byte == key[0] && tried(escape) || follows && after_prefix(escape))
        }
        Escaped::Unknown => !(tried(escape) || after_prefix(escape)),
    })
}

/// The end of a text, from where it may begin the key: [`REDACTED`] if it spells enough of
/// the key to give part of it away, else itself (`sk-`, or an `s` ending a word).
fn cut_end(tail: &[u8], key: &[u8]) -> Vec<u8> {
    match match_at(tail, 0, key) {
        Match::Cut(matched) if matched >= MIN_SECRET_LEN => REDACTED.as_bytes().to_vec(),
        _ => tail.to_vec(),
    }
}

/// Scrubs a body that arrives in chunks: a key split across two chunks is found too, since
/// the end of a chunk that may begin the key is held back until the next one says.
#[derive(Debug)]
pub(crate) struct BodyScrubber {
    /// The client's key, shared: a scrubber is made for every answer body.
    key: Arc<ScrubKey>,
    /// The end of the body so far that may begin the key. A `Vec`: it is empty for nearly
    /// every body, and an empty `Vec` costs nothing to make or drop.
    held: Vec<u8>,
}

impl BodyScrubber {
    /// A scrubber for `key` (`None`: the client has no key worth hiding).
    pub(crate) fn new(key: Option<&Arc<ScrubKey>>) -> Option<Self> {
        Some(Self {
            key: Arc::clone(key?),
            held: Vec::new(),
        })
    }

    /// The next part of the body that is known to be clean (possibly empty).
    pub(crate) fn push(&mut self, chunk: Bytes) -> Bytes {
        // Nearly every chunk is clean: it passes through as it is, without a copy (every
        // typed call's body crosses here).
        if self.held.is_empty() && is_clean(&chunk, &self.key) {
            return chunk;
        }
        let key = self.key.key();
        let mut text = std::mem::take(&mut self.held);
        text.extend_from_slice(&chunk);
        let (out, cut) = replace(&text, key);
        if let Some(at) = cut {
            // A part of a spelling of the key: at most 12 bytes (7 backslashes, `u` and four
            // hex digits) per byte of the key.
            self.held.extend_from_slice(&text[at..]);
        }
        out.into()
    }

    /// What is still held back once the body has ended: a key cut by the end is replaced.
    pub(crate) fn finish(&mut self) -> Bytes {
        if self.held.is_empty() {
            return Bytes::new();
        }
        let held = std::mem::take(&mut self.held);
        cut_end(&held, self.key.key()).into()
    }
}

/// Query and fragment parameters that carry credentials in signed or tokenised URLs
/// (S3 and GCS signatures, Azure SAS `sig`, OAuth tokens, API keys), compared in lower case.
const SECRET_PARAMETERS: &[&str] = &[
    "sig",
    "key",
    "code",
    "auth",
    "apikey",
    "api_key",
    "api-key",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
];

/// Words that make any parameter name a credential (`access_token`, `client_secret`, …).
const SECRET_WORDS: &[&str] = &["token", "secret", "signature", "password", "credential"];

fn is_secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMETERS.contains(&name.as_str()) || SECRET_WORDS.iter().any(|w| name.contains(w))
}

/// `parameters` (`a=1&sig=…`) with the value of every credential replaced.
fn shown_parameters(parameters: &str) -> String {
    let shown: Vec<String> = parameters
        .split('&')
        .map(|pair| {
            // Names are compared as written: signed URLs spell them out.
            let (name, _) = pair.split_once('=').unwrap_or((pair, ""));
            if is_secret_parameter(name) {
                format!("{name}={REDACTED}")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    shown.join("&")
}

/// `url` as it may be shown in an error, a log line or a `Debug`: without the user name and
/// password it may hold, and with the values of signature and token parameters replaced.
pub(crate) fn shown_url(url: &str) -> String {
    let (head, fragment) = url
        .split_once('#')
        .map_or((url, None), |(h, f)| (h, Some(f)));
    let (head, query) = head
        .split_once('?')
        .map_or((head, None), |(h, q)| (h, Some(q)));
    let mut shown = match head.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find(['/', '\\']).unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://{REDACTED}@{host}{path}"),
                None => head.to_owned(),
            }
        }
        None => head.to_owned(),
    };
    if let Some(query) = query {
        shown.push('?');
        shown.push_str(&shown_parameters(query));
    }
    if let Some(fragment) = fragment {
        shown.push('#');
        shown.push_str(&shown_parameters(fragment));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-proj/ab-cd_ef12";

    fn scrub_key() -> ScrubKey {
        ScrubKey::new(&SecretString::from(KEY)).unwrap()
    }

    fn new_scrubber() -> BodyScrubber {
        BodyScrubber::new(Some(&Arc::new(scrub_key()))).unwrap()
    }

    /// `text` scrubbed as a body that arrives in one chunk.
    fn scrub(text: &str) -> String {
        let mut scrubber = new_scrubber();
        let mut out = scrubber
            .push(Bytes::copy_from_slice(text.as_bytes()))
            .to_vec();
        out.extend_from_slice(&scrubber.finish());
        String::from_utf8(out).unwrap()
    }

    /// Pieces that spell, nearly spell or break up the key, and ordinary text.
    fn piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            (0..=KEY.len()).prop_map(|len| KEY[..len].to_owned()),
            (0..KEY.len()).prop_map(|i| format!("\\u{:04x}", KEY.as_bytes()[i])),
            (0..KEY.len()).prop_map(|i| format!("%{:02X}", KEY.as_bytes()[i])),
            (0..KEY.len(), 1..4usize).prop_map(|(i, n)| {
                format!("{}{}", "\\".repeat(n), char::from(KEY.as_bytes()[i]))
            }),
            proptest::sample::select(vec!["s", "k", "\\", "%", "\\\"", "%7", "\\u00", " ", "x"])
                .prop_map(str::to_owned),
            // Ordinary text longer than a word, so that escapes far apart are searched for.
            proptest::sample::select(vec!["no escape in these words", "\\n\\n", "a\\\"b"])
                .prop_map(str::to_owned),
        ]
    }

    proptest::proptest! {
        /// The word-wide test finds every escape that a byte-by-byte search finds (but those
        /// before a `"` when told to skip them), wherever the escapes are and however long the
        /// text is.
        #[test]
        fn escapes_are_found_as_a_byte_search_finds_them(
            // The escape bytes, bytes next to them or differing in the high bit only (which a
            // wrong word test would take for them), and ordinary text.
            text in proptest::collection::vec(
                proptest::sample::select(vec![
                    b'%', b'\\', b'"', b'$', b'&', b'[', b']', b'!', b'#', 0x00, 0x01, 0x80, 0xa2,
                    0xa5, 0xdc, 0xff, b'a',
                ]),
                0..80,
            )
        ) {
            let found: Vec<usize> = Escapes::new(&text, false).collect();
            let every: Vec<usize> = memchr::memchr2_iter(b'%', b'\\', &text).collect();
            proptest::prop_assert_eq!(&found, &every, "{:?}", text);
            let found: Vec<usize> = Escapes::new(&text, true).collect();
            let every: Vec<usize> = every
                .into_iter()
                .filter(|&at| text.get(at + 1) != Some(&b'"'))
                .collect();
            proptest::prop_assert_eq!(found, every, "{:?}", text);
        }
    }

    proptest::proptest! {
        /// The fast check agrees with trying every position of the text.
        #[test]
        fn is_clean_agrees_with_trying_every_position(
            pieces in proptest::collection::vec(piece(), 0..24)
        ) {
            let text = pieces.concat();
            let (text, key) = (text.as_bytes(), KEY.as_bytes());
            let every = (0..text.len()).all(|at| match_at(text, at, key) == Match::No);
            let fast = is_clean(text, &scrub_key());
            proptest::prop_assert_eq!(fast, every, "{:?}", String::from_utf8_lossy(text));
        }
    }

    /// One character of the key as a server may echo it: as is, JSON-escaped (`\uXXXX`, and
    /// `\/` for `/`), percent-encoded, or JSON-escaped twice.
    fn spelled(c: u8, how: u8) -> String {
        match how % 4 {
            0 => char::from(c).to_string(),
            1 if c == b'/' => r"\/".to_owned(),
            1 => format!("\\u{c:04x}"),
            2 => format!("%{c:02X}"),
            _ if c == b'/' => r"\\\/".to_owned(),
            _ => format!("\\\\u{c:04x}"),
        }
    }

    proptest::proptest! {
        /// A spelling whose first escape follows a literal prefix of the key of any length
        /// (which a filter on the pair of bytes around the escape decides), the rest spelt in
        /// any way, the whole possibly cut, among other pieces: the fast check agrees with
        /// trying every position.
        #[test]
        fn a_first_escape_after_any_literal_prefix_is_judged_as_every_position(
            literal in 0..KEY.len(),
            first_escape in 1u8..4,
            hows in proptest::collection::vec(0u8..4, KEY.len()),
            cut in 0usize..200,
            before in proptest::collection::vec(piece(), 0..4),
            after in proptest::collection::vec(piece(), 0..4),
        ) {
            let key = KEY.as_bytes();
            let mut spelling = KEY[..literal].to_owned();
            spelling.push_str(&spelled(key[literal], first_escape));
            for (&c, &how) in key[literal + 1..].iter().zip(&hows) {
                spelling.push_str(&spelled(c, how));
            }
            spelling.truncate(cut % (spelling.len() + 1));
            let text = format!("{}{spelling}{}", before.concat(), after.concat());
            let text = text.as_bytes();
            let every = (0..text.len()).all(|at| match_at(text, at, key) == Match::No);
            let fast = is_clean(text, &scrub_key());
            proptest::prop_assert_eq!(fast, every, "{:?}", String::from_utf8_lossy(text));
        }
    }

    /// `text` with every escape the spellings above use undone, repeatedly: what a reader of
    /// the scrubbed text could recover.
    fn unescaped(text: &str) -> String {
        let mut text = text.to_owned();
        for _ in 0..3 {
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(c) = rest.chars().next() {
                let hex = |s: &str| u8::from_str_radix(s, 16).ok().map(char::from);
                let (decoded, used) = match c {
                    '%' => match rest.get(1..3).and_then(hex) {
                        Some(d) => (d, 3),
                        None => ('%', 1),
                    },
                    '\\' if rest.starts_with(r"\u00") => match rest.get(4..6).and_then(hex) {
                        Some(d) => (d, 6),
                        None => ('\\', 1),
                    },
                    '\\' if rest.len() > 1 && matches!(rest.as_bytes()[1], b'/' | b'\\') => {
                        (char::from(rest.as_bytes()[1]), 2)
                    }
                    c => (c, c.len_utf8()),
                };
                out.push(decoded);
                rest = &rest[used..];
            }
            text = out;
        }
        text
    }

    proptest::proptest! {
        /// However the key is spelled and wherever the body is cut into chunks, no reading of
        /// the scrubbed body gives the key back.
        #[test]
        fn no_spelling_of_the_key_survives_any_chunking(
            hows in proptest::collection::vec(0u8..4, KEY.len()),
            before in "[a-z \":{}%\\\\]{0,12}",
            after in "[a-z \":{}%\\\\]{0,12}",
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let spelling: String = KEY.bytes().zip(&hows).map(|(c, how)| spelled(c, *how)).collect();
            let body = format!("{before}{spelling}{after}");
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (body.len() + 1)).collect();
            cuts.push(body.len());
            cuts.sort_unstable();
            let mut scrubber = new_scrubber();
            let mut shown = Vec::new();
            let mut from = 0;
            for cut in cuts {
                let piece = Bytes::copy_from_slice(&body.as_bytes()[from..cut]);
                shown.extend_from_slice(&scrubber.push(piece));
                from = cut;
            }
            shown.extend_from_slice(&scrubber.finish());
            let shown = String::from_utf8(shown).unwrap();
            proptest::prop_assert!(!unescaped(&shown).contains(KEY), "{body:?} -> {shown:?}");
        }
    }

    #[test]
    fn a_clean_chunk_passes_through_without_a_copy() {
        let mut scrubber = new_scrubber();
        let chunk = Bytes::from_static(br#"{"content": "sk-proj is a prefix, \"quoted\" 100%"}"#);
        let out = scrubber.push(chunk.clone());
        assert_eq!(out.as_ptr(), chunk.as_ptr(), "the same bytes, not a copy");
        assert!(scrubber.finish().is_empty());
        // A chunk ending inside what may be the key is held back, as before.
        let mut scrubber = new_scrubber();
        assert_eq!(
            &scrubber.push(Bytes::from_static(b"ab sk-proj\\/")),
            &b"ab "[..]
        );
        assert_eq!(
            &scrubber.push(Bytes::from_static(b"ab-cd_ef12 z")),
            &b"[redacted] z"[..]
        );
    }

    #[test]
    fn every_spelling_of_the_key_is_replaced() {
        for spelling in [
            "sk-proj/ab-cd_ef12",
            r"sk-proj\/ab-cd_ef12",
            r"sk-proj\\\/ab-cd_ef12",
            r"\u0073k\u002Dproj\u002fab-cd_ef12",
            r"\\u0073k-proj\/ab-cd_ef12",
            "sk-proj%2Fab%2dcd_ef12",
        ] {
            let shown = scrub(&format!(
                r#"{{"message":"Incorrect API key: {spelling}."}}"#
            ));
            assert_eq!(
                shown, r#"{"message":"Incorrect API key: [redacted]."}"#,
                "{spelling}"
            );
        }
        assert_eq!(scrub("sk-proj sk-proj/ab"), "sk-proj [redacted]");
        assert_eq!(scrub("words ending in s"), "words ending in s");
        assert_eq!(scrub(r"%% \\u sk-"), r"%% \\u sk-");
        assert_eq!(scrub("no key here: sk-other"), "no key here: sk-other");
    }

    #[test]
    fn a_key_cut_by_the_end_of_the_text_is_replaced() {
        assert_eq!(scrub("… API key: sk-proj/a"), "… API key: [redacted]");
        assert_eq!(scrub(r"… API key: sk-proj\/ab\"), "… API key: [redacted]");
        assert_eq!(scrub("… API key: sk-proj%2Fab%2"), "… API key: [redacted]");
    }

    #[test]
    fn a_key_split_across_chunks_at_every_position_is_replaced() {
        let body = format!(
            r#"data: {{"error":"bad key sk-proj\/ab-cd_ef12"}}{}"#,
            "\n\n"
        );
        for split in 0..=body.len() {
            let mut scrubber = new_scrubber();
            let mut out = Vec::new();
            out.extend_from_slice(
                &scrubber.push(Bytes::copy_from_slice(&body.as_bytes()[..split])),
            );
            out.extend_from_slice(
                &scrubber.push(Bytes::copy_from_slice(&body.as_bytes()[split..])),
            );
            out.extend_from_slice(&scrubber.finish());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "data: {\"error\":\"bad key [redacted]\"}\n\n",
                "split at {split}"
            );
        }
    }

    #[test]
    fn held_bytes_are_bounded_and_released() {
        let mut scrubber = new_scrubber();
        assert_eq!(scrubber.push(Bytes::from_static(b"text sk-pr")), "text ");
        assert_eq!(scrubber.held.len(), 5);
        assert_eq!(scrubber.push(Bytes::from_static(b"ank")), "sk-prank");
        // A run of backslashes is released but for the few that could begin an escape, and
        // those at the end of the body.
        let many = Bytes::from(vec![b'\\'; 10_000]);
        let out = scrubber.push(many.clone());
        assert_eq!(out.len(), 10_000 - MAX_BACKSLASHES);
        assert_eq!(scrubber.finish().len(), MAX_BACKSLASHES);
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        for (url, shown) in [
            (
                "http://bob:PASSWORD@host:8000/v1",
                "http://[redacted]@host:8000/v1",
            ),
            ("https://tok@host", "https://[redacted]@host"),
            ("https://a:b@c@host/p?q=1", "https://[redacted]@host/p?q=1"),
            (
                "https://b.s3.amazonaws.com/k.png?X-Amz-Credential=AK%2F1&X-Amz-Signature=abc&v=2",
                "https://b.s3.amazonaws.com/k.png?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&v=2",
            ),
            (
                "https://x.blob.core.windows.net/c/i.jpg?sv=1&sig=s%3D&se=2",
                "https://x.blob.core.windows.net/c/i.jpg?sv=1&sig=[redacted]&se=2",
            ),
            (
                "https://h/i?access_token=t&Client_Secret=s&x-goog-signature=g&page=1#id_token=j",
                "https://h/i?access_token=[redacted]&Client_Secret=[redacted]&x-goog-signature=[redacted]&page=1#id_token=[redacted]",
            ),
            ("https://h/a@b/c?ok", "https://h/a@b/c?ok"),
            ("https://h/i.png", "https://h/i.png"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }

    #[test]
    fn placeholder_keys_are_left_alone() {
        assert!(ScrubKey::new(&SecretString::from("local")).is_none());
        assert!(BodyScrubber::new(None).is_none());
    }
}
