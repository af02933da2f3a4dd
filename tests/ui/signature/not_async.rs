use promptfn::{Result, prompt};

#[prompt("Summarise: {text}")]
fn summarise(text: &str) -> Result<String>;

fn main() {}
