//! Template features: optional sections (`{#note}…{/note}`) that appear only when an `Option`
//! parameter is `Some`, lists rendered one item per line (`{items:lines}`), and the system text
//! read from a file (`system_path = "…"`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use promptfn::{Result, prompt};
use promptfn_tests::mock::{MockServer, Reply};
use serde_json::{Value, json};

/// A priority, shown through `Display`.
struct Priority(u8);

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

#[prompt(
    system_path = "prompts/support_system.md",
    "Ticket: {ticket}{#note}\nAgent note: {note}{/note}{#priority} (priority {priority}){/priority}\nTags:\n{tags:lines}"
)]
async fn triage(
    tone: &str,
    ticket: &str,
    note: Option<&str>,
    priority: Option<Priority>,
    tags: &[&str],
) -> Result<String>;

async fn sent(call: promptfn::Call<String>) -> Value {
    let server = MockServer::with([Reply::content("ok")]).await;
    call.client(&server.client()).await.unwrap();
    server.bodies()[0]["messages"].clone()
}

#[tokio::test]
async fn present_sections_appear_and_lists_go_one_per_line() {
    let messages = sent(triage(
        "friendly",
        "Site down",
        Some("customer is on the paid plan"),
        Some(Priority(1)),
        &["outage", "web"],
    ))
    .await;
    assert_eq!(
        messages,
        json!([
            {"role": "system", "content": "You answer friendly support tickets.\n"},
            {"role": "user", "content": "Ticket: Site down\nAgent note: customer is on the paid plan (priority P1)\nTags:\noutage\nweb"},
        ])
    );
}

#[tokio::test]
async fn absent_sections_leave_nothing_and_an_empty_list_renders_nothing() {
    let messages = sent(triage("terse", "Refund?", None, None, &[])).await;
    assert_eq!(
        messages,
        json!([
            {"role": "system", "content": "You answer terse support tickets.\n"},
            {"role": "user", "content": "Ticket: Refund?\nTags:\n"},
        ])
    );
}
