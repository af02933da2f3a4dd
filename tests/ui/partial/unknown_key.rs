use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
struct Order {
    #[partial(requred)]
    customer: String,
}

fn main() {}
