use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
struct Pair(String, u32);

fn main() {}
