//! `promptfn doctor`: probe every model at a base URL, print what works, write a profile.

mod findings;
mod fixtures;
mod http;
mod media_server;
mod probes;
mod profile;
mod progress;
mod report;
mod status;

use promptfn::__private::wire_keys;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use crate::args::DoctorArgs;
use findings::{Findings, ModelFindings};
use http::Endpoint;
use media_server::MediaServer;
use probes::{Ctx, PROBES};
use progress::Progress;
use status::Status;

/// Exit status when a model cannot serve typed calls.
const EXIT_NO_TYPED_CALLS: u8 = 1;
/// Exit status for errors before or after probing (bad URL, unwritable profile).
const EXIT_ERROR: u8 = 2;

pub async fn run(args: DoctorArgs) -> ExitCode {
    match probe_and_report(args).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

async fn probe_and_report(args: DoctorArgs) -> Result<ExitCode, String> {
    // The runtime's own normalisation, so that the doctor probes the endpoint the client uses.
    let base_url = promptfn::Client::builder()
        .base_url(&args.base_url)
        .build()
        .map_err(|e| e.to_string())?
        .base_url()
        .to_owned();
    // Read as the client reads it (client.rs `from_env`): blank means none.
    let key = std::env::var("OPENAI_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    let endpoint = Endpoint::new(base_url, key, Duration::from_secs(args.timeout.max(1)))?;
    let media = MediaServer::start().await.ok();
    let mut progress = Progress::new(args.models.len() * PROBES.len());
    let mut models = Vec::new();
    for model in &args.models {
        models.push(probe_model(&endpoint, model, media.as_ref(), &mut progress).await);
    }
    progress.finish();
    let findings = Findings {
        base_url: endpoint.base_url().to_owned(),
        models,
    };
    if let Some(path) = &args.profile_out {
        let text = profile::to_toml(&findings)?;
        std::fs::write(path, text).map_err(|e| {
            format!(
                "the profile could not be written to {}: {e}",
                path.display()
            )
        })?;
    }
    if args.json {
        println!("{:#}", report::to_json(&findings));
    } else {
        let palette = report::Palette {
            colour: std::io::stdout().is_terminal() && !no_color(),
        };
        print!("{}", report::render(&findings, palette));
    }
    Ok(if findings.serve_typed_calls() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NO_TYPED_CALLS)
    })
}

/// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

async fn probe_model(
    endpoint: &Endpoint,
    model: &str,
    media: Option<&MediaServer>,
    progress: &mut Progress,
) -> ModelFindings {
    let mut ctx = Ctx {
        endpoint,
        model,
        media,
        token_limit: None,
    };
    let mut outcomes = Vec::with_capacity(PROBES.len());
    for probe in PROBES {
        progress.step(model, probe.feature);
        let mut outcome = (probe.run)(&ctx).await;
        outcome.detail = endpoint.scrub(&outcome.detail);
        // Later probes cap their answers with the first token-limit field that worked.
        if ctx.token_limit.is_none()
            && matches!(
                probe.feature,
                wire_keys::MAX_TOKENS | wire_keys::MAX_COMPLETION_TOKENS
            )
            && outcome.status == Status::Supported
        {
            ctx.token_limit = Some(probe.feature);
        }
        outcomes.push((probe.feature, outcome));
    }
    ModelFindings {
        model: model.to_owned(),
        outcomes,
    }
}
