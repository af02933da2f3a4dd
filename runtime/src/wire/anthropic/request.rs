//! The Anthropic Messages request body.
//!
//! Field names from the Messages API reference, <https://docs.anthropic.com/en/api/messages>:
//! `model`, `max_tokens` (required), `system`, `messages` (`role` user/assistant, `content`
//! blocks `text`, `image`, `document`, `tool_use`, `tool_result`, `thinking`,
//! `redacted_thinking`), `stop_sequences`, `temperature`, `top_p`, `metadata.user_id`, `tools`
//! (`name`, `description`, `input_schema`), `tool_choice` (`auto`, `any`, `tool`, `none`),
//! `thinking` (`type: enabled`, `budget_tokens`), `stream`. Media sources are `{"type":
//! "base64", "media_type", "data"}` or `{"type": "url", "url"}`
//! (<https://docs.anthropic.com/en/docs/build-with-claude/vision>,
//! <https://docs.anthropic.com/en/docs/build-with-claude/pdf-support>). Native structured output
//! is `output_config.format` (`{"type": "json_schema", "schema"}`,
//! <https://platform.claude.com/docs/en/build-with-claude/structured-outputs>). Cache
//! breakpoints are `cache_control: {"type": "ephemeral"}`, at most four per request
//! (<https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching>).

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::error::{Error, Result};
use std::sync::Mutex;

use crate::media::{MediaError, MediaKind, Payload, ResolvedMedia, WirePart};
use crate::message::{Message, Part, Role, ToolCall};
use crate::params::StrList;
use crate::reasoning::Reasoning;
use crate::structured::{ANSWER_TOOL, Mode};
use crate::tool::ToolBox;
use crate::web_search::WebSearch;
use crate::wire::dialect::{Dialect, Request, ToolDemand};

use super::{KEPT_BLOCKS, KEPT_BLOCKS_BEFORE};

/// `max_tokens` is required by the Messages API; this is the answer's share when the call sets
/// none (the thinking budget comes on top of it).
pub(crate) const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The body of `request`, as bytes ready to send.
pub(crate) fn encode(request: &Request<'_>) -> Result<Vec<u8>> {
    let marks = Marks::of(request);
    let mut system: Vec<Block<'_>> = Vec::new();
    let mut turns: Vec<Turn<'_>> = Vec::new();
    let suffix = request.output.and_then(|o| o.instruction);
    for (index, message) in request.conversation.iter().enumerate() {
        let blocks = blocks(request, index, message, suffix, &marks)?;
        if message.role == Role::System {
            system.extend(blocks);
            continue;
        }
        let role = match message.role {
            Role::Assistant => "assistant",
            _ => "user",
        };
        // Tool results and the text after them go in one user turn: Claude wants every result
        // of a parallel call in the turn right after the calls.
        match turns.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => turns.push(Turn {
                role,
                content: blocks,
            }),
        }
    }
    if marks.system
        && let Some(last) = system.last_mut()
    {
        last.cache = true;
    }
    let budget = request.reasoning.map(Reasoning::budget_tokens);
    let answer_tokens = request.sampling.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    let tools = Tools::of(request, marks.tools);
    let body = Body {
        model: request.model,
        // The thinking budget counts against `max_tokens`: the answer keeps its own share.
        max_tokens: answer_tokens.saturating_add(budget.unwrap_or(0)),
        system: (!system.is_empty()).then_some(System(&system)),
        messages: &turns,
        temperature: request.sampling.temperature,
        top_p: request.sampling.top_p,
        stop_sequences: request.sampling.stop,
        metadata: request
            .sampling
            .end_user
            .map(|user_id| Metadata { user_id }),
        tool_choice: tool_choice(request, tools.is_some(), budget.is_some()),
        tools,
        thinking: budget.map(|budget_tokens| Thinking {
            kind: "enabled",
            budget_tokens,
        }),
        output_config: request
            .output
            .filter(|o| o.mode == Mode::JsonSchema)
            .map(|o| OutputConfig {
                format: Format {
                    kind: "json_schema",
                    schema: &o.schema.schema,
                },
            }),
        stream: request.stream.map(|_| true),
    };
    let capacity = request
        .media
        .map_or(0, |m| m.body_capacity(request.conversation))
        .max(1024);
    let mut out = Vec::with_capacity(capacity);
    let written = serde_json::to_writer(&mut out, &body);
    if let Some(failure) = request.media.and_then(ResolvedMedia::take_failure) {
        return Err(failure.into());
    }
    written.map_err(|e| Error::Config(format!("the request could not be encoded: {e}")))?;
    Ok(out)
}

/// Where the cache breakpoints go: the last tool, the last system block, the end of the
/// few-shot turns, and the template up to its first parameter (four, the API's limit).
#[derive(Debug, Default)]
struct Marks {
    tools: bool,
    system: bool,
    /// Messages whose last block is marked.
    ends: Vec<usize>,
    /// A text part split where the first parameter begins, its first piece marked:
    /// `(message, part, bytes)`.
    split: Option<(usize, usize, usize)>,
    /// A part marked whole: `(message, part)`.
    part: Option<(usize, usize)>,
}

impl Marks {
    fn of(request: &Request<'_>) -> Self {
        let Some(cache) = request.cache else {
            return Self::default();
        };
        let conversation = request.conversation;
        let mut marks = Self {
            tools: true,
            system: true,
            ..Self::default()
        };
        let last_turn_before = |end: usize| {
            conversation[..end.min(conversation.len())]
                .iter()
                .rposition(|m| m.role != Role::System)
        };
        let Some(prefix) = cache.prefix else {
            // No parameter: every message the call began with is the same on each call.
            marks.ends.extend(last_turn_before(cache.prompt_messages));
            return marks;
        };
        marks.ends.extend(last_turn_before(prefix.message));
        let Some(message) = conversation.get(prefix.message) else {
            return marks;
        };
        if message.role == Role::System {
            return marks;
        }
        match message.parts.get(prefix.part) {
            Some(Part::Text(text)) if prefix.bytes > 0 && text.is_char_boundary(prefix.bytes) => {
                marks.split = Some((prefix.message, prefix.part, prefix.bytes));
            }
            _ if prefix.part > 0 => marks.part = Some((prefix.message, prefix.part - 1)),
            _ => {}
        }
        marks
    }
}

/// The content blocks of one message, the structured-output instruction appended where it goes.
fn blocks<'a>(
    request: &Request<'a>,
    index: usize,
    message: &'a Message,
    suffix: Option<(usize, &'a str)>,
    marks: &Marks,
) -> Result<Vec<Block<'a>>> {
    let mut blocks = Vec::with_capacity(message.parts.len() + message.tool_calls.len() + 1);
    if message.role == Role::Tool {
        blocks.push(Block::new(Content::ToolResult {
            id: message.tool_call_id.as_deref().unwrap_or_default(),
            message,
        }));
    } else {
        if message.role == Role::Assistant
            && let Some(kept) = message
                .state
                .fields_for(Dialect::AnthropicMessages)
                .and_then(|f| f.get(KEPT_BLOCKS).or_else(|| f.get(KEPT_BLOCKS_BEFORE)))
                .and_then(Value::as_array)
        {
            // Signed thinking and server tools' blocks go back first, unchanged and in their
            // order, before the turn's text and tool_use blocks.
            blocks.extend(kept.iter().map(|b| Block::new(Content::Raw(b))));
        }
        for (p, part) in message.parts.iter().enumerate() {
            match part {
                Part::Text(text) => match marks.split {
                    Some((m, sp, bytes)) if m == index && sp == p => {
                        let (stable, rest) = text.split_at(bytes);
                        blocks.push(Block::new(Content::Text(stable)).cached());
                        if !rest.is_empty() {
                            blocks.push(Block::new(Content::Text(rest)));
                        }
                    }
                    _ if text.is_empty() => {}
                    _ => blocks.push(Block::new(Content::Text(text))),
                },
                Part::Media(media) => {
                    let wire = request
                        .media
                        .and_then(|m| m.part(index, p))
                        .ok_or_else(|| {
                            Error::Config(format!(
                                "media part {p} of message {index} was not resolved (promptfn bug)"
                            ))
                        })?;
                    let document = match &wire.payload {
                        Payload::Inline { mime, .. } => is_document(MediaKind::of_mime(mime))?,
                        Payload::Url(url) => match media.kind() {
                            MediaKind::File => url.to_ascii_lowercase().ends_with(".pdf"),
                            kind => is_document(kind)?,
                        },
                    };
                    let failure = request.media.map(ResolvedMedia::failure_slot);
                    blocks.push(Block::new(Content::Media {
                        document,
                        // Sources are wanted: Claude cites the passages of documents it uses.
                        citations: document && request.web_search.is_some(),
                        wire,
                        failure,
                    }));
                }
            }
            if marks.part == Some((index, p))
                && let Some(last) = blocks.last_mut()
            {
                last.cache = true;
            }
        }
        if let Some((at, text)) = suffix
            && at == index
        {
            blocks.push(Block::new(Content::Text(text)));
        }
        blocks.extend(
            message
                .tool_calls
                .iter()
                .map(|call| Block::new(Content::ToolUse(call))),
        );
    }
    if marks.ends.contains(&index)
        && let Some(last) = blocks.last_mut()
    {
        last.cache = true;
    }
    Ok(blocks)
}

/// Whether a medium of this kind goes as a `document` block (PDF) or an `image` block; Claude
/// takes nothing else.
fn is_document(kind: MediaKind) -> Result<bool> {
    match kind {
        MediaKind::Pdf => Ok(true),
        MediaKind::Image => Ok(false),
        other => Err(Error::Config(format!(
            "the Anthropic Messages dialect takes images and PDFs only, not {}: send it to a \
             model that takes it, or put its content in the prompt as text",
            other.with_article()
        ))),
    }
}

/// The request body.
#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<System<'a>>,
    messages: &'a [Turn<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_sequences: Option<StrList<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Tools<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<Choice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking: Option<Thinking>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_config: Option<OutputConfig<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<bool>,
}

/// `system`: plain text, or text blocks when one carries a cache breakpoint.
struct System<'a>(&'a [Block<'a>]);

impl Serialize for System<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.0.iter().any(|b| b.cache) {
            let mut seq = s.serialize_seq(Some(self.0.len()))?;
            for block in self.0 {
                seq.serialize_element(&BlockRef { block })?;
            }
            return seq.end();
        }
        let text: Vec<&str> = self
            .0
            .iter()
            .filter_map(|b| match b.content {
                Content::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        s.serialize_str(&text.join("\n\n"))
    }
}

#[derive(Serialize)]
struct Metadata<'a> {
    user_id: &'a str,
}

#[derive(Serialize)]
struct Thinking {
    #[serde(rename = "type")]
    kind: &'static str,
    budget_tokens: u32,
}

#[derive(Serialize)]
struct OutputConfig<'a> {
    format: Format<'a>,
}

#[derive(Serialize)]
struct Format<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: &'a Value,
}

/// One message of the wire conversation.
struct Turn<'a> {
    role: &'static str,
    content: Vec<Block<'a>>,
}

impl Serialize for Turn<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("role", self.role)?;
        map.serialize_entry("content", &Blocks(&self.content))?;
        map.end()
    }
}

struct Blocks<'a>(&'a [Block<'a>]);

impl Serialize for Blocks<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for block in self.0 {
            seq.serialize_element(&BlockRef { block })?;
        }
        seq.end()
    }
}

/// One content block, borrowed from the conversation.
struct Block<'a> {
    content: Content<'a>,
    /// Carries a cache breakpoint.
    cache: bool,
}

impl<'a> Block<'a> {
    fn new(content: Content<'a>) -> Self {
        Self {
            content,
            cache: false,
        }
    }

    fn cached(mut self) -> Self {
        self.cache = true;
        self
    }
}

enum Content<'a> {
    Text(&'a str),
    Media {
        document: bool,
        /// `citations: {"enabled": true}` on a document block: the answer's text blocks then
        /// cite its passages (`char_location`, `page_location`),
        /// <https://docs.anthropic.com/en/docs/build-with-claude/citations>.
        citations: bool,
        wire: &'a WirePart,
        /// Where a file that cannot be read while encoding records why.
        failure: Option<&'a Mutex<Option<MediaError>>>,
    },
    ToolUse(&'a ToolCall),
    ToolResult {
        id: &'a str,
        message: &'a Message,
    },
    /// A block the API gave and wants back unchanged (signed or redacted thinking).
    Raw(&'a Value),
}

struct BlockRef<'a> {
    block: &'a Block<'a>,
}

const EPHEMERAL: Ephemeral = Ephemeral { kind: "ephemeral" };

#[derive(Serialize)]
struct Ephemeral {
    #[serde(rename = "type")]
    kind: &'static str,
}

impl Serialize for BlockRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = match &self.block.content {
            Content::Raw(value) => return value.serialize(s),
            Content::Text(text) => {
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("type", "text")?;
                map.serialize_entry("text", text)?;
                map
            }
            Content::Media {
                document,
                citations,
                wire,
                failure,
            } => {
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("type", if *document { "document" } else { "image" })?;
                map.serialize_entry(
                    "source",
                    &Source {
                        wire,
                        failure: *failure,
                    },
                )?;
                if *citations {
                    map.serialize_entry("citations", &Enabled { enabled: true })?;
                }
                map
            }
            Content::ToolUse(call) => {
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("type", "tool_use")?;
                map.serialize_entry("id", &call.id)?;
                map.serialize_entry("name", &call.name)?;
                // `input` is an object; arguments a model garbled are sent as none.
                let input = serde_json::from_str::<Value>(&call.arguments)
                    .ok()
                    .filter(Value::is_object)
                    .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
                map.serialize_entry("input", &input)?;
                map
            }
            Content::ToolResult { id, message } => {
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("type", "tool_result")?;
                map.serialize_entry("tool_use_id", id)?;
                map.serialize_entry("content", &message.text_content())?;
                map
            }
        };
        if self.block.cache {
            map.serialize_entry("cache_control", &EPHEMERAL)?;
        }
        map.end()
    }
}

/// `{"enabled": true}`.
#[derive(Serialize)]
struct Enabled {
    enabled: bool,
}

/// A media block's `source`.
struct Source<'a> {
    wire: &'a WirePart,
    failure: Option<&'a Mutex<Option<MediaError>>>,
}

impl Serialize for Source<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        match &self.wire.payload {
            Payload::Url(url) => {
                map.serialize_entry("type", "url")?;
                map.serialize_entry("url", url)?;
            }
            Payload::Inline { mime, .. } => {
                let Some(failure) = self.failure else {
                    return Err(serde::ser::Error::custom(
                        "inline media without its resolution (promptfn bug)",
                    ));
                };
                map.serialize_entry("type", "base64")?;
                map.serialize_entry("media_type", mime)?;
                map.serialize_entry("data", &self.wire.payload_text(false, failure))?;
            }
        }
        map.end()
    }
}

/// The tools on offer: the web search server tool when asked, the user's, and the `answer` tool
/// in `Tool` mode.
struct Tools<'a> {
    web_search: Option<WebSearch>,
    toolbox: Option<&'a ToolBox>,
    /// The return type's schema, for the `answer` tool.
    answer: Option<&'a Value>,
    /// The last tool carries a cache breakpoint.
    cache: bool,
}

impl<'a> Tools<'a> {
    fn of(request: &Request<'a>, cache: bool) -> Option<Self> {
        let answer = request
            .output
            .filter(|o| o.mode == Mode::Tool)
            .map(|o| &o.schema.schema);
        let toolbox = request.tools.map(|t| t.toolbox);
        let web_search = request.web_search;
        (answer.is_some() || toolbox.is_some() || web_search.is_some()).then_some(Self {
            web_search,
            toolbox,
            answer,
            cache,
        })
    }
}

impl Serialize for Tools<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let specs = self.toolbox.map_or(&[][..], ToolBox::specs);
        let count = specs.len() + usize::from(self.answer.is_some());
        let mut seq = s.serialize_seq(Some(count + usize::from(self.web_search.is_some())))?;
        // First, so that the cache breakpoint stays on the last function tool.
        if let Some(search) = self.web_search {
            seq.serialize_element(&WebSearchTool {
                kind: WEB_SEARCH_TOOL_TYPE,
                name: WEB_SEARCH_TOOL_NAME,
                max_uses: search.uses(),
            })?;
        }
        let answer = self.answer.map(|schema| {
            (
                ANSWER_TOOL,
                "Give your answer by calling this function with it as the arguments.",
                schema,
            )
        });
        let user = specs
            .iter()
            .map(|spec| (spec.name, spec.description, &spec.parameters));
        for (i, (name, description, input_schema)) in answer.into_iter().chain(user).enumerate() {
            seq.serialize_element(&ToolDef {
                name,
                description,
                input_schema,
                cache_control: (self.cache && i + 1 == count).then_some(EPHEMERAL),
            })?;
        }
        seq.end()
    }
}

/// The web search server tool's versioned type and its name
/// (<https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool>). Claude runs
/// the searches itself: its `server_tool_use` and `web_search_tool_result` blocks are not calls
/// for promptfn to run.
const WEB_SEARCH_TOOL_TYPE: &str = "web_search_20250305";
const WEB_SEARCH_TOOL_NAME: &str = "web_search";

#[derive(Serialize)]
struct WebSearchTool {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_uses: Option<u32>,
}

#[derive(Serialize)]
struct ToolDef<'a> {
    name: &'a str,
    description: &'a str,
    input_schema: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<Ephemeral>,
}

/// `tool_choice`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Choice<'a> {
    Auto,
    Any,
    None,
    Tool { name: &'a str },
}

/// The request's tool choice. With thinking on, Claude accepts only `auto` and `none` (a forced
/// tool is refused, <https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking>):
/// a forced choice becomes `auto`, and the answer is taken from the text when no tool is called.
fn tool_choice<'a>(request: &Request<'a>, tools: bool, thinking: bool) -> Option<Choice<'a>> {
    if !tools {
        return None;
    }
    let answer_mode = request.output.is_some_and(|o| o.mode == Mode::Tool);
    let demand = match request.tools.and_then(|t| t.choice) {
        Some(demand) => demand,
        None if answer_mode => ToolDemand::Function(ANSWER_TOOL),
        None => return None,
    };
    Some(match demand {
        ToolDemand::None => Choice::None,
        _ if thinking => Choice::Auto,
        ToolDemand::Auto => Choice::Auto,
        ToolDemand::Required => Choice::Any,
        ToolDemand::Function(name) => Choice::Tool { name },
    })
}
