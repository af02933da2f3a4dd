use promptfn::{Result, prompt};

#[prompt("Extract the person mentioned in: {txet}")]
async fn extract(text: &str) -> Result<String>;

fn main() {}
