//! A bounded load test on loopback: 5,000 calls at concurrency 200 against the fault server,
//! one request in ten failing with a transient fault. Every call must end in its own result or a
//! typed error, none twice, none hanging. The figures are printed (`--nocapture`), not asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use promptfn::{Error, Result, RetryPolicy, prompt};
use promptfn_tests::fault::{Fault, FaultServer};
use tokio::sync::Semaphore;

const CALLS: usize = 5_000;
const CONCURRENCY: usize = 200;
/// The whole run must end within this, or something hangs.
const BOUND: Duration = Duration::from_secs(180);

#[prompt("Echo {id}")]
async fn echo(id: usize) -> Result<String>;

/// One request in ten gets a transient fault, chosen by a fixed hash of its index so that
/// runs are reproducible.
fn fault_for(index: usize, id: &str) -> Fault {
    let hash = (index as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29);
    if !hash.is_multiple_of(10) {
        return Fault::Answer(id.to_owned());
    }
    match (hash / 10) % 9 {
        0 => Fault::error(
            429,
            &[("retry-after-ms", "20")],
            "requests",
            "rate_limit_exceeded",
        ),
        1 => Fault::error(
            429,
            &[("retry-after", "0")],
            "tokens",
            "rate_limit_exceeded",
        ),
        2 => Fault::error(500, &[], "server_error", "internal"),
        3 => Fault::error(502, &[], "bad_gateway", "upstream"),
        4 => Fault::error(503, &[], "overloaded", "overloaded"),
        5 => Fault::error(504, &[], "timeout", "upstream_timeout"),
        6 => Fault::ResetBeforeHeaders,
        7 => Fault::ResetMidBody,
        _ => Fault::StallBeforeHeaders,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_calls_with_ten_percent_transient_faults_all_end_typed_and_unduplicated() {
    let server = FaultServer::start(|index, request| {
        let prompt = request.json()["messages"][0]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let id = prompt.strip_prefix("Echo ").unwrap_or_default();
        fault_for(index, id)
    })
    .await;
    let client = server
        .builder()
        .max_concurrency(CONCURRENCY)
        .first_byte_timeout(Duration::from_secs(2))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(200)),
        )
        .build()
        .unwrap();

    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let run = async {
        let mut calls = Vec::with_capacity(CALLS);
        for id in 0..CALLS {
            let permit = Arc::clone(&gate).acquire_owned().await.unwrap();
            let client = client.clone();
            calls.push(tokio::spawn(async move {
                let result = echo(id).client(&client).await;
                drop(permit);
                (id, result)
            }));
        }
        let mut results = Vec::with_capacity(CALLS);
        for call in calls {
            results.push(call.await.expect("no call panics"));
        }
        results
    };
    let results = tokio::time::timeout(BOUND, run)
        .await
        .expect("5,000 calls did not all end within the bound: something hangs");
    let wall = started.elapsed();

    let mut successes = 0;
    let mut seen = HashSet::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for (id, result) in &results {
        match result {
            Ok(value) => {
                assert_eq!(
                    value,
                    &id.to_string(),
                    "call {id} got another call's answer"
                );
                assert!(seen.insert(value.clone()), "answer {value} arrived twice");
                successes += 1;
            }
            Err(e) => {
                let kind = match e {
                    Error::Api(api) => format!("Api {}", api.status),
                    Error::Transport { .. } => "Transport".to_owned(),
                    Error::Timeout { phase, .. } => format!("Timeout {phase}"),
                    other => panic!("call {id} ended in an unexpected kind: {other:?}"),
                };
                *errors.entry(kind).or_default() += 1;
            }
        }
    }
    let failed: usize = errors.values().sum();
    let requests = server.count();
    println!(
        "load: {CALLS} calls at concurrency {CONCURRENCY}; {successes} succeeded; typed errors {errors:?}; \
         {requests} requests, so {} retries; peak open connections {}; wall time {:.2} s",
        requests - CALLS,
        server.peak_connections(),
        wall.as_secs_f64()
    );
    assert_eq!(results.len(), CALLS);
    assert_eq!(successes + failed, CALLS);
    assert!(requests > CALLS, "the faults must have caused retries");
    assert!(server.peak_in_progress() <= CONCURRENCY);
    // Three attempts at a 10 % fault rate leave about one call in a thousand failed; without
    // retries one in ten would. The bound is loose because a loaded machine adds timeouts.
    assert!(failed < CALLS / 20, "{failed} calls failed");
}
