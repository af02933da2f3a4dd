// A `Result` tool tells the model its error through `Display`.
use promptfn::tool;

#[derive(Debug)]
struct Failure;

/// The weather in a city.
#[tool]
async fn get_weather(city: String) -> Result<String, Failure> {
    Ok(city)
}

fn main() {}
