use promptfn::{Result, prompt};

#[prompt("Compare {left} with {zzz}")]
async fn compare(left: &str, right: &str) -> Result<String>;

fn main() {}
