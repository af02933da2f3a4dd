// Arguments are decoded from the model's JSON: parameters must own their data.
use promptfn::tool;

/// The weather in a city.
#[tool]
fn get_weather(city: &str, days: &[u8]) -> String {
    format!("{city} {days:?}")
}

fn main() {}
