//! A loopback HTTP server for the URL media probes: the probe sends a URL, and the server
//! tells whether the endpoint came to fetch it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::fixtures;

/// The longest a fetcher may take to send its request line and headers.
const READ_DEADLINE: Duration = Duration::from_secs(5);
/// The most bytes of a fetcher's request read (a GET with headers fits many times over).
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// Serves `/probe.png` on 127.0.0.1 and counts the fetches; stops when dropped.
#[derive(Debug)]
pub struct MediaServer {
    base: String,
    fetches: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl MediaServer {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let fetches = Arc::new(AtomicUsize::new(0));
        let png = Arc::new(fixtures::red_png());
        let counter = Arc::clone(&fetches);
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let png = Arc::clone(&png);
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 2048];
                    let read_head = async {
                        while !request.windows(4).any(|w| w == b"\r\n\r\n")
                            && request.len() < MAX_REQUEST_BYTES
                        {
                            match socket.read(&mut buf).await {
                                Ok(0) | Err(_) => return false,
                                Ok(n) => request.extend_from_slice(&buf[..n]),
                            }
                        }
                        true
                    };
                    if !matches!(
                        tokio::time::timeout(READ_DEADLINE, read_head).await,
                        Ok(true)
                    ) {
                        return;
                    }
                    let found = request.starts_with(b"GET /probe.png ");
                    let reply = if found {
                        counter.fetch_add(1, Ordering::Relaxed);
                        let mut reply = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\n\
                             connection: close\r\n\r\n",
                            png.len()
                        )
                        .into_bytes();
                        reply.extend_from_slice(&png);
                        reply
                    } else {
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_vec()
                    };
                    let _ = tokio::time::timeout(READ_DEADLINE, socket.write_all(&reply)).await;
                });
            }
        });
        Ok(Self {
            base,
            fetches,
            task,
        })
    }

    /// The URL of the red PNG.
    pub fn png_url(&self) -> String {
        format!("{}/probe.png", self.base)
    }

    /// How many times the PNG was fetched so far.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
