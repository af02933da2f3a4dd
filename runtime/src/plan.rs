//! One request's plan: which structured-output mode, what it adds to the body, where the answer is.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::media::ResolvedMedia;
use crate::message::{Message, Role};
use crate::output::OutputPlan;
use crate::params::Sampling;
use crate::structured::{ANSWER_TOOL, Family, Mode};
use crate::tool::{ToolBox, ToolChoice};
use crate::wire::mode::ModeWire;
use crate::wire::openai::{AssistantMessage, ChatRequest};

/// Room for a request's keys, roles, sampling parameters and escapes besides its text, so that
/// encoding a typical request allocates once.
const REQUEST_FRAME_BYTES: usize = 256;

/// The plan of one request of a call.
pub(crate) struct RequestPlan<'p> {
    mode: Option<Mode>,
    family: Family,
    wire: Option<&'p ModeWire>,
    /// The conversation's media, resolved for the target.
    media: Option<&'p ResolvedMedia>,
    /// The user's tools and this request's `tool_choice`.
    tools: Option<(&'p ToolBox, Option<Value>)>,
}

impl<'p> RequestPlan<'p> {
    pub(crate) fn new(output: &'p OutputPlan, mode: Option<Mode>, family: Family) -> Result<Self> {
        let wire = match (output.json(), mode) {
            (Some(json), Some(mode)) => Some(json.wire(mode, family.dialect(mode))?),
            _ => None,
        };
        Ok(Self {
            mode: wire.and(mode),
            family,
            wire,
            media: None,
            tools: None,
        })
    }

    /// Write the conversation's media parts as `media` says (resolved for this call's target).
    pub(crate) fn with_media(mut self, media: &'p ResolvedMedia) -> Self {
        self.media = Some(media);
        self
    }

    /// Offer the user's tools in this request, the `step`-th of the tool loop (0 for the first).
    /// In `Tool` mode they sit beside the `answer` tool, and some function must be called.
    pub(crate) fn with_tools(
        mut self,
        toolbox: Option<&'p ToolBox>,
        choice: Option<&ToolChoice>,
        step: u32,
    ) -> Self {
        self.tools = toolbox.map(|toolbox| {
            let answer_tool = self.mode == Some(Mode::Tool);
            (toolbox, ToolChoice::wire(choice, step, answer_tool))
        });
        self
    }

    /// The request body, as bytes ready to send.
    pub(crate) fn encode(
        &self,
        model: &str,
        messages: &[Message],
        sampling: Sampling<'_>,
        instruction_at: Option<usize>,
    ) -> Result<Vec<u8>> {
        // The user's tools first, then the mode's own `answer` tool, if any.
        let offered = self.tools.as_ref().map(|(toolbox, choice)| {
            let mut all = toolbox.definitions().to_vec();
            if let Some(Value::Array(mode_tools)) = self.wire.and_then(|w| w.tools.as_ref()) {
                all.extend(mode_tools.iter().cloned());
            }
            (Value::Array(all), choice)
        });
        let mut req = ChatRequest::new(model, messages, sampling);
        // Local servers (llama-cpp-python) reject `content: null` next to tool calls.
        req.messages.null_tool_content = self.family != Family::Other;
        req.messages.media = self.media;
        let mut added: &[u8] = &[];
        if let Some(wire) = self.wire {
            req.messages.suffix = instruction_at.zip(wire.instruction.as_deref());
            if offered.is_some() {
                // The user's tools sit beside the mode's own: the fields are written in full.
                req.response_format = wire.response_format.as_ref();
            } else {
                added = &wire.encoded;
            }
        }
        if let Some((tools, choice)) = &offered {
            req.tools = Some(tools);
            req.tool_choice = choice.as_ref();
        }
        let text: usize = messages
            .iter()
            .map(|m| m.as_text().map_or(0, str::len))
            .sum();
        // With large inline media the body is sized once: regrowing it would briefly hold two copies.
        let capacity = self
            .media
            .map_or(0, |m| m.body_capacity(messages))
            .max(REQUEST_FRAME_BYTES + text + added.len());
        let mut body = Vec::with_capacity(capacity);
        let written = serde_json::to_writer(&mut body, &req);
        if let Some(failure) = self.media.and_then(ResolvedMedia::take_failure) {
            return Err(failure.into());
        }
        written.map_err(|e| Error::Config(format!("the request could not be encoded: {e}")))?;
        // The mode's fields were encoded once: put them in before the closing brace.
        if !added.is_empty() && body.last() == Some(&b'}') {
            body.pop();
            body.extend_from_slice(added);
            body.push(b'}');
        }
        Ok(body)
    }

    /// Where the answer is: the forced tool call's arguments in `Tool` mode, else the content.
    pub(crate) fn answer_text<'m>(&self, message: &'m AssistantMessage) -> Option<&'m str> {
        let content = message.content.as_deref().filter(|c| !c.trim().is_empty());
        let arguments = message
            .tool_calls
            .iter()
            .find(|c| c.function.name.as_deref() == Some(ANSWER_TOOL))
            .or(message.tool_calls.first())
            .and_then(|c| c.function.arguments.as_deref())
            .or_else(|| {
                message
                    .function_call
                    .as_ref()
                    .and_then(|f| f.arguments.as_deref())
            });
        // Servers that ignore tool_choice answer in the content; servers that ignore
        // response_format sometimes call a tool anyway. Take the answer where it is.
        match self.mode {
            Some(Mode::Tool) => arguments.or(content),
            _ => content.or(arguments),
        }
    }

    /// Add the model's rejected answer and the reason to the conversation, so it can correct itself.
    pub(crate) fn append_reask(
        &self,
        conversation: &mut Vec<Message>,
        answer: &AssistantMessage,
        reason: &str,
    ) {
        let feedback = format!(
            "Your answer could not be used: {reason}\nAnswer again with only the corrected JSON."
        );
        let assistant = answer.to_message();
        if assistant.tool_calls.is_empty() {
            conversation.push(assistant);
            conversation.push(Message::text(Role::User, feedback));
        } else {
            let ids: Vec<String> = assistant.tool_calls.iter().map(|c| c.id.clone()).collect();
            conversation.push(assistant);
            for id in ids {
                conversation.push(Message::tool_result(id, feedback.clone()));
            }
        }
    }
}
