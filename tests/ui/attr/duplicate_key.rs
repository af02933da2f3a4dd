use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", model = "gpt-4o-mini", model = "gpt-4o")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
