//! The future of [`send`](super::send) and [`open`](super::open): one request's whole life
//! (every attempt, the waits between them, the total deadline, admission, the status, and the
//! whole body or, for `open`, a success's body handed over unread) in one hand-written state
//! machine.
//!
//! Written by hand rather than as nested `async fn`s: each async layer is a state machine of
//! its own, polled on every wakeup, and each `.await` of a freshly made inner future copies
//! it into its parent; combinators were measured worse still (they build the whole stack at
//! once and move it through every wrapper). One timer serves every deadline: it is set to the
//! earlier of the total deadline and the deadline of the phase in progress (first byte, idle,
//! a backoff wait), and reset rather than replaced when that changes.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http_body::Body as _;
use tokio::time::{Instant, Sleep};
use tracing::Span;

use super::setup::Destination;
use super::{
    Body, ERROR_BODY_LIMIT, Failure, HttpAnswer, Link, Opened, Outgoing, body_too_large, gave_up,
    request_of, transport_error,
};
use crate::error::{ApiError, Error, Result};
use crate::limit::Permit;
use crate::redact::BodyScrubber;
use crate::retry::{self, Hints, Verdict};

pin_project_lite::pin_project! {
    /// Sends one request and reads its answer as far as `G` says: see [`send`](super::send)
    /// and [`open`](super::open).
    #[must_use = "a request is sent only when its future is awaited"]
    pub(crate) struct Sending<'a, P, G> {
        link: Link<'a>,
        // `RequestBuilder::send`, whose future's type has no name: this names it `P`.
        start_http: fn(reqwest::RequestBuilder) -> P,
        out: &'a Outgoing,
        step: Step<'a, P>,
        // The number of the attempt in progress (0 before the first).
        attempt: u32,
        // The total deadline, fixed at the first poll.
        deadline: Option<Instant>,
        // The end of the phase in progress (first byte, idle, a backoff wait), if it has one.
        phase_ends: Option<Instant>,
        // The current attempt's span, entered while the attempt is polled.
        span: Span,
        // When the current attempt was admitted (only when its span is enabled).
        started: Option<std::time::Instant>,
        // What the attempt in progress has received.
        answer: Answer,
        // Made at the first wait, then reset: one timer entry per request.
        #[pin]
        timer: Option<Sleep>,
        goal: std::marker::PhantomData<fn() -> G>,
    }
}

/// What a request is done at, and what it then gives.
pub(crate) trait Goal {
    type Output;

    /// A success whose status has arrived, its body scrubbed: `None` leaves the body to be
    /// read whole first; `Some` has taken it to hand it over unread, holding the client's
    /// in-flight slot.
    fn at_status(
        status: u16,
        body: &mut Option<Body>,
        permit: &mut Option<Permit>,
        link: Link<'_>,
    ) -> Option<Self::Output>;

    /// An answer read whole (a success, or an error answer that is final): the output, or why
    /// the attempt failed.
    fn read(status: u16, body: Bytes, link: Link<'_>) -> Result<Self::Output>;
}

/// [`send`](super::send)'s goal: the whole answer.
#[derive(Debug)]
pub(crate) struct Whole;

impl Goal for Whole {
    type Output = HttpAnswer;

    fn at_status(
        _status: u16,
        _body: &mut Option<Body>,
        _permit: &mut Option<Permit>,
        _link: Link<'_>,
    ) -> Option<HttpAnswer> {
        None
    }

    fn read(status: u16, body: Bytes, link: Link<'_>) -> Result<HttpAnswer> {
        // A success was held to the cap while it was read; an error answer, read up to its own
        // limit, is held to it here.
        let cap = link.transport.max_body_bytes();
        if body.len() > cap {
            return Err(body_too_large(cap, &body));
        }
        Ok(HttpAnswer { status, body })
    }
}

/// [`open`](super::open)'s goal: a success's status, its body unread; an error answer read.
#[derive(Debug)]
pub(crate) struct Headers;

impl Goal for Headers {
    type Output = Opened;

    fn at_status(
        status: u16,
        body: &mut Option<Body>,
        permit: &mut Option<Permit>,
        link: Link<'_>,
    ) -> Option<Opened> {
        Some(Opened {
            status,
            body: body.take()?.holding(link.transport, permit.take()),
        })
    }

    fn read(status: u16, body: Bytes, _link: Link<'_>) -> Result<Opened> {
        Ok(Opened {
            status,
            body: Body::Chunks(VecDeque::from([body])),
        })
    }
}

/// Where the request is.
enum Step<'a, P> {
    /// About to start the next attempt.
    Start,
    /// Waiting for admission (only on a client with limits).
    Admitting(Pin<Box<dyn Future<Output = Permit> + Send + 'a>>),
    /// Sent; waiting for the status line.
    Opening(Pending<'a, P>),
    /// Reading the body of the answer (its status is in `Answer`).
    Reading(Source),
    /// Waiting before the next attempt (until `phase_ends`).
    Backoff,
    /// Finished; polled again only by mistake.
    Done,
}

/// A request waiting for its status line.
enum Pending<'a, P> {
    Http(P),
    Backend(Pin<Box<dyn Future<Output = Result<super::Opened>> + Send + 'a>>),
}

/// What an attempt has received so far: kept beside its [`Step`] rather than in it, so that
/// the step stays small to move (a larger one is copied with `memcpy` at every change).
struct Answer {
    /// The client's in-flight slot, held until the body has been read.
    permit: Option<Permit>,
    status: u16,
    hints: Hints,
    kept: Kept,
}

/// A body being read, polled chunk by chunk.
enum Source {
    /// From the network, through the key scrubber when there is a key to hide.
    Network(reqwest::Body, Option<BodyScrubber>),
    /// From a test double.
    Chunks(VecDeque<Bytes>),
    Stream(Pin<Box<dyn futures_core::Stream<Item = Result<Bytes>> + Send>>),
}

/// What has been read of a body so far.
enum Kept {
    Nothing,
    /// One chunk, handed on as it is (most answers arrive in one).
    One(Bytes),
    Many(BytesMut),
}

/// What polling the attempt in progress came to.
enum Attempt<T> {
    /// What the request was for.
    Answered(T),
    /// Failed; retried if the verdict and the policy allow.
    Failed(Failure),
}

impl<'a, P, G> Sending<'a, P, G> {
    pub(super) fn new(
        link: Link<'a>,
        out: &'a Outgoing,
        start_http: fn(reqwest::RequestBuilder) -> P,
    ) -> Self {
        Self {
            link,
            start_http,
            out,
            step: Step::Start,
            attempt: 0,
            deadline: None,
            phase_ends: None,
            span: Span::none(),
            started: None,
            answer: Answer {
                permit: None,
                status: 0,
                hints: Hints::default(),
                kept: Kept::Nothing,
            },
            timer: None,
            goal: std::marker::PhantomData,
        }
    }
}

impl<P, G: Goal> Future for Sending<'_, P, G>
where
    P: Future<Output = reqwest::Result<reqwest::Response>> + Unpin,
{
    type Output = Result<G::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let deadline = *this.deadline.get_or_insert_with(|| {
            let now = Instant::now();
            // A deadline too far to represent is no deadline (a year is far enough).
            now.checked_add(this.out.timeout)
                .unwrap_or(now + Duration::from_secs(365 * 24 * 3600))
        });
        // A phase that ran out (first byte, idle): the attempt's failure, decided on as any.
        let mut expired = None;
        loop {
            let mut around = Around {
                link: *this.link,
                start_http: *this.start_http,
                out: this.out,
                attempt: this.attempt,
                phase_ends: this.phase_ends,
                span: this.span,
                started: this.started,
                answer: this.answer,
            };
            let outcome = match expired.take() {
                Some(failure) => Poll::Ready(Attempt::Failed(failure)),
                None => this.step.advance::<G>(cx, &mut around),
            };
            match outcome {
                Poll::Ready(Attempt::Answered(answer)) => {
                    *this.step = Step::Done;
                    return Poll::Ready(Ok(answer));
                }
                Poll::Ready(Attempt::Failed(failure)) => {
                    match around.retry_or_stop(failure, deadline) {
                        Ok(()) => *this.step = Step::Backoff,
                        Err(error) => {
                            *this.step = Step::Done;
                            return Poll::Ready(Err(error));
                        }
                    }
                    continue;
                }
                Poll::Pending => {}
            }
            // Pending: wait for the earlier of the total deadline and the phase's end.
            let wake = this.phase_ends.map_or(deadline, |end| end.min(deadline));
            match this.timer.as_mut().as_pin_mut() {
                Some(timer) if timer.deadline() == wake => {}
                Some(timer) => timer.reset(wake),
                None => this.timer.set(Some(tokio::time::sleep_until(wake))),
            }
            let Some(timer) = this.timer.as_mut().as_pin_mut() else {
                return Poll::Pending;
            };
            ready!(timer.poll(cx));
            if wake == deadline {
                *this.step = Step::Done;
                return Poll::Ready(Err(Error::timeout("total", this.out.timeout)));
            }
            // The phase ended first: a backoff wait is over, or an attempt timed out.
            *this.phase_ends = None;
            expired = match this.step {
                Step::Opening(..) => this
                    .link
                    .first_byte_timeout()
                    .map(|limit| Error::timeout("first byte", limit)),
                Step::Reading(..) => Some(Error::timeout("idle", this.link.idle_timeout())),
                _ => None,
            }
            .map(Failure::classified);
            *this.step = Step::Start;
        }
    }
}

/// What the steps read from the future around them.
struct Around<'p, 'a, P> {
    link: Link<'a>,
    start_http: fn(reqwest::RequestBuilder) -> P,
    out: &'a Outgoing,
    attempt: &'p mut u32,
    phase_ends: &'p mut Option<Instant>,
    span: &'p mut Span,
    started: &'p mut Option<std::time::Instant>,
    answer: &'p mut Answer,
}

impl<'a, P> Step<'a, P>
where
    P: Future<Output = reqwest::Result<reqwest::Response>> + Unpin,
{
    /// Drives the attempt in progress as far as it goes without waiting.
    fn advance<G: Goal>(
        &mut self,
        cx: &mut Context<'_>,
        around: &mut Around<'_, 'a, P>,
    ) -> Poll<Attempt<G::Output>> {
        loop {
            match self {
                Self::Start => {
                    *around.attempt += 1;
                    *around.span = tracing::debug_span!(
                        "promptfn.attempt",
                        function = around.out.function,
                        attempt = *around.attempt,
                        status = tracing::field::Empty,
                        latency_ms = tracing::field::Empty,
                    );
                    let span = around.span.clone();
                    let _entered = span.enter();
                    let limits = around.link.transport.limits();
                    *self = match limits.admit_at_once() {
                        Some(permit) => match around.send(permit) {
                            Ok(step) => step,
                            Err(failure) => return Poll::Ready(Attempt::Failed(failure)),
                        },
                        None => Self::Admitting(Box::pin(limits.admit())),
                    };
                }
                Self::Admitting(admission) => {
                    let span = around.span.clone();
                    let _entered = span.enter();
                    let permit = ready!(admission.as_mut().poll(cx));
                    *self = match around.send(permit) {
                        Ok(step) => step,
                        Err(failure) => return Poll::Ready(Attempt::Failed(failure)),
                    };
                }
                Self::Opening(pending) => {
                    let span = around.span.clone();
                    let _entered = span.enter();
                    let opened = match pending {
                        Pending::Http(pending) => match ready!(Pin::new(pending).poll(cx)) {
                            Ok(response) => Ok(response),
                            Err(e) => Err(around.transport_error(&e)),
                        }
                        .map(|response| {
                            let status = response.status().as_u16();
                            let hints = if status >= 400 {
                                Hints::from_headers(response.headers())
                            } else {
                                Hints::default()
                            };
                            (status, hints, Body::Http(response))
                        }),
                        Pending::Backend(pending) => ready!(pending.as_mut().poll(cx))
                            .map(|opened| (opened.status, Hints::default(), opened.body)),
                    };
                    *around.phase_ends = None;
                    let (status, hints, body) = match opened {
                        Ok(opened) => opened,
                        Err(error) => return Poll::Ready(Attempt::Failed(error.into())),
                    };
                    match around.opened::<G>(status, hints, body) {
                        Ok(Ok(source)) => *self = Self::Reading(source),
                        Ok(Err(done)) => {
                            *self = Self::Done;
                            return Poll::Ready(Attempt::Answered(done));
                        }
                        Err(failure) => return Poll::Ready(Attempt::Failed(failure)),
                    }
                }
                Self::Reading(source) => {
                    let error_answer = around.answer.status >= 400;
                    // An error answer's body is read within its attempt's span.
                    let span = if error_answer {
                        around.span.clone()
                    } else {
                        Span::none()
                    };
                    let _entered = span.enter();
                    let limit = if error_answer {
                        ERROR_BODY_LIMIT
                    } else {
                        around.link.transport.max_body_bytes()
                    };
                    let read = ready!(around.read(cx, source, limit));
                    *self = Self::Done;
                    around.answer.permit = None;
                    return Poll::Ready(match read {
                        Ok(body) => around.answered::<G>(body),
                        Err(error) => Attempt::Failed(Failure::classified(error)),
                    });
                }
                Self::Backoff | Self::Done => return Poll::Pending,
            }
        }
    }
}

impl<'a, P> Around<'_, 'a, P> {
    /// Decides on a failed attempt: `Ok` when another attempt follows after a backoff wait
    /// (logged, until `phase_ends`), else the error to end with.
    fn retry_or_stop(&mut self, failure: Failure, deadline: Instant) -> Result<(), Error> {
        *self.span = Span::none();
        self.answer.permit = None;
        self.answer.kept = Kept::Nothing;
        let Verdict::Retry { after } = failure.verdict else {
            return Err(failure.error);
        };
        let now = Instant::now();
        let left = deadline.saturating_duration_since(now);
        let attempt = *self.attempt;
        let Some(wait) = self.link.retry_policy().next_wait(attempt, after, left) else {
            return Err(gave_up(failure.error, attempt));
        };
        tracing::info!(
            function = self.out.function,
            attempt,
            wait_ms = crate::telemetry::millis(wait),
            error = %failure.error,
            "transient failure; retrying"
        );
        *self.phase_ends = Some(now + wait);
        Ok(())
    }

    /// Sends the request (to the backend when there is one), admitted with `permit`.
    fn send(&mut self, permit: Permit) -> Result<Step<'a, P>, Failure> {
        self.answer.permit = Some(permit);
        *self.started = crate::telemetry::start_timing(self.span);
        tracing::trace!(
            bytes = self.out.body.len(),
            stream = self.out.stream,
            "sending a chat completion"
        );
        if let Some(backend) = self.link.transport.backend() {
            return Ok(Step::Opening(Pending::Backend(backend.open(self.out))));
        }
        let request = request_of(self.link, self.out)?;
        *self.phase_ends = self
            .link
            .first_byte_timeout()
            .map(|limit| Instant::now() + limit);
        Ok(Step::Opening(Pending::Http((self.start_http)(request))))
    }

    fn transport_error(&self, e: &reqwest::Error) -> Error {
        let transport = &**self.link.transport;
        let destination = Destination {
            transport,
            route: &self.out.route,
        };
        transport_error(transport, &destination, e)
    }

    /// The status has arrived: records it, then either starts reading the body (`Ok(Ok)`) or,
    /// for a success that `G` hands over unread, is done (`Ok(Err)`).
    fn opened<G: Goal>(
        &mut self,
        status: u16,
        hints: Hints,
        body: Body,
    ) -> Result<Result<Source, G::Output>, Failure> {
        self.span.record("status", status);
        // The one place every answer body enters, from the network or a test double: from
        // here on, nothing read from it can hold the API key (see `crate::redact`).
        let mut body = Some(body.scrubbed(self.link.transport));
        if let Some(started) = self.started.take() {
            self.span
                .record("latency_ms", crate::telemetry::millis(started.elapsed()));
        }
        if status < 400 {
            if let Some(done) = G::at_status(status, &mut body, &mut self.answer.permit, self.link)
            {
                return Ok(Err(done));
            }
            // The attempt is over: the body is read outside its span.
            *self.span = Span::none();
            let cap = self.link.transport.max_body_bytes();
            let announced = match &body {
                Some(Body::Http(response) | Body::ScrubbedHttp(response, _)) => {
                    response.content_length().unwrap_or(0)
                }
                _ => 0,
            };
            if announced > cap as u64 {
                return Err(Failure::classified(body_too_large(cap, &[])));
            }
        }
        self.answer.status = status;
        self.answer.hints = hints;
        self.answer.kept = Kept::Nothing;
        Ok(Ok(match body {
            Some(Body::Http(response)) => Source::Network(response.into(), None),
            Some(Body::ScrubbedHttp(response, scrubber)) => {
                Source::Network(response.into(), Some(scrubber))
            }
            Some(Body::Chunks(chunks)) => Source::Chunks(chunks),
            Some(Body::Stream(stream)) => Source::Stream(stream),
            // Taken only by a goal that was then done.
            None => Source::Chunks(VecDeque::new()),
        }))
    }

    /// Reads the rest of the body: at most `limit` bytes, more being an error for a success
    /// and dropped for an error answer.
    fn read(
        &mut self,
        cx: &mut Context<'_>,
        source: &mut Source,
        limit: usize,
    ) -> Poll<Result<Bytes>> {
        let error_answer = self.answer.status >= 400;
        let kept = &mut self.answer.kept;
        loop {
            let chunk = match source.poll_chunk(cx) {
                Poll::Ready(chunk) => chunk,
                Poll::Pending => {
                    // Most chunks are there at the first look: the idle deadline is armed only
                    // for one that is not, from that first look on.
                    if self.phase_ends.is_none() {
                        *self.phase_ends = Some(Instant::now() + self.link.idle_timeout());
                    }
                    return Poll::Pending;
                }
            };
            *self.phase_ends = None;
            let chunk = match chunk {
                Ok(Some(chunk)) => chunk,
                Ok(None) => return Poll::Ready(Ok(kept.take())),
                Err(e) => return Poll::Ready(Err(self.body_error(e))),
            };
            let room = limit - kept.len();
            if chunk.len() > room {
                if !error_answer {
                    let shown = match kept {
                        Kept::Nothing => &chunk[..],
                        kept => kept.as_slice(),
                    };
                    return Poll::Ready(Err(body_too_large(limit, shown)));
                }
                kept.push(chunk.slice(..room));
                return Poll::Ready(Ok(kept.take()));
            }
            kept.push(chunk);
            // An error answer's first `limit` bytes are all it takes (the rest is dropped).
            if error_answer && kept.len() == limit {
                return Poll::Ready(Ok(kept.take()));
            }
        }
    }

    fn body_error(&self, e: BodyError) -> Error {
        match e {
            BodyError::Network(e) => self.transport_error(&e),
            BodyError::Other(error) => error,
        }
    }

    /// The whole answer of an attempt, or why it failed.
    fn answered<G: Goal>(&mut self, body: Bytes) -> Attempt<G::Output> {
        let Answer { status, hints, .. } = *self.answer;
        let verdict = if status < 400 {
            Verdict::Final
        } else {
            retry::classify_status(status, hints, &body, self.out.structured)
        };
        match verdict {
            Verdict::Final => match G::read(status, body, self.link) {
                Ok(done) => Attempt::Answered(done),
                Err(error) => Attempt::Failed(Failure::classified(error)),
            },
            verdict => {
                let mut error = ApiError::from_body(status, &body);
                error.retry_after = hints.retry_after;
                Attempt::Failed(Failure {
                    error: error.into(),
                    verdict,
                })
            }
        }
    }
}

/// Why a chunk could not be read.
enum BodyError {
    Network(reqwest::Error),
    Other(Error),
}

impl Source {
    /// The next chunk of the body, `None` at its end.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>, BodyError>> {
        match self {
            Self::Network(body, scrubber) => loop {
                let Some(frame) = ready!(Pin::new(&mut *body).poll_frame(cx)) else {
                    let rest = scrubber.as_mut().map(BodyScrubber::finish);
                    return Poll::Ready(Ok(rest.filter(|rest| !rest.is_empty())));
                };
                let Ok(data) = frame.map_err(BodyError::Network)?.into_data() else {
                    continue; // trailers: not part of the body
                };
                match scrubber {
                    None => return Poll::Ready(Ok(Some(data))),
                    Some(scrubber) => {
                        let clean = scrubber.push(data);
                        // All of it may be held back, waiting to see whether it is the key.
                        if !clean.is_empty() {
                            return Poll::Ready(Ok(Some(clean)));
                        }
                    }
                }
            },
            Self::Chunks(chunks) => Poll::Ready(Ok(chunks.pop_front())),
            Self::Stream(stream) => stream
                .poll_next_unpin(cx)
                .map(|next| next.transpose().map_err(BodyError::Other)),
        }
    }
}

impl Kept {
    fn len(&self) -> usize {
        match self {
            Self::Nothing => 0,
            Self::One(bytes) => bytes.len(),
            Self::Many(buf) => buf.len(),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Nothing => &[],
            Self::One(bytes) => bytes,
            Self::Many(buf) => buf,
        }
    }

    fn push(&mut self, chunk: Bytes) {
        *self = match std::mem::replace(self, Self::Nothing) {
            Self::Nothing => Self::One(chunk),
            Self::One(first) => {
                let mut buf = BytesMut::with_capacity(first.len() + chunk.len());
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&chunk);
                Self::Many(buf)
            }
            Self::Many(mut buf) => {
                buf.extend_from_slice(&chunk);
                Self::Many(buf)
            }
        };
    }

    fn take(&mut self) -> Bytes {
        match std::mem::replace(self, Self::Nothing) {
            Self::Nothing => Bytes::new(),
            Self::One(bytes) => bytes,
            Self::Many(buf) => buf.freeze(),
        }
    }
}
