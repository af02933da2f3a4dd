// The result is sent to the model as JSON: the return type must be `Serialize`.
use promptfn::tool;

struct Report;

/// The weather in a city.
#[tool]
fn get_weather(city: String) -> Report {
    let _ = city;
    Report
}

fn main() {}
