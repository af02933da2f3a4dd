//! `PROMPTFN_PROFILE` names the profile a client from the environment loads. Its own test
//! binary: it sets environment variables, which no other thread may read meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

mod support;

use promptfn::{Client, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;
use support::fake::{self, Behaviour};

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Sum {
    sum: i64,
}

#[prompt("What is 2 + 3?")]
async fn add() -> Result<Sum>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_names_the_profile() {
    let server = fake::start(Behaviour::llama_cpp(), &["smollm2"]).await;
    let path =
        std::env::temp_dir().join(format!("promptfn-env-profile-{}.toml", std::process::id()));
    std::fs::write(&path, "[models.smollm2]\nmode = \"json_object\"\n").unwrap();
    // SAFETY of set_var: this binary has a single test, and no other thread reads the
    // environment while it runs.
    unsafe {
        std::env::set_var("OPENAI_BASE_URL", server.url());
        std::env::set_var("PROMPTFN_MODEL", "smollm2");
        std::env::set_var("PROMPTFN_PROFILE", &path);
    }
    let client = Client::from_env().unwrap();
    assert_eq!(add().client(&client).await.unwrap(), Sum { sum: 5 });
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "no json_schema attempt first");
    assert_eq!(
        requests[0].0.json()["response_format"]["type"],
        "json_object"
    );
    std::fs::remove_file(path).unwrap();
}
