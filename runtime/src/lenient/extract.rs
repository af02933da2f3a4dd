//! Finding the value inside an answer: past a reasoning block, inside fenced code blocks,
//! or among prose. Everything here returns byte ranges of the text it was given.

use std::ops::Range;

/// Most fenced blocks considered; answers with more are documents, not values.
const MAX_FENCES: usize = 16;

/// Longest line read as a bare answer (`Positive`); longer text is prose, not a value.
const MAX_BARE_TEXT: usize = 200;

/// Where the answer starts when it opens with a reasoning block (`<think>…</think>`), which
/// reasoning models emit before the answer and which often holds draft JSON.
///
/// The opening tag may be missing: some chat templates put it in the prompt.
pub(super) fn answer_after_reasoning(text: &str) -> Option<usize> {
    ["think", "thinking"].into_iter().find_map(|tag| {
        let close = format!("</{tag}>");
        let at = text.rfind(&close)?;
        let before = text[..at].trim_start();
        let open = format!("<{tag}>");
        (before.starts_with(&open) || !before.contains(&open)).then_some(at + close.len())
    })
}

/// Whether the text opens a reasoning block (`<think>`) and never closes it: output cut
/// off while the model was still thinking.
pub(super) fn ends_inside_reasoning(text: &str) -> bool {
    let text = text.trim_start();
    ["think", "thinking"]
        .into_iter()
        .any(|tag| text.starts_with(&format!("<{tag}>")) && !text.contains(&format!("</{tag}>")))
}

/// Bodies of fenced code blocks (```` ```json … ``` ````), in order. A block left open by the
/// end of the text (output cut off) runs to the end.
pub(super) fn fenced_blocks(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut blocks = Vec::new();
    let mut from = 0;
    while blocks.len() < MAX_FENCES {
        let Some(open) = text[from..].find("```").map(|at| from + at) else {
            break;
        };
        let mut cursor = open + 3;
        while bytes.get(cursor) == Some(&b'`') {
            cursor += 1;
        }
        // An info word (`json`, `jsonc`, `python`) may follow the fence, then a line break
        // or, in one-line answers, the body itself.
        let info_end = text[cursor..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '.')))
            .map_or(text.len(), |at| cursor + at);
        let line_end = text[info_end..]
            .find('\n')
            .map_or(text.len(), |at| info_end + at);
        let body_start = if text[info_end..line_end].trim().is_empty() {
            (line_end + 1).min(text.len())
        } else {
            info_end
        };
        match text[body_start..].find("```") {
            Some(at) => {
                blocks.push(body_start..body_start + at);
                from = body_start + at + 3;
                while bytes.get(from) == Some(&b'`') {
                    from += 1;
                }
            }
            None => {
                blocks.push(body_start..text.len());
                break;
            }
        }
    }
    blocks
}

/// The next place at or after `from` where an object or array may start.
pub(super) fn next_value_start(text: &str, from: usize) -> Option<usize> {
    // Bytes, not chars: `{` and `[` never occur inside a multi-byte character, and any
    // `from` is then safe.
    text.as_bytes()
        .get(from..)?
        .iter()
        .position(|&b| b == b'{' || b == b'[')
        .map(|at| from + at)
}

/// End of the bracketed span opening at `start` (`{` or `[`), found by counting brackets
/// outside double-quoted strings; `None` when the text ends first.
pub(super) fn balanced_end(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, &byte) in text.as_bytes().iter().enumerate().skip(start) {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(offset + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The span of `text` from its first to its last character of content (anything but
/// whitespace, byte-order marks and backticks); empty at the end when there is none.
pub(super) fn content_bounds(text: &str) -> Range<usize> {
    let blank = |c: char| c.is_whitespace() || c == '\u{feff}' || c == '`';
    let start = text.find(|c| !blank(c)).unwrap_or(text.len());
    let end = text.rfind(|c| !blank(c)).map_or(start, |at| {
        at + text[at..].chars().next().map_or(0, char::len_utf8)
    });
    start..end.max(start)
}

/// A short answer read as text: the first non-empty line, without wrapping quotes,
/// backticks or bold markers and without a final full stop. The flag tells whether more
/// text followed that line.
pub(super) fn bare_text(text: &str) -> Option<(&str, bool)> {
    let trimmed = text.trim();
    let line = trimmed.lines().next()?.trim();
    let more = line.len() < trimmed.len();
    let mut word = line.strip_suffix(['.', '!']).unwrap_or(line).trim();
    loop {
        let inner = ["**", "`", "\"", "'"].into_iter().find_map(|mark| {
            word.strip_prefix(mark)
                .and_then(|rest| rest.strip_suffix(mark))
        });
        match inner {
            Some(inner) => word = inner.trim(),
            None => break,
        }
    }
    let word = word.strip_suffix(['.', '!']).unwrap_or(word).trim();
    (!word.is_empty() && word.chars().count() <= MAX_BARE_TEXT).then_some((word, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_answer_after_reasoning() {
        let text = "<think>maybe {\"a\": 1}?</think>\n{\"a\": 2}";
        let at = answer_after_reasoning(text);
        assert_eq!(at.map(|at| &text[at..]), Some("\n{\"a\": 2}"));
        // The opening tag was part of the prompt.
        assert_eq!(answer_after_reasoning("hmm</think>[1]"), Some(11));
        assert_eq!(answer_after_reasoning("<thinking>x</thinking>ok"), Some(22));
        assert_eq!(answer_after_reasoning("[1] no reasoning"), None);
        // A closing tag after other text that has its own opening tag is not a prefix block.
        assert_eq!(answer_after_reasoning("Answer: <think>x</think>"), None);
        assert!(ends_inside_reasoning("\n<think>Let me draft {\"a\": 1}"));
        assert!(!ends_inside_reasoning("<think>x</think>{}"));
        assert!(!ends_inside_reasoning("{} <think>"));
    }

    #[test]
    fn finds_fenced_blocks() {
        let text = "Here:\n```json\n{\"a\": 1}\n```\nand ```{\"b\": 2}``` and\n````\n[3]\n````\n```python\n{'c': True}";
        let bodies: Vec<&str> = fenced_blocks(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            bodies,
            ["{\"a\": 1}\n", "{\"b\": 2}", "[3]\n", "{'c': True}"]
        );
        assert!(fenced_blocks("no fences").is_empty());
        assert_eq!(fenced_blocks("```").len(), 1);
    }

    #[test]
    fn balanced_spans_skip_brackets_in_strings() {
        let text = r#"x {"a": "}]\"}", "b": [1, {}]} y"#;
        assert_eq!(balanced_end(text, 2), Some(text.len() - 2));
        assert_eq!(balanced_end("[1, [2]", 0), None);
        assert_eq!(balanced_end("[1, [2]", 4), Some(7));
    }

    #[test]
    fn value_starts_and_blank_text() {
        assert_eq!(next_value_start("ab {c [", 0), Some(3));
        assert_eq!(next_value_start("ab {c [", 4), Some(6));
        assert_eq!(next_value_start("ab", 9), None);
        assert_eq!(content_bounds(" \n\u{feff}`"), 6..6);
        assert_eq!(content_bounds(" xé "), 1..4);
        assert_eq!(content_bounds("`{}`"), 1..3);
    }

    #[test]
    fn reads_short_answers_as_text() {
        assert_eq!(bare_text("  Positive.  "), Some(("Positive", false)));
        assert_eq!(bare_text("**\"negative\"**"), Some(("negative", false)));
        assert_eq!(
            bare_text("`Neutral`\n\nThe review is mixed."),
            Some(("Neutral", true))
        );
        assert_eq!(bare_text(" \n "), None);
        assert_eq!(bare_text(&"x".repeat(201)), None);
    }
}
