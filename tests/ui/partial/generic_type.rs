use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
struct Page<T> {
    items: Vec<T>,
}

fn main() {}
