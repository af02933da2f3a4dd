//! The arguments of `#[prompt(…)]`: the template (positional, chat turns or a file) and the
//! request settings, each checked as far as a literal allows.

use crate::crate_path::CratePath;
use crate::errors::Errors;
use crate::suggest;
use crate::tool_list::{self, ToolRef};
use proc_macro2::{Span, TokenStream, TokenTree};
use std::ops::Range;
use std::path::Path;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, Lit, LitStr, Token, UnOp};

/// Everything the attribute says, after validation of each value on its own.
pub struct Args {
    /// The messages in order: optional system message, then user/assistant turns.
    pub messages: Vec<Message>,
    /// Request settings that end up in the `PromptSpec`.
    pub settings: Settings,
    /// How generated code names the runtime crate.
    pub crate_path: CratePath,
    /// False when the user template is missing or unreadable: checks that need to see every
    /// placeholder (unused parameters) are then skipped, as their errors would be follow-ons.
    pub template_complete: bool,
    /// `history = param`: where the earlier turns go.
    pub history: Option<HistorySlot>,
    /// Every name a `history` key gave, the rejected ones too (a second key, a quoted name):
    /// those parameters are not reported unused on top of the error already given.
    pub history_names: Vec<String>,
}

/// `history = param`: a parameter holding earlier turns, placed as whole messages.
pub struct HistorySlot {
    /// The parameter, as written in the attribute (where errors point).
    pub param: Ident,
    /// The index in [`Args::messages`] before which the turns go (`messages.len()`: after all).
    pub at: usize,
}

/// One message of the prompt template.
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// The template text of the message.
    pub text: TemplateText,
}

/// The speaker of a message, as in chat completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `system = "…"`.
    System,
    /// The positional template, `path = "…"`, or a `user = "…"` turn.
    User,
    /// An `assistant = "…"` few-shot turn.
    Assistant,
}

/// A template string and where it came from, to point errors at the right place.
pub struct TemplateText {
    /// The unescaped template.
    pub value: String,
    /// Where `value` was written.
    pub origin: Origin,
}

/// Where a template was written.
pub enum Origin {
    /// A string literal in the attribute.
    Literal(LitStr),
    /// A file named by `path = "…"`.
    File {
        /// The `path` literal, where errors point.
        lit: LitStr,
        /// The path as written, for messages.
        relative: String,
        /// The resolved path, for `include_str!`.
        absolute: String,
    },
}

impl TemplateText {
    /// The narrowest span for `range` (a byte range of `value`): the exact characters inside
    /// the literal when the compiler supports sub-spans and the literal has no escapes,
    /// otherwise the whole literal.
    pub fn span_of(&self, range: Range<usize>) -> Span {
        match &self.origin {
            Origin::Literal(lit) => literal_subspan(lit, range).unwrap_or_else(|| lit.span()),
            Origin::File { lit, .. } => lit.span(),
        }
    }

    /// An error about `range` of the template; for a file, the message names `file:line:col`.
    pub fn error(&self, range: Range<usize>, message: &str) -> syn::Error {
        match &self.origin {
            Origin::Literal(_) => syn::Error::new(self.span_of(range), message),
            Origin::File { lit, relative, .. } => {
                let (line, column) = line_and_column(&self.value, range.start);
                syn::Error::new(lit.span(), format!("{relative}:{line}:{column}: {message}"))
            }
        }
    }

    /// The absolute path of the template file, if the template came from one.
    pub fn included_file(&self) -> Option<&str> {
        match &self.origin {
            Origin::File { absolute, .. } => Some(absolute),
            Origin::Literal(_) => None,
        }
    }
}

/// The structured-output mode named by `mode = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `"json_schema"`.
    JsonSchema,
    /// `"json_object"`.
    JsonObject,
    /// `"tool"`.
    Tool,
    /// `"prompt"`.
    Prompt,
}

impl Mode {
    const NAMES: [(&'static str, Mode); 4] = [
        ("json_schema", Mode::JsonSchema),
        ("json_object", Mode::JsonObject),
        ("tool", Mode::Tool),
        ("prompt", Mode::Prompt),
    ];

    /// The `CRATE::Mode` variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Mode::JsonSchema => "JsonSchema",
            Mode::JsonObject => "JsonObject",
            Mode::Tool => "Tool",
            Mode::Prompt => "Prompt",
        }
    }
}

/// How much the model reasons, named by `reasoning = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reasoning {
    /// `"low"`.
    Low,
    /// `"medium"`.
    Medium,
    /// `"high"`.
    High,
}

impl Reasoning {
    const NAMES: [&'static str; 3] = ["low", "medium", "high"];

    /// The `CRATE::Reasoning` variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Reasoning::Low => "Low",
            Reasoning::Medium => "Medium",
            Reasoning::High => "High",
        }
    }
}

/// Request settings; `None` means "not set in the attribute".
#[derive(Default)]
pub struct Settings {
    /// `model = "…"`.
    pub model: Option<String>,
    /// `temperature = 0.0..=2.0`.
    pub temperature: Option<f64>,
    /// `top_p = 0.0..=1.0`.
    pub top_p: Option<f64>,
    /// `max_tokens = 1..`.
    pub max_tokens: Option<u32>,
    /// `stop = "…"` or `stop = ["…", …]` (at most 4).
    pub stop: Option<Vec<String>>,
    /// `presence_penalty = -2.0..=2.0`.
    pub presence_penalty: Option<f64>,
    /// `frequency_penalty = -2.0..=2.0`.
    pub frequency_penalty: Option<f64>,
    /// `logit_bias = [(token_id, bias), …]` with bias in -100..=100.
    pub logit_bias: Option<Vec<(u32, i32)>>,
    /// `seed = …` (i64).
    pub seed: Option<i64>,
    /// `end_user = "…"`: the request's `user` field (end-user identifier).
    pub end_user: Option<String>,
    /// `n = 1..`.
    pub n: Option<u32>,
    /// `cache = true | false`: mark the stable prefix of the prompt as cacheable.
    pub cache: Option<bool>,
    /// `reasoning = "low" | "medium" | "high"`.
    pub reasoning: Option<Reasoning>,
    /// `web_search = true | false`: let the model search the web.
    pub web_search: Option<bool>,
    /// `mode = "json_schema" | "json_object" | "tool" | "prompt"`.
    pub mode: Option<Mode>,
    /// `retries = …` (u32).
    pub retries: Option<u32>,
    /// `tools = [get_weather, geo::search, self.lookup]`.
    pub tools: Option<Vec<ToolRef>>,
    /// `max_steps = 1..`: the most rounds of tool calls.
    pub max_steps: Option<u32>,
    /// `tool_choice = "auto" | "required" | "none" | "<a listed tool>"`.
    pub tool_choice: Option<ToolChoice>,
    /// The keys of the endpoints a return type picks (`size`, `voice`, `dimensions`…).
    pub endpoint: crate::endpoint::Keys,
    /// Every `key = value` key, as written (for checks that depend on the return type).
    pub written: Vec<Ident>,
}

/// `tool_choice = "…"`.
pub enum ToolChoice {
    /// `"auto"`.
    Auto,
    /// `"required"`.
    Required,
    /// `"none"`.
    None,
    /// The name of one of the `tools`.
    Function(LitStr),
}

impl ToolChoice {
    /// The `ChoiceDecl` variant name.
    pub fn variant(&self) -> &'static str {
        match self {
            ToolChoice::Auto => "Auto",
            ToolChoice::Required => "Required",
            ToolChoice::None => "None",
            ToolChoice::Function(_) => "Function",
        }
    }
}

/// Every key, in the order error messages list them.
const KEYS: &[&str] = &[
    "system",
    "user",
    "assistant",
    "path",
    "system_path",
    "history",
    "model",
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "seed",
    "end_user",
    "n",
    "cache",
    "reasoning",
    "web_search",
    "mode",
    "retries",
    "tools",
    "max_steps",
    "tool_choice",
    "size",
    "quality",
    "style",
    "background",
    "format",
    "voice",
    "speed",
    "instructions",
    "dimensions",
    "encoding_format",
    "batch_size",
    "language",
    "segments",
    "translate",
    "top_n",
    "return_documents",
    "crate",
];

/// Keys that may appear more than once (chat turns).
const REPEATABLE: &[&str] = &["user", "assistant"];

const MAX_STOP_SEQUENCES: usize = 4;

/// One comma-separated item of the attribute.
enum Item {
    Template(LitStr),
    KeyValue { key: Ident, value: Expr },
}

/// Template-related items, kept with their position until the form is known.
#[derive(Default)]
struct TemplateParts {
    positional: Option<LitStr>,
    system: Option<(usize, Ident, LitStr)>,
    /// `system_path = "…"`: the system text from a file.
    system_path: Option<(usize, Ident, LitStr)>,
    turns: Vec<(usize, Ident, Role, LitStr)>,
    /// `history = param`, with its item index (its place among the turns).
    history: Option<(usize, Ident)>,
    /// See [`Args::history_names`].
    history_names: Vec<String>,
    path: Option<(Ident, LitStr)>,
    /// Something meant as a template failed to parse (already reported), so a "missing
    /// template" error would be a follow-on.
    malformed: bool,
}

/// Parses the attribute, recording every problem in `errors` and returning what could be
/// understood, so later passes can still report their own errors.
pub fn parse(attr: TokenStream, errors: &mut Errors) -> Args {
    let mut collected = Collected::default();
    let mut seen: Vec<String> = Vec::new();

    for (index, tokens) in split_items(attr, errors).into_iter().enumerate() {
        let Some(item) = errors.ok(parse_item.parse2(tokens)) else {
            collected.parts.malformed = true;
            continue;
        };
        match item {
            Item::Template(lit) => {
                if collected.parts.positional.is_some() {
                    errors.spanned(
                        &lit,
                        "#[prompt] takes one positional template string; this is a second one",
                    );
                } else {
                    collected.parts.positional = Some(lit);
                }
            }
            Item::KeyValue { key, value } => {
                let name = key.unraw().to_string();
                collected.settings.written.push(key.clone());
                if !REPEATABLE.contains(&name.as_str()) && KEYS.contains(&name.as_str()) {
                    if seen.contains(&name) && name == "history" {
                        collected.parts.history_names.extend(named_in(&value));
                        errors.at(
                            key.span(),
                            "the history is placed once: this is a second `history = …`; \
                             give the prompt one parameter holding every earlier turn \
                             (a `Vec<Message>` or a `Conversation`)",
                        );
                        continue;
                    }
                    if seen.contains(&name) {
                        errors.at(key.span(), format!("duplicate #[prompt] argument `{name}`"));
                        continue;
                    }
                    seen.push(name.clone());
                }
                collected.apply(index, &name, key, &value, errors);
            }
        }
    }

    check_tool_choice(&collected.settings, errors);
    let history_names = std::mem::take(&mut collected.parts.history_names);
    let (messages, template_complete, history) = messages(collected.parts, errors);
    Args {
        messages,
        settings: collected.settings,
        crate_path: collected.crate_path.unwrap_or_default(),
        template_complete,
        history,
        history_names,
    }
}

/// Splits at top-level commas; commas inside brackets belong to their group already.
fn split_items(attr: TokenStream, errors: &mut Errors) -> Vec<TokenStream> {
    let mut items = Vec::new();
    let mut current = Vec::new();
    for tree in attr {
        match &tree {
            TokenTree::Punct(punct) if punct.as_char() == ',' => {
                if current.is_empty() {
                    errors.at(punct.span(), "unexpected `,` in #[prompt] arguments");
                } else {
                    items.push(current.drain(..).collect());
                }
            }
            _ => current.push(tree),
        }
    }
    if !current.is_empty() {
        items.push(current.into_iter().collect());
    }
    items
}

fn parse_item(input: ParseStream<'_>) -> syn::Result<Item> {
    let item = if input.peek(LitStr) {
        Item::Template(input.parse()?)
    } else if input.peek(Lit) {
        let lit: Lit = input.parse()?;
        return Err(syn::Error::new_spanned(
            lit,
            "the prompt template must be a string literal, e.g. #[prompt(\"Summarise: {text}\")]",
        ));
    } else if input.peek(Ident::peek_any) {
        let key = Ident::parse_any(input)?;
        if input.is_empty() || input.peek(syn::token::Paren) {
            return Err(syn::Error::new(key.span(), format!("expected `{key} = …`")));
        }
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Item::KeyValue { key, value }
    } else {
        return Err(input.error("expected the template string or `key = value` in #[prompt(…)]"));
    };
    if !input.is_empty() {
        return Err(input.error("expected `,`"));
    }
    Ok(item)
}

/// What the items said so far.
#[derive(Default)]
struct Collected {
    settings: Settings,
    crate_path: Option<CratePath>,
    parts: TemplateParts,
}

impl Collected {
    fn apply(&mut self, index: usize, name: &str, key: Ident, value: &Expr, errors: &mut Errors) {
        let Collected {
            settings,
            crate_path,
            parts,
        } = self;
        match name {
            "system" => match errors.ok(string(name, value, "\"You are terse.\"")) {
                Some(lit) => parts.system = Some((index, key, lit)),
                None => parts.malformed = true,
            },
            "user" | "assistant" => {
                let role = if name == "user" {
                    Role::User
                } else {
                    Role::Assistant
                };
                match errors.ok(string(name, value, "\"{question}\"")) {
                    Some(lit) => parts.turns.push((index, key, role, lit)),
                    None => parts.malformed = true,
                }
            }
            "system_path" => match errors.ok(string(name, value, "\"prompts/system.md\"")) {
                Some(lit) => parts.system_path = Some((index, key, lit)),
                None => parts.malformed = true,
            },
            "history" => {
                parts.history_names.extend(named_in(value));
                match errors.ok(parameter_name(name, value)) {
                    Some(param) => parts.history = Some((index, param)),
                    None => parts.malformed = true,
                }
            }
            "path" => match errors.ok(string(name, value, "\"prompts/extract.md\"")) {
                Some(lit) => parts.path = Some((key, lit)),
                None => parts.malformed = true,
            },
            "model" => {
                settings.model = errors.ok(non_empty_string(name, value, "\"gpt-4o-mini\""));
            }
            "end_user" => {
                settings.end_user = errors.ok(non_empty_string(name, value, "\"user-1234\""));
            }
            "temperature" => {
                settings.temperature = errors.ok(float_in(name, value, 0.0, 2.0));
            }
            "top_p" => settings.top_p = errors.ok(float_in(name, value, 0.0, 1.0)),
            "presence_penalty" => {
                settings.presence_penalty = errors.ok(float_in(name, value, -2.0, 2.0));
            }
            "frequency_penalty" => {
                settings.frequency_penalty = errors.ok(float_in(name, value, -2.0, 2.0));
            }
            "max_tokens" => {
                settings.max_tokens = errors.ok(u32_at_least(name, value, 1, "256"));
            }
            "n" => settings.n = errors.ok(u32_at_least(name, value, 1, "3")),
            "cache" => settings.cache = errors.ok(boolean(name, value)),
            "reasoning" => settings.reasoning = errors.ok(reasoning(value)),
            "web_search" => settings.web_search = errors.ok(boolean(name, value)),
            "retries" => {
                settings.retries = errors.ok(u32_at_least(name, value, 0, "2"));
            }
            "seed" => {
                settings.seed = errors.ok(integer(name, value, "42").and_then(|n| {
                    i64::try_from(n).map_err(|_| out_of_range(value, name, "an i64"))
                }));
            }
            "stop" => settings.stop = errors.ok(stop(value)),
            "logit_bias" => settings.logit_bias = errors.ok(logit_bias(value)),
            "mode" => settings.mode = errors.ok(mode(value)),
            "tools" => settings.tools = errors.ok(tool_list::parse_array(ungroup(value))),
            "max_steps" => {
                settings.max_steps = errors.ok(u32_at_least(name, value, 1, "5"));
            }
            "tool_choice" => settings.tool_choice = errors.ok(tool_choice(value)),
            "size" | "quality" | "style" | "background" | "format" | "voice" | "speed"
            | "instructions" | "dimensions" | "encoding_format" | "batch_size" | "language"
            | "segments" | "translate" | "top_n" | "return_documents" => {
                endpoint_key(&mut settings.endpoint, name, value, errors);
            }
            "crate" => *crate_path = errors.ok(CratePath::from_value(value)),
            "template" => {
                errors.at(
                    key.span(),
                    "the template is positional: write #[prompt(\"… {param} …\", …)] without \
                 `template =`",
                );
                // Check the template anyway, so this mistake does not hide others.
                if let Ok(lit) = string(name, value, "\"…\"") {
                    parts.positional.get_or_insert(lit);
                }
            }
            _ => errors.at(
                key.span(),
                format!(
                    "unknown #[prompt] argument `{name}`{}; valid arguments: a positional template \
                 string, {}",
                    suggest::did_you_mean(name, KEYS.iter().copied()),
                    KEYS.join(", ")
                ),
            ),
        }
    }
}

/// A key of the endpoints a return type picks, checked as far as a literal allows (whether it
/// suits the return type is `endpoint::check`'s business).
fn endpoint_key(keys: &mut crate::endpoint::Keys, name: &str, value: &Expr, errors: &mut Errors) {
    use crate::endpoint::{BACKGROUNDS, ENCODINGS, MAX_BATCH, QUALITIES, STYLES};
    match name {
        "size" => keys.size = errors.ok(non_empty_string(name, value, "\"1024x1024\"")),
        "quality" => keys.quality = errors.ok(one_of(name, value, QUALITIES)),
        "style" => keys.style = errors.ok(one_of(name, value, STYLES)),
        "background" => keys.background = errors.ok(one_of(name, value, BACKGROUNDS)),
        "format" => keys.format = errors.ok(non_empty_string(name, value, "\"png\"")),
        "voice" => keys.voice = errors.ok(non_empty_string(name, value, "\"alloy\"")),
        "speed" => keys.speed = errors.ok(float_in(name, value, 0.25, 4.0)),
        "instructions" => {
            keys.instructions = errors.ok(non_empty_string(name, value, "\"Speak warmly.\""));
        }
        "dimensions" => keys.dimensions = errors.ok(u32_at_least(name, value, 1, "256")),
        "encoding_format" => keys.encoding_format = errors.ok(one_of(name, value, ENCODINGS)),
        "language" => keys.language = errors.ok(non_empty_string(name, value, "\"en\"")),
        "segments" => keys.segments = errors.ok(boolean(name, value)),
        "translate" => keys.translate = errors.ok(boolean(name, value)),
        "top_n" => keys.top_n = errors.ok(u32_at_least(name, value, 1, "3")),
        "return_documents" => keys.return_documents = errors.ok(boolean(name, value)),
        _ => {
            keys.batch_size = errors.ok(u32_at_least(name, value, 1, "100").and_then(|n| {
                if n > MAX_BATCH {
                    Err(syn::Error::new_spanned(
                        value,
                        format!("`{name}` must be at most {MAX_BATCH}, got {n}"),
                    ))
                } else {
                    Ok(n)
                }
            }));
        }
    }
}

/// `true` or `false`.
fn boolean(key: &str, value: &Expr) -> syn::Result<bool> {
    match ungroup(value) {
        Expr::Lit(expr) => match &expr.lit {
            Lit::Bool(lit) => Ok(lit.value),
            _ => Err(expected(value, key, "`true` or `false`", "true")),
        },
        _ => Err(expected(value, key, "`true` or `false`", "true")),
    }
}

/// A string literal that is one of `values`.
fn one_of(key: &str, value: &Expr, values: &[&str]) -> syn::Result<String> {
    let example = format!("\"{}\"", values[0]);
    let text = non_empty_string(key, value, &example)?;
    if values.contains(&text.as_str()) {
        return Ok(text);
    }
    Err(syn::Error::new_spanned(
        value,
        format!(
            "`{key} = \"{text}\"` is not one of {}{}",
            values.join(", "),
            suggest::did_you_mean(&text, values.iter().copied())
        ),
    ))
}

/// Decides the template form and checks that the parts fit together. Returns the messages
/// and whether they contain the whole user template.
///
/// After a conflict (positional template and turns) every part is kept, so placeholder checks
/// still see all of them; no code is generated anyway.
fn messages(
    parts: TemplateParts,
    errors: &mut Errors,
) -> (Vec<Message>, bool, Option<HistorySlot>) {
    let TemplateParts {
        positional,
        system,
        system_path,
        turns,
        history,
        path,
        malformed,
        history_names: _,
    } = parts;
    let mut messages = Vec::new();
    if let (Some(_), Some((_, key, _))) = (&system, &system_path) {
        errors.at(
            key.span(),
            "`system_path` reads the system text from a file and cannot be combined with \
             `system = \"…\"`: keep one of them",
        );
    }
    let system_index = system
        .as_ref()
        .or(system_path.as_ref())
        .map(|(index, key, _)| (*index, key.clone()));
    // History written after the last turn closes the prompt: its own last turn is the question.
    let history_last = match (&history, turns.last()) {
        (Some((history_index, _)), Some((turn_index, ..))) => history_index > turn_index,
        (Some(_), None) => positional.is_none() && path.is_none(),
        (None, _) => false,
    };

    if let Some((_, key, _, _)) = turns.first()
        && positional.is_some()
    {
        let message = if key == "user" {
            "`user = \"…\"` starts a chat turn and cannot be combined with a positional template: \
             write every turn as `user = \"…\"` / `assistant = \"…\"`, or keep only the positional \
             template (the request's end-user identifier is `end_user = \"…\"`)"
        } else {
            "`assistant = \"…\"` turns need the chat form: replace the positional template with \
             `user = \"…\"`"
        };
        errors.at(key.span(), message);
    }
    if let Some((key, _)) = &path
        && (positional.is_some() || !turns.is_empty())
    {
        let other = if positional.is_some() {
            "a positional template"
        } else {
            "`user`/`assistant` turns"
        };
        errors.at(
            key.span(),
            format!("`path` supplies the user template and cannot be combined with {other}"),
        );
    }
    if let (Some((system_index, key)), Some((turn_index, ..))) = (&system_index, turns.first())
        && system_index > turn_index
    {
        errors.at(
            key.span(),
            "`system` must come before the first `user`/`assistant` turn",
        );
    }
    if let Some((_, _, Role::Assistant, lit)) = turns.last()
        && positional.is_none()
        && !history_last
    {
        errors.spanned(
            lit,
            "the last chat turn must be `user = \"…\"`: the model answers after it",
        );
    }

    if let Some((_, _, lit)) = system {
        messages.push(Message {
            role: Role::System,
            text: literal_text(lit),
        });
    } else if let Some((_, _, lit)) = system_path
        && let Some(text) = errors.ok(read_template_file(lit))
    {
        messages.push(Message {
            role: Role::System,
            text,
        });
    }
    let has_turns = !turns.is_empty();
    // Among the turns, history goes where it is written; with a positional or file template,
    // before that template.
    let history = history.map(|(history_index, param)| {
        let before = turns
            .iter()
            .filter(|(turn_index, ..)| *turn_index < history_index)
            .count();
        HistorySlot {
            param,
            at: messages.len() + before,
        }
    });
    messages.extend(turns.into_iter().map(|(_, _, role, lit)| Message {
        role,
        text: literal_text(lit),
    }));
    // With conflicting forms (reported above) a `path` file is not read, and the template
    // counts as incomplete so its placeholders are not needed.
    let complete = if let Some(lit) = positional {
        messages.push(Message {
            role: Role::User,
            text: literal_text(lit),
        });
        path.is_none()
    } else if let Some((_, lit)) = path {
        !has_turns
            && errors
                .ok(read_template_file(lit))
                .map(|text| {
                    messages.push(Message {
                        role: Role::User,
                        text,
                    });
                })
                .is_some()
    } else if has_turns || history.is_some() {
        true
    } else {
        if !malformed {
            errors.at(
                Span::call_site(),
                "missing prompt template: write #[prompt(\"… {param} …\")], \
                 #[prompt(path = \"prompts/name.md\")] or chat turns with `user = \"…\"`",
            );
        }
        false
    };
    (messages, complete, history)
}

fn literal_text(lit: LitStr) -> TemplateText {
    TemplateText {
        value: lit.value(),
        origin: Origin::Literal(lit),
    }
}

/// Reads the template file of `path = "…"` relative to the crate root. Absolute paths are
/// rejected so the crate builds the same on every machine.
fn read_template_file(lit: LitStr) -> syn::Result<TemplateText> {
    let relative = lit.value();
    if relative.is_empty() {
        return Err(syn::Error::new(lit.span(), "`path` must not be empty"));
    }
    if Path::new(&relative).is_absolute() || relative.starts_with(['/', '\\']) {
        return Err(syn::Error::new(
            lit.span(),
            "`path` must be relative to the crate root (the directory of Cargo.toml), \
             not absolute",
        ));
    }
    let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return Err(syn::Error::new(
            lit.span(),
            "CARGO_MANIFEST_DIR is not set, so `path` cannot be resolved; build with Cargo",
        ));
    };
    let absolute = Path::new(&root).join(&relative);
    let value = std::fs::read_to_string(&absolute).map_err(|error| {
        syn::Error::new(
            lit.span(),
            format!("cannot read prompt file `{}`: {error}", absolute.display()),
        )
    })?;
    let Some(absolute) = absolute.to_str().map(str::to_owned) else {
        return Err(syn::Error::new(
            lit.span(),
            format!("the path `{}` is not valid UTF-8", absolute.display()),
        ));
    };
    Ok(TemplateText {
        value,
        origin: Origin::File {
            lit,
            relative,
            absolute,
        },
    })
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, last)| last)
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Maps a byte range of the literal's value to a sub-span of the literal token. Only plain
/// literals qualify: with escapes (`\n`, `\"`) value offsets and source offsets differ.
/// `subspan` answers `None` on stable compilers, where the whole literal is used instead.
fn literal_subspan(lit: &LitStr, range: Range<usize>) -> Option<Span> {
    let token = lit.token();
    let prefix = value_offset(&token.to_string())?;
    token.subspan(range.start + prefix..range.end + prefix)
}

/// Where the value starts inside a string literal's source (`"…"` → 1, `r##"…"##` → 4), or
/// `None` when escapes make value and source offsets differ.
fn value_offset(source: &str) -> Option<usize> {
    if source.starts_with('"') {
        (!source.contains('\\')).then_some(1)
    } else {
        let rest = source.strip_prefix('r')?;
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        Some(2 + hashes)
    }
}

/// Looks through the invisible groups a `macro_rules!` fragment leaves around a value.
fn ungroup(value: &Expr) -> &Expr {
    match value {
        Expr::Group(group) => ungroup(&group.expr),
        Expr::Paren(paren) => ungroup(&paren.expr),
        other => other,
    }
}

/// The name a key's value gives, written bare or (by mistake) quoted.
fn named_in(value: &Expr) -> Option<String> {
    match ungroup(value) {
        Expr::Path(path) => path.path.get_ident().map(|ident| ident.unraw().to_string()),
        Expr::Lit(expr) => match &expr.lit {
            Lit::Str(lit) => Some(lit.value()),
            _ => None,
        },
        _ => None,
    }
}

/// The parameter a key names, written as a bare identifier (`history = thread`).
fn parameter_name(key: &str, value: &Expr) -> syn::Result<Ident> {
    if let Expr::Path(path) = ungroup(value)
        && path.qself.is_none()
        && let Some(ident) = path.path.get_ident()
    {
        return Ok(ident.clone());
    }
    Err(syn::Error::new_spanned(
        value,
        format!(
            "`{key}` names the parameter holding the earlier turns, without quotes: \
             `{key} = thread`"
        ),
    ))
}

fn string(key: &str, value: &Expr, example: &str) -> syn::Result<LitStr> {
    match ungroup(value) {
        Expr::Lit(expr) => match &expr.lit {
            Lit::Str(lit) => Ok(lit.clone()),
            _ => Err(expected(value, key, "a string literal", example)),
        },
        _ => Err(expected(value, key, "a string literal", example)),
    }
}

fn non_empty_string(key: &str, value: &Expr, example: &str) -> syn::Result<String> {
    let lit = string(key, value, example)?;
    let text = lit.value();
    if text.is_empty() {
        return Err(syn::Error::new_spanned(
            lit,
            format!("`{key}` must not be empty"),
        ));
    }
    Ok(text)
}

/// A number literal (integer or float, optionally negated) checked against `min..=max`.
fn float_in(key: &str, value: &Expr, min: f64, max: f64) -> syn::Result<f64> {
    let example = if min < 0.0 { "0.5" } else { "0.7" };
    let (negative, lit) =
        signed_literal(value).ok_or_else(|| expected(value, key, "a number literal", example))?;
    let magnitude = match lit {
        Lit::Float(lit) => lit.base10_parse::<f64>()?,
        Lit::Int(lit) => lit.base10_parse::<f64>()?,
        _ => return Err(expected(value, key, "a number literal", example)),
    };
    let number = if negative { -magnitude } else { magnitude };
    if !(min..=max).contains(&number) {
        return Err(syn::Error::new_spanned(
            value,
            format!("`{key}` must be between {min} and {max}, got {number}"),
        ));
    }
    Ok(number)
}

/// An integer literal, optionally negated; range checks are the caller's.
fn integer(key: &str, value: &Expr, example: &str) -> syn::Result<i128> {
    match signed_literal(value) {
        Some((negative, Lit::Int(lit))) => {
            let magnitude = lit
                .base10_parse::<i128>()
                .map_err(|_| out_of_range(value, key, "an i64"))?;
            Ok(if negative { -magnitude } else { magnitude })
        }
        _ => Err(expected(value, key, "an integer literal", example)),
    }
}

fn u32_at_least(key: &str, value: &Expr, min: u32, example: &str) -> syn::Result<u32> {
    let number = integer(key, value, example)?;
    if number < i128::from(min) {
        return Err(syn::Error::new_spanned(
            value,
            format!("`{key}` must be at least {min}, got {number}"),
        ));
    }
    u32::try_from(number).map_err(|_| out_of_range(value, key, "a u32"))
}

fn signed_literal(value: &Expr) -> Option<(bool, &Lit)> {
    match ungroup(value) {
        Expr::Lit(expr) => Some((false, &expr.lit)),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match ungroup(&unary.expr) {
            Expr::Lit(expr) => Some((true, &expr.lit)),
            _ => None,
        },
        _ => None,
    }
}

fn stop(value: &Expr) -> syn::Result<Vec<String>> {
    const EXAMPLE: &str = "[\"\\n\\n\", \"END\"]";
    let literals = match ungroup(value) {
        Expr::Array(array) => array
            .elems
            .iter()
            .map(|elem| string("stop", elem, "\"END\""))
            .collect::<syn::Result<Vec<_>>>()?,
        _ => vec![string("stop", value, EXAMPLE).map_err(|_| {
            expected(
                value,
                "stop",
                "a string literal or an array of them",
                EXAMPLE,
            )
        })?],
    };
    if literals.len() > MAX_STOP_SEQUENCES {
        return Err(syn::Error::new_spanned(
            value,
            format!(
                "`stop` takes at most {MAX_STOP_SEQUENCES} sequences, got {}",
                literals.len()
            ),
        ));
    }
    literals
        .into_iter()
        .map(|lit| {
            let text = lit.value();
            if text.is_empty() {
                Err(syn::Error::new_spanned(
                    lit,
                    "a stop sequence must not be empty",
                ))
            } else {
                Ok(text)
            }
        })
        .collect()
}

fn logit_bias(value: &Expr) -> syn::Result<Vec<(u32, i32)>> {
    const EXAMPLE: &str = "[(50256, -100), (13, 5)]";
    let Expr::Array(array) = ungroup(value) else {
        return Err(expected(
            value,
            "logit_bias",
            "an array of `(token_id, bias)` pairs",
            EXAMPLE,
        ));
    };
    let mut pairs: Vec<(u32, i32)> = Vec::with_capacity(array.elems.len());
    for elem in &array.elems {
        let Expr::Tuple(tuple) = ungroup(elem) else {
            return Err(expected(
                elem,
                "logit_bias",
                "`(token_id, bias)` pairs",
                EXAMPLE,
            ));
        };
        let [token, bias] = [tuple.elems.first(), tuple.elems.get(1)];
        let (Some(token), Some(bias), 2) = (token, bias, tuple.elems.len()) else {
            return Err(expected(
                elem,
                "logit_bias",
                "`(token_id, bias)` pairs",
                EXAMPLE,
            ));
        };
        let token_id = integer("logit_bias", token, EXAMPLE)?;
        let token_id = u32::try_from(token_id).map_err(|_| {
            syn::Error::new_spanned(token, "a token id must be a u32 (0 to 4294967295)")
        })?;
        let bias_value = integer("logit_bias", bias, EXAMPLE)?;
        let bias_value = i32::try_from(bias_value)
            .ok()
            .filter(|b| (-100..=100).contains(b))
            .ok_or_else(|| {
                syn::Error::new_spanned(
                    bias,
                    format!("a logit bias must be between -100 and 100, got {bias_value}"),
                )
            })?;
        if pairs.iter().any(|(seen, _)| *seen == token_id) {
            return Err(syn::Error::new_spanned(
                token,
                format!("token id {token_id} appears twice in `logit_bias`"),
            ));
        }
        pairs.push((token_id, bias_value));
    }
    Ok(pairs)
}

fn mode(value: &Expr) -> syn::Result<Mode> {
    let lit = string("mode", value, "\"json_schema\"")?;
    let text = lit.value();
    Mode::NAMES
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, mode)| *mode)
        .ok_or_else(|| {
            syn::Error::new_spanned(
                &lit,
                format!(
                    "unknown mode \"{text}\"{}; expected one of \"json_schema\", \
                     \"json_object\", \"tool\", \"prompt\"",
                    suggest::did_you_mean(&text, Mode::NAMES.iter().map(|(name, _)| *name))
                ),
            )
        })
}

fn reasoning(value: &Expr) -> syn::Result<Reasoning> {
    Ok(
        match one_of("reasoning", value, &Reasoning::NAMES)?.as_str() {
            "low" => Reasoning::Low,
            "medium" => Reasoning::Medium,
            _ => Reasoning::High,
        },
    )
}

fn tool_choice(value: &Expr) -> syn::Result<ToolChoice> {
    let lit = string("tool_choice", value, "\"auto\"")?;
    Ok(match lit.value().as_str() {
        "auto" => ToolChoice::Auto,
        "required" => ToolChoice::Required,
        "none" => ToolChoice::None,
        _ => ToolChoice::Function(lit),
    })
}

/// A `tool_choice` that names a tool must name one of `tools`.
fn check_tool_choice(settings: &Settings, errors: &mut Errors) {
    let Some(ToolChoice::Function(lit)) = &settings.tool_choice else {
        return;
    };
    let wanted = lit.value();
    let names: Vec<String> = settings.tools.iter().flatten().map(ToolRef::name).collect();
    if names.contains(&wanted) {
        return;
    }
    let listed = if names.is_empty() {
        "no tools are listed: add `tools = [...]`".to_owned()
    } else {
        format!(
            "the tools are {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    errors.spanned(
        lit,
        format!(
            "`tool_choice` is \"auto\", \"required\", \"none\" or the name of a listed tool; \
             `{wanted}` is none of them{}; {listed} (a tool renamed with `#[tool(name = …)]` is \
             chosen per call: `.tool_choice(ToolChoice::function(\"…\"))`)",
            suggest::did_you_mean(&wanted, names.iter().map(String::as_str))
        ),
    );
}

fn expected(value: &Expr, key: &str, kind: &str, example: &str) -> syn::Error {
    syn::Error::new_spanned(
        value,
        format!("`{key}` expects {kind}, e.g. `{key} = {example}`"),
    )
}

fn out_of_range(value: &Expr, key: &str, kind: &str) -> syn::Error {
    syn::Error::new_spanned(
        value,
        format!("`{key}` is out of range: it must fit in {kind}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{ToTokens, quote};

    fn parse_args(attr: TokenStream) -> (Args, Vec<String>) {
        let mut errors = Errors::default();
        let args = parse(attr, &mut errors);
        (args, errors.messages())
    }

    fn parse_ok(attr: TokenStream) -> Args {
        let (args, errors) = parse_args(attr);
        assert_eq!(errors, Vec::<String>::new());
        args
    }

    /// The single error for `attr`, which must contain `fragment`.
    fn single_error(attr: TokenStream, fragment: &str) {
        let (_, errors) = parse_args(attr);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains(fragment),
            "{:?} lacks {fragment:?}",
            errors[0]
        );
    }

    fn roles_and_values(args: &Args) -> Vec<(Role, String)> {
        args.messages
            .iter()
            .map(|m| (m.role, m.text.value.clone()))
            .collect()
    }

    #[test]
    fn positional_template_is_the_user_message() {
        let args = parse_ok(quote!("Summarise: {text}"));
        assert_eq!(
            roles_and_values(&args),
            [(Role::User, "Summarise: {text}".to_owned())]
        );
        assert!(args.template_complete);
        assert_eq!(
            args.crate_path.to_token_stream().to_string(),
            quote!(::promptfn).to_string()
        );
    }

    #[test]
    fn system_comes_first_wherever_it_is_written() {
        let args = parse_ok(quote!(system = "Be brief.", "Q: {q}", model = "m",));
        assert_eq!(
            roles_and_values(&args),
            [
                (Role::System, "Be brief.".to_owned()),
                (Role::User, "Q: {q}".to_owned())
            ]
        );
        let args = parse_ok(quote!("Q: {q}", system = "Be brief."));
        assert_eq!(args.messages[0].role, Role::System);
    }

    #[test]
    fn chat_turns_keep_their_order() {
        let args = parse_ok(quote!(
            system = "One word.",
            user = "Capital of France?",
            assistant = "Paris",
            user = "Capital of {country}?"
        ));
        let roles: Vec<_> = args.messages.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            [Role::System, Role::User, Role::Assistant, Role::User]
        );
        assert_eq!(args.messages[3].text.value, "Capital of {country}?");
    }

    #[test]
    fn every_setting_is_read() {
        let args = parse_ok(quote!(
            "t",
            model = "gpt-4o-mini",
            temperature = 0.5,
            top_p = 1,
            max_tokens = 256,
            stop = ["\n", "END"],
            presence_penalty = -2,
            frequency_penalty = 2.0,
            logit_bias = [(50256, -100), (13, 100)],
            seed = -7,
            end_user = "u-1",
            n = 2,
            cache = true,
            reasoning = "medium",
            web_search = true,
            mode = "json_object",
            retries = 0,
            crate = ::other::promptfn,
        ));
        let s = &args.settings;
        assert_eq!(s.model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(s.temperature, Some(0.5));
        assert_eq!(s.top_p, Some(1.0));
        assert_eq!(s.max_tokens, Some(256));
        assert_eq!(
            s.stop.as_deref(),
            Some(["\n".to_owned(), "END".to_owned()].as_slice())
        );
        assert_eq!(s.presence_penalty, Some(-2.0));
        assert_eq!(s.frequency_penalty, Some(2.0));
        assert_eq!(
            s.logit_bias.as_deref(),
            Some([(50256, -100), (13, 100)].as_slice())
        );
        assert_eq!(s.seed, Some(-7));
        assert_eq!(s.end_user.as_deref(), Some("u-1"));
        assert_eq!(s.n, Some(2));
        assert_eq!(s.cache, Some(true));
        assert_eq!(s.reasoning, Some(Reasoning::Medium));
        assert_eq!(s.web_search, Some(true));
        assert_eq!(s.mode, Some(Mode::JsonObject));
        assert_eq!(s.retries, Some(0));
        assert_eq!(
            args.crate_path.to_token_stream().to_string(),
            quote!(::other::promptfn).to_string()
        );
    }

    #[test]
    fn every_reasoning_level_maps_to_its_variant() {
        for (name, variant) in [("low", "Low"), ("medium", "Medium"), ("high", "High")] {
            let args = parse_ok(quote!("t", reasoning = #name));
            assert_eq!(
                args.settings.reasoning.map(Reasoning::variant),
                Some(variant)
            );
        }
        single_error(
            quote!("t", reasoning = "hihg"),
            "`reasoning = \"hihg\"` is not one of low, medium, high (did you mean `high`?)",
        );
        single_error(
            quote!("t", cache = "yes"),
            "`cache` expects `true` or `false`, e.g. `cache = true`",
        );
        single_error(
            quote!("t", web_search = "on"),
            "`web_search` expects `true` or `false`, e.g. `web_search = true`",
        );
    }

    #[test]
    fn stop_accepts_a_single_string() {
        let args = parse_ok(quote!("t", stop = "END"));
        assert_eq!(
            args.settings.stop.as_deref(),
            Some(["END".to_owned()].as_slice())
        );
    }

    #[test]
    fn every_mode_name_maps_to_its_variant() {
        for (name, variant) in [
            ("json_schema", "JsonSchema"),
            ("json_object", "JsonObject"),
            ("tool", "Tool"),
            ("prompt", "Prompt"),
        ] {
            let args = parse_ok(quote!("t", mode = #name));
            assert_eq!(args.settings.mode.map(Mode::variant), Some(variant));
        }
    }

    #[test]
    fn unknown_keys_suggest_and_list_valid_keys() {
        single_error(
            quote!("t", temprature = 0.2),
            "unknown #[prompt] argument `temprature` (did you mean `temperature`?); valid \
             arguments: a positional template string, system, user",
        );
        let (_, errors) = parse_args(quote!("t", colour = 1));
        assert!(!errors[0].contains("did you mean"), "{errors:?}");
        assert!(
            errors[0].contains("retries, tools, max_steps, tool_choice, size"),
            "{errors:?}"
        );
        assert!(
            errors[0].contains("translate, top_n, return_documents, crate"),
            "{errors:?}"
        );
    }

    #[test]
    fn duplicate_keys_are_errors_but_turns_repeat() {
        single_error(
            quote!("t", model = "a", model = "b"),
            "duplicate #[prompt] argument `model`",
        );
        single_error(
            quote!("t", "u"),
            "#[prompt] takes one positional template string",
        );
        parse_ok(quote!(
            user = "a",
            assistant = "b",
            user = "c",
            assistant = "d",
            user = "e"
        ));
    }

    #[test]
    fn non_literal_values_name_the_expected_literal() {
        let (_, errors) = parse_args(quote!(
            "t",
            model = MODEL,
            temperature = T,
            max_tokens = 1.5,
            stop = [END],
            mode = JsonSchema,
            logit_bias = 5,
            crate = 1,
        ));
        let expected = [
            "`model` expects a string literal, e.g. `model = \"gpt-4o-mini\"`",
            "`temperature` expects a number literal, e.g. `temperature = 0.7`",
            "`max_tokens` expects an integer literal, e.g. `max_tokens = 256`",
            "`stop` expects a string literal",
            "`mode` expects a string literal",
            "`logit_bias` expects an array of `(token_id, bias)` pairs",
            "`crate` expects a path",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        for (error, fragment) in errors.iter().zip(expected) {
            assert!(error.starts_with(fragment), "{error:?} vs {fragment:?}");
        }
    }

    #[test]
    fn numbers_are_range_checked() {
        let cases = [
            (
                quote!(temperature = 2.5),
                "`temperature` must be between 0 and 2, got 2.5",
            ),
            (
                quote!(temperature = -0.1),
                "`temperature` must be between 0 and 2, got -0.1",
            ),
            (quote!(top_p = 1.01), "`top_p` must be between 0 and 1"),
            (
                quote!(presence_penalty = -3),
                "`presence_penalty` must be between -2 and 2",
            ),
            (
                quote!(frequency_penalty = 2.5),
                "`frequency_penalty` must be between -2 and 2",
            ),
            (
                quote!(max_tokens = 0),
                "`max_tokens` must be at least 1, got 0",
            ),
            (quote!(n = 0), "`n` must be at least 1, got 0"),
            (quote!(n = -1), "`n` must be at least 1, got -1"),
            (
                quote!(retries = 4294967296),
                "`retries` is out of range: it must fit in a u32",
            ),
            (
                quote!(seed = 9223372036854775808),
                "`seed` is out of range: it must fit in an i64",
            ),
            (
                quote!(logit_bias = [(1, 101)]),
                "a logit bias must be between -100 and 100, got 101",
            ),
            (quote!(logit_bias = [(-1, 1)]), "a token id must be a u32"),
            (
                quote!(logit_bias = [(1, 1), (1, 2)]),
                "token id 1 appears twice",
            ),
            (
                quote!(logit_bias = [(1, 2, 3)]),
                "`logit_bias` expects `(token_id, bias)` pairs",
            ),
            (
                quote!(stop = ["a", "b", "c", "d", "e"]),
                "`stop` takes at most 4 sequences, got 5",
            ),
            (quote!(stop = ""), "a stop sequence must not be empty"),
            (quote!(model = ""), "`model` must not be empty"),
        ];
        for (setting, fragment) in cases {
            single_error(quote!("t", #setting), fragment);
        }
    }

    #[test]
    fn seed_accepts_the_whole_i64_range() {
        let args = parse_ok(quote!("t", seed = -9223372036854775808));
        assert_eq!(args.settings.seed, Some(i64::MIN));
    }

    #[test]
    fn unknown_mode_suggests_the_closest() {
        single_error(
            quote!("t", mode = "json_shema"),
            "unknown mode \"json_shema\" (did you mean `json_schema`?); expected one of",
        );
    }

    #[test]
    fn template_forms_cannot_be_mixed() {
        single_error(
            quote!("t {x}", user = "alice"),
            "`user = \"…\"` starts a chat turn and cannot be combined with a positional template",
        );
        single_error(
            quote!("t", assistant = "a"),
            "`assistant = \"…\"` turns need the chat form",
        );
        single_error(
            quote!("t", path = "prompts/x.md"),
            "`path` supplies the user template and cannot be combined with a positional template",
        );
        single_error(
            quote!(user = "q", system = "s"),
            "`system` must come before the first `user`/`assistant` turn",
        );
        single_error(
            quote!(user = "q", assistant = "a"),
            "the last chat turn must be `user = \"…\"`",
        );
    }

    #[test]
    fn conflicting_forms_keep_every_template_for_later_checks() {
        let (args, _) = parse_args(quote!("t {x}", user = "u {y}"));
        assert_eq!(args.messages.len(), 2);
        assert!(args.template_complete);
        let (args, errors) = parse_args(quote!("t {x}", path = "missing.md"));
        assert!(!args.template_complete);
        assert_eq!(errors.len(), 1, "the file is not read: {errors:?}");
        let (args, errors) = parse_args(quote!(user = "u", path = "missing.md"));
        assert!(!args.template_complete);
        assert_eq!(errors.len(), 1, "the file is not read: {errors:?}");
    }

    #[test]
    fn a_missing_template_is_an_error() {
        let (args, errors) = parse_args(quote!(system = "s", model = "m"));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("missing prompt template"));
        assert!(!args.template_complete);
        let (_, errors) = parse_args(TokenStream::new());
        assert!(errors[0].starts_with("missing prompt template"));
    }

    #[test]
    fn template_as_a_key_is_explained_and_still_checked() {
        let (args, errors) = parse_args(quote!(template = "t {x}"));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("the template is positional"));
        assert_eq!(args.messages[0].text.value, "t {x}");
    }

    #[test]
    fn malformed_items_are_errors() {
        single_error(quote!("t", model), "expected `model = …`");
        single_error(quote!("t", model("m")), "expected `model = …`");
        single_error(quote!("t",, model = "m"), "unexpected `,`");
        single_error(quote!(42), "the prompt template must be a string literal");
        single_error(quote!(user = 42), "`user` expects a string literal");
        single_error(
            quote!("t", ::x = 1),
            "expected the template string or `key = value`",
        );
        single_error(quote!("t" "u"), "expected `,`");
        parse_ok(quote!("t",));
    }

    #[test]
    fn independent_errors_are_all_reported() {
        let (_, errors) = parse_args(quote!(
            "t",
            temprature = 1,
            top_p = 2,
            model = "a",
            model = "b",
            mode = "x"
        ));
        assert_eq!(errors.len(), 4, "{errors:#?}");
    }

    #[test]
    fn path_reads_the_file_relative_to_the_crate_root() {
        let args = parse_ok(quote!(path = "testdata/prompts/triage.md"));
        let text = &args.messages[0].text;
        assert!(text.value.starts_with("You are given a support ticket."));
        let included = text.included_file().expect("a file template");
        assert!(included.ends_with("testdata/prompts/triage.md"));
        assert!(Path::new(included).is_absolute());
    }

    #[test]
    fn path_errors() {
        single_error(
            quote!(path = "/etc/prompt.md"),
            "`path` must be relative to the crate root",
        );
        single_error(
            quote!(path = "testdata/prompts/nope.md"),
            "cannot read prompt file `",
        );
        single_error(quote!(path = ""), "`path` must not be empty");
    }

    #[test]
    fn file_template_errors_name_file_line_and_column() {
        let args = parse_ok(quote!(path = "testdata/prompts/triage.md"));
        let text = &args.messages[0].text;
        let offset = text
            .value
            .find("{language}")
            .expect("placeholder in fixture");
        let error = text.error(offset..offset + 10, "boom");
        assert_eq!(error.to_string(), "testdata/prompts/triage.md:6:11: boom");
    }

    #[test]
    fn line_and_column_count_chars_from_one() {
        assert_eq!(line_and_column("abc", 0), (1, 1));
        assert_eq!(line_and_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_and_column("é\nü{x}", 5), (2, 2));
    }

    #[test]
    fn value_offsets_follow_the_literal_prefix() {
        assert_eq!(value_offset("\"plain {x}\""), Some(1));
        assert_eq!(value_offset("\"esc\\n {x}\""), None);
        assert_eq!(value_offset("r\"raw\""), Some(2));
        assert_eq!(value_offset("r##\"raw\"##"), Some(4));
    }

    #[test]
    fn tool_keys_are_read() {
        let args = parse_ok(quote!(
            "t",
            tools = [get_weather, geo::search, self.lookup],
            max_steps = 3,
            tool_choice = "search"
        ));
        let names: Vec<_> = args
            .settings
            .tools
            .iter()
            .flatten()
            .map(ToolRef::name)
            .collect();
        assert_eq!(names, ["get_weather", "search", "lookup"]);
        assert_eq!(args.settings.max_steps, Some(3));
        assert!(matches!(
            args.settings.tool_choice,
            Some(ToolChoice::Function(_))
        ));
        for (choice, variant) in [("auto", "Auto"), ("required", "Required"), ("none", "None")] {
            let args = parse_ok(quote!("t", tool_choice = #choice));
            assert_eq!(
                args.settings.tool_choice.map(|c| c.variant()),
                Some(variant)
            );
        }
    }

    #[test]
    fn tool_key_errors() {
        single_error(quote!("t", tools = get_weather), "`tools` expects an array");
        single_error(
            quote!("t", max_steps = 0),
            "`max_steps` must be at least 1, got 0",
        );
        single_error(
            quote!("t", tool_choice = auto),
            "`tool_choice` expects a string literal",
        );
        single_error(
            quote!("t", tools = [get_weather], tool_choice = "get_wether"),
            "`get_wether` is none of them (did you mean `get_weather`?); the tools are `get_weather`",
        );
        single_error(
            quote!("t", tool_choice = "search"),
            "no tools are listed: add `tools = [...]`",
        );
    }
}
