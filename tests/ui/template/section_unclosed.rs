use promptfn::{Result, prompt};

#[prompt("Summarise {text}.{#note} Note: {note}")]
async fn summarise(text: &str, note: Option<&str>) -> Result<String>;

fn main() {}
