use promptfn::{Image, Result, prompt, tool};

/// Look up the weather.
#[tool]
async fn weather(city: String) -> Result<String> {
    Ok(city)
}

#[prompt("Paint the weather in {city}", tools = [weather], temperature = 0.2)]
async fn paint(city: &str) -> Result<Image>;

fn main() {}
