//! Calls whose messages are assembled at run time, and calls that carry a [`Conversation`].

use crate::conversation::{Conversation, Keep, history_position};
use crate::message::Message;
use crate::output::{Output, Validate};

use super::Call;
use super::exchange::Exchange;
use super::origin::Origin;

impl<T: Output> Call<T> {
    /// A call that sends `messages` assembled at run time and returns `T`: the escape hatch for
    /// prompts a `#[prompt]` declaration cannot express.
    ///
    /// It is the same `Call<T>` a declared function returns: structured output and the mode
    /// ladder, re-asks, streaming, tools (`.tools(tools![…])`), media parts, transport retries,
    /// [`with_meta`](Self::with_meta) and the testing kit all work. Nothing is declared, so every
    /// setting comes from the call or the client.
    ///
    /// `name` stands for the function name a declaration would have: logs, traces and errors
    /// show it, and the testing kit's [`MockClient::on`](crate::testing::MockClient::on)
    /// scripts answers under it. It is a `&'static str` so that a long-running service names
    /// its prompts once (a name built per request would have to be leaked).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> promptfn::Result<()> {
    /// use promptfn::testing::{MockClient, Reply};
    /// use promptfn::{Call, Message, Role};
    ///
    /// #[derive(Debug, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    /// struct Triage { urgent: bool }
    ///
    /// let mock = MockClient::new();
    /// mock.on("triage").reply(Reply::value(Triage { urgent: true }));
    /// let messages = vec![
    ///     Message::text(Role::System, "Triage support tickets."),
    ///     Message::text(Role::User, "The site is down!"),
    /// ];
    /// let triage: Triage = Call::from_messages("triage", messages).client(&mock.client()?).await?;
    /// assert!(triage.urgent);
    /// # Ok(()) }
    /// ```
    pub fn from_messages(name: &'static str, messages: impl IntoIterator<Item = Message>) -> Self {
        Self::with_origin(Origin::Assembled(name), messages.into_iter().collect())
    }

    /// Check the answer with `T`'s [`Validate`] implementation, re-asking the model while it
    /// fails (declared functions do this on their own; a [`from_messages`](Self::from_messages)
    /// call, generic over `T`, cannot tell whether `T` implements it).
    pub fn validated(self) -> Self
    where
        T: Validate,
    {
        self.with_validator(Some(|value| {
            value.downcast_ref::<T>().map_or(Ok(()), T::validate)
        }))
    }

    /// Send `conversation` as history, and append this call's new turns to it when the call
    /// succeeds: its user turn, any tool rounds (with the provider state they carry) and the
    /// final answer. When the call fails, the conversation is left as it was. Answers the
    /// model was re-asked for are not kept: only the accepted one joins.
    ///
    /// The history goes where the prompt declares it (after the turns of its `history = …`
    /// parameter, see [`History`](crate::History)), else
    /// before the prompt's last user turns: after its system text and fixed example turns. The
    /// conversation is read now; a call to this method again replaces the history.
    ///
    /// Works the same awaited, with [`with_meta`](Self::with_meta) and streamed (the turns join
    /// once the stream has ended with a usable answer).
    pub fn conversation(mut self, conversation: &mut Conversation) -> Self {
        if let Some((at, len)) = self.history.take() {
            self.messages.drain(at..at + len);
        }
        let at = self
            .declared_history
            .unwrap_or_else(|| history_position(&self.messages));
        let history = conversation.messages();
        let len = history.len();
        self.messages.splice(at..at, history);
        self.history = Some((at, len));
        self.keep = Some(Keep::new(conversation, at + len));
        self
    }
}

impl Exchange {
    /// The turns this exchange added after the history (re-ask turns left out), then `last`:
    /// staged into the call's conversation, if it has one.
    pub(crate) fn stage_kept_turns(&self, last: impl FnOnce() -> Message) {
        let Some(keep) = &self.call.keep else {
            return;
        };
        let mut turns: Vec<Message> = self
            .conversation
            .iter()
            .enumerate()
            .skip(keep.from)
            .filter(|(i, _)| !self.reasked.iter().any(|range| range.contains(i)))
            .map(|(_, m)| m.clone())
            .collect();
        turns.push(last());
        keep.stage(turns);
    }
}
