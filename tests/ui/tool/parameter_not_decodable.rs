// A parameter type needs `Deserialize` and `JsonSchema`; the error points at the type.
use promptfn::tool;

struct City(String);

/// The weather in a city.
#[tool]
fn get_weather(city: City) -> String {
    city.0
}

fn main() {}
