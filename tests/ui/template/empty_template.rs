use promptfn::{Result, prompt};

#[prompt("")]
async fn nothing() -> Result<String>;

fn main() {}
