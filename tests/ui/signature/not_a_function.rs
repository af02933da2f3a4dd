use promptfn::prompt;

#[prompt("Summarise: {text}")]
struct Summary;

fn main() {}
