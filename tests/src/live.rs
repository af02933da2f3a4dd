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
