mod proptests;

use serde_json::{Map, Value, json};

use crate::cache::{CacheRequest, StablePrefix};
use crate::error::Error;
use crate::message::{Message, Role, ToolCall};
use crate::params::Sampling;
use crate::provider_state::ProviderState;
use crate::reasoning::Reasoning;
use crate::response::{FinishReason, Usage};
use crate::wire::dialect::{Dialect, Quirks, Request, StreamRequest};
use crate::wire::sse::SseEvent;

use super::*;

fn request<'a>(conversation: &'a [Message]) -> Request<'a> {
    Request {
        model: "claude-sonnet-4-5",
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

#[test]
fn system_text_and_turns_with_max_tokens_filled() {
    let msgs = [
        Message::text(Role::System, "Be brief."),
        Message::text(Role::User, "Capital of France?"),
        Message::text(Role::Assistant, "Paris"),
        Message::text(Role::User, "Capital of Italy?"),
    ];
    let mut r = request(&msgs);
    r.sampling.temperature = Some(0.2);
    r.sampling.end_user = Some("u-1");
    r.stream = Some(StreamRequest {
        include_usage: true,
    });
    assert_eq!(
        body(&r),
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 4096,
            "system": "Be brief.",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "Paris"}]},
                {"role": "user", "content": [{"type": "text", "text": "Capital of Italy?"}]}
            ],
            "temperature": 0.2,
            "metadata": {"user_id": "u-1"},
            "stream": true
        })
    );
}

#[test]
fn cache_breakpoints_mark_system_few_shot_and_the_template_up_to_its_parameter() {
    let msgs = [
        Message::text(Role::System, "Be brief."),
        Message::text(Role::User, "Capital of France?"),
        Message::text(Role::Assistant, "Paris"),
        Message::text(Role::User, "Capital of Italy?"),
    ];
    let mut r = request(&msgs);
    r.cache = Some(CacheRequest {
        key: "capital",
        prefix: Some(StablePrefix {
            message: 3,
            part: 0,
            bytes: 11,
        }),
        prompt_messages: 4,
    });
    let eph = json!({"type": "ephemeral"});
    assert_eq!(
        body(&r),
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 4096,
            "system": [{"type": "text", "text": "Be brief.", "cache_control": eph}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Paris", "cache_control": eph}
                ]},
                {"role": "user", "content": [
                    {"type": "text", "text": "Capital of ", "cache_control": eph},
                    {"type": "text", "text": "Italy?"}
                ]}
            ]
        })
    );
    // No parameter: the whole prompt is stable; the turns a tool loop adds are not.
    r.cache = Some(CacheRequest {
        key: "capital",
        prefix: None,
        prompt_messages: 2,
    });
    let b = body(&r);
    assert_eq!(b["messages"][0]["content"][0]["cache_control"], eph);
    assert!(
        b["messages"][1]["content"][0]
            .get("cache_control")
            .is_none()
    );
}

#[test]
fn reasoning_enables_thinking_with_its_budget_on_top_of_the_answer() {
    let msgs = [Message::text(Role::User, "Why?")];
    let mut r = request(&msgs);
    r.reasoning = Some(Reasoning::Medium);
    r.sampling.max_tokens = Some(1000);
    let b = body(&r);
    assert_eq!(
        b["thinking"],
        json!({"type": "enabled", "budget_tokens": 4096})
    );
    assert_eq!(b["max_tokens"], 5096);
}

fn thinking_turn() -> Message {
    let mut turn = Message::text(Role::Assistant, "");
    let mut call = ToolCall::new("toolu_1", "get_weather", r#"{"city":"Paris"}"#);
    call.state = ProviderState::default();
    turn.tool_calls = vec![
        call,
        ToolCall::new("toolu_2", "get_weather", r#"{"city":"Rome"}"#),
    ];
    let mut fields = Map::new();
    fields.insert(
        "kept_blocks".into(),
        json!([{"type": "thinking", "thinking": "Two cities.", "signature": "c2ln"}]),
    );
    turn.state = ProviderState::kept(Dialect::AnthropicMessages, fields);
    turn
}

#[test]
fn tool_rounds_send_signed_thinking_first_and_results_in_one_user_turn() {
    let msgs = [
        Message::text(Role::User, "Weather in Paris and Rome?"),
        thinking_turn(),
        Message::tool_result("toolu_1", "sunny"),
        Message::tool_result("toolu_2", "rainy"),
    ];
    let b = body(&request(&msgs));
    assert_eq!(
        b["messages"],
        json!([
            {"role": "user", "content": [{"type": "text", "text": "Weather in Paris and Rome?"}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "Two cities.", "signature": "c2ln"},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Rome"}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "rainy"}
            ]}
        ])
    );
}

#[test]
fn thinking_kept_under_its_earlier_key_is_still_sent_back() {
    let mut turn = thinking_turn();
    let mut fields = Map::new();
    fields.insert(
        "thinking_blocks".into(),
        json!([{"type": "thinking", "thinking": "Saved.", "signature": "b2xk"}]),
    );
    turn.state = ProviderState::kept(Dialect::AnthropicMessages, fields);
    let msgs = [Message::text(Role::User, "Hi"), turn];
    let b = body(&request(&msgs));
    assert_eq!(
        b["messages"][1]["content"][0],
        json!({"type": "thinking", "thinking": "Saved.", "signature": "b2xk"})
    );
}

/// An answer that searched the web, and called a client tool before the search's result came.
fn searching_answer() -> Value {
    json!({
        "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Search, then weather.", "signature": "c2ln"},
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
             "input": {"query": "euro 2024 final city"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
                {"type": "web_search_result", "url": "https://a.example/final",
                 "title": "Final", "encrypted_content": "RW5j"}]},
            {"type": "text", "text": "Berlin."},
            {"type": "server_tool_use", "id": "srvtoolu_2", "name": "web_search",
             "input": {"query": "berlin stadium"}},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Berlin"}}
        ],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 10, "output_tokens": 20}
    })
}

#[test]
fn server_tool_blocks_are_kept_in_order_and_sent_back_before_the_turns_text_and_calls() {
    let (_, parsed) = decode(searching_answer().to_string().as_bytes());
    let choice = &parsed.unwrap().choices[0];
    assert_eq!(choice.message.content.as_deref(), Some("Berlin."));
    // Claude runs its searches itself: only the client tool is a call to run.
    assert_eq!(choice.message.tool_calls.len(), 1);
    let content = &searching_answer()["content"];
    let turn = choice.message.to_message();
    let msgs = [
        Message::text(Role::User, "Where was the final, and its weather?"),
        turn,
        Message::tool_result("toolu_1", "sunny"),
    ];
    let b = body(&request(&msgs));
    assert_eq!(
        b["messages"][1]["content"],
        json!([
            content[0], content[1], content[2], content[4],
            {"type": "text", "text": "Berlin."},
            content[5]
        ])
    );
    assert_eq!(
        b["messages"][2]["content"],
        json!([{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}])
    );
}

#[test]
fn streamed_server_tool_blocks_are_kept_with_their_input_whole() {
    let content = searching_answer()["content"].clone();
    let events = [
        block_start(0, json!({"type": "thinking", "thinking": ""})),
        block_delta(
            0,
            json!({"type": "thinking_delta", "thinking": "Search, then weather."}),
        ),
        block_delta(0, json!({"type": "signature_delta", "signature": "c2ln"})),
        block_stop(0),
        block_start(
            1,
            json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}),
        ),
        block_delta(
            1,
            json!({"type": "input_json_delta", "partial_json": "{\"query\": \"euro 2024"}),
        ),
        block_delta(
            1,
            json!({"type": "input_json_delta", "partial_json": " final city\"}"}),
        ),
        block_stop(1),
        block_start(2, content[2].clone()),
        block_stop(2),
        // A use whose input never became an object keeps the one its start gave.
        block_start(
            3,
            json!({"type": "server_tool_use", "id": "srvtoolu_2", "name": "web_search", "input": {}}),
        ),
        block_delta(
            3,
            json!({"type": "input_json_delta", "partial_json": "{\"query\": "}),
        ),
        block_stop(3),
        event(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": 20}}),
        ),
        event("message_stop", json!({"type": "message_stop"})),
    ];
    let mut reader = Reader::default();
    let chunks: Vec<_> = events
        .iter()
        .filter_map(|e| reader.read(e).unwrap())
        .collect();
    // The server tools' input pieces are no tool calls of the answer.
    assert!(
        chunks
            .iter()
            .flat_map(|c| &c.choices)
            .all(|c| c.delta.tool_calls.is_empty())
    );
    let states: Vec<_> = chunks.iter().filter(|c| !c.state.is_empty()).collect();
    assert_eq!(states.len(), 1, "the kept blocks are handed on once");
    assert_eq!(
        states[0]
            .state
            .fields_for(Dialect::AnthropicMessages)
            .unwrap()
            .get("kept_blocks"),
        Some(&json!([
            content[0],
            content[1],
            content[2],
            {"type": "server_tool_use", "id": "srvtoolu_2", "name": "web_search", "input": {}}
        ]))
    );
}

#[test]
fn thinking_kept_by_another_dialect_is_not_sent() {
    let mut turn = thinking_turn();
    let mut fields = Map::new();
    fields.insert("reasoning_content".into(), json!("hmm"));
    turn.state = ProviderState::kept(Dialect::ChatCompletions, fields);
    let msgs = [Message::text(Role::User, "Hi"), turn];
    let b = body(&request(&msgs));
    assert_eq!(b["messages"][1]["content"][0]["type"], "tool_use");
}

#[test]
fn a_whole_answer_with_thinking_tool_calls_and_cache_usage() {
    let answer = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Two cities.", "signature": "c2ln"},
            {"type": "redacted_thinking", "data": "b3BhcXVl"},
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
        ],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 10, "output_tokens": 20,
                  "cache_creation_input_tokens": 100, "cache_read_input_tokens": 1000}
    });
    let text = answer.to_string();
    let (raw, parsed) = decode(text.as_bytes());
    assert_eq!(raw, answer.to_string());
    let c = parsed.unwrap();
    assert_eq!(c.id.as_deref(), Some("msg_1"));
    assert_eq!(c.usage, Some(Usage::new(1110, 20).with_cache(1000, 100)));
    let choice = &c.choices[0];
    assert_eq!(choice.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(choice.message.content.as_deref(), Some("Checking."));
    assert_eq!(choice.message.reasoning.as_deref(), Some("Two cities."));
    let call = &choice.message.tool_calls[0];
    assert_eq!(call.id.as_deref(), Some("toolu_1"));
    assert_eq!(call.function.name.as_deref(), Some("get_weather"));
    assert_eq!(
        call.function.arguments.as_deref(),
        Some(r#"{"city":"Paris"}"#)
    );
    assert_eq!(call.dialect, Dialect::AnthropicMessages);
    // The turn sent back carries both blocks, unchanged.
    let turn = choice.message.to_message();
    assert_eq!(
        turn.state
            .fields_for(Dialect::AnthropicMessages)
            .unwrap()
            .get("kept_blocks"),
        Some(&json!([
            {"type": "thinking", "thinking": "Two cities.", "signature": "c2ln"},
            {"type": "redacted_thinking", "data": "b3BhcXVl"}
        ]))
    );
}

#[test]
fn stop_reasons_map_onto_the_common_ones() {
    for (stop, reason) in [
        ("end_turn", Some(FinishReason::Stop)),
        ("stop_sequence", Some(FinishReason::Stop)),
        ("max_tokens", Some(FinishReason::Length)),
        ("tool_use", Some(FinishReason::ToolCalls)),
        ("refusal", Some(FinishReason::ContentFilter)),
        ("pause_turn", Some(FinishReason::Other("pause_turn".into()))),
    ] {
        let body = json!({"type": "message", "content": [], "stop_reason": stop});
        let (_, c) = decode(body.to_string().as_bytes());
        assert_eq!(c.unwrap().choices[0].finish_reason, reason, "{stop}");
    }
}

#[test]
fn error_bodies_and_junk_are_told_apart() {
    let err =
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
    let (_, c) = decode(err.to_string().as_bytes());
    assert_eq!(
        c.unwrap().error,
        Some(json!({"type": "overloaded_error", "message": "Overloaded"}))
    );
    assert!(decode(b"<html>").1.unwrap_err().contains("HTML"));
    assert!(decode(b"").1.unwrap_err().contains("empty"));
    assert!(decode(b"[1,2]").1.is_err());
}

fn event(kind: &str, data: Value) -> SseEvent {
    SseEvent {
        event: Some(kind.to_owned()),
        data: data.to_string(),
        id: None,
    }
}

fn block_start(index: u64, block: Value) -> SseEvent {
    event(
        "content_block_start",
        json!({"type": "content_block_start", "index": index, "content_block": block}),
    )
}

fn block_delta(index: u64, delta: Value) -> SseEvent {
    event(
        "content_block_delta",
        json!({"type": "content_block_delta", "index": index, "delta": delta}),
    )
}

fn block_stop(index: u64) -> SseEvent {
    event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": index}),
    )
}

/// A streamed answer: thinking with its signature, text, and a tool call in two pieces.
fn streamed_events() -> Vec<SseEvent> {
    vec![
        event(
            "message_start",
            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
                "role": "assistant", "model": "claude-sonnet-4-5", "content": [],
                "stop_reason": null, "usage": {"input_tokens": 10, "output_tokens": 1,
                "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 0}}}),
        ),
        block_start(0, json!({"type": "thinking", "thinking": ""})),
        block_delta(0, json!({"type": "thinking_delta", "thinking": "Two "})),
        block_delta(0, json!({"type": "thinking_delta", "thinking": "cities."})),
        block_delta(0, json!({"type": "signature_delta", "signature": "c2ln"})),
        block_stop(0),
        event("ping", json!({"type": "ping"})),
        block_start(1, json!({"type": "text", "text": ""})),
        block_delta(1, json!({"type": "text_delta", "text": "Checking."})),
        block_stop(1),
        block_start(
            2,
            json!({"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}),
        ),
        block_delta(
            2,
            json!({"type": "input_json_delta", "partial_json": "{\"city\": "}),
        ),
        block_delta(
            2,
            json!({"type": "input_json_delta", "partial_json": "\"Paris\"}"}),
        ),
        block_stop(2),
        event(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use",
                "stop_sequence": null}, "usage": {"output_tokens": 42}}),
        ),
        event("message_stop", json!({"type": "message_stop"})),
    ]
}

#[test]
fn stream_events_become_text_reasoning_tool_pieces_state_and_usage() {
    let mut reader = Reader::default();
    let chunks: Vec<_> = streamed_events()
        .iter()
        .filter_map(|e| reader.read(e).unwrap())
        .collect();
    assert_eq!(chunks[0].id.as_deref(), Some("msg_1"));
    let text: String = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.content.as_deref())
        .collect();
    assert_eq!(text, "Checking.");
    let reasoning: String = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.reasoning.as_deref())
        .collect();
    assert_eq!(reasoning, "Two cities.");
    let state = chunks.iter().rev().find(|c| !c.state.is_empty()).unwrap();
    assert_eq!(
        state
            .state
            .fields_for(Dialect::AnthropicMessages)
            .unwrap()
            .get("kept_blocks"),
        Some(&json!([{"type": "thinking", "thinking": "Two cities.", "signature": "c2ln"}]))
    );
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
        [
            (Some(0), Some("toolu_1"), Some("get_weather"), None),
            (Some(0), None, None, Some("{\"city\": ")),
            (Some(0), None, None, Some("\"Paris\"}")),
        ]
    );
    let last = chunks.last().unwrap();
    assert_eq!(last.choices[0].finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(last.usage, Some(Usage::new(1010, 42).with_cache(1000, 0)));
}

#[test]
fn a_tool_call_without_arguments_gets_an_empty_object() {
    let mut reader = Reader::default();
    let start = block_start(
        0,
        json!({"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}}),
    );
    let stop = block_stop(0);
    reader.read(&start).unwrap();
    let chunk = reader.read(&stop).unwrap().unwrap();
    assert_eq!(
        chunk.choices[0].delta.tool_calls[0]
            .function
            .arguments
            .as_deref(),
        Some("{}")
    );
}

#[test]
fn a_stream_error_event_is_a_typed_api_error() {
    let mut reader = Reader::default();
    let e = reader
        .read(&event(
            "error",
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ))
        .unwrap_err();
    match e {
        Error::Api(api) => {
            assert_eq!(api.message(), "Overloaded");
            assert!(api.to_string().contains("overloaded_error"), "{api}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        reader.read(&SseEvent {
            event: None,
            data: "not json".into(),
            id: None,
        }),
        Err(Error::Protocol { .. })
    ));
}
