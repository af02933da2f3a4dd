//! The mock client: answers scripted per prompt function, every request recorded.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;

use super::render::render;
use super::{MockRequest, Reply};
use crate::client::{Client, ClientBuilder};
use crate::error::{Error, Result};
use crate::transport::{Backend, Body, Opened, Outgoing, Route};
use crate::wire::dialect::Dialect;

/// The model name a [`MockClient`]'s client uses unless told otherwise.
pub const MOCK_MODEL: &str = "mock-model";

/// A test double for the model server: answers are scripted per prompt function, and every
/// request is recorded for assertions. Nothing reaches the network.
///
/// Script answers with [`on`](Self::on), get a [`Client`] with [`client`](Self::client) and
/// give it to the calls under test (`.client(&client)`, or [`with_default_client`] for code
/// that names no client), then assert on [`requests`](Self::requests).
///
/// The answers scripted for one function are used in order, one per request; once they are used
/// up, the last one used answers every later request. Script one answer for "always this",
/// several for a sequence (for example a malformed answer, then the re-asked good one); answers
/// scripted later take over from the repeating one. A request of a
/// function with nothing scripted uses the [`fallback`](Self::fallback) answer, or fails with
/// [`Error::NoScriptedAnswer`] listing the functions that have answers.
///
/// **Methods.** A script is keyed by the function's name, or by the end of its path:
/// `mock.on("Planner::run")` answers only `Planner`'s `run`, where `mock.on("run")` answers
/// every function named `run` (methods of two types included). When several keys fit, the
/// longest answers; [`requests_to`](Self::requests_to) takes the same keys.
///
/// [`ScriptFor::clear`] forgets one function's answers (to script it afresh),
/// [`reset`](Self::reset) everything. Clones share the same script and record.
///
/// **Retries.** A mock client sends each request once: its transport does not retry, so every
/// scripted fault (a 429, a 503, a timeout) reaches the call as the error it scripts. Real
/// clients make up to three attempts ([`RetryPolicy`](crate::RetryPolicy)); to test code that
/// relies on that, give the mock's builder the policy:
/// `mock.client_builder().model(MOCK_MODEL).max_attempts(3)`. Each attempt then uses the next
/// scripted answer.
///
/// **Several answers.** A reply fills every choice a request asks for (`n = 3`);
/// [`Reply::choices`] scripts one answer per choice.
///
/// **Dialects.** A client built with `mock.client_builder().dialect(d)` (or `.dialect_for(…)`)
/// is answered in that dialect, as its server would answer, awaited and streamed: Anthropic
/// `message` and its events, Gemini `GenerateContentResponse` chunks, OpenAI Responses
/// `response` and its `response.*` events; [`MockRequest`]'s accessors read each dialect's body.
/// Claude and Gemini have no refusal field: there a [`Reply::refusal`] ends as the content
/// filter ([`Error::ContentFilter`]); Anthropic and Responses have no `n` (the call sends one
/// request per choice).
///
/// ```
/// use promptfn::testing::{MockClient, Reply};
/// use promptfn::{prompt, Result};
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
/// struct Person { name: String, age: Option<u32> }
///
/// #[prompt("Extract the person mentioned in: {text}")]
/// async fn extract_person(text: &str) -> Result<Person>;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<()> {
/// let mock = MockClient::new();
/// mock.on("extract_person")
///     .reply(Reply::text("I could not find anyone."))   // undecodable: the call re-asks
///     .reply(Reply::value(Person { name: "Alice".into(), age: Some(30) }));
///
/// let person = extract_person("Alice is 30").client(&mock.client()?).await?;
/// assert_eq!(person, Person { name: "Alice".into(), age: Some(30) });
///
/// let requests = mock.requests_to("extract_person");
/// assert_eq!(requests.len(), 2); // the first answer was re-asked
/// assert_eq!(requests[0].prompt(), "Extract the person mentioned in: Alice is 30");
/// # Ok(()) }
/// ```
///
/// [`with_default_client`]: super::with_default_client
#[derive(Clone, Default)]
pub struct MockClient {
    state: Arc<MockState>,
}

#[derive(Default)]
struct MockState {
    script: Mutex<Script>,
    requests: Mutex<Vec<MockRequest>>,
    served: AtomicU64,
}

#[derive(Default)]
struct Script {
    by_function: HashMap<String, Answers>,
    fallback: Option<Reply>,
}

/// The answers of one function: those not used yet, and the last one used, which repeats once
/// the others are used up.
#[derive(Default)]
struct Answers {
    queue: VecDeque<Reply>,
    last: Option<Reply>,
}

impl Answers {
    fn next(&mut self) -> Option<Reply> {
        match self.queue.pop_front() {
            Some(reply) => {
                self.last = Some(reply.clone());
                Some(reply)
            }
            None => self.last.clone(),
        }
    }
}

impl MockClient {
    /// A mock with nothing scripted and nothing recorded.
    pub fn new() -> Self {
        Self::default()
    }

    /// Script the answers of the prompt function named `function`: the Rust function's name
    /// (`"extract_person"`), or the end of its path to tell apart functions of the same name
    /// (`"Planner::run"`, `"agents::Planner::run"`).
    #[must_use = "a script adds nothing until one of its methods is called"]
    pub fn on(&self, function: impl Into<String>) -> ScriptFor<'_> {
        ScriptFor {
            mock: self,
            function: function.into(),
        }
    }

    /// The answer for requests of functions that have none scripted.
    pub fn fallback(&self, reply: Reply) -> &Self {
        lock(&self.state.script).fallback = Some(reply);
        self
    }

    /// A client that answers through this mock, with [`MOCK_MODEL`] as its default model.
    ///
    /// Fails only if the HTTP stack cannot be initialised (the client is built like any other).
    pub fn client(&self) -> Result<Client> {
        self.client_builder().model(MOCK_MODEL).build()
    }

    /// A builder for a client that answers through this mock, to set what the code under test
    /// depends on: the model (which picks the structured-output mode: `claude-…` models are
    /// asked in `tool` mode), [`mode`](ClientBuilder::mode), [`retries`](ClientBuilder::retries)…
    ///
    /// ```
    /// # use promptfn::testing::MockClient;
    /// # fn main() -> promptfn::Result<()> {
    /// let mock = MockClient::new();
    /// let claude = mock.client_builder().model("claude-3-5-sonnet-latest").retries(0).build()?;
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        let backend: Arc<dyn Backend> = self.state.clone();
        Client::builder().backend(backend)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.state.requests).clone()
    }

    /// The requests of the function named `function` (or whose path ends with it, as
    /// [`on`](Self::on) takes it), in order.
    pub fn requests_to(&self, function: &str) -> Vec<MockRequest> {
        lock(&self.state.requests)
            .iter()
            .filter(|r| key_fits(function, &r.function_path))
            .cloned()
            .collect()
    }

    /// The last request received, if any.
    pub fn last_request(&self) -> Option<MockRequest> {
        lock(&self.state.requests).last().cloned()
    }

    /// Forget the recorded requests (the script stays).
    pub fn clear_requests(&self) {
        lock(&self.state.requests).clear();
    }

    /// Forget everything: every function's answers, the fallback and the recorded requests.
    pub fn reset(&self) {
        *lock(&self.state.script) = Script::default();
        self.clear_requests();
    }
}

impl fmt::Debug for MockClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.state, f)
    }
}

impl fmt::Debug for MockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let script = lock(&self.script);
        let mut functions: Vec<&String> = script.by_function.keys().collect();
        functions.sort();
        f.debug_struct("MockClient")
            .field("scripted", &functions)
            .field("fallback", &script.fallback.is_some())
            .field("requests", &lock(&self.requests).len())
            .finish()
    }
}

/// Scripts the answers of one prompt function; returned by [`MockClient::on`].
///
/// Each method appends one answer and returns the script, so a sequence reads in order:
/// `mock.on("f").returns_text("first").returns_text("then always this")`.
pub struct ScriptFor<'a> {
    mock: &'a MockClient,
    function: String,
}

impl fmt::Debug for ScriptFor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptFor")
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

impl<'a> ScriptFor<'a> {
    /// Forget this function's answers, used or not, so that what follows replaces them:
    /// `mock.on("f").clear().reply(…)`. Its recorded requests stay.
    pub fn clear(self) -> Self {
        lock(&self.mock.state.script)
            .by_function
            .remove(&self.function);
        self
    }

    /// Append `reply`.
    pub fn reply(self, reply: Reply) -> Self {
        lock(&self.mock.state.script)
            .by_function
            .entry(self.function.clone())
            .or_default()
            .queue
            .push_back(reply);
        self
    }

    /// Append a typed answer: the same as `.reply(Reply::value(value))`, which names it.
    #[deprecated(note = "use `.reply(Reply::value(…))`, which scripts the same answer")]
    pub fn returns(self, value: impl Serialize) -> Self {
        self.reply(Reply::value(value))
    }

    /// Append an answer of exactly this text: [`Reply::text`].
    pub fn returns_text(self, text: impl Into<String>) -> Self {
        self.reply(Reply::text(text))
    }

    /// Append an answer chosen from the request each time it is used: [`Reply::from_fn`].
    pub fn responds_with(self, f: impl Fn(&MockRequest) -> Reply + Send + Sync + 'static) -> Self {
        self.reply(Reply::from_fn(f))
    }
}

impl MockState {
    /// The next scripted reply for the function at `path`, named `function`: the first of the
    /// queue of the longest key that fits, kept when it is the last.
    fn next_reply(&self, function: &str, path: &str) -> Result<Reply> {
        let mut script = lock(&self.script);
        let key = script
            .by_function
            .keys()
            .filter(|key| key_fits(key, path))
            .max_by_key(|key| key.len())
            .cloned();
        if let Some(reply) = key.and_then(|key| script.by_function.get_mut(&key)?.next()) {
            return Ok(reply);
        }
        if let Some(fallback) = &script.fallback {
            return Ok(fallback.clone());
        }
        let mut scripted: Vec<&str> = script.by_function.keys().map(String::as_str).collect();
        scripted.sort_unstable();
        let scripted = if scripted.is_empty() {
            "none".to_owned()
        } else {
            scripted.join(", ")
        };
        Err(Error::NoScriptedAnswer(format!(
            "the mock client has no answer for `{function}` (`{path}`): script one with \
             mock.on(\"{function}\").reply(Reply::value(…)) (or .fallback(…) for every \
             function); functions with answers: {scripted}"
        )))
    }

    fn answer(&self, out: &Outgoing) -> Result<Opened> {
        let request = MockRequest::from_wire(
            out.function,
            out.function_path,
            &out.body,
            out.stream,
            out.route.path(),
            match &out.route {
                Route::Native { dialect, .. } => *dialect,
                _ => Dialect::ChatCompletions,
            },
        );
        lock(&self.requests).push(request.clone());
        let reply = self.next_reply(out.function, out.function_path)?;
        let serial = self.served.fetch_add(1, Ordering::Relaxed) + 1;
        let rendered = render(reply, &request, serial, out.timeout)?;
        Ok(Opened {
            status: rendered.status,
            body: Body::Chunks(rendered.chunks),
        })
    }
}

/// Whether the script key `key` names the function at `path`: the whole path, or its last
/// segments (`run`, `Planner::run`), read without generic arguments and with a trait method's
/// `<Planner as Agent>::run` read as `Planner::run`.
fn key_fits(key: &str, path: &str) -> bool {
    let path = plain_path(path);
    path == key
        || path
            .strip_suffix(key)
            .is_some_and(|head| head.ends_with("::"))
}

/// `path` without generic arguments, a `<Type as Trait>` prefix read as `Type`.
fn plain_path(path: &str) -> String {
    let path = match path.strip_prefix('<').and_then(|p| p.split_once(" as ")) {
        Some((owner, rest)) => match rest.split_once(">::") {
            Some((_, item)) => format!("{owner}::{item}"),
            None => path.to_owned(),
        },
        None => path.to_owned(),
    };
    let mut plain = String::with_capacity(path.len());
    let mut depth = 0_usize;
    for c in path.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain
}

impl Backend for MockState {
    fn open<'a>(
        &'a self,
        out: &'a Outgoing,
    ) -> Pin<Box<dyn Future<Output = Result<Opened>> + Send + 'a>> {
        Box::pin(async move { self.answer(out) })
    }
}

/// Test doubles keep working after a panicking test thread poisoned a lock.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Role;
    use crate::output::OutputCache;
    use crate::spec::{Decl, PromptBuilder, PromptSpec};
    use crate::{Call, Mode};
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
    struct Person {
        name: String,
        age: Option<u32>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
    enum Mood {
        Happy,
        Sad,
    }

    static PERSON: PromptSpec = PromptSpec {
        name: "person",
        site: || "person",
        decl: Decl::DEFAULT,
        output: OutputCache::new(),
    };
    static MOODS: PromptSpec = PromptSpec {
        name: "moods",
        site: || "moods",
        decl: Decl::DEFAULT,
        output: OutputCache::new(),
    };
    static TEXT: PromptSpec = PromptSpec {
        name: "text",
        site: || "text",
        decl: Decl::DEFAULT,
        output: OutputCache::new(),
    };

    fn call<T: crate::Output>(spec: &'static PromptSpec, prompt: &str) -> Call<T> {
        let mut b = PromptBuilder::new(spec);
        b.start(Role::User);
        b.text(prompt);
        b.finish()
    }

    #[test]
    fn keys_fit_the_end_of_a_path_at_a_segment() {
        for (key, path) in [
            ("run", "app::Planner::run"),
            ("Planner::run", "app::Planner::run"),
            ("app::Planner::run", "app::Planner::run"),
            ("Planner::run", "app::Planner<_>::run"),
            ("Planner::run", "<app::Planner as app::Agent>::run"),
            ("extract", "extract"),
        ] {
            assert!(key_fits(key, path), "{key} should fit {path}");
        }
        for (key, path) in [
            ("lanner::run", "app::Planner::run"),
            ("Writer::run", "app::Planner::run"),
            ("un", "app::Planner::run"),
            ("Planner", "app::Planner::run"),
        ] {
            assert!(!key_fits(key, path), "{key} should not fit {path}");
        }
    }

    fn alice() -> Person {
        Person {
            name: "Alice".into(),
            age: Some(30),
        }
    }

    #[tokio::test]
    async fn typed_values_decode_in_every_mode() {
        let mock = MockClient::new();
        mock.on("person").reply(Reply::value(alice()));
        mock.on("moods")
            .reply(Reply::value(vec![Mood::Happy, Mood::Sad]));
        for mode in Mode::LADDER {
            let client = mock.client_builder().model("m").mode(mode).build().unwrap();
            let r = call::<Person>(&PERSON, "Alice is 30")
                .client(&client)
                .with_meta()
                .await
                .unwrap();
            assert_eq!(r.value, alice(), "{mode}");
            assert_eq!(r.mode, Some(mode));
            assert!(r.repairs.is_empty(), "{mode}: {:?}", r.repairs);
            let moods: Vec<Mood> = call(&MOODS, "moods").client(&client).await.unwrap();
            assert_eq!(moods, [Mood::Happy, Mood::Sad], "{mode}");
            assert_eq!(mock.last_request().unwrap().mode(), Some(mode));
        }
        assert_eq!(mock.requests().len(), 8);
    }

    #[tokio::test]
    async fn answers_are_used_in_order_and_the_last_repeats() {
        let mock = MockClient::new();
        mock.on("text")
            .returns_text("one")
            .reply(Reply::value("two"));
        let client = mock.client().unwrap();
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(call::<String>(&TEXT, "x").client(&client).await.unwrap());
        }
        assert_eq!(got, ["one", "two", "two"]);
        mock.on("text").returns_text("three");
        for _ in 0..2 {
            got.push(call::<String>(&TEXT, "x").client(&client).await.unwrap());
        }
        assert_eq!(got[3..], ["three", "three"]);
    }

    #[tokio::test]
    async fn closures_see_the_request() {
        let mock = MockClient::new();
        mock.on("text").responds_with(|req| {
            Reply::text(format!("{} via {}", req.prompt(), req.model().unwrap()))
        });
        let client = mock.client().unwrap();
        let text: String = call(&TEXT, "ping").client(&client).await.unwrap();
        assert_eq!(text, "ping via mock-model");
    }

    #[tokio::test]
    async fn scripted_errors_reach_the_caller_typed() {
        // One mock per fault, so that a transport that retries some of them sees the same one.
        async fn error_for(reply: Reply) -> Error {
            let mock = MockClient::new();
            mock.on("text").reply(reply);
            let client = mock.client().unwrap();
            call::<String>(&TEXT, "x")
                .client(&client)
                .await
                .unwrap_err()
        }
        let e = error_for(Reply::api_error(429, "Rate limit reached")).await;
        assert!(
            matches!(&e, Error::Api(a) if a.status == 429 && a.message() == "Rate limit reached")
        );
        let mock = MockClient::new();
        mock.on("text").reply(Reply::truncated("half an ans"));
        let cut = call::<String>(&TEXT, "x")
            .client(&mock.client().unwrap())
            .await
            .unwrap();
        assert_eq!(cut, "half an ans", "cut text is the answer");
        let e = error_for(Reply::refusal("I can't help with that.")).await;
        assert!(matches!(&e, Error::Refused { refusal } if refusal.contains("can't")));
        let e = error_for(Reply::content_filtered()).await;
        assert!(matches!(e, Error::ContentFilter { .. }));
        let e = error_for(Reply::timeout()).await;
        assert!(matches!(e, Error::Timeout { .. }));
        let e = error_for(Reply::disconnect()).await;
        assert!(matches!(e, Error::Transport { .. }));
    }

    #[tokio::test]
    async fn unscripted_functions_fail_with_a_fix_or_use_the_fallback() {
        let mock = MockClient::new();
        mock.on("person").reply(Reply::value(alice()));
        let client = mock.client().unwrap();
        let err = call::<String>(&TEXT, "x")
            .client(&client)
            .await
            .unwrap_err();
        let shown = err.to_string();
        assert!(matches!(err, Error::NoScriptedAnswer(_)), "{err:?}");
        assert!(shown.contains("no answer for `text`"), "{shown}");
        assert!(shown.contains("mock.on(\"text\")"), "{shown}");
        assert!(shown.contains("person"), "{shown}");
        assert_eq!(
            mock.requests_to("text").len(),
            1,
            "failed requests are recorded too"
        );
        mock.fallback(Reply::text("anything"));
        let text: String = call(&TEXT, "x").client(&client).await.unwrap();
        assert_eq!(text, "anything");
        mock.clear_requests();
        assert!(mock.requests().is_empty());
    }

    #[tokio::test]
    async fn usage_is_reported_when_scripted() {
        let mock = MockClient::new();
        mock.on("text").reply(Reply::text("hi").usage(5, 2));
        let r = call::<String>(&TEXT, "x")
            .client(&mock.client().unwrap())
            .with_meta()
            .await
            .unwrap();
        assert_eq!(r.usage, Some(crate::Usage::new(5, 2)));
        assert_eq!(r.id.as_deref(), Some("chatcmpl-mock-1"));
        assert_eq!(r.model.as_deref(), Some(MOCK_MODEL));
        assert!(format!("{mock:?}").contains("text"));
    }
}
