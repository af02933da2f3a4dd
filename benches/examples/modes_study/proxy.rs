//! A recording loopback proxy in front of the model server: every request body and answer body
//! is kept (the study judges a call's first answer on its own), and in "json_object alone" mode
//! the schema is dropped from `response_format`.
//!
//! HTTP/1.1 with one request per connection: the study sends one call at a time, so the cost of
//! a new connection is nothing beside the model's seconds.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The largest request the proxy reads: the study's prompts are a few kilobytes.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// One request the proxy forwarded and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: Value,
    pub status: u16,
    pub response: String,
}

#[derive(Debug, Default)]
struct Shared {
    exchanges: Mutex<Vec<Exchange>>,
    drop_schema: AtomicBool,
}

/// A running proxy; it stops with the runtime.
#[derive(Debug, Clone)]
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listen on a free port of 127.0.0.1 and forward to `upstream` (a `…/v1` base URL).
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::default());
        let proxy = Proxy { addr, shared };
        let http = reqwest::Client::new();
        let state = proxy.shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (state, http, upstream) = (state.clone(), http.clone(), upstream.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &state, &http, &upstream).await;
                });
            }
        });
        proxy
    }

    /// The base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Whether `response_format: {"type": "json_object", "schema": …}` loses its schema.
    pub fn drop_schema(&self, on: bool) {
        self.shared.drop_schema.store(on, Ordering::SeqCst);
    }

    /// Every exchange since the last call, in order; the record starts empty again.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.shared.exchanges.lock().unwrap())
    }
}

async fn serve(
    mut stream: TcpStream,
    state: &Shared,
    http: &reqwest::Client,
    upstream: &str,
) -> std::io::Result<()> {
    let Some((path, body)) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let mut request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if state.drop_schema.load(Ordering::SeqCst)
        && let Some(format) = request.get_mut("response_format")
        && format["type"] == "json_object"
    {
        *format = serde_json::json!({"type": "json_object"});
    }
    let path = path.strip_prefix("/v1").unwrap_or(&path);
    let (status, answer) = match http
        .post(format!("{upstream}{path}"))
        .json(&request)
        .send()
        .await
    {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
        Err(e) => (502, format!("{{\"error\":{{\"message\":\"proxy: {e}\"}}}}")),
    };
    state.exchanges.lock().unwrap().push(Exchange {
        request,
        status,
        response: answer.clone(),
    });
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}

/// The request's path and body, or `None` when it is not a readable POST.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > MAX_REQUEST_BYTES {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST_BYTES);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Some((path, body)))
}
