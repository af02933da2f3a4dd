//! Tools: a call with `tool_choice: auto`, a call forced by `required`, parallel calls.

use promptfn::__private::wire_keys;
use serde_json::{Value, json};

use super::{Ctx, Pending, quoted, reply_text, tool_calls};
use crate::doctor::status::Outcome;

fn weather_tool() -> Value {
    json!([{
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }])
}

/// What came back instead of a tool call.
fn no_call(answer: &Value) -> String {
    format!(
        "accepted, but answered in prose: {}",
        quoted(reply_text(answer))
    )
}

pub fn tools_auto<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let mut body = ctx.body(
            "What is the weather in Paris? Use the get_weather tool.",
            64,
        );
        body[wire_keys::TOOLS] = weather_tool();
        body[wire_keys::TOOL_CHOICE] = json!("auto");
        ctx.chat_judged(&body, |answer| match tool_calls(answer) {
            [] => Outcome::ignored(no_call(answer)),
            _ => Outcome::supported("a tool call came back"),
        })
        .await
    })
}

pub fn tool_choice_required<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        // A prompt that needs no tool: only an honoured `required` makes the model call one.
        let mut body = ctx.body("Say hello.", 64);
        body[wire_keys::TOOLS] = weather_tool();
        body[wire_keys::TOOL_CHOICE] = json!("required");
        ctx.chat_judged(&body, |answer| match tool_calls(answer) {
            [] => Outcome::ignored(no_call(answer)),
            _ => Outcome::supported("a tool call came back for a prompt that needs none"),
        })
        .await
    })
}

pub fn parallel_tools<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let mut body = ctx.body(
            "What is the weather in Paris and in Tokyo? Call get_weather once for each city.",
            128,
        );
        body[wire_keys::TOOLS] = weather_tool();
        body[wire_keys::TOOL_CHOICE] = json!("required");
        body["parallel_tool_calls"] = json!(true);
        ctx.chat_judged(&body, |answer| match tool_calls(answer).len() {
            0 => Outcome::ignored(no_call(answer)),
            1 => Outcome::ignored("one tool call came back where two were asked for"),
            n => Outcome::supported(format!("{n} tool calls came back in one answer")),
        })
        .await
    })
}
