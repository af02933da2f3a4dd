//! The transport on its own, without a client: what its gate and its backend decide.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use super::{
    Backend, Body, BodyKind, Link, Opened, Outgoing, RequestGate, Route, Transport,
    TransportOverrides, TransportSettings, send,
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

fn transport(gate: &'static Refusing, backend: bool) -> Arc<Transport> {
    let backend: Option<super::SharedBackend> = backend.then(|| Arc::new(Answering) as _);
    Arc::new(
        Transport::new(TransportSettings {
            // Nothing listens on the discard port: a request that got through would fail to
            // connect, not with the gate's error.
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
            backend,
            gate: Some(gate),
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
