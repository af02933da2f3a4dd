//! The reader and the derive together: snapshots of typical answers, fed as they stream.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Parser, Partial, snapshot};

#[derive(Debug, Deserialize, JsonSchema, PartialEq, crate::Partial)]
#[partial(crate = crate)]
struct Order {
    #[partial(required)]
    customer: String,
    items: Vec<Item>,
    status: Status,
    note: Option<String>,
    #[serde(default = "euro")]
    currency: String,
    total: f64,
}

fn euro() -> String {
    "EUR".into()
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq, crate::Partial)]
#[partial(crate = crate)]
#[serde(rename_all = "camelCase")]
struct Item {
    item_name: String,
    #[partial(done)]
    sku: String,
    quantity: u32,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq, crate::Partial)]
#[partial(crate = crate)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pending,
    Shipped,
}

const ORDER: &str = r#"{"customer": "Ana Lima", "items": [{"itemName": "apple", "sku": "AP-1", "quantity": 12}, {"itemName": "pear \"green\" \u00e9\ud83c\udf50", "sku": "PE-2", "quantity": 3}], "status": "shipped", "note": null, "total": 12.75}"#;

/// The distinct snapshots after each delta, in order.
fn snapshots<T: Partial>(deltas: &[&str]) -> Vec<T::Partial> {
    let mut parser = Parser::new();
    let mut answer = String::new();
    let mut out: Vec<T::Partial> = Vec::new();
    for delta in deltas {
        answer.push_str(delta);
        parser.feed(&answer);
        if let Some(snap) = snapshot::<T>(&parser)
            && out.last() != Some(&snap)
        {
            out.push(snap);
        }
    }
    out
}

/// The answer split into one delta per character.
fn chars(text: &str) -> Vec<&str> {
    text.char_indices()
        .map(|(i, c)| &text[i..i + c.len_utf8()])
        .collect()
}

#[test]
fn a_nested_struct_fills_in_as_it_streams() {
    let snaps = snapshots::<Order>(&chars(ORDER));
    // Strings grow.
    assert!(snaps.iter().any(|s| s.customer.as_deref() == Some("Ana L")));
    // Numbers appear whole.
    for s in &snaps {
        assert!(matches!(s.total, None | Some(12.75)), "{:?}", s.total);
        for item in s.items.iter().flatten() {
            assert!(matches!(item.quantity, None | Some(12 | 3)), "{item:?}");
        }
    }
    // The list grows element by element, the last one filling in.
    let lengths: Vec<usize> = snaps
        .iter()
        .map(|s| s.items.as_ref().map_or(0, Vec::len))
        .collect();
    assert!(lengths.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!((lengths[0], *lengths.last().unwrap()), (0, 2));
    assert!(snaps.iter().any(|s| s.items.as_ref().is_some_and(|items| {
        items.len() == 2
            && items[1].item_name.as_deref() == Some("pe")
            && items[0].quantity == Some(12)
    })));
    // The enum appears only once its variant is known.
    assert!(
        snaps
            .iter()
            .all(|s| matches!(s.status, None | Some(StatusPartial::Shipped)))
    );
    assert!(
        snaps
            .iter()
            .any(|s| s.items.as_ref().is_some_and(|i| i.len() == 2) && s.status.is_none())
    );
    // The last snapshot is the whole value.
    let whole: Order = serde_json::from_str(ORDER).unwrap();
    assert_eq!(snaps.last(), Order::partial_from(&whole).as_ref());
    assert_eq!(
        snaps.last().unwrap().items.as_ref().unwrap()[1]
            .item_name
            .as_deref(),
        Some("pear \"green\" é🍐")
    );
}

#[test]
fn done_and_required_hold_values_back() {
    let snaps = snapshots::<Order>(&chars(ORDER));
    // `required`: nothing before the customer has started.
    assert!(snaps.iter().all(|s| s.customer.is_some()));
    assert_eq!(snaps[0].customer.as_deref(), Some(""));
    // `done`: the SKU only ever appears whole.
    for s in &snaps {
        for item in s.items.iter().flatten() {
            assert!(
                matches!(item.sku.as_deref(), None | Some("AP-1" | "PE-2")),
                "{item:?}"
            );
        }
    }
}

#[test]
fn a_field_once_present_never_disappears_and_defaults_show_from_the_start() {
    let snaps = snapshots::<Order>(&chars(ORDER));
    for pair in snaps.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let kept = |x: bool, y: bool| !x || y;
        assert!(kept(a.customer.is_some(), b.customer.is_some()));
        assert!(kept(a.items.is_some(), b.items.is_some()));
        assert!(kept(a.status.is_some(), b.status.is_some()));
        assert!(kept(a.total.is_some(), b.total.is_some()));
        let (ai, bi) = (
            a.items.as_deref().unwrap_or_default(),
            b.items.as_deref().unwrap_or_default(),
        );
        assert!(ai.len() <= bi.len());
        for (x, y) in ai.iter().zip(bi) {
            assert!(kept(x.item_name.is_some(), y.item_name.is_some()));
            assert!(kept(x.sku.is_some(), y.sku.is_some()));
            assert!(kept(x.quantity.is_some(), y.quantity.is_some()));
        }
    }
    assert!(snaps.iter().all(|s| s.currency.as_deref() == Some("EUR")));
}

#[test]
fn prose_fences_reasoning_and_sloppy_json_are_read() {
    let clean = snapshots::<Order>(&[ORDER]);
    let fenced = format!(
        "<think>draft {{\"customer\": \"x\"}}</think>Sure! Here it is:\n```json\n{ORDER}\n```\nAnything else?"
    );
    assert_eq!(snapshots::<Order>(&chars(&fenced)).last(), clean.last());
    let sloppy = "{customer: 'Ana', items: [{'itemName': 'fig', sku: 'F', quantity: 2,},], status: 'pending' total: 1, }";
    let snap = snapshots::<Order>(&chars(sloppy)).pop().unwrap();
    assert_eq!(snap.customer.as_deref(), Some("Ana"));
    assert_eq!(snap.items.unwrap()[0].quantity, Some(2));
    assert_eq!(snap.status, Some(StatusPartial::Pending));
    assert_eq!(snap.total, Some(1.0));
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq, crate::Partial)]
#[partial(crate = crate)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Figure {
    Circle {
        radius: f64,
    },
    Square {
        side: f64,
        #[partial(required)]
        label: String,
    },
    Empty,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq, crate::Partial)]
#[partial(crate = crate)]
#[serde(tag = "t", content = "c")]
enum Event {
    Click { x: i32 },
    Key(String),
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq, crate::Partial)]
#[partial(crate = crate)]
enum Payment {
    Card {
        last4: String,
    },
    Cash(u32),
    #[serde(alias = "free")]
    Nothing,
}

#[test]
fn enums_follow_serde_tagging() {
    let last =
        |answer: &str| -> Option<FigurePartial> { snapshots::<Figure>(&chars(answer)).pop() };
    assert_eq!(
        last(r#"{"kind": "circle", "radius": 2"#),
        Some(FigurePartial::Circle { radius: None })
    );
    assert_eq!(
        last(r#"{"kind": "circle", "radius": 2}"#),
        Some(FigurePartial::Circle { radius: Some(2.0) })
    );
    assert_eq!(last(r#"{"kind": "squ"#), None);
    assert_eq!(last(r#"{"kind": "square", "side": 3}"#), None);
    assert_eq!(
        last(r#"{"kind": "square", "side": 3, "label": "a"#),
        Some(FigurePartial::Square {
            side: Some(3.0),
            label: Some("a".into())
        })
    );
    assert_eq!(last(r#"{"kind": "empty"}"#), Some(FigurePartial::Empty));

    let event = snapshots::<Event>(&chars(r#"{"t": "Key", "c": "ab"#)).pop();
    assert_eq!(event, Some(EventPartial::Key(Some("ab".into()))));
    let event = snapshots::<Event>(&chars(r#"{"t": "Click", "c": {"x": -4}}"#)).pop();
    assert_eq!(event, Some(EventPartial::Click { x: Some(-4) }));

    let pay = |answer: &str| snapshots::<Payment>(&chars(answer)).pop();
    assert_eq!(
        pay(r#"{"Card": {"last4": "42"#),
        Some(PaymentPartial::Card {
            last4: Some("42".into())
        })
    );
    assert_eq!(pay(r#"{"Cash": 20}"#), Some(PaymentPartial::Cash(Some(20))));
    // A bare variant travels wrapped as `{"value": …}`, and aliases are read.
    assert_eq!(pay(r#"{"value": "free"}"#), Some(PaymentPartial::Nothing));
    assert_eq!(pay(r#"{"value": "Nothi"#), None);
}

#[test]
fn hostile_input_neither_panics_nor_runs_away() {
    let deep = "[".repeat(10_000);
    let mut parser = Parser::new();
    parser.feed(&deep);
    assert!(snapshot::<Order>(&parser).is_none());
    for answer in [
        "{\"customer\": \"\\ud800\\u12",
        "{\"a\\",
        "{'\\\u{e9}",
        "}{",
        "{\"customer\": -}",
    ] {
        for split in 0..=answer.len() {
            if !answer.is_char_boundary(split) {
                continue;
            }
            let mut parser = Parser::new();
            parser.feed(&answer[..split]);
            parser.feed(answer);
            let _ = snapshot::<Order>(&parser);
        }
    }
}

/// The answer cut at `cuts` (sorted byte offsets, moved back to char boundaries).
fn split_at<'a>(text: &'a str, cuts: &[usize]) -> Vec<&'a str> {
    let mut bounds: Vec<usize> = cuts
        .iter()
        .map(|&c| {
            let mut c = c.min(text.len());
            while !text.is_char_boundary(c) {
                c -= 1;
            }
            c
        })
        .collect();
    bounds.push(text.len());
    bounds.sort_unstable();
    let mut from = 0;
    let mut parts = Vec::new();
    for to in bounds {
        parts.push(&text[from..to]);
        from = to;
    }
    parts
}

proptest! {
    /// However the answer is split, the snapshot after each delta is the one the same prefix
    /// gives character by character: the distinct snapshots of any split are those of the
    /// finest split, taken at its delta boundaries, and the last one is the same.
    #[test]
    fn any_split_gives_the_same_snapshots(cuts in proptest::collection::vec(0..ORDER.len(), 0..24)) {
        let fine = {
            let mut parser = Parser::new();
            let mut at_prefix = std::collections::HashMap::new();
            let mut answer = String::new();
            at_prefix.insert(0, snapshot::<Order>(&parser));
            for c in chars(ORDER) {
                answer.push_str(c);
                parser.feed(&answer);
                at_prefix.insert(answer.len(), snapshot::<Order>(&parser));
            }
            at_prefix
        };
        let parts = split_at(ORDER, &cuts);
        let mut parser = Parser::new();
        let mut answer = String::new();
        for part in &parts {
            answer.push_str(part);
            parser.feed(&answer);
            prop_assert_eq!(&snapshot::<Order>(&parser), &fine[&answer.len()]);
        }
        let coarse = snapshots::<Order>(&parts);
        let finest = snapshots::<Order>(&chars(ORDER));
        let mut rest = finest.iter();
        for snap in &coarse {
            prop_assert!(rest.any(|f| f == snap), "not in the character-by-character sequence: {:?}", snap);
        }
        prop_assert_eq!(coarse.last(), finest.last());
    }
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq, crate::Partial)]
#[partial(crate = crate)]
struct Misc {
    counts: std::collections::BTreeMap<String, u32>,
    labels: std::collections::HashMap<String, String>,
    extra: serde_json::Value,
    initial: char,
    flag: bool,
    ratio: f32,
    #[serde(skip)]
    #[allow(dead_code)]
    local: u8,
}

#[test]
fn maps_values_chars_booleans_and_floats_have_partial_forms() {
    let answer = r#"{"counts": {"a": 1, "b": "2"}, "labels": {"x": "hel"#;
    let snap = snapshots::<Misc>(&chars(answer)).pop().unwrap();
    assert_eq!(
        snap.counts.unwrap(),
        [("a".to_owned(), 1), ("b".to_owned(), 2)].into()
    );
    assert_eq!(snap.labels.unwrap()["x"], "hel");
    let answer =
        r#"{"extra": {"k": [1, "t", true, null]}, "initial": "Z", "flag": "true", "ratio": 0.5}"#;
    let snap = snapshots::<Misc>(&chars(answer)).pop().unwrap();
    assert_eq!(
        snap.extra,
        Some(serde_json::json!({"k": [1, "t", true, null]}))
    );
    assert_eq!(
        (snap.initial, snap.flag, snap.ratio),
        (Some('Z'), Some(true), Some(0.5))
    );
    let partial_char = snapshots::<Misc>(&chars(r#"{"initial": "Z"#))
        .pop()
        .unwrap();
    assert_eq!(partial_char.initial, None);
}
