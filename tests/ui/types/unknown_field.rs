// Type-level check: field access in a placeholder is checked by rustc at the template.
use promptfn::{Result, prompt};

struct User {
    name: String,
}

#[prompt("Greet {user.nmae}")]
async fn greet(user: &User) -> Result<String>;

fn main() {}
