//! Tests of `decode` as a whole: search order, failure reporting, limits, and properties
//! over arbitrary input. The table of real-world answers is in `corpus.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod corpus;

use proptest::prelude::*;
use serde_json::{Value, json};

use std::time::{Duration, Instant};

use super::{DecodeFailureKind, Repair, decode, decode_until, search};

fn person_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": ["integer", "null"], "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["name"]
    })
}

fn wrapped_enum_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"value": {"$ref": "#/$defs/Mood"}},
        "required": ["value"],
        "$defs": {"Mood": {"type": "string", "enum": ["Happy", "Sad"]}}
    })
}

/// A recursive schema with `anyOf`, `oneOf` of constants, tuples and maps.
fn tree_schema() -> Value {
    json!({
        "$ref": "#/$defs/Node",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "label": {"oneOf": [{"const": "leaf"}, {"const": "branch"}]},
                    "weight": {"type": "number", "exclusiveMinimum": 0},
                    "pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}], "minItems": 2, "maxItems": 2},
                    "meta": {"type": "object", "additionalProperties": {"type": "string"}},
                    "children": {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}}
                },
                "required": ["label"],
                "additionalProperties": false
            }
        }
    })
}

fn schemas() -> Vec<Value> {
    vec![
        person_schema(),
        wrapped_enum_schema(),
        tree_schema(),
        json!(true),
        json!({}),
        json!({"type": ["number", "boolean", "null"]}),
        json!({"$ref": "#/$defs/Missing"}),
        json!({"$ref": "#/$defs/Loop", "$defs": {"Loop": {"$ref": "#/$defs/Loop"}}}),
    ]
}

#[test]
fn strict_json_that_fits_is_returned_unchanged() {
    let text = r#"{"name": "Ada", "age": 36, "tags": ["math"]}"#;
    let decoded = decode(text, &person_schema()).unwrap();
    assert_eq!(decoded.value, serde_json::from_str::<Value>(text).unwrap());
    assert!(decoded.repairs.is_empty());
}

#[test]
fn openapi_nullable_admits_null_beside_ref_and_enum() {
    let schema = json!({
        "type": "object",
        "properties": {
            "mood": {"$ref": "#/$defs/Mood", "nullable": true},
            "size": {"enum": ["S", "M"], "nullable": true}
        },
        "$defs": {"Mood": {"type": "string", "enum": ["Happy", "Sad"]}}
    });
    let decoded = decode(r#"{"mood": null}"#, &schema).unwrap();
    assert_eq!(decoded.value, json!({"mood": null, "size": null}));
    assert_eq!(
        decoded.repairs,
        [Repair::NullForMissingOptional {
            path: "$.size".into()
        }]
    );
}

#[test]
fn the_best_fitting_fence_wins() {
    let text = "```json\n{\"name\": 'Ada',}\n```\n```json\n{\"name\": \"Ada\"}\n```";
    let decoded = decode(
        text,
        &json!({"type": "object", "properties": {"name": {"type": "string"}}}),
    )
    .unwrap();
    assert_eq!(decoded.value, json!({"name": "Ada"}));
    assert_eq!(decoded.repairs, [Repair::FencedBlock]);
}

#[test]
fn a_misfit_of_strict_json_is_final_and_precise() {
    let failure = decode(
        r#"{"name": "Ada", "tags": [1, {"x": 1}]}"#,
        &person_schema(),
    )
    .expect_err("an object is no string");
    assert_eq!(failure.kind, DecodeFailureKind::Mismatch);
    assert_eq!(failure.path.as_deref(), Some("$.tags[1]"));
    assert_eq!(
        failure.reason,
        r#"at $.tags[1]: expected string, found object with keys "x""#
    );
    assert_eq!(failure.to_string(), failure.reason);
}

#[test]
fn syntax_errors_name_line_and_column() {
    let failure = decode(
        "Here:\n{\n  \"name\": \"Ada\",\n  \"age\": ???\n}",
        &person_schema(),
    )
    .expect_err("??? is no value");
    assert_eq!(failure.kind, DecodeFailureKind::Syntax);
    assert_eq!(
        failure.reason,
        "invalid JSON at line 4, column 10: expected a value, found `?`"
    );
}

#[test]
fn a_value_that_fits_beats_an_earlier_one_that_does_not() {
    let text = "For example {\"title\": \"x\"} is wrong; the answer is {\"name\": \"Ada\"}.";
    let decoded = decode(text, &person_schema()).unwrap();
    assert_eq!(decoded.value, json!({"name": "Ada", "age": null}));
    // The misfit is reported when nothing fits.
    let failure = decode("For example {\"title\": \"x\"}.", &person_schema()).unwrap_err();
    assert_eq!(failure.kind, DecodeFailureKind::Mismatch);
}

#[test]
fn unusable_schemas_fail_cleanly() {
    let missing = decode("{}", &json!({"$ref": "#/$defs/Missing"})).unwrap_err();
    assert_eq!(missing.kind, DecodeFailureKind::InvalidSchema);
    assert!(
        missing
            .reason
            .contains("\"#/$defs/Missing\" cannot be resolved")
    );

    let cyclic = json!({"$ref": "#/$defs/Loop", "$defs": {"Loop": {"$ref": "#/$defs/Loop"}}});
    let failure = decode("1", &cyclic).unwrap_err();
    assert_eq!(failure.kind, DecodeFailureKind::TooDeep);

    let broken = json!({"type": "object", "properties": {"a": 5}});
    let failure = decode(r#"{"a": 1}"#, &broken).unwrap_err();
    assert_eq!(failure.kind, DecodeFailureKind::InvalidSchema);
    assert_eq!(failure.path.as_deref(), Some("$.a"));
}

#[test]
fn the_deepest_value_allowed_fits_in_a_small_stack() {
    // 127 levels of `Option<Box<Self>>`-like recursion: the most the parser lets through.
    let schema = json!({
        "$ref": "#/$defs/Node",
        "$defs": {"Node": {
            "type": "object",
            "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
            "required": ["next"]
        }}
    });
    let text = format!("{}null{}", r#"{"next": "#.repeat(127), "}".repeat(127));
    let decoded = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || decode(&text, &schema).map(|d| d.repairs))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(decoded, Ok(vec![]));
}

#[test]
fn exponential_branching_runs_out_of_budget_instead_of_time() {
    // Three identical array branches at every level: a failure at the bottom would be
    // retried 3^depth times without the step budget.
    let branch = json!({"type": "array", "items": {"$ref": "#/$defs/A"}});
    let schema = json!({
        "$ref": "#/$defs/A",
        "$defs": {"A": {"anyOf": [branch, branch, branch, {"type": "null"}]}}
    });
    let text = format!("{}true{}", "[".repeat(40), "]".repeat(40));
    let failure = decode(&text, &schema).unwrap_err();
    assert_eq!(failure.kind, DecodeFailureKind::TooComplex);
}

#[test]
fn repairs_and_failures_read_well() {
    let repair = Repair::EnumCaseInsensitive {
        path: "$.mood".into(),
        from: "happy".into(),
        to: "Happy".into(),
    };
    assert_eq!(
        repair.to_string(),
        "$.mood: matched `happy` to `Happy` ignoring case"
    );
    assert_eq!(
        Repair::ClosedBrackets.to_string(),
        "closed objects or arrays cut off by the end of the answer"
    );
    let failure = decode("Maybe?", &wrapped_enum_schema()).unwrap_err();
    assert_eq!(
        failure.reason,
        r#"at $: expected one of `Happy`, `Sad`, found string "Maybe?""#
    );
}

#[test]
fn large_answers_decode() {
    let items: Vec<String> = (0..20_000)
        .map(|i| format!("{{'name': 'n{i}', age: '{i}',}}"))
        .collect();
    let text = format!("Sure:\n[{}]", items.join(",\n"));
    let schema = json!({"type": "array", "items": person_schema()});
    let decoded = decode(&text, &schema).unwrap();
    assert_eq!(decoded.value.as_array().map(Vec::len), Some(20_000));
    assert_eq!(decoded.value[19_999]["age"], json!(19_999));
}

/// Pieces of hostile answers that made the search quadratic, repeated to any length: strings,
/// keys and quotes that never close, brackets, backslashes, commas, repeated prefixes.
const HOSTILE_UNITS: [&str; 14] = [
    "{\"a], ",
    "[\"x], ",
    "['x], ",
    "{\"a\" 1} ",
    "[\"",
    "{'",
    "[",
    "{",
    "\\",
    "\\\"",
    ",",
    "{\"a\": [",
    "[{\"a\": \"x",
    "\" ",
];

/// Bytes the search may read per byte of a hostile answer: each byte is read a few times
/// (strict attempt, tolerant attempt, bracket matching, once per region), never once per
/// value start.
const READS_PER_BYTE: usize = 6;

fn list_of_strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

#[test]
fn hostile_answers_are_searched_in_linear_work() {
    for unit in HOSTILE_UNITS {
        for schema in [list_of_strings(), person_schema()] {
            let text = unit.repeat(64 * 1024 / unit.len());
            let (_, work) = search(&text, &schema, None);
            assert!(
                work <= READS_PER_BYTE * text.len(),
                "{unit:?} x {}: {work} bytes read for {} bytes",
                text.len() / unit.len(),
                text.len()
            );
        }
    }
}

#[test]
fn a_value_after_hostile_prose_is_still_found() {
    let text = format!("{}[1, 2]", "{\"a], ".repeat(2_000));
    let schema = json!({"type": "array", "items": {"type": "integer"}});
    let decoded = decode(&text, &schema).unwrap();
    assert_eq!(decoded.value, json!([1, 2]));
}

#[test]
fn a_hostile_answer_is_abandoned_once_its_deadline_has_passed() {
    // 1 MiB of a unit that once took 102 s; the deadline has passed before the decode starts,
    // so the first clock reading ends it, whatever the machine's speed.
    let text = "{\"a], ".repeat(174_763);
    for schema in [list_of_strings(), person_schema()] {
        let failure = decode_until(&text, &schema, Some(Instant::now())).unwrap_err();
        assert_eq!(failure.kind, DecodeFailureKind::Deadline, "{failure}");
        assert!(failure.reason.contains("deadline"), "{failure}");
    }
    // The schema walk reads the clock too: a long, valid list is abandoned part way.
    let list = serde_json::to_string(&vec!["x"; 100_000]).unwrap();
    let failure = decode_until(&list, &list_of_strings(), Some(Instant::now())).unwrap_err();
    assert_eq!(failure.kind, DecodeFailureKind::Deadline, "{failure}");
    // Step 4,096 is the first clock reading: the root, then items 0 to 4,094.
    assert_eq!(failure.path.as_deref(), Some("$[4094]"), "{failure}");
}

#[test]
fn a_deadline_changes_nothing_for_a_decode_that_ends_in_time() {
    let far = Instant::now().checked_add(Duration::from_secs(3_600));
    for unit in HOSTILE_UNITS {
        let text = format!("{}[\"a\"]", unit.repeat(2_000));
        let schema = list_of_strings();
        assert_eq!(
            decode_until(&text, &schema, far),
            decode(&text, &schema),
            "{unit:?}"
        );
    }
    // A small answer reads the clock no time: a passed deadline cannot cut it short.
    let small = decode_until(
        "Sure: ['a', 'b',]",
        &list_of_strings(),
        Some(Instant::now()),
    );
    assert_eq!(small.unwrap().value, json!(["a", "b"]));
}

/// A valid answer for `person_schema`, to cut and corrupt.
const PERSON: &str =
    r#"{"name": "Ada \"the first\" Lovelace", "age": 36, "tags": ["math", "poetry"]}"#;

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), pick in 0_usize..8) {
        let _ = decode(&text, &schemas()[pick]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), pick in 0_usize..8) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = decode(&text, &schemas()[pick]);
    }

    #[test]
    fn json_like_text_never_panics(
        text in "[{}\\[\\]\"':,\\\\ \nabeflnrstu0-9.+\\-/*#`]{0,300}",
        pick in 0_usize..8,
    ) {
        let _ = decode(&text, &schemas()[pick]);
    }

    #[test]
    fn cut_off_answers_never_pass_silently(cut in 0_usize..PERSON.len()) {
        let Some(prefix) = PERSON.get(..cut) else { return Ok(()) };
        if let Ok(decoded) = decode(prefix, &person_schema()) {
            prop_assert!(!decoded.repairs.is_empty(), "{prefix:?} decoded without repairs");
        }
    }

    #[test]
    fn corrupted_answers_never_panic(at in 0_usize..PERSON.len(), junk in "[{}\\[\\]\"',:a-z0-9 ]{1,3}") {
        if let (Some(head), Some(tail)) = (PERSON.get(..at), PERSON.get(at..)) {
            let _ = decode(&format!("{head}{junk}{tail}"), &person_schema());
        }
    }

    #[test]
    fn the_search_reads_each_byte_a_bounded_number_of_times(
        units in proptest::collection::vec(0..HOSTILE_UNITS.len(), 1..8),
        repeats in 1_usize..400,
        tail in "[{}\\[\\]\"':,\\\\ a1]{0,40}",
    ) {
        let unit: String = units.iter().map(|&u| HOSTILE_UNITS[u]).collect();
        let text = format!("{}{tail}", unit.repeat(repeats));
        for schema in [list_of_strings(), person_schema()] {
            let (_, work) = search(&text, &schema, None);
            prop_assert!(work <= READS_PER_BYTE * text.len() + 64, "{work} for {} bytes", text.len());
        }
    }

    #[test]
    fn json_like_text_is_searched_in_linear_work(
        text in "[{}\\[\\]\"':,\\\\ \nabeflnrstu0-9.+\\-/*#`]{0,2000}",
    ) {
        let (_, work) = search(&text, &person_schema(), None);
        prop_assert!(work <= READS_PER_BYTE * text.len() + 64, "{work} for {} bytes", text.len());
    }

    #[test]
    fn strict_json_is_read_as_serde_json_reads_it(value in arbitrary_json()) {
        let text = value.to_string();
        let strict: Value = serde_json::from_str(&text).unwrap();
        let decoded = decode(&text, &json!(true));
        prop_assert_eq!(decoded.map(|d| (d.value, d.repairs)), Ok((strict, vec![])));
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}
