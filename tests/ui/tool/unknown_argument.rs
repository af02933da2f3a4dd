// `#[tool]` takes `name`, `description` and `crate`; a misspelt key is named with a suggestion.
use promptfn::tool;

/// The weather in a city.
#[tool(nmae = "weather")]
fn get_weather(city: String) -> String {
    city
}

fn main() {}
