use promptfn::{Message, Result, prompt};

#[prompt(system = "Be brief.", history = thred, "{question}")]
async fn reply(thread: &[Message], question: &str) -> Result<String>;

fn main() {}
