// `#[tool]` takes only `crate = …`: the name and description come from the function.
use promptfn::tool;

/// The weather in a city.
#[tool(name = "weather", description = "The weather.")]
fn get_weather(city: String) -> String {
    city
}

fn main() {}
