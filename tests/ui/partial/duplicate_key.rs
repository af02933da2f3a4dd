use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
struct Order {
    #[partial(done, done)]
    customer: String,
    #[partial(required = true)]
    total: u32,
}

fn main() {}
