//! The tour: plain text, a streamed answer, a classification and a struct extraction, typed.
//!
//! Runs against whatever `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `PROMPTFN_MODEL` name;
//! `scripts/quickstart` starts the local model server and sets them for you.

use std::io::Write;

use promptfn::{Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;

/// A person found in a text.
#[derive(Debug, Deserialize, JsonSchema)]
struct Person {
    /// The person's name.
    name: String,
    /// Age in years, when the text says.
    age: Option<u32>,
    /// Where the person lives, when the text says.
    city: Option<String>,
}

/// The mood of a review.
#[derive(Debug, Deserialize, JsonSchema)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

/// A short, friendly answer.
#[prompt(
    "In one sentence: what is the capital of {country}?",
    max_tokens = 60,
    temperature = 0.2
)]
async fn capital(country: &str) -> Result<String>;

/// A classification: the answer is one of the enum's variants.
#[prompt("Classify the sentiment of this review: {review}", temperature = 0.0)]
async fn sentiment(review: &str) -> Result<Sentiment>;

/// An extraction: the answer is a struct.
#[prompt(
    system = "You extract facts as JSON.",
    "Extract the person mentioned in: {text}",
    temperature = 0.0,
    max_tokens = 120
)]
async fn extract_person(text: &str) -> Result<Person>;

#[tokio::main]
async fn main() -> Result<()> {
    let answer = capital("France").await?;
    println!("text:      {answer}");

    // The same kind of call, streamed: each piece is printed as soon as the model writes it.
    let mut stream = capital("Japan").stream();
    print!("streamed:  ");
    let mut deltas = 0;
    while let Some(delta) = stream.next().await {
        print!("{}", delta?);
        // Terminals show stdout line by line; show each piece now.
        let _ = std::io::stdout().flush();
        deltas += 1;
    }
    let streamed = stream.into_response().await?;
    println!(
        "\n           {deltas} deltas, finish reason {}",
        streamed
            .finish_reason
            .map_or("not given".to_owned(), |r| r.to_string())
    );

    let mood = sentiment("I loved every minute of it. Wonderful!").await?;
    println!("sentiment: {mood:?}");

    let r = extract_person("Alice is 30 years old and lives in Paris.")
        .with_meta()
        .await?;
    let p = &r.value;
    println!(
        "person:    name {:?}, age {}, city {}",
        p.name,
        p.age.map_or("unknown".to_owned(), |a| a.to_string()),
        p.city.as_deref().unwrap_or("unknown")
    );
    println!(
        "           mode {}, {} request(s), {} tokens{}",
        r.mode.map_or("text".to_owned(), |m| m.to_string()),
        r.requests,
        r.usage.map_or(0, |u| u.total_tokens),
        if r.repairs.is_empty() {
            String::new()
        } else {
            format!(
                ", repaired: {}",
                r.repairs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    Ok(())
}
