//! A conversation that grows call by call: sent as history, extended with each successful call's
//! new turns (the user turn, tool rounds with their provider state, the answer), left alone by a
//! failed call, and serialized and restored without changing a byte of what is sent. And calls
//! built at run time from messages, which are the same `Call<T>` as declared ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::{Call, Conversation, Error, Message, Result, Role, prompt, tool, tools};
use promptfn_tests::mock::events::{bounded, done, finish, text};
use promptfn_tests::mock::{MockServer, Reply, completion, stream_of};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// The current weather in a city.
#[tool]
fn weather(city: String) -> String {
    format!("sunny in {city}")
}

#[prompt(system = "You are a terse travel agent.", "{line}", tools = [weather])]
async fn agent(line: &str) -> Result<String>;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Ticket {
    urgent: bool,
    team: String,
}

/// A thought signature as Gemini sends it on a tool call, to be sent back byte for byte.
const SIGNATURE: &str = "c2lnbmVkIGJ5IGdlbWluaQ==";

fn signed_weather_call() -> Value {
    json!({
        "id": "call_w", "type": "function",
        "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"},
        "extra_content": {"google": {"thought_signature": SIGNATURE}},
    })
}

fn system() -> Value {
    json!({"role": "system", "content": "You are a terse travel agent."})
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": text})
}

fn assistant(text: &str) -> Value {
    json!({"role": "assistant", "content": text})
}

/// Three calls on one conversation; the second runs a tool whose call carries a signature.
async fn three_calls(server: &MockServer, chat: &mut Conversation) {
    server.push(Reply::content("Hello! Where to?"));
    server.push(Reply::json(completion(
        json!({"role": "assistant", "content": null, "tool_calls": [signed_weather_call()]}),
        "tool_calls",
    )));
    server.push(Reply::content("Sunny in Oslo."));
    server.push(Reply::content("Pack sunglasses."));
    let client = server.client();
    for line in ["Hi", "Weather in Oslo?", "What should I pack?"] {
        agent(line)
            .client(&client)
            .conversation(chat)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_third_request_carries_every_earlier_turn_with_the_tool_round_and_its_state() {
    let server = MockServer::start().await;
    let mut chat = Conversation::new();
    three_calls(&server, &mut chat).await;
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 4);
    assert_eq!(
        bodies[0]["messages"],
        json!([system(), user("Hi")]),
        "the first call has no history"
    );
    assert_eq!(
        bodies[1]["messages"],
        json!([
            system(),
            user("Hi"),
            assistant("Hello! Where to?"),
            user("Weather in Oslo?")
        ])
    );
    // The last request: the system text once, then every earlier turn in order, the tool call
    // with its signature exactly as it came, then this call's user turn.
    assert_eq!(
        bodies[3]["messages"],
        json!([
            system(),
            user("Hi"),
            assistant("Hello! Where to?"),
            user("Weather in Oslo?"),
            // (Empty text is written as "", as the tool loop itself sends it back.)
            {"role": "assistant", "content": "", "tool_calls": [signed_weather_call()]},
            {"role": "tool", "content": "sunny in Oslo", "tool_call_id": "call_w"},
            assistant("Sunny in Oslo."),
            user("What should I pack?"),
        ])
    );
    assert_eq!(chat.len(), 8);
    assert_eq!(chat.last_text().as_deref(), Some("Pack sunglasses."));
    assert!(chat.messages().iter().all(|m| m.role != Role::System));
}

#[tokio::test]
async fn a_failed_call_leaves_the_conversation_unchanged() {
    let server = MockServer::with([Reply::content("Hello!")]).await;
    let mut chat = Conversation::new();
    agent("Hi")
        .client(&server.client())
        .conversation(&mut chat)
        .await
        .unwrap();
    let before = chat.clone();
    server.push(Reply::status(
        500,
        json!({"error": {"message": "overloaded"}}),
    ));
    let error = agent("Still there?")
        .client(&server.client())
        .conversation(&mut chat)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(chat, before);
    // A structured call whose answers never decode fails too, and adds nothing.
    for _ in 0..2 {
        server.push(Reply::content("not json"));
    }
    let error = Call::<Ticket>::from_messages("triage", [Message::text(Role::User, "Down!")])
        .client(&server.client())
        .retries(1)
        .conversation(&mut chat)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
    assert_eq!(chat, before);
}

#[tokio::test]
async fn a_restored_conversation_sends_the_same_bytes() {
    let server = MockServer::start().await;
    let mut chat = Conversation::new();
    three_calls(&server, &mut chat).await;
    let saved = serde_json::to_string(&chat).unwrap();
    let mut restored: Conversation = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, chat);
    for conversation in [&mut chat, &mut restored] {
        server.push(Reply::content("Bye."));
        agent("Thanks!")
            .client(&server.client())
            .conversation(conversation)
            .await
            .unwrap();
    }
    let requests = server.requests();
    let (original, again) = (&requests[4], &requests[5]);
    assert_eq!(original.body, again.body);
    assert!(String::from_utf8_lossy(&again.body).contains(SIGNATURE));
}

#[tokio::test]
async fn rejected_answers_and_their_reasks_are_not_kept() {
    let server = MockServer::with([
        Reply::content("{\"urgent\": \"maybe\"}"),
        Reply::content("{\"urgent\": true, \"team\": \"ops\"}"),
    ])
    .await;
    let mut chat = Conversation::new();
    let r = Call::<Ticket>::from_messages("triage", [Message::text(Role::User, "Site down")])
        .client(&server.client())
        .mode(promptfn::Mode::Prompt)
        .conversation(&mut chat)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.requests, 2);
    // The transcript shows the re-ask; the conversation keeps the question and the accepted
    // answer only.
    assert_eq!(r.transcript.len(), 4);
    let kept = chat.messages();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].text_content(), "Site down");
    assert_eq!(
        kept[1].text_content(),
        "{\"urgent\": true, \"team\": \"ops\"}"
    );
}

#[tokio::test]
async fn a_run_time_call_decodes_a_struct() {
    let server =
        MockServer::with([Reply::content("{\"urgent\": false, \"team\": \"billing\"}")]).await;
    let messages = vec![
        Message::text(Role::System, "Triage the ticket."),
        Message::text(Role::User, "I was charged twice."),
    ];
    let ticket: Ticket = Call::from_messages("triage", messages)
        .client(&server.client())
        .mode(promptfn::Mode::JsonSchema)
        .await
        .unwrap();
    assert_eq!(
        ticket,
        Ticket {
            urgent: false,
            team: "billing".into()
        }
    );
    let body = &server.bodies()[0];
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "Triage the ticket."})
    );
    assert_eq!(body["messages"][1], user("I was charged twice."));
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["name"], "Ticket");
}

#[tokio::test]
async fn a_run_time_call_runs_a_tool_and_streams_into_a_conversation() {
    let server = MockServer::with([
        Reply::tool_call("weather", "{\"city\":\"Lima\"}"),
        Reply::content("Sunny in Lima."),
    ])
    .await;
    let mut chat = Conversation::new();
    let answer: String =
        Call::from_messages("chat", [Message::text(Role::User, "Weather in Lima?")])
            .client(&server.client())
            .tools(tools![weather])
            .conversation(&mut chat)
            .await
            .unwrap();
    assert_eq!(answer, "Sunny in Lima.");
    assert_eq!(
        server.bodies()[0]["tools"][0]["function"]["name"],
        "weather"
    );
    assert_eq!(chat.len(), 4);

    // A streamed call: the turns join once the stream has ended with a usable answer.
    server.push(stream_of([
        text("You're "),
        text("welcome."),
        finish("stop"),
        done(),
    ]));
    let mut stream = Call::<String>::from_messages("chat", [Message::text(Role::User, "Thanks")])
        .client(&server.client())
        .conversation(&mut chat)
        .stream();
    let mut streamed = String::new();
    while let Some(delta) = bounded(stream.next()).await {
        streamed.push_str(&delta.unwrap());
    }
    assert_eq!(streamed, "You're welcome.");
    let body = &server.bodies()[2];
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"].as_array().unwrap().len(), 5);
    assert_eq!(body["messages"][4], user("Thanks"));
    assert_eq!(chat.len(), 6);
    assert_eq!(chat.last_text().as_deref(), Some("You're welcome."));

    // A stream cut short adds nothing.
    server.push(stream_of([text("Half")]));
    let mut stream = Call::<String>::from_messages("chat", [Message::text(Role::User, "More?")])
        .client(&server.client())
        .conversation(&mut chat)
        .stream();
    let mut last = None;
    while let Some(item) = bounded(stream.next()).await {
        last = Some(item);
    }
    assert!(
        matches!(last, Some(Err(Error::Truncated { .. }))),
        "{last:?}"
    );
    assert_eq!(chat.len(), 6);
}

#[tokio::test]
async fn an_item_stream_whose_whole_answer_fails_its_check_adds_nothing() {
    // The scanner follows the first fenced list and hands out 1 and 2; the whole answer, read
    // as an awaited call reads it, is the second fence (it needs no repair, the first one's
    // trailing comma does): [3], which is not what was handed out.
    let disagreeing = "```json\n[1, 2,]\n```\n```json\n[3]\n```";
    let server = MockServer::with([
        stream_of([text(disagreeing), finish("stop"), done()]),
        stream_of([text("[4, 5]"), finish("stop"), done()]),
    ])
    .await;
    let mut chat = Conversation::new();
    let mut items = Call::<Vec<u32>>::from_messages("numbers", [Message::text(Role::User, "Two?")])
        .client(&server.client())
        .conversation(&mut chat)
        .stream();
    let mut seen = Vec::new();
    while let Some(item) = bounded(items.next()).await {
        seen.push(item);
    }
    assert!(matches!(seen[..2], [Ok(1), Ok(2)]), "{seen:?}");
    let Some(Err(Error::Decode(decode))) = seen.last() else {
        panic!("the stream ends with the whole answer's error: {seen:?}");
    };
    assert!(
        decode.attempts[0]
            .reason
            .contains("not the 2 already handed out"),
        "{decode:?}"
    );
    drop(items);
    assert_eq!(
        chat.len(),
        0,
        "a stream that ends in an error keeps no turn"
    );

    // The same call with an answer that holds: its two turns join.
    let mut items = Call::<Vec<u32>>::from_messages("numbers", [Message::text(Role::User, "Two?")])
        .client(&server.client())
        .conversation(&mut chat)
        .stream();
    let mut kept = Vec::new();
    while let Some(item) = bounded(items.next()).await {
        kept.push(item.unwrap());
    }
    drop(items);
    assert_eq!(kept, [4, 5]);
    assert_eq!(chat.len(), 2);
}

#[tokio::test]
async fn a_transcript_fed_back_as_a_conversation_keeps_the_provider_state() {
    let server = MockServer::with([
        Reply::json(completion(
            json!({"role": "assistant", "content": null, "tool_calls": [signed_weather_call()]}),
            "tool_calls",
        )),
        Reply::content("Sunny."),
        Reply::content("You're welcome."),
    ])
    .await;
    let r = agent("Weather in Oslo?")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    let mut chat = Conversation::from_messages(r.transcript.into_iter().skip(1));
    agent("Thanks")
        .client(&server.client())
        .conversation(&mut chat)
        .await
        .unwrap();
    let sent = &server.bodies()[2]["messages"];
    assert_eq!(sent[2]["tool_calls"], json!([signed_weather_call()]));
    assert_eq!(sent[5], user("Thanks"));
}

#[tokio::test]
async fn a_run_time_call_sends_media_parts_and_keeps_them_in_the_conversation() {
    let server = MockServer::with([Reply::content("A cat.")]).await;
    let mut question = Message::text(Role::User, "What is in ");
    question.push_media(promptfn::Image::url("https://img.example/cat.png"));
    question.push_text("?");
    let mut chat = Conversation::new();
    let answer: String = Call::from_messages("describe", [question])
        .client(&server.client())
        .conversation(&mut chat)
        .await
        .unwrap();
    assert_eq!(answer, "A cat.");
    let content = &server.bodies()[0]["messages"][0]["content"];
    assert_eq!(content[0], json!({"type": "text", "text": "What is in "}));
    assert_eq!(content[1]["type"], "image_url");
    assert_eq!(
        content[1]["image_url"]["url"],
        "https://img.example/cat.png"
    );
    // The medium is kept, and survives serialization.
    let saved = serde_json::to_value(&chat).unwrap();
    assert_eq!(
        saved["messages"][0]["parts"][1],
        json!({"media": {"kind": "image", "url": "https://img.example/cat.png"}})
    );
}
