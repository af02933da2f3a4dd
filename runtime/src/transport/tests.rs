//! The transport on its own, without a client: what its gate and its backend decide.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use super::{
    Backend, Body, BodyKind, ERROR_BODY_LIMIT, Link, Opened, Outgoing, RequestGate, Route,
    Transport, TransportOverrides, TransportSettings, open, send,
};
use crate::error::{Error, Result};
use crate::limit::Admission;
use crate::retry::RetryPolicy;

/// Refuses every request, counting what it was asked.
struct Refusing {
    asked: AtomicUsize,
}

impl RequestGate for Refusing {
    fn admit(&self, function: &str, path: &str, destination: &dyn fmt::Display) -> Result<()> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Err(Error::LiveRequestBlocked(format!(
            "{function} ({path}) → {destination}"
        )))
    }
}

/// Answers every request with `{"ok":true}`.
#[derive(Debug)]
struct Answering;

impl Backend for Answering {
    fn open<'a>(
        &'a self,
        _out: &'a Outgoing,
    ) -> Pin<Box<dyn Future<Output = Result<Opened>> + Send + 'a>> {
        Box::pin(async {
            Ok(Opened {
                status: 200,
                body: Body::Chunks(VecDeque::from([Bytes::from_static(b"{\"ok\":true}")])),
            })
        })
    }
}

/// A transport's settings: 5 s deadlines, no retries, a 1,024-byte body cap, no limits, no
/// backend, no gate; a request that reached the network would fail to connect (nothing listens
/// on the discard port).
fn settings() -> TransportSettings {
    TransportSettings {
        base_url: "http://127.0.0.1:9/v1".to_owned(),
        headers: HeaderMap::new(),
        api_key: None,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        first_byte_timeout: None,
        idle_timeout: Duration::from_secs(5),
        retry_policy: RetryPolicy::none(),
        max_body_bytes: 1024,
        limits: Admission::default(),
        backend: None,
        gate: None,
    }
}

fn transport(gate: &'static Refusing, backend: bool) -> Arc<Transport> {
    let backend: Option<super::SharedBackend> = backend.then(|| Arc::new(Answering) as _);
    Arc::new(
        Transport::new(TransportSettings {
            backend,
            gate: Some(gate),
            ..settings()
        })
        .unwrap(),
    )
}

fn outgoing() -> Outgoing {
    Outgoing {
        function: "summarize",
        function_path: "app::summarize",
        body: Bytes::from_static(b"{}"),
        timeout: Duration::from_secs(5),
        stream: false,
        structured: false,
        route: Route::Chat,
    }
}

#[tokio::test]
async fn the_gate_is_asked_before_the_network_and_its_refusal_is_the_error() {
    static GATE: Refusing = Refusing {
        asked: AtomicUsize::new(0),
    };
    let transport = transport(&GATE, false);
    let err = send(transport.link(None), &outgoing()).await.unwrap_err();
    let Error::LiveRequestBlocked(said) = err else {
        panic!("not the gate's error: {err:?}");
    };
    assert_eq!(
        said,
        "summarize (app::summarize) → http://127.0.0.1:9/v1/chat/completions"
    );
    assert_eq!(GATE.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_gate_is_shown_where_a_request_of_another_endpoint_goes() {
    static GATE: Refusing = Refusing {
        asked: AtomicUsize::new(0),
    };
    let transport = transport(&GATE, false);
    let out = Outgoing {
        function: "batch",
        function_path: "batch",
        route: Route::Endpoint {
            path: "batches/batch_1".into(),
            body: BodyKind::Empty,
        },
        ..outgoing()
    };
    let err = send(transport.link(None), &out).await.unwrap_err();
    let Error::LiveRequestBlocked(said) = err else {
        panic!("not the gate's error: {err:?}");
    };
    assert_eq!(
        said,
        "batch (batch) → http://127.0.0.1:9/v1/batches/batch_1"
    );
}

#[tokio::test]
async fn a_backend_answers_without_asking_the_gate() {
    static GATE: Refusing = Refusing {
        asked: AtomicUsize::new(0),
    };
    let transport = transport(&GATE, true);
    let answer = send(transport.link(None), &outgoing()).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(&answer.body[..], b"{\"ok\":true}");
    assert_eq!(GATE.asked.load(Ordering::SeqCst), 0);
}

#[test]
fn a_calls_overrides_win_over_the_transports_settings() {
    static GATE: Refusing = Refusing {
        asked: AtomicUsize::new(0),
    };
    let transport = transport(&GATE, false);
    let plain: Link<'_> = transport.link(None);
    assert_eq!(plain.idle_timeout(), Duration::from_secs(5));
    assert_eq!(plain.first_byte_timeout(), None);
    assert_eq!(plain.retry_policy().attempts(), 1);
    let overrides = TransportOverrides {
        retry_policy: None,
        max_attempts: Some(4),
        first_byte_timeout: Some(Duration::from_secs(1)),
        idle_timeout: Some(Duration::from_secs(2)),
    };
    let call = transport.link(Some(&overrides));
    assert_eq!(call.idle_timeout(), Duration::from_secs(2));
    assert_eq!(call.first_byte_timeout(), Some(Duration::from_secs(1)));
    assert_eq!(call.retry_policy().attempts(), 4);
}

/// One answer of a [`Scripted`] backend: a status, then its body's chunks, then either its end
/// or a stall that never ends.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    chunks: Vec<Bytes>,
    stalls: bool,
}

impl Reply {
    fn new(status: u16, chunks: &[&'static [u8]]) -> Self {
        Self {
            status,
            chunks: chunks.iter().map(|c| Bytes::from_static(c)).collect(),
            stalls: false,
        }
    }

    fn stalling(mut self) -> Self {
        self.stalls = true;
        self
    }
}

/// Answers each request with the next of its replies, counting requests; once they run out,
/// it never answers.
#[derive(Debug)]
struct Scripted {
    replies: Mutex<VecDeque<Reply>>,
    asked: AtomicUsize,
}

impl Scripted {
    fn new(replies: impl IntoIterator<Item = Reply>) -> Arc<Self> {
        Arc::new(Self {
            replies: Mutex::new(replies.into_iter().collect()),
            asked: AtomicUsize::new(0),
        })
    }

    fn asked(&self) -> usize {
        self.asked.load(Ordering::SeqCst)
    }
}

impl Backend for Scripted {
    fn open<'a>(
        &'a self,
        _out: &'a Outgoing,
    ) -> Pin<Box<dyn Future<Output = Result<Opened>> + Send + 'a>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let next = self.replies.lock().unwrap().pop_front();
        Box::pin(async move {
            let Some(reply) = next else {
                return std::future::pending().await;
            };
            let chunks = futures_util::stream::iter(reply.chunks.into_iter().map(Ok));
            let body: Body = if reply.stalls {
                use futures_util::StreamExt;
                Body::Stream(Box::pin(chunks.chain(futures_util::stream::pending())))
            } else {
                Body::Stream(Box::pin(chunks))
            };
            Ok(Opened {
                status: reply.status,
                body,
            })
        })
    }
}

/// A transport answered by `backend`, with [`settings`] changed by `change`.
fn scripted(
    backend: &Arc<Scripted>,
    change: impl FnOnce(&mut TransportSettings),
) -> Arc<Transport> {
    let mut all = TransportSettings {
        backend: Some(Arc::clone(backend) as _),
        ..settings()
    };
    change(&mut all);
    Arc::new(Transport::new(all).unwrap())
}

fn retried(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_secs(1))
        .max_backoff(Duration::from_secs(1))
}

#[tokio::test(start_paused = true)]
async fn a_body_stalled_midway_hits_the_idle_deadline_and_is_retried() {
    let backend = Scripted::new([
        Reply::new(200, &[b"{\"ok\""]).stalling(),
        Reply::new(200, &[b"{\"ok\"", b":true}"]),
    ]);
    let transport = scripted(&backend, |s| {
        s.retry_policy = retried(2);
        s.idle_timeout = Duration::from_secs(2);
    });
    let begin = tokio::time::Instant::now();
    let answer = send(transport.link(None), &outgoing()).await.unwrap();
    assert_eq!(&answer.body[..], b"{\"ok\":true}");
    assert_eq!(backend.asked(), 2);
    // The idle deadline (2 s), then a backoff of 0.5 to 1 s.
    let took = begin.elapsed();
    assert!(
        took >= Duration::from_millis(2500) && took <= Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stalled_body_with_no_retry_left_is_an_idle_timeout() {
    let backend = Scripted::new([Reply::new(200, &[b"{"]).stalling()]);
    let transport = scripted(&backend, |s| s.idle_timeout = Duration::from_secs(2));
    let err = send(transport.link(None), &outgoing()).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { phase: "idle", after, .. } if after == Duration::from_secs(2)),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_total_deadline_runs_on_through_a_backoff_wait_into_the_next_attempt() {
    // The first attempt fails at once (503), the second never answers: the total deadline
    // ends it, counted from the start and not from the retry.
    let backend = Scripted::new([Reply::new(503, &[b"busy"])]);
    let transport = scripted(&backend, |s| s.retry_policy = retried(3));
    let begin = tokio::time::Instant::now();
    let err = send(transport.link(None), &outgoing()).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { phase: "total", .. }),
        "{err:?}"
    );
    assert_eq!(begin.elapsed(), Duration::from_secs(5));
    assert_eq!(backend.asked(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_error_answer_is_read_up_to_its_limit_and_the_rest_dropped() {
    static MIB: [u8; 1024 * 1024] = [b'x'; 1024 * 1024];
    let backend = Scripted::new([Reply::new(400, &[&MIB, &MIB]).stalling()]);
    let transport = scripted(&backend, |s| s.max_body_bytes = 4 * 1024 * 1024);
    let answer = send(transport.link(None), &outgoing()).await.unwrap();
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body.len(), ERROR_BODY_LIMIT);
}

#[tokio::test(start_paused = true)]
async fn an_error_answer_larger_than_the_body_cap_is_refused() {
    let backend = Scripted::new([Reply::new(400, &[&[b'x'; 1000], &[b'y'; 1000]])]);
    let transport = scripted(&backend, |_| {});
    let err = send(transport.link(None), &outgoing()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol { reason, .. } if reason.contains("1024-byte limit")),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_success_larger_than_the_body_cap_is_refused_and_not_retried() {
    let backend = Scripted::new([
        Reply::new(200, &[&[b'x'; 1000], &[b'y'; 1000]]),
        Reply::new(200, &[b"{}"]),
    ]);
    let transport = scripted(&backend, |s| s.retry_policy = retried(2));
    let err = send(transport.link(None), &outgoing()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol { reason, .. } if reason.contains("1024-byte limit")),
        "{err:?}"
    );
    assert_eq!(backend.asked(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_limited_client_waits_its_turn_and_frees_its_slot_once_the_body_is_read() {
    let backend = Scripted::new([
        Reply::new(200, &[b"{\"n\":", b"1}"]),
        Reply::new(200, &[b"{\"n\":2}"]),
    ]);
    // One request in flight at a time, one start every 100 ms.
    let transport = scripted(&backend, |s| s.limits = Admission::new(Some(1), Some(600)));
    let begin = tokio::time::Instant::now();
    let first = send(transport.link(None), &outgoing()).await.unwrap();
    let second = send(transport.link(None), &outgoing()).await.unwrap();
    assert_eq!(&first.body[..], b"{\"n\":1}");
    assert_eq!(&second.body[..], b"{\"n\":2}");
    assert_eq!(begin.elapsed(), Duration::from_millis(100));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_longer_than_the_time_left_ends_at_once_with_the_answer() {
    let backend = Scripted::new([Reply::new(503, &[b"busy"]), Reply::new(200, &[b"{}"])]);
    let transport = scripted(&backend, |s| {
        s.retry_policy = retried(3)
            .initial_backoff(Duration::from_secs(10))
            .max_backoff(Duration::from_secs(10));
    });
    let begin = tokio::time::Instant::now();
    let err = send(transport.link(None), &outgoing()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.status == 503),
        "{err:?}"
    );
    assert_eq!(begin.elapsed(), Duration::ZERO);
    assert_eq!(backend.asked(), 1);
}

#[tokio::test(start_paused = true)]
async fn open_retries_a_transient_error_and_hands_a_success_over_unread() {
    let backend = Scripted::new([
        Reply::new(503, &[b"busy"]),
        Reply::new(200, &[b"data: 1\n\n"]).stalling(),
    ]);
    let transport = scripted(&backend, |s| s.retry_policy = retried(2));
    // The body stalls after its first chunk: `open` is done at the status all the same.
    let mut opened = open(transport.link(None), &outgoing()).await.unwrap();
    assert_eq!(opened.status, 200);
    assert_eq!(backend.asked(), 2);
    let first = opened.body.chunk(transport.link(None)).await.unwrap();
    assert_eq!(first.as_deref(), Some(&b"data: 1\n\n"[..]));
}

#[tokio::test(start_paused = true)]
async fn open_hands_a_final_error_answer_over_read() {
    let backend = Scripted::new([Reply::new(400, &[b"{\"error\":", b"\"bad\"}"])]);
    let transport = scripted(&backend, |_| {});
    let mut opened = open(transport.link(None), &outgoing()).await.unwrap();
    assert_eq!(opened.status, 400);
    let Body::Chunks(chunks) = &mut opened.body else {
        panic!("an error answer comes read");
    };
    assert_eq!(
        chunks.pop_front().as_deref(),
        Some(&b"{\"error\":\"bad\"}"[..])
    );
}

#[tokio::test(start_paused = true)]
async fn an_opened_body_holds_the_clients_slot_until_it_is_dropped() {
    let backend = Scripted::new([
        Reply::new(200, &[b"one"]).stalling(),
        Reply::new(200, &[b"two"]),
    ]);
    let transport = scripted(&backend, |s| s.limits = Admission::new(Some(1), None));
    let first = open(transport.link(None), &outgoing()).await.unwrap();
    let out = outgoing();
    let mut second = std::pin::pin!(open(transport.link(None), &out));
    let waited = tokio::time::timeout(Duration::from_secs(1), second.as_mut()).await;
    assert!(
        waited.is_err(),
        "the second request must wait for the first body"
    );
    drop(first);
    let second = second.await.unwrap();
    assert_eq!(second.status, 200);
    assert_eq!(backend.asked(), 2);
}
