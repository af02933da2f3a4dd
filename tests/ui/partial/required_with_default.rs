use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
struct Order {
    #[serde(default)]
    #[partial(required)]
    currency: String,
}

fn main() {}
