use promptfn::{Result, prompt};

#[prompt("{text}{#note} Note: {note}{/tone}{/note}")]
async fn summarise(text: &str, note: Option<&str>, tone: Option<&str>) -> Result<String>;

fn main() {}
