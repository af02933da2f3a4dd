//! Tools: plain Rust functions the model can call, and the loop that runs them.
//!
//! `#[tool]` turns a function into a [`Tool`] (its doc comment is the description, its
//! parameters a JSON schema); `#[prompt(tools = [...])]` or [`Call::tools`](crate::Call::tools)
//! offers tools to the model. The call then runs the loop: send the tools, execute the calls the
//! model makes (concurrently), feed the results or errors back, and repeat until the model
//! answers, at most `max_steps` rounds. A return type of [`ToolCalls<A>`] hands the requested
//! calls to the caller instead of running them.
//!
//! Files: `def.rs` (what a tool declares, and its parameter schema), `args.rs` (decoding the
//! model's arguments), `result.rs` (turning a return value into the tool message), `toolbox.rs`
//! (the tools of one call, compiled for the target), `exec.rs` (running a round of calls),
//! `choice.rs` (`tool_choice`), `calls.rs` (manual mode), `step.rs` (what a model turn asks of
//! the loop).

mod args;
mod calls;
mod choice;
mod def;
mod exec;
mod result;
mod step;
mod toolbox;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

pub use args::ToolArgs;
pub use calls::{RequestedCall, ToolCalls};
pub use choice::{ChoiceDecl, ToolChoice};
pub use def::{ParamDef, ToolDef, param_schema};
pub(crate) use exec::run_round;
pub use result::{
    IntoToolOutput, ResultOutput, ToolFailure, ToolFuture, ToolParam, ToolReceiver, ValueOutput,
    assert_tool_param, tool_future, tool_ready, tool_receiver,
};
pub(crate) use step::{calls_of, calls_text, calls_to_run, reask_calls, take_calls, tool_round};
pub(crate) use toolbox::ToolBox;

/// How many rounds of tool calls a call runs, unless told otherwise.
pub const DEFAULT_MAX_STEPS: u32 = 10;

/// What a tool runs: decoded arguments in, the result (or why it failed) out.
type Runner = dyn Fn(ToolArgs) -> ToolFuture + Send + Sync;

/// A function the model can call: its name, description and parameter schema, and the code
/// that runs it.
///
/// Made by `#[tool]`; obtained with [`tools!`](crate::tools) or listed in
/// `#[prompt(tools = [...])]`. Cheap to clone.
#[derive(Clone)]
pub struct Tool {
    def: &'static ToolDef,
    run: Arc<Runner>,
}

impl Tool {
    /// The name the model calls the tool by (the function's name).
    pub fn name(&self) -> &'static str {
        self.def.name
    }

    /// What the tool does, for the model (the function's doc comment).
    pub fn description(&self) -> &'static str {
        self.def.description
    }

    /// The parameters as a JSON Schema object, before it is adapted to a target's dialect.
    pub fn parameters(&self) -> Value {
        self.def.parameters_schema()
    }

    pub(crate) fn start(&self, args: ToolArgs) -> ToolFuture {
        (self.run)(args)
    }
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.def.name)
            .field("description", &self.def.description)
            .finish_non_exhaustive()
    }
}

/// A tool from its declaration and runner (generated code only).
pub fn new_tool(
    def: &'static ToolDef,
    run: impl Fn(ToolArgs) -> ToolFuture + Send + Sync + 'static,
) -> Tool {
    Tool {
        def,
        run: Arc::new(run),
    }
}
