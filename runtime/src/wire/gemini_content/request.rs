//! The `generateContent` request body
//! (<https://ai.google.dev/api/generate-content#request-body>): `systemInstruction`,
//! `contents` (roles `user` and `model`), `tools`, `toolConfig` and `generationConfig`. A streamed
//! request sends the same body to another path.

use serde::Serialize;
use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::media::{Payload, ResolvedMedia};
use crate::message::{Message, Part, Role, ToolCall};
use crate::model_family::ModelFamily;
use crate::params::StrList;
use crate::reasoning::Reasoning;
use crate::schema::SchemaDialect;
use crate::structured::{ANSWER_TOOL, Mode};

use super::super::dialect::{Dialect, Request, ToolDemand};

/// Room for the body's keys and settings besides its text.
const REQUEST_FRAME_BYTES: usize = 512;

/// What the model is told the forced `answer` tool is for (`Tool` mode).
const ANSWER_TOOL_DESCRIPTION: &str =
    "Give your answer by calling this function with it as the arguments.";

/// The body of `request`, as bytes ready to send.
pub(crate) fn encode(request: &Request<'_>) -> Result<Vec<u8>> {
    if request.sampling.logit_bias.is_some() {
        return Err(Error::Config(
            "Gemini's generateContent has no logit_bias: remove it from this call, or reach the \
             model through a chat-completions endpoint that takes it"
                .into(),
        ));
    }
    let suffix = request.output.and_then(|o| o.instruction);
    let (system, contents) = turns(request.conversation, suffix)?;
    let mode = request.output.map(|o| o.mode);
    // The schema (return type and tool parameters alike) is compiled for the model's family:
    // Gemini's own subset goes in `responseSchema`/`parameters`, any other JSON Schema in
    // `responseJsonSchema`/`parametersJsonSchema`.
    let family = ModelFamily::of(request.model);
    let native_schema = |mode| family.dialect(mode) == SchemaDialect::Gemini;
    let answer_tool = match request.output {
        Some(output) if output.mode == Mode::Tool => Some(Declaration {
            name: ANSWER_TOOL,
            description: ANSWER_TOOL_DESCRIPTION,
            parameters: &output.schema.schema,
            native_schema: native_schema(Mode::Tool),
        }),
        _ => None,
    };
    let user_tools = request.tools.map(|t| t.toolbox.specs()).unwrap_or_default();
    let declarations: Vec<Declaration<'_>> = user_tools
        .iter()
        .map(|spec| Declaration {
            name: spec.name,
            description: spec.description,
            parameters: &spec.parameters,
            native_schema: native_schema(Mode::Tool),
        })
        .chain(answer_tool)
        .collect();
    let demand = match request.tools {
        Some(tools) => tools.choice,
        // `Tool` mode without tools of the user's: the answer tool must be called.
        None if answer_tool.is_some() => Some(ToolDemand::Function(ANSWER_TOOL)),
        None => None,
    };
    let structured = match (mode, request.output) {
        (Some(Mode::JsonSchema), Some(output)) => Some(ResponseFormat {
            schema: Some(&output.schema.schema),
            native_schema: native_schema(Mode::JsonSchema),
        }),
        (Some(Mode::JsonObject), _) => Some(ResponseFormat {
            schema: None,
            native_schema: false,
        }),
        _ => None,
    };
    let sampling = request.sampling;
    let body = Body {
        system_instruction: (!system.is_empty()).then_some(SystemInstruction { parts: &system }),
        contents: Contents {
            turns: &contents,
            media: request.media,
        },
        tools: tools(&declarations, request.web_search.is_some()),
        tool_config: demand.map(|demand| ToolConfig {
            function_calling_config: CallingConfig(demand),
        }),
        generation_config: GenerationConfig {
            temperature: sampling.temperature,
            top_p: sampling.top_p,
            max_output_tokens: sampling.max_tokens,
            stop_sequences: sampling.stop,
            presence_penalty: sampling.presence_penalty,
            frequency_penalty: sampling.frequency_penalty,
            seed: sampling.seed,
            candidate_count: sampling.n,
            format: structured,
            thinking_config: request
                .reasoning
                .map(|level| ThinkingConfig::of(request.model, level)),
        },
    };
    let text: usize = request
        .conversation
        .iter()
        .map(|m| m.as_text().map_or(0, str::len))
        .sum();
    let capacity = request
        .media
        .map_or(0, |m| m.body_capacity(request.conversation))
        .max(REQUEST_FRAME_BYTES + text);
    let mut out = Vec::with_capacity(capacity);
    let written = serde_json::to_writer(&mut out, &body);
    if let Some(failure) = request.media.and_then(ResolvedMedia::take_failure) {
        return Err(failure.into());
    }
    written.map_err(|e| Error::Config(format!("the request could not be encoded: {e}")))?;
    Ok(out)
}

/// One `Content` of `contents`.
struct Turn<'a> {
    role: &'static str,
    parts: Vec<PartOut<'a>>,
}

/// One part of a turn, borrowing what it sends.
enum PartOut<'a> {
    /// Text, with the instruction appended to it and the fields kept on the part it came in
    /// (its thought signature).
    Text {
        text: &'a str,
        suffix: Option<&'a str>,
        kept: Option<&'a Map<String, Value>>,
    },
    /// Media part `part` of message `message`, resolved for the target.
    Media { message: usize, part: usize },
    /// A function call the model made, with its arguments as an object.
    Call { call: &'a ToolCall, args: Value },
    /// A tool's result, answering the call named `name`.
    Response {
        id: &'a str,
        name: &'a str,
        response: Value,
    },
}

/// The system text (each system message one part) and the turns of `contents`: user and
/// assistant messages in order, each run of tool results one `user` turn (Gemini wants the
/// results of parallel calls together).
fn turns<'a>(
    conversation: &'a [Message],
    suffix: Option<(usize, &'a str)>,
) -> Result<(Vec<&'a str>, Vec<Turn<'a>>)> {
    let suffix_of = |i: usize| suffix.filter(|(at, _)| *at == i).map(|(_, s)| s);
    let mut system = Vec::new();
    let mut turns: Vec<Turn<'a>> = Vec::new();
    for (i, message) in conversation.iter().enumerate() {
        match message.role {
            Role::System => {
                system.extend(message.parts.iter().filter_map(|p| match p {
                    Part::Text(t) => Some(t.as_str()),
                    Part::Media(_) => None,
                }));
                system.extend(suffix_of(i));
            }
            Role::User => turns.push(Turn {
                role: "user",
                parts: content_parts(message, i, suffix_of(i), None),
            }),
            Role::Assistant => {
                let kept = message.state.fields_for(Dialect::GeminiGenerateContent);
                let mut parts = content_parts(message, i, suffix_of(i), kept);
                parts.extend(message.tool_calls.iter().map(|call| PartOut::Call {
                    call,
                    args: arguments_object(&call.arguments),
                }));
                // A turn with no part at all is refused ("contents.parts must not be empty").
                if !parts.is_empty() {
                    turns.push(Turn {
                        role: "model",
                        parts,
                    });
                }
            }
            Role::Tool => {
                let response = function_response(conversation, i, message, suffix_of(i))?;
                match turns.last_mut() {
                    Some(last)
                        if last.role == "user"
                            && i > 0
                            && conversation[i - 1].role == Role::Tool =>
                    {
                        last.parts.push(response);
                    }
                    _ => turns.push(Turn {
                        role: "user",
                        parts: vec![response],
                    }),
                }
            }
        }
    }
    Ok((system, turns))
}

/// A message's text and media parts; a text-only message is one text part, the instruction
/// appended to it.
fn content_parts<'a>(
    message: &'a Message,
    index: usize,
    suffix: Option<&'a str>,
    kept: Option<&'a Map<String, Value>>,
) -> Vec<PartOut<'a>> {
    if let Some(text) = message.as_text() {
        // An empty text part is sent only to carry a signature back.
        if text.is_empty() && suffix.is_none() && kept.is_none() {
            return Vec::new();
        }
        return vec![PartOut::Text { text, suffix, kept }];
    }
    let mut parts: Vec<PartOut<'a>> = message
        .parts
        .iter()
        .enumerate()
        .map(|(j, part)| match part {
            Part::Text(text) => PartOut::Text {
                text,
                suffix: None,
                kept: None,
            },
            Part::Media(_) => PartOut::Media {
                message: index,
                part: j,
            },
        })
        .collect();
    if let Some(suffix) = suffix {
        parts.push(PartOut::Text {
            text: suffix,
            suffix: None,
            kept: None,
        });
    }
    if let Some(kept) = kept {
        parts.push(PartOut::Text {
            text: "",
            suffix: None,
            kept: Some(kept),
        });
    }
    parts
}

/// `functionCall.args` is an object; arguments that are not one (a call written by hand) travel
/// under `arguments` rather than being dropped.
fn arguments_object(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(Value::Object(args)) => Value::Object(args),
        _ if arguments.trim().is_empty() => json!({}),
        _ => json!({ "arguments": arguments }),
    }
}

/// The `functionResponse` part of a tool result: the name of the call it answers (looked up by
/// id in the turns before it, Gemini pairing results with calls by name) and the result under
/// `output`, as JSON when it is JSON, else as text
/// (<https://ai.google.dev/api/caching#FunctionResponse>).
fn function_response<'a>(
    conversation: &'a [Message],
    index: usize,
    message: &'a Message,
    suffix: Option<&'a str>,
) -> Result<PartOut<'a>> {
    let id = message.tool_call_id.as_deref().unwrap_or_default();
    let name = conversation[..index]
        .iter()
        .rev()
        .flat_map(|m| m.tool_calls.iter())
        .find(|call| call.id == id)
        .map(|call| call.name.as_str())
        .ok_or_else(|| {
            Error::Config(format!(
                "the tool result for call `{id}` answers no tool call of an earlier assistant \
                 turn: Gemini needs the called function's name, so keep the assistant turn \
                 that made the call before its result"
            ))
        })?;
    let mut text = message.text_content();
    if let Some(suffix) = suffix {
        text.push_str(suffix);
    }
    let output = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
    Ok(PartOut::Response {
        id,
        name,
        response: json!({ "output": output }),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    system_instruction: Option<SystemInstruction<'a>>,
    contents: Contents<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<Tool<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_config: Option<ToolConfig<'a>>,
    #[serde(skip_serializing_if = "GenerationConfig::is_empty")]
    generation_config: GenerationConfig<'a>,
}

/// `{"parts": [{"text": …}, …]}`
struct SystemInstruction<'a> {
    parts: &'a [&'a str],
}

impl Serialize for SystemInstruction<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(
            "parts",
            &Seq(self.parts.iter().map(|text| TextOnly { text })),
        )?;
        map.end()
    }
}

#[derive(Serialize)]
struct TextOnly<'a> {
    text: &'a str,
}

/// A sequence serialized from an iterator that can be cloned.
struct Seq<I>(I);

impl<I> Serialize for Seq<I>
where
    I: Iterator + Clone,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

struct Contents<'a> {
    turns: &'a [Turn<'a>],
    media: Option<&'a ResolvedMedia>,
}

impl Serialize for Contents<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.turns.len()))?;
        for turn in self.turns {
            seq.serialize_element(&TurnOut {
                turn,
                media: self.media,
            })?;
        }
        seq.end()
    }
}

/// `{"role": "user" | "model", "parts": […]}`
struct TurnOut<'a> {
    turn: &'a Turn<'a>,
    media: Option<&'a ResolvedMedia>,
}

impl Serialize for TurnOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("role", self.turn.role)?;
        map.serialize_entry(
            "parts",
            &Seq(self.turn.parts.iter().map(|part| PartRef {
                part,
                media: self.media,
            })),
        )?;
        map.end()
    }
}

struct PartRef<'a> {
    part: &'a PartOut<'a>,
    media: Option<&'a ResolvedMedia>,
}

impl Serialize for PartRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self.part {
            PartOut::Text { text, suffix, kept } => {
                match suffix {
                    Some(suffix) => {
                        map.serialize_entry("text", &format_args!("{text}{suffix}"))?;
                    }
                    None => map.serialize_entry("text", text)?,
                }
                write_kept(&mut map, *kept)?;
            }
            PartOut::Media { message, part } => {
                let Some(media) = self.media else {
                    return Err(S::Error::custom(
                        "a media part reached the wire unresolved (promptfn bug: the request \
                         plan needs `with_media`)",
                    ));
                };
                let Some(wire) = media.part(*message, *part) else {
                    return Err(S::Error::custom(format!(
                        "media part {part} of message {message} was not resolved (promptfn bug)"
                    )));
                };
                match &wire.payload {
                    Payload::Url(url) => {
                        map.serialize_entry("fileData", &FileData { file_uri: url })?;
                    }
                    Payload::Inline { mime, .. } => {
                        map.serialize_entry(
                            "inlineData",
                            &Blob {
                                mime_type: mime,
                                data: wire.payload_text(false, media.failure_slot()),
                            },
                        )?;
                    }
                }
            }
            PartOut::Call { call, args } => {
                map.serialize_entry(
                    "functionCall",
                    &FunctionCall {
                        id: &call.id,
                        name: &call.name,
                        args,
                    },
                )?;
                write_kept(
                    &mut map,
                    call.state.fields_for(Dialect::GeminiGenerateContent),
                )?;
            }
            PartOut::Response { id, name, response } => {
                map.serialize_entry("functionResponse", &FunctionResponse { id, name, response })?;
            }
        }
        map.end()
    }
}

/// Writes the fields Gemini attached to a part (its `thoughtSignature`) back beside it.
fn write_kept<M: SerializeMap>(
    map: &mut M,
    kept: Option<&Map<String, Value>>,
) -> std::result::Result<(), M::Error> {
    for (name, value) in kept.into_iter().flatten() {
        map.serialize_entry(name, value)?;
    }
    Ok(())
}

/// `fileData` (<https://ai.google.dev/api/caching#FileData>); the MIME type is optional there
/// and unknown for a URL sent as it is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileData<'a> {
    file_uri: &'a str,
}

/// `inlineData` (<https://ai.google.dev/api/caching#Blob>): the MIME type and bare base64.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Blob<'a, D: Serialize> {
    mime_type: &'a str,
    data: D,
}

/// `functionCall` (<https://ai.google.dev/api/caching#FunctionCall>).
#[derive(Serialize)]
struct FunctionCall<'a> {
    id: &'a str,
    name: &'a str,
    args: &'a Value,
}

/// `functionResponse` (<https://ai.google.dev/api/caching#FunctionResponse>).
#[derive(Serialize)]
struct FunctionResponse<'a> {
    id: &'a str,
    name: &'a str,
    response: &'a Value,
}

/// `generationConfig` (<https://ai.google.dev/api/generate-content#generationconfig>).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_sequences: Option<StrList<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    presence_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frequency_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<i64>,
    /// `n`: Gemini answers several candidates in one response.
    #[serde(skip_serializing_if = "Option::is_none")]
    candidate_count: Option<u32>,
    /// `responseMimeType` and the schema of a structured answer.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    format: Option<ResponseFormat<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking_config: Option<ThinkingConfig>,
}

/// `thinkingConfig` (<https://ai.google.dev/api/generate-content#ThinkingConfig>,
/// <https://ai.google.dev/gemini-api/docs/thinking>): Gemini 3 and later take a
/// `thinkingLevel`, 2.5 models a `thinkingBudget` in tokens (a request with both is refused);
/// `includeThoughts` returns thought summaries, which become `Response::reasoning`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThinkingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking_level: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking_budget: Option<u32>,
    include_thoughts: bool,
}

impl ThinkingConfig {
    fn of(model: &str, level: Reasoning) -> Self {
        let by_level = takes_thinking_level(model);
        Self {
            thinking_level: by_level.then(|| level.as_str()),
            thinking_budget: (!by_level).then(|| level.budget_tokens()),
            include_thoughts: true,
        }
    }
}

/// Whether the model is Gemini 3 or later, whose thinking is set by level. Any other name
/// (2.x, or one without a version) gets a budget, which Gemini 3 also still accepts.
fn takes_thinking_level(model: &str) -> bool {
    let name = model.rsplit('/').next().unwrap_or(model);
    let Some(version) = name.strip_prefix("gemini-") else {
        return false;
    };
    let major: String = version.chars().take_while(char::is_ascii_digit).collect();
    major.parse::<u32>().is_ok_and(|major| major >= 3)
}

impl GenerationConfig<'_> {
    fn is_empty(&self) -> bool {
        self.temperature.is_none()
            && self.top_p.is_none()
            && self.max_output_tokens.is_none()
            && self.stop_sequences.is_none()
            && self.presence_penalty.is_none()
            && self.frequency_penalty.is_none()
            && self.seed.is_none()
            && self.candidate_count.is_none()
            && self.format.is_none()
            && self.thinking_config.is_none()
    }
}

/// JSON output: `responseMimeType: "application/json"`, with the schema in `responseSchema`
/// (Gemini's subset) or `responseJsonSchema` (JSON Schema) when there is one.
#[derive(Clone, Copy)]
struct ResponseFormat<'a> {
    schema: Option<&'a Value>,
    native_schema: bool,
}

impl Serialize for ResponseFormat<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("responseMimeType", "application/json")?;
        if let Some(schema) = self.schema {
            let key = if self.native_schema {
                "responseSchema"
            } else {
                "responseJsonSchema"
            };
            map.serialize_entry(key, schema)?;
        }
        map.end()
    }
}

/// The `tools` list: the function declarations, then Google Search grounding when web search
/// is asked; `None` when there is neither.
fn tools<'a>(declarations: &'a [Declaration<'a>], web_search: bool) -> Option<Vec<Tool<'a>>> {
    let functions = (!declarations.is_empty()).then_some(Tool::Functions {
        function_declarations: declarations,
    });
    let search = web_search.then_some(Tool::GoogleSearch {
        google_search: Empty {},
    });
    let list: Vec<Tool<'a>> = functions.into_iter().chain(search).collect();
    (!list.is_empty()).then_some(list)
}

/// One `Tool` (<https://ai.google.dev/api/caching#Tool>): `{"functionDeclarations": […]}`, or
/// `{"google_search": {}}`, which grounds the answer in Google Search results, reported back in
/// `groundingMetadata` (<https://ai.google.dev/gemini-api/docs/google-search>).
#[derive(Serialize)]
#[serde(untagged)]
enum Tool<'a> {
    Functions {
        #[serde(rename = "functionDeclarations")]
        function_declarations: &'a [Declaration<'a>],
    },
    GoogleSearch {
        google_search: Empty,
    },
}

/// `{}`.
#[derive(Serialize)]
struct Empty {}

/// One `FunctionDeclaration`: the parameters in `parameters` (Gemini's schema subset) or
/// `parametersJsonSchema` (JSON Schema).
#[derive(Clone, Copy)]
struct Declaration<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a Value,
    native_schema: bool,
}

impl Serialize for Declaration<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("description", self.description)?;
        let key = if self.native_schema {
            "parameters"
        } else {
            "parametersJsonSchema"
        };
        map.serialize_entry(key, self.parameters)?;
        map.end()
    }
}

/// `toolConfig` (<https://ai.google.dev/api/caching#ToolConfig>).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolConfig<'a> {
    function_calling_config: CallingConfig<'a>,
}

/// `functionCallingConfig`: `mode` `AUTO`, `ANY` or `NONE`, and `allowedFunctionNames` for one
/// function that must be called.
struct CallingConfig<'a>(ToolDemand<'a>);

impl Serialize for CallingConfig<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self.0 {
            ToolDemand::Auto => map.serialize_entry("mode", "AUTO")?,
            ToolDemand::Required => map.serialize_entry("mode", "ANY")?,
            ToolDemand::None => map.serialize_entry("mode", "NONE")?,
            ToolDemand::Function(name) => {
                map.serialize_entry("mode", "ANY")?;
                map.serialize_entry("allowedFunctionNames", &[name])?;
            }
        }
        map.end()
    }
}
