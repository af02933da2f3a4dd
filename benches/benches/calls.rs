//! One typed call end to end against the loopback server, for the three contenders at
//! concurrency 1, 64 and 256: criterion's statistics on calls per second (group `calls/…`) and on
//! client CPU time per call (group `cpu/…`). The interleaved ratio table of BENCHMARKS.md comes
//! from the `overhead` bench; these give criterion's confidence intervals for the same runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::measurement::Measurement;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use promptfn_benches::contenders::{AsyncOpenAi, Contender, Floor, Promptfn};
use promptfn_benches::drive::{self, Batch};
use promptfn_benches::measurement::ClientCpu;
use promptfn_benches::server::Loopback;
use tokio::runtime::Runtime;

const CONCURRENCIES: [usize; 3] = [1, 64, 256];

struct Setup {
    runtime: Runtime,
    server: &'static Loopback,
    floor: Floor,
    promptfn: Promptfn,
    async_openai: AsyncOpenAi,
}

/// Bench every contender in `group`, reading each batch's figure with `figure`.
fn contenders<M: Measurement<Value = Duration>>(
    group: &mut BenchmarkGroup<'_, M>,
    setup: &Setup,
    concurrency: usize,
    figure: fn(&Batch) -> Duration,
) {
    fn one<C: Contender, M: Measurement<Value = Duration>>(
        group: &mut BenchmarkGroup<'_, M>,
        setup: &Setup,
        contender: &C,
        concurrency: usize,
        figure: fn(&Batch) -> Duration,
    ) {
        group.bench_function(C::NAME, |b| {
            b.iter_custom(|calls| {
                figure(&drive::run(
                    &setup.runtime,
                    setup.server,
                    contender,
                    calls,
                    concurrency,
                ))
            })
        });
    }
    one(group, setup, &setup.floor, concurrency, figure);
    one(group, setup, &setup.promptfn, concurrency, figure);
    one(group, setup, &setup.async_openai, concurrency, figure);
}

fn configure<M: Measurement>(group: &mut BenchmarkGroup<'_, M>) {
    // Flat sampling: every sample is a batch of the same size, so that the concurrency asked
    // for is the concurrency reached (linear sampling starts with batches of a few calls).
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
}

fn main() {
    let server = Loopback::shared();
    let setup = Setup {
        runtime: drive::client_runtime(),
        server,
        floor: Floor::new(server),
        promptfn: Promptfn::new(server),
        async_openai: AsyncOpenAi::new(server),
    };

    let mut wall = Criterion::default().configure_from_args();
    for concurrency in CONCURRENCIES {
        let mut group = wall.benchmark_group(format!("calls/concurrency {concurrency}"));
        configure(&mut group);
        contenders(&mut group, &setup, concurrency, |b| b.wall);
        group.finish();
    }
    wall.final_summary();

    let mut cpu = Criterion::default()
        .with_measurement(ClientCpu::new(server))
        .configure_from_args();
    for concurrency in CONCURRENCIES {
        let mut group = cpu.benchmark_group(format!("cpu/concurrency {concurrency}"));
        configure(&mut group);
        contenders(&mut group, &setup, concurrency, |b| b.client_cpu);
        group.finish();
    }
    cpu.final_summary();
}
