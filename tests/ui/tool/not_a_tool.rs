// A function listed in `tools = [...]` must be a `#[tool]`; the error points at its name.
use promptfn::{Result, prompt};

/// Just a function.
fn get_weather(city: String) -> String {
    city
}

#[prompt("Weather in {city}?", tools = [get_weather])]
async fn ask(city: &str) -> Result<String>;

fn main() {}
