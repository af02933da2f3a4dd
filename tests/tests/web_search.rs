//! Web search and citations in the four dialects against mock servers: the one setting
//! (`#[prompt(web_search = true)]`, `Call::web_search`) written as each provider documents it,
//! with exact request bodies, and the sources each one cites read back into one typed list,
//! awaited and streamed:
//! - chat-completions `web_search_options`, `message.annotations` of type `url_citation`
//!   (<https://platform.openai.com/docs/api-reference/chat/create>);
//! - the Responses `web_search` tool, `output_text` annotations and
//!   `response.output_text.annotation.added` events
//!   (<https://platform.openai.com/docs/guides/tools-web-search>);
//! - Gemini's `google_search` tool and `groundingMetadata`
//!   (<https://ai.google.dev/gemini-api/docs/google-search>);
//! - Anthropic's `web_search_20250305` server tool, `server_tool_use` / `web_search_tool_result`
//!   blocks (not calls for promptfn to run), text `citations` and `citations_delta` events, and
//!   document citations (<https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool>,
//!   <https://docs.anthropic.com/en/docs/build-with-claude/citations>).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use promptfn::{
    Client, Dialect, DocumentPassage, Error, Pdf, Result, SearchContextSize, Source, WebSearch,
    prompt, tool,
};
use promptfn_tests::mock::events::bounded;
use promptfn_tests::mock::{MockServer, Reply, chunk, sse, stream_of};
use serde_json::{Value, json};

#[prompt("Who won {event}?", web_search = true)]
async fn who_won(event: &str) -> Result<String>;

#[prompt("Who won {event}?")]
async fn who_won_offline(event: &str) -> Result<String>;

static WEATHER_CALLS: AtomicUsize = AtomicUsize::new(0);

/// The current weather in a city.
#[tool]
fn weather(city: String) -> String {
    WEATHER_CALLS.fetch_add(1, Ordering::SeqCst);
    format!("sunny in {city}")
}

#[prompt("Who won {event}, and what is the weather there?", web_search = true, tools = [weather])]
async fn who_won_with_tools(event: &str) -> Result<String>;

#[prompt("Summarise {report}.", web_search = true)]
async fn summarise(report: Pdf) -> Result<String>;

/// The parameters of `weather`.
fn city_schema() -> Value {
    json!({"type": "object", "properties": {"city": {"type": "string"}},
        "required": ["city"], "additionalProperties": false})
}

const QUESTION: &str = "Who won Euro 2024?";
const EURO: &str = "https://a.example/euro-2024";
const FINAL: &str = "https://b.example/final";

/// The two sources every mock answer cites (the first one twice), as read back.
fn euro_and_final() -> Vec<Source> {
    vec![
        Source::web(EURO)
            .with_title("Euro 2024")
            .with_answer_span(0..5),
        Source::web(FINAL)
            .with_title("The final")
            .with_answer_span(6..20),
    ]
}

fn client(server: &MockServer, dialect: Dialect, model: &str) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_key("sk-test-key")
        .model(model)
        .dialect(dialect)
        .max_attempts(1)
        .build()
        .unwrap()
}

// Chat-completions.

/// A chat-completions `url_citation` annotation.
fn url_citation(url: &str, title: &str, start: u32, end: u32) -> Value {
    json!({"type": "url_citation", "url_citation": {
        "url": url, "title": title, "start_index": start, "end_index": end}})
}

fn chat_annotations() -> Value {
    json!([
        url_citation(EURO, "Euro 2024", 0, 5),
        url_citation(FINAL, "The final", 6, 20),
        url_citation(EURO, "Euro 2024 again", 21, 30),
        {"type": "a_kind_added_later", "url": "https://c.example"}
    ])
}

#[tokio::test]
async fn chat_completions_sends_web_search_options_and_reads_url_citations() {
    let server = MockServer::with([Reply::json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-search-preview",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "content": "Spain beat England.",
            "annotations": chat_annotations()}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))])
    .await;
    let r = who_won("Euro 2024")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), euro_and_final());
    assert_eq!(
        server.bodies(),
        [json!({"model": "mock-model",
            "messages": [{"role": "user", "content": QUESTION}],
            "web_search_options": {}})]
    );
}

#[tokio::test]
async fn chat_completions_per_call_options_and_a_call_without_search() {
    let server = MockServer::with([Reply::content("Spain."), Reply::content("Spain.")]).await;
    let search = WebSearch::on()
        .context_size(SearchContextSize::Low)
        .max_uses(2);
    let r = who_won_offline("Euro 2024")
        .client(&server.client())
        .web_search(search)
        .with_meta()
        .await
        .unwrap();
    assert!(r.sources().is_empty());
    // Declared on, turned off for this call.
    who_won("Euro 2024")
        .client(&server.client())
        .web_search(false)
        .await
        .unwrap();
    let bodies = server.bodies();
    assert_eq!(
        bodies[0]["web_search_options"],
        json!({"search_context_size": "low"})
    );
    assert_eq!(bodies[1].get("web_search_options"), None);
}

#[tokio::test]
async fn chat_completions_streamed_annotations_reach_the_streams_response() {
    let server = MockServer::with([stream_of([
        sse(&chunk(json!({"role": "assistant", "content": "Spain "}), None).to_string()),
        sse(&chunk(json!({"content": "beat England."}), None).to_string()),
        sse(&chunk(json!({"annotations": chat_annotations()}), Some("stop")).to_string()),
        sse("[DONE]"),
    ])])
    .await;
    let stream = who_won("Euro 2024").client(&server.client()).stream();
    let r = bounded(stream.into_response()).await.unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), euro_and_final());
    assert_eq!(server.bodies()[0]["web_search_options"], json!({}));
}

// The Responses API.

/// A Responses `url_citation` annotation (flat).
fn responses_citation(url: &str, title: &str, start: u32, end: u32) -> Value {
    json!({"type": "url_citation", "url": url, "title": title,
        "start_index": start, "end_index": end})
}

fn responses_message() -> Value {
    json!({"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
    "content": [{"type": "output_text", "text": "Spain beat England.", "annotations": [
        responses_citation(EURO, "Euro 2024", 0, 5),
        responses_citation(FINAL, "The final", 6, 20),
        responses_citation(EURO, "Euro 2024", 21, 30),
        {"type": "file_citation", "file_id": "file-1", "index": 3}
    ]}]})
}

fn web_search_call() -> Value {
    json!({"type": "web_search_call", "id": "ws_1", "status": "completed",
        "action": {"type": "search", "query": "euro 2024 winner"}})
}

fn responses_body(output: Value) -> Value {
    json!({"id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5",
        "output": output, "usage": {"input_tokens": 20, "output_tokens": 5}})
}

#[tokio::test]
async fn responses_offers_the_web_search_tool_beside_function_tools_and_reads_annotations() {
    WEATHER_CALLS.store(0, Ordering::SeqCst);
    let server = MockServer::with([Reply::json(responses_body(json!([
        web_search_call(),
        responses_message()
    ])))])
    .await;
    let r = who_won_with_tools("Euro 2024")
        .client(&client(&server, Dialect::OpenAiResponses, "gpt-4.1"))
        .web_search(WebSearch::on().context_size(SearchContextSize::High))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), euro_and_final());
    assert_eq!(WEATHER_CALLS.load(Ordering::SeqCst), 0);
    let requests = server.requests();
    assert_eq!(requests[0].path, "/v1/responses");
    assert_eq!(
        requests[0].json(),
        json!({"model": "gpt-4.1",
            "input": [{"role": "user",
                "content": "Who won Euro 2024, and what is the weather there?"}],
            "tools": [
                {"type": "function", "name": "weather",
                 "description": "The current weather in a city.",
                 "parameters": city_schema(), "strict": true},
                {"type": "web_search", "search_context_size": "high"}
            ],
            "store": false})
    );
}

/// One Responses stream event, typed in `type` and `event:`.
fn responses_event(data: Value) -> Vec<u8> {
    let kind = data["type"].as_str().unwrap_or_default().to_owned();
    format!("event: {kind}\ndata: {data}\n\n").into_bytes()
}

#[tokio::test]
async fn responses_streamed_annotation_events_reach_the_streams_response() {
    let added = |i: u32, annotation: Value| {
        responses_event(json!({"type": "response.output_text.annotation.added",
            "item_id": "msg_1", "output_index": 1, "content_index": 0,
            "annotation_index": i, "annotation": annotation}))
    };
    let server = MockServer::with([stream_of([
        responses_event(json!({"type": "response.created", "response":
            {"id": "resp_1", "status": "in_progress", "model": "gpt-5", "output": []}})),
        responses_event(
            json!({"type": "response.output_item.added", "output_index": 0,
            "item": {"type": "web_search_call", "id": "ws_1", "status": "in_progress"}}),
        ),
        responses_event(json!({"type": "response.web_search_call.completed",
            "output_index": 0, "item_id": "ws_1"})),
        responses_event(
            json!({"type": "response.output_item.done", "output_index": 0,
            "item": web_search_call()}),
        ),
        responses_event(
            json!({"type": "response.output_text.delta", "item_id": "msg_1",
            "output_index": 1, "content_index": 0, "delta": "Spain beat England."}),
        ),
        added(0, responses_citation(EURO, "Euro 2024", 0, 5)),
        added(1, responses_citation(FINAL, "The final", 6, 20)),
        responses_event(
            json!({"type": "response.output_item.done", "output_index": 1,
            "item": responses_message()}),
        ),
        responses_event(json!({"type": "response.completed",
            "response": responses_body(json!([web_search_call(), responses_message()]))})),
    ])])
    .await;
    let stream = who_won("Euro 2024")
        .client(&client(&server, Dialect::OpenAiResponses, "gpt-4.1"))
        .stream();
    let r = bounded(stream.into_response()).await.unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), euro_and_final());
    let body = server.bodies().remove(0);
    assert_eq!(body["tools"], json!([{"type": "web_search"}]));
    assert_eq!(body["stream"], true);
}

// Gemini.

fn gemini_body() -> Value {
    json!({
        "candidates": [{"index": 0, "finishReason": "STOP",
            "content": {"role": "model", "parts": [{"text": "Spain beat England."}]},
            "groundingMetadata": {
                "webSearchQueries": ["euro 2024 winner"],
                "searchEntryPoint": {"renderedContent": "<div></div>"},
                "groundingChunks": [
                    {"web": {"uri": EURO, "title": "Euro 2024"}},
                    {"web": {"uri": FINAL, "title": "The final"}},
                    {"web": {"uri": EURO, "title": "Euro 2024"}}
                ],
                "groundingSupports": [
                    {"segment": {"endIndex": 5, "text": "Spain"}, "groundingChunkIndices": [0, 2]},
                    {"segment": {"startIndex": 6, "endIndex": 20, "text": "beat England."},
                     "groundingChunkIndices": [1]}
                ]}}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
        "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"
    })
}

#[tokio::test]
async fn gemini_grounds_with_google_search_and_reads_the_grounding_chunks() {
    let server = MockServer::with([Reply::json(gemini_body())]).await;
    let r = who_won("Euro 2024")
        .client(&client(
            &server,
            Dialect::GeminiGenerateContent,
            "gemini-2.5-flash",
        ))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), euro_and_final());
    let requests = server.requests();
    assert_eq!(
        requests[0].path,
        "/v1/models/gemini-2.5-flash:generateContent"
    );
    assert_eq!(
        requests[0].json(),
        json!({"contents": [{"role": "user", "parts": [{"text": QUESTION}]}],
            "tools": [{"google_search": {}}]})
    );
}

#[tokio::test]
async fn gemini_streamed_grounding_reaches_the_streams_response() {
    let first = json!({"candidates": [{"index": 0,
        "content": {"role": "model", "parts": [{"text": "Spain "}]}}]});
    let mut last = gemini_body();
    last["candidates"][0]["content"]["parts"] = json!([{"text": "beat England."}]);
    let server =
        MockServer::with([stream_of([sse(&first.to_string()), sse(&last.to_string())])]).await;
    let stream = who_won("Euro 2024")
        .client(&client(
            &server,
            Dialect::GeminiGenerateContent,
            "gemini-2.5-flash",
        ))
        .stream();
    let r = bounded(stream.into_response()).await.unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), euro_and_final());
    assert_eq!(server.bodies()[0]["tools"], json!([{"google_search": {}}]));
}

// Anthropic.

const CLAUDE: &str = "claude-sonnet-4-5";

fn web_citation(url: &str, title: &str, cited: &str) -> Value {
    json!({"type": "web_search_result_location", "url": url, "title": title,
        "encrypted_index": "Eo8BCioIAhgB", "cited_text": cited})
}

fn claude_search_blocks() -> Vec<Value> {
    vec![
        json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
            "input": {"query": "euro 2024 winner"}}),
        json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
            {"type": "web_search_result", "url": EURO, "title": "Euro 2024",
             "encrypted_content": "EqgfCioIARgB", "page_age": "July 15, 2024"},
            {"type": "web_search_result", "url": FINAL, "title": "The final",
             "encrypted_content": "EqgfCioIARgC", "page_age": "July 15, 2024"}]}),
    ]
}

/// The sources Claude's answers cite, as read back.
fn claude_sources() -> Vec<Source> {
    vec![
        Source::web(EURO)
            .with_title("Euro 2024")
            .with_cited_text("Spain won the final"),
        Source::web(FINAL)
            .with_title("The final")
            .with_cited_text("beat England 2-1"),
    ]
}

fn claude_answer(content: Vec<Value>) -> Reply {
    Reply::json(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": CLAUDE,
        "content": content, "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": 7,
                  "server_tool_use": {"web_search_requests": 1}}
    }))
}

#[tokio::test]
async fn anthropic_offers_the_server_tool_does_not_run_its_use_and_reads_citations() {
    WEATHER_CALLS.store(0, Ordering::SeqCst);
    let mut content = claude_search_blocks();
    content.extend([
        json!({"type": "text", "text": "Spain", "citations": [
            web_citation(EURO, "Euro 2024", "Spain won the final")]}),
        json!({"type": "text", "text": " beat England.", "citations": [
            web_citation(FINAL, "The final", "beat England 2-1"),
            web_citation(EURO, "Euro 2024", "Spain won the final")]}),
    ]);
    let server = MockServer::with([claude_answer(content)]).await;
    let r = who_won_with_tools("Euro 2024")
        .client(&client(&server, Dialect::AnthropicMessages, CLAUDE))
        .web_search(WebSearch::on().max_uses(3))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), claude_sources());
    // One request: the server tool's use was Claude's own, not a call to run.
    assert_eq!(r.requests, 1);
    assert_eq!(WEATHER_CALLS.load(Ordering::SeqCst), 0);
    let requests = server.requests();
    assert_eq!(requests[0].path, "/v1/messages");
    assert_eq!(
        requests[0].json(),
        json!({"model": CLAUDE, "max_tokens": 4096,
        "messages": [{"role": "user", "content": [{"type": "text",
            "text": "Who won Euro 2024, and what is the weather there?"}]}],
        "tools": [
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
            {"name": "weather", "description": "The current weather in a city.",
             "input_schema": city_schema()}
        ]})
    );
}

/// A turn that searched and called the client tool before the search's result came: the API
/// runs the search when the turn comes back with the tool's result.
#[tokio::test]
async fn anthropic_tool_rounds_send_the_server_tools_blocks_back_unchanged() {
    WEATHER_CALLS.store(0, Ordering::SeqCst);
    let search = claude_search_blocks();
    let pending = json!({"type": "server_tool_use", "id": "srvtoolu_2", "name": "web_search",
        "input": {"query": "berlin weather"}});
    let first = Reply::json(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": CLAUDE,
        "content": [search[0], search[1], pending,
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Berlin"}}],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": 7}
    }));
    let second = claude_answer(vec![
        json!({"type": "text", "text": "Spain; sunny in Berlin."}),
    ]);
    let server = MockServer::with([first, second]).await;
    let r = who_won_with_tools("Euro 2024")
        .client(&client(&server, Dialect::AnthropicMessages, CLAUDE))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Spain; sunny in Berlin.");
    assert_eq!(WEATHER_CALLS.load(Ordering::SeqCst), 1);
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        bodies[1]["messages"][1],
        json!({"role": "assistant", "content": [search[0], search[1], pending,
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Berlin"}}]})
    );
    assert_eq!(
        bodies[1]["messages"][2],
        json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
            "content": "sunny in Berlin"}]})
    );
}

#[tokio::test]
async fn anthropic_cites_the_passages_of_a_pdf_sent_with_citations_enabled() {
    let server = MockServer::with([claude_answer(vec![json!({
        "type": "text", "text": "Sales rose.", "citations": [
            {"type": "page_location", "cited_text": "Sales rose 4%.", "document_index": 0,
             "document_title": "Report", "start_page_number": 2, "end_page_number": 3}]})])])
    .await;
    let r = summarise(Pdf::bytes(b"%PDF-1.4 tiny".to_vec()).mime("application/pdf"))
        .client(&client(&server, Dialect::AnthropicMessages, CLAUDE))
        .with_meta()
        .await
        .unwrap();
    let [source] = r.sources() else {
        panic!("one source, not {:?}", r.sources());
    };
    assert_eq!(source.url, None);
    assert_eq!(source.title.as_deref(), Some("Report"));
    assert_eq!(source.cited_text.as_deref(), Some("Sales rose 4%."));
    let passage: &DocumentPassage = source.document.as_ref().unwrap();
    assert_eq!(
        (passage.index, passage.chars.clone(), passage.pages.clone()),
        (0, None, Some(2..3))
    );
    assert_eq!(
        server.bodies()[0]["messages"][0]["content"][1],
        json!({"type": "document", "source": {"type": "base64",
            "media_type": "application/pdf", "data": "JVBERi0xLjQgdGlueQ=="},
            "citations": {"enabled": true}})
    );
}

/// One Anthropic stream event.
fn claude_event(data: Value) -> Vec<u8> {
    let kind = data["type"].as_str().unwrap_or_default().to_owned();
    format!("event: {kind}\ndata: {data}\n\n").into_bytes()
}

fn claude_message_start() -> Vec<u8> {
    claude_event(json!({"type": "message_start", "message": {"id": "msg_s",
        "type": "message", "role": "assistant", "model": CLAUDE, "content": [],
        "stop_reason": null, "usage": {"input_tokens": 20, "output_tokens": 1}}}))
}

fn start(index: u32, block: Value) -> Vec<u8> {
    claude_event(json!({"type": "content_block_start", "index": index, "content_block": block}))
}

fn delta(index: u32, delta: Value) -> Vec<u8> {
    claude_event(json!({"type": "content_block_delta", "index": index, "delta": delta}))
}

fn stop(index: u32) -> Vec<u8> {
    claude_event(json!({"type": "content_block_stop", "index": index}))
}

/// A streamed `server_tool_use` block at `index`, its input in one `input_json_delta`.
fn streamed_search_use(index: u32) -> Vec<u8> {
    [
        start(
            index,
            json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
                "input": {}}),
        ),
        delta(
            index,
            json!({"type": "input_json_delta", "partial_json": "{\"query\": \"euro 2024\"}"}),
        ),
        stop(index),
    ]
    .concat()
}

#[tokio::test]
async fn anthropic_streamed_citations_deltas_reach_the_streams_response() {
    let blocks = claude_search_blocks();
    let server = MockServer::with([stream_of([
        claude_message_start(),
        streamed_search_use(0),
        start(1, blocks[1].clone()),
        stop(1),
        start(2, json!({"type": "text", "text": "", "citations": []})),
        delta(
            2,
            json!({"type": "citations_delta",
            "citation": web_citation(EURO, "Euro 2024", "Spain won the final")}),
        ),
        delta(2, json!({"type": "text_delta", "text": "Spain"})),
        stop(2),
        start(
            3,
            json!({"type": "text", "text": " beat England.", "citations": [
            web_citation(FINAL, "The final", "beat England 2-1")]}),
        ),
        stop(3),
        claude_event(json!({"type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": null},
            "usage": {"output_tokens": 9}})),
        claude_event(json!({"type": "message_stop"})),
    ])])
    .await;
    let stream = who_won("Euro 2024")
        .client(&client(&server, Dialect::AnthropicMessages, CLAUDE))
        .stream();
    let r = bounded(stream.into_response()).await.unwrap();
    assert_eq!(r.value, "Spain beat England.");
    assert_eq!(r.sources(), claude_sources());
    assert_eq!(r.requests, 1);
    let body = server.bodies().remove(0);
    assert_eq!(
        body["tools"],
        json!([{"type": "web_search_20250305", "name": "web_search"}])
    );
}

/// A Messages answer that paused its turn (`pause_turn`) after `content`.
fn claude_paused(content: Vec<Value>) -> Reply {
    Reply::json(json!({
        "id": "msg_p", "type": "message", "role": "assistant", "model": CLAUDE,
        "content": content, "stop_reason": "pause_turn", "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": 3}
    }))
}

#[tokio::test]
async fn anthropic_a_paused_turn_is_sent_back_as_it_stands_and_carried_on() {
    let search = claude_search_blocks();
    let server = MockServer::with([
        claude_paused(vec![search[0].clone()]),
        claude_answer(vec![json!({"type": "text", "text": "Spain."})]),
    ])
    .await;
    let r = who_won("Euro 2024")
        .client(&client(&server, Dialect::AnthropicMessages, CLAUDE))
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Spain.");
    assert_eq!(r.requests, 2);
    assert_eq!(r.usage.map(|u| u.completion_tokens), Some(10));
    let bodies = server.bodies();
    assert_eq!(
        bodies[1]["messages"],
        json!([
            {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
            {"role": "assistant", "content": [search[0]]}
        ])
    );
}

#[tokio::test]
async fn anthropic_a_server_that_keeps_pausing_ends_in_max_steps() {
    let search = claude_search_blocks();
    let paused = || claude_paused(vec![search[0].clone()]);
    let server = MockServer::with([paused(), paused(), paused()]).await;
    let err = who_won("Euro 2024")
        .client(&client(&server, Dialect::AnthropicMessages, CLAUDE))
        .max_steps(2)
        .await
        .unwrap_err();
    let Error::MaxSteps(e) = &err else {
        panic!("MaxSteps, not {err:?}");
    };
    assert_eq!(e.max_steps, 2);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn anthropic_a_streamed_paused_turn_is_sent_back_with_its_search_and_carried_on() {
    let message_end = |stop: &str| {
        [
            claude_event(json!({"type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": null},
                "usage": {"output_tokens": 4}})),
            claude_event(json!({"type": "message_stop"})),
        ]
        .concat()
    };
    let server = MockServer::with([
        stream_of([
            claude_message_start(),
            start(0, json!({"type": "text", "text": ""})),
            delta(0, json!({"type": "text_delta", "text": "Searching. "})),
            stop(0),
            streamed_search_use(1),
            message_end("pause_turn"),
        ]),
        stream_of([
            claude_message_start(),
            start(0, json!({"type": "text", "text": ""})),
            delta(0, json!({"type": "text_delta", "text": "Spain."})),
            stop(0),
            message_end("end_turn"),
        ]),
    ])
    .await;
    let mut stream = who_won("Euro 2024")
        .client(&client(&server, Dialect::AnthropicMessages, CLAUDE))
        .stream();
    let mut text = String::new();
    while let Some(piece) = bounded(futures_util::StreamExt::next(&mut stream)).await {
        text.push_str(&piece.unwrap());
    }
    // Both rounds' text reached the caller as it arrived.
    assert_eq!(text, "Searching. Spain.");
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        bodies[1]["messages"][1],
        json!({"role": "assistant", "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
             "input": {"query": "euro 2024"}},
            {"type": "text", "text": "Searching. "}
        ]})
    );
}
