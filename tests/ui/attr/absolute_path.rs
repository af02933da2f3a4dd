use promptfn::{Result, prompt};

#[prompt(path = "/etc/prompts/summary.md")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
