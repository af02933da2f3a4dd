use promptfn::{Message, Result, prompt};

#[prompt(history = "thread", "{question}")]
async fn reply(thread: &[Message], question: &str) -> Result<String>;

fn main() {}
