//! The tolerant decoder on hostile answers: each family repeats one piece that once made the
//! search quadratic (strings, keys and quotes that never close, brackets, backslashes, commas,
//! repeated prefixes), at three sizes eight times apart.
//!
//! After the criterion runs, prints for each family the median CPU time at each size and the
//! ratio of each 8× step: the search is linear, so it should be close to 8 (accepted up to 12,
//! the "about 10" with room for noise on small inputs; the quadratic decoder took 64×).
//! Skipped unless run as a benchmark (`cargo bench`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use serde::Deserialize;

const KIB: usize = 1024;
/// Input sizes: each eight times the one before.
const SIZES: [usize; 3] = [16 * KIB, 128 * KIB, 1024 * KIB];

/// (name, the repeated piece) of each hostile family.
const FAMILIES: [(&str, &str); 9] = [
    ("unclosed_key", "{\"a], "),
    ("unclosed_string", "[\"x], "),
    ("single_quotes", "['x], "),
    ("key_without_colon", "{\"a\" 1} "),
    ("brackets", "["),
    ("quotes", "\""),
    ("backslashes", "\\"),
    ("commas", ","),
    ("repeated_prefix", "{\"a\": [\"x"),
];

#[derive(Deserialize, schemars::JsonSchema)]
#[allow(dead_code)] // Read only by the decoder.
struct Person {
    name: String,
    age: u32,
}

/// `piece` repeated to `size` bytes.
fn answer(piece: &str, size: usize) -> String {
    piece.repeat(size / piece.len())
}

/// Decodes `text` as the two return types the reproductions used.
fn decode(text: &str) -> (bool, bool) {
    let list = promptfn::decode::<Vec<String>>(black_box(text)).is_ok();
    let person = promptfn::decode::<Person>(black_box(text)).is_ok();
    (list, person)
}

fn families(c: &mut Criterion) {
    for (name, piece) in FAMILIES {
        let mut group = c.benchmark_group(format!("decode/{name}"));
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(200));
        group.measurement_time(Duration::from_secs(1));
        for size in SIZES {
            let text = answer(piece, size);
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function(
                BenchmarkId::from_parameter(format!("{}KiB", size / KIB)),
                |b| b.iter(|| decode(&text)),
            );
        }
        group.finish();
    }
}

/// Median CPU time of this thread over several runs. CPU time, not wall time: on a machine
/// shared with other work a long run is preempted more often than a short one, which would
/// read as superlinear growth.
fn median(text: &str, runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = cpu_time::ThreadTime::now();
            black_box(decode(text));
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    times[times.len() / 2]
}

fn report_linearity() {
    for (name, piece) in FAMILIES {
        // About the same time at each size: many runs of the small input, few of the large.
        let times: Vec<Duration> = SIZES
            .iter()
            .map(|&size| median(&answer(piece, size), 8 * SIZES[2] / size))
            .collect();
        let ratios: Vec<f64> = times
            .windows(2)
            .map(|pair| pair[1].as_secs_f64() / pair[0].as_secs_f64().max(f64::MIN_POSITIVE))
            .collect();
        let worst = ratios.iter().copied().fold(0.0, f64::max);
        let verdict = if worst <= 12.0 {
            "linear"
        } else {
            "NOT LINEAR"
        };
        let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.1}x")).collect();
        println!(
            "decode/{name}: median CPU {times:?}; each 8x of input costs {} the time: {verdict}",
            shown.join(", ")
        );
    }
}

criterion_group!(benches, families);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test` runs bench targets without `--bench`: only a real run measures linearity.
    if promptfn_benches::benchmark_mode() {
        report_linearity();
    }
}
