// Type-level check: `assert_output::<T>()` is spanned on `T` in the return type.
use promptfn::{Result, prompt};

struct NotDeserializable;

#[prompt("Describe: {thing}")]
async fn describe(thing: &str) -> Result<NotDeserializable>;

fn main() {}
