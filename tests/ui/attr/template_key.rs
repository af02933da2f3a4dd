use promptfn::{Result, prompt};

#[prompt(template = "Summarise: {text}")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
