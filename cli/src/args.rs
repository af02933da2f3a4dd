//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// promptfn's command-line tool.
#[derive(Debug, Parser)]
#[command(name = "promptfn", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find out what an OpenAI-compatible endpoint really supports, per model.
    ///
    /// Each feature is probed with the smallest request that can show it, and the answer is
    /// checked: a feature the server accepts but does not honour is "accepted but ignored".
    /// The API key is read from OPENAI_API_KEY, as the promptfn client reads it. Exits with 0
    /// when every model can serve typed calls, 1 when one cannot, 2 on a usage error.
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The endpoint's base URL (with or without /v1).
    #[arg(
        long,
        value_name = "URL",
        env = "OPENAI_BASE_URL",
        hide_env_values = true
    )]
    pub base_url: String,

    /// A model to probe; repeat the flag for several.
    #[arg(long = "model", value_name = "MODEL", required = true)]
    pub models: Vec<String>,

    /// Print the findings as JSON instead of tables.
    #[arg(long)]
    pub json: bool,

    /// Write a profile the runtime loads (Client::builder().profile(FILE) or PROMPTFN_PROFILE).
    #[arg(long, value_name = "FILE")]
    pub profile_out: Option<PathBuf>,

    /// The deadline of each probe request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
}
