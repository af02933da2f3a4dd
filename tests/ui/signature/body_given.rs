use promptfn::{Result, prompt};

#[prompt("Summarise: {text}")]
async fn summarise(text: &str) -> Result<String> {
    Ok(text.to_owned())
}

fn main() {}
