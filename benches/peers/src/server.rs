//! The loopback server of the peer comparison, in a process of its own so that each client's
//! process CPU time is the client's alone.
//!
//! Every request gets the same answer, `{"name":"Alice","age":30}`, in the envelope the request
//! asked for: as the message content (the canned completion of the in-process benches), as the
//! arguments of a call to the tool the request forces with `tool_choice` (clients that ask for
//! typed output through a tool by default: instructor, pydantic-ai, magentic), and as
//! server-sent events when the request sets `stream` (magentic always streams).

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use promptfn_benches::server::{ANSWER, COMPLETION};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The largest request body read; anything bigger is refused.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// Serve on a free port of 127.0.0.1 until the process ends; `on_ready` gets the address.
pub async fn serve(on_ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    on_ready(listener.local_addr()?);
    loop {
        let (socket, _) = listener.accept().await?;
        let _ = socket.set_nodelay(true);
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(socket), service_fn(answer));
            let _ = connection.await;
        });
    }
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = match Limited::new(request.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(status(StatusCode::PAYLOAD_TOO_LARGE)),
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return Ok(status(StatusCode::BAD_REQUEST));
    };
    let forced_tool = forced_tool(&request);
    let streamed = request["stream"].as_bool() == Some(true);
    let (content_type, body) = match (streamed, forced_tool) {
        (false, None) => (
            "application/json",
            Bytes::from_static(COMPLETION.as_bytes()),
        ),
        (false, Some(tool)) => ("application/json", Bytes::from(tool_completion(tool))),
        (true, tool) => ("text/event-stream", Bytes::from(events(tool))),
    };
    let mut response = Response::new(Full::new(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

/// The tool a request makes the model call: the one `tool_choice` names, or the only tool
/// offered when `tool_choice` is `"required"`.
fn forced_tool(request: &Value) -> Option<&str> {
    let choice = &request["tool_choice"];
    if let Some(name) = choice["function"]["name"].as_str() {
        return Some(name);
    }
    match (
        choice.as_str(),
        request["tools"].as_array().map(Vec::as_slice),
    ) {
        (Some("required"), Some([tool])) => tool["function"]["name"].as_str(),
        _ => None,
    }
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

fn tool_call(tool: &str) -> Value {
    json!({
        "id": "call_bench0123456789",
        "type": "function",
        "function": { "name": tool, "arguments": ANSWER }
    })
}

fn usage() -> Value {
    json!({ "prompt_tokens": 61, "completion_tokens": 9, "total_tokens": 70 })
}

/// A completion whose answer is a call to `tool` with the answer as arguments.
fn tool_completion(tool: &str) -> String {
    json!({
        "id": "chatcmpl-bench0123456789",
        "object": "chat.completion",
        "created": 1_735_689_600,
        "model": "bench",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": null,
                "refusal": null,
                "tool_calls": [tool_call(tool)]
            },
            "logprobs": null,
            "finish_reason": "tool_calls"
        }],
        "usage": usage()
    })
    .to_string()
}

/// The answer as a stream: the role, the answer (content, or one tool call), the finish reason,
/// the usage, then `[DONE]`.
fn events(tool: Option<&str>) -> String {
    let chunk = |delta: Value, finish: Value, usage: Value| {
        json!({
            "id": "chatcmpl-bench0123456789",
            "object": "chat.completion.chunk",
            "created": 1_735_689_600,
            "model": "bench",
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish }],
            "usage": usage
        })
    };
    let (answer, finish) = match tool {
        None => (json!({ "content": ANSWER }), "stop"),
        Some(tool) => {
            let mut call = tool_call(tool);
            call["index"] = json!(0);
            (json!({ "tool_calls": [call] }), "tool_calls")
        }
    };
    let chunks = [
        chunk(
            json!({ "role": "assistant", "content": "" }),
            Value::Null,
            Value::Null,
        ),
        chunk(answer, Value::Null, Value::Null),
        chunk(json!({}), json!(finish), Value::Null),
        json!({
            "id": "chatcmpl-bench0123456789",
            "object": "chat.completion.chunk",
            "created": 1_735_689_600,
            "model": "bench",
            "choices": [],
            "usage": usage()
        }),
    ];
    let mut body = String::new();
    for chunk in chunks {
        body.push_str("data: ");
        body.push_str(&chunk.to_string());
        body.push_str("\n\n");
    }
    body.push_str("data: [DONE]\n\n");
    body
}
