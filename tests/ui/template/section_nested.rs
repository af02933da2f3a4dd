use promptfn::{Result, prompt};

#[prompt("{text}{#note} Note: {note}{#tone} in a {tone} tone{/tone}{/note}")]
async fn summarise(text: &str, note: Option<&str>, tone: Option<&str>) -> Result<String>;

fn main() {}
