mod proptests;

use serde_json::{Value, json};

use super::*;
use crate::cache::CacheRequest;
use crate::error::Error;
use crate::message::{Message, Role, ToolCall};
use crate::params::Sampling;
use crate::provider_state::ProviderState;
use crate::reasoning::Reasoning;
use crate::response::{FinishReason, Usage};
use crate::schema::{CompiledSchema, SchemaDialect};
use crate::structured::Mode;
use crate::wire::answer::CompletionChunk;
use crate::wire::dialect::{Dialect, OutputRequest, Quirks, Request, StreamRequest};
use crate::wire::mode::ModeWire;
use crate::wire::sse::SseEvent;

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

fn person_schema() -> CompiledSchema {
    CompiledSchema {
        schema: json!({"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}),
        wrapped: false,
        name: "Person".into(),
    }
}

#[test]
fn reasoning_and_caching_are_effort_summary_and_prompt_cache_key() {
    let msgs = [Message::text(Role::User, "Why?")];
    let mut r = request("gpt-4.1", &msgs);
    r.reasoning = Some(Reasoning::Low);
    r.cache = Some(CacheRequest {
        key: "explain",
        prefix: None,
        prompt_messages: 1,
    });
    assert_eq!(
        String::from_utf8(encode(&r).unwrap()).unwrap(),
        r#"{"model":"gpt-4.1","input":[{"role":"user","content":"Why?"}],"reasoning":{"effort":"low","summary":"auto"},"prompt_cache_key":"explain","store":false}"#
    );
}

#[test]
fn system_text_is_instructions_and_turns_are_input_items() {
    let msgs = [
        Message::text(Role::System, "Be brief."),
        Message::text(Role::User, "2+2?"),
        Message::text(Role::Assistant, "4"),
        Message::text(Role::User, "3+3?"),
    ];
    let mut r = request("gpt-4.1", &msgs);
    r.sampling.temperature = Some(0.5);
    r.sampling.top_p = Some(0.9);
    r.sampling.max_tokens = Some(100);
    r.sampling.end_user = Some("u1");
    r.sampling.n = Some(3);
    assert_eq!(
        String::from_utf8(encode(&r).unwrap()).unwrap(),
        r#"{"model":"gpt-4.1","instructions":"Be brief.","input":[{"role":"user","content":"2+2?"},{"role":"assistant","content":[{"type":"output_text","text":"4"}]},{"role":"user","content":"3+3?"}],"temperature":0.5,"top_p":0.9,"max_output_tokens":100,"user":"u1","store":false}"#
    );
    r.stream = Some(StreamRequest {
        include_usage: true,
    });
    let streamed = String::from_utf8(encode(&r).unwrap()).unwrap();
    assert!(
        streamed.ends_with(r#""store":false,"stream":true}"#),
        "{streamed}"
    );
}

#[test]
fn a_later_system_message_stays_an_item_and_reasoning_models_ask_for_encrypted_reasoning() {
    let msgs = [
        Message::text(Role::User, "hi"),
        Message::text(Role::System, "Answer in French."),
    ];
    assert_eq!(
        body(&request("openai/o4-mini", &msgs)),
        json!({"model":"openai/o4-mini","input":[
            {"role":"user","content":"hi"},
            {"role":"system","content":"Answer in French."}
        ],"include":["reasoning.encrypted_content"],"store":false})
    );
    assert!(body(&request("gpt-5-mini", &msgs)).get("include").is_some());
    assert!(body(&request("gpt-4o", &msgs)).get("include").is_none());
}

#[test]
fn json_schema_mode_is_text_format_and_json_object_mode_appends_the_instruction() {
    let msgs = [
        Message::text(Role::System, "Extract."),
        Message::text(Role::User, "Ann is 3."),
    ];
    let schema = person_schema();
    let wire = ModeWire::build(&schema, Mode::JsonSchema, SchemaDialect::OpenAiStrict).unwrap();
    let mut r = request("gpt-4.1", &msgs);
    r.output = Some(OutputRequest {
        mode: Mode::JsonSchema,
        schema: &schema,
        instruction: None,
        chat: &wire,
    });
    assert_eq!(
        body(&r)["text"],
        json!({"format":{"type":"json_schema","name":"Person","schema":schema.schema,"strict":true}})
    );
    let loose = ModeWire::build(&schema, Mode::JsonSchema, SchemaDialect::JsonSchema).unwrap();
    r.output = Some(OutputRequest {
        mode: Mode::JsonSchema,
        schema: &schema,
        instruction: None,
        chat: &loose,
    });
    assert_eq!(body(&r)["text"]["format"]["strict"], json!(false));

    let object = ModeWire::build(&schema, Mode::JsonObject, SchemaDialect::JsonSchema).unwrap();
    for at in [0, 1] {
        r.output = Some(OutputRequest {
            mode: Mode::JsonObject,
            schema: &schema,
            instruction: Some((at, " JSON please")),
            chat: &object,
        });
        let b = body(&r);
        assert_eq!(b["text"], json!({"format":{"type":"json_object"}}));
        let (instructions, user) = if at == 0 {
            ("Extract. JSON please", "Ann is 3.")
        } else {
            ("Extract.", "Ann is 3. JSON please")
        };
        assert_eq!(b["instructions"], json!(instructions));
        assert_eq!(b["input"][0]["content"], json!(user));
    }
}

#[test]
fn tool_mode_offers_the_answer_tool_flat_and_forces_it() {
    let msgs = [Message::text(Role::User, "Ann is 3.")];
    let schema = person_schema();
    let wire = ModeWire::build(&schema, Mode::Tool, SchemaDialect::OpenAiStrict).unwrap();
    let mut r = request("gpt-4.1", &msgs);
    r.output = Some(OutputRequest {
        mode: Mode::Tool,
        schema: &schema,
        instruction: None,
        chat: &wire,
    });
    let b = body(&r);
    assert_eq!(
        b["tools"],
        json!([{"type":"function","name":"answer","description":"Give your answer by calling this function with it as the arguments.","parameters":schema.schema,"strict":true}])
    );
    assert_eq!(b["tool_choice"], json!({"type":"function","name":"answer"}));
    assert!(b.get("text").is_none());
}

#[test]
fn tool_turns_send_reasoning_items_calls_and_outputs_in_order() {
    let reasoning = json!({"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Look both up."}],"encrypted_content":"gAAA"});
    let mut assistant = Message::new(Role::Assistant);
    assistant.tool_calls = vec![
        ToolCall::new("call_a", "weather", r#"{"city":"Oslo"}"#),
        ToolCall::new("call_b", "weather", r#"{"city":"Rome"}"#),
    ];
    assistant.state = ProviderState::kept(
        Dialect::OpenAiResponses,
        request::turn_state(vec![reasoning.clone()]),
    );
    let msgs = [
        Message::text(Role::User, "Weather in Oslo and Rome?"),
        assistant,
        Message::tool_result("call_a", "cold"),
        Message::tool_result("call_b", "warm"),
    ];
    assert_eq!(
        body(&request("gpt-4.1", &msgs)),
        json!({"model":"gpt-4.1","input":[
            {"role":"user","content":"Weather in Oslo and Rome?"},
            reasoning,
            {"type":"function_call","call_id":"call_a","name":"weather","arguments":"{\"city\":\"Oslo\"}"},
            {"type":"function_call","call_id":"call_b","name":"weather","arguments":"{\"city\":\"Rome\"}"},
            {"type":"function_call_output","call_id":"call_a","output":"cold"},
            {"type":"function_call_output","call_id":"call_b","output":"warm"}
        ],"include":["reasoning.encrypted_content"],"store":false})
    );
}

#[test]
fn state_of_another_dialect_is_not_sent() {
    let mut assistant = Message::text(Role::Assistant, "x");
    let mut fields = serde_json::Map::new();
    fields.insert("reasoning_content".into(), json!("r"));
    assistant.state = ProviderState::kept(Dialect::ChatCompletions, fields);
    let msgs = [Message::text(Role::User, "q"), assistant];
    assert_eq!(
        body(&request("gpt-4.1", &msgs))["input"][1],
        json!({"role":"assistant","content":[{"type":"output_text","text":"x"}]})
    );
}

#[test]
fn settings_without_a_responses_field_are_refused_before_sending() {
    let msgs = [Message::text(Role::User, "q")];
    let mut r = request("gpt-4.1", &msgs);
    r.sampling.seed = Some(1);
    let e = encode(&r).unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("`seed`")),
        "{e}"
    );
    let orphan = [Message::new(Role::Tool)];
    let e = encode(&request("gpt-4.1", &orphan)).unwrap_err();
    assert!(e.to_string().contains("tool_call_id"), "{e}");
}

#[test]
fn decodes_text_reasoning_usage_and_keeps_encrypted_reasoning() {
    let body = json!({
        "id":"resp_1","object":"response","status":"completed","model":"o4-mini",
        "output":[
            {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"First."},{"type":"summary_text","text":"Then."}],"encrypted_content":"gAAA"},
            {"type":"reasoning","id":"rs_2","summary":[]},
            {"type":"web_search_call","id":"ws_1","status":"completed"},
            {"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[
                {"type":"output_text","text":"Hello","annotations":[]},
                {"type":"output_text","text":" world","annotations":[]}
            ]}
        ],
        "usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":12},"total_tokens":30},
        "error":null,"incomplete_details":null
    });
    let text = body.to_string();
    let (raw, parsed) = decode(text.as_bytes());
    assert_eq!(raw, body.to_string());
    let c = parsed.unwrap();
    assert_eq!(
        (c.id.as_deref(), c.model.as_deref()),
        (Some("resp_1"), Some("o4-mini"))
    );
    assert!(c.error.is_none());
    let choice = &c.choices[0];
    assert_eq!(choice.finish_reason, Some(FinishReason::Stop));
    let m = &choice.message;
    assert_eq!(m.content.as_deref(), Some("Hello world"));
    assert_eq!(m.reasoning.as_deref(), Some("First.\n\nThen."));
    let mut usage = Usage::new(10, 20);
    usage.cache_read_tokens = 4;
    usage.reasoning_tokens = 12;
    assert_eq!(c.usage, Some(usage));
    let kept = m.state.fields_for(Dialect::OpenAiResponses).unwrap();
    assert_eq!(kept[REASONING_ITEMS], json!([body["output"][0]]));
    assert!(m.state.fields_for(Dialect::ChatCompletions).is_none());
}

#[test]
fn decodes_function_calls_refusals_and_incomplete_answers() {
    let calls = json!({"status":"completed","output":[
        {"type":"function_call","id":"fc_1","call_id":"call_a","name":"weather","arguments":"{\"city\":\"Oslo\"}","status":"completed"},
        {"type":"function_call","id":"fc_2","call_id":"call_b","name":"weather","arguments":{"city":"Rome"}}
    ]});
    let c = decode(calls.to_string().as_bytes()).1.unwrap();
    assert_eq!(c.choices[0].finish_reason, Some(FinishReason::ToolCalls));
    let got = c.choices[0].message.calls();
    assert_eq!(
        got,
        vec![
            ToolCall::new("call_a", "weather", "{\"city\":\"Oslo\"}"),
            ToolCall::new("call_b", "weather", "{\"city\":\"Rome\"}"),
        ]
    );
    let refusal = json!({"status":"completed","output":[{"type":"message","content":[{"type":"refusal","refusal":"I can't."}]}]});
    let m = decode(refusal.to_string().as_bytes()).1.unwrap();
    assert_eq!(m.choices[0].message.refusal.as_deref(), Some("I can't."));
    for (reason, expected) in [
        ("max_output_tokens", FinishReason::Length),
        ("content_filter", FinishReason::ContentFilter),
    ] {
        let body =
            json!({"status":"incomplete","incomplete_details":{"reason":reason},"output":[]});
        let c = decode(body.to_string().as_bytes()).1.unwrap();
        assert_eq!(c.choices[0].finish_reason, Some(expected));
    }
}

#[test]
fn error_objects_and_bodies_that_are_not_responses() {
    let failed = json!({"id":"resp_1","status":"failed","output":[],"error":{"code":"server_error","message":"The model crashed."}});
    let c = decode(failed.to_string().as_bytes()).1.unwrap();
    let api = crate::error::ApiError::from_body(200, c.error.unwrap().to_string().as_bytes());
    assert_eq!(api.message(), "The model crashed.");
    assert!(decode(b"<html>").1.unwrap_err().contains("HTML"));
    assert!(decode(b" ").1.unwrap_err().contains("empty"));
    assert!(decode(b"[1]").1.is_err());
    assert!(decode(b"{\"output\": [").1.is_err());
    let (raw, _) = decode(b"{\"output\":\"caf\xe9\"}");
    assert!(raw.contains('\u{fffd}'));
}

fn event(kind: &str, data: Value) -> SseEvent {
    SseEvent {
        event: Some(kind.into()),
        data: data.to_string(),
        id: None,
    }
}

fn read_all(events: &[SseEvent]) -> Vec<CompletionChunk> {
    let mut reader = Reader::default();
    events
        .iter()
        .filter_map(|e| reader.read(e).unwrap())
        .collect()
}

#[test]
fn streamed_text_reasoning_and_usage() {
    let rs = json!({"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Think."}],"encrypted_content":"gAAA"});
    let events = [
        event(
            "response.created",
            json!({"type":"response.created","response":{"id":"resp_1","model":"o4-mini","status":"in_progress","output":[]}}),
        ),
        event(
            "response.output_item.added",
            json!({"type":"response.output_item.added","output_index":0,"item":{"type":"reasoning","id":"rs_1","summary":[]}}),
        ),
        event(
            "response.reasoning_summary_text.delta",
            json!({"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Think."}),
        ),
        event(
            "response.output_item.done",
            json!({"type":"response.output_item.done","output_index":0,"item":rs}),
        ),
        event(
            "response.content_part.added",
            json!({"type":"response.content_part.added","item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":""}}),
        ),
        event(
            "response.output_text.delta",
            json!({"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hel"}),
        ),
        event(
            "response.output_text.delta",
            json!({"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"lo"}),
        ),
        event(
            "response.output_text.done",
            json!({"type":"response.output_text.done","item_id":"msg_1","output_index":1,"content_index":0,"text":"Hello"}),
        ),
        event(
            "response.output_item.done",
            json!({"type":"response.output_item.done","output_index":1,"item":{"type":"message","id":"msg_1","content":[{"type":"output_text","text":"Hello"}]}}),
        ),
        event(
            "response.completed",
            json!({"type":"response.completed","response":{"id":"resp_1","model":"o4-mini","status":"completed","output":[rs,{"type":"message","content":[{"type":"output_text","text":"Hello"}]}],"usage":{"input_tokens":5,"output_tokens":7,"total_tokens":12,"output_tokens_details":{"reasoning_tokens":3}}}}),
        ),
    ];
    let chunks = read_all(&events);
    assert_eq!(chunks[0].id.as_deref(), Some("resp_1"));
    let text: String = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.content.as_deref())
        .collect();
    assert_eq!(text, "Hello");
    let reasoning: String = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.reasoning.as_deref())
        .collect();
    assert_eq!(reasoning, "Think.");
    let last = chunks.last().unwrap();
    assert_eq!(last.choices[0].finish_reason, Some(FinishReason::Stop));
    let mut usage = Usage::new(5, 7);
    usage.reasoning_tokens = 3;
    assert_eq!(last.usage, Some(usage));
    assert_eq!(
        last.state.fields_for(Dialect::OpenAiResponses).unwrap()[REASONING_ITEMS],
        json!([rs])
    );
}

#[test]
fn streamed_parallel_calls_are_numbered_by_item() {
    let added = |i: u64, id: &str, call: &str| {
        event(
            "response.output_item.added",
            json!({"type":"response.output_item.added","output_index":i,"item":{"type":"function_call","id":id,"call_id":call,"name":"weather","arguments":"","status":"in_progress"}}),
        )
    };
    let args = |i: u64, id: &str, delta: &str| {
        event(
            "response.function_call_arguments.delta",
            json!({"type":"response.function_call_arguments.delta","item_id":id,"output_index":i,"delta":delta}),
        )
    };
    let events = [
        added(0, "fc_1", "call_a"),
        args(0, "fc_1", "{\"city\":"),
        added(1, "fc_2", "call_b"),
        args(1, "fc_2", "{\"city\":\"Rome\"}"),
        args(0, "fc_1", "\"Oslo\"}"),
        event(
            "response.function_call_arguments.done",
            json!({"type":"response.function_call_arguments.done","item_id":"fc_1","output_index":0,"arguments":"{\"city\":\"Oslo\"}"}),
        ),
        event(
            "response.completed",
            json!({"type":"response.completed","response":{"status":"completed","output":[]}}),
        ),
    ];
    let chunks = read_all(&events);
    let pieces: Vec<_> = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .flat_map(|c| &c.delta.tool_calls)
        .map(|t| {
            (
                t.index,
                t.id.as_deref(),
                t.function.name.as_deref(),
                t.function.arguments.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        pieces,
        vec![
            (Some(0), Some("call_a"), Some("weather"), None),
            (Some(0), None, None, Some("{\"city\":")),
            (Some(1), Some("call_b"), Some("weather"), None),
            (Some(1), None, None, Some("{\"city\":\"Rome\"}")),
            (Some(0), None, None, Some("\"Oslo\"}")),
        ]
    );
    assert_eq!(
        chunks.last().unwrap().choices[0].finish_reason,
        Some(FinishReason::ToolCalls)
    );
}

#[test]
fn items_sent_whole_without_deltas_are_read_from_their_done_events() {
    let events = [
        event(
            "response.output_item.done",
            json!({"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_a","name":"f","arguments":"{}"}}),
        ),
        event(
            "response.output_item.done",
            json!({"type":"response.output_item.done","output_index":1,"item":{"type":"message","content":[{"type":"output_text","text":"done"}]}}),
        ),
        event(
            "response.incomplete",
            json!({"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[{"type":"message","content":[{"type":"output_text","text":"done"}]}]}}),
        ),
    ];
    let chunks = read_all(&events);
    let call = &chunks[0].choices[0].delta.tool_calls[0];
    assert_eq!(
        (call.id.as_deref(), call.function.arguments.as_deref()),
        (Some("call_a"), Some("{}"))
    );
    assert_eq!(chunks[1].choices[0].delta.content.as_deref(), Some("done"));
    let last = &chunks[2].choices[0];
    assert_eq!(last.delta.content, None);
    assert_eq!(last.finish_reason, Some(FinishReason::Length));
}

#[test]
fn stream_errors_are_typed() {
    let mut reader = Reader::default();
    let e = reader
        .read(&event(
            "error",
            json!({"type":"error","code":"rate_limit_exceeded","message":"Slow down.","param":null,"sequence_number":3}),
        ))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api(api) if api.message() == "Slow down."),
        "{e:?}"
    );
    let e = reader
        .read(&event(
            "response.failed",
            json!({"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"Boom."}}}),
        ))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api(api) if api.message() == "Boom."),
        "{e:?}"
    );
    let e = reader
        .read(&SseEvent {
            event: None,
            data: "{not json".into(),
            id: None,
        })
        .unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    let keep_alive = SseEvent {
        event: None,
        data: " ".into(),
        id: None,
    };
    assert!(reader.read(&keep_alive).unwrap().is_none());
    let unknown = event(
        "response.web_search_call.searching",
        json!({"type":"response.web_search_call.searching"}),
    );
    assert!(reader.read(&unknown).unwrap().is_none());
}
