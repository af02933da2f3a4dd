//! The live-request guard: while it is on, any request that would leave the process fails.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::transport::RequestGate;

/// The environment variable that forbids live requests in the whole process (any value but
/// empty, `0` or `false`), for CI runs that must never reach a model.
pub const FORBID_LIVE_REQUESTS_ENV: &str = "PROMPTFN_FORBID_LIVE_REQUESTS";

/// How many [`LiveRequestGuard`]s are alive.
static GUARDS: AtomicUsize = AtomicUsize::new(0);

tokio::task_local! {
    /// Set while a cassette records: the one kind of live request a guard lets through, because
    /// recording was asked for explicitly.
    static RECORDING: ();
}

/// Forbid live requests in this process until the returned guard is dropped.
///
/// While any guard is alive, a call whose client would reach the network fails at once with
/// [`Error::Config`] naming the function and the endpoint, instead of sending anything. Clients
/// of a [`MockClient`](super::MockClient) or a replaying [`Cassette`](super::Cassette) never
/// reach the network and are not affected; a cassette that was explicitly put in record mode
/// may still record.
///
/// The guard is process-wide (every thread and task), so hold it in tests that run in a test
/// binary of their own (each file in `tests/` is one), or set
/// [`PROMPTFN_FORBID_LIVE_REQUESTS`](FORBID_LIVE_REQUESTS_ENV)`=1` for the whole run.
///
/// ```
/// use promptfn::testing::{forbid_live_requests, live_requests_forbidden};
///
/// let guard = forbid_live_requests();
/// assert!(live_requests_forbidden());
/// drop(guard);
/// ```
pub fn forbid_live_requests() -> LiveRequestGuard {
    GUARDS.fetch_add(1, Ordering::SeqCst);
    LiveRequestGuard { _private: () }
}

/// Whether live requests are forbidden right now, by a [`LiveRequestGuard`] or by
/// [`PROMPTFN_FORBID_LIVE_REQUESTS`](FORBID_LIVE_REQUESTS_ENV).
pub fn live_requests_forbidden() -> bool {
    GUARDS.load(Ordering::SeqCst) > 0 || forbidden_by_env()
}

fn forbidden_by_env() -> bool {
    std::env::var(FORBID_LIVE_REQUESTS_ENV)
        .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
}

/// Keeps live requests forbidden while it lives; returned by [`forbid_live_requests`].
#[derive(Debug)]
#[must_use = "live requests are allowed again as soon as the guard is dropped"]
pub struct LiveRequestGuard {
    _private: (),
}

impl Drop for LiveRequestGuard {
    fn drop(&mut self) {
        GUARDS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The guard as the transport asks it, before a request goes to the network (every client
/// built with the testing kit carries it).
#[derive(Debug)]
pub(crate) struct LiveRequestGate;

impl RequestGate for LiveRequestGate {
    fn admit(
        &self,
        function: &str,
        function_path: &str,
        destination: &dyn fmt::Display,
    ) -> Result<()> {
        if !live_requests_forbidden() || RECORDING.try_with(|_| ()).is_ok() {
            return Ok(());
        }
        let why = if GUARDS.load(Ordering::SeqCst) > 0 {
            "promptfn::testing::forbid_live_requests() is active".to_owned()
        } else {
            format!("{FORBID_LIVE_REQUESTS_ENV} is set")
        };
        // The path tells apart functions of the same name (two types' `run` methods).
        let function = match function_path {
            path if path == function => format!("`{function}`"),
            path => format!("`{function}` ({path})"),
        };
        Err(Error::LiveRequestBlocked(format!(
            "live request blocked: {function} would have sent a request to {destination}, but \
             live requests are forbidden ({why}). Give the call a client that does not reach \
             the network: promptfn::testing::MockClient with a scripted answer, or a \
             promptfn::testing::Cassette that replays a recorded one"
        )))
    }
}

/// Run `f` as a recording: live requests it makes pass the guard.
pub(crate) async fn recording<F: Future>(f: F) -> F::Output {
    RECORDING.scope((), f).await
}
