//! Live: a conversation kept over three calls against the local model server (awaited,
//! streamed, then a run-time call), each request carrying every earlier turn; and the
//! conversation survives serialization. Without a server each test says why it was skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::{Call, Conversation, Message, Result, Role, prompt};
use promptfn_tests::live;

#[prompt(
    system = "You are a helpful assistant. Answer in one short sentence.",
    "{message}",
    temperature = 0.0,
    max_tokens = 60
)]
async fn chat(message: &str) -> Result<String>;

#[tokio::test]
async fn a_conversation_grows_over_awaited_streamed_and_run_time_calls() {
    let Some(client) = live::client("conversation") else {
        return;
    };
    let mut conversation = Conversation::new();
    let first = chat("My name is Ada. Say hello to me.")
        .client(&client)
        .conversation(&mut conversation)
        .await
        .unwrap();
    assert!(!first.trim().is_empty());
    assert_eq!(conversation.len(), 2);

    let mut stream = chat("What is my name?")
        .client(&client)
        .conversation(&mut conversation)
        .stream();
    let mut streamed = String::new();
    while let Some(delta) = stream.next().await {
        streamed.push_str(&delta.unwrap());
    }
    assert_eq!(conversation.len(), 4);
    assert_eq!(conversation.last_text().as_deref(), Some(streamed.as_str()));

    // Saved and restored, then continued with messages assembled at run time.
    let saved = serde_json::to_string(&conversation).unwrap();
    let mut restored: Conversation = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, conversation);
    let r = Call::<String>::from_messages(
        "live_chat",
        [Message::text(Role::User, "Say goodbye to me by name.")],
    )
    .client(&client)
    .temperature(0.0)
    .max_tokens(60)
    .conversation(&mut restored)
    .with_meta()
    .await
    .unwrap();
    // The request carried the four earlier turns and the new one.
    assert_eq!(r.transcript.len(), 6);
    assert_eq!(
        r.transcript[0].text_content(),
        "My name is Ada. Say hello to me."
    );
    assert_eq!(restored.len(), 6);
    assert!(r.usage.is_some_and(|u| u.prompt_tokens > 0), "{r:?}");
}
