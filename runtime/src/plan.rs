//! One request's plan: which structured-output mode, what it adds to the body, where the answer is.

use crate::cache::CacheRequest;
use crate::error::Result;
use crate::media::ResolvedMedia;
use crate::message::{Message, Role};
use crate::model_family::ModelFamily;
use crate::output::OutputPlan;
use crate::params::Sampling;
use crate::schema::CompiledSchema;
use crate::structured::{ANSWER_TOOL, Mode, schema_instruction};
use crate::tool::{ToolBox, ToolChoice};
use crate::wire::answer::AssistantMessage;
use crate::wire::dialect::{
    Dialect, OutputRequest, Quirks, Request, StreamRequest, ToolDemand, ToolsRequest,
};
use crate::wire::mode::ModeWire;

/// The plan of one request of a call.
pub(crate) struct RequestPlan<'p> {
    mode: Option<Mode>,
    family: ModelFamily,
    /// The return type's schema and the mode's chat-completions fields, in structured modes.
    output: Option<(&'p CompiledSchema, &'p ModeWire)>,
    /// The conversation's media, resolved for the target.
    media: Option<&'p ResolvedMedia>,
    /// The user's tools and this request's tool choice.
    tools: Option<(&'p ToolBox, Option<ToolDemand<'p>>)>,
    /// Set when the prompt's stable prefix is to be cached.
    cache: Option<CacheRequest<'p>>,
}

impl<'p> RequestPlan<'p> {
    pub(crate) fn new(
        output: &'p OutputPlan,
        mode: Option<Mode>,
        family: ModelFamily,
    ) -> Result<Self> {
        let output = match (output.json(), mode) {
            (Some(json), Some(mode)) => {
                let dialect = family.dialect(mode);
                Some((json.compiled(dialect)?, json.wire(mode, dialect)?))
            }
            _ => None,
        };
        Ok(Self {
            mode: output.and(mode),
            family,
            output,
            media: None,
            tools: None,
            cache: None,
        })
    }

    /// Write the conversation's media parts as `media` says (resolved for this call's target).
    pub(crate) fn with_media(mut self, media: &'p ResolvedMedia) -> Self {
        self.media = Some(media);
        self
    }

    /// Mark the prompt's stable prefix as cacheable (`None`: caching is off).
    pub(crate) fn with_cache(mut self, cache: Option<CacheRequest<'p>>) -> Self {
        self.cache = cache;
        self
    }

    /// Offer the user's tools in this request, the `step`-th of the tool loop (0 for the first).
    /// In `Tool` mode they sit beside the `answer` tool, and some function must be called.
    pub(crate) fn with_tools(
        mut self,
        toolbox: Option<&'p ToolBox>,
        choice: Option<&'p ToolChoice>,
        step: u32,
    ) -> Self {
        self.tools = toolbox.map(|toolbox| {
            let answer_tool = self.mode == Some(Mode::Tool);
            (toolbox, ToolChoice::demand(choice, step, answer_tool))
        });
        self
    }

    /// The request body in `dialect`, as bytes ready to send; `stream` for a streamed request.
    #[allow(clippy::too_many_arguments)] // one request's parts, each borrowed from its owner
    pub(crate) fn encode(
        &self,
        dialect: Dialect,
        model: &str,
        conversation: &[Message],
        sampling: Sampling<'_>,
        instruction_at: Option<usize>,
        stream: Option<StreamRequest>,
        completion_token_limit: bool,
    ) -> Result<Vec<u8>> {
        let output = match (self.mode, self.output) {
            (Some(mode), Some((schema, chat))) => Some(OutputRequest {
                mode,
                schema,
                instruction: instruction_at.zip(chat.instruction.as_deref()),
                chat,
            }),
            _ => None,
        };
        dialect.encode(&Request {
            model,
            conversation,
            media: self.media,
            sampling,
            output,
            tools: self
                .tools
                .map(|(toolbox, choice)| ToolsRequest { toolbox, choice }),
            stream,
            cache: self.cache,
            reasoning: sampling.reasoning,
            web_search: sampling.web_search,
            quirks: Quirks {
                // Local servers (llama-cpp-python) reject `content: null` next to tool calls.
                empty_tool_turn_content: self.family == ModelFamily::Other,
                completion_token_limit,
            },
        })
    }

    /// Where the answer is: the forced tool call's arguments in `Tool` mode, else the content.
    pub(crate) fn answer_text<'m>(&self, message: &'m AssistantMessage) -> Option<&'m str> {
        // Blank is all whitespace: read up to the first other character, not trimmed at both
        // ends (this runs twice per answer).
        let content = message
            .content
            .as_deref()
            .filter(|c| !c.chars().all(char::is_whitespace));
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

    /// The answer's shape, for a re-ask in a mode whose prompt does not carry it
    /// (`JsonSchema`): told only "correct your JSON", a small model held to the schema by a
    /// grammar writes the same cut answer again (SmolLM2 on llama-server, `u32` with
    /// `max_tokens = 20`: three answers cut in the whitespace the grammar allows), and shown the
    /// shape it closes its JSON. None for an answer given as a tool call, whose tool carries it.
    fn shape_for_reask(&self, answer: &Message) -> Option<String> {
        let (schema, chat) = self.output?;
        (chat.instruction.is_none() && answer.tool_calls.is_empty())
            .then(|| schema_instruction(&schema.schema))
    }

    /// Add the model's rejected answer and the reason to the conversation, so it can correct itself.
    pub(crate) fn append_reask(
        &self,
        conversation: &mut Vec<Message>,
        answer: &AssistantMessage,
        reason: &str,
    ) {
        let assistant = answer.to_message();
        let feedback = reask_feedback(reason, self.shape_for_reask(&assistant).as_deref());
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

/// What a re-ask tells the model about its rejected answer (awaited calls and batch re-asks
/// alike): why it was rejected, then `shape` (the answer's shape, where the request did not
/// carry it) or a request for the corrected JSON.
pub(crate) fn reask_feedback(reason: &str, shape: Option<&str>) -> String {
    match shape {
        Some(shape) => format!("Your answer could not be used: {reason}{shape}"),
        None => format!(
            "Your answer could not be used: {reason}\nAnswer again with only the corrected JSON."
        ),
    }
}
