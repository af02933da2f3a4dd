use promptfn::{Result, prompt};

#[prompt("Count to {count:lines}")]
async fn count_to(count: u32) -> Result<String>;

fn main() {}
