use promptfn::prompt;

#[prompt("Summarise: {text}")]
async fn summarise(text: &str) -> String;

fn main() {}
