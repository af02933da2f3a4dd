//! Bulk runs (issue #22): limits, order, per-item errors and the summary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::StreamExt;
use promptfn::testing::{MockClient, Reply};
use promptfn::{Bulk, Error, Result, prompt};
use promptfn_tests::fault::{Fault, FaultServer};
use promptfn_tests::mock::Recorded;

#[prompt("Double {n}")]
async fn double(n: u64) -> Result<u64>;

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

/// Answers `2n`, except for every n with `n % 7 == 3`, which gets an answer that is no number.
async fn doubling_server(delay: Duration) -> FaultServer {
    FaultServer::start(move |_, request| {
        let n = asked(request);
        let answer = if n % 7 == 3 {
            Fault::Answer("not a number".into())
        } else {
            Fault::Answer(format!("{{\"value\": {}}}", 2 * n))
        };
        Fault::Delayed(delay, Box::new(answer))
    })
    .await
}

#[tokio::test]
async fn results_come_in_input_order_with_their_errors_and_a_summary() {
    let server = doubling_server(Duration::from_millis(5)).await;
    let client = server.builder().build().unwrap();
    let done = Bulk::new(0..200u64, move |n| double(n).client(&client).retries(0))
        .concurrency(8)
        .progress(false)
        .collect()
        .await
        .unwrap();

    assert_eq!(done.results.len(), 200);
    for (position, (index, result)) in done.results.iter().enumerate() {
        assert_eq!(*index, position);
        let n = *index as u64;
        match result {
            Ok(value) => assert_eq!(*value, 2 * n),
            Err(Error::Decode(e)) => {
                assert_eq!(n % 7, 3, "only the garbled items fail");
                assert_eq!(e.raw(), "not a number", "the raw answer is kept");
            }
            Err(other) => panic!("item {n}: {other}"),
        }
    }
    let failed = (0..200u64).filter(|n| n % 7 == 3).count() as u64;
    let summary = &done.summary;
    assert_eq!((summary.succeeded, summary.failed), (200 - failed, failed));
    assert_eq!((summary.requests, summary.reasks), (200, 0));
    // The fault server reports 10 prompt and 5 completion tokens per answer.
    assert_eq!(summary.usage.total_tokens, 15 * (200 - failed));
    assert_eq!(server.count(), 200);
    // The run never had more calls in flight than its concurrency.
    assert!(
        server.peak_in_progress() <= 8,
        "{}",
        server.peak_in_progress()
    );
}

#[tokio::test]
async fn the_stream_hands_out_results_as_they_finish_and_reads_inputs_lazily() {
    let server = doubling_server(Duration::ZERO).await;
    let client = server.builder().build().unwrap();
    let pulled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&pulled);
    // An endless source: only what the run has room for is ever read.
    let inputs = (0u64..).inspect(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    let mut stream = Bulk::new(inputs, move |n| double(n).client(&client).retries(0))
        .concurrency(4)
        .progress(false)
        .stream()
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 20 {
        let (index, result) = stream.next().await.unwrap();
        if index as u64 % 7 != 3 {
            assert_eq!(result.unwrap(), 2 * index as u64);
        }
        seen.push(index);
    }
    assert_eq!(stream.summary().finished(), 20);
    drop(stream);
    let read = pulled.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (20..=24).contains(&read),
        "{read} inputs read for 20 results"
    );
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 20);
}

#[tokio::test(start_paused = true)]
async fn requests_per_minute_spaces_the_starts_of_items() {
    let mock = MockClient::new();
    mock.on("double").reply(Reply::value(4));
    let client = mock.client().unwrap();
    let begin = tokio::time::Instant::now();
    let done = Bulk::from_stream(futures_util::stream::iter(0..5u64), move |n| {
        double(n).client(&client)
    })
    .concurrency(5)
    .requests_per_minute(60)
    .progress(false)
    .collect()
    .await
    .unwrap();
    assert_eq!(done.summary.succeeded, 5);
    // Starts at 0, 1, 2, 3 and 4 seconds of virtual time, though all five could run at once.
    assert!(
        begin.elapsed() >= Duration::from_secs(4),
        "{:?}",
        begin.elapsed()
    );
    assert!(
        begin.elapsed() < Duration::from_secs(5),
        "{:?}",
        begin.elapsed()
    );
}

#[tokio::test]
async fn reasks_and_usage_are_read_from_each_answer() {
    let mock = MockClient::new();
    mock.on("double")
        .reply(Reply::text("twelve"))
        .reply(Reply::value(12).usage(7, 3))
        .reply(Reply::value(14).usage(7, 3));
    let client = mock.client().unwrap();
    let done = Bulk::new([6u64, 7], move |n| double(n).client(&client))
        .concurrency(1)
        .progress(false)
        .collect()
        .await
        .unwrap();
    let values: Vec<u64> = done.results.into_iter().map(|(_, r)| r.unwrap()).collect();
    assert_eq!(values, [12, 14]);
    assert_eq!((done.summary.requests, done.summary.reasks), (3, 1));
    assert_eq!(done.summary.usage.total_tokens, 20);
}

fn temp_journal(name: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("promptfn-bulk-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn shards_split_the_inputs_and_each_keeps_its_own_journal() {
    let server = doubling_server(Duration::ZERO).await;
    let mut all = Vec::new();
    for shard in 0..3 {
        let client = server.builder().build().unwrap();
        let journal = temp_journal(&format!("shard-{shard}"));
        let done = Bulk::new(0..20u64, move |n| double(n).client(&client).retries(0))
            .shard(shard, 3)
            .journal(&journal)
            .progress(false)
            .collect()
            .await
            .unwrap();
        let indices: Vec<usize> = done.results.iter().map(|(i, _)| *i).collect();
        assert!(indices.iter().all(|i| i % 3 == shard), "{indices:?}");
        all.extend(indices);
        let journaled = std::fs::read_to_string(&journal).unwrap().lines().count();
        assert_eq!(journaled, done.results.len());
        let _ = std::fs::remove_file(&journal);
    }
    all.sort_unstable();
    assert_eq!(all, (0..20).collect::<Vec<_>>());
    assert_eq!(server.count(), 20);
    let bad = Bulk::new(0..3u64, double).shard(3, 3).stream();
    assert!(matches!(bad, Err(Error::Config(m)) if m.contains("shard(3, 3)")));
}

#[tokio::test]
async fn a_second_run_with_the_journal_sends_only_what_got_no_answer() {
    // Item 2 meets an HTTP error (not journaled); item 3 an undecodable answer (journaled).
    let server = FaultServer::start(|index, request| {
        let n = asked(request);
        match n {
            2 if index < 5 => Fault::error(400, &[], "invalid_request_error", "bad"),
            3 => Fault::Answer("not a number".into()),
            _ => Fault::Answer(format!("{{\"value\": {}}}", 2 * n)),
        }
    })
    .await;
    let journal = temp_journal("rerun");
    let run = |journal: &std::path::Path| {
        let client = server.builder().build().unwrap();
        Bulk::new(0..5u64, move |n| double(n).client(&client).retries(0))
            .concurrency(1)
            .journal(journal)
            .progress(false)
            .collect()
    };
    let first = run(&journal).await.unwrap();
    assert!(matches!(&first.results[2].1, Err(Error::Api(_))));
    assert_eq!(server.count(), 5);

    let second = run(&journal).await.unwrap();
    assert_eq!(server.count(), 6, "only item 2 is sent again");
    assert_eq!(second.summary.from_journal, 4);
    assert_eq!(*second.results[2].1.as_ref().unwrap(), 4);
    match &second.results[3].1 {
        Err(Error::Decode(e)) => assert_eq!(e.raw(), "not a number"),
        other => panic!("{other:?}"),
    }
    let values: Vec<u64> = [0, 1, 4]
        .iter()
        .map(|&i| *second.results[i].1.as_ref().unwrap())
        .collect();
    assert_eq!(values, [0, 2, 8]);
    let _ = std::fs::remove_file(&journal);
}
