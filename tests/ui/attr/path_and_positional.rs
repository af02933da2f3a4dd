use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", path = "prompts/summary.md")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
