//! Tools: plain Rust functions the model can call, and the loop that runs them for you.
//!
//! Runs against whatever `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `PROMPTFN_MODEL` name
//! (`scripts/llm-server start` prints them for the local model server). The tiny local model
//! only calls a tool when `tool_choice` names it, so this example names one; with GPT, Claude
//! or Gemini models the default (`auto`) lets the model pick among several tools by itself.

use std::sync::{Arc, Mutex};

use promptfn::{Result, ToolCalls, prompt, tool, tools};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A temperature unit the model may ask for.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
enum Unit {
    Celsius,
    Fahrenheit,
}

/// What the weather tool returns; the model sees it as JSON.
#[derive(Debug, Serialize)]
struct Report {
    city: String,
    sky: &'static str,
    temperature: i32,
    unit: Unit,
}

/// The current weather in a city.
#[tool]
async fn get_weather(
    /// The city's name, e.g. "Paris".
    city: String,
    /// The unit of the temperature; Celsius when not given.
    unit: Option<Unit>,
) -> std::result::Result<Report, String> {
    if city.trim().is_empty() {
        // The model is told, and may call again with a city.
        return Err("no city given".to_owned());
    }
    let unit = unit.unwrap_or(Unit::Celsius);
    let temperature = match unit {
        Unit::Celsius => 21,
        Unit::Fahrenheit => 70,
    };
    Ok(Report {
        city,
        sky: "sunny",
        temperature,
        unit,
    })
}

/// A travel diary; its method is a tool bound to this diary.
#[derive(Debug, Clone, Default)]
struct Diary {
    entries: Arc<Mutex<Vec<String>>>,
}

impl Diary {
    /// Writes one line in the travel diary.
    #[tool]
    fn write(&self, line: String) -> String {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.push(line);
        format!("saved as entry {}", entries.len())
    }

    /// The tool loop: the model calls `get_weather`, promptfn runs it and sends the result
    /// back, the model answers.
    #[prompt(
        system = "You are a concise travel assistant.",
        "What is the weather in {city}? Answer in one sentence.",
        tools = [get_weather, self.write],
        tool_choice = "get_weather",
        max_steps = 3,
        temperature = 0.0,
        max_tokens = 80
    )]
    async fn weather(&self, city: &str) -> Result<String>;
}

/// Manual mode: the calls the model asks for, typed, not run.
#[derive(Debug, Deserialize)]
struct WeatherArgs {
    city: String,
    unit: Option<Unit>,
}

#[prompt(
    "Which city's weather do you need for a trip to {place}?",
    tools = [get_weather],
    tool_choice = "get_weather",
    temperature = 0.0,
    max_tokens = 60
)]
async fn plan_trip(place: &str) -> Result<ToolCalls<WeatherArgs>>;

#[tokio::main]
async fn main() -> Result<()> {
    let diary = Diary::default();
    let r = diary.weather("Paris").with_meta().await?;
    println!("answer:    {}", r.value);
    println!(
        "           {} request(s), {} tokens in all",
        r.requests,
        r.usage.map_or(0, |u| u.total_tokens)
    );
    for message in &r.transcript {
        for call in &message.tool_calls {
            println!("  call:    {}({})", call.name, call.arguments);
        }
        if message.role == promptfn::Role::Tool {
            println!("  result:  {}", message.text_content());
        }
    }

    let calls = plan_trip("the Alps").await?;
    for call in &calls {
        println!(
            "manual:    the model asks for the weather in {} ({:?}); not run",
            call.arguments.city, call.arguments.unit
        );
    }

    // Per call: offer other tools (here the diary only), and force it.
    let saved = diary
        .weather("Rome")
        .tools(tools![diary.write])
        .tool_choice(promptfn::ToolChoice::function("write"))
        .await?;
    println!("diary:     {saved}");
    println!(
        "entries:   {:?}",
        diary.entries.lock().map(|e| e.clone()).unwrap_or_default()
    );
    Ok(())
}
