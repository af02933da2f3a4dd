use promptfn::{Result, prompt};

#[prompt(
    "Summarise: {text}",
    top_p = 1.5,
    presence_penalty = -3,
    frequency_penalty = 2.1,
    max_tokens = 0,
    n = 0,
    logit_bias = [(50256, -101)],
    stop = ["a", "b", "c", "d", "e"],
)]
async fn summarise(text: &str) -> Result<String>;

fn main() {}
