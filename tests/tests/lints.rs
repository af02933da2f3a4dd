//! Every `#[prompt]` declaration form, compiled under the strictest lint set users apply
//! (`cargo clippy --workspace --all-targets -- -D warnings` builds this file in CI): the
//! generated code must add no warning of its own. The tests check what each form renders by
//! asserting the request body it would send.
#![deny(warnings, missing_docs, clippy::all, clippy::pedantic)]

use promptfn::{Result, ToolCalls, prompt, tool, tools};
use promptfn_tests::mock::MockServer;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// A structured answer.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Verdict {
    /// Whether the claim holds.
    pub holds: bool,
}

/// Somebody the prompt talks about.
#[derive(Debug)]
pub struct User {
    /// Shown with `{user.name}`.
    pub name: String,
    /// Shown with `{user.type}`.
    pub r#type: &'static str,
}

/// The positional form.
#[prompt("Translate {text} into {language}.")]
pub async fn translate(text: &str, language: &str) -> Result<String>;

/// `system` plus the positional template, both with placeholders.
#[prompt(
    system = "You are a {tone} assistant.",
    "Answer: {question}",
    temperature = 0.0
)]
pub async fn answer(question: &str, tone: &str) -> Result<String>;

/// The chat form with a few-shot example.
#[prompt(
    system = "Answer with one word.",
    user = "Capital of France?",
    assistant = "Paris",
    user = "Capital of {country}?"
)]
pub async fn capital(country: &str) -> Result<String>;

/// A template file, relative to this crate's root.
#[prompt(path = "prompts/summary.md")]
pub async fn summarise(text: &str, words: u32) -> Result<String>;

/// Field access and format specs.
#[prompt(
    "{user.name} ({user.type}) scored {score:.2}; tags {tags:?}",
    model = "gpt-4o-mini"
)]
pub async fn report(user: &User, score: f64, tags: &[&str]) -> Result<Verdict>;

/// Methods, with `{self.field}`.
#[derive(Debug)]
pub struct Persona {
    /// Shown with `{self.name}`.
    pub name: String,
}

impl Persona {
    /// A method declaration.
    #[prompt(system = "You are {self.name}.", "Reply to: {message}")]
    pub async fn reply(&self, message: &str) -> Result<String>;
}

/// `crate = path` through a re-export.
pub mod llm {
    pub use promptfn;
}

/// Declared through the re-export.
#[prompt("Name a colour like {hint}.", crate = crate::llm::promptfn)]
pub async fn colour(hint: &str) -> Result<String>;

/// Every setting at once.
#[prompt(
    "Check: {claim}",
    model = "gpt-4o-mini",
    temperature = 0.5,
    top_p = 0.9,
    max_tokens = 64,
    stop = ["END"],
    presence_penalty = 0.1,
    frequency_penalty = -0.1,
    logit_bias = [(13, -5)],
    seed = 7,
    end_user = "u-1",
    mode = "tool",
    retries = 1
)]
pub async fn check(claim: &str) -> Result<Verdict>;

/// A tool: an `async fn` returning `Result`, with a documented parameter.
///
/// # Errors
///
/// Never, but the model would be told.
#[tool]
pub async fn get_weather(
    /// The city's name.
    city: String,
) -> std::result::Result<String, std::fmt::Error> {
    let sky = std::future::ready("sunny").await;
    Ok(format!("{sky} in {city}"))
}

/// A tool: a plain `fn` returning a value.
#[tool]
#[must_use]
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The arguments of `add`, as manual mode hands them over.
#[derive(Debug, Deserialize)]
pub struct AddArgs {
    /// The first term.
    pub a: i64,
    /// The second term.
    pub b: i64,
}

/// Tools on a type: an associated function and a method bound to the receiver.
#[derive(Debug, Clone)]
pub struct Desk {
    /// Returned by the `owner` tool.
    pub owner: String,
}

impl Desk {
    /// Shouts a text.
    #[tool]
    #[must_use]
    pub fn shout(text: String) -> String {
        text.to_uppercase()
    }

    /// Who owns the desk.
    #[tool]
    #[must_use]
    pub fn owner(&self) -> String {
        self.owner.clone()
    }

    /// Every kind of tool, with a step limit and a choice.
    #[prompt(
        "Help {self.owner} with: {task}",
        tools = [get_weather, add, Self::shout, self.owner],
        max_steps = 3,
        tool_choice = "auto"
    )]
    pub async fn help(&self, task: &str) -> Result<String>;
}

/// Manual mode: the calls are handed over, typed.
#[prompt("Add {a} and {b}.", tools = [add], tool_choice = "add")]
pub async fn plan_addition(a: i64, b: i64) -> Result<ToolCalls<AddArgs>>;

/// The body a call would send, rendered with `request()` through the mock server's client
/// (which sets the model `mock-model`); nothing is sent.
#[allow(clippy::expect_used)] // a test helper: a failure is the test failing
fn body<T: promptfn::Output>(call: promptfn::Call<T>, server: &MockServer) -> Value {
    call.client(&server.client())
        .request()
        .expect("the request renders")
}

#[tokio::test]
async fn the_positional_form_is_one_user_message() {
    let server = MockServer::start().await;
    assert_eq!(
        body(translate("bonjour", "English"), &server),
        json!({"model": "mock-model", "messages": [
            {"role": "user", "content": "Translate bonjour into English."}
        ]})
    );
}

#[tokio::test]
async fn system_comes_first() {
    let server = MockServer::start().await;
    assert_eq!(
        body(answer("why?", "patient"), &server),
        json!({"model": "mock-model", "temperature": 0.0, "messages": [
            {"role": "system", "content": "You are a patient assistant."},
            {"role": "user", "content": "Answer: why?"}
        ]})
    );
}

#[tokio::test]
async fn chat_turns_keep_their_roles_and_order() {
    let server = MockServer::start().await;
    assert_eq!(
        body(capital("Italy"), &server)["messages"],
        json!([
            {"role": "system", "content": "Answer with one word."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris"},
            {"role": "user", "content": "Capital of Italy?"}
        ])
    );
}

#[tokio::test]
async fn a_template_file_renders_with_literal_braces() {
    let server = MockServer::start().await;
    assert_eq!(
        body(summarise("A long story.", 12), &server)["messages"],
        json!([{"role": "user", "content":
            "Summarise this text in 12 words:\n\nA long story.\n\nAnswer as plain text, without {braces}.\n"}])
    );
}

#[tokio::test]
async fn fields_and_format_specs_render_like_format() {
    let server = MockServer::start().await;
    let user = User {
        name: "Ada".to_owned(),
        r#type: "admin",
    };
    let sent = body(report(&user, 2.345_6, &["x", "y"]), &server);
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "Ada (admin) scored 2.35; tags [\"x\", \"y\"]"}])
    );
    assert_eq!(sent["model"], "gpt-4o-mini");
    assert_eq!(sent["response_format"]["json_schema"]["strict"], true);
}

#[tokio::test]
async fn methods_read_self_fields() {
    let server = MockServer::start().await;
    let persona = Persona {
        name: "a pirate".to_owned(),
    };
    assert_eq!(
        body(persona.reply("ahoy"), &server)["messages"],
        json!([
            {"role": "system", "content": "You are a pirate."},
            {"role": "user", "content": "Reply to: ahoy"}
        ])
    );
}

#[tokio::test]
async fn a_reexported_crate_path_works() {
    let server = MockServer::start().await;
    assert_eq!(
        body(colour("teal"), &server)["messages"],
        json!([{"role": "user", "content": "Name a colour like teal."}])
    );
}

#[tokio::test]
async fn every_setting_reaches_the_body() {
    let server = MockServer::start().await;
    let sent = body(check("water is wet"), &server);
    let mut settings = sent.clone();
    let object = settings.as_object_mut().expect("an object");
    let tools = object.remove("tools").expect("tool mode sends tools");
    object.remove("messages");
    assert_eq!(
        settings,
        json!({
            "model": "gpt-4o-mini", "temperature": 0.5, "top_p": 0.9, "max_tokens": 64,
            "stop": ["END"], "presence_penalty": 0.1, "frequency_penalty": -0.1,
            "logit_bias": {"13": -5}, "seed": 7, "user": "u-1",
            "tool_choice": {"type": "function", "function": {"name": "answer"}}
        })
    );
    assert_eq!(tools[0]["function"]["name"], "answer");
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "Check: water is wet"}])
    );
}

/// The names of the tools a body offers.
fn tool_names(body: &Value) -> Vec<&str> {
    body["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t["function"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_kind_of_tool_is_offered() {
    let server = MockServer::start().await;
    let desk = Desk {
        owner: "Ada".to_owned(),
    };
    let sent = body(desk.help("sums"), &server);
    assert_eq!(tool_names(&sent), ["get_weather", "add", "shout", "owner"]);
    assert_eq!(sent["tool_choice"], "auto");
    assert_eq!(
        sent["tools"][0]["function"]["parameters"]["properties"]["city"]["description"],
        "The city's name."
    );
    let sent = body(plan_addition(1, 2), &server);
    assert_eq!(tool_names(&sent), ["add"]);
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "function", "function": {"name": "add"}})
    );
    let sent = body(
        plan_addition(1, 2).tools(tools![Desk::shout, desk.owner]),
        &server,
    );
    assert_eq!(tool_names(&sent), ["shout", "owner"]);
    // The functions stay callable as written.
    assert_eq!(add(2, 3), 5);
    assert_eq!(Desk::shout("hi".to_owned()), "HI");
    assert_eq!(
        get_weather("Oslo".to_owned()).await,
        Ok("sunny in Oslo".to_owned())
    );
}
