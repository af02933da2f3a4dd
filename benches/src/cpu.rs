//! Client-side CPU time: the whole process's CPU time minus the loopback server thread's.
//!
//! The process clock (`CLOCK_PROCESS_CPUTIME_ID`, through `cpu-time`) counts every thread, exited
//! ones included, with nanosecond resolution. The server thread's share comes from
//! `/proc/self/task/<tid>/schedstat` (nanoseconds on CPU), read while the server is idle between
//! batches, when the kernel's figure is current. What is left is the client: the runtime's
//! workers, the HTTP stack, and the contender's own work (plus the bench driver's few atomic
//! operations per call, the same for every contender).

use std::time::Duration;

use crate::server::Loopback;

/// CPU time used so far by the whole process.
pub fn process_cpu() -> Duration {
    cpu_time::ProcessTime::try_now()
        .map(|t| t.as_duration())
        .unwrap_or_default()
}

/// CPU time used so far by one thread of this process (Linux), `None` where it cannot be read.
pub fn thread_cpu(thread_id: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{thread_id}/schedstat")).ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// A reading of the process and server clocks, to subtract from a later one.
#[derive(Debug, Clone, Copy)]
pub struct CpuStamp {
    process: Duration,
    server: Option<Duration>,
}

impl CpuStamp {
    /// Read both clocks now.
    pub fn now(server: &Loopback) -> Self {
        Self {
            server: server.thread_id().and_then(thread_cpu),
            process: process_cpu(),
        }
    }

    /// Client CPU time between `self` and `later`. Without a server figure (not Linux) the
    /// server's share stays in, which [`server_cpu_is_separated`] reports.
    pub fn client_cpu_until(&self, later: &CpuStamp) -> Duration {
        let process = later.process.saturating_sub(self.process);
        let server = match (self.server, later.server) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => Duration::ZERO,
        };
        process.saturating_sub(server)
    }

    /// Server CPU time between `self` and `later` (zero when unknown).
    pub fn server_cpu_until(&self, later: &CpuStamp) -> Duration {
        match (self.server, later.server) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => Duration::ZERO,
        }
    }
}

/// Whether the server thread's CPU time can be read apart (Linux with /proc).
pub fn server_cpu_is_separated(server: &Loopback) -> bool {
    server.thread_id().and_then(thread_cpu).is_some()
}
