use promptfn::{Result, prompt};

struct Assistant {
    persona: String,
}

impl Assistant {
    #[prompt("Answer: {question}")]
    async fn ask(&self, question: &str) -> Result<String>;
}

fn main() {}
