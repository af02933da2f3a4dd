//! Peak memory when a call sends a large PDF inline (Linux: reads VmHWM from /proc/self/status).
//!
//! `cargo bench -p promptfn-tests --bench media_memory` writes a 50 MB PDF, then runs each
//! scenario in a fresh child process (so one scenario's peak cannot hide another's) against a
//! local server that reads and discards the request body, and prints the peak resident memory
//! next to the size of the base64-encoded PDF. Pass a size in MB to change it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use promptfn::{Client, MediaStyle, Pdf, Result, prompt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[prompt("Summarise {doc}")]
async fn summarise(doc: Pdf) -> Result<String>;

const SCENARIOS: [&str; 3] = ["path-aggregator", "path-openai", "bytes-aggregator"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; a scenario run passes `scenario <name> <file>`.
    if let [flag, name, file, ..] = args.as_slice()
        && flag == "scenario"
    {
        scenario(name, Path::new(file));
        return;
    }
    let mb: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(50);
    let file = write_pdf(mb);
    let raw = std::fs::metadata(&file).unwrap().len();
    let encoded = raw.div_ceil(3) * 4;
    println!(
        "PDF {:.1} MiB, base64 {:.1} MiB",
        raw as f64 / MIB,
        encoded as f64 / MIB
    );
    println!(
        "{:<18} {:>12} {:>12} {:>12} {:>14} {:>16}",
        "scenario", "baseline MiB", "peak MiB", "added MiB", "peak/encoded", "added/encoded"
    );
    for name in SCENARIOS {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["scenario", name, file.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let Some((baseline, peak)) = text
            .trim()
            .split_once(' ')
            .and_then(|(b, p)| Some((b.parse::<u64>().ok()?, p.parse::<u64>().ok()?)))
        else {
            println!(
                "{name:<18} failed: {}{}",
                text.trim(),
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        println!(
            "{name:<18} {:>12.1} {:>12.1} {:>12.1} {:>14.2} {:>16.2}",
            baseline as f64 / MIB,
            peak as f64 / MIB,
            (peak - baseline) as f64 / MIB,
            peak as f64 / encoded as f64,
            (peak - baseline) as f64 / encoded as f64
        );
    }
    let _ = std::fs::remove_file(&file);
}

const MIB: f64 = 1024.0 * 1024.0;

/// A PDF-looking file of `mb` MB, written in 1 MB pieces (never held whole).
fn write_pdf(mb: u64) -> PathBuf {
    let path = std::env::temp_dir().join(format!("promptfn-memory-{}.pdf", std::process::id()));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    file.write_all(b"%PDF-1.7\n").unwrap();
    let mut state = 0x2545_4446_u32;
    let mut chunk = vec![0u8; 1 << 20];
    for _ in 0..mb {
        for b in chunk.iter_mut() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *b = state as u8;
        }
        file.write_all(&chunk).unwrap();
    }
    file.flush().unwrap();
    path
}

/// Peak resident set size of this process so far, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn scenario(name: &str, file: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(discard(socket));
            }
        });
        let client = Client::builder()
            .base_url(format!("http://{addr}/v1"))
            .build()
            .unwrap();
        let (doc, model, style) = match name {
            "path-aggregator" => (Pdf::path(file), "gemini-2.0-flash", MediaStyle::Aggregator),
            "path-openai" => (Pdf::path(file), "gpt-4o", MediaStyle::OpenAi),
            _ => (
                Pdf::bytes(std::fs::read(file).unwrap()),
                "gemini-2.0-flash",
                MediaStyle::Aggregator,
            ),
        };
        let baseline = peak_rss();
        let answer = summarise(doc)
            .client(&client)
            .model(model)
            .media_policy(promptfn::MediaPolicy::new().style(style))
            .await
            .unwrap();
        assert_eq!(answer, "ok");
        println!("{baseline} {}", peak_rss());
    });
}

/// Read one request, discard its body, answer with a fixed completion.
async fn discard(mut socket: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let body_start = loop {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(at) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let text = String::from_utf8_lossy(&head[..body_start]).to_ascii_lowercase();
    let length: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut remaining = length.saturating_sub(head.len() - body_start);
    while remaining > 0 {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        remaining = remaining.saturating_sub(n);
    }
    let body = r#"{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}"#;
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(reply.as_bytes()).await;
    let _ = socket.shutdown().await;
}
