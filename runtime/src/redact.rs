//! Keeping the API key out of everything a server's answer reaches, even when the server echoes
//! it back.
//!
//! promptfn itself never puts the key anywhere it shows, but errors, `Response::raw`, decoded
//! values and cassettes keep what the server said, and a careless server, a proxy or a
//! prompt-injected model may quote the key it was sent: whole, JSON-escaped (`sk-proj\/…`,
//! `\u0073k-…`), escaped twice (`\\\/`), or percent-encoded. Every answer body is scrubbed
//! once, as it enters the transport ([`BodyScrubber`], installed by `transport::attempt_open`),
//! so that nothing read from it can hold the key, whichever path reads it: awaited, streamed,
//! cut into an excerpt or recorded.

use bytes::{Bytes, BytesMut};
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

/// Whether `text` holds no spelling of `key`, not even one cut by its end.
fn is_clean(text: &[u8], key: &[u8]) -> bool {
    let Some(&first) = key.first() else {
        return true;
    };
    candidates(text, first).all(|at| match_at(text, at, key) == Match::No)
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
    secret: SecretString,
    held: BytesMut,
}

impl BodyScrubber {
    /// A scrubber for `secret`, or `None` when the key is too short to look for.
    pub(crate) fn new(secret: Option<&SecretString>) -> Option<Self> {
        let secret = secret.filter(|s| s.expose_secret().len() >= MIN_SECRET_LEN)?;
        Some(Self {
            secret: secret.clone(),
            held: BytesMut::new(),
        })
    }

    /// The next part of the body that is known to be clean (possibly empty).
    pub(crate) fn push(&mut self, chunk: Bytes) -> Bytes {
        let key = self.secret.expose_secret().as_bytes();
        // Nearly every chunk is clean: it passes through as it is, without a copy (every
        // typed call's body crosses here).
        if self.held.is_empty() && is_clean(&chunk, key) {
            return chunk;
        }
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
        let held = std::mem::take(&mut self.held);
        if held.is_empty() {
            return Bytes::new();
        }
        cut_end(&held, self.secret.expose_secret().as_bytes()).into()
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

    /// `text` scrubbed as a body that arrives in one chunk.
    fn scrub(text: &str) -> String {
        let mut scrubber = BodyScrubber::new(Some(&SecretString::from(KEY))).unwrap();
        let mut out = scrubber
            .push(Bytes::copy_from_slice(text.as_bytes()))
            .to_vec();
        out.extend_from_slice(&scrubber.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_clean_chunk_passes_through_without_a_copy() {
        let mut scrubber = BodyScrubber::new(Some(&SecretString::from(KEY))).unwrap();
        let chunk = Bytes::from_static(br#"{"content": "sk-proj is a prefix, \"quoted\" 100%"}"#);
        let out = scrubber.push(chunk.clone());
        assert_eq!(out.as_ptr(), chunk.as_ptr(), "the same bytes, not a copy");
        assert!(scrubber.finish().is_empty());
        // A chunk ending inside what may be the key is held back, as before.
        let mut scrubber = BodyScrubber::new(Some(&SecretString::from(KEY))).unwrap();
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
            let mut scrubber = BodyScrubber::new(Some(&SecretString::from(KEY))).unwrap();
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
        let mut scrubber = BodyScrubber::new(Some(&SecretString::from(KEY))).unwrap();
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
        let key = SecretString::from("local");
        assert!(BodyScrubber::new(Some(&key)).is_none());
        assert!(BodyScrubber::new(None).is_none());
    }
}
