use promptfn::{Result, prompt};

#[prompt("Translate: {text}", system = "Translate into {languag}.")]
async fn translate(text: &str, language: &str) -> Result<String>;

fn main() {}
