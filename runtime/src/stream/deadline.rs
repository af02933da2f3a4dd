//! The three deadlines of a streamed answer: the first byte, the gap between bytes, the total.
//!
//! A stream that has started may still stall forever (DeepSeek streams have been seen to stop
//! without `[DONE]`), and a total deadline long enough for a long answer is far too long to
//! notice that. So the wait for the first byte and each gap after it have their own limits.
//! Timers are created on the first poll, inside the runtime, never when the stream is built.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::error::Error;

/// The limits, as configured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamTimeouts {
    /// From the first poll to the end of the stream.
    pub(crate) total: Duration,
    /// From the first poll (the request is sent then) to the first byte of the streamed body.
    pub(crate) first_byte: Option<Duration>,
    /// The longest gap between two chunks of the body, keep-alive comments included.
    pub(crate) idle: Option<Duration>,
}

/// The running timers.
#[derive(Debug)]
struct Armed {
    total_at: Instant,
    total: Pin<Box<Sleep>>,
    /// The first-byte timer until a byte arrives, then the idle timer.
    gap: Option<Pin<Box<Sleep>>>,
    bytes_seen: bool,
}

/// Deadlines of one stream.
#[derive(Debug)]
pub(crate) struct Deadlines {
    limits: StreamTimeouts,
    armed: Option<Armed>,
}

impl Deadlines {
    pub(crate) fn new(limits: StreamTimeouts) -> Self {
        Self {
            limits,
            armed: None,
        }
    }

    /// Starts the clocks, once.
    fn arm(&mut self) -> &mut Armed {
        let limits = self.limits;
        self.armed.get_or_insert_with(|| {
            let now = Instant::now();
            let total_at = now + limits.total;
            Armed {
                total_at,
                total: Box::pin(tokio::time::sleep_until(total_at)),
                gap: limits
                    .first_byte
                    .map(|d| Box::pin(tokio::time::sleep_until(now + d))),
                bytes_seen: false,
            }
        })
    }

    /// The total deadline once the clocks run: work done after the bytes (reading the
    /// answer) ends by it too.
    pub(crate) fn total_at(&self) -> Option<std::time::Instant> {
        self.armed.as_ref().map(|armed| armed.total_at.into_std())
    }

    /// Bytes arrived: the idle clock starts over. Errors when the total deadline has passed,
    /// which a server sending steadily would otherwise never let the timer report.
    pub(crate) fn on_bytes(&mut self) -> Result<(), Error> {
        let idle = self.limits.idle;
        let total = self.limits.total;
        let armed = self.arm();
        let now = Instant::now();
        if now >= armed.total_at {
            return Err(Error::timeout("total", total));
        }
        armed.bytes_seen = true;
        match (idle, armed.gap.as_mut()) {
            (Some(idle), Some(gap)) => gap.as_mut().reset(now + idle),
            (Some(idle), None) => armed.gap = Some(Box::pin(tokio::time::sleep_until(now + idle))),
            (None, _) => armed.gap = None,
        }
        Ok(())
    }

    /// `Ready` with the timeout error once a deadline has passed; otherwise registers the waker.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<Error> {
        let limits = self.limits;
        let armed = self.arm();
        if armed.total.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Error::timeout("total", limits.total));
        }
        if let Some(gap) = armed.gap.as_mut()
            && gap.as_mut().poll(cx).is_ready()
        {
            let (phase, after) = if armed.bytes_seen {
                ("idle", limits.idle)
            } else {
                ("first byte", limits.first_byte)
            };
            return Poll::Ready(Error::timeout(phase, after.unwrap_or_default()));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;

    fn limits(total: u64, first_byte: Option<u64>, idle: Option<u64>) -> StreamTimeouts {
        StreamTimeouts {
            total: Duration::from_millis(total),
            first_byte: first_byte.map(Duration::from_millis),
            idle: idle.map(Duration::from_millis),
        }
    }

    async fn expiry(d: &mut Deadlines) -> Error {
        poll_fn(|cx| d.poll_expired(cx)).await
    }

    #[tokio::test]
    async fn the_gap_limit_is_first_byte_then_idle() {
        let mut d = Deadlines::new(limits(60_000, Some(20), Some(30_000)));
        let e = expiry(&mut d).await;
        assert!(
            matches!(e, Error::Timeout { phase: "first byte", after, .. } if after.as_millis() == 20)
        );

        let mut d = Deadlines::new(limits(60_000, Some(30_000), Some(20)));
        d.on_bytes().unwrap();
        let e = expiry(&mut d).await;
        assert!(
            matches!(e, Error::Timeout { phase: "idle", after, .. } if after.as_millis() == 20)
        );
    }

    #[tokio::test]
    async fn the_total_deadline_holds_without_gap_limits() {
        let mut d = Deadlines::new(limits(20, None, None));
        d.on_bytes().unwrap();
        let e = expiry(&mut d).await;
        assert!(matches!(e, Error::Timeout { phase: "total", .. }), "{e}");
        assert!(d.on_bytes().is_err());
    }
}
