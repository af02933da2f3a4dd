//! Record-and-replay cassettes: real answers recorded once into a file in the user's repository,
//! replayed offline by later runs.

mod file;
mod matching;

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use self::file::{CassetteFile, Interaction, RecordedResponse};
use self::matching::{first_difference, normalize};
use super::{MockRequest, guard};
use crate::client::{Client, ClientBuilder};
use crate::error::{Error, Result};
use crate::structured::Mode;
use crate::transport::{self, Backend, Body, Opened, Outgoing};

/// The environment variable that sets the mode of cassettes opened with [`Cassette::open`]:
/// `replay` (the default), `record` or `append`.
pub const CASSETTE_MODE_ENV: &str = "PROMPTFN_CASSETTE";

/// What a [`Cassette`] does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CassetteMode {
    /// Answer from the file only; a request that was not recorded fails (the default, and what
    /// CI should run).
    Replay,
    /// Send every request to the live server and record it, replacing what the file held.
    Record,
    /// Replay what was recorded; send the rest to the live server and add it to the file.
    Append,
}

impl CassetteMode {
    /// The mode's name, as [`CASSETTE_MODE_ENV`] spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replay => "replay",
            Self::Record => "record",
            Self::Append => "append",
        }
    }
}

impl fmt::Display for CassetteMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CassetteMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "replay" => Ok(Self::Replay),
            "record" => Ok(Self::Record),
            "append" => Ok(Self::Append),
            other => Err(Error::Config(format!(
                "unknown cassette mode `{other}` (from {CASSETTE_MODE_ENV}): expected replay, \
                 record or append"
            ))),
        }
    }
}

/// A record-and-replay cassette: a JSON file of requests and the answers they got.
///
/// Record real answers once (`PROMPTFN_CASSETTE=record cargo test` with a live server
/// configured), commit the file, and every later run replays them offline: fast, free and
/// deterministic. Give the calls under test the cassette's [`client`](Self::client).
///
/// **Matching.** A request is answered by a recorded interaction of the same prompt function
/// whose request body is the same JSON (key order and number spelling do not matter). promptfn's
/// request bodies hold nothing volatile (no timestamps or ids), so by default every field counts:
/// a changed prompt, model, schema or parameter is a different request. Leave top-level fields out
/// with [`ignore_field`](Self::ignore_field) (for instance `model`, to replay answers recorded
/// with another model). Interactions are replayed in recorded order; a request repeated more
/// often than it was recorded gets the last recorded answer again. A request with no match fails
/// with [`Error::NoScriptedAnswer`] naming the first place where it differs from the recorded
/// request and how to record again.
///
/// **Secrets.** Only request bodies, statuses and response bodies are written: never a header,
/// so neither the `Authorization` header nor extra headers reach the file. The recording
/// client's API key is also replaced by `[redacted]` wherever it appears in a body.
///
/// **Modes.** [`Cassette::open`] takes its mode from [`PROMPTFN_CASSETTE`](CASSETTE_MODE_ENV)
/// (`replay` when unset); recording goes through [`Client::from_env`] (`OPENAI_BASE_URL`,
/// `OPENAI_API_KEY`) unless [`record_through`](Self::record_through) names a client. A cassette
/// that records may reach the network even while
/// [`forbid_live_requests`](super::forbid_live_requests) is on, since recording was asked for.
///
/// Give each test its own cassette file: tests run in parallel, and two tests recording into one
/// file would overwrite each other.
///
/// ```
/// use promptfn::testing::{Cassette, CassetteMode, MockClient};
/// use promptfn::{prompt, Result};
///
/// #[prompt("Say hi to {name}")]
/// async fn greet(name: &str) -> Result<String>;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<()> {
/// # let dir = std::env::temp_dir().join(format!("promptfn-doc-cassette-{}", std::process::id()));
/// let path = dir.join("greet.json");
///
/// // Record once. Here the "live" server is a mock; in a real test it is the model server
/// // configured by OPENAI_BASE_URL and OPENAI_API_KEY, and the mode comes from
/// // PROMPTFN_CASSETTE=record.
/// let server = MockClient::new();
/// server.on("greet").returns_text("Hi Bob!");
/// let recording = Cassette::open_with_mode(&path, CassetteMode::Record)?
///     .record_through(server.client()?);
/// let client = recording.client_builder().model("gpt-4o-mini").build()?;
/// assert_eq!(greet("Bob").client(&client).await?, "Hi Bob!");
///
/// // Replay offline: same request, same answer, no server.
/// let replay = Cassette::open_with_mode(&path, CassetteMode::Replay)?;
/// let client = replay.client_builder().model("gpt-4o-mini").build()?;
/// assert_eq!(greet("Bob").client(&client).await?, "Hi Bob!");
///
/// // A request that was not recorded fails, saying where it differs.
/// let err = greet("Ann").client(&client).await.unwrap_err();
/// assert!(err.to_string().contains("messages[0].content"));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Cassette {
    state: Arc<CassetteState>,
}

struct CassetteState {
    path: PathBuf,
    mode: CassetteMode,
    settings: Mutex<Settings>,
    tape: Mutex<Tape>,
}

#[derive(Default)]
struct Settings {
    ignored: Vec<String>,
    recorder: Option<Client>,
}

struct Tape {
    file: CassetteFile,
    /// Which interactions have been replayed or recorded in this run.
    played: Vec<bool>,
}

impl Cassette {
    /// Open the cassette at `path`, in the mode [`PROMPTFN_CASSETTE`](CASSETTE_MODE_ENV) names
    /// (`replay` when unset).
    ///
    /// Relative paths are taken from the current directory, which `cargo test` sets to the
    /// package's root; `concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cassettes/name.json")` is
    /// independent of it. Fails when the mode is `replay` and the file does not exist, or when
    /// the file is not a cassette.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let mode = match std::env::var(CASSETTE_MODE_ENV) {
            Ok(value) => value.parse()?,
            Err(_) => CassetteMode::Replay,
        };
        Self::open_with_mode(path, mode)
    }

    /// Open the cassette at `path` in `mode`, whatever the environment says.
    pub fn open_with_mode(path: impl AsRef<Path>, mode: CassetteMode) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = match mode {
            // Recording starts a new tape; the file is replaced at the first answer.
            CassetteMode::Record => CassetteFile::empty(),
            CassetteMode::Append => CassetteFile::load(&path)?.unwrap_or_else(CassetteFile::empty),
            CassetteMode::Replay => CassetteFile::load(&path)?.ok_or_else(|| {
                Error::Config(format!(
                    "the cassette {} does not exist: record it by running the test once with \
                     {CASSETTE_MODE_ENV}=record and a live server (OPENAI_BASE_URL, \
                     OPENAI_API_KEY), then commit the file",
                    path.display()
                ))
            })?,
        };
        let played = vec![false; file.interactions.len()];
        Ok(Self {
            state: Arc::new(CassetteState {
                path,
                mode,
                settings: Mutex::new(Settings::default()),
                tape: Mutex::new(Tape { file, played }),
            }),
        })
    }

    /// Leave the top-level request field `field` (e.g. `"model"`, `"seed"`) out of matching.
    pub fn ignore_field(self, field: impl Into<String>) -> Self {
        lock(&self.state.settings).ignored.push(field.into());
        self
    }

    /// Record through `client` instead of [`Client::from_env`]. Only its transport is used (base
    /// URL, API key, headers, timeouts): the request body is the one the call under test built.
    pub fn record_through(self, client: Client) -> Self {
        lock(&self.state.settings).recorder = Some(client);
        self
    }

    /// A builder for a client that answers through this cassette. Set the model (and anything
    /// else the requests depend on) the same way when recording and replaying, since it is part
    /// of the recorded request; the builder's base URL and key are not used.
    pub fn client_builder(&self) -> ClientBuilder {
        let backend: Arc<dyn Backend> = self.state.clone();
        Client::builder().backend(backend)
    }

    /// A client that answers through this cassette, with no default model (functions that do
    /// not name one need [`client_builder`](Self::client_builder)`.model(…)`).
    pub fn client(&self) -> Result<Client> {
        self.client_builder().build()
    }

    /// The cassette's file.
    pub fn path(&self) -> &Path {
        &self.state.path
    }

    /// The cassette's mode.
    pub fn mode(&self) -> CassetteMode {
        self.state.mode
    }

    /// How many interactions the cassette holds.
    pub fn len(&self) -> usize {
        lock(&self.state.tape).file.interactions.len()
    }

    /// Whether the cassette holds no interaction.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The functions of the recorded interactions this run has not replayed yet, in recorded
    /// order: assert it is empty to check that the code under test made every recorded call.
    ///
    /// A recorded structured-output rejection does not count when the same request was
    /// replayed in a lower mode: calls recorded concurrently each met the rejection before any
    /// of them learnt the fallback, while on replay the later ones start from the learnt mode.
    pub fn unplayed(&self) -> Vec<String> {
        let tape = lock(&self.state.tape);
        let all = &tape.file.interactions;
        all.iter()
            .enumerate()
            .filter(|(at, i)| !tape.played[*at] && !replayed_lower(i, all, &tape.played))
            .map(|(_, i)| i.function.clone())
            .collect()
    }
}

impl fmt::Debug for Cassette {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cassette")
            .field("path", &self.state.path)
            .field("mode", &self.state.mode)
            .field("interactions", &self.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CassetteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cassette")
            .field("path", &self.path)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl CassetteState {
    async fn answer(&self, out: &Outgoing) -> Result<Opened> {
        let body: Value = serde_json::from_slice(&out.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&out.body).into_owned()));
        let replayed = match self.mode {
            CassetteMode::Record => None,
            CassetteMode::Replay | CassetteMode::Append => Some(self.replay(out.function, &body)),
        };
        match replayed {
            Some(Ok(opened)) => Ok(opened),
            Some(Err(message)) if self.mode == CassetteMode::Replay => {
                Err(Error::NoScriptedAnswer(message))
            }
            _ => self.record(out, body).await,
        }
    }

    /// The recorded answer to this request, or why there is none.
    fn replay(&self, function: &str, body: &Value) -> std::result::Result<Opened, String> {
        let ignored = lock(&self.settings).ignored.clone();
        let wanted = normalize(body, &ignored);
        let mut tape = lock(&self.tape);
        let matches: Vec<usize> = tape
            .file
            .interactions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.function == function && normalize(&i.request, &ignored) == wanted)
            .map(|(at, _)| at)
            .collect();
        let chosen = matches
            .iter()
            .copied()
            .find(|at| !tape.played[*at])
            .or(matches.last().copied());
        let Some(at) = chosen else {
            return Err(self.miss_message(&tape, function, &wanted, &ignored));
        };
        tape.played[at] = true;
        let response = &tape.file.interactions[at].response;
        Ok(Opened {
            status: response.status,
            body: Body::Chunks(response.chunks().into()),
        })
    }

    fn miss_message(
        &self,
        tape: &Tape,
        function: &str,
        wanted: &Value,
        ignored: &[String],
    ) -> String {
        let path = self.path.display();
        let again = format!(
            "If the change is intended, record the cassette again: run the test with \
             {CASSETTE_MODE_ENV}=record and a live server (OPENAI_BASE_URL, OPENAI_API_KEY)"
        );
        let same_function = || {
            tape.file
                .interactions
                .iter()
                .zip(&tape.played)
                .filter(|(i, _)| i.function == function)
        };
        let closest = same_function()
            .find(|(_, played)| !**played)
            .or_else(|| same_function().next())
            .map(|(i, _)| i);
        let Some(closest) = closest else {
            let mut recorded: Vec<&str> = tape
                .file
                .interactions
                .iter()
                .map(|i| i.function.as_str())
                .collect();
            recorded.sort_unstable();
            recorded.dedup();
            let recorded = if recorded.is_empty() {
                "none".to_owned()
            } else {
                recorded.join(", ")
            };
            return format!(
                "the cassette {path} has no recorded request of `{function}` (it holds \
                 requests of: {recorded}). {again}"
            );
        };
        match first_difference(&normalize(&closest.request, ignored), wanted) {
            Some(d) => format!(
                "the cassette {path} has no recorded answer for this request of `{function}`: \
                 it differs from the recorded request at `{}` (recorded: {}, now: {}). {again}",
                d.path, d.recorded, d.now
            ),
            None => format!(
                "the cassette {path} has no recorded answer for this request of `{function}`. \
                 {again}"
            ),
        }
    }

    async fn record(&self, out: &Outgoing, request: Value) -> Result<Opened> {
        let recorder = lock(&self.settings).recorder.clone();
        let recorder = match recorder {
            Some(client) => client,
            None => {
                let client = Client::from_env()?;
                lock(&self.settings).recorder = Some(client.clone());
                client
            }
        };
        tracing::debug!(function = out.function, cassette = %self.path.display(), "recording");
        let answer = match guard::recording(transport::send(recorder.link(), out)).await {
            Ok(answer) => answer,
            // A retryable status that stayed after every attempt comes back as an error; it is
            // still what the server answered, so it is recorded as such.
            Err(Error::Api(e)) => transport::HttpAnswer {
                status: e.status,
                body: e.raw.clone().into(),
            },
            Err(other) => return Err(other),
        };
        let secrets: Vec<String> = recorder
            .transport()
            .auth_header()
            .and_then(|h| {
                h.to_str()
                    .ok()
                    .map(|v| v.trim_start_matches("Bearer ").to_owned())
            })
            .into_iter()
            .collect();
        let mut interaction = Interaction {
            function: out.function.to_owned(),
            request,
            response: RecordedResponse::new(answer.status, &answer.body),
        };
        interaction.redact(&secrets);
        {
            let mut tape = lock(&self.tape);
            tape.file.interactions.push(interaction);
            tape.played.push(true);
            tape.file.save(&self.path)?;
        }
        Ok(Opened {
            status: answer.status,
            body: Body::Chunks(VecDeque::from([answer.body])),
        })
    }
}

impl Backend for CassetteState {
    fn open<'a>(
        &'a self,
        out: &'a Outgoing,
    ) -> Pin<Box<dyn Future<Output = Result<Opened>> + Send + 'a>> {
        Box::pin(self.answer(out))
    }
}

/// Whether `rejection` is a structured-output mode rejection whose request (same function,
/// model and prompt) was replayed in a lower mode of the ladder.
fn replayed_lower(rejection: &Interaction, all: &[Interaction], played: &[bool]) -> bool {
    let rejected = MockRequest::new(rejection.function.clone(), rejection.request.clone());
    let Some(mode) = rejected.mode() else {
        return false;
    };
    let response = &rejection.response;
    if !mode.rejected_by(response.status, &response.text()) {
        return false;
    }
    let rank = |m: Mode| Mode::LADDER.iter().position(|l| *l == m);
    all.iter().zip(played).any(|(other, played)| {
        if !*played || other.function != rejection.function {
            return false;
        }
        let other = MockRequest::new(other.function.clone(), other.request.clone());
        other.model() == rejected.model()
            && other.prompt() == rejected.prompt()
            && other.mode().and_then(rank) > rank(mode)
    })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
