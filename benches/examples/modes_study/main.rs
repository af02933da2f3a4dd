//! The structured-output study of BENCHMARKS.md: on each local server (llama-cpp-python's and
//! llama.cpp's llama-server, both running SmolLM2-135M-Instruct), for each way of asking for a
//! typed answer, the share of calls that end in a correct typed value, with and without the
//! tolerant decoder, with and without re-asks, and the requests and tokens each success costs.
//!
//! ```sh
//! cargo run -p promptfn-benches --example modes_study            # both servers (~25 min)
//! PROMPTFN_STUDY_SERVERS=llama-server PROMPTFN_STUDY_INPUTS=3 \
//!     cargo run -p promptfn-benches --example modes_study        # one server, 3 inputs a task
//! ```
//!
//! It starts and stops each server itself with `scripts/llm-server`. Every request goes through
//! an in-process loopback proxy that records each request and answer (so the first answer of a
//! call can be judged on its own) and, for the "json_object alone" arm, drops the schema from
//! `response_format`. The four decoder × re-ask figures come from one library call per input:
//! - tolerant + re-asks: the call's own result (promptfn as a user gets it);
//! - tolerant, no re-ask: the call's first answer through `Response::from_completion`;
//! - strict, no re-ask: the first answer through `serde_json::from_str` alone;
//! - strict + re-asks: the same, re-asking with promptfn's own words while the strict decoder
//!   fails (only these re-asks are extra requests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod proxy;
mod run;
mod tasks;

fn main() {
    run::main();
}
