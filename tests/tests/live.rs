//! The live test group: typed calls against a real OpenAI-compatible server, one of the two
//! local servers with SmolLM2-135M-Instruct that `scripts/test` starts (llama-cpp-python's,
//! then llama.cpp's own llama-server; `PROMPTFN_LIVE_SERVER` says which).
//!
//! They are the best test material there is: llama-cpp-python rejects `json_schema` with HTTP
//! 500, rejects array content and ignores `n`; llama-server constrains `json_schema` with a
//! grammar; and the 135M-parameter model sometimes writes broken JSON. Each test asserts that
//! the typed value arrives anyway. Without a server (plain `cargo test`) each test prints why
//! it was skipped, and passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::{Choices, Mode, Result, prompt};
use promptfn_tests::live;
use schemars::JsonSchema;
use serde::Deserialize;

// The fields shape the schema the model answers; only `name` is asserted, the model's
// values for the rest vary.
#[allow(dead_code)]
#[derive(Debug, Deserialize, JsonSchema)]
struct Person {
    name: String,
    age: Option<u32>,
    city: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize, JsonSchema)]
struct Book {
    title: String,
    author: Option<String>,
    year: Option<i32>,
}

#[prompt(
    "What is the capital of {country}? Answer in one sentence.",
    temperature = 0.0,
    max_tokens = 200
)]
async fn capital(country: &str) -> Result<String>;

#[prompt(
    system = "You are a pirate. Always answer like a pirate.",
    "Say hello to {name}.",
    temperature = 0.0,
    max_tokens = 200
)]
async fn pirate_greeting(name: &str) -> Result<String>;

#[prompt("Classify the sentiment of this review: {review}", temperature = 0.0)]
async fn sentiment(review: &str) -> Result<Sentiment>;

#[prompt("Extract the person: {text}", temperature = 0.0, max_tokens = 120)]
async fn extract_person(text: &str) -> Result<Person>;

#[prompt(
    "List three colours that appear in: {text}",
    temperature = 0.0,
    max_tokens = 80
)]
async fn colours(text: &str) -> Result<Vec<String>>;

#[prompt("Is this statement true? {claim}", temperature = 0.0, max_tokens = 20)]
async fn is_true(claim: &str) -> Result<bool>;

#[prompt(
    "How many legs does a {animal} have?",
    temperature = 0.0,
    max_tokens = 20
)]
async fn legs(animal: &str) -> Result<u32>;

#[prompt("Describe the book: {text}", temperature = 0.0, max_tokens = 120)]
async fn book(text: &str) -> Result<Book>;

#[prompt(
    "Which people are mentioned in: {text}",
    temperature = 0.0,
    max_tokens = 160
)]
async fn people(text: &str) -> Result<Vec<Person>>;

#[prompt(
    "Is there a city named in: {text}? Give it, or null.",
    temperature = 0.0,
    max_tokens = 40
)]
async fn city_in(text: &str) -> Result<Option<String>>;

#[prompt(
    "Classify the sentiment of this review: {review}",
    n = 3,
    temperature = 0.8
)]
async fn sentiments(review: &str) -> Result<Choices<Sentiment>>;

#[prompt(
    "Write a tagline for {product}.",
    temperature = 0.7,
    top_p = 0.9,
    max_tokens = 200,
    stop = ["\n\n"],
    presence_penalty = 0.5,
    frequency_penalty = 0.5,
    logit_bias = [(28, -5)],
    seed = 7,
    end_user = "live-test",
)]
async fn tagline(product: &str) -> Result<String>;

#[tokio::test]
async fn plain_text() {
    let Some(client) = live::client("plain_text") else {
        return;
    };
    let r = capital("France").client(&client).with_meta().await.unwrap();
    assert!(!r.value.trim().is_empty());
    assert!(r.usage.is_some_and(|u| u.completion_tokens > 0), "{r:?}");
    assert_eq!(r.model.as_deref(), Some("smollm2"));
}

#[tokio::test]
async fn system_prompt_is_sent_as_plain_strings() {
    let Some(client) = live::client("system_prompt") else {
        return;
    };
    let text = pirate_greeting("Ann").client(&client).await.unwrap();
    assert!(!text.trim().is_empty());
}

#[tokio::test]
async fn every_sampling_parameter_is_accepted() {
    let Some(client) = live::client("every_sampling_parameter") else {
        return;
    };
    let first = tagline("a rust framework").client(&client).await.unwrap();
    let again = tagline("a rust framework").client(&client).await.unwrap();
    assert!(!first.is_empty());
    assert_eq!(
        first, again,
        "the same seed gives the same answer on this server"
    );
}

/// The ladder ends on a different mode on each server: llama-cpp-python rejects `json_schema`
/// (HTTP 500) and takes `json_object`; llama-server accepts `json_schema` at once.
#[tokio::test]
async fn the_ladder_finds_each_servers_mode_then_remembers_it() {
    let Some(client) = live::client("mode_ladder") else {
        return;
    };
    let first = sentiment("I loved it, wonderful!")
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    let server = live::Server::current();
    match server {
        live::Server::LlamaCppPython => {
            assert_eq!(
                first.mode,
                Some(Mode::JsonObject),
                "json_schema is rejected with HTTP 500"
            );
            assert!(
                first.requests >= 2,
                "one request was spent learning the mode"
            );
        }
        live::Server::LlamaServer => {
            assert_eq!(
                first.mode,
                Some(Mode::JsonSchema),
                "json_schema is accepted"
            );
            assert_eq!(first.requests, 1, "no request spent on the ladder");
        }
    }
    let second = sentiment("Terrible, I hated it.")
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(second.mode, first.mode);
    assert_eq!(second.requests, 1, "the learnt mode is used straight away");
    eprintln!("mode ladder on {server:?}: ended with {:?}", first.mode);
}

#[tokio::test]
async fn forced_tool_mode_works() {
    let Some(client) = live::client("tool_mode") else {
        return;
    };
    let r = extract_person("Bob is 42 years old.")
        .client(&client)
        .mode(Mode::Tool)
        .with_meta()
        .await
        .unwrap();
    // llama-server ignores the forced tool and SmolLM2's template drops the tools: an answer
    // without a tool call is sent again in json_schema mode, unless it held the value already.
    let modes: &[Mode] = match live::Server::current() {
        live::Server::LlamaCppPython => &[Mode::Tool],
        live::Server::LlamaServer => &[Mode::Tool, Mode::JsonSchema],
    };
    assert!(
        r.mode.is_some_and(|mode| modes.contains(&mode)),
        "{:?}",
        r.mode
    );
    assert!(!r.value.name.is_empty());
}

#[tokio::test]
async fn prompt_mode_works() {
    let Some(client) = live::client("prompt_mode") else {
        return;
    };
    let r = extract_person("Alice is 30 years old and lives in Paris.")
        .client(&client)
        .mode(Mode::Prompt)
        .max_tokens(200)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.mode, Some(Mode::Prompt));
}

#[tokio::test]
async fn choices_are_filled_when_the_server_ignores_n() {
    let Some(client) = live::client("choices_filled") else {
        return;
    };
    let r = sentiments("It was fine, nothing special.")
        .client(&client)
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value.len(), 3);
    if live::Server::current() == live::Server::LlamaCppPython {
        assert!(
            r.requests >= 3,
            "llama-cpp-python answers one choice per request: {} requests",
            r.requests
        );
    }
    eprintln!("three choices in {} requests", r.requests);
}

/// The struct-extraction rate the issue asks for: 20 consecutive runs; each value must carry a
/// name, and at most one run may end without a value (the model's answer held none).
#[tokio::test]
async fn struct_extraction_decodes_twenty_times_in_a_row() {
    let Some(client) = live::client("struct_extraction_x20") else {
        return;
    };
    let texts = [
        "Alice is 30 years old and lives in Paris.",
        "Bob, 42, lives in Berlin.",
        "Carla moved to Madrid when she was 25.",
        "Dmitri is a 61-year-old from Moscow.",
    ];
    let mut requests = 0;
    let mut repaired = 0;
    let mut no_value = Vec::new();
    for i in 0..20 {
        let r = extract_person(texts[i % texts.len()])
            .client(&client)
            .with_meta()
            .await;
        let r = match r {
            Ok(r) => r,
            // No answer held a value, re-asks included: at temperature 0, SmolLM2 on
            // llama-cpp-python has answered "Bob, 42, lives in Berlin." with an empty name and
            // a city string that runs past its code block into prose, every time it was asked.
            // The decoder refuses that rather than make up a person.
            Err(e @ promptfn::Error::Decode(_)) => {
                eprintln!("run {i} gave no value: {e}");
                no_value.push(i);
                continue;
            }
            Err(e) => panic!("run {i} failed: {e}"),
        };
        requests += r.requests;
        repaired += usize::from(!r.repairs.is_empty());
        // Every text names its person: a decoded value must carry the name.
        assert!(
            !r.value.name.is_empty(),
            "run {i} gave no name: {:?}\nraw answer: {}",
            r.value,
            r.raw
        );
    }
    eprintln!(
        "struct extraction: {}/20 decoded, {requests} requests, {repaired} needed repairs",
        20 - no_value.len()
    );
    assert!(no_value.len() <= 1, "runs {no_value:?} gave no value");
}

const REVIEWS: [&str; 10] = [
    "Great value, works perfectly.",
    "Broken on arrival. Awful.",
    "It was fine, nothing special.",
    "Absolutely loved the service!",
    "The worst purchase I have ever made.",
    "Delivery was on time and the box was intact.",
    "I am very happy with this phone.",
    "It stopped working after two days.",
    "Average quality for the price.",
    "Fantastic book, I read it twice.",
];

const PERSONS: [&str; 10] = [
    "Eve is 28 and lives in Rome.",
    "Zoe is 19.",
    "Alice is 30 years old and lives in Paris.",
    "Bob, 42, lives in Berlin.",
    "Carla moved to Madrid when she was 25.",
    "Dmitri is a 61-year-old from Moscow.",
    "Hans, aged 50, is a baker in Vienna.",
    "Mei is a 23-year-old student in Tokyo.",
    "Omar lives in Cairo.",
    "Priya turned 35 last month.",
];

const SCENES: [&str; 10] = [
    "a red car, a blue sky and green grass",
    "yellow bananas, purple grapes and orange carrots",
    "a white house with a black door and a red roof",
    "a green flag with a white cross and a blue stripe",
    "pink flowers in a brown pot on a grey table",
    "a blue sea under a gold sunset with red clouds",
    "black coffee in a white cup on a green tray",
    "silver spoons, a gold ring and a red ribbon",
    "an orange cat on a purple sofa by a yellow lamp",
    "green leaves, brown trunks and blue shadows",
];

const CLAIMS: [&str; 10] = [
    "The sun is a star.",
    "Water boils at 100 degrees Celsius at sea level.",
    "Paris is the capital of Italy.",
    "Cats are mammals.",
    "Two plus two is five.",
    "The moon orbits the earth.",
    "Fish can breathe on land.",
    "Ice is frozen water.",
    "Spiders have six legs.",
    "Berlin is in Germany.",
];

const ANIMALS: [&str; 10] = [
    "dog", "spider", "bird", "cat", "horse", "ant", "snake", "chicken", "cow", "octopus",
];

const BOOKS: [&str; 10] = [
    "Dune, written by Frank Herbert in 1965.",
    "1984 by George Orwell, published in 1949.",
    "Pride and Prejudice by Jane Austen (1813).",
    "The Hobbit, J. R. R. Tolkien, 1937.",
    "Moby-Dick was written by Herman Melville in 1851.",
    "To Kill a Mockingbird by Harper Lee, 1960.",
    "War and Peace, Leo Tolstoy, 1869.",
    "The Great Gatsby by F. Scott Fitzgerald, first published in 1925.",
    "Brave New World (1932) by Aldous Huxley.",
    "Hamlet, a play by William Shakespeare.",
];

const GROUPS: [&str; 10] = [
    "Tom (33) and Ann (29) live in Oslo.",
    "Maria and her brother Luis, 12, visited Lima.",
    "Kenji met Sara at a cafe in Kyoto.",
    "Olga, 45, works with Piotr in Warsaw.",
    "Ben and Jerry started a company in Vermont.",
    "Lena, 8, and her grandmother Ruth, 80, live in Dublin.",
    "Ahmed called his friend Yusuf from Istanbul.",
    "The twins Max and Moritz are 10.",
    "Chloe, a 27-year-old nurse, lives with Noah in Lyon.",
    "Ravi and Anita, both 40, moved to Delhi.",
];

const PLACES: [&str; 10] = [
    "We flew to Lisbon last week.",
    "The meeting is in Chicago on Monday.",
    "I love the beaches near Sydney.",
    "She grew up in a small village.",
    "Our next stop is Prague.",
    "He works from home every day.",
    "The train to Vienna was late.",
    "They met in Buenos Aires.",
    "The recipe needs two eggs.",
    "Toronto was cold this winter.",
];

/// The bar for the live set: typed values per hundred calls.
const TYPED_RATE_FLOOR: f64 = 98.0;

/// The live set's typed-value rate: eight extraction and classification functions, and two of
/// them in tool mode, on ten inputs each. The rate is printed (and added to `scripts/test`'s
/// summary), every call that gave no typed value is listed, and the rate must reach 98%.
#[tokio::test]
async fn the_live_set_ends_in_a_typed_value_at_least_98_percent_of_the_time() {
    let Some(client) = live::client("live_set_typed_rate") else {
        return;
    };
    let c = &client;
    let mut tally = live::Tally::default();
    for input in REVIEWS {
        let r = sentiment(input).client(c).with_meta().await;
        tally.record("sentiment", input, r);
    }
    for input in PERSONS {
        let r = extract_person(input).client(c).with_meta().await;
        tally.record("extract_person", input, r);
    }
    for input in SCENES {
        let r = colours(input).client(c).with_meta().await;
        tally.record("colours", input, r);
    }
    for input in CLAIMS {
        let r = is_true(input).client(c).with_meta().await;
        tally.record("is_true", input, r);
    }
    for input in ANIMALS {
        let r = legs(input).client(c).with_meta().await;
        tally.record("legs", input, r);
    }
    for input in BOOKS {
        let r = book(input).client(c).with_meta().await;
        tally.record("book", input, r);
    }
    for input in GROUPS {
        let r = people(input).client(c).with_meta().await;
        tally.record("people", input, r);
    }
    for input in PLACES {
        let r = city_in(input).client(c).with_meta().await;
        tally.record("city_in", input, r);
    }
    for input in REVIEWS {
        let r = sentiment(input)
            .client(c)
            .mode(Mode::Tool)
            .with_meta()
            .await;
        tally.record("sentiment/tool", input, r);
    }
    for input in PERSONS {
        let r = extract_person(input)
            .client(c)
            .mode(Mode::Tool)
            .with_meta()
            .await;
        tally.record("extract_person/tool", input, r);
    }
    let line = tally.report("live set");
    assert!(tally.rate() >= TYPED_RATE_FLOOR, "{line}");
}
