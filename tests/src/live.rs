//! The live test group: tests against a real OpenAI-compatible server (the local llama.cpp
//! server that `scripts/test` starts). Without one they say why they were skipped, and pass.

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
