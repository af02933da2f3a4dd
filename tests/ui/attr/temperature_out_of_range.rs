use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", temperature = 2.5)]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
