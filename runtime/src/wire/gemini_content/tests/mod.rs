//! Request bodies asserted exactly, answers and stream chunks as the Gemini REST reference
//! shows them (<https://ai.google.dev/api/generate-content>).

mod proptests;

use serde_json::{Map, Value, json};

use super::*;
use crate::message::{Message, Role, ToolCall};
use crate::params::{Sampling, StrList};
use crate::provider_state::ProviderState;
use crate::reasoning::Reasoning;
use crate::response::{FinishReason, Usage};
use crate::schema::{self, CompiledSchema, SchemaDialect};
use crate::structured::Mode;
use crate::wire::dialect::{Dialect, OutputRequest, Quirks, Request};
use crate::wire::mode::ModeWire;
use crate::wire::sse::SseEvent;

const SIGNATURE: &str = "CiQBcsjafD+/x=c2lnbmF0dXJl";

fn request<'a>(model: &'a str, conversation: &'a [Message]) -> Request<'a> {
    Request {
        model,
        conversation,
        media: None,
        sampling: Sampling::default(),
        output: None,
        tools: None,
        stream: None,
        quirks: Quirks::default(),
        cache: None,
        reasoning: None,
        web_search: None,
    }
}

fn body(request: &Request<'_>) -> Value {
    serde_json::from_slice(&encode(request).unwrap()).unwrap()
}

fn signed(fields: Value) -> ProviderState {
    let Value::Object(map) = fields else {
        unreachable!()
    };
    ProviderState::kept(Dialect::GeminiGenerateContent, map)
}

#[test]
fn system_text_few_shot_turns_and_sampling() {
    let conversation = [
        Message::text(Role::System, "Answer in one word."),
        Message::text(Role::User, "Capital of France?"),
        Message::text(Role::Assistant, "Paris"),
        Message::text(Role::User, "Capital of Peru?"),
    ];
    static STOP: [&str; 1] = ["\n\n"];
    let mut req = request("gemini-2.5-flash", &conversation);
    req.sampling = Sampling {
        temperature: Some(0.2),
        top_p: Some(0.9),
        max_tokens: Some(64),
        stop: Some(StrList::Static(&STOP)),
        seed: Some(7),
        n: Some(2),
        ..Sampling::default()
    };
    assert_eq!(
        body(&req),
        json!({
            "systemInstruction": {"parts": [{"text": "Answer in one word."}]},
            "contents": [
                {"role": "user", "parts": [{"text": "Capital of France?"}]},
                {"role": "model", "parts": [{"text": "Paris"}]},
                {"role": "user", "parts": [{"text": "Capital of Peru?"}]}
            ],
            "generationConfig": {
                "temperature": 0.2, "topP": 0.9, "maxOutputTokens": 64,
                "stopSequences": ["\n\n"], "seed": 7, "candidateCount": 2
            }
        })
    );
    // Nothing set: no generationConfig at all.
    let plain = body(&request("gemini-2.5-flash", &conversation[1..2]));
    assert_eq!(
        plain,
        json!({"contents": [{"role": "user", "parts": [{"text": "Capital of France?"}]}]})
    );
}

#[test]
fn logit_bias_is_refused_before_sending() {
    let conversation = [Message::text(Role::User, "hi")];
    let bias = [(1u32, 5i32)];
    let mut req = request("gemini-2.5-flash", &conversation);
    req.sampling.logit_bias = Some(&bias);
    let err = encode(&req).unwrap_err().to_string();
    assert!(err.contains("logit_bias"), "{err}");
}

#[test]
fn tool_rounds_send_calls_signatures_and_named_results_back() {
    let mut assistant = Message::text(Role::Assistant, "Checking both.");
    assistant.state = signed(json!({"thoughtSignature": "dGV4dA=="}));
    let mut first = ToolCall::new("call_0", "weather", r#"{"city":"Oslo"}"#);
    first.state = signed(json!({"thoughtSignature": SIGNATURE}));
    assistant.tool_calls = vec![
        first,
        ToolCall::new("call_1", "weather", r#"{"city":"Lima"}"#),
    ];
    let conversation = [
        Message::text(Role::User, "Weather in Oslo and Lima?"),
        assistant,
        Message::tool_result("call_0", r#"{"temp":3}"#),
        Message::tool_result("call_1", "sunny"),
    ];
    let sent = body(&request("gemini-3-pro-preview", &conversation));
    assert_eq!(
        sent["contents"],
        json!([
            {"role": "user", "parts": [{"text": "Weather in Oslo and Lima?"}]},
            {"role": "model", "parts": [
                {"text": "Checking both.", "thoughtSignature": "dGV4dA=="},
                {"functionCall": {"id": "call_0", "name": "weather", "args": {"city": "Oslo"}},
                 "thoughtSignature": SIGNATURE},
                {"functionCall": {"id": "call_1", "name": "weather", "args": {"city": "Lima"}}}
            ]},
            {"role": "user", "parts": [
                {"functionResponse": {"id": "call_0", "name": "weather", "response": {"output": {"temp": 3}}}},
                {"functionResponse": {"id": "call_1", "name": "weather", "response": {"output": "sunny"}}}
            ]}
        ])
    );
    // A result that answers no call cannot be named.
    let orphan = [Message::tool_result("nope", "x")];
    let err = encode(&request("gemini-2.5-flash", &orphan))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`nope`"), "{err}");
}

fn person_schema(dialect: SchemaDialect) -> CompiledSchema {
    let schema = json!({
        "title": "Person", "type": "object",
        "properties": {"name": {"type": "string"}}, "required": ["name"]
    });
    schema::compile(&schema, dialect).unwrap()
}

#[test]
fn reasoning_is_a_level_from_gemini_3_and_a_budget_before() {
    let conversation = [Message::text(Role::User, "Think.")];
    for (model, level, config) in [
        (
            "gemini-2.5-flash",
            Reasoning::Medium,
            json!({"thinkingBudget": 4096, "includeThoughts": true}),
        ),
        (
            "google/gemini-3-pro-preview",
            Reasoning::High,
            json!({"thinkingLevel": "high", "includeThoughts": true}),
        ),
        (
            "gemini-10-flash",
            Reasoning::Low,
            json!({"thinkingLevel": "low", "includeThoughts": true}),
        ),
        // No version in the name: a budget, which every thinking model takes.
        (
            "gemini-flash-latest",
            Reasoning::Low,
            json!({"thinkingBudget": 1024, "includeThoughts": true}),
        ),
    ] {
        let mut req = request(model, &conversation);
        req.reasoning = Some(level);
        req.sampling.max_tokens = Some(50);
        assert_eq!(
            body(&req)["generationConfig"],
            json!({"maxOutputTokens": 50, "thinkingConfig": config}),
            "{model}"
        );
    }
}

#[test]
fn structured_modes_map_onto_gemini_fields() {
    let conversation = [Message::text(Role::User, "Extract: Ana")];
    for (model, dialect, key) in [
        ("gemini-2.5-flash", SchemaDialect::Gemini, "responseSchema"),
        (
            "mock-model",
            SchemaDialect::OpenAiStrict,
            "responseJsonSchema",
        ),
    ] {
        let compiled = person_schema(dialect);
        let wire = ModeWire::build(&compiled, Mode::JsonSchema, dialect).unwrap();
        let mut req = request(model, &conversation);
        req.output = Some(OutputRequest {
            mode: Mode::JsonSchema,
            schema: &compiled,
            instruction: None,
            chat: &wire,
        });
        let sent = body(&req);
        assert_eq!(
            sent["generationConfig"],
            json!({"responseMimeType": "application/json", key: compiled.schema}),
            "{model}"
        );
    }

    let compiled = person_schema(SchemaDialect::Gemini);
    let wire = ModeWire::build(&compiled, Mode::Tool, SchemaDialect::Gemini).unwrap();
    let mut req = request("gemini-2.5-flash", &conversation);
    req.output = Some(OutputRequest {
        mode: Mode::Tool,
        schema: &compiled,
        instruction: None,
        chat: &wire,
    });
    let sent = body(&req);
    assert_eq!(
        sent["tools"],
        json!([{"functionDeclarations": [{
            "name": "answer",
            "description": "Give your answer by calling this function with it as the arguments.",
            "parameters": compiled.schema
        }]}])
    );
    assert_eq!(
        sent["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["answer"]}})
    );
    assert!(sent.get("generationConfig").is_none());

    let compiled = person_schema(SchemaDialect::Gemini);
    let wire = ModeWire::build(&compiled, Mode::JsonObject, SchemaDialect::Gemini).unwrap();
    let instruction = wire.instruction.clone().unwrap();
    let mut req = request("gemini-2.5-flash", &conversation);
    req.output = Some(OutputRequest {
        mode: Mode::JsonObject,
        schema: &compiled,
        instruction: Some((0, &instruction)),
        chat: &wire,
    });
    let sent = body(&req);
    assert_eq!(
        sent["generationConfig"],
        json!({"responseMimeType": "application/json"})
    );
    assert_eq!(
        sent["contents"][0]["parts"],
        json!([{"text": format!("Extract: Ana{instruction}")}])
    );
}

#[test]
fn reads_text_thoughts_usage_and_the_model() {
    let body = json!({
        "candidates": [{
            "content": {"role": "model", "parts": [
                {"text": "Thinking about capitals.", "thought": true},
                {"text": "Pa"}, {"text": "ris", "thoughtSignature": SIGNATURE}
            ]},
            "finishReason": "STOP", "index": 0,
            "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]
        }],
        "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 3,
            "thoughtsTokenCount": 20, "totalTokenCount": 32, "cachedContentTokenCount": 4},
        "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"
    });
    let text = body.to_string();
    let (raw, parsed) = decode(text.as_bytes());
    let c = parsed.unwrap();
    assert_eq!(raw, body.to_string());
    assert_eq!(
        (c.id.as_deref(), c.model.as_deref()),
        (Some("resp-1"), Some("gemini-2.5-flash"))
    );
    let mut usage = Usage::new(9, 23);
    usage.total_tokens = 32;
    usage.reasoning_tokens = 20;
    usage.cache_read_tokens = 4;
    assert_eq!(c.usage, Some(usage));
    let choice = &c.choices[0];
    assert_eq!(choice.finish_reason, Some(FinishReason::Stop));
    assert_eq!(choice.message.content.as_deref(), Some("Paris"));
    assert_eq!(
        choice.message.reasoning_text(),
        Some("Thinking about capitals.")
    );
    // The signature goes back on the turn's text part.
    let turn = choice.message.to_message();
    let mut kept = Map::new();
    kept.insert(THOUGHT_SIGNATURE.into(), json!(SIGNATURE));
    assert_eq!(
        turn.state.fields_for(Dialect::GeminiGenerateContent),
        Some(&kept)
    );
}

#[test]
fn reads_function_calls_with_and_without_ids() {
    let body = json!({"candidates": [{
        "content": {"role": "model", "parts": [
            {"functionCall": {"name": "weather", "args": {"city": "Oslo"}}, "thoughtSignature": SIGNATURE},
            {"functionCall": {"id": "g-7", "name": "weather", "args": {"city": "Lima"}}},
            {"functionCall": {"name": "now"}}
        ]},
        "finishReason": "STOP"
    }]});
    let c = decode(body.to_string().as_bytes()).1.unwrap();
    let choice = &c.choices[0];
    assert_eq!(choice.finish_reason, Some(FinishReason::ToolCalls));
    let calls = choice.message.calls();
    let ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["call_0", "g-7", "call_2"]);
    assert_eq!(calls[0].arguments, r#"{"city":"Oslo"}"#);
    assert_eq!(calls[2].arguments, "{}");
    assert_eq!(
        calls[0].state.field_names().collect::<Vec<_>>(),
        [THOUGHT_SIGNATURE]
    );
    assert!(calls[1].state.is_empty());
}

#[test]
fn finish_reasons_blocked_prompts_and_errors() {
    for (reason, expected) in [
        ("MAX_TOKENS", FinishReason::Length),
        ("SAFETY", FinishReason::ContentFilter),
        ("RECITATION", FinishReason::ContentFilter),
        ("PROHIBITED_CONTENT", FinishReason::ContentFilter),
        (
            "MALFORMED_FUNCTION_CALL",
            FinishReason::Other("MALFORMED_FUNCTION_CALL".into()),
        ),
    ] {
        let body = json!({"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": reason}]});
        let c = decode(body.to_string().as_bytes()).1.unwrap();
        assert_eq!(c.choices[0].finish_reason, Some(expected), "{reason}");
    }
    let blocked = json!({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}});
    let c = decode(blocked.to_string().as_bytes()).1.unwrap();
    assert_eq!(
        c.choices[0].finish_reason,
        Some(FinishReason::ContentFilter)
    );
    let error = json!({"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}});
    let c = decode(error.to_string().as_bytes()).1.unwrap();
    assert_eq!(c.error.unwrap()["status"], "INTERNAL");
    assert!(decode(b"<html>").1.unwrap_err().contains("HTML"));
    assert!(decode(b"[1]").1.unwrap_err().contains("Gemini"));
    // Fields of unexpected types are left out, not fatal.
    let odd = json!({"candidates": [{"content": {"parts": [{"text": 5}, "x", {"functionCall": {"name": 3, "args": [1]}}]}, "finishReason": 7}], "usageMetadata": "many"});
    let c = decode(odd.to_string().as_bytes()).1.unwrap();
    assert_eq!(c.choices[0].message.content, None);
    assert_eq!(c.usage, None);
}

fn event(data: Value) -> SseEvent {
    SseEvent {
        event: None,
        data: data.to_string(),
        id: None,
    }
}

#[test]
fn stream_chunks_carry_text_calls_signatures_and_usage() {
    let mut reader = Reader::default();
    let first = reader
        .read(&event(json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Let me check", "thoughtSignature": "dA=="}]}}],
            "usageMetadata": {"promptTokenCount": 4}, "responseId": "r1", "modelVersion": "gemini-3-pro-preview"})))
        .unwrap()
        .unwrap();
    assert_eq!(
        first.choices[0].delta.content.as_deref(),
        Some("Let me check")
    );
    assert_eq!(first.id.as_deref(), Some("r1"));
    assert!(!first.state.is_empty());
    let second = reader
        .read(&event(json!({"candidates": [{"content": {"parts": [
            {"functionCall": {"name": "weather", "args": {"city": "Oslo"}}, "thoughtSignature": SIGNATURE}]}}]})))
        .unwrap()
        .unwrap();
    let third = reader
        .read(&event(json!({"candidates": [{"content": {"parts": [
            {"functionCall": {"name": "weather", "args": {"city": "Lima"}}}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 6, "totalTokenCount": 10}})))
        .unwrap()
        .unwrap();
    let a = &second.choices[0].delta.tool_calls[0];
    let b = &third.choices[0].delta.tool_calls[0];
    assert_eq!((a.index, a.id.as_deref()), (Some(0), Some("call_0")));
    assert_eq!((b.index, b.id.as_deref()), (Some(1), Some("call_1")));
    assert_eq!(a.extra.get(THOUGHT_SIGNATURE), Some(&json!(SIGNATURE)));
    assert_eq!(
        third.choices[0].finish_reason,
        Some(FinishReason::ToolCalls)
    );
    assert_eq!(third.usage, Some(Usage::new(4, 6)));
    // The turn's signature stays in every later chunk's state.
    assert!(!third.state.is_empty());
    // Empty events add nothing; errors in the stream are typed API errors.
    let empty = SseEvent {
        event: None,
        data: "  ".into(),
        id: None,
    };
    assert!(reader.read(&empty).unwrap().is_none());
    let err = reader
        .read(&event(json!({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})))
        .unwrap_err();
    assert!(
        matches!(&err, crate::Error::Api(e) if e.message() == "The model is overloaded."),
        "{err:?}"
    );
    let garbage = SseEvent {
        event: None,
        data: "{not json".into(),
        id: None,
    };
    assert!(matches!(
        reader.read(&garbage),
        Err(crate::Error::Protocol { .. })
    ));
}
