use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", temprature = 0.2)]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
