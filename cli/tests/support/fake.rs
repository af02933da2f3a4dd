//! Fake OpenAI-compatible endpoints that behave like real ones, feature by feature: they read
//! each request and answer as the server they imitate would, honouring or ignoring fields.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use super::server::{Handler, Request, Response, Server};

/// What an endpoint does with each feature.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    pub rejects_json_schema: bool,
    pub rejects_array_content: bool,
    pub ignores_response_format: bool,
    pub ignores_tool_choice: bool,
    pub ignores_n: bool,
    pub ignores_include_usage: bool,
    pub honours_max_completion_tokens: bool,
    pub honours_seed: bool,
    pub reasons: bool,
    pub dialects: bool,
    /// Understands images, audio and PDFs.
    pub sees_media: bool,
    /// Takes every medium as `image_url` and rejects `input_audio` and `file` parts.
    pub rejects_openai_media_parts: bool,
}

impl Behaviour {
    /// OpenAI: everything works.
    pub fn openai() -> Self {
        Self {
            rejects_json_schema: false,
            rejects_array_content: false,
            ignores_response_format: false,
            ignores_tool_choice: false,
            ignores_n: false,
            ignores_include_usage: false,
            honours_max_completion_tokens: true,
            honours_seed: true,
            reasons: true,
            dialects: true,
            sees_media: true,
            rejects_openai_media_parts: false,
        }
    }

    /// An aggregator in front of Gemini: audio and PDFs only as `image_url` data URIs.
    pub fn aggregator() -> Self {
        Self {
            rejects_openai_media_parts: true,
            ..Self::openai()
        }
    }

    /// llama-cpp-python's server (as scripts/llm-server runs it): HTTP 500 for `json_schema` and for array content,
    /// `n` and `include_usage` ignored, no dialect endpoints.
    pub fn llama_cpp() -> Self {
        Self {
            rejects_json_schema: true,
            rejects_array_content: true,
            ignores_n: true,
            ignores_include_usage: true,
            honours_max_completion_tokens: false,
            reasons: false,
            dialects: false,
            sees_media: false,
            ..Self::openai()
        }
    }

    /// A proxy that answers 200 and drops `response_format` on the way.
    pub fn proxy_dropping_response_format() -> Self {
        Self {
            ignores_response_format: true,
            ..Self::openai()
        }
    }

    /// A server that accepts `tool_choice` and answers in prose anyway.
    pub fn ignoring_tool_choice() -> Self {
        Self {
            ignores_tool_choice: true,
            ..Self::openai()
        }
    }
}

/// Start a fake endpoint serving `models` with `behaviour`.
pub async fn start(behaviour: Behaviour, models: &[&str]) -> Server {
    let models: Arc<Vec<String>> = Arc::new(models.iter().map(|m| (*m).to_owned()).collect());
    let counter = Arc::new(AtomicUsize::new(0));
    let handler: Handler = Arc::new(move |request| {
        let models = Arc::clone(&models);
        let counter = Arc::clone(&counter);
        Box::pin(async move { answer(behaviour, &models, &counter, request).await })
    });
    Server::start(handler).await
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}}),
    )
}

async fn answer(
    b: Behaviour,
    models: &[String],
    counter: &AtomicUsize,
    request: Request,
) -> Response {
    let body = request.json();
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/v1/models") => Response::json(
            200,
            &json!({"object": "list", "data": models.iter().map(|m| json!({"id": m, "object": "model"})).collect::<Vec<_>>()}),
        ),
        ("POST", "/v1/chat/completions") => chat(b, counter, &body).await,
        ("POST", "/v1/messages") if b.dialects => Response::json(
            200,
            &json!({"type": "message", "role": "assistant", "content": [{"type": "text", "text": "OK"}],
                    "usage": {"input_tokens": 8, "output_tokens": 1}}),
        ),
        ("POST", "/v1/responses") if b.dialects => Response::json(
            200,
            &json!({"object": "response", "output": [{"type": "message", "content": [{"type": "output_text", "text": "OK"}]}],
                    "usage": {"input_tokens": 8, "output_tokens": 1, "total_tokens": 9}}),
        ),
        _ => error(404, "Not Found"),
    }
}

/// The text of the last user message (the text parts of an array joined).
fn prompt_text(body: &Value) -> String {
    let content = body
        .pointer("/messages/0/content")
        .cloned()
        .unwrap_or(Value::Null);
    match content {
        Value::String(text) => text,
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// The media parts of the message: (type, url or data).
fn media_parts(body: &Value) -> Vec<(String, String)> {
    let Some(parts) = body
        .pointer("/messages/0/content")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    parts
        .iter()
        .filter_map(|p| {
            let kind = p.get("type")?.as_str()?;
            let payload = match kind {
                "image_url" => p.pointer("/image_url/url")?.as_str()?.to_owned(),
                "input_audio" => "audio".to_owned(),
                "file" => p.pointer("/file/file_data")?.as_str()?.to_owned(),
                _ => return None,
            };
            Some((kind.to_owned(), payload))
        })
        .collect()
}

async fn chat(b: Behaviour, counter: &AtomicUsize, body: &Value) -> Response {
    let has_array = body
        .pointer("/messages/0/content")
        .is_some_and(Value::is_array);
    if b.rejects_array_content && has_array {
        return error(500, "can only concatenate str (not \"list\") to str");
    }
    let openai_part = media_parts(body)
        .iter()
        .any(|(kind, _)| kind == "input_audio" || kind == "file");
    if b.rejects_openai_media_parts && openai_part {
        return error(400, "Invalid content part type: send media as image_url");
    }
    let format = body
        .pointer("/response_format/type")
        .and_then(Value::as_str);
    if b.rejects_json_schema && format == Some("json_schema") {
        return error(
            500,
            "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  \
             Input should be 'text' or 'json_object'",
        );
    }
    let prompt = prompt_text(body);
    let limit = body
        .get("max_tokens")
        .or(body
            .get("max_completion_tokens")
            .filter(|_| b.honours_max_completion_tokens))
        .and_then(Value::as_u64);
    let mut message = json!({"role": "assistant"});
    let mut finish = "stop";
    let tool_choice = body.get("tool_choice").and_then(Value::as_str);
    let calls_tool = body.get("tools").is_some()
        && ((tool_choice == Some("required") && !b.ignores_tool_choice)
            || prompt.contains("get_weather"));
    let text = if calls_tool {
        let cities: &[&str] =
            if prompt.contains("Tokyo") && body.get("parallel_tool_calls") == Some(&json!(true)) {
                &["Paris", "Tokyo"]
            } else {
                &["Paris"]
            };
        message["tool_calls"] = cities
            .iter()
            .enumerate()
            .map(|(i, city)| {
                json!({"id": format!("call_{i}"), "type": "function",
                       "function": {"name": "get_weather", "arguments": json!({"city": city}).to_string()}})
            })
            .collect();
        finish = "tool_calls";
        None
    } else if matches!(format, Some("json_schema" | "json_object")) && !b.ignores_response_format {
        // What the probe and the tests ask for: a sum, or a sentiment (wrapped, as enums are).
        Some(if prompt.contains("sentiment") {
            "{\"value\": \"Positive\"}".to_owned()
        } else {
            "{\"sum\": 5}".to_owned()
        })
    } else if !media_parts(body).is_empty() {
        match media(b, &media_parts(body)).await {
            Ok(text) => Some(text),
            Err(response) => return response,
        }
    } else if prompt.starts_with("Count from 1 to 50") {
        let all: Vec<String> = (1..=50).map(|n| n.to_string()).collect();
        match limit {
            Some(limit) if (limit as usize) < all.len() => {
                finish = "length";
                Some(all[..limit as usize].join(" "))
            }
            _ => Some(all.join(" ")),
        }
    } else if prompt.starts_with("Reply with the word OK") {
        Some("OK".to_owned())
    } else if prompt.starts_with("What is 2 + 3") {
        if b.reasons && body.get("reasoning_effort").is_some() {
            message["reasoning_content"] = json!("Two plus three is five.");
        }
        Some("The sum is 5.".to_owned())
    } else if prompt.starts_with("Write one random word") {
        let words = ["lantern", "pebble", "orchid", "comet"];
        if b.honours_seed && body.get("seed").is_some() {
            Some(words[0].to_owned())
        } else {
            Some(words[counter.fetch_add(1, Ordering::Relaxed) % words.len()].to_owned())
        }
    } else {
        Some("Hello!".to_owned())
    };
    message["content"] = text.as_deref().map_or(Value::Null, |t| json!(t));
    let completion_tokens = text
        .as_deref()
        .map_or(8, |t| t.split_whitespace().count() as u64);
    let usage = json!({"prompt_tokens": 10, "completion_tokens": completion_tokens, "total_tokens": 10 + completion_tokens});
    let n = if b.ignores_n {
        1
    } else {
        body.get("n").and_then(Value::as_u64).unwrap_or(1)
    };
    if body.get("stream") == Some(&json!(true)) {
        let mut sse = String::new();
        for word in text.as_deref().unwrap_or_default().split_whitespace() {
            let chunk = json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": null}]});
            sse.push_str(&format!("data: {chunk}\n\n"));
        }
        let last = json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]});
        sse.push_str(&format!("data: {last}\n\n"));
        let wants_usage = body.pointer("/stream_options/include_usage") == Some(&json!(true));
        if wants_usage && !b.ignores_include_usage {
            sse.push_str(&format!(
                "data: {}\n\n",
                json!({"object": "chat.completion.chunk", "choices": [], "usage": usage})
            ));
        }
        sse.push_str("data: [DONE]\n\n");
        return Response::sse(sse);
    }
    let choices: Vec<Value> = (0..n)
        .map(|i| json!({"index": i, "message": message, "finish_reason": finish}))
        .collect();
    Response::json(
        200,
        &json!({"id": "chatcmpl-1", "object": "chat.completion", "choices": choices, "usage": usage}),
    )
}

/// What a model that sees media answers about them (fetching URLs as OpenAI does).
async fn media(b: Behaviour, parts: &[(String, String)]) -> Result<String, Response> {
    let mut answer = String::from("I cannot see attachments.");
    for (kind, payload) in parts {
        if payload.starts_with("http") {
            let fetched = reqwest::get(payload)
                .await
                .ok()
                .filter(|r| r.status().is_success());
            if fetched.is_none() {
                return Err(error(400, "Failed to download the image from the URL."));
            }
        }
        if !b.sees_media {
            continue;
        }
        answer = if payload.contains("application/pdf") {
            "58".to_owned()
        } else if kind == "input_audio" || payload.contains("audio/") {
            "A steady tone.".to_owned()
        } else {
            "Red.".to_owned()
        };
    }
    Ok(answer)
}
