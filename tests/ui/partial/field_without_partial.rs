use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Item {
    name: String,
}

#[derive(Deserialize, JsonSchema, Partial)]
struct Order {
    customer: String,
    items: Vec<Item>,
}

fn main() {}
