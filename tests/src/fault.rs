//! A fault-injection server on 127.0.0.1, on raw TCP so that it can misbehave in ways an HTTP
//! library never would: reset a connection before or during the answer, stall, send a body
//! that never ends, invalid UTF-8 or JSON nested a hundred thousand levels deep.
//!
//! Each connection carries one request; a handler chooses the [`Fault`] for it from its index
//! (0 for the first request) and the request itself. Every connection ends when the server is
//! dropped, so a stalled answer never outlives its test.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::mock::{Recorded, completion, read_request};

/// The longest any stall lasts, even if the server is never dropped.
const STALL_CAP: Duration = Duration::from_secs(60);

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A well-formed chat completion whose message content is this text.
    Answer(String),
    /// A complete answer with this status, extra headers and body.
    Status {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request, then reset the connection (RST) without answering.
    ResetBeforeHeaders,
    /// Send the status line, headers and half of a chat completion, then reset.
    ResetMidBody,
    /// Start an SSE stream, send these events, then reset.
    ResetMidStream(Vec<String>),
    /// Read the request and answer nothing until the server is dropped.
    StallBeforeHeaders,
    /// Send the headers and half of a chat completion, then nothing until the server is dropped.
    StallMidBody,
    /// Start an SSE stream, send these events, then nothing until the server is dropped.
    StallMidStream(Vec<String>),
    /// HTTP 200 with an HTML page, as a captive portal or a misconfigured proxy sends.
    HtmlOk,
    /// HTTP 200 with a body that never ends (it stops when the client hangs up).
    EndlessBody,
    /// HTTP 200 with a chat completion whose content holds bytes that are not UTF-8.
    InvalidUtf8,
    /// HTTP `status` with a body of `depth` nested JSON arrays.
    JsonBomb { status: u16, depth: usize },
    /// Wait this long, then answer with the inner fault (the request counts as being answered
    /// meanwhile: see [`FaultServer::peak_in_progress`]).
    Delayed(Duration, Box<Fault>),
}

impl Fault {
    /// A JSON answer with this status and extra headers.
    pub fn json(status: u16, headers: &[(&str, &str)], body: Value) -> Self {
        let mut all = vec![("content-type".to_owned(), "application/json".to_owned())];
        all.extend(
            headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        Self::Status {
            status,
            headers: all,
            body: body.to_string().into_bytes(),
        }
    }

    /// An OpenAI-style error object with this status, type and code.
    pub fn error(status: u16, headers: &[(&str, &str)], kind: &str, code: &str) -> Self {
        Self::json(
            status,
            headers,
            json!({"error": {"message": format!("{kind} ({status})"), "type": kind, "code": code, "param": null}}),
        )
    }
}

type Handler = dyn Fn(usize, &Recorded) -> Fault + Send + Sync;

struct Shared {
    handler: Box<Handler>,
    count: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    open_now: AtomicUsize,
    open_peak: AtomicUsize,
    connections_now: AtomicUsize,
    connections_peak: AtomicUsize,
}

/// The server. Dropping it stops it and ends every connection it holds.
pub struct FaultServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl FaultServer {
    /// Start on a free port of 127.0.0.1; `handler` picks the fault for each request.
    pub async fn start(
        handler: impl Fn(usize, &Recorded) -> Fault + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            count: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            open_now: AtomicUsize::new(0),
            open_peak: AtomicUsize::new(0),
            connections_now: AtomicUsize::new(0),
            connections_peak: AtomicUsize::new(0),
        });
        let (stop, stopped) = watch::channel(false);
        let accepting = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let shared = Arc::clone(&accepting);
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = serve(socket, &shared) => {}
                        _ = stopped.wait_for(|s| *s) => {}
                    }
                });
            }
        });
        Self {
            addr,
            shared,
            stop,
            task,
        }
    }

    /// Start with faults answered in order; once they run out, every request gets `Answer("ok")`.
    pub async fn script(faults: impl IntoIterator<Item = Fault>) -> Self {
        let faults: Vec<Fault> = faults.into_iter().collect();
        Self::start(move |i, _| {
            faults
                .get(i)
                .cloned()
                .unwrap_or_else(|| Fault::Answer("ok".into()))
        })
        .await
    }

    /// The base URL to give a client (`http://127.0.0.1:PORT/v1`).
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.shared.count.load(Ordering::SeqCst)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The most connections open at the same time (from accept to close; a client may open
    /// its next connection a moment before the server has closed the last one).
    pub fn peak_connections(&self) -> usize {
        self.shared.connections_peak.load(Ordering::SeqCst)
    }

    /// The most requests in progress at the same time: received, with their answer not yet
    /// begun. A client holds its in-flight slot for all of that time, so this never exceeds
    /// the client's concurrency limit.
    pub fn peak_in_progress(&self) -> usize {
        self.shared.open_peak.load(Ordering::SeqCst)
    }

    /// A client builder for this server with a test key and model, and waits short enough
    /// for tests (10 ms initial backoff).
    pub fn builder(&self) -> promptfn::ClientBuilder {
        promptfn::Client::builder()
            .base_url(self.url())
            .api_key("sk-fault-test")
            .model("fault-model")
            .retry_policy(
                promptfn::RetryPolicy::default()
                    .initial_backoff(Duration::from_millis(10))
                    .max_backoff(Duration::from_millis(100)),
            )
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.task.abort();
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub async fn refused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    listener.local_addr().expect("local addr")
}

/// The chat-completion body answering with `content`.
pub fn completion_body(content: &str) -> Vec<u8> {
    completion(json!({"role": "assistant", "content": content}), "stop")
        .to_string()
        .into_bytes()
}

/// Counts something while it lasts, and keeps the peak.
struct Gauge<'a> {
    now: &'a AtomicUsize,
}

impl<'a> Gauge<'a> {
    fn up(now: &'a AtomicUsize, peak: &AtomicUsize) -> Self {
        let current = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(current, Ordering::SeqCst);
        Self { now }
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve(mut socket: TcpStream, shared: &Shared) {
    let _connection = Gauge::up(&shared.connections_now, &shared.connections_peak);
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let open = Gauge::up(&shared.open_now, &shared.open_peak);
    let index = shared.count.fetch_add(1, Ordering::SeqCst);
    let mut fault = (shared.handler)(index, &request);
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(request);
    while let Fault::Delayed(wait, inner) = fault {
        tokio::time::sleep(wait).await;
        fault = *inner;
    }
    // The request stops counting as in progress before the first byte of its answer leaves.
    drop(open);
    answer(socket, fault).await;
}

fn head(status: u16, headers: &[(String, String)], length: Option<usize>) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} Status\r\nconnection: close\r\n");
    if let Some(length) = length {
        head.push_str(&format!("content-length: {length}\r\n"));
    }
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn sse_head() -> Vec<u8> {
    head(
        200,
        &[
            ("content-type".into(), "text/event-stream".into()),
            ("cache-control".into(), "no-cache".into()),
        ],
        None,
    )
}

fn json_head(length: usize) -> Vec<u8> {
    head(
        200,
        &[("content-type".into(), "application/json".into())],
        Some(length),
    )
}

/// Close with a TCP reset rather than an orderly shutdown.
fn reset(socket: TcpStream) {
    // A zero linger makes close send RST at once (it never blocks).
    #[allow(deprecated)]
    let _ = socket.set_linger(Some(Duration::ZERO));
    drop(socket);
}

async fn write(socket: &mut TcpStream, bytes: &[u8]) -> bool {
    socket.write_all(bytes).await.is_ok() && socket.flush().await.is_ok()
}

async fn answer(mut socket: TcpStream, fault: Fault) {
    match fault {
        Fault::Answer(content) => {
            let body = completion_body(&content);
            let _ =
                write(&mut socket, &json_head(body.len())).await && write(&mut socket, &body).await;
        }
        Fault::Status {
            status,
            headers,
            body,
        } => {
            let _ = write(&mut socket, &head(status, &headers, Some(body.len()))).await
                && write(&mut socket, &body).await;
        }
        Fault::ResetBeforeHeaders => {
            reset(socket);
            return;
        }
        Fault::ResetMidBody => {
            let body = completion_body("never complete");
            if write(&mut socket, &json_head(body.len())).await
                && write(&mut socket, &body[..body.len() / 2]).await
            {
                // Let the half body reach the client before the reset overtakes it.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            reset(socket);
            return;
        }
        Fault::ResetMidStream(events) => {
            if write_events(&mut socket, &events).await {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            reset(socket);
            return;
        }
        Fault::StallBeforeHeaders => tokio::time::sleep(STALL_CAP).await,
        Fault::Delayed(wait, inner) => {
            tokio::time::sleep(wait).await;
            Box::pin(answer(socket, *inner)).await;
            return;
        }
        Fault::StallMidBody => {
            let body = completion_body("never complete");
            if write(&mut socket, &json_head(body.len())).await
                && write(&mut socket, &body[..body.len() / 2]).await
            {
                tokio::time::sleep(STALL_CAP).await;
            }
        }
        Fault::StallMidStream(events) => {
            if write_events(&mut socket, &events).await {
                tokio::time::sleep(STALL_CAP).await;
            }
        }
        Fault::HtmlOk => {
            let body = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in to continue.</body></html>";
            let headers = [("content-type".to_owned(), "text/html".to_owned())];
            let _ = write(&mut socket, &head(200, &headers, Some(body.len()))).await
                && write(&mut socket, body).await;
        }
        Fault::EndlessBody => {
            let headers = [("content-type".to_owned(), "application/json".to_owned())];
            if write(&mut socket, &head(200, &headers, None)).await
                && write(&mut socket, b"{\"choices\":[{\"message\":{\"content\":\"").await
            {
                let chunk = vec![b'a'; 64 * 1024];
                // Bounded all the same: 4 GiB, far past any client's cap.
                for _ in 0..65_536 {
                    if !write(&mut socket, &chunk).await {
                        break;
                    }
                }
            }
        }
        Fault::InvalidUtf8 => {
            let mut body = completion_body("caf\u{e9} XX").to_vec();
            let at = body
                .windows(2)
                .position(|w| w == b"XX")
                .expect("marker in body");
            body[at] = 0xFF;
            body[at + 1] = 0xFE;
            let _ =
                write(&mut socket, &json_head(body.len())).await && write(&mut socket, &body).await;
        }
        Fault::JsonBomb { status, depth } => {
            let mut body = vec![b'['; depth];
            body.extend(std::iter::repeat_n(b']', depth));
            let headers = [("content-type".to_owned(), "application/json".to_owned())];
            let _ = write(&mut socket, &head(status, &headers, Some(body.len()))).await
                && write(&mut socket, &body).await;
        }
    }
    let _ = socket.shutdown().await;
}

async fn write_events(socket: &mut TcpStream, events: &[String]) -> bool {
    if !write(socket, &sse_head()).await {
        return false;
    }
    for event in events {
        if !write(socket, format!("data: {event}\n\n").as_bytes()).await {
            return false;
        }
    }
    true
}
