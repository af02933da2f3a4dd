//! Test support for the CLI: a loopback HTTP server and fake endpoints.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod fake;
pub mod proxy;
pub mod server;

use std::process::Output;

/// Run the `promptfn` binary with `args` and no colour, the key unset unless given (off the
/// async workers, which keep serving the fake endpoint meanwhile).
pub async fn promptfn(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let envs: Vec<(String, String)> = envs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || run_blocking(&args, &envs))
        .await
        .expect("the binary's runner did not panic")
}

fn run_blocking(args: &[String], envs: &[(String, String)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_promptfn"));
    command
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env("NO_COLOR", "1");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("the promptfn binary runs")
}

/// stdout as text, with the server's address replaced so snapshots stay stable.
pub fn stdout_of(output: &Output, url: &str) -> String {
    String::from_utf8_lossy(&output.stdout).replace(url, "http://127.0.0.1:PORT")
}
