use promptfn::{Result, prompt};

#[prompt("Summarise{#text}: {text}{/text}")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
