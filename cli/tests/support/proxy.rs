//! A recording pass-through proxy on 127.0.0.1, to see every request a client sends to a real
//! server and the status it got.

use std::sync::Arc;

use super::server::{Handler, Response, Server};

/// Start a proxy forwarding every request to `upstream` (any URL: only its origin is kept).
pub async fn start(upstream: &str) -> Server {
    let origin = reqwest::Url::parse(upstream)
        .expect("the upstream URL parses")
        .origin()
        .ascii_serialization();
    let http = reqwest::Client::new();
    let handler: Handler = Arc::new(move |request| {
        let url = format!("{origin}{}", request.path);
        let http = http.clone();
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
            let answer = http
                .request(method, url)
                .header("content-type", "application/json")
                .body(request.body)
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let streamed = answer
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("event-stream"));
            Response {
                status,
                content_type: if streamed {
                    "text/event-stream"
                } else {
                    "application/json"
                },
                body: answer.bytes().await.unwrap().to_vec(),
            }
        })
    });
    Server::start(handler).await
}
