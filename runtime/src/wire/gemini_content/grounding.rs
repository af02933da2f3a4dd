//! The sources of a candidate grounded in Google Search (the `google_search` tool): its
//! `groundingMetadata` (<https://ai.google.dev/api/generate-content#GroundingMetadata>, guide
//! <https://ai.google.dev/gemini-api/docs/google-search>) lists the pages found as
//! `groundingChunks[].web {uri, title}`, and which parts of the answer rest on which of them as
//! `groundingSupports[] {segment {startIndex, endIndex}, groundingChunkIndices}`.

use serde_json::Value;

use crate::sources::{self, Source, text_field};

/// The candidate's grounding sources, in the order of its chunks, each with the first part of
/// the answer a support ties to it.
pub(super) fn sources(candidate: &Value) -> Vec<Source> {
    let Some(metadata) = candidate.get("groundingMetadata") else {
        return Vec::new();
    };
    let supports = metadata
        .get("groundingSupports")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let chunks = metadata.get("groundingChunks").and_then(Value::as_array);
    let mut list = Vec::new();
    for (at, chunk) in chunks.into_iter().flatten().enumerate() {
        let Some(web) = chunk.get("web") else {
            continue;
        };
        let Some(uri) = text_field(web, "uri") else {
            continue;
        };
        let mut source = Source::web(uri);
        source.title = text_field(web, "title");
        source.answer_span = supports.iter().find_map(|s| span_supporting(s, at));
        sources::add(&mut list, source);
    }
    list
}

/// The answer's segment a support ties to chunk `at`, if it does. `startIndex` is left out when
/// it is 0 (the JSON form of a protobuf leaves out default values).
fn span_supporting(support: &Value, at: usize) -> Option<std::ops::Range<usize>> {
    let indices = support.get("groundingChunkIndices")?.as_array()?;
    if !indices.iter().any(|i| i.as_u64() == u64::try_from(at).ok()) {
        return None;
    }
    let segment = support.get("segment")?;
    let index = |key| -> Option<usize> { usize::try_from(segment.get(key)?.as_u64()?).ok() };
    let (start, end) = (index("startIndex").unwrap_or(0), index("endIndex")?);
    (start <= end).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::tests::citation_like_json;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        #[test]
        fn reading_grounding_never_panics_and_keeps_each_url_once(candidate in citation_like_json()) {
            let list = sources(&candidate);
            for (i, source) in list.iter().enumerate() {
                prop_assert!(source.url.is_some());
                prop_assert!(list[..i].iter().all(|earlier| earlier.url != source.url));
                prop_assert!(source.answer_span.as_ref().is_none_or(|s| s.start <= s.end));
            }
        }
    }

    #[test]
    fn chunks_become_sources_with_the_answer_segment_they_support() {
        let candidate = json!({"groundingMetadata": {
            "webSearchQueries": ["euro 2024 winner"],
            "groundingChunks": [
                {"web": {"uri": "https://a.example", "title": "a.example"}},
                {"retrievedContext": {"uri": "gs://not-the-web"}},
                {"web": {"uri": "https://b.example"}},
                {"web": {"uri": "https://a.example", "title": "again"}},
                {"web": {"title": "no uri"}}
            ],
            "groundingSupports": [
                {"segment": {"endIndex": 12, "text": "Spain won it"},
                 "groundingChunkIndices": [0]},
                {"segment": {"startIndex": 13, "endIndex": 40},
                 "groundingChunkIndices": [2, 0]},
                {"segment": {"startIndex": 50, "endIndex": 41}, "groundingChunkIndices": [3]}
            ]
        }});
        assert_eq!(
            sources(&candidate),
            vec![
                Source::web("https://a.example")
                    .with_title("a.example")
                    .with_answer_span(0..12),
                Source::web("https://b.example").with_answer_span(13..40),
            ]
        );
    }

    #[test]
    fn a_candidate_without_grounding_has_no_sources() {
        assert!(sources(&json!({"content": {"parts": [{"text": "hi"}]}})).is_empty());
        assert!(sources(&json!({"groundingMetadata": {"groundingChunks": 3}})).is_empty());
    }
}
