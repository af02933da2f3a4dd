//! What one model turn asks of the tool loop: calls to run, or (manual mode) calls to hand
//! over, and how a manual-mode turn with bad arguments is sent back.

use super::calls::RequestedCall;
use super::exec::make_ids_unique;
use super::toolbox::ToolBox;
use crate::lenient::{self, Repair};
use crate::message::{Message, Role};
use crate::output::{CallDeadline, Output, unread};
use crate::structured::{ANSWER_TOOL, Mode};
use crate::wire::answer::AssistantMessage;

/// The assistant turn to record and run when the model called tools; `None` when the turn is
/// the answer (no calls, or the `answer` tool in `Tool` mode, which wins over other calls).
pub(crate) fn calls_to_run(message: &AssistantMessage, mode: Option<Mode>) -> Option<Message> {
    tool_round(message.to_message(), mode)
}

/// [`calls_to_run`] for an assistant turn already made (a streamed one).
pub(crate) fn tool_round(mut turn: Message, mode: Option<Mode>) -> Option<Message> {
    if turn.tool_calls.is_empty() {
        return None;
    }
    // The toolbox refuses user tools named `answer`, so such a call is the answer.
    let answered =
        mode == Some(Mode::Tool) && turn.tool_calls.iter().any(|c| c.name == ANSWER_TOOL);
    if answered {
        return None;
    }
    make_ids_unique(&mut turn.tool_calls);
    Some(turn)
}

/// Refuses a turn asking for more than `limit` tool calls: each call runs a tool (or is handed
/// over), so a model or server must not decide how many run at once.
pub(crate) fn check_call_count(calls: usize, limit: u32) -> Result<(), String> {
    if calls <= usize::try_from(limit).unwrap_or(usize::MAX) {
        return Ok(());
    }
    Err(format!(
        "the model asked for {calls} tool calls in one turn, more than the limit of {limit}; \
         raise it with `Client::builder().max_tool_calls(n)` if that many are expected"
    ))
}

/// Manual mode: the turn's calls, arguments read leniently against each tool's schema, as a
/// `T`; an `Err` names what the model must correct.
pub(crate) fn take_calls<T: Output>(
    toolbox: Option<&ToolBox>,
    message: &AssistantMessage,
    deadline: Option<CallDeadline>,
) -> Result<(Option<T>, Vec<Repair>), String> {
    let mut calls = message.calls();
    make_ids_unique(&mut calls);
    let mut repairs = Vec::new();
    let mut requested = Vec::with_capacity(calls.len());
    for call in calls {
        let Some((_, schema)) = toolbox.and_then(|t| t.find(&call.name)) else {
            let names = toolbox.map(ToolBox::names).unwrap_or_default();
            return Err(format!(
                "there is no tool named `{}`; the tools are: {names}",
                call.name
            ));
        };
        let text = if call.arguments.trim().is_empty() {
            "{}"
        } else {
            &call.arguments
        };
        let decoded =
            lenient::decode_until(text, schema, deadline.map(|d| d.at)).map_err(|failure| {
                format!(
                    "the arguments of `{}`: {}",
                    call.name,
                    unread(failure, "the arguments", text, deadline)
                )
            })?;
        repairs.extend(decoded.repairs);
        requested.push(RequestedCall {
            id: call.id,
            name: call.name,
            arguments: decoded.value,
        });
    }
    let text = message.content.clone().unwrap_or_default();
    T::from_tool_calls(requested, text).map(|value| (Some(value), repairs))
}

/// The turn's calls as text, for a [`RejectedAnswer`](crate::RejectedAnswer).
pub(crate) fn calls_text(message: &AssistantMessage) -> String {
    calls_of(&message.to_message())
}

/// A turn's calls as text (`name(arguments)`, one per line), for errors.
pub(crate) fn calls_of(turn: &Message) -> String {
    turn.tool_calls
        .iter()
        .map(|c| format!("{}({})", c.name, c.arguments))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Manual mode: answer each call of the rejected turn with the reason, so the model calls again.
pub(crate) fn reask_calls(
    conversation: &mut Vec<Message>,
    message: &AssistantMessage,
    reason: &str,
) {
    let mut turn = message.to_message();
    make_ids_unique(&mut turn.tool_calls);
    let ids: Vec<String> = turn.tool_calls.iter().map(|c| c.id.clone()).collect();
    conversation.push(turn);
    let feedback =
        format!("Error: {reason}. Call the tool again with arguments that match its parameters.");
    if ids.is_empty() {
        conversation.push(Message::text(Role::User, feedback));
        return;
    }
    for id in ids {
        conversation.push(Message::tool_result(id, feedback.clone()));
    }
}
