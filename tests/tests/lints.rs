//! Every `#[prompt]` declaration form, compiled under the strictest lint set users apply
//! (`cargo clippy --workspace --all-targets -- -D warnings` builds this file in CI): the
//! generated code must add no warning of its own. The tests check what each form renders by
//! asserting the request body it would send.
#![deny(warnings, missing_docs, clippy::all, clippy::pedantic)]

use promptfn::{Result, prompt};
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
