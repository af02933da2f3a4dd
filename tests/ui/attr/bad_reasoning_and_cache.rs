use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", reasoning = "hihg")]
async fn summarise(text: &str) -> Result<String>;

#[prompt("Translate: {text}", reasoning = 2, cache = "yes")]
async fn translate(text: &str) -> Result<String>;

fn main() {}
