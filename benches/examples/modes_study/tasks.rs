//! The study's twelve task kinds, ten inputs each, with the answer each input should give.
//! Written for the study: none of them is in the test suite.

use promptfn::{Mode, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::run::{Judge, Runner, eq, same_text};

#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
pub enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
pub enum Topic {
    Sports,
    Politics,
    Technology,
    Food,
    Weather,
}

#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
pub enum Language {
    English,
    French,
    Spanish,
    German,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Person {
    pub name: String,
    pub age: u32,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Book {
    pub title: String,
    pub author: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Contact {
    pub email: String,
    pub phone: Option<String>,
}

#[prompt(
    "Classify the sentiment of this review: {text}",
    temperature = 0.0,
    max_tokens = 40
)]
async fn sentiment(text: &str) -> Result<Sentiment>;

#[prompt(
    "Which topic is this headline about? {text}",
    temperature = 0.0,
    max_tokens = 40
)]
async fn topic(text: &str) -> Result<Topic>;

#[prompt(
    "Which language is this sentence written in? {text}",
    temperature = 0.0,
    max_tokens = 40
)]
async fn language(text: &str) -> Result<Language>;

#[prompt("Is this statement true? {text}", temperature = 0.0, max_tokens = 40)]
async fn truth(text: &str) -> Result<bool>;

#[prompt(
    "How many legs does a {text} have?",
    temperature = 0.0,
    max_tokens = 40
)]
async fn legs(text: &str) -> Result<u32>;

#[prompt(
    "What is the price, in euros, in this text? {text}",
    temperature = 0.0,
    max_tokens = 40
)]
async fn price(text: &str) -> Result<f64>;

#[prompt(
    "Extract the person's name and age: {text}",
    temperature = 0.0,
    max_tokens = 80
)]
async fn person(text: &str) -> Result<Person>;

#[prompt(
    "Extract the book's title and author: {text}",
    temperature = 0.0,
    max_tokens = 80
)]
async fn book(text: &str) -> Result<Book>;

#[prompt("Extract the date from: {text}", temperature = 0.0, max_tokens = 80)]
async fn date(text: &str) -> Result<Date>;

#[prompt(
    "Extract the contact details from: {text}",
    temperature = 0.0,
    max_tokens = 80
)]
async fn contact(text: &str) -> Result<Contact>;

#[prompt(
    "List the fruits mentioned in: {text}",
    temperature = 0.0,
    max_tokens = 80
)]
async fn fruits(text: &str) -> Result<Vec<String>>;

#[prompt(
    "Which city is mentioned in this text, if any? {text}",
    temperature = 0.0,
    max_tokens = 40
)]
async fn city(text: &str) -> Result<Option<String>>;

/// Run every task kind in `mode` with `inputs` inputs each.
pub async fn run_all(runner: &mut Runner, mode: Mode, inputs: usize) {
    use Language::*;
    use Sentiment::*;
    use Topic::*;
    Judge::new("enum: sentiment", sentiment, eq)
        .cases(&[
            ("I loved it, it works perfectly.", Positive),
            ("Terrible quality, it broke after a day.", Negative),
            ("It arrived on Tuesday.", Neutral),
            ("Best purchase I have made this year!", Positive),
            ("Awful service and rude staff.", Negative),
            ("The box is blue and square.", Neutral),
            ("Fantastic sound, I am very happy.", Positive),
            ("I want my money back, it is useless.", Negative),
            ("The manual has twenty pages.", Neutral),
            ("Wonderful, my kids adore it.", Positive),
        ])
        .run(runner, mode, inputs)
        .await;
    Judge::new("enum: topic", topic, eq)
        .cases(&[
            ("Local team wins the football championship", Sports),
            ("Parliament passes the new budget law", Politics),
            ("New smartphone chip doubles battery life", Technology),
            ("Chef shares her favourite pasta recipe", Food),
            ("Heavy snow expected across the north tomorrow", Weather),
            ("Tennis star retires after twenty years", Sports),
            ("President meets foreign ministers in Geneva", Politics),
            ("Startup releases open-source database software", Technology),
            ("The best chocolate cakes in town", Food),
            ("Heatwave brings record temperatures", Weather),
        ])
        .run(runner, mode, inputs)
        .await;
    Judge::new("enum: language", language, eq)
        .cases(&[
            ("The cat is sleeping on the sofa.", English),
            ("Le chat dort sur le canapé.", French),
            ("El gato duerme en el sofá.", Spanish),
            ("Die Katze schläft auf dem Sofa.", German),
            ("Where is the train station?", English),
            ("Où est la gare ?", French),
            ("¿Dónde está la estación de tren?", Spanish),
            ("Wo ist der Bahnhof?", German),
            ("I would like a cup of coffee.", English),
            ("Je voudrais une tasse de café.", French),
        ])
        .run(runner, mode, inputs)
        .await;
    Judge::new("bool: fact check", truth, eq)
        .cases(&[
            ("The sun is a star.", true),
            ("Fish can fly to the moon.", false),
            ("Water is wet.", true),
            ("Two plus two is five.", false),
            ("Paris is in France.", true),
            ("Ice is hotter than fire.", false),
            ("Dogs are animals.", true),
            ("The earth is flat.", false),
            ("A week has seven days.", true),
            ("Cats are a kind of plant.", false),
        ])
        .run(runner, mode, inputs)
        .await;
    Judge::new("integer: legs", legs, eq)
        .cases(&[
            ("dog", 4),
            ("chicken", 2),
            ("spider", 8),
            ("cat", 4),
            ("ant", 6),
            ("horse", 4),
            ("duck", 2),
            ("cow", 4),
            ("bee", 6),
            ("human", 2),
        ])
        .run(runner, mode, inputs)
        .await;
    Judge::new("float: price", price, |a: &f64, b: &f64| {
        (a - b).abs() < 0.005
    })
    .cases(&[
        ("The lamp costs 19.99 euros.", 19.99),
        ("Tickets are 12.50 euros each.", 12.5),
        ("I paid 7 euros for lunch.", 7.0),
        ("The bike was on sale for 149.00 euros.", 149.0),
        ("A coffee here is 2.80 euros.", 2.8),
        ("The book's price is 24.95 euros.", 24.95),
        ("Parking costs 3.50 euros per hour.", 3.5),
        ("The jacket is 89.90 euros.", 89.9),
        ("Bread: 1.20 euros.", 1.2),
        ("The course fee is 300 euros.", 300.0),
    ])
    .run(runner, mode, inputs)
    .await;
    Judge::new("struct: person", person, |a: &Person, b: &(&str, u32)| {
        same_text(&a.name, b.0) && a.age == b.1
    })
    .cases(&[
        ("Alice is 30 years old.", ("Alice", 30)),
        ("Bob, aged 42, lives in Leeds.", ("Bob", 42)),
        ("Carla turned 25 last week.", ("Carla", 25)),
        ("My neighbour Dmitri is 61.", ("Dmitri", 61)),
        ("Eve is a 19-year-old student.", ("Eve", 19)),
        ("Frank, 50, is a pilot.", ("Frank", 50)),
        ("Grace celebrated her 33rd birthday.", ("Grace", 33)),
        ("Hugo is twelve years old.", ("Hugo", 12)),
        ("Ines is 70 and retired.", ("Ines", 70)),
        ("Jack is 8.", ("Jack", 8)),
    ])
    .run(runner, mode, inputs)
    .await;
    Judge::new("struct: book", book, |a: &Book, b: &(&str, &str)| {
        same_text(&a.title, b.0) && same_text(&a.author, b.1)
    })
    .cases(&[
        (
            "Dune was written by Frank Herbert.",
            ("Dune", "Frank Herbert"),
        ),
        ("Emma is a novel by Jane Austen.", ("Emma", "Jane Austen")),
        ("George Orwell wrote 1984.", ("1984", "George Orwell")),
        ("Dracula, by Bram Stoker.", ("Dracula", "Bram Stoker")),
        (
            "Mary Shelley is the author of Frankenstein.",
            ("Frankenstein", "Mary Shelley"),
        ),
        (
            "Ulysses was written by James Joyce.",
            ("Ulysses", "James Joyce"),
        ),
        (
            "Beloved is a novel by Toni Morrison.",
            ("Beloved", "Toni Morrison"),
        ),
        (
            "Herman Melville wrote Moby Dick.",
            ("Moby Dick", "Herman Melville"),
        ),
        (
            "Rebecca, by Daphne du Maurier.",
            ("Rebecca", "Daphne du Maurier"),
        ),
        (
            "Leo Tolstoy is the author of Anna Karenina.",
            ("Anna Karenina", "Leo Tolstoy"),
        ),
    ])
    .run(runner, mode, inputs)
    .await;
    Judge::new("struct: date", date, |a: &Date, b: &(i32, u8, u8)| {
        (a.year, a.month, a.day) == *b
    })
    .cases(&[
        ("The meeting is on 2024-03-05.", (2024, 3, 5)),
        ("She was born on 1990-12-24.", (1990, 12, 24)),
        ("Deadline: 2025-01-31.", (2025, 1, 31)),
        ("The shop opened on 2001-07-14.", (2001, 7, 14)),
        ("We moved on 2019-09-01.", (2019, 9, 1)),
        ("The concert is on 2023-06-21.", (2023, 6, 21)),
        ("Invoice dated 2022-11-11.", (2022, 11, 11)),
        ("The bridge closed on 1999-02-28.", (1999, 2, 28)),
        ("Launch day: 2026-04-10.", (2026, 4, 10)),
        ("Their wedding was on 2015-08-08.", (2015, 8, 8)),
    ])
    .run(runner, mode, inputs)
    .await;
    Judge::new(
        "struct + option: contact",
        contact,
        |a: &Contact, b: &(&str, Option<&str>)| {
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            same_text(&a.email, b.0) && a.phone.as_deref().map(digits) == b.1.map(digits)
        },
    )
    .cases(&[
        (
            "Write to ann@example.com or call 555-0101.",
            ("ann@example.com", Some("555-0101")),
        ),
        ("My email is bo@example.org.", ("bo@example.org", None)),
        (
            "Reach Cy at cy@example.net, phone 555-0199.",
            ("cy@example.net", Some("555-0199")),
        ),
        ("Contact: dee@example.com", ("dee@example.com", None)),
        (
            "Phone 555-0123, email eli@example.com.",
            ("eli@example.com", Some("555-0123")),
        ),
        (
            "fay@example.org is the best address.",
            ("fay@example.org", None),
        ),
        (
            "Gus: gus@example.com, 555-0144.",
            ("gus@example.com", Some("555-0144")),
        ),
        ("Send it to hal@example.net.", ("hal@example.net", None)),
        (
            "Iris (iris@example.com) answers at 555-0177.",
            ("iris@example.com", Some("555-0177")),
        ),
        (
            "Email jo@example.org for details.",
            ("jo@example.org", None),
        ),
    ])
    .run(runner, mode, inputs)
    .await;
    Judge::new("list: fruits", fruits, |a: &Vec<String>, b: &Vec<&str>| {
        let mut got: Vec<String> = a.iter().map(|s| s.trim().to_lowercase()).collect();
        got.sort();
        got.dedup();
        let mut want: Vec<String> = b.iter().map(|s| s.to_lowercase()).collect();
        want.sort();
        got == want
    })
    .cases(&[
        ("I ate an apple and a banana.", vec!["apple", "banana"]),
        ("She bought cherries.", vec!["cherries"]),
        (
            "The salad had mango, kiwi and grapes.",
            vec!["mango", "kiwi", "grapes"],
        ),
        ("He likes pears.", vec!["pears"]),
        (
            "An orange and a lemon sat on the table.",
            vec!["orange", "lemon"],
        ),
        (
            "We picked strawberries and plums.",
            vec!["strawberries", "plums"],
        ),
        ("The smoothie was made of pineapple.", vec!["pineapple"]),
        (
            "Peaches, apricots and figs were on sale.",
            vec!["peaches", "apricots", "figs"],
        ),
        ("She ate a melon.", vec!["melon"]),
        ("Limes and coconuts grow here.", vec!["limes", "coconuts"]),
    ])
    .run(runner, mode, inputs)
    .await;
    Judge::new(
        "option: city",
        city,
        |a: &Option<String>, b: &Option<&str>| match (a, b) {
            (Some(a), Some(b)) => same_text(a, b),
            (None, None) => true,
            _ => false,
        },
    )
    .cases(&[
        ("We flew to Lisbon last week.", Some("Lisbon")),
        ("I stayed at home all day.", None),
        ("Tokyo is busy at night.", Some("Tokyo")),
        ("The dog slept on the rug.", None),
        ("She studies in Vienna.", Some("Vienna")),
        ("It rained all afternoon.", None),
        ("Our office is in Nairobi.", Some("Nairobi")),
        ("He reads a book every week.", None),
        ("They met in Chicago.", Some("Chicago")),
        ("The cake needs more sugar.", None),
    ])
    .run(runner, mode, inputs)
    .await;
}
