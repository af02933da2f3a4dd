use promptfn::{Result, prompt};

#[prompt(path = "prompts/does-not-exist.md")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
