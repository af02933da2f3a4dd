//! Where a structured answer is read from while it streams: the content, or the arguments of
//! the forced tool call in `Tool` mode. Shared by the streams that read JSON as it grows.

use crate::structured::Mode;

use super::session::Session;

/// Where the answer is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The message content (`JsonSchema`, `JsonObject` and `Prompt` modes).
    Content,
    /// The arguments of the forced tool call (`Tool` mode).
    Arguments,
}

impl Source {
    /// Where the session's mode puts the answer.
    pub(crate) fn of(session: &Session) -> Self {
        if session.mode == Some(Mode::Tool) {
            Self::Arguments
        } else {
            Self::Content
        }
    }

    /// The other place, where servers that ignore the mode put the answer instead.
    pub(crate) fn other(self) -> Self {
        match self {
            Self::Content => Self::Arguments,
            Self::Arguments => Self::Content,
        }
    }
}

/// Reads the answer text from a session, keeping to one tool call once its arguments start.
#[derive(Debug, Default)]
pub(crate) struct AnswerText {
    /// The tool call read in `Tool` mode, fixed when its first arguments arrive, so that a
    /// scan never jumps from one call's text to another's.
    call: Option<usize>,
}

impl AnswerText {
    /// The answer text from `source`, as far as it has arrived.
    pub(crate) fn get<'s>(&mut self, session: &'s Session, source: Source) -> &'s str {
        let assembled = &session.assembled;
        match source {
            Source::Content => &assembled.content,
            Source::Arguments => {
                if self.call.is_none() {
                    self.call = assembled.tool_calls.answer();
                }
                self.call
                    .and_then(|at| assembled.tool_calls.slot(at))
                    .map_or("", |call| call.arguments.as_str())
            }
        }
    }

    /// Where the finished answer is: where the mode put it, else where the server put it
    /// instead (servers that ignore `tool_choice` answer in the content, and the other way
    /// round).
    pub(crate) fn settle(&mut self, session: &Session) -> Source {
        let live = Source::of(session);
        let other = live.other();
        if self.get(session, live).trim().is_empty() && !self.get(session, other).trim().is_empty()
        {
            other
        } else {
            live
        }
    }
}
