//! The awaited call's outermost future: the call's work, run inside its `promptfn.call` span,
//! with the outcome recorded on the span when the work ends.
//!
//! Written by hand rather than as `async move { work.instrument(span).await }`: an async block
//! keeps the captured work and the work being awaited in separate slots, and `Instrumented`
//! keeps a second copy of the span; this future is the work, the trace and one pointer, so that
//! the boxed call fits glibc's per-thread cache of small blocks and is copied less.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::{Error, Result};
use crate::response::Response;
use crate::telemetry::CallTrace;

pin_project_lite::pin_project! {
    /// `work`, traced: see the module's doc.
    pub(super) struct Traced<F, T, R> {
        #[pin]
        work: F,
        // `None` once the outcome is recorded.
        trace: Option<CallTrace>,
        // Takes what the caller awaits out of the response.
        read: fn(Response<T>) -> R,
    }
}

impl<F, T, R> Traced<F, T, R> {
    pub(super) fn new(work: F, trace: CallTrace, read: fn(Response<T>) -> R) -> Self {
        Self {
            work,
            trace: Some(trace),
            read,
        }
    }
}

impl<F, T, R> Future for Traced<F, T, R>
where
    F: Future<Output = Result<Response<T>>>,
{
    type Output = Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<R>> {
        let this = self.project();
        let Some(trace) = this.trace.as_ref() else {
            // Polled again after it ended: the work must not be resumed.
            return Poll::Ready(Err(Error::Config(
                "a promptfn call was polled after it completed; await it once".into(),
            )));
        };
        let result = {
            let _entered = trace.enter();
            std::task::ready!(this.work.poll(cx))
        };
        if let Some(trace) = this.trace.take() {
            trace.finish(&result, true);
        }
        Poll::Ready(result.map(*this.read))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::ready;
    use std::task::Waker;

    fn trace() -> CallTrace {
        CallTrace::start("traced_test", &[], None)
    }

    #[test]
    fn the_outcome_is_read_then_a_second_poll_is_an_error_not_a_resumed_future() {
        let mut cx = Context::from_waker(Waker::noop());
        let work = ready(Ok(Response::bare(41)));
        let mut traced = Box::pin(Traced::new(work, trace(), |r: Response<u32>| {
            r.into_value() + 1
        }));
        assert!(matches!(traced.as_mut().poll(&mut cx), Poll::Ready(Ok(42))));
        match traced.as_mut().poll(&mut cx) {
            Poll::Ready(Err(Error::Config(message))) => {
                assert!(message.contains("polled after it completed"), "{message}");
            }
            other => panic!("a second poll gave {:?}", other.map(|r| r.is_ok())),
        }
    }

    #[test]
    fn pending_work_leaves_the_trace_open() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut traced = Box::pin(Traced::new(
            std::future::pending::<Result<Response<u32>>>(),
            trace(),
            std::convert::identity,
        ));
        assert!(traced.as_mut().poll(&mut cx).is_pending());
        assert!(traced.trace.is_some());
    }
}
