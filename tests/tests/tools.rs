//! Tools end to end against the scripted mock server: the loop (parallel calls, results fed
//! back, exact request bodies), its failure modes (unknown tools, invalid arguments, failing and
//! panicking tools, `max_steps`), `tool_choice`, tools beside structured output, methods bound
//! to a receiver, and manual mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use promptfn::{Error, Result, Role, ToolCalls, ToolChoice, Usage, prompt, tool, tools};
use promptfn_tests::mock::{MockServer, Reply};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
enum Unit {
    Celsius,
    Fahrenheit,
}

#[derive(Debug, Serialize)]
struct Weather {
    city: String,
    degrees: i32,
}

/// The current weather in a city.
#[tool]
async fn get_weather(
    /// The city's name.
    city: String,
    unit: Option<Unit>,
) -> std::result::Result<Weather, String> {
    let degrees = if unit == Some(Unit::Fahrenheit) {
        70
    } else {
        21
    };
    Ok(Weather { city, degrees })
}

/// The local time in a city.
#[tool]
fn local_time(city: String) -> String {
    format!("12:00 in {city}")
}

/// Looks something up in a backend that is down.
#[tool]
fn flaky(n: u32) -> std::result::Result<u32, String> {
    Err(format!("backend down for {n}"))
}

/// A tool with a bug.
#[tool]
fn boom() -> u32 {
    panic!("kaboom")
}

static COUNTED: AtomicUsize = AtomicUsize::new(0);

/// Counts how often it runs.
#[tool]
fn counted(label: String) -> usize {
    let _ = label;
    COUNTED.fetch_add(1, Ordering::SeqCst) + 1
}

/// Not what the model reads: the attribute gives the description.
#[tool(name = "weather_now", description = "The weather right now in a city.")]
fn weather_for(city: String) -> String {
    format!("sunny in {city}")
}

#[prompt("Weather in {city}?", tools = [weather_for])]
async fn renamed_tool(city: &str) -> Result<String>;

#[prompt("What's the weather and time in {city}?", tools = [get_weather, local_time])]
async fn briefing(city: &str) -> Result<String>;

#[prompt("Check the backend for {n}.", tools = [flaky, boom])]
async fn check_backend(n: u32) -> Result<String>;

#[prompt("Say hi to {name}.")]
async fn greet(name: &str) -> Result<String>;

/// A forecast, given as structured output.
#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Forecast {
    summary: String,
    degrees: i32,
}

#[prompt("Forecast for {city}.", tools = [get_weather], mode = "tool")]
async fn forecast(city: &str) -> Result<Forecast>;

#[prompt("Forecast for {city}.", tools = [get_weather], model = "gpt-4o-mini")]
async fn strict_forecast(city: &str) -> Result<Forecast>;

/// The parameters of `get_weather`, as manual mode hands them over.
#[derive(Debug, Deserialize, PartialEq)]
struct WeatherArgs {
    city: String,
    unit: Option<Unit>,
}

#[prompt(
    "What should I wear in {city}?",
    tools = [get_weather, counted],
    tool_choice = "get_weather"
)]
async fn plan(city: &str) -> Result<ToolCalls<WeatherArgs>>;

/// One call of either tool, as manual mode hands them over.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "name", content = "arguments", rename_all = "snake_case")]
enum Action {
    GetWeather { city: String, unit: Option<Unit> },
    LocalTime { city: String },
}

#[prompt("Plan a trip to {city}.", tools = [get_weather, local_time])]
async fn trip(city: &str) -> Result<ToolCalls<Action>>;

#[prompt("Note three facts about {topic}.", tools = [counted], tool_choice = "required", max_steps = 2)]
async fn noted(topic: &str) -> Result<String>;

fn weather_tool() -> Value {
    json!({"type": "function", "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city's name."},
                "unit": {"anyOf": [
                    {"type": "string", "enum": ["Celsius", "Fahrenheit"]},
                    {"type": "null"}
                ]}
            },
            "required": ["city"],
            "additionalProperties": false
        }
    }})
}

fn time_tool() -> Value {
    json!({"type": "function", "function": {
        "name": "local_time",
        "description": "The local time in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": false
        }
    }})
}

/// The tool results of a request body, as `(tool_call_id, content)`.
fn tool_results(body: &Value) -> Vec<(String, String)> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            (
                m["tool_call_id"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_two_step_loop_runs_parallel_calls_and_feeds_the_results_back() {
    let server = MockServer::with([
        Reply::tool_calls(&[
            ("call_w", "get_weather", r#"{"city":"Paris"}"#),
            ("call_t", "local_time", r#"{"city":"Paris"}"#),
        ]),
        Reply::content("Sunny, 21 degrees, and it is noon."),
    ])
    .await;
    let r = briefing("Paris")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "Sunny, 21 degrees, and it is noon.");

    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2);
    let question = json!({"role": "user", "content": "What's the weather and time in Paris?"});
    assert_eq!(
        bodies[0],
        json!({
            "model": "mock-model",
            "messages": [question],
            "tools": [weather_tool(), time_tool()]
        })
    );
    assert_eq!(
        bodies[1],
        json!({
            "model": "mock-model",
            "messages": [
                question,
                // A local server rejects `content: null` beside tool calls: `""` is sent.
                {"role": "assistant", "content": "", "tool_calls": [
                    {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                    {"id": "call_t", "type": "function", "function": {"name": "local_time", "arguments": "{\"city\":\"Paris\"}"}}
                ]},
                {"role": "tool", "content": "{\"city\":\"Paris\",\"degrees\":21}", "tool_call_id": "call_w"},
                {"role": "tool", "content": "12:00 in Paris", "tool_call_id": "call_t"}
            ],
            "tools": [weather_tool(), time_tool()]
        })
    );

    assert_eq!(r.requests, 2);
    assert_eq!(r.usage, Some(Usage::new(20, 10)));
    let roles: Vec<Role> = r.transcript.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::User,
            Role::Assistant,
            Role::Tool,
            Role::Tool,
            Role::Assistant
        ]
    );
    assert_eq!(r.transcript[1].tool_calls.len(), 2);
    assert_eq!(r.transcript[3].text_content(), "12:00 in Paris");
    assert_eq!(
        r.transcript[4].text_content(),
        "Sunny, 21 degrees, and it is noon."
    );
}

#[tokio::test]
async fn an_unknown_tool_is_reported_to_the_model() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "get_wether", r#"{"city":"Rome"}"#)]),
        Reply::content("Sorry, let me answer directly."),
    ])
    .await;
    let answer = briefing("Rome").client(&server.client()).await.unwrap();
    assert_eq!(answer, "Sorry, let me answer directly.");
    assert_eq!(
        tool_results(&server.bodies()[1]),
        [(
            "c1".to_owned(),
            "Error: there is no tool named `get_wether`. The tools are: `get_weather`, `local_time`."
                .to_owned()
        )]
    );
}

#[tokio::test]
async fn invalid_arguments_are_sent_back_and_valid_ones_then_run() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "get_weather", r#"{"city":"Oslo","unit":"Kelvin"}"#)]),
        Reply::tool_calls(&[(
            "c2",
            "get_weather",
            r#"{"city":"Oslo","unit":"Fahrenheit"}"#,
        )]),
        Reply::content("70 degrees."),
    ])
    .await;
    let r = briefing("Oslo")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    assert_eq!(r.value, "70 degrees.");
    let bodies = server.bodies();
    let first = tool_results(&bodies[1]);
    assert_eq!(first[0].0, "c1");
    let feedback = &first[0].1;
    assert!(
        feedback.starts_with("Error: invalid arguments for `get_weather`: ")
            && feedback.contains("Kelvin")
            && feedback.ends_with("Call it again with arguments that match its parameters."),
        "{feedback}"
    );
    assert_eq!(
        tool_results(&bodies[2])[1],
        (
            "c2".to_owned(),
            r#"{"city":"Oslo","degrees":70}"#.to_owned()
        )
    );
    assert_eq!(r.requests, 3);
}

#[tokio::test]
async fn exceeding_max_steps_is_a_typed_error_with_the_transcript() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "local_time", r#"{"city":"Lima"}"#)]),
        Reply::tool_calls(&[("c2", "local_time", r#"{"city":"Lima"}"#)]),
    ])
    .await;
    let err = briefing("Lima")
        .client(&server.client())
        .max_steps(1)
        .await
        .unwrap_err();
    let Error::MaxSteps(e) = &err else {
        panic!("expected MaxSteps, got {err:?}")
    };
    assert_eq!(e.max_steps, 1);
    assert_eq!(e.usage, Some(Usage::new(20, 10)));
    let roles: Vec<Role> = e.transcript.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::User, Role::Assistant, Role::Tool, Role::Assistant]
    );
    assert_eq!(e.transcript[3].tool_calls[0].id, "c2");
    let shown = err.to_string();
    assert!(
        shown.contains("(local_time) after 1 round(s)") && shown.contains("max_steps"),
        "{shown}"
    );
    assert_eq!(server.bodies().len(), 2);
}

#[tokio::test]
async fn failing_and_panicking_tools_are_told_to_the_model() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "flaky", r#"{"n":3}"#), ("c2", "boom", "")]),
        Reply::content("The backend is down."),
    ])
    .await;
    let answer = check_backend(3).client(&server.client()).await.unwrap();
    assert_eq!(answer, "The backend is down.");
    assert_eq!(
        tool_results(&server.bodies()[1]),
        [
            (
                "c1".to_owned(),
                "Error: the tool `flaky` failed: backend down for 3".to_owned()
            ),
            (
                "c2".to_owned(),
                "Error: the tool `boom` failed unexpectedly: kaboom".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn in_tool_mode_user_tools_sit_beside_the_answer_tool() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "get_weather", r#"{"city":"Nice"}"#)]),
        Reply::tool_calls(&[("c2", "answer", r#"{"summary":"Mild","degrees":21}"#)]),
    ])
    .await;
    let value = forecast("Nice").client(&server.client()).await.unwrap();
    assert_eq!(
        value,
        Forecast {
            summary: "Mild".into(),
            degrees: 21
        }
    );
    let bodies = server.bodies();
    for body in &bodies {
        let names: Vec<&str> = body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["get_weather", "answer"]);
        assert_eq!(body["tool_choice"], "required");
    }
    assert_eq!(
        tool_results(&bodies[1]),
        [(
            "c1".to_owned(),
            r#"{"city":"Nice","degrees":21}"#.to_owned()
        )]
    );
}

#[tokio::test]
async fn strict_targets_get_strict_tools_beside_the_response_format() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "get_weather", r#"{"city":"Bern","unit":null}"#)]),
        Reply::content(r#"{"summary":"Cool","degrees":21}"#),
    ])
    .await;
    let value = strict_forecast("Bern")
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(value.summary, "Cool");
    let body = &server.bodies()[0];
    assert_eq!(body["response_format"]["type"], "json_schema");
    let function = &body["tools"][0]["function"];
    assert_eq!(function["strict"], true);
    assert_eq!(function["parameters"]["required"], json!(["city", "unit"]));
    assert!(body.get("tool_choice").is_none());
}

#[tokio::test]
async fn per_call_tools_and_a_forced_choice_that_is_lifted_after_the_first_round() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "local_time", r#"{"city":"Kyiv"}"#)]),
        Reply::content("Hi! It is noon in Kyiv."),
    ])
    .await;
    let answer = greet("Ann")
        .client(&server.client())
        .tools(tools![local_time])
        .tool_choice(ToolChoice::function("local_time"))
        .await
        .unwrap();
    assert_eq!(answer, "Hi! It is noon in Kyiv.");
    let bodies = server.bodies();
    assert_eq!(bodies[0]["tools"], json!([time_tool()]));
    assert_eq!(
        bodies[0]["tool_choice"],
        json!({"type": "function", "function": {"name": "local_time"}})
    );
    assert_eq!(bodies[1]["tool_choice"], "auto");
    // An empty list offers no tools.
    let server = MockServer::with([Reply::content("ok")]).await;
    briefing("x")
        .client(&server.client())
        .tools(tools![])
        .await
        .unwrap();
    assert!(server.bodies()[0].get("tools").is_none());
}

#[tokio::test]
async fn declared_choice_and_max_steps_apply() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "counted", r#"{"label":"a"}"#)]),
        Reply::tool_calls(&[("c2", "counted", r#"{"label":"b"}"#)]),
        Reply::tool_calls(&[("c3", "counted", r#"{"label":"c"}"#)]),
    ])
    .await;
    let err = noted("owls").client(&server.client()).await.unwrap_err();
    assert!(
        matches!(&err, Error::MaxSteps(e) if e.max_steps == 2),
        "{err:?}"
    );
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0]["tool_choice"], "required");
    assert_eq!(bodies[1]["tool_choice"], "auto");
}

#[tokio::test]
async fn manual_mode_hands_over_typed_calls_without_running_them() {
    let server = MockServer::with([Reply::tool_calls(&[(
        "c1",
        "get_weather",
        r#"{"city":"Graz","unit":"Celsius"}"#,
    )])])
    .await;
    let before = COUNTED.load(Ordering::SeqCst);
    let calls = plan("Graz").client(&server.client()).await.unwrap();
    assert_eq!(calls.len(), 1);
    let call = &calls.calls[0];
    assert_eq!(
        (call.id.as_str(), call.name.as_str()),
        ("c1", "get_weather")
    );
    assert_eq!(
        call.arguments,
        WeatherArgs {
            city: "Graz".into(),
            unit: Some(Unit::Celsius)
        }
    );
    assert_eq!(COUNTED.load(Ordering::SeqCst), before, "no tool ran");
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        bodies[0]["tool_choice"],
        json!({"type": "function", "function": {"name": "get_weather"}})
    );
}

#[tokio::test]
async fn manual_mode_decodes_an_enum_over_tools_and_reasks_bad_arguments() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "local_time", r#"{"town":"Oslo"}"#)]),
        Reply::tool_calls(&[
            ("c2", "local_time", r#"{"city":"Oslo"}"#),
            ("c3", "get_weather", r#"{"city":"Oslo"}"#),
        ]),
    ])
    .await;
    let r = trip("Oslo")
        .client(&server.client())
        .with_meta()
        .await
        .unwrap();
    let actions: Vec<&Action> = r.value.iter().map(|c| &c.arguments).collect();
    assert_eq!(
        actions,
        [
            &Action::LocalTime {
                city: "Oslo".into()
            },
            &Action::GetWeather {
                city: "Oslo".into(),
                unit: None
            }
        ]
    );
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2);
    let feedback = &tool_results(&bodies[1])[0];
    assert_eq!(feedback.0, "c1");
    assert!(
        feedback
            .1
            .starts_with("Error: the arguments of `local_time`")
            && feedback.1.contains("city"),
        "{feedback:?}"
    );
    assert_eq!(r.requests, 2);
}

/// Notes kept by the model through a tool method.
#[derive(Debug, Clone, Default)]
struct Notebook {
    notes: Arc<Mutex<Vec<String>>>,
}

impl Notebook {
    /// Adds a note; returns how many there are.
    #[tool]
    fn add_note(&self, text: String) -> usize {
        let mut notes = self.notes.lock().unwrap();
        notes.push(text);
        notes.len()
    }

    #[prompt("Take notes about {topic}.", tools = [self.add_note])]
    async fn take_notes(&self, topic: &str) -> Result<String>;
}

#[tokio::test]
async fn methods_are_tools_bound_to_their_receiver() {
    let server = MockServer::with([
        Reply::tool_calls(&[
            ("c1", "add_note", r#"{"text":"Owls hoot."}"#),
            ("c2", "add_note", r#"{"text":"Owls fly."}"#),
        ]),
        Reply::content("Noted."),
    ])
    .await;
    let notebook = Notebook::default();
    let answer = notebook
        .take_notes("owls")
        .client(&server.client())
        .await
        .unwrap();
    assert_eq!(answer, "Noted.");
    let mut notes = notebook.notes.lock().unwrap().clone();
    notes.sort();
    assert_eq!(notes, ["Owls fly.", "Owls hoot."]);
    assert_eq!(
        server.bodies()[0]["tools"][0]["function"]["name"],
        "add_note"
    );
}

/// Two calls that can only finish together: each waits for the other at a barrier.
#[derive(Debug, Clone)]
struct Rendezvous {
    barrier: Arc<tokio::sync::Barrier>,
}

impl Rendezvous {
    /// Waits for the other guest.
    #[tool]
    async fn meet(&self, guest: String) -> std::result::Result<String, String> {
        // Bounded: a loop that ran the calls one after the other would wait here forever.
        tokio::time::timeout(Duration::from_secs(30), self.barrier.wait())
            .await
            .map(|_| format!("{guest} met"))
            .map_err(|_| format!("{guest} waited alone: the calls did not run concurrently"))
    }
}

#[prompt("Greet {who}.")]
async fn host(who: &str) -> Result<String>;

#[tokio::test]
async fn parallel_calls_run_concurrently() {
    let server = MockServer::with([
        Reply::tool_calls(&[
            ("c1", "meet", r#"{"guest":"Ann"}"#),
            ("c2", "meet", r#"{"guest":"Bob"}"#),
        ]),
        Reply::content("Both met."),
    ])
    .await;
    let rendezvous = Rendezvous {
        barrier: Arc::new(tokio::sync::Barrier::new(2)),
    };
    host("guests")
        .client(&server.client())
        .tools(tools![rendezvous.meet])
        .await
        .unwrap();
    assert_eq!(
        tool_results(&server.bodies()[1]),
        [
            ("c1".to_owned(), "Ann met".to_owned()),
            ("c2".to_owned(), "Bob met".to_owned())
        ]
    );
}

/// Never finishes.
#[tool]
async fn stuck(reason: String) -> String {
    std::future::pending::<()>().await;
    reason
}

#[tokio::test]
async fn a_tool_that_never_finishes_is_abandoned_after_the_call_timeout() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "stuck", r#"{"reason":"x"}"#)]),
        Reply::content("It got stuck."),
    ])
    .await;
    let answer = greet("Ann")
        .client(&server.client())
        .tools(tools![stuck])
        .timeout(Duration::from_secs(3))
        .await
        .unwrap();
    assert_eq!(answer, "It got stuck.");
    assert_eq!(
        tool_results(&server.bodies()[1]),
        [(
            "c1".to_owned(),
            "Error: the tool `stuck` did not finish within 3s".to_owned()
        )]
    );
}

#[tokio::test]
async fn tool_schemas_follow_the_target_family() {
    let server = MockServer::start().await;
    let parameters = |model: &str| {
        let body = briefing("x")
            .client(&server.client())
            .model(model)
            .request()
            .unwrap();
        body["tools"][0]["function"].clone()
    };
    let openai = parameters("openai/gpt-4o");
    assert_eq!(openai["strict"], true);
    assert_eq!(openai["parameters"]["additionalProperties"], false);
    let gemini = parameters("gemini-2.0-flash");
    assert!(gemini.get("strict").is_none());
    assert!(
        gemini["parameters"].get("additionalProperties").is_none(),
        "{gemini}"
    );
    assert_eq!(gemini["parameters"]["required"], json!(["city"]));
    let claude = parameters("claude-3-5-haiku-latest");
    assert!(claude.get("strict").is_none());
    assert_eq!(claude["parameters"]["required"], json!(["city"]));
}

#[tokio::test]
async fn request_shows_the_tools_without_sending() {
    let server = MockServer::start().await;
    let body = plan("Graz").client(&server.client()).request().unwrap();
    assert_eq!(body["tools"][0], weather_tool());
    assert_eq!(body["tools"][1]["function"]["name"], "counted");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn manual_mode_without_tools_is_a_config_error() {
    #[prompt("Anything for {x}?")]
    async fn empty_handed(x: &str) -> Result<ToolCalls>;
    let server = MockServer::start().await;
    let err = empty_handed("y")
        .client(&server.client())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("offers no tools")),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_tool_can_be_renamed_and_described_in_its_attribute() {
    let server = MockServer::with([
        Reply::tool_calls(&[("c1", "weather_now", r#"{"city":"Oslo"}"#)]),
        Reply::content("Sunny in Oslo."),
    ])
    .await;
    let answer = renamed_tool("Oslo")
        .client(&server.client())
        .tool_choice(ToolChoice::function("weather_now"))
        .await
        .unwrap();
    assert_eq!(answer, "Sunny in Oslo.");
    let bodies = server.bodies();
    let function = &bodies[0]["tools"][0]["function"];
    assert_eq!(function["name"], "weather_now");
    assert_eq!(function["description"], "The weather right now in a city.");
    assert_eq!(
        bodies[0]["tool_choice"],
        json!({"type": "function", "function": {"name": "weather_now"}})
    );
    assert_eq!(bodies[1]["messages"][2]["content"], "sunny in Oslo");
    // The function itself is unchanged.
    assert_eq!(weather_for("Rome".into()), "sunny in Rome");
}
