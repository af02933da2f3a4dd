use promptfn::{Result, prompt};

#[prompt("Summarise: {text}")]
async fn summarise<T: std::fmt::Display>(text: T) -> Result<String>;

fn main() {}
