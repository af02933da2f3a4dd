use promptfn::{Result, prompt};

#[prompt("Summarise: {text}")]
async fn summarise(text: &str, language: &str) -> Result<String>;

fn main() {}
