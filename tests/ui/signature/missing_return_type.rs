use promptfn::prompt;

#[prompt("Summarise: {text}")]
async fn summarise(text: &str);

fn main() {}
