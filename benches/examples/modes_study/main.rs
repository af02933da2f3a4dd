//! The structured-output study of BENCHMARKS.md: on each local server (llama-cpp-python's and
//! llama.cpp's llama-server, both running SmolLM2-135M-Instruct), for each way of asking for a
//! typed answer, the share of calls that end in a correct typed value, with and without the
//! tolerant decoder, with and without re-asks, and the requests and tokens each success costs.
//!
//! ```sh
//! cargo run -p promptfn-benches --example modes_study            # both servers, 10 inputs
//! PROMPTFN_STUDY_SERVERS=llama-server PROMPTFN_STUDY_INPUTS=3 \
//!     cargo run -p promptfn-benches --example modes_study        # one server, 3 inputs a task
//! ```
//!
//! It starts and stops the servers itself with `scripts/llm-server`: one per mode, all modes at
//! once (five single-threaded servers of about 0.6 GB each). Every request goes through
//! an in-process loopback proxy that records each request and answer (so the first answer of a
//! call can be judged on its own) and, for the "json_object alone" arm, drops the schema from
//! `response_format`. The four decoder × re-ask figures come from one library call per input:
//! - tolerant + re-asks: the call's own result (promptfn as a user gets it);
//! - tolerant, no re-ask: the call's first answer through `Response::from_completion`;
//! - strict, no re-ask: the first answer through `serde_json::from_str` alone (of the type, or
//!   of `{"value": …}` around it when promptfn asks for the type wrapped);
//! - strict + re-asks: the same, re-asking with promptfn's own words while the strict decoder
//!   fails (only these re-asks are extra requests).
//!
//! A forced tool answered in prose stays in the forced-tool row as the user gets it: promptfn
//! reads the value from the prose, or sends the call again in prompt mode; the tables say how
//! many first answers called no tool.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod proxy;
mod run;
mod tasks;

fn main() {
    run::main();
}
