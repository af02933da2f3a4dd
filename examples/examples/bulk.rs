//! A bulk run over a CSV file: classify every review, with progress on the terminal, a journal
//! that lets a killed run resume, and the results written in input order.
//!
//! Runs against whatever `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `PROMPTFN_MODEL` name;
//! `scripts/quickstart` starts the local model server and sets them for you.
//!
//! `cargo run -p promptfn-examples --example bulk [REVIEWS.csv]`: without a file it writes a
//! small one of its own (`id,review` per line). Kill it with Ctrl-C midway and run it again:
//! the reviews already classified are taken from the journal, not sent again.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

use promptfn::{Bulk, Result, prompt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The mood of a review.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

#[prompt("Classify the sentiment of this review: {review}", temperature = 0.0)]
async fn sentiment(review: &str) -> Result<Sentiment>;

/// One row of the file.
struct Row {
    id: String,
    review: String,
}

/// Read `id,review` rows one at a time (the review is the rest of the line, commas included; a
/// real program would read its CSV with the `csv` crate, quoting and all).
fn rows(path: &PathBuf) -> std::io::Result<impl Iterator<Item = Row> + Send + use<>> {
    let lines = BufReader::new(std::fs::File::open(path)?).lines();
    Ok(lines
        .skip(1)
        .map_while(|line| line.ok())
        .filter_map(|line| {
            let (id, review) = line.split_once(',')?;
            Some(Row {
                id: id.to_owned(),
                review: review.to_owned(),
            })
        }))
}

fn sample_file() -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join("promptfn-bulk-reviews.csv");
    let mut file = std::fs::File::create(&path)?;
    writeln!(file, "id,review")?;
    let reviews = [
        "Loved it, would buy again",
        "Broke after two days",
        "It is a chair",
        "Best purchase this year, the colour is perfect",
        "Arrived late and the box was crushed",
        "Does what it says",
    ];
    for i in 0..60 {
        writeln!(file, "r{i},{}", reviews[i % reviews.len()])?;
    }
    Ok(path)
}

#[tokio::main]
async fn main() -> Result<()> {
    let input = match std::env::args().nth(1) {
        Some(path) => PathBuf::from(path),
        None => sample_file().map_err(|e| promptfn::Error::Config(e.to_string()))?,
    };
    let open = |path: &PathBuf| {
        rows(path).map_err(|e| promptfn::Error::Config(format!("{}: {e}", path.display())))
    };
    let journal = input.with_extension("journal.jsonl");

    let done = Bulk::new(open(&input)?, |row: Row| sentiment(&row.review))
        .concurrency(8)
        .requests_per_minute(600)
        .journal(&journal)
        .collect()
        .await?;

    // Every row has its result, in input order: read the ids again alongside.
    for (row, (_, result)) in open(&input)?.zip(&done.results) {
        match result {
            Ok(mood) => println!("{}\t{mood:?}", row.id),
            Err(error) => println!("{}\terror: {error}", row.id),
        }
    }
    eprintln!("{}", done.summary);
    eprintln!("journal: {} (delete it to start over)", journal.display());
    Ok(())
}
