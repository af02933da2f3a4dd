//! The loopback server every contender calls: HTTP/1.1 with keep-alive on 127.0.0.1, answering
//! each request with the same canned chat completion as soon as the request has arrived.
//!
//! It runs on a thread of its own (a single-threaded tokio runtime), so that its CPU time can be
//! read apart from the client's (see [`crate::cpu`]). It parses only what it must (the header
//! block and `content-length`), so it costs the same for every contender.

use std::io;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::mpsc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The assistant's answer inside the canned completion: the JSON the typed call decodes.
pub const ANSWER: &str = r#"{"name":"Alice","age":30}"#;

/// The canned chat completion, shaped like OpenAI's (every field async-openai requires).
pub const COMPLETION: &str = concat!(
    r#"{"id":"chatcmpl-bench0123456789","object":"chat.completion","created":1735689600,"#,
    r#""model":"bench","choices":[{"index":0,"message":{"role":"assistant","#,
    r#""content":"{\"name\":\"Alice\",\"age\":30}","refusal":null,"annotations":[]},"#,
    r#""logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":61,"#,
    r#""completion_tokens":9,"total_tokens":70,"prompt_tokens_details":{"cached_tokens":0,"#,
    r#""audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"#,
    r#""accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"#,
    r#""system_fingerprint":"fp_bench"}"#
);

/// The largest request head or body the server accepts; anything bigger closes the connection.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// A running loopback server.
#[derive(Debug)]
pub struct Loopback {
    addr: SocketAddr,
    /// The kernel's id of the server thread, for reading its CPU time; `None` off Linux.
    thread_id: Option<u32>,
}

impl Loopback {
    /// The process-wide server, started on first use: one server for every contender of a run.
    pub fn shared() -> &'static Loopback {
        static SHARED: OnceLock<Loopback> = OnceLock::new();
        SHARED.get_or_init(|| match Loopback::start() {
            Ok(server) => server,
            Err(e) => panic!("the loopback server could not start on 127.0.0.1: {e}"),
        })
    }

    /// Start a server on a free port of 127.0.0.1, on a thread of its own.
    pub fn start() -> io::Result<Loopback> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (ready, started) = mpsc::channel();
        std::thread::Builder::new()
            .name("loopback-server".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let _ = ready.send(Ok(current_thread_id()));
                runtime.block_on(accept_forever(listener));
            })?;
        let thread_id = started
            .recv()
            .map_err(|_| io::Error::other("the server thread ended before it started"))??;
        Ok(Loopback { addr, thread_id })
    }

    /// A server that runs elsewhere (another process) at `addr`, for clients measured apart
    /// from it. Its CPU time cannot be read from here.
    pub fn at(addr: SocketAddr) -> Loopback {
        Loopback {
            addr,
            thread_id: None,
        }
    }

    /// `http://127.0.0.1:port`, without a path.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server thread's kernel id (Linux), for [`crate::cpu::thread_cpu`].
    pub fn thread_id(&self) -> Option<u32> {
        self.thread_id
    }
}

/// The calling thread's kernel id, read from `/proc/thread-self` (`<pid>/task/<tid>`).
fn current_thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

async fn accept_forever(listener: std::net::TcpListener) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    let response = response_bytes();
    loop {
        match listener.accept().await {
            Ok((socket, _)) => {
                let _ = socket.set_nodelay(true);
                tokio::spawn(serve(socket, response));
            }
            // Out of file descriptors or similar: keep serving the connections we have.
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

fn response_bytes() -> &'static [u8] {
    static RESPONSE: OnceLock<Vec<u8>> = OnceLock::new();
    RESPONSE.get_or_init(|| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{COMPLETION}",
            COMPLETION.len()
        )
        .into_bytes()
    })
}

/// Answer every request of one keep-alive connection until the client closes it.
async fn serve(mut socket: TcpStream, response: &'static [u8]) {
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    loop {
        let Some(head_end) = read_head(&mut socket, &mut buf).await else {
            return;
        };
        let Some(body_len) = content_length(&buf[..head_end]) else {
            return;
        };
        let request_end = head_end + body_len;
        if request_end > MAX_REQUEST_BYTES {
            return;
        }
        while buf.len() < request_end {
            if !read_more(&mut socket, &mut buf).await {
                return;
            }
        }
        buf.drain(..request_end);
        if socket.write_all(response).await.is_err() {
            return;
        }
    }
}

/// Read until the buffer holds a whole header block; the index just past its blank line.
async fn read_head(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<usize> {
    let mut searched = 0;
    loop {
        if let Some(at) = buf[searched..].windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(searched + at + 4);
        }
        searched = buf.len().saturating_sub(3);
        if buf.len() > MAX_REQUEST_BYTES || !read_more(socket, buf).await {
            return None;
        }
    }
}

async fn read_more(socket: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    buf.reserve(16 * 1024);
    matches!(socket.read_buf(buf).await, Ok(n) if n > 0)
}

/// The `content-length` of a request head (0 when absent: a request without a body).
fn content_length(head: &[u8]) -> Option<usize> {
    for line in head.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if line[..colon].eq_ignore_ascii_case(b"content-length") {
            return std::str::from_utf8(&line[colon + 1..])
                .ok()?
                .trim()
                .parse()
                .ok();
        }
    }
    Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_is_read_case_insensitively() {
        let head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 42\r\n\r\n";
        assert_eq!(content_length(head), Some(42));
        assert_eq!(content_length(b"GET / HTTP/1.1\r\n\r\n"), Some(0));
        assert_eq!(
            content_length(b"POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n"),
            None
        );
    }

    #[test]
    fn the_canned_completion_is_json_with_the_answer() {
        let value: serde_json::Value = serde_json::from_str(COMPLETION).unwrap();
        assert_eq!(value["choices"][0]["message"]["content"], ANSWER);
    }
}
