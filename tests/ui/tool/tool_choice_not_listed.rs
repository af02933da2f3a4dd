// `tool_choice` names one of the listed tools (with a suggestion), or auto/required/none.
use promptfn::{Result, prompt, tool};

/// The weather in a city.
#[tool]
fn get_weather(city: String) -> String {
    city
}

#[prompt(
    "Weather in {city}?",
    tools = [get_weather],
    tool_choice = "get_wether",
    max_steps = 0,
)]
async fn ask(city: &str) -> Result<String>;

#[prompt("Weather in {city}?", tools = get_weather)]
async fn ask_again(city: &str) -> Result<String>;

fn main() {}
