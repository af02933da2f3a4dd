//! Bulk runs through the batch API (issue #22), against a mock of the Files and Batch
//! endpoints in their real formats: completed batches with re-asks, an error file with some
//! items, expired and failed batches, and a run resumed by its batch id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use promptfn::{Bulk, Client, Error, Result, prompt};
use promptfn_tests::batch_mock::{BatchServer, Ending, ItemOutcome};
use serde_json::{Value, json};

#[prompt("Double {n}")]
async fn double(n: u64) -> Result<u64>;

/// The number a request body asks about, and whether it is a re-ask.
fn asked(body: &Value) -> (u64, bool) {
    let messages = body["messages"].as_array().unwrap();
    let text = messages[0]["content"].as_str().unwrap_or_default();
    let digits: String = text
        .trim_start_matches("Double ")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.parse().unwrap(), messages.len() > 1)
}

fn client(server: &BatchServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_key("sk-batch-test")
        .model("gpt-4o-mini")
        .build()
        .unwrap()
}

fn run(server: &BatchServer, inputs: std::ops::Range<u64>) -> Bulk<u64> {
    let client = client(server);
    let calls = client.clone();
    Bulk::new(inputs, move |n| double(n).client(&calls))
        .via_batch_api()
        .batch_client(&client)
        .batch_poll(Duration::from_millis(5), Duration::from_millis(20))
        .progress(false)
}

fn journal_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "promptfn-bulk-batch-{name}-{}.jsonl",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

fn journal_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn an_item_whose_request_cannot_be_read_back_keeps_its_decode_error() {
    let server = BatchServer::start(|body| {
        let (n, reask) = asked(body);
        match n {
            _ if n % 10 == 3 && !reask => ItemOutcome::Content("three-ish".into()),
            _ => ItemOutcome::Content(format!("{{\"value\": {}}}", 2 * n)),
        }
    })
    .await;
    // Items 3 and 13 answer badly; item 13's request is gone from the input file read back,
    // so only item 3 can be re-asked, and item 13 ends with its first answer's error.
    server.hide_input_line("item-13");
    let done = run(&server, 0..20).collect().await.unwrap();

    assert_eq!(done.results.len(), 20);
    for (index, result) in &done.results {
        match (index, result) {
            (13, Err(Error::Decode(e))) => assert_eq!(e.raw(), "three-ish"),
            (n, Ok(value)) => assert_eq!(*value, 2 * *n as u64),
            (n, other) => panic!("item {n}: {other:?}"),
        }
    }
    assert_eq!((done.summary.succeeded, done.summary.failed), (19, 1));
    let reasks: Vec<Value> = String::from_utf8(server.uploads()[1].1.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reasks.len(), 1);
    assert_eq!(reasks[0]["custom_id"], "item-3");
}

#[tokio::test]
async fn a_completed_batch_decodes_by_custom_id_and_reasks_once() {
    let server = BatchServer::start(|body| {
        let (n, reask) = asked(body);
        match n {
            7 => ItemOutcome::Status(
                400,
                json!({"error": {"message": "prompt too long", "type": "invalid_request_error", "param": null, "code": "context_length_exceeded"}}),
            ),
            13 => ItemOutcome::Content("still not a number".into()),
            _ if n % 10 == 3 && !reask => ItemOutcome::Content("three-ish".into()),
            _ => ItemOutcome::Content(format!("{{\"value\": {}}}", 2 * n)),
        }
    })
    .await;
    let done = run(&server, 0..30).collect().await.unwrap();

    assert_eq!(done.results.len(), 30);
    for (position, (index, result)) in done.results.iter().enumerate() {
        assert_eq!(*index, position);
        match (index, result) {
            (7, Err(Error::Api(e))) => {
                assert_eq!(e.status, 400);
                assert_eq!(e.message(), "prompt too long");
            }
            (13, Err(Error::Decode(e))) => assert_eq!(e.raw(), "still not a number"),
            (n, Ok(value)) => assert_eq!(*value, 2 * *n as u64),
            (n, other) => panic!("item {n}: {other:?}"),
        }
    }
    assert_eq!((done.summary.succeeded, done.summary.failed), (28, 2));

    // One upload of every request, then one of the three re-asks.
    let uploads = server.uploads();
    assert_eq!(uploads.len(), 2);
    assert!(uploads.iter().all(|(purpose, _)| purpose == "batch"));
    let first: Vec<Value> = String::from_utf8(uploads[0].1.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(first.len(), 30);
    assert_eq!(first[4]["custom_id"], "item-4");
    assert_eq!(first[4]["method"], "POST");
    assert_eq!(first[4]["url"], "/v1/chat/completions");
    assert_eq!(first[4]["body"]["model"], "gpt-4o-mini");
    assert_eq!(first[4]["body"]["messages"][0]["content"], "Double 4");
    let reasks: Vec<Value> = String::from_utf8(uploads[1].1.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = reasks
        .iter()
        .map(|r| r["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["item-3", "item-13", "item-23"]);
    let messages = reasks[0]["body"]["messages"].as_array().unwrap();
    assert_eq!(
        messages[1],
        json!({"role": "assistant", "content": "three-ish"})
    );
    assert_eq!(messages[2]["role"], "user");
    // The awaited path's words: why the answer was rejected, then what to send instead.
    let feedback = messages[2]["content"].as_str().unwrap();
    assert!(
        feedback.starts_with("Your answer could not be used: ")
            && feedback.ends_with("Answer again with only the corrected JSON."),
        "{feedback}"
    );
    assert_eq!(server.count("POST", "/v1/batches"), 2);
    let created = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/batches")
        .unwrap()
        .json();
    assert_eq!(created["endpoint"], "/v1/chat/completions");
    assert_eq!(created["completion_window"], "24h");
    assert!(
        created["input_file_id"]
            .as_str()
            .unwrap()
            .starts_with("file-")
    );
}

#[tokio::test]
async fn an_expired_batch_fails_its_unanswered_items_and_a_rerun_sends_only_those() {
    let server = BatchServer::start(|body| {
        let (n, _) = asked(body);
        ItemOutcome::Content(format!("{{\"value\": {}}}", 2 * n))
    })
    .await;
    server.end_next_batch(Ending::Expired { answered: 4 });
    let journal = journal_path("expired");
    let done = run(&server, 0..10)
        .journal(&journal)
        .collect()
        .await
        .unwrap();
    for (index, result) in &done.results {
        if *index < 4 {
            assert_eq!(*result.as_ref().unwrap(), 2 * *index as u64);
        } else {
            let error = result.as_ref().unwrap_err();
            assert!(matches!(error, Error::Batch { .. }), "{error}");
            assert!(error.to_string().contains("batch_expired"), "{error}");
        }
    }
    let items: Vec<u64> = journal_lines(&journal)
        .iter()
        .filter_map(|l| l["i"].as_u64())
        .collect();
    assert_eq!(items, [0, 1, 2, 3], "expired items are not journaled");

    let again = run(&server, 0..10)
        .journal(&journal)
        .collect()
        .await
        .unwrap();
    assert_eq!(again.summary.from_journal, 4);
    assert_eq!(again.summary.succeeded, 6);
    let values: Vec<u64> = again.results.into_iter().map(|(_, r)| r.unwrap()).collect();
    assert_eq!(values, (0..10).map(|n| 2 * n).collect::<Vec<_>>());
    let resent = String::from_utf8(server.uploads()[1].1.clone()).unwrap();
    assert_eq!(resent.lines().count(), 6);
    let _ = std::fs::remove_file(&journal);
}

#[tokio::test]
async fn a_failed_batch_fails_every_item_with_its_errors() {
    let server = BatchServer::start(|_| ItemOutcome::Content("{\"value\": 1}".into())).await;
    server.end_next_batch(Ending::Failed);
    let journal = journal_path("failed");
    let done = run(&server, 0..5)
        .journal(&journal)
        .collect()
        .await
        .unwrap();
    assert_eq!(done.summary.failed, 5);
    for (_, result) in &done.results {
        let shown = result.as_ref().unwrap_err().to_string();
        assert!(
            shown.contains("invalid_json_line") && shown.contains("line 1"),
            "{shown}"
        );
    }
    let lines = journal_lines(&journal);
    assert!(lines.iter().all(|l| l.get("i").is_none()));
    assert!(lines[0]["batch"]["id"].is_string());
    assert_eq!(lines[1]["batch_ended"], lines[0]["batch"]["id"]);
    let _ = std::fs::remove_file(&journal);
}

#[tokio::test]
async fn a_cancelled_batch_keeps_what_was_answered() {
    let server = BatchServer::start(|body| {
        let (n, _) = asked(body);
        ItemOutcome::Content(format!("{{\"value\": {}}}", 2 * n))
    })
    .await;
    server.end_next_batch(Ending::Cancelled { answered: 2 });
    let done = run(&server, 0..3).collect().await.unwrap();
    assert_eq!(*done.results[1].1.as_ref().unwrap(), 2);
    let shown = done.results[2].1.as_ref().unwrap_err().to_string();
    assert!(shown.contains("batch_cancelled"), "{shown}");
}

#[tokio::test]
async fn a_run_stopped_while_its_batch_runs_resumes_polling_by_batch_id() {
    let server = BatchServer::start(|body| {
        let (n, _) = asked(body);
        ItemOutcome::Content(format!("{{\"value\": {}}}", 2 * n))
    })
    .await;
    server.hold(true);
    let journal = journal_path("resume");
    // The first run is dropped while it polls (as a kill would stop it).
    let first = tokio::time::timeout(
        Duration::from_millis(300),
        run(&server, 0..8).journal(&journal).collect(),
    )
    .await;
    assert!(first.is_err(), "the held batch cannot have ended");
    let lines = journal_lines(&journal);
    assert_eq!(lines.len(), 1);
    let batch_id = lines[0]["batch"]["id"].as_str().unwrap().to_owned();
    assert!(server.count("GET", &format!("/v1/batches/{batch_id}")) >= 1);

    server.hold(false);
    let done = run(&server, 0..8)
        .journal(&journal)
        .collect()
        .await
        .unwrap();
    let values: Vec<u64> = done.results.into_iter().map(|(_, r)| r.unwrap()).collect();
    assert_eq!(values, (0..8).map(|n| 2 * n).collect::<Vec<_>>());
    assert_eq!(
        server.count("POST", "/v1/batches"),
        1,
        "nothing submitted again"
    );
    assert_eq!(server.count("POST", "/v1/files"), 1);
    let lines = journal_lines(&journal);
    assert_eq!(lines.iter().filter(|l| l.get("i").is_some()).count(), 8);
    assert_eq!(lines.last().unwrap()["batch_ended"], batch_id.as_str());

    // A third run finds everything done and sends nothing.
    let requests = server.requests().len();
    let third = run(&server, 0..8)
        .journal(&journal)
        .collect()
        .await
        .unwrap();
    assert_eq!(third.summary.from_journal, 8);
    assert_eq!(server.requests().len(), requests);
    let _ = std::fs::remove_file(&journal);
}
