//! The Responses request body: `model`, `instructions`, `input` items, `text.format`, `tools`,
//! `tool_choice`, the sampling fields, `reasoning`, `prompt_cache_key`, `include`, `store` and
//! `stream` (<https://platform.openai.com/docs/api-reference/responses/create>).
//!
//! Written with serializers that borrow the conversation, so that texts, schemas and inline
//! media go into the body without an intermediate copy (as in chat-completions).

use serde::Serialize;
use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::media::{PartType, Payload, ResolvedMedia, WirePart};
use crate::message::{Message, Part, Role, ToolCall};
use crate::structured::{ANSWER_TOOL, Mode};
use crate::web_search::WebSearch;

use super::super::dialect::{Dialect, OutputRequest, Request, ToolDemand};
use super::super::symbol;
use super::REASONING_ITEMS;

/// Room for a request's keys and settings besides its text.
const REQUEST_FRAME_BYTES: usize = 256;

/// The body of `request`, as bytes ready to send.
pub(crate) fn encode(request: &Request<'_>) -> Result<Vec<u8>> {
    refuse_unsupported(request)?;
    let text: usize = request
        .conversation
        .iter()
        .map(|m| m.as_text().map_or(0, str::len))
        .sum();
    let capacity = request
        .media
        .map_or(0, |m| m.body_capacity(request.conversation))
        .max(REQUEST_FRAME_BYTES + text);
    let mut body = Vec::with_capacity(capacity);
    let written = serde_json::to_writer(&mut body, &Body(request));
    if let Some(failure) = request.media.and_then(ResolvedMedia::take_failure) {
        return Err(failure.into());
    }
    written.map_err(|e| Error::Config(format!("the request could not be encoded: {e}")))?;
    Ok(body)
}

/// Settings and turns the Responses API has no field for, refused before anything is sent.
fn refuse_unsupported(request: &Request<'_>) -> Result<()> {
    let s = &request.sampling;
    let unsupported = [
        (symbol::STOP, s.stop.is_some()),
        (symbol::PRESENCE_PENALTY, s.presence_penalty.is_some()),
        (symbol::FREQUENCY_PENALTY, s.frequency_penalty.is_some()),
        (symbol::LOGIT_BIAS, s.logit_bias.is_some()),
        (symbol::SEED, s.seed.is_some()),
    ];
    if let Some((name, _)) = unsupported.iter().find(|(_, set)| *set) {
        return Err(Error::Config(format!(
            "the openai-responses dialect has no `{name}` setting: remove it, or reach this \
             model through `Dialect::ChatCompletions`"
        )));
    }
    for (i, m) in request.conversation.iter().enumerate() {
        if m.role == Role::Tool && m.tool_call_id.is_none() {
            return Err(Error::Config(format!(
                "message {i} is a tool result without a `tool_call_id`: the Responses API \
                 pairs each `function_call_output` with its call by id"
            )));
        }
        for (j, part) in m.parts.iter().enumerate() {
            let Part::Media(_) = part else { continue };
            if m.role == Role::Assistant {
                return Err(Error::Config(format!(
                    "message {i} is an assistant turn with media: the Responses API takes \
                     media in user, system and developer messages only"
                )));
            }
            let part_type = request
                .media
                .and_then(|media| media.part(i, j))
                .map(|w| w.part_type);
            if part_type == Some(PartType::VideoUrl) {
                return Err(Error::Config(format!(
                    "part {j} of message {i} is a video: the Responses API takes images, audio \
                     and files; send it to a Gemini model, or through `Dialect::ChatCompletions` \
                     to a server that takes `video_url`"
                )));
            }
        }
    }
    Ok(())
}

/// Whether the model is one of OpenAI's reasoning models, whose reasoning items must come back
/// with their `encrypted_content` when nothing is stored (`o1`, `o3`, `o4-mini`, `gpt-5`…).
/// Other models answer HTTP 400 to `include: ["reasoning.encrypted_content"]`.
fn reasoning_model(model: &str) -> bool {
    let name = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    let o_series = name.starts_with('o') && name[1..].starts_with(|c: char| c.is_ascii_digit());
    o_series || name.starts_with("gpt-5") || name.starts_with("codex")
}

/// The reasoning items kept on an assistant turn for this dialect.
fn reasoning_items(message: &Message) -> &[Value] {
    message
        .state
        .fields_for(Dialect::OpenAiResponses)
        .and_then(|fields| fields.get(REASONING_ITEMS))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

struct Body<'r, 'a>(&'r Request<'a>);

impl Serialize for Body<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("model", r.model)?;
        let suffix = r.output.and_then(|o| o.instruction);
        // A leading text-only system message is the `instructions` field; any other system
        // message stays an input item of role `system`.
        let instructions = r
            .conversation
            .first()
            .filter(|m| m.role == Role::System)
            .and_then(Message::as_text);
        if let Some(text) = instructions {
            match suffix.filter(|(at, _)| *at == 0) {
                Some((_, suffix)) => map.serialize_entry("instructions", &Concat(text, suffix))?,
                None => map.serialize_entry("instructions", text)?,
            }
        }
        map.serialize_entry(
            "input",
            &Input {
                conversation: r.conversation,
                from: usize::from(instructions.is_some()),
                suffix,
                media: r.media,
            },
        )?;
        if let Some(output) = &r.output
            && let Some(format) = TextFormat::of(output)
        {
            map.serialize_entry("text", &TextConfig { format })?;
        }
        let answer_tool = r
            .output
            .filter(|o| o.mode == Mode::Tool)
            .and_then(|o| AnswerTool::of(&o));
        if r.tools.is_some() || answer_tool.is_some() || r.web_search.is_some() {
            map.serialize_entry(
                symbol::TOOLS,
                &Tools {
                    user: r.tools.map(|t| t.toolbox),
                    answer: answer_tool.as_ref(),
                    web_search: r.web_search,
                },
            )?;
        }
        let choice = match (&r.tools, &answer_tool) {
            (Some(tools), _) => tools.choice,
            (None, Some(_)) => Some(ToolDemand::Function(ANSWER_TOOL)),
            (None, None) => None,
        };
        if let Some(choice) = choice {
            map.serialize_entry(symbol::TOOL_CHOICE, &Choice(choice))?;
        }
        let sampling = &r.sampling;
        if let Some(t) = sampling.temperature {
            map.serialize_entry(symbol::TEMPERATURE, &t)?;
        }
        if let Some(p) = sampling.top_p {
            map.serialize_entry(symbol::TOP_P, &p)?;
        }
        if let Some(max) = sampling.max_tokens {
            map.serialize_entry("max_output_tokens", &max)?;
        }
        if let Some(user) = sampling.end_user {
            map.serialize_entry(symbol::USER, user)?;
        }
        // `reasoning.effort`, and `summary: "auto"` so that the reasoning summary comes back
        // (as `Response::reasoning`).
        if let Some(level) = r.reasoning {
            map.serialize_entry(
                "reasoning",
                &ReasoningConfig {
                    effort: level.as_str(),
                    summary: "auto",
                },
            )?;
        }
        // OpenAI caches prompt prefixes by itself; the key routes the calls of one function
        // to the same cache.
        if let Some(cache) = r.cache {
            map.serialize_entry("prompt_cache_key", cache.key)?;
        }
        // Nothing is kept server-side: every request carries the whole conversation, and a
        // reasoning model's reasoning travels back as `encrypted_content`.
        let carries_reasoning = r
            .conversation
            .iter()
            .any(|m| !reasoning_items(m).is_empty());
        if reasoning_model(r.model) || carries_reasoning {
            map.serialize_entry("include", &["reasoning.encrypted_content"])?;
        }
        map.serialize_entry("store", &false)?;
        if r.stream.is_some() {
            map.serialize_entry(symbol::STREAM, &true)?;
        }
        map.end()
    }
}

/// `reasoning` (<https://platform.openai.com/docs/api-reference/responses/create#responses-create-reasoning>).
#[derive(Serialize)]
struct ReasoningConfig {
    effort: &'static str,
    summary: &'static str,
}

struct Concat<'a>(&'a str, &'a str);

impl Serialize for Concat<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}{}", self.0, self.1))
    }
}

/// The `input` items: messages, `function_call` and `function_call_output` items, and the
/// reasoning items kept on assistant turns.
struct Input<'a> {
    conversation: &'a [Message],
    /// The first message written here (the one before it went into `instructions`).
    from: usize,
    suffix: Option<(usize, &'a str)>,
    media: Option<&'a ResolvedMedia>,
}

impl Serialize for Input<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for (i, m) in self.conversation.iter().enumerate().skip(self.from) {
            let suffix = self.suffix.filter(|(at, _)| *at == i).map(|(_, t)| t);
            match m.role {
                Role::Tool => seq.serialize_element(&FunctionCallOutput { message: m, suffix })?,
                Role::Assistant => {
                    // A reasoning item must come right before the items it led to.
                    for item in reasoning_items(m) {
                        seq.serialize_element(item)?;
                    }
                    let text = m.text_content();
                    if !text.is_empty() || suffix.is_some() || m.tool_calls.is_empty() {
                        seq.serialize_element(&AssistantText {
                            text: &text,
                            suffix,
                        })?;
                    }
                    for call in &m.tool_calls {
                        seq.serialize_element(&FunctionCall(call))?;
                    }
                }
                Role::System | Role::User => seq.serialize_element(&InputMessage {
                    message: m,
                    suffix,
                    media: self.media.map(|media| (media, i)),
                })?,
            }
        }
        seq.end()
    }
}

/// `{"role": "user" | "system", "content": …}`: a string when the message is text only, else
/// `input_text`, `input_image`, `input_file` and `input_audio` parts.
struct InputMessage<'a> {
    message: &'a Message,
    suffix: Option<&'a str>,
    media: Option<(&'a ResolvedMedia, usize)>,
}

impl Serialize for InputMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let m = self.message;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("role", m.role.as_str())?;
        match (m.as_text(), self.suffix) {
            (Some(text), None) => map.serialize_entry("content", text)?,
            (Some(text), Some(suffix)) => map.serialize_entry("content", &Concat(text, suffix))?,
            (None, suffix) => map.serialize_entry(
                "content",
                &InputParts {
                    parts: &m.parts,
                    suffix,
                    media: self.media,
                },
            )?,
        }
        map.end()
    }
}

struct InputParts<'a> {
    parts: &'a [Part],
    suffix: Option<&'a str>,
    media: Option<(&'a ResolvedMedia, usize)>,
}

impl Serialize for InputParts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for (j, part) in self.parts.iter().enumerate() {
            match part {
                Part::Text(text) => seq.serialize_element(&Typed("input_text", "text", text))?,
                Part::Media(_) => {
                    let Some((media, i)) = self.media else {
                        return Err(S::Error::custom(
                            "a media part reached the wire unresolved (promptfn bug: the request \
                             plan needs `with_media`)",
                        ));
                    };
                    let Some(wire) = media.part(i, j) else {
                        return Err(S::Error::custom(format!(
                            "media part {j} of message {i} was not resolved (promptfn bug)"
                        )));
                    };
                    seq.serialize_element(&MediaPart { wire, media })?;
                }
            }
        }
        if let Some(suffix) = self.suffix {
            seq.serialize_element(&Typed("input_text", "text", suffix))?;
        }
        seq.end()
    }
}

/// `{"type": <type>, <key>: <text>}`
struct Typed<'a>(&'static str, &'static str, &'a str);

impl Serialize for Typed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", self.0)?;
        map.serialize_entry(self.1, self.2)?;
        map.end()
    }
}

/// One media part in the Responses form:
/// `{"type": "input_image", "image_url": <URL or data: URI>, "detail": …}`,
/// `{"type": "input_file", "file_url": …}` or `{"type": "input_file", "filename": …,
/// "file_data": <data: URI>}`, `{"type": "input_audio", "input_audio": {"data": <base64>,
/// "format": "mp3" | "wav"}}`.
struct MediaPart<'a> {
    wire: &'a WirePart,
    media: &'a ResolvedMedia,
}

impl Serialize for MediaPart<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let wire = self.wire;
        let failure = self.media.failure_slot();
        let mut map = s.serialize_map(None)?;
        let inline_mime = match &wire.payload {
            Payload::Inline { mime, .. } => Some(mime.as_str()),
            Payload::Url(_) => None,
        };
        // Aggregator-style targets have every medium resolved as an image URL; inline content
        // that is not an image is a file here.
        let is_image = inline_mime.is_none_or(|mime| mime.starts_with("image/"));
        match wire.part_type {
            PartType::ImageUrl if is_image => {
                map.serialize_entry("type", "input_image")?;
                map.serialize_entry("image_url", &wire.payload_text(true, failure))?;
                // Required by the API reference; `auto` is its default.
                let detail = wire.detail.map_or("auto", |d| d.as_str());
                map.serialize_entry("detail", detail)?;
            }
            PartType::InputAudio { format } => {
                map.serialize_entry("type", "input_audio")?;
                map.serialize_entry(
                    "input_audio",
                    &AudioData {
                        data: wire.payload_text(false, failure),
                        format,
                    },
                )?;
            }
            PartType::ImageUrl | PartType::File | PartType::VideoUrl => {
                map.serialize_entry("type", "input_file")?;
                match &wire.payload {
                    Payload::Url(url) => map.serialize_entry("file_url", url)?,
                    Payload::Inline { .. } => {
                        map.serialize_entry("filename", &wire.filename)?;
                        map.serialize_entry("file_data", &wire.payload_text(true, failure))?;
                    }
                }
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct AudioData<T: Serialize> {
    data: T,
    format: &'static str,
}

/// An earlier answer: `{"role": "assistant", "content": [{"type": "output_text", "text": …}]}`.
struct AssistantText<'a> {
    text: &'a str,
    suffix: Option<&'a str>,
}

impl Serialize for AssistantText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("role", "assistant")?;
        let text = Concat(self.text, self.suffix.unwrap_or_default());
        map.serialize_entry("content", &[OutputText(&text)])?;
        map.end()
    }
}

struct OutputText<'a, T: Serialize>(&'a T);

impl<T: Serialize> Serialize for OutputText<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", "output_text")?;
        map.serialize_entry("text", self.0)?;
        map.end()
    }
}

/// `{"type": "function_call", "call_id": …, "name": …, "arguments": …}`
struct FunctionCall<'a>(&'a ToolCall);

impl Serialize for FunctionCall<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let c = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", "function_call")?;
        map.serialize_entry("call_id", &c.id)?;
        map.serialize_entry("name", &c.name)?;
        map.serialize_entry("arguments", &c.arguments)?;
        if let Some(state) = c.state.fields_for(Dialect::OpenAiResponses) {
            for (name, value) in state {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

/// `{"type": "function_call_output", "call_id": …, "output": …}`
struct FunctionCallOutput<'a> {
    message: &'a Message,
    suffix: Option<&'a str>,
}

impl Serialize for FunctionCallOutput<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let m = self.message;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("type", "function_call_output")?;
        map.serialize_entry("call_id", m.tool_call_id.as_deref().unwrap_or_default())?;
        let text = m.text_content();
        map.serialize_entry("output", &Concat(&text, self.suffix.unwrap_or_default()))?;
        map.end()
    }
}

/// `text.format` of a structured-output mode: `json_schema` (with the schema) or
/// `json_object`; the other modes use the tools or the prompt instead.
enum TextFormat<'a> {
    JsonSchema {
        name: &'a str,
        schema: &'a Value,
        strict: bool,
    },
    JsonObject,
}

impl<'a> TextFormat<'a> {
    fn of(output: &OutputRequest<'a>) -> Option<Self> {
        match output.mode {
            Mode::JsonSchema => Some(Self::JsonSchema {
                name: &output.schema.name,
                schema: &output.schema.schema,
                strict: strict_schema(output),
            }),
            Mode::JsonObject => Some(Self::JsonObject),
            Mode::Tool | Mode::Prompt => None,
        }
    }
}

/// Whether the mode's schema was compiled for strict adherence: the chat-completions fields
/// built from the same schema say so (`json_schema.strict`, or the answer tool's `strict`).
fn strict_schema(output: &OutputRequest<'_>) -> bool {
    let chat = output.chat;
    let strict = |v: Option<&Value>| v.and_then(|v| v.get("strict")) == Some(&Value::Bool(true));
    match output.mode {
        Mode::JsonSchema => strict(
            chat.response_format
                .as_ref()
                .and_then(|f| f.get("json_schema")),
        ),
        Mode::Tool => strict(answer_function(output)),
        Mode::JsonObject | Mode::Prompt => false,
    }
}

/// The `function` object of the mode's `answer` tool, as built for chat-completions.
fn answer_function<'a>(output: &OutputRequest<'a>) -> Option<&'a Value> {
    output
        .chat
        .tools
        .as_ref()?
        .as_array()?
        .first()?
        .get("function")
}

struct TextConfig<'a> {
    format: TextFormat<'a>,
}

impl Serialize for TextConfig<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("format", &self.format)?;
        map.end()
    }
}

impl Serialize for TextFormat<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self {
            Self::JsonSchema {
                name,
                schema,
                strict,
            } => {
                map.serialize_entry("type", "json_schema")?;
                map.serialize_entry("name", name)?;
                map.serialize_entry("schema", schema)?;
                map.serialize_entry("strict", strict)?;
            }
            Self::JsonObject => map.serialize_entry("type", "json_object")?,
        }
        map.end()
    }
}

/// The `answer` tool of `Tool` mode, taken from the mode's chat-completions tool (one place
/// for its description) and laid flat.
struct AnswerTool<'a> {
    description: &'a str,
    parameters: &'a Value,
    strict: bool,
}

impl<'a> AnswerTool<'a> {
    fn of(output: &OutputRequest<'a>) -> Option<Self> {
        let function = answer_function(output);
        Some(Self {
            description: function
                .and_then(|f| f.get("description"))
                .and_then(Value::as_str)
                .unwrap_or_default(),
            parameters: &output.schema.schema,
            strict: strict_schema(output),
        })
    }
}

/// `tools`: the user's tools, then the mode's `answer` tool, each
/// `{"type": "function", "name", "description", "parameters", "strict"}`. `strict` is always
/// written: the API takes a missing one as `true`. Then the hosted web search tool, when asked.
struct Tools<'a> {
    user: Option<&'a crate::tool::ToolBox>,
    answer: Option<&'a AnswerTool<'a>>,
    web_search: Option<WebSearch>,
}

impl Serialize for Tools<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for tool in self.user.map_or(&[][..], |t| t.specs()) {
            seq.serialize_element(&FunctionTool {
                name: tool.name,
                description: tool.description,
                parameters: &tool.parameters,
                strict: tool.strict,
            })?;
        }
        if let Some(answer) = self.answer {
            seq.serialize_element(&FunctionTool {
                name: ANSWER_TOOL,
                description: answer.description,
                parameters: answer.parameters,
                strict: answer.strict,
            })?;
        }
        if let Some(search) = self.web_search {
            seq.serialize_element(&WebSearchTool(search))?;
        }
        seq.end()
    }
}

struct FunctionTool<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a Value,
    strict: bool,
}

impl Serialize for FunctionTool<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("type", "function")?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("description", self.description)?;
        map.serialize_entry("parameters", self.parameters)?;
        map.serialize_entry("strict", &self.strict)?;
        map.end()
    }
}

/// The hosted web search tool, `{"type": "web_search", "search_context_size"}` (the current
/// name; `web_search_preview` was the first):
/// <https://platform.openai.com/docs/guides/tools-web-search>. The pages it cites come back as
/// `url_citation` annotations of `output_text` parts.
struct WebSearchTool(WebSearch);

impl Serialize for WebSearchTool {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", "web_search")?;
        if let Some(size) = self.0.search_context_size() {
            map.serialize_entry("search_context_size", size.as_str())?;
        }
        map.end()
    }
}

/// `tool_choice`: `"auto"`, `"required"`, `"none"`, or `{"type": "function", "name": …}`.
struct Choice<'a>(ToolDemand<'a>);

impl Serialize for Choice<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            ToolDemand::Auto => s.serialize_str("auto"),
            ToolDemand::Required => s.serialize_str("required"),
            ToolDemand::None => s.serialize_str("none"),
            ToolDemand::Function(name) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("type", "function")?;
                map.serialize_entry("name", name)?;
                map.end()
            }
        }
    }
}

/// The fields kept on an assistant turn: its reasoning items, when any carry what the API
/// needs to read them again.
pub(super) fn turn_state(reasoning: Vec<Value>) -> Map<String, Value> {
    let mut fields = Map::new();
    if !reasoning.is_empty() {
        fields.insert(REASONING_ITEMS.into(), Value::Array(reasoning));
    }
    fields
}
