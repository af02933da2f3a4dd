//! The live test group: tests against a real OpenAI-compatible server (one of the local
//! servers that `scripts/test` starts). Without one they say why they were skipped, and pass.

/// Where the live server is, from `PROMPTFN_LIVE_BASE_URL` and `PROMPTFN_LIVE_MODEL`.
pub fn client(test: &str) -> Option<promptfn::Client> {
    let Some(url) = std::env::var("PROMPTFN_LIVE_BASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "skipped {test}: no live server (PROMPTFN_LIVE_BASE_URL is unset; `scripts/test` starts one)"
        );
        return None;
    };
    let model = std::env::var("PROMPTFN_LIVE_MODEL").unwrap_or_else(|_| "smollm2".into());
    let client = promptfn::Client::builder()
        .base_url(url)
        .api_key("local")
        .model(model)
        .build()
        .expect("live client");
    Some(client)
}

/// The live servers whose behaviour the tests know (`scripts/llm-server --server NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// llama-cpp-python's server: rejects `json_schema`, ignores `n`.
    LlamaCppPython,
    /// llama.cpp's own `llama-server`: accepts `json_schema`.
    LlamaServer,
}

impl Server {
    /// The server named by `PROMPTFN_LIVE_SERVER` (as `scripts/llm-server` names it);
    /// llama-cpp-python when unset, the server the live tests were first written against.
    pub fn current() -> Server {
        match std::env::var("PROMPTFN_LIVE_SERVER").as_deref() {
            Ok("llama-server") => Server::LlamaServer,
            Ok("llama-cpp-python") | Ok("") | Err(_) => Server::LlamaCppPython,
            Ok(other) => {
                panic!("PROMPTFN_LIVE_SERVER={other:?}: expected llama-cpp-python or llama-server")
            }
        }
    }
}

/// The share of live calls that ended in a typed value, with what went wrong in the others.
#[derive(Debug, Default)]
pub struct Tally {
    calls: u32,
    typed: u32,
    requests: u32,
    failures: Vec<String>,
}

impl Tally {
    /// Counts one call of `function` on `input`.
    pub fn record<T>(
        &mut self,
        function: &str,
        input: &str,
        result: promptfn::Result<promptfn::Response<T>>,
    ) {
        self.calls += 1;
        match result {
            Ok(response) => {
                self.typed += 1;
                self.requests += response.requests;
            }
            Err(e) => self.failures.push(format!("{function}({input:?}): {e}")),
        }
    }

    /// Typed values per hundred calls.
    pub fn rate(&self) -> f64 {
        if self.calls == 0 {
            return 0.0;
        }
        100.0 * f64::from(self.typed) / f64::from(self.calls)
    }

    /// The failures, then the rate line (also appended to the file `PROMPTFN_LIVE_REPORT`
    /// names, which `scripts/test` prints among the live counts: a passing test's own output
    /// is hidden).
    pub fn report(&self, what: &str) -> String {
        for failure in &self.failures {
            eprintln!("{what}: no typed value: {failure}");
        }
        let line = format!(
            "{what} on {:?}: {}/{} calls ended in a typed value ({:.1}%), {} requests for them",
            Server::current(),
            self.typed,
            self.calls,
            self.rate(),
            self.requests
        );
        eprintln!("{line}");
        if let Some(path) = std::env::var_os("PROMPTFN_LIVE_REPORT") {
            use std::io::Write as _;
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut file| writeln!(file, "{line}"));
            if let Err(e) = appended {
                eprintln!("could not append to PROMPTFN_LIVE_REPORT={path:?}: {e}");
            }
        }
        line
    }
}
