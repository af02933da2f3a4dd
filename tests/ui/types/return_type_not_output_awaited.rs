// Awaiting a call whose return type cannot be decoded reports what the type lacks, and not
// that the call is not a future.
use promptfn::{Result, prompt};

struct NotDeserializable;

#[prompt("Describe: {thing}")]
async fn describe(thing: &str) -> Result<NotDeserializable>;

async fn shown() -> Result<()> {
    let _described = describe("a box").await?;
    let _with_meta = describe("a box").temperature(0.2).with_meta().await?;
    Ok(())
}

fn main() {
    let _ = shown();
}
