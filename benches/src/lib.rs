//! promptfn's benchmarks: the cost of a typed call against the raw HTTP floor and async-openai,
//! on an in-process loopback server, and the cost of each stage of a call.
//!
//! Run them all with `cargo bench -p promptfn-benches`; BENCHMARKS.md at the repository root
//! gives the method and the figures.
#![allow(clippy::panic)]

pub mod contenders;
pub mod cpu;
pub mod drive;
pub mod measurement;
pub mod server;

/// Whether the binary runs as a benchmark (`cargo bench`), not as a smoke test (`cargo test`
/// runs bench targets without `--bench`) nor to list benchmarks.
pub fn benchmark_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test" || a == "--list")
}
