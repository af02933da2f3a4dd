//! A bulk run killed midway (SIGKILL) and started again with the same journal (issue #22):
//! every item ends up journaled exactly once, nothing journaled is asked for again, and the
//! results come out in input order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use promptfn_tests::fault::{Fault, FaultServer};
use promptfn_tests::mock::Recorded;

const ITEMS: u64 = 10_000;

/// The number a `double` request asks about.
fn asked(request: &Recorded) -> u64 {
    let body = request.json();
    let text = body["messages"][0]["content"].as_str().unwrap_or_default();
    let digits: String = text
        .trim_start_matches("Double ")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a number in the prompt")
}

/// Whether attempt `attempt` at item `n` meets a fault: about one request in ten, never more
/// than two in a row for one item (the client makes up to six attempts).
fn faulty(n: u64, attempt: u32) -> Option<Fault> {
    let spread = (n.wrapping_mul(2_654_435_761) >> 7).wrapping_add(u64::from(attempt) * 7);
    if attempt >= 2 || !spread.is_multiple_of(10) {
        return None;
    }
    Some(match (n + u64::from(attempt)) % 3 {
        0 => Fault::error(503, &[], "overloaded", "server_overloaded"),
        1 => Fault::error(
            429,
            &[("retry-after-ms", "1")],
            "rate_limit",
            "rate_limit_exceeded",
        ),
        _ => Fault::ResetBeforeHeaders,
    })
}

/// The complete lines of the journal, as input indices.
fn journaled(path: &std::path::Path) -> Vec<u64> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let index = entry["i"].as_u64().expect("an item line");
            assert_eq!(entry["ok"].as_u64(), Some(2 * index), "{line}");
            index
        })
        .collect()
}

fn child(url: &str, journal: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bulk_resume"));
    command
        .arg(url)
        .arg(journal)
        .arg(ITEMS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_midway_resumes_without_sending_anything_twice() {
    let attempts: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let seen = Arc::clone(&attempts);
    let server = FaultServer::start(move |_, request| {
        let n = asked(request);
        let attempt = {
            let mut seen = seen.lock().unwrap();
            let count = seen.entry(n).or_default();
            *count += 1;
            *count - 1
        };
        faulty(n, attempt).unwrap_or_else(|| Fault::Answer(format!("{{\"value\": {}}}", 2 * n)))
    })
    .await;
    let dir = std::env::temp_dir().join(format!("promptfn-bulk-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("run.jsonl");
    let _ = std::fs::remove_file(&journal);

    // The first run, killed once about a third of the items are journaled.
    let mut first = child(&server.url(), &journal)
        .spawn()
        .expect("start the run");
    let begin = Instant::now();
    while journaled(&journal).len() < 3_000 {
        assert!(
            begin.elapsed() < Duration::from_secs(300),
            "the first run is stuck"
        );
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended before the kill"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let before = journaled(&journal);
    let asked_before = attempts.lock().unwrap().clone();
    assert!(
        before.len() < ITEMS as usize,
        "the kill came too late to test anything"
    );

    // The second run, with the same journal.
    let second = tokio::task::spawn_blocking({
        let url = server.url();
        let journal = journal.clone();
        move || child(&url, &journal).output().expect("run again")
    });
    let output = tokio::time::timeout(Duration::from_secs(300), second)
        .await
        .expect("the second run finishes")
        .unwrap();
    assert!(output.status.success(), "{output:?}");

    // Every item exactly once in the journal.
    let after = journaled(&journal);
    assert_eq!(after.len(), ITEMS as usize);
    let unique: HashSet<u64> = after.iter().copied().collect();
    assert_eq!(unique.len(), ITEMS as usize);
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "the journal is only appended to"
    );

    // Nothing journaled by the first run was asked for again.
    let asked_after = attempts.lock().unwrap().clone();
    for n in &before {
        assert_eq!(
            asked_after.get(n),
            asked_before.get(n),
            "item {n} was sent again"
        );
    }
    // Everything else was asked for, and the faults did happen.
    assert_eq!(asked_after.len(), ITEMS as usize);
    let requests: u32 = asked_after.values().sum();
    eprintln!(
        "killed with {} of {ITEMS} journaled; {requests} requests in all ({} before the kill)",
        before.len(),
        asked_before.values().sum::<u32>()
    );
    assert!(
        requests as f64 >= ITEMS as f64 * 1.05,
        "{requests} requests: too few faults"
    );

    // The results, in input order, the first run's included.
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    for n in 0..ITEMS {
        assert_eq!(lines.next(), Some(format!("{n} {}", 2 * n).as_str()));
    }
    assert_eq!(
        lines.next(),
        Some(format!("from_journal {}", before.len()).as_str())
    );
    let _ = std::fs::remove_dir_all(&dir);
}
