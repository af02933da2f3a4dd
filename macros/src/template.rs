//! Placeholder lexer for prompt templates.
//!
//! Works on the template's *value* (the unescaped string) and reports byte ranges into it, so
//! callers can map problems back to a span. Knows nothing about syn or parameters: whether a
//! name exists is `check.rs`'s business.

use std::ops::Range;

/// A template split into literal text and placeholders, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lexed {
    /// The pieces that could be lexed, even when `errors` is not empty.
    pub segments: Vec<Segment>,
    /// Every problem found, in source order.
    pub errors: Vec<LexError>,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text, with `{{` and `}}` already turned into single braces.
    Text(String),
    /// A `{…}` placeholder.
    Placeholder(Placeholder),
    /// `{#name}`: an optional section begins; it appears only when the parameter is `Some`.
    SectionStart(SectionMark),
    /// `{/name}`: the section of `name` ends.
    SectionEnd(SectionMark),
}

/// `{#name}` or `{/name}`, the bounds of an optional section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionMark {
    /// The parameter the section depends on (raw prefix removed).
    pub name: String,
    /// Byte range of the mark, braces included.
    pub range: Range<usize>,
}

/// A placeholder such as `{text}`, `{user.name}` or `{score:.2}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The first path segment, which names a parameter (`user` in `{user.name}`).
    /// A raw identifier prefix is removed: `{r#type}` has the name `type`.
    pub name: String,
    /// Field names or tuple indices after the name (`["name"]` in `{user.name}`).
    pub fields: Vec<String>,
    /// The format spec after `:`, without the colon (`.2` in `{score:.2}`); never empty.
    pub spec: Option<String>,
    /// Byte range of the whole placeholder, braces included.
    pub range: Range<usize>,
}

impl Placeholder {
    /// True for `{name}` alone: the parameter is placed as a whole (text or media).
    pub fn is_whole(&self) -> bool {
        self.fields.is_empty() && self.spec.is_none()
    }

    /// The placeholder as written, e.g. `{user.name:>8}`.
    pub fn display(&self) -> String {
        let mut out = String::from("{");
        out.push_str(&self.name);
        for field in &self.fields {
            out.push('.');
            out.push_str(field);
        }
        if let Some(spec) = &self.spec {
            out.push(':');
            out.push_str(spec);
        }
        out.push('}');
        out
    }
}

/// A problem in a template, with the byte range it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// A complete sentence for the user.
    pub message: String,
    /// Byte range in the template value.
    pub range: Range<usize>,
}

const DOUBLE_BRACES_HINT: &str = "to write a literal brace, double it: `{{` or `}}`";

/// Splits `template` into text and placeholders, collecting every error instead of stopping at
/// the first one.
pub fn lex(template: &str) -> Lexed {
    let bytes = template.as_bytes();
    let mut lexed = Lexed::default();
    let mut text = String::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                text.push('{');
                i += 2;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                text.push('}');
                i += 2;
            }
            b'}' => {
                lexed.errors.push(LexError {
                    message: format!("unmatched `}}` in template; {DOUBLE_BRACES_HINT}"),
                    range: i..i + 1,
                });
                i += 1;
            }
            b'{' => {
                let Some(close) = matching_close(bytes, i) else {
                    lexed.errors.push(LexError {
                        message: format!("unclosed `{{` in template; {DOUBLE_BRACES_HINT}"),
                        range: i..bytes.len(),
                    });
                    break;
                };
                let range = i..close + 1;
                match parse_braced(&template[i + 1..close], range.clone()) {
                    Ok(segment) => {
                        if !text.is_empty() {
                            lexed
                                .segments
                                .push(Segment::Text(std::mem::take(&mut text)));
                        }
                        lexed.segments.push(segment);
                    }
                    Err(message) => lexed.errors.push(LexError { message, range }),
                }
                i = close + 1;
            }
            _ => {
                // Braces are ASCII, so the next one is always on a char boundary.
                let end = bytes[i..]
                    .iter()
                    .position(|b| matches!(b, b'{' | b'}'))
                    .map_or(bytes.len(), |offset| i + offset);
                text.push_str(&template[i..end]);
                i = end;
            }
        }
    }
    if !text.is_empty() {
        lexed.segments.push(Segment::Text(text));
    }
    lexed
}

/// Index of the `}` closing the `{` at `open`, counting nesting so that a stray JSON object
/// such as `{"a": {"b": 1}}` is reported once, as a whole.
fn matching_close(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, byte) in bytes.iter().enumerate().skip(open) {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// A placeholder, or the start or end of a section.
fn parse_braced(content: &str, range: Range<usize>) -> Result<Segment, String> {
    let (start, name) = match (content.strip_prefix('#'), content.strip_prefix('/')) {
        (Some(name), _) => (true, name),
        (None, Some(name)) => (false, name),
        (None, None) => return parse_placeholder(content, range).map(Segment::Placeholder),
    };
    let bare = name.strip_prefix("r#").unwrap_or(name);
    if !is_identifier(bare) {
        return Err(format!(
            "invalid section mark `{{{content}}}`: an optional section is written \
             `{{#name}}…{{/name}}` with the name of an `Option` parameter; {DOUBLE_BRACES_HINT}"
        ));
    }
    let mark = SectionMark {
        name: bare.to_owned(),
        range,
    };
    Ok(if start {
        Segment::SectionStart(mark)
    } else {
        Segment::SectionEnd(mark)
    })
}

fn parse_placeholder(content: &str, range: Range<usize>) -> Result<Placeholder, String> {
    let written = format!("{{{content}}}");
    if content.contains(['{', '}']) {
        return Err(format!(
            "invalid placeholder `{written}`: braces cannot nest; {DOUBLE_BRACES_HINT}"
        ));
    }
    let (path, spec) = match content.split_once(':') {
        Some((path, spec)) => (path, (!spec.is_empty()).then(|| spec.to_owned())),
        None => (content, None),
    };
    if path.is_empty() {
        return Err(if content.is_empty() {
            "empty placeholder `{}`: name a parameter, e.g. `{text}`; to write `{}` literally, \
             use `{{}}`"
                .to_owned()
        } else {
            format!("placeholder `{written}` has no parameter name, e.g. `{{score{content}}}`")
        });
    }
    let mut segments = path.split('.');
    let first = segments.next().unwrap_or_default();
    let name = first.strip_prefix("r#").unwrap_or(first);
    if !is_identifier(name) {
        return Err(format!(
            "invalid placeholder `{written}`: expected a parameter name such as `{{text}}`, \
             `{{user.name}}` or `{{score:.2}}`; {DOUBLE_BRACES_HINT}"
        ));
    }
    let mut fields = Vec::new();
    for field in segments {
        let field_name = field.strip_prefix("r#").unwrap_or(field);
        let is_index = !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit());
        if !is_index && !is_identifier(field_name) {
            return Err(format!(
                "invalid placeholder `{written}`: `{field}` is not a field name or tuple index"
            ));
        }
        fields.push(field.to_owned());
    }
    if let Some(spec) = &spec
        && spec.contains('$')
    {
        return Err(format!(
            "unsupported format spec in `{written}`: width and precision arguments (`name$`, \
             `*`) cannot be used in a prompt template; write the number itself, e.g. `{{x:>8}}`"
        ));
    }
    Ok(Placeholder {
        name: name.to_owned(),
        fields,
        spec,
        range,
    })
}

/// Rust identifier shape (Unicode letters allowed), without keyword checks: the name is only
/// compared with parameter names, and field names are validated again when tokens are built.
fn is_identifier(candidate: &str) -> bool {
    let mut chars = candidate.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && candidate != "_"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholder(
        name: &str,
        fields: &[&str],
        spec: Option<&str>,
        range: Range<usize>,
    ) -> Segment {
        Segment::Placeholder(Placeholder {
            name: name.to_owned(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            spec: spec.map(str::to_owned),
            range,
        })
    }

    fn text(value: &str) -> Segment {
        Segment::Text(value.to_owned())
    }

    fn only_segments(template: &str) -> Vec<Segment> {
        let lexed = lex(template);
        assert_eq!(lexed.errors, [], "unexpected errors for {template:?}");
        lexed.segments
    }

    fn only_errors(template: &str) -> Vec<(String, Range<usize>)> {
        lex(template)
            .errors
            .into_iter()
            .map(|e| (e.message, e.range))
            .collect()
    }

    #[test]
    fn plain_text_is_one_segment() {
        assert_eq!(only_segments("Hello, world."), [text("Hello, world.")]);
    }

    #[test]
    fn empty_template_has_no_segments() {
        assert_eq!(only_segments(""), []);
    }

    #[test]
    fn placeholder_between_text_keeps_byte_ranges() {
        assert_eq!(
            only_segments("Extract from: {text}!"),
            [
                text("Extract from: "),
                placeholder("text", &[], None, 14..20),
                text("!")
            ]
        );
    }

    #[test]
    fn adjacent_placeholders_have_no_text_between() {
        assert_eq!(
            only_segments("{a}{b}"),
            [
                placeholder("a", &[], None, 0..3),
                placeholder("b", &[], None, 3..6)
            ]
        );
    }

    #[test]
    fn format_spec_and_fields_are_split() {
        assert_eq!(
            only_segments("{score:.2} {user.name} {pair.0:>4} {x:?}"),
            [
                placeholder("score", &[], Some(".2"), 0..10),
                text(" "),
                placeholder("user", &["name"], None, 11..22),
                text(" "),
                placeholder("pair", &["0"], Some(">4"), 23..34),
                text(" "),
                placeholder("x", &[], Some("?"), 35..40),
            ]
        );
    }

    #[test]
    fn empty_spec_is_a_whole_placeholder() {
        let segments = only_segments("{x:}");
        let [Segment::Placeholder(p)] = segments.as_slice() else {
            panic!("expected one placeholder, got {segments:?}");
        };
        assert!(p.is_whole());
    }

    #[test]
    fn raw_identifier_prefix_is_removed_from_the_name() {
        assert_eq!(
            only_segments("{r#type}"),
            [placeholder("type", &[], None, 0..8)]
        );
    }

    #[test]
    fn self_field_access_is_a_placeholder() {
        assert_eq!(
            only_segments("{self.name}"),
            [placeholder("self", &["name"], None, 0..11)]
        );
    }

    #[test]
    fn doubled_braces_are_unescaped_into_text() {
        assert_eq!(
            only_segments("JSON: {{\"a\": {x}}}"),
            [
                text("JSON: {\"a\": "),
                placeholder("x", &[], None, 13..16),
                text("}")
            ]
        );
    }

    #[test]
    fn multibyte_text_is_kept_and_ranges_are_bytes() {
        assert_eq!(
            only_segments("Grüße {név} ✓"),
            [
                text("Grüße "),
                placeholder("név", &[], None, 8..14),
                text(" ✓")
            ]
        );
    }

    #[test]
    fn empty_placeholder_is_an_error() {
        let errors = only_errors("a {} b");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].0.starts_with("empty placeholder `{}`"),
            "{errors:?}"
        );
        assert_eq!(errors[0].1, 2..4);
    }

    #[test]
    fn spec_without_name_is_an_error() {
        let errors = only_errors("{:.2}");
        assert_eq!(
            errors,
            [(
                "placeholder `{:.2}` has no parameter name, e.g. `{score:.2}`".to_owned(),
                0..5
            )]
        );
    }

    #[test]
    fn unmatched_closing_brace_is_an_error() {
        let errors = only_errors("a } b");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].0.starts_with("unmatched `}`"));
        assert_eq!(errors[0].1, 2..3);
    }

    #[test]
    fn unclosed_brace_is_an_error_from_the_brace_to_the_end() {
        let errors = only_errors("Hi {name and more");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].0.starts_with("unclosed `{`"));
        assert_eq!(errors[0].1, 3..17);
    }

    #[test]
    fn nested_json_is_one_error_spanning_the_object() {
        let errors = only_errors(r#"Answer like {"a": {"b": 1}} please"#);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].0.contains("braces cannot nest"));
        assert_eq!(errors[0].1, 12..27);
    }

    #[test]
    fn invalid_names_are_errors() {
        for template in [
            "{ x }",
            "{\"a\": 1}",
            "{1}",
            "{a-b}",
            "{_}",
            "{x.}",
            "{x..y}",
        ] {
            let errors = only_errors(template);
            assert_eq!(errors.len(), 1, "{template}: {errors:?}");
            assert_eq!(errors[0].1, 0..template.len(), "{template}");
        }
    }

    #[test]
    fn dollar_arguments_in_specs_are_rejected() {
        let errors = only_errors("{x:>width$}");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].0.starts_with("unsupported format spec"));
    }

    #[test]
    fn every_error_is_reported_and_valid_parts_are_kept() {
        let lexed = lex("{} {ok} } {x");
        assert_eq!(lexed.errors.len(), 3, "{:?}", lexed.errors);
        assert!(
            lexed
                .segments
                .iter()
                .any(|s| matches!(s, Segment::Placeholder(p) if p.name == "ok"))
        );
    }

    #[test]
    fn sections_are_marks_between_segments() {
        assert_eq!(
            only_segments("A{#note} ({note}){/note}."),
            [
                text("A"),
                Segment::SectionStart(SectionMark {
                    name: "note".into(),
                    range: 1..8
                }),
                text(" ("),
                placeholder("note", &[], None, 10..16),
                text(")"),
                Segment::SectionEnd(SectionMark {
                    name: "note".into(),
                    range: 17..24
                }),
                text("."),
            ]
        );
        let errors = only_errors("{#} {/a b}");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].0.starts_with("invalid section mark `{#}`"),
            "{errors:?}"
        );
    }

    #[test]
    fn display_round_trips_the_placeholder() {
        let segments = only_segments("{user.name:>8}");
        let [Segment::Placeholder(p)] = segments.as_slice() else {
            panic!("expected one placeholder, got {segments:?}");
        };
        assert_eq!(p.display(), "{user.name:>8}");
    }
}
