//! Per-client admission: at most N requests in flight, and at most M started per minute.
//!
//! Both limits are shared by every call on a client (and its clones). Each HTTP attempt is
//! admitted separately, retries included, because each counts against a provider's limits; the
//! in-flight permit is released while a retry waits, so that a backing-off call does not hold up
//! the others.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The admission limits of one client.
#[derive(Debug, Clone, Default)]
pub(crate) struct Admission {
    in_flight: Option<Arc<Semaphore>>,
    pace: Option<Arc<Pace>>,
}

/// Holds one in-flight slot until dropped (a no-op when the client has no concurrency limit).
#[derive(Debug)]
pub(crate) struct Permit(Option<OwnedSemaphorePermit>);

impl Permit {
    /// Whether this permit holds a slot that must live as long as the response body.
    pub(crate) fn is_held(&self) -> bool {
        self.0.is_some()
    }
}

impl Admission {
    /// Admission with at most `max_concurrency` requests in flight and at most
    /// `requests_per_minute` started per minute (`None`: no such limit).
    pub(crate) fn new(max_concurrency: Option<usize>, requests_per_minute: Option<u32>) -> Self {
        Self {
            in_flight: max_concurrency.map(|n| Arc::new(Semaphore::new(n.max(1)))),
            pace: requests_per_minute.map(|n| Arc::new(Pace::per_minute(n))),
        }
    }

    /// A permit at once when this client has no limit to wait for; `None`: wait with
    /// [`admit`](Self::admit). Saves an unlimited client (most) the boxed wait.
    pub(crate) fn admit_at_once(&self) -> Option<Permit> {
        (self.pace.is_none() && self.in_flight.is_none()).then_some(Permit(None))
    }

    /// Wait until one more request may start.
    pub(crate) async fn admit(&self) -> Permit {
        // The pace first: a request waiting for its start time holds no in-flight slot.
        if let Some(pace) = &self.pace {
            pace.wait_turn().await;
        }
        match &self.in_flight {
            // The semaphore is never closed, so acquiring fails only in theory; then no limit.
            Some(slots) => Permit(Arc::clone(slots).acquire_owned().await.ok()),
            None => Permit(None),
        }
    }
}

/// Spaces request starts evenly: one every `interval`, so that no window of a minute sees more
/// than the limit (providers enforce per-minute limits over shorter windows, so bursts are
/// refused rather than allowed).
#[derive(Debug)]
struct Pace {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pace {
    fn per_minute(requests: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / requests.max(1),
            next: Mutex::new(None),
        }
    }

    /// Reserve the next start time and sleep until it. A reservation abandoned by a cancelled
    /// call stays spent: the limiter errs on the side of sending less.
    async fn wait_turn(&self) {
        let start = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let start = next.map_or(now, |at| at.max(now));
            *next = Some(start + self.interval);
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_per_minute_are_spaced_evenly() {
        let limits = Admission::new(None, Some(120));
        let begin = Instant::now();
        for _ in 0..5 {
            let _permit = limits.admit().await;
        }
        // Five starts at 0, 0.5, 1, 1.5 and 2 seconds (virtual time).
        assert_eq!(begin.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_capped_and_slots_come_back_on_drop() {
        let limits = Admission::new(Some(2), None);
        let a = limits.admit().await;
        let b = limits.admit().await;
        assert!(a.is_held() && b.is_held());
        let third = tokio::time::timeout(Duration::from_secs(1), limits.admit()).await;
        assert!(third.is_err(), "a third request must wait for a slot");
        drop(a);
        let third = tokio::time::timeout(Duration::from_secs(1), limits.admit()).await;
        assert!(third.is_ok());
        assert!(!Admission::default().admit().await.is_held());
        assert!(
            limits.admit_at_once().is_none(),
            "a limited client waits in `admit`"
        );
        let unlimited = Admission::default().admit_at_once();
        assert!(unlimited.is_some_and(|permit| !permit.is_held()));
    }
}
