//! Property tests: however a list's text is split, the scanner finds exactly its elements; no
//! input makes it panic or report a range that is not text.

use proptest::prelude::*;
use serde_json::Value;

use super::super::{Elements, Ending};

/// JSON values whose strings are full of the characters the scanner must not take for
/// structure (brackets, braces, commas, both quotes, backslashes) and of non-ASCII text.
fn json_value() -> impl Strategy<Value = Value> {
    let text = proptest::string::string_regex(r#"[a-z\[\]{},:"'\\ é€\n]{0,12}"#)
        .unwrap()
        .boxed();
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Eighths print and parse back exactly (serde_json's default float parsing may not).
        (-1_000_000i32..1_000_000).prop_map(|n| Value::from(f64::from(n) / 8.0)),
        text.clone().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((text.clone(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// The answer around the list: bare, pretty-printed, wrapped in `{"value": …}`, or after
/// prose and a code fence.
fn answer(items: &[Value], shape: u8) -> String {
    let list = Value::Array(items.to_vec());
    match shape % 4 {
        0 => list.to_string(),
        1 => serde_json::to_string_pretty(&list).unwrap(),
        2 => format!(r#"{{ "value" :{list}}}"#),
        _ => format!("Here is the list:\n```json\n{list}\n```\nDone."),
    }
}

/// Byte offsets at the given fractions of `text`, on character boundaries, then its end.
fn cut_points(text: &str, cuts: &[f64]) -> Vec<usize> {
    let mut ends: Vec<usize> = cuts
        .iter()
        .map(|f| (text.len() as f64 * f) as usize)
        .filter(|at| text.is_char_boundary(*at))
        .collect();
    ends.sort_unstable();
    ends.push(text.len());
    ends
}

/// Feeds `text` in pieces ending at `cuts`; returns the ranges found and the ending.
fn scan(text: &str, cuts: &[f64]) -> (Vec<std::ops::Range<usize>>, Ending) {
    let mut scanner = Elements::new();
    let mut ranges = Vec::new();
    for end in cut_points(text, cuts) {
        scanner.feed(&text[..end], &mut ranges);
    }
    (ranges, scanner.ending())
}

fn values(text: &str, ranges: Vec<std::ops::Range<usize>>) -> Vec<Value> {
    ranges
        .into_iter()
        .map(|r| serde_json::from_str(&text[r]).unwrap())
        .collect()
}

proptest! {
    #[test]
    fn any_split_finds_exactly_the_elements(
        items in proptest::collection::vec(json_value(), 0..6),
        shape in any::<u8>(),
        cuts in proptest::collection::vec(0.0f64..1.0, 0..8),
    ) {
        let text = answer(&items, shape);
        let (ranges, ending) = scan(&text, &cuts);
        prop_assert_eq!(values(&text, ranges), items);
        prop_assert_eq!(ending, Ending::Closed);
    }

    #[test]
    fn a_cut_list_reports_only_whole_elements(
        items in proptest::collection::vec(json_value(), 1..6),
        keep in 0.0f64..1.0,
        cuts in proptest::collection::vec(0.0f64..1.0, 0..4),
    ) {
        let text = answer(&items, 0);
        let mut cut = (text.len() as f64 * keep) as usize;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = &text[..cut];
        let (ranges, _) = scan(text, &cuts);
        let found = values(text, ranges);
        prop_assert!(found.len() <= items.len());
        prop_assert_eq!(&found[..], &items[..found.len()]);
    }

    #[test]
    fn a_list_the_decoder_would_not_take_as_the_answer_is_not_streamed(
        items in proptest::collection::vec(json_value(), 0..6),
        shape in any::<u8>(),
        cuts in proptest::collection::vec(0.0f64..1.0, 0..8),
    ) {
        let list = Value::Array(items);
        let text = match shape % 4 {
            0 => format!(r#"{{"note": "a [b], {{c}}", "value": {list}}}"#),
            1 => format!(r#"{{"error": {list}}}"#),
            2 => format!("Here they are [as requested]: {list}"),
            _ => format!("<b>list</b> {list}"),
        };
        let (ranges, ending) = scan(&text, &cuts);
        prop_assert!(ranges.is_empty());
        prop_assert_eq!(ending, Ending::NotFound);
    }

    #[test]
    fn no_input_panics_and_every_range_is_text(
        text in "\\PC{0,200}",
        cuts in proptest::collection::vec(0.0f64..1.0, 0..8),
    ) {
        let (ranges, _) = scan(&text, &cuts);
        for r in ranges {
            prop_assert!(text.get(r).is_some());
        }
    }
}
