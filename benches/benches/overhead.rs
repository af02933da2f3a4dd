//! The overhead table of BENCHMARKS.md: promptfn and async-openai against the raw-reqwest floor,
//! at concurrency 1, 64 and 256, as calls per second and client CPU time per call.
//!
//! Rounds interleave the contenders (the order rotates every round). Each contender's figure is
//! its best round (most calls per second, least CPU per call: the round least disturbed by other
//! work on a shared machine), and the ratio to the floor is also given as the median over rounds
//! of the ratio measured back to back in the same round. Set `PROMPTFN_BENCH_ROUNDS` (default
//! 20) and `PROMPTFN_BENCH_BATCH_MS` (default 200, the wall time aimed at per batch) to change
//! the effort.
//!
//! Under `cargo test` (no `--bench`) it makes a few calls with each contender and prints the
//! table from one short round: a check that every contender works, not a measurement.
#![allow(clippy::panic, clippy::print_stdout)]

use std::time::Duration;

use promptfn_benches::benchmark_mode;
use promptfn_benches::contenders::{
    AsyncOpenAi, Contender, Floor, HyperFloor, JsonFloor, Promptfn,
};
use promptfn_benches::cpu::server_cpu_is_separated;
use promptfn_benches::drive::{self, Batch};
use promptfn_benches::server::Loopback;
use tokio::runtime::Runtime;

const CONCURRENCIES: [usize; 3] = [1, 64, 256];
const CONTENDERS: usize = 5;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

struct Setup {
    runtime: Runtime,
    server: &'static Loopback,
    floor: Floor,
    promptfn: Promptfn,
    async_openai: AsyncOpenAi,
    json_floor: JsonFloor,
    hyper_floor: HyperFloor,
}

impl Setup {
    fn run(&self, contender: usize, calls: u64, concurrency: usize) -> Batch {
        let (rt, server) = (&self.runtime, self.server);
        match contender {
            0 => drive::run(rt, server, &self.floor, calls, concurrency),
            1 => drive::run(rt, server, &self.promptfn, calls, concurrency),
            2 => drive::run(rt, server, &self.async_openai, calls, concurrency),
            3 => drive::run(rt, server, &self.json_floor, calls, concurrency),
            _ => drive::run(rt, server, &self.hyper_floor, calls, concurrency),
        }
    }
}

const NAMES: [&str; CONTENDERS] = [
    Floor::NAME,
    Promptfn::NAME,
    AsyncOpenAi::NAME,
    JsonFloor::NAME,
    HyperFloor::NAME,
];

/// One contender's batches at one concurrency, reduced. Best and least are the figures least
/// disturbed by the other work on a shared machine.
struct Summary {
    best_rate: f64,
    least_cpu_us: f64,
    median_server_cpu_us: f64,
}

impl Summary {
    fn of(batches: &[Batch]) -> Self {
        let best_rate = batches
            .iter()
            .map(Batch::calls_per_second)
            .fold(0.0, f64::max);
        let least_cpu_us = batches
            .iter()
            .map(|b| b.cpu_per_call().as_secs_f64() * 1e6)
            .fold(f64::INFINITY, f64::min);
        let mut server: Vec<f64> = batches
            .iter()
            .map(|b| b.server_cpu.as_secs_f64() * 1e6 / b.calls.max(1) as f64)
            .collect();
        Self {
            best_rate,
            least_cpu_us,
            median_server_cpu_us: median(&mut server),
        }
    }
}

fn rate_ratio(a: &Batch, b: &Batch) -> f64 {
    a.calls_per_second() / b.calls_per_second()
}

fn cpu_ratio(a: &Batch, b: &Batch) -> f64 {
    a.client_cpu.as_secs_f64() / b.client_cpu.as_secs_f64()
}

/// The median over rounds of `ratio(a, b)`, each round's pair measured back to back.
fn paired_median(a: &[Batch], b: &[Batch], ratio: fn(&Batch, &Batch) -> f64) -> f64 {
    let mut ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| ratio(x, y)).collect();
    median(&mut ratios)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn verdict(met: bool, target: &str) -> String {
    format!("target {target} {}", if met { "met" } else { "MISSED" })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores available")
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let measuring = benchmark_mode();
    let rounds = if measuring {
        env_number("PROMPTFN_BENCH_ROUNDS", 20).max(1)
    } else {
        1
    };
    let batch_target = Duration::from_millis(env_number("PROMPTFN_BENCH_BATCH_MS", 200));

    let server = Loopback::shared();
    let setup = Setup {
        runtime: drive::client_runtime(),
        server,
        floor: Floor::new(server),
        promptfn: Promptfn::new(server),
        async_openai: AsyncOpenAi::new(server),
        json_floor: JsonFloor::new(server),
        hyper_floor: HyperFloor::new(server),
    };
    assert_eq!(
        setup.json_floor.body(promptfn_benches::contenders::TEXT),
        setup.floor.body(),
        "the JSON floor must send the floor's bytes"
    );
    println!(
        "overhead: {}; load average before: {}",
        machine(),
        load_average()
    );
    println!(
        "request body {} bytes; server CPU {}",
        setup.floor.body().len(),
        if server_cpu_is_separated(server) {
            "read apart (per-thread schedstat) and subtracted"
        } else {
            "NOT separable here: client CPU includes the server's"
        }
    );

    // Profiling aid: `PROMPTFN_BENCH_ONLY=<0|1|2|3|4> perf record …` runs one contender alone,
    // `PROMPTFN_BENCH_CALLS` times at concurrency `PROMPTFN_BENCH_CONCURRENCY`.
    if let Some(only) = std::env::var("PROMPTFN_BENCH_ONLY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let calls = env_number("PROMPTFN_BENCH_CALLS", 100_000);
        let concurrency = env_number("PROMPTFN_BENCH_CONCURRENCY", 64);
        let batch = setup.run(only.min(CONTENDERS - 1), calls, concurrency as usize);
        println!("{}: {batch:?}", NAMES[only.min(CONTENDERS - 1)]);
        return;
    }

    // Warm up: open the pools to full size and let every lazy cache fill.
    let warm_calls = if measuring { 2_000 } else { 300 };
    for contender in 0..CONTENDERS {
        setup.run(contender, warm_calls, 256);
    }

    // Batch sizes from the floor's rate, so that every batch lasts about `batch_target`.
    let sizes: Vec<u64> = CONCURRENCIES
        .iter()
        .map(|&concurrency| {
            if !measuring {
                return 100;
            }
            let probe = setup.run(0, 1_000, concurrency);
            ((probe.calls_per_second() * batch_target.as_secs_f64()) as u64).max(1_000)
        })
        .collect();

    // results[concurrency][contender] = batches, one per round.
    let mut results = vec![vec![Vec::<Batch>::new(); CONTENDERS]; CONCURRENCIES.len()];
    for round in 0..rounds {
        for (c, &concurrency) in CONCURRENCIES.iter().enumerate() {
            for k in 0..CONTENDERS {
                let contender = (k + round as usize) % CONTENDERS;
                let batch = setup.run(contender, sizes[c], concurrency);
                results[c][contender].push(batch);
            }
        }
    }

    println!();
    println!(
        "| concurrency | client | calls/s (best round) | × floor | × floor (median of rounds) \
         | client CPU per call (least) | × floor | × floor (median of rounds) | server CPU per call |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (c, &concurrency) in CONCURRENCIES.iter().enumerate() {
        let floor = Summary::of(&results[c][0]);
        for contender in 0..CONTENDERS {
            let batches = &results[c][contender];
            let summary = Summary::of(batches);
            println!(
                "| {concurrency} | {} | {:.0} | {:.3} | {:.3} | {:.2} µs | {:.3} | {:.3} | {:.2} µs |",
                NAMES[contender],
                summary.best_rate,
                summary.best_rate / floor.best_rate,
                paired_median(batches, &results[c][0], rate_ratio),
                summary.least_cpu_us,
                summary.least_cpu_us / floor.least_cpu_us,
                paired_median(batches, &results[c][0], cpu_ratio),
                summary.median_server_cpu_us,
            );
        }
    }

    println!();
    for (c, &concurrency) in CONCURRENCIES.iter().enumerate() {
        let [floor, promptfn, async_openai, json_floor] =
            [0, 1, 2, 3].map(|k| Summary::of(&results[c][k]));
        let versus = promptfn.least_cpu_us / async_openai.least_cpu_us;
        let versus_median = paired_median(&results[c][1], &results[c][2], cpu_ratio);
        let json = promptfn.least_cpu_us / json_floor.least_cpu_us;
        let json_median = paired_median(&results[c][1], &results[c][3], cpu_ratio);
        let mut checks = vec![
            format!("CPU promptfn/async-openai {versus:.3} (median of rounds {versus_median:.3})"),
            format!(
                "CPU promptfn/(floor + minimal serde_json) {json:.3} (median of rounds {json_median:.3})"
            ),
        ];
        if concurrency <= 64 {
            let ratio = promptfn.least_cpu_us / floor.least_cpu_us;
            checks.push(format!(
                "CPU ×floor {ratio:.3}: {}",
                verdict(ratio <= 1.10, "≤ 1.10")
            ));
            checks.push(format!(
                "CPU ≤ async-openai: {}",
                verdict(versus <= 1.0, "≤ 1")
            ));
        } else {
            let ratio = promptfn.best_rate / floor.best_rate;
            checks.push(format!(
                "calls/s ×floor {ratio:.3}: {}",
                verdict(ratio >= 0.95, "≥ 0.95")
            ));
        }
        println!("concurrency {concurrency}: {}", checks.join("; "));
    }
    println!(
        "\n{rounds} rounds, batches of {sizes:?} calls at concurrency {CONCURRENCIES:?}; load average after: {}",
        load_average()
    );
    if !measuring {
        println!("(smoke run: one short round, not a measurement; run `cargo bench` for figures)");
    }
}
