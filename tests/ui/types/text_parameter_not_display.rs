// Type-level check: the runtime's `PromptArg` carries #[diagnostic::on_unimplemented];
// the error points at the template, where the parameter is placed.
use promptfn::{Result, prompt};

struct Opaque;

#[prompt("Describe: {thing}")]
async fn describe(thing: Opaque) -> Result<String>;

fn main() {}
