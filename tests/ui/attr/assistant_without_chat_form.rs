use promptfn::{Result, prompt};

#[prompt("Capital of {country}?", assistant = "Paris")]
async fn capital(country: &str) -> Result<String>;

fn main() {}
