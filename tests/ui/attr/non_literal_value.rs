use promptfn::{Result, prompt};

const TEMPERATURE: f64 = 0.2;

#[prompt("Summarise: {text}", temperature = TEMPERATURE, model = MODEL, max_tokens = 1.5)]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
