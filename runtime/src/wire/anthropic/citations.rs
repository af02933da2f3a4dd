//! Claude's citations read into [`Source`]s: the `citations` of a text block, whole or one
//! `citations_delta` at a time
//! (<https://docs.anthropic.com/en/docs/build-with-claude/citations>,
//! <https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool>):
//! `web_search_result_location` (`url`, `title`, `cited_text`), `char_location` and
//! `page_location` (`document_index`, `document_title`, `cited_text`, the character or page
//! range), `content_block_location` (a range of a custom-content document's blocks).
//!
//! The `server_tool_use` and `web_search_tool_result` blocks around them are Claude's own
//! searches, not calls for promptfn to run: the readers skip them.

use serde_json::Value;

use crate::sources::{DocumentPassage, Source, span_field, text_field};

/// The sources of a text block's `citations` value (anything else adds none).
pub(super) fn of_block(block: &Value) -> Vec<Source> {
    let mut list = Vec::new();
    if let Some(Value::Array(citations)) = block.get("citations") {
        crate::sources::extend(&mut list, citations.iter().filter_map(citation));
    }
    list
}

/// One citation; `None` for a kind that names no source.
pub(super) fn citation(value: &Value) -> Option<Source> {
    let kind = value.get("type").and_then(Value::as_str)?;
    let mut source = match kind {
        "web_search_result_location" => {
            let mut source = Source::web(text_field(value, "url")?);
            source.title = text_field(value, "title");
            source
        }
        "char_location" | "page_location" | "content_block_location" => {
            let index = value.get("document_index").and_then(Value::as_u64)?;
            let mut source = Source::document(usize::try_from(index).ok()?);
            source.title = text_field(value, "document_title");
            source.document = Some(passage(kind, value, index));
            source
        }
        _ => return None,
    };
    source.cited_text = text_field(value, "cited_text");
    Some(source)
}

fn passage(kind: &str, value: &Value, index: u64) -> DocumentPassage {
    let mut passage = DocumentPassage {
        index: usize::try_from(index).unwrap_or_default(),
        ..DocumentPassage::default()
    };
    match kind {
        "char_location" => {
            passage.chars = span_field(value, "start_char_index", "end_char_index");
        }
        "page_location" => {
            passage.pages = span_field(value, "start_page_number", "end_page_number");
        }
        _ => {}
    }
    passage
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::tests::citation_like_json;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        #[test]
        fn reading_citations_never_panics_and_names_a_source(block in citation_like_json()) {
            for source in of_block(&block) {
                prop_assert!(source.url.is_some() || source.document.is_some());
            }
            let _ = citation(&block);
        }
    }

    #[test]
    fn every_citation_kind_becomes_its_source() {
        let block = json!({"type": "text", "text": "Paris.", "citations": [
            {"type": "web_search_result_location", "url": "https://a.example", "title": "A",
             "cited_text": "Paris is the capital", "encrypted_index": "x"},
            {"type": "char_location", "document_index": 0, "document_title": "Notes",
             "cited_text": "the capital", "start_char_index": 4, "end_char_index": 15},
            {"type": "page_location", "document_index": 1, "document_title": "Atlas.pdf",
             "cited_text": "France", "start_page_number": 2, "end_page_number": 3},
            {"type": "content_block_location", "document_index": 2, "cited_text": "block",
             "start_block_index": 0, "end_block_index": 1},
            {"type": "a_kind_added_later", "url": "https://b.example"},
            {"type": "char_location", "cited_text": "no document index"},
            "not an object"
        ]});
        let sources = of_block(&block);
        let mut chars = Source::document(0)
            .with_title("Notes")
            .with_cited_text("the capital");
        chars.document = Some(DocumentPassage {
            index: 0,
            chars: Some(4..15),
            pages: None,
        });
        let mut pages = Source::document(1)
            .with_title("Atlas.pdf")
            .with_cited_text("France");
        pages.document = Some(DocumentPassage {
            index: 1,
            chars: None,
            pages: Some(2..3),
        });
        assert_eq!(
            sources,
            vec![
                Source::web("https://a.example")
                    .with_title("A")
                    .with_cited_text("Paris is the capital"),
                chars,
                pages,
                Source::document(2).with_cited_text("block"),
            ]
        );
    }

    #[test]
    fn a_block_without_citations_cites_nothing() {
        assert!(of_block(&json!({"type": "text", "text": "hi"})).is_empty());
        assert!(of_block(&json!({"type": "text", "citations": null})).is_empty());
    }
}
