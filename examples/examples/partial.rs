//! Partial objects: watch an extracted record fill in while the model writes it.
//!
//! Runs against the server that `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `PROMPTFN_MODEL` name
//! (`scripts/llm-server start` prints them for the local model server). Without
//! `OPENAI_BASE_URL` it runs against the testing kit's mock client, which streams a scripted
//! answer in small deltas, so the example works offline too.

use promptfn::testing::{MockClient, Reply};
use promptfn::{Client, Partial, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;

/// An order found in a message.
#[derive(Debug, Deserialize, JsonSchema, Partial)]
struct Order {
    /// Who ordered; no snapshot is shown before the model has started writing it.
    #[partial(required)]
    customer: String,
    /// What was ordered.
    items: Vec<Item>,
    /// Anything the customer asked for, if they did.
    note: Option<String>,
}

/// One line of an order.
#[derive(Debug, Deserialize, JsonSchema, Partial)]
struct Item {
    /// The product's name.
    name: String,
    /// How many; shown only once the number is whole.
    #[partial(done)]
    quantity: u32,
}

#[prompt(
    "Extract the order from this message: {text}",
    mode = "json_object",
    temperature = 0.0,
    max_tokens = 200
)]
async fn order(text: &str) -> Result<Order>;

/// The answer the mock streams when no server is named.
const SCRIPTED: &str = r#"{"customer": "Ana Lima", "items": [{"name": "green apples", "quantity": 2}, {"name": "pears", "quantity": 12}], "note": "leave it at the door"}"#;

/// The mock's answer as a chat-completions event stream, a few characters per delta.
fn scripted_stream() -> Reply {
    let mut events: Vec<String> = SCRIPTED
        .as_bytes()
        .chunks(6)
        .map(|piece| {
            let delta = serde_json::json!({"choices": [{"index": 0, "delta": {"content": String::from_utf8_lossy(piece)}}]});
            format!("data: {delta}\n\n")
        })
        .collect();
    events.push(
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n".into(),
    );
    events.push("data: [DONE]\n\n".into());
    Reply::chunked(200, events)
}

fn client() -> Result<Client> {
    if std::env::var("OPENAI_BASE_URL").is_ok_and(|url| !url.is_empty()) {
        return Client::from_env();
    }
    println!("(no OPENAI_BASE_URL: streaming a scripted answer from the mock client)\n");
    let mock = MockClient::new();
    mock.on("order").reply(scripted_stream());
    mock.client()
}

#[tokio::main]
async fn main() -> Result<()> {
    let client = client()?;
    let text =
        "Hi, this is Ana Lima. Two green apples and twelve pears please, leave it at the door.";
    let mut stream = order(text).client(&client).stream();
    while let Some(snapshot) = stream.next().await {
        let snapshot: <Order as Partial>::Partial = snapshot?;
        println!("{snapshot:?}");
    }
    let order: Order = stream.into_value().await?;
    println!("\nfinished: {order:#?}");
    Ok(())
}
