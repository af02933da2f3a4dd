use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
#[partial(required)]
struct Order {
    customer: String,
}

fn main() {}
