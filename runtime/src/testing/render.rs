//! Turning a scripted [`Reply`] into the bytes a compliant server would send for one request:
//! a chat completion, or an SSE stream of chunks when the request asked for one; in a native
//! dialect, that dialect's answer or stream (the `dialects` module).

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use super::MockRequest;
use super::dialects::{anthropic, gemini, responses};
use super::reply::{Kind, Reply};
use crate::error::{Error, Result};
use crate::response::Usage;
use crate::schema::WRAPPED_VALUE_KEY;
use crate::sources::Source;
use crate::wire::dialect::Dialect;

/// How deep `Reply::from_fn` closures may hand over to one another before the mock gives up.
const MAX_DYNAMIC_DEPTH: usize = 8;

/// Streamed text arrives in pieces of at most this many bytes, so stream readers see real deltas.
const STREAM_PIECE_BYTES: usize = 16;

/// A rendered answer: an HTTP status and the body's chunks.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub(crate) status: u16,
    pub(crate) chunks: VecDeque<Bytes>,
}

/// What the model "said" in one choice, before it is framed as a completion or a stream.
#[derive(Clone)]
struct Said {
    message: Value,
    finish_reason: &'static str,
}

/// Render `reply` as the answer to `request`; `serial` numbers the completion ids.
pub(crate) fn render(
    reply: Reply,
    request: &MockRequest,
    serial: u64,
    timeout: Duration,
) -> Result<Rendered> {
    let reply = resolve(reply, request)?;
    let usage = reply.usage;
    let annotations = url_citations(&reply.sources);
    let mut said = match reply.kind {
        // One answer fills every choice the request asks for.
        Kind::Choices(replies) => {
            let mut said = Vec::with_capacity(replies.len());
            for reply in replies {
                said.push(one_choice(resolve(reply, request)?.kind, request)?);
            }
            said
        }
        Kind::Timeout => {
            return Err(Error::timeout("total", timeout));
        }
        Kind::Disconnect => {
            return Err(Error::Transport {
                url: "mock://promptfn.testing".into(),
                message: format!(
                    "the connection was reset (scripted by the mock client for `{}`)",
                    request.function
                ),
            });
        }
        Kind::ApiError { status, message } => {
            return Ok(Rendered {
                status,
                chunks: VecDeque::from([error_body(request.dialect(), status, &message)]),
            });
        }
        Kind::Http { status, body } => {
            return Ok(Rendered {
                status,
                chunks: VecDeque::from([body]),
            });
        }
        Kind::Chunked { status, chunks } => {
            return Ok(Rendered {
                status,
                chunks: chunks.into(),
            });
        }
        other => vec![one_choice(other, request)?; request.choices()],
    };
    if let Some(annotations) = annotations {
        for message in said.iter_mut().filter_map(|s| s.message.as_object_mut()) {
            message.insert("annotations".into(), annotations.clone());
        }
    }
    let chunks = framed(request, serial, &said, usage);
    Ok(Rendered {
        status: 200,
        chunks,
    })
}

/// `said` framed as the request's dialect answers, whole or streamed. Anthropic and Responses
/// have no `n` (the call sends one request per choice): they answer the first choice.
fn framed(
    request: &MockRequest,
    serial: u64,
    said: &[Said],
    usage: Option<Usage>,
) -> VecDeque<Bytes> {
    let model = model(request);
    let first = said
        .first()
        .map_or((&Value::Null, "stop"), |s| (&s.message, s.finish_reason));
    match (request.dialect(), request.stream) {
        (Dialect::ChatCompletions, stream) => {
            let id = format!("chatcmpl-mock-{serial}");
            if stream {
                self::stream(&id, request, said, usage)
            } else {
                VecDeque::from([completion(&id, request, said, usage)])
            }
        }
        (Dialect::AnthropicMessages, false) => VecDeque::from([anthropic::message(
            &format!("msg_mock_{serial}"),
            model,
            first.0,
            first.1,
            usage,
        )]),
        (Dialect::AnthropicMessages, true) => anthropic::stream(
            &format!("msg_mock_{serial}"),
            model,
            first.0,
            first.1,
            usage,
            pieces,
        ),
        (Dialect::GeminiGenerateContent, stream) => {
            let id = format!("resp-mock-{serial}");
            let choices: Vec<gemini::Choice<'_>> =
                said.iter().map(|s| (&s.message, s.finish_reason)).collect();
            if stream {
                gemini::stream(&id, model, &choices, usage, pieces)
            } else {
                VecDeque::from([gemini::response(&id, model, &choices, usage)])
            }
        }
        (Dialect::OpenAiResponses, false) => VecDeque::from([responses::response(
            &format!("resp_mock_{serial}"),
            model,
            first.0,
            first.1,
            usage,
        )]),
        (Dialect::OpenAiResponses, true) => responses::stream(
            &format!("resp_mock_{serial}"),
            model,
            first.0,
            first.1,
            usage,
            pieces,
        ),
    }
}

/// The error body a server of `dialect` sends with `status` and `message`.
fn error_body(dialect: Dialect, status: u16, message: &str) -> Bytes {
    match dialect {
        Dialect::AnthropicMessages => anthropic::error(status, message),
        Dialect::GeminiGenerateContent => gemini::error(status, message),
        // The Responses API answers errors as chat completions do.
        Dialect::ChatCompletions | Dialect::OpenAiResponses => Bytes::from(
            json!({"error": {
                "message": message,
                "type": "mock_error",
                "param": null,
                "code": null,
            }})
            .to_string(),
        ),
    }
}

/// One choice's answer; what is not an answer (a status, a fault) cannot be one of several.
fn one_choice(kind: Kind, request: &MockRequest) -> Result<Said> {
    Ok(match kind {
        Kind::Value(Err(reason)) => {
            return Err(Error::Config(format!(
                "the value scripted for `{}` could not be serialized to JSON: {reason}",
                request.function
            )));
        }
        // What a model "says" is a chat completion; the other endpoints answer in their own
        // formats, which their own constructors write.
        _ if !request.is_chat() => {
            return Err(Error::Config(format!(
                "`{}` calls the `{}` endpoint, which does not answer with a chat completion: \
                 script its answer with Reply::embeddings, Reply::image, Reply::image_url, \
                 Reply::audio, Reply::http or Reply::api_error",
                request.function, request.path
            )));
        }
        Kind::Value(Ok(value)) => answer(request, value_text(request, value)),
        Kind::Text(text) => answer(request, text),
        Kind::Message(message) => {
            let finish_reason = if message
                .get("tool_calls")
                .and_then(Value::as_array)
                .is_some_and(|c| !c.is_empty())
            {
                "tool_calls"
            } else {
                "stop"
            };
            Said {
                message,
                finish_reason,
            }
        }
        Kind::Truncated(partial) => Said {
            finish_reason: "length",
            ..answer(request, partial)
        },
        Kind::Refusal(refusal) => Said {
            message: json!({"role": "assistant", "content": null, "refusal": refusal}),
            finish_reason: "stop",
        },
        Kind::Filtered => Said {
            message: json!({"role": "assistant", "content": ""}),
            finish_reason: "content_filter",
        },
        Kind::Dynamic(_) => unreachable_dynamic(request)?,
        Kind::Choices(_)
        | Kind::Timeout
        | Kind::Disconnect
        | Kind::ApiError { .. }
        | Kind::Http { .. }
        | Kind::Chunked { .. } => {
            return Err(Error::Config(format!(
                "the replies scripted for `{}` put a fault, an HTTP answer or nested choices \
                 inside Reply::choices: each choice must be an answer (value, text, message, \
                 truncated, refusal or content filter)",
                request.function
            )));
        }
    })
}

/// Follow `from_fn` closures to the reply they choose.
fn resolve(mut reply: Reply, request: &MockRequest) -> Result<Reply> {
    for _ in 0..MAX_DYNAMIC_DEPTH {
        match &reply.kind {
            Kind::Dynamic(f) => reply = f(request),
            _ => return Ok(reply),
        }
    }
    unreachable_dynamic(request)
}

fn unreachable_dynamic<T>(request: &MockRequest) -> Result<T> {
    Err(Error::Config(format!(
        "the Reply::from_fn closures scripted for `{}` returned Reply::from_fn {MAX_DYNAMIC_DEPTH} \
         times in a row: return a concrete reply",
        request.function
    )))
}

/// The answer text for a scripted value: its JSON, wrapped the way the request's schema wraps
/// non-object roots; a plain-text request gets a string value as the text itself.
fn value_text(request: &MockRequest, value: Value) -> String {
    if request.mode().is_none()
        && let Value::String(text) = value
    {
        return text;
    }
    let wraps = request.answer_schema().is_some_and(is_wrapper_schema);
    let already_wrapped = value
        .as_object()
        .is_some_and(|o| o.contains_key(WRAPPED_VALUE_KEY));
    if wraps && !already_wrapped {
        json!({ WRAPPED_VALUE_KEY: value }).to_string()
    } else {
        value.to_string()
    }
}

/// A schema whose only property is the required `value` promptfn wraps non-object roots in.
fn is_wrapper_schema(schema: &Value) -> bool {
    let only_value = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.len() == 1 && p.contains_key(WRAPPED_VALUE_KEY));
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.len() == 1 && r[0] == WRAPPED_VALUE_KEY);
    only_value && required
}

/// The answer text where the request expects it: the forced tool's arguments, else the content.
fn answer(request: &MockRequest, text: String) -> Said {
    match request.forced_tool() {
        Some(tool) => Said {
            message: json!({
                "role": "assistant",
                "content": null,
                "tool_calls": [{
                    "id": "call_mock_0",
                    "type": "function",
                    "function": {"name": tool, "arguments": text},
                }],
            }),
            finish_reason: "tool_calls",
        },
        None => Said {
            message: json!({"role": "assistant", "content": text}),
            finish_reason: "stop",
        },
    }
}

/// The `url_citation` annotations of the scripted sources (those with a url), as
/// chat-completions writes them; `None` when there are none.
fn url_citations(sources: &[Source]) -> Option<Value> {
    let annotations: Vec<Value> = sources
        .iter()
        .filter_map(|source| {
            let mut citation = json!({"url": source.url.as_deref()?});
            if let Some(title) = &source.title {
                citation["title"] = json!(title);
            }
            if let Some(span) = &source.answer_span {
                citation["start_index"] = json!(span.start);
                citation["end_index"] = json!(span.end);
            }
            Some(json!({"type": "url_citation", "url_citation": citation}))
        })
        .collect();
    (!annotations.is_empty()).then_some(Value::Array(annotations))
}

fn model(request: &MockRequest) -> &str {
    request.model().unwrap_or("mock-model")
}

/// A non-streamed chat completion with these choices.
fn completion(id: &str, request: &MockRequest, said: &[Said], usage: Option<Usage>) -> Bytes {
    let choices: Vec<Value> = said
        .iter()
        .enumerate()
        .map(|(index, said)| {
            json!({
                "index": index,
                "message": said.message,
                "logprobs": null,
                "finish_reason": said.finish_reason,
            })
        })
        .collect();
    let mut body = json!({
        "id": id,
        "object": "chat.completion",
        "created": 0,
        "model": model(request),
        "choices": choices,
    });
    if let Some(usage) = usage {
        body["usage"] = json!(usage);
    }
    Bytes::from(body.to_string())
}

/// The same answer as an SSE stream: a role delta, the text or tool arguments in small pieces,
/// a finishing delta, the usage chunk when usage was scripted, and `[DONE]`; one event per chunk.
fn stream(id: &str, request: &MockRequest, said: &[Said], usage: Option<Usage>) -> VecDeque<Bytes> {
    let model = model(request);
    let event = |choices: Value| -> Bytes {
        let chunk = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": choices,
        });
        Bytes::from(format!("data: {chunk}\n\n"))
    };
    let delta = |index: usize, delta: Value| {
        event(json!([{"index": index, "delta": delta, "logprobs": null, "finish_reason": null}]))
    };
    let mut events = VecDeque::new();
    for (index, said) in said.iter().enumerate() {
        events.push_back(delta(index, json!({"role": "assistant", "content": ""})));
        let message = &said.message;
        if let Some(text) = message.get("content").and_then(Value::as_str) {
            for piece in pieces(text) {
                events.push_back(delta(index, json!({"content": piece})));
            }
        }
        if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
            events.push_back(delta(index, json!({"refusal": refusal})));
        }
        if let Some(annotations) = message.get("annotations") {
            events.push_back(delta(index, json!({"annotations": annotations})));
        }
        let calls = message.get("tool_calls").and_then(Value::as_array);
        for (call_index, call) in calls.into_iter().flatten().enumerate() {
            let function = call.get("function").unwrap_or(&Value::Null);
            events.push_back(delta(
                index,
                json!({"tool_calls": [{
                    "index": call_index,
                    "id": call.get("id"),
                    "type": "function",
                    "function": {"name": function.get("name"), "arguments": ""},
                }]}),
            ));
            let arguments = function
                .get("arguments")
                .and_then(Value::as_str)
                .unwrap_or_default();
            for piece in pieces(arguments) {
                events.push_back(delta(
                    index,
                    json!({"tool_calls": [{"index": call_index, "function": {"arguments": piece}}]}),
                ));
            }
        }
        events.push_back(event(json!([{
            "index": index, "delta": {}, "logprobs": null, "finish_reason": said.finish_reason,
        }])));
    }
    if let Some(usage) = usage {
        let chunk = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [],
            "usage": usage,
        });
        events.push_back(Bytes::from(format!("data: {chunk}\n\n")));
    }
    events.push_back(Bytes::from_static(b"data: [DONE]\n\n"));
    events
}

/// `text` cut into pieces of at most [`STREAM_PIECE_BYTES`] bytes, on character boundaries.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len().min(STREAM_PIECE_BYTES);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (piece, tail) = rest.split_at(end);
        out.push(piece);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::answer::Completion;
    use crate::wire::sse::{SseDecoder, SseItem};

    fn request(body: Value) -> MockRequest {
        MockRequest::new("f", body)
    }

    fn body_of(rendered: Rendered) -> Value {
        let bytes: Vec<u8> = rendered.chunks.into_iter().flatten().collect();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn wrapped_schema() -> Value {
        json!({"type": "object", "properties": {"value": {"type": "array"}}, "required": ["value"]})
    }

    #[test]
    fn values_follow_the_requests_mode_and_wrapping() {
        let plain = request(json!({"model": "m", "messages": []}));
        let body = body_of(render(Reply::value("hi"), &plain, 1, Duration::ZERO).unwrap());
        assert_eq!(body["choices"][0]["message"]["content"], "hi");
        assert_eq!(body["model"], "m");
        assert!(body.get("usage").is_none());

        let schema = request(json!({"response_format": {"type": "json_schema",
            "json_schema": {"name": "x", "schema": wrapped_schema()}}}));
        let body = body_of(render(Reply::value(["a"]), &schema, 1, Duration::ZERO).unwrap());
        assert_eq!(
            body["choices"][0]["message"]["content"],
            r#"{"value":["a"]}"#
        );

        let tool = request(json!({
            "tools": [{"type": "function", "function": {"name": "answer", "parameters": {"type": "object"}}}],
            "tool_choice": {"type": "function", "function": {"name": "answer"}},
        }));
        let reply = Reply::value(json!({"a": 1})).usage(3, 4);
        let body = body_of(render(reply, &tool, 7, Duration::ZERO).unwrap());
        let call = &body["choices"][0]["message"]["tool_calls"][0]["function"];
        assert_eq!(call["name"], "answer");
        assert_eq!(call["arguments"], r#"{"a":1}"#);
        assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(body["id"], "chatcmpl-mock-7");
        assert_eq!(body["usage"]["total_tokens"], 7);
        let parsed = Completion::parse(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(parsed.choices.len(), 1);
    }

    #[test]
    fn streams_reassemble_into_the_same_answer() {
        let text = "Grüße aus der Testwelt, ünd noch ein bisschen mehr Text.";
        let req = request(json!({"model": "m", "stream": true, "n": 2}));
        let rendered = render(Reply::text(text).usage(1, 2), &req, 1, Duration::ZERO).unwrap();
        assert!(rendered.chunks.len() > 4);
        let mut decoder = SseDecoder::new();
        let mut content = [String::new(), String::new()];
        let mut finished = 0;
        let mut done = false;
        let mut usage = None;
        for chunk in &rendered.chunks {
            for item in decoder.feed(chunk) {
                match item.unwrap() {
                    SseItem::Done => done = true,
                    SseItem::Event(e) => {
                        let v: Value = serde_json::from_str(&e.data).unwrap();
                        if let Some(u) = v.get("usage") {
                            usage = Some(u.clone());
                        }
                        for choice in v["choices"].as_array().unwrap() {
                            let i = choice["index"].as_u64().unwrap() as usize;
                            if let Some(piece) = choice["delta"]["content"].as_str() {
                                content[i].push_str(piece);
                            }
                            if choice["finish_reason"] == "stop" {
                                finished += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(done);
        assert_eq!(content, [text, text]);
        assert_eq!(finished, 2);
        assert_eq!(usage.unwrap()["completion_tokens"], 2);
    }

    #[test]
    fn streamed_tool_calls_arrive_as_argument_deltas() {
        let req = request(json!({
            "stream": true,
            "tool_choice": {"type": "function", "function": {"name": "answer"}},
        }));
        let rendered = render(
            Reply::value(json!({"name": "a long enough name to be split"})),
            &req,
            1,
            Duration::ZERO,
        )
        .unwrap();
        let mut decoder = SseDecoder::new();
        let mut arguments = String::new();
        let mut name = None;
        for chunk in &rendered.chunks {
            for item in decoder.feed(chunk) {
                if let SseItem::Event(e) = item.unwrap() {
                    let v: Value = serde_json::from_str(&e.data).unwrap();
                    if let Some(call) = v["choices"][0]["delta"]["tool_calls"].get(0) {
                        if let Some(n) = call["function"]["name"].as_str() {
                            name = Some(n.to_owned());
                        }
                        arguments.push_str(call["function"]["arguments"].as_str().unwrap());
                    }
                }
            }
        }
        assert_eq!(name.as_deref(), Some("answer"));
        assert_eq!(arguments, r#"{"name":"a long enough name to be split"}"#);
    }

    #[test]
    fn faults_become_errors_or_raw_answers() {
        let req = request(json!({}));
        let timeout = Duration::from_secs(3);
        assert!(matches!(
            render(Reply::timeout(), &req, 1, timeout),
            Err(Error::Timeout { after, .. }) if after == timeout
        ));
        assert!(matches!(
            render(Reply::disconnect(), &req, 1, timeout),
            Err(Error::Transport { .. })
        ));
        let r = render(Reply::api_error(429, "slow down"), &req, 1, timeout).unwrap();
        assert_eq!(r.status, 429);
        assert_eq!(body_of(r)["error"]["message"], "slow down");
        let r = render(Reply::chunked(200, ["a", "b"]), &req, 1, timeout).unwrap();
        assert_eq!(r.chunks.len(), 2);
        let looping = Reply::from_fn(|_| Reply::from_fn(|_| Reply::timeout()).usage(0, 0));
        assert!(matches!(
            render(looping, &req, 1, timeout),
            Err(Error::Timeout { .. })
        ));
        fn forever(_: &MockRequest) -> Reply {
            Reply::from_fn(forever)
        }
        let err = render(Reply::from_fn(forever), &req, 1, timeout).unwrap_err();
        assert!(err.to_string().contains("concrete reply"), "{err}");
    }

    #[test]
    fn pieces_cut_on_char_boundaries() {
        let text = "ééééééééééééééééé";
        let joined: String = pieces(text).concat();
        assert_eq!(joined, text);
        assert!(
            pieces(text)
                .iter()
                .all(|p| p.len() <= STREAM_PIECE_BYTES + 3)
        );
        assert!(pieces("").is_empty());
    }
}
