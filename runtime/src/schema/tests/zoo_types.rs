//! The Rust types the zoo tests derive schemas from.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Full name, as written.
    pub full_name: String,
    pub age: Option<u8>,
    pub nickname: Option<String>,
    /// Where they live.
    pub home: Address,
    pub work: Option<Address>,
    pub tags: Vec<String>,
}

#[derive(Deserialize, JsonSchema)]
pub struct Address {
    pub street: String,
    #[serde(rename = "zip")]
    pub postal_code: String,
}

#[derive(Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

#[derive(Deserialize, JsonSchema)]
pub struct Review {
    pub overall: Sentiment,
    pub per_sentence: Vec<Sentiment>,
}

/// How urgent a ticket is.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Priority {
    /// Can wait.
    Low,
    /// Needs a human today.
    RightNow,
}

#[derive(Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum Figure {
    Circle { radius: f64 },
    Square(Side),
    Nothing,
}

#[derive(Deserialize, JsonSchema)]
pub struct Side {
    pub length: f64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "data")]
pub enum Event {
    Click { x: i32, y: i32 },
    Key(String),
    Quit,
}

#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Loose {
    Number(f64),
    Text(String),
    Pair(Side),
}

#[derive(Deserialize, JsonSchema)]
pub enum Command {
    Stop,
    Move { dx: i32, dy: i32 },
    Say(String),
}

#[derive(Deserialize, JsonSchema)]
pub struct Meters(pub f64);

#[derive(Deserialize, JsonSchema)]
pub struct Inventory {
    pub counts: HashMap<String, u32>,
}

#[derive(Deserialize, JsonSchema)]
pub struct Scores {
    pub by_sentiment: BTreeMap<Sentiment, f32>,
}

#[derive(Deserialize, JsonSchema)]
pub struct PriceList {
    pub currency: String,
    pub prices: BTreeMap<String, Side>,
}

/// A tree node.
#[derive(Deserialize, JsonSchema)]
pub struct Node {
    pub label: String,
    pub children: Vec<Node>,
}

#[derive(Deserialize, JsonSchema)]
pub struct Chain {
    pub head: Option<Box<Link>>,
}

#[derive(Deserialize, JsonSchema)]
pub struct Link {
    pub value: u32,
    pub next: Option<Box<Link>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Tree {
    Leaf(String),
    Branch(Vec<Tree>),
}

#[derive(Deserialize, JsonSchema)]
pub struct Numbers {
    pub tiny: i8,
    pub count: u64,
    pub ratio: f32,
    pub precise: f64,
    pub maybe: Option<u32>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub name: String,
    #[serde(default)]
    pub retries: u32,
    #[serde(default)]
    pub labels: Vec<String>,
}

#[derive(Deserialize, JsonSchema)]
pub struct Envelope {
    pub id: u32,
    #[serde(flatten)]
    pub shape: Figure,
}

#[derive(Deserialize, JsonSchema)]
pub struct Segment {
    pub ends: (i32, i32),
}

#[derive(Deserialize, JsonSchema)]
pub struct Raw {
    pub payload: serde_json::Value,
}
