use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", user = "alice")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
