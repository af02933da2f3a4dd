//! Which other endpoints answer at the same base URL: the Anthropic Messages and OpenAI
//! Responses dialects, and the model list.

use serde_json::{Value, json};

use super::{Ctx, Pending};
use crate::doctor::status::Outcome;

pub fn anthropic_messages<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let body = json!({
            "model": ctx.model,
            "max_tokens": 16,
            "messages": [{"role": "user", "content": "Reply with the word OK."}],
        });
        let answer = ctx.endpoint.post("messages", &body).await;
        answer.judge(ctx.endpoint, |answer| {
            let text_block = answer
                .get("content")
                .and_then(Value::as_array)
                .is_some_and(|blocks| blocks.iter().any(|b| b.get("type") == Some(&json!("text"))));
            if text_block {
                Outcome::supported("/messages answered with a text block")
            } else {
                Outcome::ignored("/messages answered, but not in the Messages shape")
            }
        })
    })
}

pub fn openai_responses<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        // 16 is the smallest `max_output_tokens` OpenAI accepts.
        let body = json!({
            "model": ctx.model,
            "input": "Reply with the word OK.",
            "max_output_tokens": 16,
        });
        let answer = ctx.endpoint.post("responses", &body).await;
        answer.judge(ctx.endpoint, |answer| {
            if answer.get("output").is_some_and(Value::is_array) {
                Outcome::supported("/responses answered with output items")
            } else {
                Outcome::ignored("/responses answered, but not in the Responses shape")
            }
        })
    })
}

pub fn models<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let answer = ctx.endpoint.get("models").await;
        answer.judge(ctx.endpoint, |answer| {
            let Some(models) = answer.get("data").and_then(Value::as_array) else {
                return Outcome::ignored("/models answered, but without a `data` list");
            };
            let listed = models
                .iter()
                .any(|m| m.get("id").and_then(Value::as_str) == Some(ctx.model));
            let count = match models.len() {
                1 => "1 model".to_owned(),
                n => format!("{n} models"),
            };
            if listed {
                Outcome::supported(format!("lists {count}, this one among them"))
            } else {
                Outcome::supported(format!("lists {count}, not this one (it may be an alias)"))
            }
        })
    })
}
