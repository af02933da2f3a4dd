use promptfn::Partial;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Partial)]
#[serde(untagged)]
enum Amount {
    Number(f64),
    Text(String),
}

fn main() {}
