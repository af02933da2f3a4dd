//! The split API: render calls to request bodies without sending them (here, lines of a batch
//! file), then decode the completions that came back into the declared type.
//!
//! Runs offline: `cargo run -p promptfn-examples --example batch`. The "completions" are what a
//! batch endpoint, a cache or a queue worker would hand back.

use promptfn::{Client, Response, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;

/// How urgent a support ticket is.
#[derive(Debug, Deserialize, JsonSchema)]
enum Priority {
    Low,
    Normal,
    High,
}

/// A classification, asked for as JSON matching the enum's schema.
#[prompt(
    "Priority of this support ticket: {ticket}",
    model = "gpt-4o-mini",
    temperature = 0.0
)]
async fn priority(ticket: &str) -> Result<Priority>;

fn main() -> Result<()> {
    // Nothing is sent, so the client needs no key; it decides the request's model defaults.
    let client = Client::builder().build()?;
    let tickets = ["The site is down for everyone", "Typo on the About page"];

    for (i, ticket) in tickets.iter().enumerate() {
        let body = priority(ticket).client(&client).request()?;
        // One line of an OpenAI batch file.
        let line = serde_json::json!({
            "custom_id": format!("ticket-{i}"),
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        });
        println!("{line}");
    }

    // What came back for each line (one answer wrapped as the schema asks, one in a code fence).
    let completions = [
        r#"{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"{\"value\":\"High\"}"}}],"usage":{"prompt_tokens":60,"completion_tokens":5,"total_tokens":65}}"#,
        r#"{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"```json\n{\"value\": \"low\"}\n```"}}]}"#,
    ];
    for (ticket, body) in tickets.iter().zip(completions) {
        let response = Response::<Priority>::from_completion(body.as_bytes())?;
        println!(
            "{ticket:?} -> {:?} (repairs: {:?}, usage: {:?})",
            response.value, response.repairs, response.usage
        );
    }
    Ok(())
}
