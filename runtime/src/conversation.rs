//! A conversation that grows call by call: sent as history, extended with each successful call's
//! new turns, and serializable so that a service can keep it between requests.
//!
//! A call holds a link to the conversation (`Keep`) rather than a borrow, so that a call with a
//! conversation is the same `Call<T>` as any other (awaited, with metadata, streamed) and needs
//! no lifetime. The turns it adds are staged when its answer is judged usable and joined to the
//! conversation only when the whole call has succeeded; a call that fails adds nothing.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::message::{Message, Role};

/// The turns of a chat so far: user turns, the model's answers, tool calls with their results
/// (and the provider state they carry).
///
/// Hand it to a call with [`Call::conversation`](crate::Call::conversation): the call sends it as
/// history, and when the call succeeds its new turns (its user turn, any tool rounds, the final
/// answer) are appended; when it fails, nothing is. Answers the model had to be re-asked for are
/// not kept: only the accepted answer joins the conversation.
///
/// It serializes (serde) as `{"messages": [...]}`, media and provider state included, so a
/// restored conversation sends the same bytes. A medium read from a local file is not restored
/// (see [`Media`](crate::Media)'s serialization): load it as bytes first.
///
/// Cloning makes an independent copy.
///
/// ```
/// use promptfn::{Conversation, Message, Role};
///
/// let mut chat = Conversation::new();
/// chat.push(Message::text(Role::User, "Hi!"));
/// chat.push(Message::text(Role::Assistant, "Hello! How can I help?"));
/// let saved = serde_json::to_string(&chat).unwrap();
/// let restored: Conversation = serde_json::from_str(&saved).unwrap();
/// assert_eq!(restored, chat);
/// assert_eq!(restored.len(), 2);
/// ```
#[derive(Default)]
pub struct Conversation {
    /// Shared with the calls that extend it; locked only to copy or extend.
    turns: Arc<Mutex<Vec<Message>>>,
}

impl Conversation {
    /// An empty conversation.
    pub fn new() -> Self {
        Self::default()
    }

    /// A conversation holding `messages` (a transcript from [`Response::transcript`], turns
    /// built by hand).
    ///
    /// [`Response::transcript`]: crate::Response::transcript
    pub fn from_messages(messages: impl IntoIterator<Item = Message>) -> Self {
        Self {
            turns: Arc::new(Mutex::new(messages.into_iter().collect())),
        }
    }

    /// Append a turn.
    pub fn push(&mut self, message: Message) {
        self.lock().push(message);
    }

    /// A copy of the turns so far.
    pub fn messages(&self) -> Vec<Message> {
        self.lock().clone()
    }

    /// The turns, taken out.
    pub fn into_messages(self) -> Vec<Message> {
        std::mem::take(&mut *self.lock())
    }

    /// How many turns it holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds no turn.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The text of the last turn, if any (the model's latest answer after a call).
    pub fn last_text(&self) -> Option<String> {
        self.lock().last().map(Message::text_content)
    }

    /// Forget every turn.
    pub fn clear(&mut self) {
        self.lock().clear();
    }

    /// Keep only the last `n` turns (a chat that sends only its recent history). A tool result
    /// left without the turn that called it is dropped too: a server rejects it.
    pub fn keep_last(&mut self, n: usize) {
        let mut turns = self.lock();
        let mut start = turns.len().saturating_sub(n);
        while turns.get(start).is_some_and(|m| m.role == Role::Tool) {
            start += 1;
        }
        turns.drain(..start);
    }

    /// A link through which a call adds its turns.
    pub(crate) fn link(&self) -> Arc<Mutex<Vec<Message>>> {
        Arc::clone(&self.turns)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Message>> {
        self.turns.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clone for Conversation {
    fn clone(&self) -> Self {
        Self::from_messages(self.messages())
    }
}

impl PartialEq for Conversation {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.turns, &other.turns) || *self.lock() == *other.lock()
    }
}

impl fmt::Debug for Conversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conversation")
            .field("messages", &*self.lock())
            .finish()
    }
}

impl From<Vec<Message>> for Conversation {
    fn from(messages: Vec<Message>) -> Self {
        Self::from_messages(messages)
    }
}

/// The stored form; an object, so that fields can be added later.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored<M> {
    messages: M,
}

impl Serialize for Conversation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Stored {
            messages: &*self.lock(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Conversation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = Stored::<Vec<Message>>::deserialize(deserializer)?;
        Ok(Self::from_messages(stored.messages))
    }
}

/// What a call with a conversation keeps: where its new turns begin in what it sends, and the
/// turns staged once its answer is usable, joined to the conversation when the call succeeds.
#[derive(Debug, Clone)]
pub(crate) struct Keep {
    conversation: Arc<Mutex<Vec<Message>>>,
    /// The index in the call's messages where the history ends and the call's own turns begin.
    pub(crate) from: usize,
    staged: Arc<Mutex<Option<Vec<Message>>>>,
}

impl Keep {
    pub(crate) fn new(conversation: &Conversation, from: usize) -> Self {
        Self {
            conversation: conversation.link(),
            from,
            staged: Arc::default(),
        }
    }

    /// Stage the call's new turns; the first staging wins (a call's later exchanges, which fill
    /// missing choices, are not the conversation).
    pub(crate) fn stage(&self, turns: Vec<Message>) {
        let mut staged = self.staged.lock().unwrap_or_else(PoisonError::into_inner);
        staged.get_or_insert(turns);
    }

    /// The call succeeded: append the staged turns to the conversation.
    pub(crate) fn commit(&self) {
        let turns = self
            .staged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(turns) = turns {
            self.conversation
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(turns);
        }
    }
}

/// Where history goes in a rendered prompt that declares no place for it: before the prompt's
/// trailing user turns (after its system text and fixed example turns), or at its end.
pub(crate) fn history_position(messages: &[Message]) -> usize {
    messages
        .iter()
        .rposition(|m| m.role != Role::User)
        .map_or(0, |last_other| last_other + 1)
        .min(messages.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(role: Role, text: &str) -> Message {
        Message::text(role, text)
    }

    #[test]
    fn history_goes_before_the_trailing_user_turns() {
        let system = text(Role::System, "s");
        let user = text(Role::User, "u");
        let shot = text(Role::Assistant, "a");
        assert_eq!(history_position(&[system.clone(), user.clone()]), 1);
        assert_eq!(history_position(std::slice::from_ref(&user)), 0);
        assert_eq!(
            history_position(&[system.clone(), user.clone(), shot.clone(), user.clone()]),
            3
        );
        assert_eq!(history_position(&[system.clone(), user, shot]), 3);
        assert_eq!(history_position(&[]), 0);
    }

    #[test]
    fn staged_turns_join_only_on_commit_and_the_first_staging_wins() {
        let mut chat = Conversation::new();
        chat.push(text(Role::User, "old"));
        let keep = Keep::new(&chat, 1);
        keep.stage(vec![
            text(Role::User, "new"),
            text(Role::Assistant, "answer"),
        ]);
        keep.stage(vec![text(Role::Assistant, "a refill")]);
        assert_eq!(chat.len(), 1);
        keep.commit();
        assert_eq!(chat.len(), 3);
        assert_eq!(chat.last_text().as_deref(), Some("answer"));
        keep.commit();
        assert_eq!(chat.len(), 3);
    }

    #[test]
    fn keeping_the_last_turns_drops_orphaned_tool_results() {
        let mut chat = Conversation::from_messages([
            text(Role::User, "q"),
            text(Role::Assistant, "calls"),
            Message::tool_result("c1", "r1"),
            Message::tool_result("c2", "r2"),
            text(Role::Assistant, "answer"),
        ]);
        chat.keep_last(3);
        assert_eq!(chat.len(), 1);
        assert_eq!(chat.last_text().as_deref(), Some("answer"));
        let copy = chat.clone();
        chat.clear();
        assert_eq!((chat.len(), copy.len()), (0, 1));
    }
}
