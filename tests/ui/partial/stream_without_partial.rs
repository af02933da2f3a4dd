use promptfn::{prompt, Result};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
struct Order {
    customer: String,
}

#[prompt("Extract the order: {text}")]
async fn order(text: &str) -> Result<Order>;

fn main() {
    let _stream = order("two apples").stream();
}
