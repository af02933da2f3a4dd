use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", crate = 42)]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
