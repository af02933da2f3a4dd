//! `peer`: the Rust half of the peer comparison (BENCHMARKS.md, "Against the clients users
//! would pick instead"). `benches/peers/run.py` drives it; by hand:
//!
//! - `peer serve`: start the loopback server, print its origin, serve until stdin closes;
//! - `peer client NAME ORIGIN`: build the client NAME, make one call, print `ready`, then for
//!   each line `N` read from stdin make N calls one after another (concurrency 1) and print the
//!   process CPU time and the wall time they took, in nanoseconds;
//! - `peer cold NAME ORIGIN`: in a fresh process, build the client NAME and make its first
//!   typed call; print the CPU and wall time of both together, in nanoseconds.
//!
//! NAME is one of `promptfn`, `async-openai`, `genai`, `rig`, `json-floor`.
#![allow(clippy::print_stdout)]

mod clients;
mod server;

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use promptfn_benches::contenders::{AsyncOpenAi, Contender, JsonFloor, Promptfn};
use promptfn_benches::cpu::process_cpu;
use promptfn_benches::drive::client_runtime;
use promptfn_benches::server::Loopback;
use tokio::runtime::Runtime;

use crate::clients::{Genai, Rig};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["serve"] => serve(),
        [mode @ ("client" | "cold"), name, origin] => {
            let mode = if *mode == "client" {
                Mode::Worker
            } else {
                Mode::Cold
            };
            client(name, origin, mode)
        }
        _ => Err("usage: peer serve | peer client NAME ORIGIN | peer cold NAME ORIGIN".into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve() -> Result<(), String> {
    // Serve until the driver closes stdin (or goes away).
    std::thread::spawn(|| {
        let mut line = String::new();
        while std::io::stdin()
            .lock()
            .read_line(&mut line)
            .is_ok_and(|n| n > 0)
        {
            line.clear();
        }
        std::process::exit(0);
    });
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(server::serve(|addr| println!("http://{addr}")))
        .map_err(|e| e.to_string())
}

#[derive(Clone, Copy)]
enum Mode {
    Worker,
    Cold,
}

fn client(name: &str, origin: &str, mode: Mode) -> Result<(), String> {
    let addr: SocketAddr = origin
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("{origin} is not http://ip:port: {e}"))?;
    let server = Loopback::at(addr);
    let runtime = client_runtime();
    let server = &server;
    match name {
        "promptfn" => mode.run(&runtime, || Promptfn::new(server)),
        "async-openai" => mode.run(&runtime, || AsyncOpenAi::new(server)),
        "genai" => mode.run(&runtime, || Genai::new(server)),
        "rig" => mode.run(&runtime, || Rig::new(server)),
        "json-floor" => mode.run(&runtime, || JsonFloor::new(server)),
        _ => Err(format!("no client is called {name}")),
    }
}

impl Mode {
    fn run<C: Contender>(self, runtime: &Runtime, build: impl FnOnce() -> C) -> Result<(), String> {
        let (cpu, wall) = (process_cpu(), Instant::now());
        let contender = build();
        calls(runtime, &contender, 1)?;
        if let Mode::Cold = self {
            report(process_cpu() - cpu, wall.elapsed());
            return Ok(());
        }
        println!("ready");
        for line in std::io::stdin().lock().lines() {
            let line = line.map_err(|e| e.to_string())?;
            let count: u64 = line
                .trim()
                .parse()
                .map_err(|e| format!("{line:?} is not a number of calls: {e}"))?;
            let (cpu, wall) = (process_cpu(), Instant::now());
            calls(runtime, &contender, count)?;
            report(process_cpu() - cpu, wall.elapsed());
        }
        Ok(())
    }
}

/// `count` calls, one after another, on a task of the runtime (as the in-process benches run
/// them at concurrency 1).
fn calls<C: Contender>(runtime: &Runtime, contender: &C, count: u64) -> Result<(), String> {
    let contender = contender.clone();
    runtime
        .block_on(runtime.spawn(async move {
            for _ in 0..count {
                contender.call().await?;
            }
            Ok(())
        }))
        .map_err(|e| e.to_string())?
}

fn report(cpu: Duration, wall: Duration) {
    println!("{} {}", cpu.as_nanos(), wall.as_nanos());
}
