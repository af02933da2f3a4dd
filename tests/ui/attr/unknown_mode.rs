use promptfn::{Result, prompt};

#[prompt("Summarise: {text}", mode = "json_shema")]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
