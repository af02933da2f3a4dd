//! Earlier turns inside a declared prompt: `#[prompt(history = param)]` places the parameter's
//! turns as whole messages where it is written (before, between or after the fixed turns), and
//! a transcript from `with_meta()` fed back as history is sent unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::{Conversation, Message, Result, Role, prompt};
use promptfn_tests::mock::{MockServer, Reply, completion};
use serde_json::{Value, json};

#[prompt(system = "You answer support tickets.", history = thread, "{question}")]
async fn before_the_question(thread: &[Message], question: &str) -> Result<String>;

#[prompt(
    system = "Classify the mood.",
    user = "I love it",
    assistant = "happy",
    history = thread,
    user = "{line}"
)]
async fn between_examples_and_question(thread: Vec<Message>, line: &str) -> Result<String>;

#[prompt(system = "Continue the chat.", user = "Context: {topic}", history = chat)]
async fn after_the_fixed_turns(topic: &str, chat: &Conversation) -> Result<String>;

fn thread() -> Vec<Message> {
    vec![
        Message::text(Role::User, "My order is late."),
        Message::text(Role::Assistant, "Sorry! Which order?"),
    ]
}

fn sent(server: &MockServer) -> Value {
    server.bodies()[0]["messages"].clone()
}

#[tokio::test]
async fn history_before_the_question() {
    let server = MockServer::with([Reply::content("On its way.")]).await;
    before_the_question(&thread(), "Order 42, any news?")
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(
        sent(&server),
        json!([
            {"role": "system", "content": "You answer support tickets."},
            {"role": "user", "content": "My order is late."},
            {"role": "assistant", "content": "Sorry! Which order?"},
            {"role": "user", "content": "Order 42, any news?"},
        ])
    );
}

#[tokio::test]
async fn history_between_fixed_turns() {
    let server = MockServer::with([Reply::content("sad")]).await;
    between_examples_and_question(thread(), "It broke again")
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(
        sent(&server),
        json!([
            {"role": "system", "content": "Classify the mood."},
            {"role": "user", "content": "I love it"},
            {"role": "assistant", "content": "happy"},
            {"role": "user", "content": "My order is late."},
            {"role": "assistant", "content": "Sorry! Which order?"},
            {"role": "user", "content": "It broke again"},
        ])
    );
}

#[tokio::test]
async fn history_after_the_fixed_turns_ends_the_prompt() {
    let server = MockServer::with([Reply::content("Sure.")]).await;
    let mut chat = Conversation::from_messages(thread());
    chat.push(Message::text(Role::User, "Order 42."));
    after_the_fixed_turns("shipping", &chat)
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(
        sent(&server),
        json!([
            {"role": "system", "content": "Continue the chat."},
            {"role": "user", "content": "Context: shipping"},
            {"role": "user", "content": "My order is late."},
            {"role": "assistant", "content": "Sorry! Which order?"},
            {"role": "user", "content": "Order 42."},
        ])
    );
}

#[tokio::test]
async fn a_transcript_with_a_signed_tool_round_is_sent_back_unchanged_as_history() {
    let call = json!({
        "id": "call_1", "type": "function",
        "function": {"name": "lookup", "arguments": "{\"order\":42}"},
        "extra_content": {"google": {"thought_signature": "c2ln"}},
    });
    let server = MockServer::with([
        Reply::json(completion(
            json!({"role": "assistant", "content": null, "tool_calls": [call.clone()]}),
            "tool_calls",
        )),
        Reply::content("Thanks."),
    ])
    .await;
    let r = promptfn::Call::<promptfn::ToolCalls>::from_messages(
        "lookup_order",
        [Message::text(Role::User, "Where is order 42?")],
    )
    .client(&server.client())
    .tools(promptfn::tools![lookup])
    .with_meta()
    .await
    .unwrap();
    // The manual tool mode hands the calls over; answer them by hand and ask on.
    let mut thread = r.transcript;
    thread.push(Message::tool_result("call_1", "shipped"));
    before_the_question(&thread, "So when?")
        .client(&server.client())
        .await
        .unwrap();
    let messages = &server.bodies()[1]["messages"];
    assert_eq!(messages[2]["tool_calls"], json!([call]));
    assert_eq!(
        messages[3],
        json!({"role": "tool", "content": "shipped", "tool_call_id": "call_1"})
    );
    assert_eq!(messages[4], json!({"role": "user", "content": "So when?"}));
}

/// Look an order up.
#[promptfn::tool]
fn lookup(order: u32) -> String {
    format!("order {order}: shipped")
}

#[tokio::test]
async fn a_conversation_goes_where_the_history_is_declared() {
    let server = MockServer::with([Reply::content("Tomorrow.")]).await;
    let mut chat = Conversation::from_messages(thread());
    before_the_question(&[], "Order 42, any news?")
        .client(&server.client())
        .conversation(&mut chat)
        .await
        .unwrap();
    assert_eq!(
        sent(&server),
        json!([
            {"role": "system", "content": "You answer support tickets."},
            {"role": "user", "content": "My order is late."},
            {"role": "assistant", "content": "Sorry! Which order?"},
            {"role": "user", "content": "Order 42, any news?"},
        ])
    );
    assert_eq!(chat.len(), 4);
    assert_eq!(chat.last_text().as_deref(), Some("Tomorrow."));
}
