//! `promptfn`: the command-line tool of the promptfn framework.

mod args;
mod doctor;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: the async runtime could not start: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Doctor(args) => runtime.block_on(doctor::run(args)),
    }
}
