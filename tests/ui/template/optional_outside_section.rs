use promptfn::{Result, prompt};

#[prompt("Summarise {text}. Note: {note}")]
async fn summarise(text: &str, note: Option<&str>) -> Result<String>;

fn main() {}
