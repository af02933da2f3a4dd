// Type-level check: the format spec goes to `format_args!`, whose error points at the template.
use promptfn::{Result, prompt};

#[prompt("Score: {score:.x}")]
async fn grade(score: f64) -> Result<String>;

fn main() {}
