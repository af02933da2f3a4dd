use promptfn::{Result, prompt};

#[prompt("Compare {a} and {b}")]
async fn compare((a, b): (u8, u8)) -> Result<String>;

fn main() {}
