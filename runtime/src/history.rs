//! Earlier turns placed inside a declared prompt, where `#[prompt(history = param)]` stands.

use crate::conversation::Conversation;
use crate::message::Message;

/// A value holding earlier turns of a conversation, for a prompt parameter named by
/// `#[prompt(history = param)]`: `&[Message]`, `Vec<Message>`, `&Conversation`, or a
/// [`Response::transcript`](crate::Response::transcript) fed back unchanged.
///
/// The turns are placed as whole messages (text, media, tool calls and results, provider
/// state) where the declaration puts `history = …`: among the system text and the fixed turns.
///
/// ```
/// use promptfn::{Message, Result, Role, prompt};
///
/// #[prompt(system = "You answer support tickets.", history = thread, "{question}")]
/// async fn reply(thread: &[Message], question: &str) -> Result<String>;
///
/// let thread = [Message::text(Role::User, "My order is late.")];
/// let call = reply(&thread, "Any news?");
/// let roles: Vec<Role> = call.messages().iter().map(|m| m.role).collect();
/// assert_eq!(roles, [Role::System, Role::User, Role::User]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a prompt's history",
    label = "`history = …` names this parameter, which must hold earlier turns",
    note = "give the history parameter the type `&[promptfn::Message]`, `Vec<promptfn::Message>` or `&promptfn::Conversation`"
)]
pub trait History {
    /// Append the turns, in order, to `messages`.
    #[doc(hidden)]
    fn extend_into(&self, messages: &mut Vec<Message>);
}

impl History for [Message] {
    fn extend_into(&self, messages: &mut Vec<Message>) {
        messages.extend_from_slice(self);
    }
}

impl<const N: usize> History for [Message; N] {
    fn extend_into(&self, messages: &mut Vec<Message>) {
        messages.extend_from_slice(self);
    }
}

impl History for Vec<Message> {
    fn extend_into(&self, messages: &mut Vec<Message>) {
        messages.extend_from_slice(self);
    }
}

impl History for Conversation {
    fn extend_into(&self, messages: &mut Vec<Message>) {
        messages.extend(self.messages());
    }
}

impl<H: History + ?Sized> History for &H {
    fn extend_into(&self, messages: &mut Vec<Message>) {
        (**self).extend_into(messages);
    }
}

impl<H: History + ?Sized> History for &mut H {
    fn extend_into(&self, messages: &mut Vec<Message>) {
        (**self).extend_into(messages);
    }
}
