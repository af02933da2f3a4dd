//! Running the study: one server at a time, each mode in turn, every task's inputs one call at
//! a time; then the tables.

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use promptfn::{Call, Client, Mode, Response, WithMeta};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::proxy::{Exchange, Proxy};

/// The re-asks a call makes by default (`promptfn::DEFAULT_RETRIES`); the strict arm gets as many.
const REASKS: u32 = promptfn::DEFAULT_RETRIES;
/// A call that takes longer than this has gone wrong: the model answers in seconds.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The ways of asking for a typed answer that the study compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    JsonSchema,
    JsonObjectWithSchema,
    JsonObjectAlone,
    Tool,
    Prompt,
}

impl Arm {
    const ALL: [Arm; 5] = [
        Arm::JsonSchema,
        Arm::JsonObjectWithSchema,
        Arm::JsonObjectAlone,
        Arm::Tool,
        Arm::Prompt,
    ];

    fn mode(self) -> Mode {
        match self {
            Arm::JsonSchema => Mode::JsonSchema,
            Arm::JsonObjectWithSchema | Arm::JsonObjectAlone => Mode::JsonObject,
            Arm::Tool => Mode::Tool,
            Arm::Prompt => Mode::Prompt,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Arm::JsonSchema => "json_schema",
            Arm::JsonObjectWithSchema => "json_object + schema",
            Arm::JsonObjectAlone => "json_object alone",
            Arm::Tool => "forced tool",
            Arm::Prompt => "prompt only",
        }
    }
}

/// How one way of decoding did on one call.
#[derive(Debug, Default, Clone, Copy)]
struct Outcome {
    typed: bool,
    correct: bool,
    requests: u32,
    tokens: u64,
}

/// One call of the study, judged four ways.
#[derive(Debug)]
struct Row {
    arm: Arm,
    kind: &'static str,
    /// Forced-tool arm: the first answer called no tool.
    untooled: bool,
    /// …and promptfn sent the call again in prompt mode (the prose held no value).
    resent_without_tool: bool,
    tolerant_reask: Outcome,
    tolerant_once: Outcome,
    strict_once: Outcome,
    strict_reask: Outcome,
}

/// What the study carries from call to call on one server.
#[derive(Debug)]
pub struct Runner {
    proxy: Proxy,
    client: Client,
    http: reqwest::Client,
    arm: Arm,
    /// Set when the server refused the arm's mode (the call stepped down the ladder).
    refused: Option<String>,
    rows: Vec<Row>,
}

/// Whether two pieces of text say the same, ignoring case, surrounding blanks and a final period.
pub fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('.').trim().to_lowercase();
    norm(a) == norm(b)
}

/// Exact equality, for answers that are values (enums, numbers, booleans).
pub fn eq<T: PartialEq>(a: &T, b: &T) -> bool {
    a == b
}

/// One task kind: how to call it, and how to tell a correct answer.
pub struct Judge<T, E, M, F> {
    kind: &'static str,
    make: M,
    correct: F,
    cases: Vec<(&'static str, E)>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T, E, M, F> Judge<T, E, M, F>
where
    T: promptfn::Output + DeserializeOwned + JsonSchema,
    E: Clone,
    M: Fn(&'static str) -> Call<T>,
    F: Fn(&T, &E) -> bool,
    WithMeta<T>: std::future::IntoFuture<Output = promptfn::Result<Response<T>>>,
{
    pub fn new(kind: &'static str, make: M, correct: F) -> Self {
        Self {
            kind,
            make,
            correct,
            cases: Vec::new(),
            _t: std::marker::PhantomData,
        }
    }

    pub fn cases(mut self, cases: &[(&'static str, E)]) -> Self {
        self.cases = cases.to_vec();
        self
    }

    pub async fn run(self, runner: &mut Runner, mode: Mode, inputs: usize) {
        for (input, expected) in self.cases.iter().take(inputs) {
            if runner.refused.is_some() {
                return;
            }
            runner.proxy.take();
            let result = (self.make)(input)
                .client(&runner.client)
                .mode(mode)
                .timeout(CALL_TIMEOUT)
                .with_meta()
                .await;
            let exchanges = runner.proxy.take();
            if let Err(e) = &result
                && std::env::var_os("PROMPTFN_STUDY_VERBOSE").is_some()
            {
                eprintln!("  {} {:?}: {input:?}: {e}", self.kind, runner.arm);
            }
            if let Some(first) = exchanges.first().filter(|e| e.status >= 400) {
                runner.refused = Some(format!("refused by the server (HTTP {})", first.status));
                return;
            }
            // A forced tool answered in prose: promptfn reads a value from the prose when it
            // holds one, else sends the call again in prompt mode (a request without tools).
            // Either way the call stays in its row, as the user gets it; the row counts both.
            let untooled = mode == Mode::Tool && exchanges.first().is_some_and(|e| !called_tool(e));
            let resent_without_tool = untooled
                && exchanges
                    .iter()
                    .skip(1)
                    .any(|e| e.request.get("tools").is_none());
            let correct = |v: &T| (self.correct)(v, expected);
            let tolerant_reask = Outcome {
                typed: result.is_ok(),
                correct: result.as_ref().is_ok_and(|r| correct(&r.value)),
                requests: exchanges.len() as u32,
                tokens: exchanges.iter().map(tokens).sum(),
            };
            let Some(first) = exchanges.first() else {
                eprintln!("  {}: {input:?}: no request reached the server", self.kind);
                continue;
            };
            let once = |typed: bool, correct: bool| Outcome {
                typed,
                correct,
                requests: 1,
                tokens: tokens(first),
            };
            let tolerant = Response::<T>::from_completion(first.response.as_bytes());
            let tolerant_once = once(
                tolerant.is_ok(),
                tolerant.as_ref().is_ok_and(|r| correct(&r.value)),
            );
            let strict = strict_decode::<T>(first, mode);
            let strict_once = once(strict.is_ok(), strict.as_ref().is_ok_and(&correct));
            let strict_reask = if strict.is_ok() {
                strict_once
            } else {
                runner.strict_reasks::<T>(first, mode, &correct).await
            };
            runner.rows.push(Row {
                arm: runner.arm,
                kind: self.kind,
                untooled,
                resent_without_tool,
                tolerant_reask,
                tolerant_once,
                strict_once,
                strict_reask,
            });
        }
    }
}

/// The answer text of a completion body: the forced tool's arguments in tool mode, the content
/// otherwise (as promptfn reads it); with whether the answer was cut at the token limit.
fn answer_of(body: &Value, mode: Mode) -> Option<(String, Value, bool)> {
    let choice = body.get("choices")?.get(0)?;
    let message = choice.get("message")?.clone();
    let content = message.get("content").and_then(Value::as_str);
    let arguments = message
        .pointer("/tool_calls/0/function/arguments")
        .and_then(Value::as_str);
    let answer = match mode {
        Mode::Tool => arguments.or(content),
        _ => content.filter(|c| !c.trim().is_empty()).or(arguments),
    }?
    .to_owned();
    let cut = choice.get("finish_reason").and_then(Value::as_str) == Some("length");
    Some((answer, message, cut))
}

/// The envelope promptfn asks for when the type's schema is not a plain object (an enum, a
/// number, a list, an `Option`…): `{"value": …}`.
#[derive(serde::Deserialize)]
struct Wrapped<T> {
    value: T,
}

/// Whether promptfn asks for `T` inside `{"value": …}`: every root but a plain, non-nullable
/// object is wrapped (the rule of promptfn's schema compiler, which is private).
fn travels_wrapped<T: JsonSchema>() -> bool {
    let schema = schemars::schema_for!(T);
    let root = schema.as_value();
    let plain_object = root.get("type").and_then(Value::as_str) == Some("object")
        && root.get("nullable") != Some(&Value::Bool(true))
        && !["anyOf", "oneOf", "allOf", "$ref"]
            .iter()
            .any(|key| root.get(*key).is_some());
    !plain_object
}

/// The strict decoder: the answer must be exactly the JSON promptfn asked for (the type's JSON,
/// inside `{"value": …}` when the type travels wrapped), as it stands.
fn strict_decode<T: DeserializeOwned + JsonSchema>(
    exchange: &Exchange,
    mode: Mode,
) -> Result<T, String> {
    if exchange.status != 200 {
        return Err(format!("HTTP {}", exchange.status));
    }
    let body: Value = serde_json::from_str(&exchange.response).map_err(|e| e.to_string())?;
    let (answer, _, cut) = answer_of(&body, mode).ok_or("no answer in the completion")?;
    if cut {
        return Err("the answer was cut at the token limit".into());
    }
    if travels_wrapped::<T>() {
        serde_json::from_str::<Wrapped<T>>(&answer)
            .map(|w| w.value)
            .map_err(|e| e.to_string())
    } else {
        serde_json::from_str(&answer).map_err(|e| e.to_string())
    }
}

/// Whether the answer called a tool.
fn called_tool(exchange: &Exchange) -> bool {
    serde_json::from_str::<Value>(&exchange.response)
        .ok()
        .and_then(|b| {
            b.pointer("/choices/0/message/tool_calls")
                .and_then(Value::as_array)
                .map(|calls| !calls.is_empty())
        })
        .unwrap_or(false)
}

fn tokens(exchange: &Exchange) -> u64 {
    serde_json::from_str::<Value>(&exchange.response)
        .ok()
        .and_then(|b| b.pointer("/usage/total_tokens").and_then(Value::as_u64))
        .unwrap_or(0)
}

impl Runner {
    /// Re-ask, in promptfn's words, while the strict decoder rejects the answer.
    async fn strict_reasks<T: DeserializeOwned + JsonSchema>(
        &self,
        first: &Exchange,
        mode: Mode,
        correct: &impl Fn(&T) -> bool,
    ) -> Outcome {
        let mut outcome = Outcome {
            requests: 1,
            tokens: tokens(first),
            ..Outcome::default()
        };
        let mut request = first.request.clone();
        let mut last = first.clone();
        for _ in 0..REASKS {
            let reason = match strict_decode::<T>(&last, mode) {
                Ok(_) => break,
                Err(reason) => reason,
            };
            let Ok(body) = serde_json::from_str::<Value>(&last.response) else {
                break;
            };
            let Some((_, message, _)) = answer_of(&body, mode) else {
                break;
            };
            let feedback = format!(
                "Your answer could not be used: {reason}\nAnswer again with only the corrected JSON."
            );
            let Some(messages) = request.get_mut("messages").and_then(Value::as_array_mut) else {
                break;
            };
            let calls = message.get("tool_calls").cloned().unwrap_or(Value::Null);
            // An assistant turn that only calls tools says `content: ""`, as promptfn sends it
            // to llama-cpp-python (its server answers HTTP 422 to the spec's `null`).
            let content = message.get("content").and_then(Value::as_str).unwrap_or("");
            let mut assistant = json!({"role": "assistant", "content": content});
            if let Some(list) = calls.as_array().filter(|l| !l.is_empty()) {
                assistant["tool_calls"] = calls.clone();
                messages.push(assistant);
                for call in list {
                    messages.push(
                        json!({"role": "tool", "tool_call_id": call["id"], "content": feedback}),
                    );
                }
            } else {
                messages.push(assistant);
                messages.push(json!({"role": "user", "content": feedback}));
            }
            let _ = self
                .http
                .post(format!("{}/chat/completions", self.proxy.base_url()))
                .json(&request)
                .timeout(CALL_TIMEOUT)
                .send()
                .await
                .map(|_| ());
            let Some(exchange) = self.proxy.take().pop() else {
                break;
            };
            outcome.requests += 1;
            outcome.tokens += tokens(&exchange);
            last = exchange;
        }
        if let Ok(value) = strict_decode::<T>(&last, mode) {
            outcome.typed = true;
            outcome.correct = correct(&value);
        }
        outcome
    }
}

/// A server started by `scripts/llm-server`, stopped when dropped.
struct Server {
    script: std::path::PathBuf,
    port: String,
    base_url: String,
}

impl Server {
    fn start(kind: &str) -> Server {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/llm-server");
        let out = Command::new("bash")
            .arg(&script)
            .args(["start", "--server", kind, "--port", "auto"])
            .output()
            .expect("run scripts/llm-server");
        assert!(
            out.status.success(),
            "scripts/llm-server start --server {kind} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let exports = String::from_utf8_lossy(&out.stdout).into_owned();
        let value = |name: &str| {
            exports
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .map(|v| v.trim_matches('\'').to_owned())
                .unwrap_or_else(|| panic!("no {name} in {exports}"))
        };
        Server {
            port: value("PROMPTFN_LLM_PORT"),
            base_url: value("OPENAI_BASE_URL"),
            script,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .args(["stop", "--port", &self.port])
            .status();
    }
}

pub fn main() {
    let servers = std::env::var("PROMPTFN_STUDY_SERVERS")
        .unwrap_or_else(|_| "llama-cpp-python,llama-server".into());
    let inputs: usize = std::env::var("PROMPTFN_STUDY_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    for kind in servers.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        // One server per mode, all modes at once: each server runs one inference thread, so
        // the modes share the machine instead of queueing behind each other, and no mode
        // learnt by the client in one arm carries into another.
        let arm_servers: Vec<(Arm, Server)> = Arm::ALL
            .into_iter()
            .map(|arm| (arm, Server::start(kind)))
            .collect();
        let started = Instant::now();
        let section = runtime.block_on(study(kind, &arm_servers, inputs));
        drop(arm_servers);
        eprintln!("{kind}: done in {:.0} s", started.elapsed().as_secs_f64());
        print!("{section}");
    }
}

async fn study(server: &str, arm_servers: &[(Arm, Server)], inputs: usize) -> String {
    let mut arms = tokio::task::JoinSet::new();
    for (arm, upstream) in arm_servers {
        let (arm, upstream, server) = (*arm, upstream.base_url.clone(), server.to_owned());
        arms.spawn(async move {
            let started = Instant::now();
            let outcome = study_arm(arm, upstream, inputs).await;
            eprintln!(
                "{server}: {} done in {:.0} s",
                arm.label(),
                started.elapsed().as_secs_f64()
            );
            outcome
        });
    }
    let mut rows = Vec::new();
    let mut refused = Vec::new();
    while let Some(done) = arms.join_next().await {
        let (arm, arm_rows, why) = done.expect("a study arm panicked");
        rows.extend(arm_rows);
        if let Some(why) = why {
            refused.push((arm, why));
        }
    }
    // The tables list the modes in a fixed order, whichever finished first.
    rows.sort_by_key(|r| Arm::ALL.iter().position(|a| *a == r.arm));
    render(server, inputs, &rows, &refused)
}

/// One mode on its own server: every task kind's inputs, one call at a time.
async fn study_arm(arm: Arm, upstream: String, inputs: usize) -> (Arm, Vec<Row>, Option<String>) {
    let proxy = Proxy::start(upstream).await;
    proxy.drop_schema(arm == Arm::JsonObjectAlone);
    let client = Client::builder()
        .base_url(proxy.base_url())
        .api_key("local")
        .model("smollm2")
        // Transport retries would hide the server's own answers from the record.
        .max_attempts(1)
        .build()
        .expect("client");
    let mut runner = Runner {
        proxy,
        client,
        http: reqwest::Client::new(),
        arm,
        refused: None,
        rows: Vec::new(),
    };
    crate::tasks::run_all(&mut runner, arm.mode(), inputs).await;
    (arm, runner.rows, runner.refused)
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{:.0}%", 100.0 * n as f64 / of as f64)
    }
}

fn per_success(rows: &[&Row], pick: fn(&Row) -> Outcome) -> String {
    let successes = rows.iter().filter(|r| pick(r).correct).count();
    if successes == 0 {
        return "–".into();
    }
    let requests: u32 = rows.iter().map(|r| pick(r).requests).sum();
    let tokens: u64 = rows.iter().map(|r| pick(r).tokens).sum();
    format!(
        "{:.2} / {:.0}",
        f64::from(requests) / successes as f64,
        tokens as f64 / successes as f64
    )
}

fn render(server: &str, inputs: usize, rows: &[Row], refused: &[(Arm, String)]) -> String {
    let mut out = String::new();
    let kinds: Vec<&str> = {
        let mut k: Vec<&str> = rows.iter().map(|r| r.kind).collect();
        k.dedup();
        k.sort();
        k.dedup();
        k
    };
    let _ = writeln!(
        out,
        "\n### {server}: {} task kinds × {inputs} inputs\n",
        kinds.len()
    );
    let _ = writeln!(
        out,
        "Correct typed values (typed values in brackets), then requests / tokens per correct value.\n"
    );
    let _ = writeln!(
        out,
        "| mode | tolerant + re-asks | tolerant, no re-ask | strict + re-asks | strict, no re-ask | req / tok per success (tolerant + re-asks) | (strict + re-asks) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let picks: [fn(&Row) -> Outcome; 4] = [
        |r| r.tolerant_reask,
        |r| r.tolerant_once,
        |r| r.strict_reask,
        |r| r.strict_once,
    ];
    for arm in Arm::ALL {
        if let Some((_, why)) = refused.iter().find(|(a, _)| *a == arm) {
            let _ = writeln!(out, "| {} | {why} | | | | | |", arm.label());
            continue;
        }
        let of: Vec<&Row> = rows.iter().filter(|r| r.arm == arm).collect();
        let mut line = format!("| {} |", arm.label());
        for pick in picks {
            let correct = of.iter().filter(|r| pick(r).correct).count();
            let typed = of.iter().filter(|r| pick(r).typed).count();
            let _ = write!(
                line,
                " {} ({}) |",
                pct(correct, of.len()),
                pct(typed, of.len())
            );
        }
        let _ = write!(
            line,
            " {} | {} |",
            per_success(&of, picks[0]),
            per_success(&of, picks[2])
        );
        let _ = writeln!(out, "{line}");
    }
    let tool_rows: Vec<&Row> = rows.iter().filter(|r| r.arm == Arm::Tool).collect();
    let untooled = tool_rows.iter().filter(|r| r.untooled).count();
    if untooled > 0 {
        let resent = tool_rows.iter().filter(|r| r.resent_without_tool).count();
        let _ = writeln!(
            out,
            "\nForced tool: {untooled} of {} first answers called no tool; promptfn read the value \
             from the prose of {} and sent {resent} again in prompt mode (those calls stay in the \
             row, their prompt-mode requests and tokens in its tolerant + re-asks figures).",
            tool_rows.len(),
            untooled - resent,
        );
    }
    let _ = writeln!(
        out,
        "\nCorrect typed values per task kind, tolerant + re-asks:\n"
    );
    let mut head = "| task kind |".to_owned();
    let mut rule = "|---|".to_owned();
    let arms: Vec<Arm> = Arm::ALL
        .into_iter()
        .filter(|a| !refused.iter().any(|(r, _)| r == a))
        .collect();
    for arm in &arms {
        let _ = write!(head, " {} |", arm.label());
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{head}\n{rule}");
    for kind in kinds {
        let mut line = format!("| {kind} |");
        for arm in &arms {
            let of: Vec<&Row> = rows
                .iter()
                .filter(|r| r.arm == *arm && r.kind == kind)
                .collect();
            let correct = of.iter().filter(|r| r.tolerant_reask.correct).count();
            let _ = write!(line, " {}/{} |", correct, of.len());
        }
        let _ = writeln!(out, "{line}");
    }
    out
}
