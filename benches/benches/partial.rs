//! The incremental reader behind partial snapshots: a 1 MiB answer read in one piece, and the
//! same answer arriving in 10 000 deltas (each fed as the whole answer so far, as a stream
//! does). Linear reading means the deltas cost about what one read of the whole does; the
//! target is at most 2×. Also: one snapshot of the whole value (what handing out a snapshot
//! costs at that size) and serde_json's parse of the answer into a `Value`, for scale.
//!
//! After the criterion runs, prints the deltas / whole ratio from the fastest of several runs.
//! Skipped unless run as a benchmark (`cargo bench`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use promptfn::__private::PartialParser;
use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

const MIB: usize = 1024 * 1024;
const DELTAS: usize = 10_000;

#[derive(Debug, Deserialize, JsonSchema, Partial)]
struct Order {
    customer: String,
    items: Vec<Item>,
    note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Partial)]
struct Item {
    name: String,
    sku: String,
    quantity: u32,
    price: f64,
}

/// An order answer of at least `bytes`, with escapes and non-ASCII text in its strings.
fn answer(bytes: usize) -> String {
    let mut text = String::from(r#"{"customer": "Ana \"the buyer\" Lima", "items": ["#);
    let mut index = 0;
    while text.len() < bytes {
        if index > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!(
            r#"{{"name": "item {index}: crème brûlée \u00e9 with a longer description", "sku": "SKU-{index:06}", "quantity": {q}, "price": {p}.25}}"#,
            q = index % 97,
            p = index % 1000,
        ));
        index += 1;
    }
    text.push_str(r#"], "note": "leave at the door"}"#);
    text
}

/// The cumulative answer lengths after each of `count` deltas (on char boundaries).
fn delta_ends(text: &str, count: usize) -> Vec<usize> {
    let size = text.len().div_ceil(count);
    let mut ends = Vec::with_capacity(count);
    let mut at = 0;
    while at < text.len() {
        at = (at + size).min(text.len());
        while !text.is_char_boundary(at) {
            at += 1;
        }
        ends.push(at);
    }
    ends
}

fn read_whole(text: &str) -> u64 {
    let mut parser = PartialParser::new();
    parser.feed(black_box(text));
    parser.version()
}

fn read_deltas(text: &str, ends: &[usize]) -> u64 {
    let mut parser = PartialParser::new();
    for &end in ends {
        parser.feed(black_box(&text[..end]));
    }
    parser.version()
}

fn reading(c: &mut Criterion) {
    let text = answer(MIB);
    let ends = delta_ends(&text, DELTAS);
    let mut group = c.benchmark_group("partial/1MiB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("whole", |b| b.iter(|| read_whole(&text)));
    group.bench_function("10000_deltas", |b| b.iter(|| read_deltas(&text, &ends)));
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            serde_json::from_str::<serde_json::Value>(black_box(&text)).map(|v| v.is_object())
        })
    });
    let mut parser = PartialParser::new();
    parser.feed(&text);
    group.bench_function("one_snapshot", |b| {
        b.iter(|| parser.root().and_then(<Order as Partial>::partial_of))
    });
    group.finish();
}

fn fastest(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report_linearity() {
    let text = answer(MIB);
    let ends = delta_ends(&text, DELTAS);
    read_deltas(&text, &ends); // warm-up: allocator and caches
    let whole = fastest(30, || {
        black_box(read_whole(&text));
    });
    let deltas = fastest(30, || {
        black_box(read_deltas(&text, &ends));
    });
    let ratio = deltas.as_secs_f64() / whole.as_secs_f64().max(f64::MIN_POSITIVE);
    let verdict = if ratio <= 2.0 { "within 2x" } else { "OVER 2x" };
    println!(
        "partial reader: 1 MiB whole {whole:?}, in {} deltas {deltas:?}, ratio {ratio:.2} \
         (target at most 2): {verdict}",
        ends.len()
    );
}

criterion_group!(benches, reading);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test` runs bench targets without `--bench`: only a real run measures linearity.
    if promptfn_benches::benchmark_mode() {
        report_linearity();
    }
}
