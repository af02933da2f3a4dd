//! Plain text and the sampling fields: token limits, `n`, `seed`, reasoning.

use promptfn::__private::wire_keys;
use serde_json::{Value, json};

use super::{Ctx, Pending, message, quoted, reply_text};
use crate::doctor::status::Outcome;

const SAY_OK: &str = "Reply with the word OK.";

pub fn text<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let body = ctx.body(SAY_OK, 16);
        ctx.chat_judged(&body, |answer| {
            let text = reply_text(answer);
            if text.trim().is_empty() {
                Outcome::unknown("accepted, but the answer holds no text")
            } else {
                Outcome::supported(format!("answered {}", quoted(text)))
            }
        })
        .await
    })
}

/// The limit the token-limit probes set: far below what counting to fifty takes.
const PROBE_LIMIT: u64 = 5;

pub fn max_tokens<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(token_limit(ctx, wire_keys::MAX_TOKENS))
}

pub fn max_completion_tokens<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(token_limit(ctx, wire_keys::MAX_COMPLETION_TOKENS))
}

/// `field` is honoured if the answer stops at the limit.
async fn token_limit(ctx: &Ctx<'_>, field: &str) -> Outcome {
    let mut body = json!({
        "model": ctx.model,
        "messages": [{"role": "user", "content": "Count from 1 to 50, separated by spaces."}],
    });
    body[field] = json!(PROBE_LIMIT);
    ctx.chat_judged(&body, |answer| {
        let finish = answer
            .pointer("/choices/0/finish_reason")
            .and_then(Value::as_str);
        let completion = answer
            .pointer("/usage/completion_tokens")
            .and_then(Value::as_u64);
        let words = reply_text(answer).split_whitespace().count() as u64;
        let cut = finish == Some("length")
            || completion.is_some_and(|n| n <= PROBE_LIMIT)
            || (completion.is_none() && words <= PROBE_LIMIT);
        if cut {
            Outcome::supported(format!("the answer stopped at {PROBE_LIMIT} tokens"))
        } else {
            Outcome::ignored(format!(
                "the answer ran past {PROBE_LIMIT} tokens ({} tokens, finish_reason {})",
                completion.map_or_else(|| "?".to_owned(), |n| n.to_string()),
                finish.unwrap_or("missing")
            ))
        }
    })
    .await
}

pub fn n<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let mut body = ctx.body("Name a colour.", 8);
        body[wire_keys::N] = json!(2);
        ctx.chat_judged(&body, |answer| {
            let choices = answer
                .get("choices")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if choices >= 2 {
                Outcome::supported(format!("{choices} choices came back"))
            } else {
                Outcome::ignored(format!("{choices} choice came back for n = 2"))
            }
        })
        .await
    })
}

pub fn seed<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let mut body = ctx.body("Write one random word.", 8);
        body[wire_keys::SEED] = json!(7);
        body[wire_keys::TEMPERATURE] = json!(1.0);
        let first = ctx.chat(&body).await;
        let mut first_text = String::new();
        let judged = first.judge(ctx.endpoint, |answer| {
            first_text = reply_text(answer).to_owned();
            Outcome::supported("")
        });
        if judged.status != crate::doctor::status::Status::Supported {
            return judged;
        }
        ctx.chat_judged(&body, |answer| {
            let second = reply_text(answer);
            if second == first_text {
                Outcome::supported("the same seed gave the same answer twice")
            } else {
                Outcome::ignored(format!(
                    "the same seed gave {} then {}",
                    quoted(&first_text),
                    quoted(second)
                ))
            }
        })
        .await
        .costing(judged.tokens)
    })
}

pub fn reasoning<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let mut body = ctx.body("What is 2 + 3?", 64);
        body[wire_keys::REASONING_EFFORT] = json!("low");
        ctx.chat_judged(&body, |answer| {
            let message = message(answer);
            let text_field = ["reasoning_content", "reasoning"]
                .into_iter()
                .find(|field| {
                    message
                        .get(*field)
                        .and_then(Value::as_str)
                        .is_some_and(|t| !t.trim().is_empty())
                });
            let reasoning_tokens = answer
                .pointer("/usage/completion_tokens_details/reasoning_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            match text_field {
                Some(field) => Outcome::supported(format!("reasoning text in `{field}`")),
                None if reasoning_tokens > 0 => Outcome::supported(format!(
                    "{reasoning_tokens} reasoning tokens counted, no reasoning text"
                )),
                None => Outcome::ignored("reasoning_effort accepted; no reasoning came back"),
            }
        })
        .await
    })
}
