//! The Anthropic Messages dialect (`POST {base_url}/messages`): the request body
//! ([`request`]), whole answers ([`answer`]) and stream events ([`stream`]).
//!
//! The blocks of an assistant turn that Claude wants back unchanged are kept in its
//! [`ProviderState`](crate::ProviderState) under [`KEPT_BLOCKS`], in the order the API gave
//! them, and sent back first in that turn:
//! - signed thinking: Claude checks the signatures when a tool loop continues
//!   (<https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks>);
//! - server tools' uses and results (`server_tool_use`, `web_search_tool_result`, …): when Claude
//!   calls a client tool in the same turn, a search's `server_tool_use` comes without its result,
//!   and the API runs that search only when the turn is sent back with the tool results
//!   (<https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/server-tools>).

mod answer;
mod citations;
mod request;
mod stream;

#[cfg(test)]
mod tests;

pub(crate) use answer::decode;
pub(crate) use request::encode;
pub(crate) use stream::Reader;

/// The provider-state key of a turn's kept blocks (thinking, redacted thinking, server tools).
const KEPT_BLOCKS: &str = "kept_blocks";

/// The key the kept blocks had when only thinking was kept: transcripts saved then still work.
const KEPT_BLOCKS_BEFORE: &str = "thinking_blocks";

/// Whether a block of an answer is one Claude wants back unchanged in a later request.
fn is_kept(kind: &str) -> bool {
    matches!(
        kind,
        "thinking" | "redacted_thinking" | "server_tool_use" | "mcp_tool_use"
    ) || is_server_tool_result(kind)
}

/// A server tool's result (`web_search_tool_result`, `web_fetch_tool_result`,
/// `code_execution_tool_result`, …), not the `tool_result` a client sends.
fn is_server_tool_result(kind: &str) -> bool {
    kind != "tool_result" && kind.ends_with("_tool_result")
}
