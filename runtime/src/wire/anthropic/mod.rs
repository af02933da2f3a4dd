//! The Anthropic Messages dialect (`POST {base_url}/messages`): the request body
//! ([`request`]), whole answers ([`answer`]) and stream events ([`stream`]).
//!
//! Signed thinking blocks of an assistant turn are kept in its
//! [`ProviderState`](crate::ProviderState) under [`THINKING_BLOCKS`], as the API gave them, and
//! sent back first in that turn: Claude checks their signatures when a tool loop continues
//! (<https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks>).

mod answer;
mod citations;
mod request;
mod stream;

#[cfg(test)]
mod tests;

pub(crate) use answer::decode;
pub(crate) use request::encode;
pub(crate) use stream::Reader;

/// The provider-state key of a turn's thinking and redacted-thinking blocks.
const THINKING_BLOCKS: &str = "thinking_blocks";
