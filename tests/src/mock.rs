//! A scripted OpenAI-compatible server on 127.0.0.1, written on raw TCP so that tests control
//! every byte (status, headers, bodies, delays) and can assert the exact JSON each request sent.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names are lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The body as JSON (panics in tests if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete HTTP response with this status, extra headers and body.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// An SSE stream: each chunk written after its delay; the connection closes at the end.
    Stream {
        status: u16,
        chunks: Vec<(Duration, Vec<u8>)>,
    },
    /// Raw bytes written as they are, then the connection is closed (for malformed answers).
    Raw(Vec<u8>),
    /// Close the connection without answering.
    Hangup,
    /// Wait this long, then answer with the inner reply.
    Delayed(Duration, Box<Reply>),
    /// A streamed answer driven step by step: the status line and SSE headers, then each step.
    Steps { status: u16, steps: Vec<Step> },
}

/// One step of a [`Reply::Steps`] answer.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes (and flush them).
    Send(Vec<u8>),
    /// Pause.
    Sleep(Duration),
    /// Wait until the test calls `notify_one` on this (at most [`STEP_WAIT_LIMIT`]).
    Gate(Arc<Notify>),
    /// Wait until the client closes the connection (at most [`STEP_WAIT_LIMIT`]), then call
    /// `notify_one` on this; it is not called if the limit passes first.
    AwaitClose(Arc<Notify>),
}

/// The longest a [`Step`] waits for the test or the client, so a failing test cannot hang.
pub const STEP_WAIT_LIMIT: Duration = Duration::from_secs(30);

/// One SSE event carrying `data`, as servers frame it: `data: …` and a blank line.
pub fn sse(data: &str) -> Vec<u8> {
    format!("data: {data}\n\n").into_bytes()
}

/// A `chat.completion.chunk` with one choice holding `delta` and `finish_reason`.
pub fn chunk(delta: Value, finish_reason: Option<&str>) -> Value {
    json!({
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "mock-model",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}]
    })
}

/// A [`Reply::Stream`] sending each piece at once, in order.
pub fn stream_of(pieces: impl IntoIterator<Item = Vec<u8>>) -> Reply {
    Reply::Stream {
        status: 200,
        chunks: pieces.into_iter().map(|p| (Duration::ZERO, p)).collect(),
    }
}

impl Reply {
    /// HTTP 200 with a JSON body.
    pub fn json(body: Value) -> Self {
        Self::status(200, body)
    }

    /// A JSON body with the given status.
    pub fn status(status: u16, body: Value) -> Self {
        Self::Http {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// HTTP 200 with `body` served as `content_type` (a file to download).
    pub fn file(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::Http {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// HTTP 200 carrying a chat completion whose message content is `content`.
    pub fn content(content: &str) -> Self {
        Self::json(completion(
            json!({"role": "assistant", "content": content}),
            "stop",
        ))
    }

    /// HTTP 200 carrying a chat completion whose message calls `name` with `arguments`.
    pub fn tool_call(name: &str, arguments: &str) -> Self {
        Self::json(completion(
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
            ]}),
            "tool_calls",
        ))
    }
}

impl Reply {
    /// HTTP 200 carrying a chat completion whose message makes these `(id, name, arguments)`
    /// tool calls at once.
    pub fn tool_calls(calls: &[(&str, &str, &str)]) -> Self {
        let calls: Vec<Value> = calls
            .iter()
            .map(|(id, name, arguments)| {
                json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
            })
            .collect();
        Self::json(completion(
            json!({"role": "assistant", "content": null, "tool_calls": calls}),
            "tool_calls",
        ))
    }
}

/// A chat-completion body around `message` with a fixed id, model and usage.
pub fn completion(message: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "mock-model",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    })
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    replies: VecDeque<Reply>,
    /// Fixed replies by request path, answered every time before the queue is consulted.
    routes: HashMap<String, Reply>,
}

/// The server. Dropping it stops it.
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl MockServer {
    /// Start on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&shared)));
            }
        });
        Self { addr, state, task }
    }

    /// Start with these replies queued.
    pub async fn with(replies: impl IntoIterator<Item = Reply>) -> Self {
        let server = Self::start().await;
        for r in replies {
            server.push(r);
        }
        server
    }

    /// The base URL to give a client (`http://127.0.0.1:PORT/v1`).
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A client for this server with a test key and model. It sends each request once
    /// (no transport retries), so that every scripted reply answers exactly one call.
    pub fn client(&self) -> promptfn::Client {
        promptfn::Client::builder()
            .base_url(self.url())
            .api_key("sk-test-key")
            .model("mock-model")
            .max_attempts(1)
            .build()
            .expect("client")
    }

    /// Queue the reply to the next request.
    pub fn push(&self, reply: Reply) {
        self.lock().replies.push_back(reply);
    }

    /// Answer every request for `path` (e.g. `/files/a.mp3`) with `reply`, leaving the queue alone.
    pub fn route(&self, path: &str, reply: Reply) {
        self.lock().routes.insert(path.to_owned(), reply);
    }

    /// The absolute URL of `path` on this server (`http://127.0.0.1:PORT/path`).
    pub fn url_of(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The JSON bodies of every request received so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.requests().iter().map(Recorded::json).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let reply = {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        let routed = s.routes.get(&request.path).cloned();
        s.requests.push(request);
        routed.or_else(|| s.replies.pop_front())
    };
    let reply = reply.unwrap_or_else(|| {
        Reply::status(500, json!({"error": {"message": "mock server: no reply was scripted for this request", "type": "mock"}}))
    });
    write_reply(&mut socket, reply).await;
}

pub(crate) async fn read_request(socket: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn write_reply(socket: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-length: {}\r\nconnection: close\r\n",
                reason(status),
                body.len()
            );
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
        }
        Reply::Stream { status, chunks } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
                reason(status)
            );
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for (delay, bytes) in chunks {
                tokio::time::sleep(delay).await;
                if socket.write_all(&bytes).await.is_err() || socket.flush().await.is_err() {
                    return;
                }
            }
        }
        Reply::Steps { status, steps } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
                reason(status)
            );
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for step in steps {
                match step {
                    Step::Send(bytes) => {
                        if socket.write_all(&bytes).await.is_err() || socket.flush().await.is_err()
                        {
                            return;
                        }
                    }
                    Step::Sleep(delay) => tokio::time::sleep(delay).await,
                    Step::Gate(gate) => {
                        let _ = tokio::time::timeout(STEP_WAIT_LIMIT, gate.notified()).await;
                    }
                    Step::AwaitClose(closed) => {
                        let mut sink = [0u8; 1024];
                        let eof = async {
                            loop {
                                match socket.read(&mut sink).await {
                                    Ok(0) | Err(_) => break,
                                    Ok(_) => {}
                                }
                            }
                        };
                        if tokio::time::timeout(STEP_WAIT_LIMIT, eof).await.is_ok() {
                            closed.notify_one();
                        }
                        return;
                    }
                }
            }
        }
        Reply::Raw(bytes) => {
            let _ = socket.write_all(&bytes).await;
        }
        Reply::Hangup => {}
        Reply::Delayed(delay, inner) => {
            tokio::time::sleep(delay).await;
            Box::pin(write_reply(socket, *inner)).await;
        }
    }
    let _ = socket.shutdown().await;
}

/// Pieces of a chat-completions stream, as tests script them.
pub mod events {
    use std::future::Future;
    use std::time::Duration;

    use serde_json::{Value, json};

    use super::{chunk, sse};

    /// Every wait in a streaming test is bounded, so a broken stream fails instead of hanging.
    pub async fn bounded<F: Future>(f: F) -> F::Output {
        tokio::time::timeout(Duration::from_secs(20), f)
            .await
            .expect("the stream should have answered long before this bound")
    }

    /// A chunk carrying `delta`.
    pub fn delta(delta: Value) -> Vec<u8> {
        sse(&chunk(delta, None).to_string())
    }

    /// A chunk carrying answer text.
    pub fn text(t: &str) -> Vec<u8> {
        delta(json!({"content": t}))
    }

    /// An empty chunk with a finish reason.
    pub fn finish(reason: &str) -> Vec<u8> {
        sse(&chunk(json!({}), Some(reason)).to_string())
    }

    /// The `[DONE]` sentinel.
    pub fn done() -> Vec<u8> {
        sse("[DONE]")
    }
}
