//! Running one round of tool calls: every call concurrently, each one isolated so that an
//! unknown name, bad arguments, an error or a panic becomes a message the model can act on
//! instead of a failure of the whole call.

use std::any::Any;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::join_all;

use super::args::ToolArgs;
use super::result::ToolFailure;
use super::toolbox::ToolBox;
use crate::message::{Message, ToolCall};
use crate::output::CallDeadline;

/// Run `calls` concurrently; one tool message per call, in the calls' order. A call still
/// running after `limit` (the call's request timeout) is abandoned and reported as failed, so
/// a stuck tool cannot hang the call.
///
/// The futures run on the caller's task (structured concurrency: dropping the call cancels
/// them). A plain `fn` tool runs when its call starts, so it should be quick; slow work belongs
/// in an `async fn` tool.
pub(crate) async fn run_round(
    toolbox: &ToolBox,
    calls: &[ToolCall],
    limit: Duration,
) -> Vec<Message> {
    // Reading the arguments is synchronous work before a tool starts, which the timeout
    // below cannot interrupt: it has the round's deadline of its own.
    let deadline = CallDeadline::from_now(limit);
    join_all(calls.iter().map(|call| async move {
        let content = match tokio::time::timeout(limit, run_one(toolbox, call, deadline)).await {
            Ok(content) => content,
            Err(_) => {
                tracing::warn!(tool = call.name, ?limit, "a tool call was abandoned");
                format!(
                    "Error: the tool `{}` did not finish within {limit:?}",
                    call.name
                )
            }
        };
        Message::tool_result(call.id.clone(), content)
    }))
    .await
}

async fn run_one(toolbox: &ToolBox, call: &ToolCall, deadline: Option<CallDeadline>) -> String {
    let name = call.name.as_str();
    let Some((tool, schema)) = toolbox.find(name) else {
        tracing::debug!(tool = name, "the model called an unknown tool");
        return format!(
            "Error: there is no tool named `{name}`. The tools are: {}.",
            toolbox.names()
        );
    };
    let args = match ToolArgs::parse(&call.arguments, schema, deadline) {
        Ok(args) => args,
        Err(reason) => return invalid_arguments(name, &reason),
    };
    let started = catch_unwind(AssertUnwindSafe(|| tool.start(args)));
    let outcome = match started {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(panic) => Err(panic),
    };
    match outcome {
        Ok(Ok(content)) => content,
        Ok(Err(ToolFailure::InvalidArguments(reason))) => invalid_arguments(name, &reason),
        Ok(Err(ToolFailure::Failed(reason))) => {
            tracing::debug!(tool = name, %reason, "a tool failed");
            format!("Error: the tool `{name}` failed: {reason}")
        }
        Err(panic) => {
            let reason = panic_message(panic.as_ref());
            tracing::warn!(tool = name, %reason, "a tool panicked; the model is told it failed");
            format!("Error: the tool `{name}` failed unexpectedly: {reason}")
        }
    }
}

fn invalid_arguments(name: &str, reason: &str) -> String {
    tracing::debug!(tool = name, %reason, "invalid tool arguments");
    format!(
        "Error: invalid arguments for `{name}`: {reason}. Call it again with arguments that \
         match its parameters."
    )
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "it panicked".to_owned())
}

/// Give every call of one assistant turn a distinct id: tool results are matched to calls by
/// id, and some servers repeat ids (or send none, which the wire reader numbers per turn).
/// The ids seen are kept in a set, so a turn of `n` calls costs `O(n)` whatever ids it repeats.
pub(crate) fn make_ids_unique(calls: &mut [ToolCall]) {
    let mut taken: HashSet<String> = HashSet::with_capacity(calls.len());
    for (i, call) in calls.iter_mut().enumerate() {
        if call.id.is_empty() || taken.contains(&call.id) {
            let base = if call.id.is_empty() { "call" } else { &call.id };
            let mut id = format!("{base}_{i}");
            // `x_2` may itself be an id the model sent: suffix again until the id is new.
            while taken.contains(&id) {
                id.push_str(&format!("_{i}"));
            }
            call.id = id;
        }
        taken.insert(call.id.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_or_missing_ids_are_made_distinct() {
        let mut calls = vec![
            ToolCall::new("", "a", "{}"),
            ToolCall::new("x", "b", "{}"),
            ToolCall::new("x", "c", "{}"),
            ToolCall::new("", "d", "{}"),
        ];
        make_ids_unique(&mut calls);
        let ids: Vec<_> = calls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["call_0", "x", "x_2", "call_3"]);
    }

    #[test]
    fn ids_stay_distinct_when_a_model_sends_the_renamed_one_too() {
        let mut calls = vec![
            ToolCall::new("x", "a", "{}"),
            ToolCall::new("x_2", "b", "{}"),
            ToolCall::new("x", "c", "{}"),
            ToolCall::new("x_2", "d", "{}"),
        ];
        make_ids_unique(&mut calls);
        let ids: Vec<_> = calls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["x", "x_2", "x_2_2", "x_2_3"]);

        let mut many: Vec<ToolCall> = (0..50_000)
            .map(|_| ToolCall::new("same", "t", "{}"))
            .collect();
        make_ids_unique(&mut many);
        let distinct: HashSet<&str> = many.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(distinct.len(), many.len());
    }

    #[test]
    fn panic_payloads_become_text() {
        assert_eq!(panic_message(&"boom"), "boom");
        assert_eq!(panic_message(&String::from("bang")), "bang");
        assert_eq!(panic_message(&42_u8), "it panicked");
    }
}
