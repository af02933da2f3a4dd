// `.stream()` exists for `String` (text deltas) and `Vec<T>` (items) outputs; on any other
// output the error names the unmet `Streamable` bound, whose docs list the outputs that stream.
use promptfn::{Result, prompt};

#[prompt("Is {claim} true?")]
async fn check(claim: &str) -> Result<bool>;

fn main() {
    let _ = check("the sky is blue").stream();
}
