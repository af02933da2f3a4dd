// `cache` and `reasoning` declared on the function, and overridden per call.
use promptfn::{Reasoning, Result, prompt};

#[prompt(
    system = "You summarise.",
    "Summarise: {text}",
    cache = true,
    reasoning = "low"
)]
async fn summarise(text: &str) -> Result<String>;

#[prompt("Translate: {text}", cache = false, reasoning = "high")]
async fn translate(text: &str) -> Result<String>;

fn main() {
    let _ = summarise("a long text").cache(false).reasoning(Reasoning::Medium);
    let _ = translate("bonjour").cache(true);
}
