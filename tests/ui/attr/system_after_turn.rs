use promptfn::{Result, prompt};

#[prompt(user = "Capital of {country}?", system = "One word.")]
async fn capital(country: &str) -> Result<String>;

fn main() {}
