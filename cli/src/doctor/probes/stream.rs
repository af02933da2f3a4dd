//! Streaming, and the usage chunk `stream_options.include_usage` asks for.

use promptfn::__private::wire_keys;
use serde_json::{Value, json};

use super::{Ctx, Pending};
use crate::doctor::http::sse_events;
use crate::doctor::status::Outcome;

/// The chunks of a streamed answer that carry choices, and whether one carried usage.
fn read_stream(body: &[u8]) -> (usize, bool) {
    let mut chunks = 0;
    let mut usage = false;
    for event in sse_events(body) {
        if event.get("choices").and_then(Value::as_array).is_some() {
            chunks += 1;
        }
        usage |= event.get("usage").is_some_and(Value::is_object);
    }
    (chunks, usage)
}

pub fn stream<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let mut body = ctx.body("Reply with the word OK.", 16);
        body[wire_keys::STREAM] = json!(true);
        let answer = ctx.chat(&body).await;
        answer.judge_bytes(ctx.endpoint, |bytes| match read_stream(bytes).0 {
            0 if serde_json::from_slice::<Value>(bytes).is_ok() => {
                Outcome::ignored("accepted, but answered with one JSON body, not a stream")
            }
            0 => Outcome::unknown("accepted, but no chunk could be read"),
            n => Outcome::supported(format!("{n} chunks streamed")),
        })
    })
}

pub fn stream_usage<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let mut body = ctx.body("Reply with the word OK.", 16);
        body[wire_keys::STREAM] = json!(true);
        body[wire_keys::STREAM_OPTIONS] = json!({ wire_keys::INCLUDE_USAGE: true });
        let answer = ctx.chat(&body).await;
        answer.judge_bytes(ctx.endpoint, |bytes| match read_stream(bytes) {
            (0, _) => Outcome::unknown("accepted, but no stream came back"),
            (_, true) => Outcome::supported("the stream ended with its usage"),
            (_, false) => Outcome::ignored("accepted, but no usage came back"),
        })
    })
}
