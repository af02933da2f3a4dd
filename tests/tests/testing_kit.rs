//! An application's tests, written the way a promptfn user writes them: only the public
//! `promptfn::testing` kit, no server, no network.
//!
//! The application (`support_desk`) triages a support ticket and drafts a reply; its code calls
//! prompt functions without naming a client, as application code usually does. The tests make a
//! mock or a cassette its default client with `with_default_client`.
//!
//! The cassette `tests/cassettes/support_desk.json` holds real answers of the local SmolLM2
//! server (including its HTTP 500 to `json_schema` and the step down to `json_object`). To record
//! it again after a deliberate change of the prompts or of the request encoding:
//!
//! ```sh
//! eval "$(scripts/llm-server start --port auto)"
//! PROMPTFN_CASSETTE=record cargo test -p promptfn-tests --test testing_kit
//! scripts/llm-server stop --port "$PROMPTFN_LLM_PORT"
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::testing::{
    Cassette, CassetteMode, MockClient, Reply, forbid_live_requests, live_requests_forbidden,
    with_default_client,
};
use promptfn::{Client, Error, Mode, Result};

/// The application under test.
mod support_desk {
    use promptfn::{Error, Result, prompt};
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
    pub enum Category {
        Bug,
        Billing,
        Question,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
    pub struct Triage {
        pub category: Category,
        pub urgent: bool,
    }

    #[prompt(
        system = "You triage customer support tickets.",
        "Triage this ticket: {ticket}"
    )]
    pub async fn triage(ticket: &str) -> Result<Triage>;

    #[prompt("Write a one-sentence reply to this {category:?} ticket: {ticket}")]
    pub async fn draft_reply(ticket: &str, category: Category) -> Result<String>;

    #[derive(Debug, PartialEq)]
    pub struct Handled {
        pub triage: Option<Triage>,
        pub reply: String,
        pub escalated: bool,
    }

    pub const HUMAN_FOLLOW_UP: &str = "Thanks for writing: a person will get back to you soon.";

    /// Triage the ticket and draft a reply; when the model is unavailable, hand it to a person.
    pub async fn handle(ticket: &str) -> Result<Handled> {
        let triage = match triage(ticket).await {
            Ok(triage) => triage,
            Err(Error::Api(e)) if e.status == 429 || e.status >= 500 => {
                return Ok(Handled {
                    triage: None,
                    reply: HUMAN_FOLLOW_UP.into(),
                    escalated: true,
                });
            }
            Err(e) => return Err(e),
        };
        let reply = draft_reply(ticket, triage.category).await?;
        Ok(Handled {
            escalated: triage.urgent,
            triage: Some(triage),
            reply,
        })
    }
}

use support_desk::{Category, HUMAN_FOLLOW_UP, Handled, Triage, handle};

const TICKET: &str = "The app crashes every time I open the settings page.";

fn cassette_path() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/support_desk.json")
}

#[tokio::test]
async fn scripted_answers_drive_the_application() {
    let mock = MockClient::new();
    mock.on("triage").reply(Reply::value(Triage {
        category: Category::Bug,
        urgent: true,
    }));
    mock.on("draft_reply")
        .returns_text("Sorry about the crash: we are on it.");

    let handled = with_default_client(&mock.client().unwrap(), handle(TICKET))
        .await
        .unwrap();

    assert_eq!(
        handled,
        Handled {
            triage: Some(Triage {
                category: Category::Bug,
                urgent: true
            }),
            reply: "Sorry about the crash: we are on it.".into(),
            escalated: true,
        }
    );
    let requests = mock.requests();
    let functions: Vec<&str> = requests.iter().map(|r| r.function.as_str()).collect();
    assert_eq!(functions, ["triage", "draft_reply"]);
    assert_eq!(
        requests[0].system().as_deref(),
        Some("You triage customer support tickets.")
    );
    assert_eq!(
        requests[0].prompt(),
        format!("Triage this ticket: {TICKET}")
    );
    assert_eq!(requests[0].mode(), Some(Mode::JsonSchema));
    assert_eq!(
        requests[1].prompt(),
        format!("Write a one-sentence reply to this Bug ticket: {TICKET}")
    );
    assert_eq!(requests[1].mode(), None, "the reply is plain text");
    assert_eq!(requests[1].model(), Some(promptfn::testing::MOCK_MODEL));
}

#[tokio::test]
async fn an_overloaded_model_hands_the_ticket_to_a_person() {
    let mock = MockClient::new();
    mock.on("triage")
        .reply(Reply::api_error(503, "The model is overloaded"));

    let handled = with_default_client(&mock.client().unwrap(), handle(TICKET))
        .await
        .unwrap();

    assert_eq!(handled.reply, HUMAN_FOLLOW_UP);
    assert!(handled.escalated);
    assert!(
        mock.requests_to("draft_reply").is_empty(),
        "no reply is drafted for an untriaged ticket"
    );
}

#[tokio::test]
async fn undecodable_answers_are_re_asked_and_replies_can_depend_on_the_request() {
    let mock = MockClient::new();
    mock.on("triage")
        .returns_text("Looks like a billing problem to me!")
        .reply(Reply::value(Triage {
            category: Category::Billing,
            urgent: false,
        }));
    mock.on("draft_reply").responds_with(|request| {
        let category = if request.prompt().contains("Billing ticket") {
            "billing"
        } else {
            "other"
        };
        Reply::text(format!("Forwarded to the {category} team."))
    });

    let handled = with_default_client(&mock.client().unwrap(), handle("I was charged twice."))
        .await
        .unwrap();

    assert_eq!(handled.reply, "Forwarded to the billing team.");
    assert!(!handled.escalated);
    let triage_requests = mock.requests_to("triage");
    assert_eq!(triage_requests.len(), 2, "the prose answer was re-asked");
    assert!(
        triage_requests[1]
            .prompt()
            .contains("Your answer could not be used"),
        "{}",
        triage_requests[1].prompt()
    );
}

#[tokio::test]
async fn errors_the_application_does_not_handle_reach_its_caller() {
    let mock = MockClient::new();
    mock.on("triage")
        .reply(Reply::api_error(401, "Invalid API key"));
    let err = with_default_client(&mock.client().unwrap(), handle(TICKET))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 401), "{err}");

    mock.on("triage")
        .reply(Reply::refusal("I can't help with that."));
    let err = with_default_client(&mock.client().unwrap(), handle(TICKET))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Refused { .. }), "{err}");
}

#[tokio::test]
async fn the_live_request_guard_stops_a_client_that_would_reach_the_network() {
    let _offline = forbid_live_requests();
    assert!(live_requests_forbidden());
    // A real client, as a test that forgot to use the mock would have. Nothing listens on port 9,
    // but the guard stops the call before any connection is tried.
    let live = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .model("gpt-4o-mini")
        .build()
        .unwrap();

    let err = with_default_client(&live, handle(TICKET))
        .await
        .unwrap_err();

    let Error::LiveRequestBlocked(message) = &err else {
        panic!("expected the guard's error, got {err:?}");
    };
    assert!(message.contains("live request blocked"), "{message}");
    assert!(message.contains("`triage`"), "{message}");
    assert!(
        message.contains("http://127.0.0.1:9/v1/chat/completions"),
        "{message}"
    );
    assert!(
        message.contains("MockClient"),
        "the fix is named: {message}"
    );
}

#[tokio::test]
async fn the_live_request_guard_stops_a_bulk_run_through_the_batch_api() {
    #[promptfn::prompt("Double {n}.")]
    async fn double(n: u64) -> Result<u64>;

    let _offline = forbid_live_requests();
    // The batch API's uploads go through the client's transport like every call, so the guard
    // stops the first one before any connection is tried (nothing listens on port 9).
    let live = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .api_key("sk-never-sent")
        .model("gpt-4o-mini")
        .build()
        .unwrap();
    let calls = live.clone();
    let done = promptfn::Bulk::new(0..3_u64, move |n| double(n).client(&calls))
        .via_batch_api()
        .batch_client(&live)
        .progress(false)
        .collect()
        .await
        .unwrap();

    assert_eq!(done.results.len(), 3);
    for (index, result) in &done.results {
        let Err(Error::Batch { batch, reason }) = result else {
            panic!("item {index}: expected the batch's error, got {result:?}");
        };
        assert_eq!(batch, "(none)", "no batch was created");
        assert!(reason.contains("live request blocked"), "{reason}");
        assert!(
            reason.contains("`batch` would have sent a request to http://127.0.0.1:9/v1/files"),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn a_recorded_session_replays_offline() {
    let _offline = forbid_live_requests();
    let cassette = Cassette::open(cassette_path()).unwrap();
    let client = cassette.client_builder().model("smollm2").build().unwrap();

    let first = with_default_client(&client, handle(TICKET)).await.unwrap();

    let triage = first.triage.as_ref().expect("the recorded triage decoded");
    assert_eq!(first.escalated, triage.urgent);
    assert!(!first.reply.trim().is_empty());
    if cassette.mode() == CassetteMode::Replay {
        assert!(
            cassette.unplayed().is_empty(),
            "every recorded request was made again: {:?} were not",
            cassette.unplayed()
        );
        // Replaying is deterministic: the same calls give the same values again.
        let again = with_default_client(&client, handle(TICKET)).await.unwrap();
        assert_eq!(again, first);
    }
}

#[tokio::test]
async fn a_changed_request_no_longer_matches_the_cassette() {
    let _offline = forbid_live_requests();
    if Cassette::open(cassette_path()).unwrap().mode() != CassetteMode::Replay {
        return; // recording: the file is being rewritten by the test above
    }
    let cassette = Cassette::open_with_mode(cassette_path(), CassetteMode::Replay).unwrap();
    let client = cassette.client_builder().model("smollm2").build().unwrap();

    let err = with_default_client(&client, handle("My invoice is wrong."))
        .await
        .unwrap_err();

    let message = err.to_string();
    assert!(matches!(err, Error::NoScriptedAnswer(_)), "{message}");
    assert!(message.contains("support_desk.json"), "{message}");
    assert!(message.contains("`triage`"), "{message}");
    assert!(message.contains("messages[1].content"), "{message}");
    assert!(message.contains("My invoice is wrong."), "{message}");
    assert!(message.contains("PROMPTFN_CASSETTE=record"), "{message}");
}

#[test]
fn the_cassette_file_holds_no_credentials() -> Result<()> {
    let text = std::fs::read_to_string(cassette_path())
        .map_err(|e| Error::Config(format!("{}: {e}", cassette_path())))?;
    let lower = text.to_ascii_lowercase();
    for needle in ["authorization", "bearer", "api_key"] {
        assert!(!lower.contains(needle), "`{needle}` in the cassette");
    }
    Ok(())
}

/// Two agents whose prompt functions share the name `run` (a method and an associated function).
mod agents {
    use promptfn::{Result, prompt};

    pub struct Planner {
        pub team: &'static str,
    }

    pub struct Writer;

    impl Planner {
        #[prompt("Plan {goal} for {self.team}.")]
        pub async fn run(&self, goal: &str) -> Result<String>;
    }

    impl Writer {
        #[prompt("Write about {topic}.")]
        pub async fn run(topic: &str) -> Result<String>;
    }
}

#[tokio::test]
async fn functions_of_the_same_name_are_scripted_apart_by_their_type() {
    use agents::{Planner, Writer};
    let planner = Planner { team: "ops" };
    let mock = MockClient::new();
    mock.on("Planner::run").returns_text("a plan");
    mock.on("agents::Writer::run").returns_text("a draft");
    let client = mock.client().unwrap();
    assert_eq!(
        planner.run("launch").client(&client).await.unwrap(),
        "a plan"
    );
    assert_eq!(
        Writer::run("launch").client(&client).await.unwrap(),
        "a draft"
    );

    // The bare name answers every `run`, but a longer key that fits answers first.
    mock.on("run").returns_text("anything");
    assert_eq!(
        planner.run("launch").client(&client).await.unwrap(),
        "a plan"
    );
    let _ = mock.on("Planner::run").clear();
    assert_eq!(
        planner.run("launch").client(&client).await.unwrap(),
        "anything"
    );

    let writes = mock.requests_to("Writer::run");
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].function, "run");
    assert!(
        writes[0].function_path.ends_with("::agents::Writer::run"),
        "{}",
        writes[0].function_path
    );
    assert_eq!(mock.requests_to("run").len(), 4);
    assert_eq!(mock.requests_to("Planner::run").len(), 3);
}

/// The testing kit's own behaviours (documented on `MockClient`): retries only when asked,
/// one reply per choice, scripts replaced.
mod kit_behaviours {
    use promptfn::testing::{MOCK_MODEL, MockClient, Reply};
    use promptfn::{Choices, Error, Result, prompt};

    #[prompt("Summarise: {text}")]
    async fn summarise(text: &str) -> Result<String>;

    #[prompt("Three subject lines for: {text}", n = 3)]
    async fn subjects(text: &str) -> Result<Choices<String>>;

    #[tokio::test]
    async fn a_mock_client_sends_once_unless_its_builder_allows_retries() {
        let mock = MockClient::new();
        mock.on("summarise")
            .reply(Reply::api_error(503, "overloaded"))
            .reply(Reply::text("Short."));
        let once = summarise("x").client(&mock.client().unwrap()).await;
        assert!(
            matches!(&once, Err(Error::Api(e)) if e.status == 503),
            "{once:?}"
        );
        assert_eq!(mock.requests_to("summarise").len(), 1);

        mock.reset();
        mock.on("summarise")
            .reply(Reply::api_error(503, "overloaded"))
            .reply(Reply::text("Short."));
        let retrying = mock
            .client_builder()
            .model(MOCK_MODEL)
            .max_attempts(3)
            .build()
            .unwrap();
        assert_eq!(summarise("x").client(&retrying).await.unwrap(), "Short.");
        // Each attempt used the next scripted answer.
        assert_eq!(mock.requests_to("summarise").len(), 2);
    }

    #[tokio::test]
    async fn one_reply_fills_every_choice_and_reply_choices_scripts_each() {
        let mock = MockClient::new();
        let client = mock.client().unwrap();
        mock.on("subjects").reply(Reply::text("Same"));
        let same = subjects("x").client(&client).await.unwrap();
        assert_eq!(same.into_vec(), ["Same", "Same", "Same"]);

        mock.on("subjects").clear().reply(Reply::choices([
            Reply::text("One"),
            Reply::text("Two"),
            Reply::text("Three"),
        ]));
        let each = subjects("x").client(&client).await.unwrap();
        assert_eq!(each.into_vec(), ["One", "Two", "Three"]);
        let sent = mock.requests_to("subjects");
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].body["n"], 3);
    }

    #[tokio::test]
    async fn on_appends_clear_replaces_and_reset_forgets_everything() {
        let mock = MockClient::new();
        let client = mock.client().unwrap();
        mock.on("summarise").reply(Reply::text("first"));
        mock.on("summarise").reply(Reply::text("second"));
        let answers = [
            summarise("x").client(&client).await.unwrap(),
            summarise("x").client(&client).await.unwrap(),
            // Once used up, the last answer repeats.
            summarise("x").client(&client).await.unwrap(),
        ];
        assert_eq!(answers, ["first", "second", "second"]);

        mock.on("summarise").clear().reply(Reply::text("replaced"));
        assert_eq!(summarise("x").client(&client).await.unwrap(), "replaced");
        assert_eq!(mock.requests_to("summarise").len(), 4, "requests are kept");

        mock.reset();
        assert!(mock.requests().is_empty());
        let unscripted = summarise("x").client(&client).await;
        assert!(
            matches!(unscripted, Err(Error::NoScriptedAnswer(_))),
            "{unscripted:?}"
        );
    }
}
