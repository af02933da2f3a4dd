//! A bulk run in a process of its own, for the test that kills it midway and starts it again
//! (tests/tests/bulk_resume.rs).
//!
//! `bulk_resume BASE_URL JOURNAL COUNT`: doubles the numbers `0..COUNT` through the server at
//! BASE_URL with the journal at JOURNAL, then prints every result in input order (`index value`
//! or `index error: …`) and, last, `from_journal N`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use promptfn::{Bulk, Result, RetryPolicy, prompt};

#[prompt("Double {n}")]
async fn double(n: u64) -> Result<u64>;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (url, journal, count) = match (args.next(), args.next(), args.next()) {
        (Some(url), Some(journal), Some(count)) => (url, journal, count),
        _ => {
            eprintln!("usage: bulk_resume BASE_URL JOURNAL COUNT");
            std::process::exit(2);
        }
    };
    let count: u64 = count.parse().expect("COUNT is a number");
    let client = promptfn::Client::builder()
        .base_url(url)
        .api_key("sk-bulk-test")
        .model("bulk-model")
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(6)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .expect("client");
    let done = Bulk::new(0..count, move |n| double(n).client(&client).retries(0))
        .concurrency(32)
        .journal(journal)
        .progress(false)
        .collect()
        .await
        .expect("the run finishes");
    let mut out = String::new();
    for (index, result) in &done.results {
        match result {
            Ok(value) => out.push_str(&format!("{index} {value}\n")),
            Err(error) => out.push_str(&format!("{index} error: {error}\n")),
        }
    }
    out.push_str(&format!("from_journal {}\n", done.summary.from_journal));
    print!("{out}");
}
