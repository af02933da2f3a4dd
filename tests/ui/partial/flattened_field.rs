use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
struct Address {
    city: String,
}

#[derive(Deserialize, JsonSchema, Partial)]
struct Person {
    name: String,
    #[serde(flatten)]
    address: Address,
}

fn main() {}
