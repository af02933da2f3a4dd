// A name or description given in `#[tool(…)]` is checked like the function's own.
use promptfn::tool;

/// Replies.
#[tool(name = "answer")]
fn reply(text: String) -> String {
    text
}

/// Spaced.
#[tool(name = "get weather", description = "")]
fn spaced(text: String) -> String {
    text
}

fn main() {}
