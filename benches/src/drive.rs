//! Running a batch of calls at a given concurrency and measuring its wall and client CPU time.
//!
//! `concurrency` tasks are spawned on the client runtime; each takes calls from a shared count
//! until none are left, so that exactly `concurrency` calls are in flight until the batch drains.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::contenders::Contender;
use crate::cpu::CpuStamp;
use crate::server::Loopback;

/// What one batch cost.
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    /// How many calls were made.
    pub calls: u64,
    /// Wall-clock time of the whole batch.
    pub wall: Duration,
    /// Client-side CPU time of the whole batch (process minus server thread).
    pub client_cpu: Duration,
    /// The server thread's CPU time over the batch.
    pub server_cpu: Duration,
}

impl Batch {
    /// Calls per second of wall time.
    pub fn calls_per_second(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// Client CPU time per call.
    pub fn cpu_per_call(&self) -> Duration {
        self.client_cpu / u32::try_from(self.calls.max(1)).unwrap_or(u32::MAX)
    }
}

/// The client runtime: tokio's multi-threaded runtime with its default number of workers (one
/// per core), as `#[tokio::main]` builds it.
pub fn client_runtime() -> Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("the client runtime could not start: {e}"),
    }
}

/// Make `calls` calls with at most `concurrency` in flight; panics on the first failed call
/// (a benchmark whose calls fail measures nothing).
pub fn run<C: Contender>(
    runtime: &Runtime,
    server: &Loopback,
    contender: &C,
    calls: u64,
    concurrency: usize,
) -> Batch {
    let left = Arc::new(AtomicU64::new(calls));
    let workers = concurrency
        .max(1)
        .min(usize::try_from(calls).unwrap_or(usize::MAX));
    let before = CpuStamp::now(server);
    let started = Instant::now();
    let outcome: Result<(), String> = runtime.block_on(async {
        let tasks: Vec<_> = (0..workers)
            .map(|_| {
                let contender = contender.clone();
                let left = Arc::clone(&left);
                tokio::spawn(async move {
                    while take_one(&left) {
                        contender.call().await?;
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        for task in tasks {
            task.await.map_err(|e| e.to_string())??;
        }
        Ok(())
    });
    let wall = started.elapsed();
    let after = CpuStamp::now(server);
    if let Err(e) = outcome {
        panic!("a {} call failed: {e}", C::NAME);
    }
    Batch {
        calls,
        wall,
        client_cpu: before.client_cpu_until(&after),
        server_cpu: before.server_cpu_until(&after),
    }
}

fn take_one(left: &AtomicU64) -> bool {
    left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
}
