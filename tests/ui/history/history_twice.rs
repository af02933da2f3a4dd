use promptfn::{Message, Result, prompt};

#[prompt(system = "Be brief.", history = earlier, user = "{question}", history = later)]
async fn reply(earlier: &[Message], later: &[Message], question: &str) -> Result<String>;

fn main() {}
