//! A bulk run over a million inputs: resident memory as it goes, and the runner's own CPU time
//! per item (Linux: /proc/self/status and /proc/thread-self/schedstat).
//!
//! `cargo bench -p promptfn-tests --bench bulk_memory [N]` (default N = 1 000 000) runs each
//! scenario in a fresh child process against a keep-alive server on its own thread that
//! answers every request at once:
//! - `plain`: the same calls driven by `buffer_unordered(32)`, no runner (the floor);
//! - `bulk`: `Bulk` with concurrency 32;
//! - `bulk+journal`: the same with a journal (one line written per item).
//!
//! The calls run on one thread, so that thread's CPU time is the client's and the runner's;
//! the runner's own cost per item is a scenario's time per item minus the floor's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use futures_util::StreamExt;
use promptfn::{Bulk, Client, Result, prompt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[prompt("Double {n}")]
async fn double(n: u64) -> Result<u64>;

const SCENARIOS: [&str; 3] = ["plain", "bulk", "bulk+journal"];
const CONCURRENCY: usize = 32;
const MIB: f64 = 1024.0 * 1024.0;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, name, n, ..] = args.as_slice()
        && flag == "scenario"
    {
        scenario(name, n.parse().unwrap());
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --all-targets` (CI) runs this as a smoke
    // test of a thousand inputs, not the million-input measurement.
    let measuring = args.iter().any(|a| a == "--bench");
    let n: u64 = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(if measuring { 1_000_000 } else { 1_000 });
    println!("{n} inputs, concurrency {CONCURRENCY}");
    println!(
        "{:<13} {:>9} {:>12} {:>12} {:>12} {:>12} {:>10}",
        "scenario", "items/s", "start MiB", "at 10% MiB", "peak MiB", "end MiB", "CPU µs/item"
    );
    for name in SCENARIOS {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["scenario", name, &n.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<f64> = text
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        let [rate, start, tenth, peak, end, cpu] = fields[..] else {
            println!(
                "{name:<13} failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        println!(
            "{name:<13} {rate:>9.0} {:>12.1} {:>12.1} {:>12.1} {:>12.1} {cpu:>10.2}",
            start / MIB,
            tenth / MIB,
            peak / MIB,
            end / MIB
        );
    }
}

/// Run one scenario and print: items per second, resident bytes at the start, after a tenth
/// of the items, at the peak and at the end, and CPU microseconds per item of this thread.
fn scenario(name: &str, n: u64) {
    let addr = serve_in_background();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let client = Client::builder()
            .base_url(format!("http://{addr}/v1"))
            .api_key("sk-bench")
            .model("bench")
            .build()
            .unwrap();
        let journal =
            std::env::temp_dir().join(format!("promptfn-bulk-bench-{}.jsonl", std::process::id()));
        let start_rss = rss();
        let mut tenth_rss = 0;
        let mut peak_rss = start_rss;
        let mut seen = 0u64;
        let mut sample = |seen: u64| {
            if seen.is_multiple_of(10_000) {
                let now = rss();
                peak_rss = peak_rss.max(now);
                if seen == n / 10 {
                    tenth_rss = now;
                }
            }
        };
        let cpu_before = thread_cpu_ns();
        let began = Instant::now();
        match name {
            "plain" => {
                let mut answers = futures_util::stream::iter(0..n)
                    .map(|i| double(i).client(&client).with_meta().into_future())
                    .buffer_unordered(CONCURRENCY);
                while let Some(answer) = answers.next().await {
                    answer.unwrap();
                    seen += 1;
                    sample(seen);
                }
            }
            _ => {
                let client = client.clone();
                let mut run = Bulk::new(0..n, move |i| double(i).client(&client))
                    .concurrency(CONCURRENCY)
                    .progress(false);
                if name == "bulk+journal" {
                    run = run.journal(&journal);
                }
                let mut results = run.stream().unwrap();
                while let Some((_, result)) = results.next().await {
                    result.unwrap();
                    seen += 1;
                    sample(seen);
                }
            }
        }
        let elapsed = began.elapsed().as_secs_f64();
        let cpu = (thread_cpu_ns() - cpu_before) as f64 / 1e3 / n as f64;
        assert_eq!(seen, n);
        let _ = std::fs::remove_file(&journal);
        println!(
            "{} {start_rss} {tenth_rss} {peak_rss} {} {cpu}",
            n as f64 / elapsed,
            rss()
        );
    });
}

/// Resident bytes of this process (VmRSS).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Nanoseconds this thread has run on a CPU.
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

/// A keep-alive server on its own thread: every request gets the same chat completion.
fn serve_in_background() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(answer_all(socket));
            }
        });
    });
    addr
}

async fn answer_all(mut socket: TcpStream) {
    let body = r#"{"id":"c","object":"chat.completion","model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"{\"value\":2}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}"#;
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut chunk = [0u8; 16 * 1024];
    loop {
        // One request: the head, then content-length bytes of body.
        let Some(head_end) = find(&buf, b"\r\n\r\n") else {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buf.extend_from_slice(&chunk[..read]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + 4 + length {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buf.extend_from_slice(&chunk[..read]),
            }
        }
        buf.drain(..head_end + 4 + length);
        if socket.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
