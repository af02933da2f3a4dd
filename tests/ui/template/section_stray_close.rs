use promptfn::{Result, prompt};

#[prompt("{text} Note: {note}{/note}")]
async fn summarise(text: &str, note: &str) -> Result<String>;

fn main() {}
