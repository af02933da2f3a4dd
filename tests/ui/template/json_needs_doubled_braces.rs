use promptfn::{Result, prompt};

#[prompt(r#"Answer like {"label": "spam"} for: {text}"#)]
async fn classify(text: &str) -> Result<String>;

fn main() {}
