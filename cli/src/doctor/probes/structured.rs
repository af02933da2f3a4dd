//! Structured output: `json_schema` (strict) and `json_object`, sent as the runtime sends them,
//! and honoured only if the answer decodes into the schema.

use promptfn::__private::wire_keys;
use serde_json::{Value, json};

use super::{Ctx, Pending, quoted, reply_text};
use crate::doctor::status::Outcome;

/// `{"sum": <integer>}`, and nothing else.
fn sum_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"sum": {"type": "integer"}},
        "required": ["sum"],
        "additionalProperties": false,
    })
}

/// Whether `text` is exactly a `{"sum": <integer>}` object.
fn decodes_as_sum(text: &str) -> bool {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text.trim()) else {
        return false;
    };
    object.len() == 1 && object.get("sum").is_some_and(|v| v.is_i64() || v.is_u64())
}

pub fn json_schema<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        // The prompt does not describe the shape: only a server that applies the schema
        // answers in it.
        let mut body = ctx.body("What is 2 + 3?", 32);
        body[wire_keys::RESPONSE_FORMAT] = json!({
            "type": "json_schema",
            "json_schema": {"name": "sum", "schema": sum_schema(), "strict": true},
        });
        ctx.chat_judged(&body, |answer| {
            let text = reply_text(answer);
            if decodes_as_sum(text) {
                Outcome::supported("the answer decoded into the schema")
            } else {
                Outcome::ignored(format!("accepted, but answered {}", quoted(text)))
            }
        })
        .await
    })
}

pub fn json_object<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        // OpenAI requires the word "JSON" in the conversation for this mode.
        let mut body = ctx.body("What is 2 + 3? Answer in JSON.", 32);
        body[wire_keys::RESPONSE_FORMAT] = json!({"type": "json_object", "schema": sum_schema()});
        ctx.chat_judged(&body, |answer| {
            let text = reply_text(answer);
            match serde_json::from_str::<Value>(text.trim()) {
                Ok(Value::Object(_)) => Outcome::supported("the answer is a JSON object"),
                _ => Outcome::ignored(format!("accepted, but answered {}", quoted(text))),
            }
        })
        .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_shape_decodes() {
        assert!(decodes_as_sum(" {\"sum\": 5}\n"));
        assert!(!decodes_as_sum("{\"sum\": \"5\"}"));
        assert!(!decodes_as_sum("{\"sum\": 5, \"why\": \"x\"}"));
        assert!(!decodes_as_sum("The sum is 5."));
    }
}
