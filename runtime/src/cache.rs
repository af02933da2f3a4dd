//! Prompt caching (`#[prompt(cache = true)]`, [`Call::cache`](crate::Call::cache)): where a
//! prompt's stable prefix ends, so that dialects with explicit cache breakpoints (Anthropic's
//! `cache_control`) can mark it.
//!
//! The stable prefix is what every call of the same function sends unchanged: the tool
//! definitions, the system text, the few-shot turns and the template up to its first parameter.

/// Where a rendered prompt's first parameter (text or media) begins: everything before it is the
/// same on every call of the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StablePrefix {
    /// The message holding the first parameter.
    pub(crate) message: usize,
    /// The part of that message the parameter begins in (or is, for media).
    pub(crate) part: usize,
    /// How many bytes of that part's text come before the parameter (0 for media, or when the
    /// parameter begins a part).
    pub(crate) bytes: usize,
}

impl StablePrefix {
    /// The prefix after `len` messages were inserted at `at` (a conversation's history).
    pub(crate) fn shifted(self, at: usize, len: usize) -> Self {
        if self.message >= at {
            Self {
                message: self.message + len,
                ..self
            }
        } else {
            self
        }
    }

    /// The prefix before the `len` messages at `at` were removed.
    pub(crate) fn unshifted(self, at: usize, len: usize) -> Self {
        if self.message >= at + len {
            Self {
                message: self.message - len,
                ..self
            }
        } else {
            self
        }
    }
}

/// The caching request of one request, as a dialect reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CacheRequest<'a> {
    /// A key naming the prompt (its function name): OpenAI's `prompt_cache_key`, which routes
    /// requests sharing a prefix to the same cache.
    pub(crate) key: &'a str,
    // Read by the dialects with explicit breakpoints (Anthropic Messages).
    #[allow(dead_code)]
    /// Where the stable prefix of the conversation ends; `None` when the whole prompt is fixed
    /// (no parameter) or was assembled at run time: then every message the call began with is.
    pub(crate) prefix: Option<StablePrefix>,
    #[allow(dead_code)]
    /// How many messages the call began with (turns added by tool rounds and re-asks come after).
    pub(crate) prompt_messages: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_inserted_before_the_parameter_moves_it() {
        let p = StablePrefix {
            message: 2,
            part: 0,
            bytes: 5,
        };
        assert_eq!(p.shifted(1, 3).message, 5);
        assert_eq!(p.shifted(3, 3), p);
        assert_eq!(p.shifted(1, 3).unshifted(1, 3), p);
        assert_eq!(p.unshifted(2, 1), p);
    }
}
