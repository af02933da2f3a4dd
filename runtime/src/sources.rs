//! The sources an answer cites, in one typed list whatever the dialect: chat-completions and
//! Responses `url_citation` annotations, Gemini grounding chunks, Anthropic citations.
//!
//! The list is bounded ([`MAX_SOURCES`] sources, each text cut at [`MAX_SOURCE_TEXT_BYTES`]), so
//! that a server sending endless citations cannot grow an answer's memory without end.

use std::ops::Range;

/// The most sources one answer keeps; later ones are dropped.
pub const MAX_SOURCES: usize = 256;

/// The most bytes kept of a source's url, title or cited text (cut at a character boundary).
pub const MAX_SOURCE_TEXT_BYTES: usize = 4096;

/// One source the answer cites: a web page the model's search found, or a passage of a
/// document the prompt sent.
///
/// Each field is set where the dialect gives it: chat-completions and Responses give the url,
/// title and the part of the answer it supports; Gemini the url and title (and the supported
/// part of the answer); Anthropic the url, title and cited text of a web result, or the cited
/// passage of a document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Source {
    /// The cited page (`None` for a passage of a document the prompt sent).
    pub url: Option<String>,
    /// The page's or document's title.
    pub title: Option<String>,
    /// The words of the source the answer rests on (Anthropic's `cited_text`).
    pub cited_text: Option<String>,
    /// The part of the answer text this source supports, as the provider counts it (OpenAI:
    /// characters; Gemini: bytes of the UTF-8 text).
    pub answer_span: Option<Range<usize>>,
    /// Where in a document of the prompt the cited passage is (Anthropic document citations).
    pub document: Option<DocumentPassage>,
}

/// Where a cited passage is in a document the prompt sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DocumentPassage {
    /// The document's position among the prompt's documents, from 0.
    pub index: usize,
    /// The passage's characters, end excluded (text documents).
    pub chars: Option<Range<u64>>,
    /// The passage's pages, from 1, end excluded (PDFs).
    pub pages: Option<Range<u64>>,
}

impl Source {
    /// A cited web page.
    pub fn web(url: impl Into<String>) -> Self {
        Self {
            url: Some(bounded(url.into())),
            ..Self::default()
        }
    }

    /// A cited passage of the prompt's `index`-th document.
    pub fn document(index: usize) -> Self {
        Self {
            document: Some(DocumentPassage {
                index,
                ..DocumentPassage::default()
            }),
            ..Self::default()
        }
    }

    /// With the page's or document's title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(bounded(title.into()));
        self
    }

    /// With the words of the source the answer rests on.
    pub fn with_cited_text(mut self, text: impl Into<String>) -> Self {
        self.cited_text = Some(bounded(text.into()));
        self
    }

    /// With the part of the answer text the source supports.
    pub fn with_answer_span(mut self, span: Range<usize>) -> Self {
        self.answer_span = Some(span);
        self
    }

    /// Whether `self` and `other` name the same source: the same url, or for document passages
    /// the same document and cited text.
    fn same_as(&self, other: &Self) -> bool {
        match (&self.url, &other.url) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                self.document.as_ref().map(|d| d.index) == other.document.as_ref().map(|d| d.index)
                    && self.cited_text == other.cited_text
            }
            _ => false,
        }
    }
}

/// Adds `source` to `list` unless it names one already there (the first keeps its place and
/// takes a title it lacked), or the list is full, or it names nothing.
pub(crate) fn add(list: &mut Vec<Source>, source: Source) {
    if source.url.is_none() && source.document.is_none() {
        return;
    }
    if let Some(known) = list.iter_mut().find(|s| s.same_as(&source)) {
        if known.title.is_none() {
            known.title = source.title;
        }
        return;
    }
    if list.len() < MAX_SOURCES {
        list.push(source);
    }
}

/// Adds every source of `more` to `list` in order ([`add`]).
pub(crate) fn extend(list: &mut Vec<Source>, more: impl IntoIterator<Item = Source>) {
    for source in more {
        add(list, source);
    }
}

/// `text` cut to at most [`MAX_SOURCE_TEXT_BYTES`], at a character boundary.
pub(crate) fn bounded(mut text: String) -> String {
    if text.len() > MAX_SOURCE_TEXT_BYTES {
        let mut end = MAX_SOURCE_TEXT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// A string field of a JSON object, bounded; `None` when absent, empty or not a string.
pub(crate) fn text_field(value: &serde_json::Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| bounded(s.to_owned()))
}

/// A `start..end` span read from two index fields of a JSON object; `None` unless both are
/// non-negative integers with `start <= end`.
pub(crate) fn span_field(value: &serde_json::Value, start: &str, end: &str) -> Option<Range<u64>> {
    let index = |key| value.get(key).and_then(serde_json::Value::as_u64);
    let (start, end) = (index(start)?, index(end)?);
    (start <= end).then_some(start..end)
}

/// A chat-completions or Responses `url_citation` annotation (`url`, `title`, `start_index`,
/// `end_index`, flat in Responses, under `url_citation` in chat-completions); `None` for other
/// annotation types.
pub(crate) fn url_citation(annotation: &serde_json::Value) -> Option<Source> {
    if annotation.get("type").and_then(serde_json::Value::as_str) != Some("url_citation") {
        return None;
    }
    let fields = annotation.get("url_citation").unwrap_or(annotation);
    let mut source = Source::web(text_field(fields, "url")?);
    source.title = text_field(fields, "title");
    source.answer_span = span_field(fields, "start_index", "end_index")
        .and_then(|r| Some(usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?));
    Some(source)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::tests::json_like::json_like;
    use serde_json::{Value, json};

    const CITATION_KEYS: [&str; 22] = [
        "type",
        "url",
        "uri",
        "title",
        "url_citation",
        "start_index",
        "end_index",
        "cited_text",
        "document_index",
        "start_char_index",
        "end_char_index",
        "start_page_number",
        "end_page_number",
        "citations",
        "web",
        "groundingMetadata",
        "groundingChunks",
        "groundingSupports",
        "groundingChunkIndices",
        "segment",
        "startIndex",
        "endIndex",
    ];

    const CITATION_WORDS: [&str; 5] = [
        "url_citation",
        "web_search_result_location",
        "char_location",
        "page_location",
        "content_block_location",
    ];

    /// JSON values of any shape, a few levels deep, whose keys are often those the citation
    /// readers look for (so that the properties reach past the first missing field).
    pub(crate) fn citation_like_json() -> impl Strategy<Value = Value> {
        json_like(&CITATION_KEYS, &CITATION_WORDS)
    }

    proptest! {
        #[test]
        fn reading_an_annotation_never_panics_and_names_a_bounded_url(value in citation_like_json()) {
            let mut list = Vec::new();
            if let Some(source) = url_citation(&value) {
                prop_assert!(source.url.as_ref().is_some_and(|u| u.len() <= MAX_SOURCE_TEXT_BYTES));
                prop_assert!(source.answer_span.as_ref().is_none_or(|s| s.start <= s.end));
                add(&mut list, source);
            }
            prop_assert!(list.len() <= 1);
        }
    }

    #[test]
    fn a_url_seen_twice_is_kept_once_in_first_place_and_takes_a_missing_title() {
        let mut list = Vec::new();
        add(&mut list, Source::web("https://a.example"));
        add(&mut list, Source::web("https://b.example"));
        add(
            &mut list,
            Source::web("https://a.example").with_title("A page"),
        );
        assert_eq!(
            list,
            vec![
                Source::web("https://a.example").with_title("A page"),
                Source::web("https://b.example"),
            ]
        );
    }

    #[test]
    fn document_passages_are_told_apart_by_document_and_cited_text() {
        let mut list = Vec::new();
        add(&mut list, Source::document(0).with_cited_text("one"));
        add(&mut list, Source::document(0).with_cited_text("one"));
        add(&mut list, Source::document(0).with_cited_text("two"));
        add(&mut list, Source::document(1).with_cited_text("one"));
        add(&mut list, Source::default());
        assert_eq!(list.len(), 3);
    }

    #[test]
    fn the_list_stops_at_its_bound_and_texts_are_cut_at_a_character_boundary() {
        let mut list = Vec::new();
        extend(
            &mut list,
            (0..MAX_SOURCES + 10).map(|i| Source::web(format!("https://{i}.example"))),
        );
        assert_eq!(list.len(), MAX_SOURCES);
        // One byte, then two-byte characters: the bound falls inside one of them.
        let long = format!("a{}", "é".repeat(MAX_SOURCE_TEXT_BYTES));
        let cut = Source::web("u").with_title(long).title.unwrap_or_default();
        assert_eq!(cut.len(), MAX_SOURCE_TEXT_BYTES - 1);
    }

    #[test]
    fn url_citations_are_read_flat_and_nested_and_other_annotations_are_not() {
        let nested = json!({"type": "url_citation", "url_citation": {
            "url": "https://a.example", "title": "A", "start_index": 3, "end_index": 9}});
        let flat = json!({"type": "url_citation", "url": "https://b.example",
            "start_index": 9, "end_index": 3});
        assert_eq!(
            url_citation(&nested),
            Some(
                Source::web("https://a.example")
                    .with_title("A")
                    .with_answer_span(3..9)
            )
        );
        assert_eq!(url_citation(&flat), Some(Source::web("https://b.example")));
        assert_eq!(
            url_citation(&json!({"type": "file_citation", "url": "x"})),
            None
        );
        assert_eq!(url_citation(&json!({"type": "url_citation"})), None);
    }
}
