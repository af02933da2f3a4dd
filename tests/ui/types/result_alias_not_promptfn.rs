// Type-level check: `assert_return::<R, T>()` is spanned on the declared return type.
use promptfn::prompt;

type Result<T> = std::result::Result<T, std::io::Error>;

#[prompt("Describe: {thing}")]
async fn describe(thing: &str) -> Result<String>;

fn main() {}
