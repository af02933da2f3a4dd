use promptfn::{Result, prompt};

#[prompt(history = thread, "{question}")]
async fn reply(thread: &str, question: &str) -> Result<String>;

fn main() {}
