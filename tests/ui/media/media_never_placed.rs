// A media parameter whose placeholder is missing would silently never reach the model.
use promptfn::{Pdf, Result, prompt};

#[prompt("Answer this question about the report: {question}")]
async fn ask_report(report: Pdf, question: &str) -> Result<String>;

fn main() {}
