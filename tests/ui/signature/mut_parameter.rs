use promptfn::{Result, prompt};

#[prompt("Summarise: {text}")]
async fn summarise(mut text: String) -> Result<String>;

fn main() {}
