use promptfn::{Result, prompt};

#[prompt("Name a colour like {hint}", n = 3)]
async fn colours(hint: &str) -> Result<String>;

fn main() {}
