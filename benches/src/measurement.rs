//! A criterion measurement of client-side CPU time, so that criterion's statistics apply to CPU
//! time per call as they do to wall time.

use std::time::Duration;

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};

use crate::cpu::CpuStamp;
use crate::server::Loopback;

/// Client CPU time (process minus the loopback server thread), in nanoseconds.
#[derive(Debug, Clone, Copy)]
pub struct ClientCpu {
    server: &'static Loopback,
}

impl ClientCpu {
    /// Measure the client of `server`.
    pub fn new(server: &'static Loopback) -> Self {
        Self { server }
    }
}

impl Measurement for ClientCpu {
    type Intermediate = CpuStamp;
    type Value = Duration;

    fn start(&self) -> CpuStamp {
        CpuStamp::now(self.server)
    }

    fn end(&self, start: CpuStamp) -> Duration {
        start.client_cpu_until(&CpuStamp::now(self.server))
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Formats nanoseconds of CPU time; throughput is calls per CPU-second.
struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical_ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical_ns < 1e3 {
            (1.0, "ns cpu")
        } else if typical_ns < 1e6 {
            (1e-3, "µs cpu")
        } else if typical_ns < 1e9 {
            (1e-6, "ms cpu")
        } else {
            (1e-9, "s cpu")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        _typical_ns: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per_value = match throughput {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => *n,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Bits(n) => *n,
        } as f64;
        values
            .iter_mut()
            .for_each(|v| *v = per_value * 1e9 / v.max(f64::MIN_POSITIVE));
        "/cpu-s"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
