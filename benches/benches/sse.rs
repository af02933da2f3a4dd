//! Throughput of the SSE decoder: many small chat-completion chunks, and one huge
//! single-line event (a base64 image or audio part) arriving in 1 KiB network chunks.
//!
//! After the criterion runs, prints the 8 MiB / 1 MiB time ratio: the decoder is linear, so it
//! should be close to 8 (within 2x). Skipped unless run as a benchmark (`cargo bench`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use promptfn::__private::sse::{SseDecoder, SseItem};

const NETWORK_CHUNK: usize = 1024;
const SMALL_EVENTS: usize = 100_000;
const MIB: usize = 1024 * 1024;

/// A stream of `count` content deltas as an OpenAI-compatible server sends them, with a
/// keep-alive comment now and then and the closing `[DONE]`.
fn chat_stream(count: usize) -> Vec<u8> {
    let mut stream = Vec::new();
    for index in 0..count {
        if index % 1000 == 0 {
            stream.extend_from_slice(b": keep-alive\n\n");
        }
        stream.extend_from_slice(
            format!(
                "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\
                 \"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\
                 \"delta\":{{\"content\":\"token {index} \"}},\"logprobs\":null,\
                 \"finish_reason\":null}}]}}\n\n"
            )
            .as_bytes(),
        );
    }
    stream.extend_from_slice(b"data: [DONE]\n\n");
    stream
}

/// One event whose single data line holds `payload_bytes` of base64-like text.
fn single_line_event(payload_bytes: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut stream = Vec::with_capacity(payload_bytes + 32);
    stream.extend_from_slice(b"data: ");
    stream.extend(ALPHABET.iter().cycle().take(payload_bytes));
    stream.extend_from_slice(b"\n\ndata: [DONE]\n\n");
    stream
}

/// Feeds `stream` in network-sized chunks; returns (events, data bytes) so nothing is optimised
/// away.
fn decode(stream: &[u8]) -> (usize, usize) {
    let mut decoder = SseDecoder::new();
    let mut events = 0;
    let mut data_bytes = 0;
    for chunk in stream.chunks(NETWORK_CHUNK) {
        for item in decoder.feed(black_box(chunk)) {
            if let Ok(SseItem::Event(event)) = item {
                events += 1;
                data_bytes += event.data.len();
            }
        }
    }
    assert!(
        decoder.finish().is_ok(),
        "bench stream must end with [DONE]"
    );
    (events, data_bytes)
}

fn small_events(c: &mut Criterion) {
    let stream = chat_stream(SMALL_EVENTS);
    let mut group = c.benchmark_group("sse/small_events");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function(BenchmarkId::from_parameter(SMALL_EVENTS), |b| {
        b.iter(|| decode(&stream))
    });
    group.finish();
}

fn single_line(c: &mut Criterion) {
    let mut group = c.benchmark_group("sse/single_line_1KiB_chunks");
    for mebibytes in [1, 8] {
        let stream = single_line_event(mebibytes * MIB);
        group.throughput(Throughput::Bytes(stream.len() as u64));
        group.bench_function(
            BenchmarkId::from_parameter(format!("{mebibytes}MiB")),
            |b| b.iter(|| decode(&stream)),
        );
    }
    group.finish();
}

/// Fastest of several runs: the least disturbed by other work on the machine.
fn fastest_decode(stream: &[u8], runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(decode(stream));
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report_linearity() {
    let one = single_line_event(MIB);
    let eight = single_line_event(8 * MIB);
    decode(&eight); // warm-up: allocator and caches
    let one_time = fastest_decode(&one, 40);
    let eight_time = fastest_decode(&eight, 10);
    let ratio = eight_time.as_secs_f64() / one_time.as_secs_f64().max(f64::MIN_POSITIVE);
    let verdict = if (4.0..=16.0).contains(&ratio) {
        "linear"
    } else {
        "NOT LINEAR"
    };
    println!(
        "sse single-line linearity: 1 MiB {one_time:?}, 8 MiB {eight_time:?}, \
         ratio {ratio:.2} (8 is linear; accepted 4..=16): {verdict}"
    );
}

criterion_group!(benches, small_events, single_line);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test` runs bench targets without `--bench`: only a real run measures linearity.
    if promptfn_benches::benchmark_mode() {
        report_linearity();
    }
}
