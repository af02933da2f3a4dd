use promptfn::{Result, prompt};

#[prompt(model = "gpt-4o-mini")]
async fn summarise() -> Result<String>;

fn main() {}
