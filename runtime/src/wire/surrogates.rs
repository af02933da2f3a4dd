//! Lone UTF-16 surrogates in JSON string escapes.
//!
//! JSON writes a character outside the Basic Multilingual Plane (most emoji) as two `\uXXXX`
//! escapes, a surrogate pair. Text cut between the two (Python's `json.dumps` of a string cut
//! inside an emoji, or a stream that sends each half in its own delta) holds a lone surrogate,
//! which is no character, and serde_json rejects the whole document for it. The rule, for
//! awaited bodies and stream events alike, is the tolerant decoder's: each lone surrogate
//! becomes U+FFFD, the replacement character, the rest of the answer is kept, and the
//! replacement is logged as a warning.

use serde::de::DeserializeOwned;

/// Parses `json`; if it does not parse as it is, parses it again with every lone surrogate
/// escape replaced by `\ufffd`.
pub(crate) fn from_json<T: DeserializeOwned>(json: &str) -> serde_json::Result<T> {
    read_json(json, |text| serde_json::from_str(text))
}

/// [`from_json`] for any reading of the text (one that fills a value in place): `read` is run
/// on `json`, and if that fails, once more on the text with every lone surrogate escape
/// replaced.
pub(crate) fn read_json<T>(
    json: &str,
    mut read: impl FnMut(&str) -> serde_json::Result<T>,
) -> serde_json::Result<T> {
    read(json).or_else(|error| {
        let Some((fixed, replaced)) = replace_lone_surrogates(json) else {
            return Err(error);
        };
        let parsed = read(&fixed)?;
        tracing::warn!(
            replaced,
            "the server sent JSON with lone UTF-16 surrogate escapes (half of an emoji, \
             usually text cut inside one); each became U+FFFD"
        );
        Ok(parsed)
    })
}

/// `json` with each lone surrogate escape replaced by `\ufffd`, and how many there were;
/// `None` when there are none. One pass: escapes are found by their backslash.
fn replace_lone_surrogates(json: &str) -> Option<(String, usize)> {
    let bytes = json.as_bytes();
    let mut fixed: Option<String> = None;
    let mut copied = 0;
    let mut replaced = 0;
    let mut at = 0;
    while let Some(found) = bytes.get(at..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let slash = at + found;
        // Any escape is at least two bytes; `\\` must not be read as the start of another.
        at = slash + 2;
        if bytes.get(slash + 1) != Some(&b'u') {
            continue;
        }
        let Some(unit) = hex4(bytes, slash + 2) else {
            continue;
        };
        at = slash + 6;
        let lone = match unit {
            0xD800..=0xDBFF => {
                let low = (bytes.get(slash + 6..slash + 8) == Some(b"\\u"))
                    .then(|| hex4(bytes, slash + 8))
                    .flatten();
                if low.is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) {
                    at = slash + 12;
                    false
                } else {
                    true
                }
            }
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            let out = fixed.get_or_insert_with(|| String::with_capacity(json.len()));
            // `slash` is an ASCII byte, so on a character boundary.
            out.push_str(&json[copied..slash]);
            out.push_str("\\ufffd");
            copied = slash + 6;
            replaced += 1;
        }
    }
    fixed.map(|mut out| {
        out.push_str(&json[copied..]);
        (out, replaced)
    })
}

/// The four hex digits at `at`, as a number.
pub(super) fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    digits.iter().try_fold(0, |value, &digit| {
        let nibble = char::from(digit).to_digit(16)?;
        Some(value * 16 + nibble)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::Value;

    use super::*;
    use crate::wire::answer::Completion;

    #[test]
    fn lone_surrogates_become_the_replacement_character() {
        for (json, expected, count) in [
            (r#""cut emoji \ud83d""#, "cut emoji \u{fffd}", 1),
            (
                r#""\ude00 then \ud83d\ude00 and \uD83D""#,
                "\u{fffd} then 😀 and \u{fffd}",
                2,
            ),
            (r#""\ud83d\ud83d\ude00""#, "\u{fffd}😀", 1),
            (r#""\ud83d\u0041""#, "\u{fffd}A", 1),
        ] {
            let (fixed, replaced) = replace_lone_surrogates(json).unwrap();
            assert_eq!(replaced, count, "{json}");
            assert_eq!(serde_json::from_str::<String>(&fixed).unwrap(), expected);
            assert_eq!(from_json::<String>(json).unwrap(), expected);
        }
    }

    #[test]
    fn everything_else_is_left_as_it_is() {
        for json in [
            r#""\\ud83d is text""#,
            r#""\ud83d\ude00 é \u00e9 \n""#,
            r#""\u12""#,
            r#""\"#,
            "\"no escapes\"",
        ] {
            assert_eq!(replace_lone_surrogates(json), None, "{json}");
        }
        assert!(from_json::<Value>("{\"a\": [").is_err());
    }

    proptest::proptest! {
        #[test]
        fn escapes_anywhere_never_panic_and_only_surrogates_change(
            text in "[\\\\u\"dDaAeEfF0-9x ]{0,40}",
        ) {
            if let Some((fixed, replaced)) = replace_lone_surrogates(&text) {
                proptest::prop_assert!(replaced > 0);
                proptest::prop_assert_eq!(fixed.matches("\\ufffd").count() >= replaced, true);
            }
            let _ = from_json::<Value>(&format!("\"{text}\""));
        }
    }

    #[test]
    fn a_completion_read_again_keeps_nothing_of_the_first_reading() {
        let body = r#"{"id":"a","choices":[{"message":{"content":"whole"}},{"message":{"content":"cut \ud83d"}}],"usage":{"prompt_tokens":2}}"#;
        let (_, parsed) = Completion::parse_body(body.as_bytes());
        let parsed = parsed.unwrap();
        let contents: Vec<_> = parsed
            .choices
            .iter()
            .map(|c| c.message.content.as_deref())
            .collect();
        assert_eq!(contents, [Some("whole"), Some("cut \u{fffd}")]);
        assert_eq!(parsed.id.as_deref(), Some("a"));
        assert_eq!(parsed.usage.map(|u| u.prompt_tokens), Some(2));
    }

    #[test]
    fn a_completion_cut_inside_an_emoji_is_read() {
        let body = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"cut emoji \ud83d"},"finish_reason":"stop"}]}"#;
        let (raw, parsed) = Completion::parse_body(body.as_bytes());
        assert_eq!(raw, body);
        let parsed = parsed.unwrap();
        assert_eq!(
            parsed.choices[0].message.content.as_deref(),
            Some("cut emoji \u{fffd}")
        );
    }
}
