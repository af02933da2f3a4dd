use promptfn::{Result, prompt};

#[prompt(user = "Capital of {country}?", assistant = "Paris")]
async fn capital(country: &str) -> Result<String>;

fn main() {}
