use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", "Or this: {text}")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
