use promptfn::{Result, prompt};

#[prompt(system = "Be brief.", system_path = "prompts/system.md", "{question}")]
async fn reply(question: &str) -> Result<String>;

fn main() {}
