//! What a `#[prompt]` declaration is at run time: its fixed settings ([`PromptSpec`],
//! [`Decl`]) and the builder its generated code renders the prompt with ([`PromptBuilder`]).
//! Generated code reaches these through `__private`; the runtime reads them from here.

use std::fmt;

use crate::cache::StablePrefix;
use crate::call::{Call, Declared, Validator};
use crate::history::History;
use crate::message::{Message, Part, Role};
use crate::output::{Output, OutputCache};
use crate::reasoning::Reasoning;
use crate::structured::Mode;
use crate::tool::{ChoiceDecl, Tool};

/// What a `#[prompt]` declares, fixed at compile time: one `static` per function.
///
/// The declared keys sit in [`Decl`], which has no destructor, so that generated code can fill
/// them with `..Decl::DEFAULT` inside a `static` (a struct with a `OnceLock` cannot be).
#[derive(Debug)]
pub struct PromptSpec {
    /// The function's name, for errors, logs and test doubles.
    pub name: &'static str,
    /// The type name of an item declared in the function's body
    /// (`my_app::Planner::run::__promptfn_site`): read by `PromptSpec::function_path`,
    /// which tells apart functions of the same name (methods named `run` on two types).
    pub site: fn() -> &'static str,
    /// The declared keys.
    pub decl: Decl,
    /// The compiled return-type schema, computed on first use.
    pub output: OutputCache,
}

impl PromptSpec {
    /// The function's path, `my_app::Planner::run`: the site's type name without the item
    /// generated code declares there (a hand-written site may give the path itself).
    pub(crate) fn function_path(&self) -> &'static str {
        let site = (self.site)();
        site.strip_suffix("::__promptfn_site").unwrap_or(site)
    }
}

/// The keys of a `#[prompt(…)]` attribute.
#[derive(Debug, Clone, Copy)]
pub struct Decl {
    /// `model = "…"`.
    pub model: Option<&'static str>,
    /// `temperature = …`.
    pub temperature: Option<f64>,
    /// `top_p = …`.
    pub top_p: Option<f64>,
    /// `max_tokens = …`.
    pub max_tokens: Option<u32>,
    /// Empty when not set.
    pub stop: &'static [&'static str],
    /// `presence_penalty = …`.
    pub presence_penalty: Option<f64>,
    /// `frequency_penalty = …`.
    pub frequency_penalty: Option<f64>,
    /// `(token id, bias)`; empty when not set.
    pub logit_bias: &'static [(u32, i32)],
    /// `seed = …`.
    pub seed: Option<i64>,
    /// `end_user = "…"`: the request's end-user identifier.
    pub end_user: Option<&'static str>,
    /// `n = …`: how many answers.
    pub n: Option<u32>,
    /// `cache = true`: mark the stable prefix of the prompt as cacheable.
    pub cache: Option<bool>,
    /// `reasoning = "…"`: how much the model reasons.
    pub reasoning: Option<Reasoning>,
    /// `web_search = true`: let the model search the web.
    pub web_search: Option<bool>,
    /// `mode = "…"`: the structured-output mode.
    pub mode: Option<Mode>,
    /// `retries = …`: re-asks after an unusable answer.
    pub retries: Option<u32>,
    /// The most rounds of tool calls (`max_steps = …`).
    pub max_steps: Option<u32>,
    /// `tool_choice = "…"`.
    pub tool_choice: Option<ChoiceDecl>,
}

impl Decl {
    /// Nothing declared; generated code ends its initializer with `..Decl::DEFAULT`.
    pub const DEFAULT: Decl = Decl {
        model: None,
        temperature: None,
        top_p: None,
        max_tokens: None,
        stop: &[],
        presence_penalty: None,
        frequency_penalty: None,
        logit_bias: &[],
        seed: None,
        end_user: None,
        n: None,
        cache: None,
        reasoning: None,
        web_search: None,
        mode: None,
        retries: None,
        max_steps: None,
        tool_choice: None,
    };
}

/// Renders a declaration's template into messages, argument by argument.
#[derive(Debug)]
pub struct PromptBuilder {
    spec: &'static PromptSpec,
    messages: Vec<Message>,
    /// `tools = [...]`, made at render time: a tool bound to `self` needs the receiver.
    tools: Vec<Tool>,
    /// Where the first parameter was placed: the end of what every call sends unchanged.
    stable_prefix: Option<StablePrefix>,
    /// Where the `history = …` turns end: a conversation given to the call goes there.
    history_end: Option<usize>,
}

impl PromptBuilder {
    /// A builder for one rendering of `spec`'s template.
    pub fn new(spec: &'static PromptSpec) -> Self {
        Self {
            spec,
            messages: Vec::with_capacity(2),
            tools: Vec::new(),
            stable_prefix: None,
            history_end: None,
        }
    }

    /// A declared tool.
    pub fn tool(&mut self, tool: Tool) {
        self.tools.push(tool);
    }

    /// Begin a new message.
    pub fn start(&mut self, role: Role) {
        self.messages.push(Message::new(role));
    }

    /// A parameter begins here: the first one ends the prompt's stable prefix.
    pub(crate) fn mark_parameter(&mut self) {
        if self.stable_prefix.is_some() {
            return;
        }
        let message = self.current();
        let (part, bytes) = match message.parts.last() {
            Some(Part::Text(text)) => (message.parts.len() - 1, text.len()),
            _ => (message.parts.len(), 0),
        };
        self.stable_prefix = Some(StablePrefix {
            message: self.messages.len() - 1,
            part,
            bytes,
        });
    }

    pub(crate) fn current(&mut self) -> &mut Message {
        if self.messages.is_empty() {
            self.messages.push(Message::new(Role::User));
        }
        let last = self.messages.len() - 1;
        &mut self.messages[last]
    }

    /// The turns of the `history = …` parameter, as whole messages.
    pub fn history<H: History + ?Sized>(&mut self, history: &H) {
        history.extend_into(&mut self.messages);
        self.history_end = Some(self.messages.len());
    }

    /// Literal template text.
    pub fn text(&mut self, literal: &str) {
        self.current().push_text(literal);
    }

    /// A formatted placeholder.
    pub fn text_fmt(&mut self, args: fmt::Arguments<'_>) {
        if let Some(s) = args.as_str() {
            return self.text(s);
        }
        self.mark_parameter();
        // Formatted straight into the message's last text part, without a temporary string.
        let message = self.current();
        if !matches!(message.parts.last(), Some(Part::Text(_))) {
            message.parts.push(Part::Text(String::new()));
        }
        if let Some(Part::Text(last)) = message.parts.last_mut() {
            // A `Display` that fails leaves what it wrote; a prompt is not worth a panic.
            let _ = fmt::Write::write_fmt(last, args);
        }
        // An argument that renders empty leaves no empty part behind (as `text("")` does).
        if matches!(message.parts.last(), Some(Part::Text(t)) if t.is_empty()) {
            message.parts.pop();
        }
    }

    /// The rendered prompt as a call returning `T`.
    pub fn finish<T: Output>(self) -> Call<T> {
        self.finish_checked(None)
    }

    /// The declaration and the rendered messages, for a call to another endpoint.
    pub(crate) fn into_parts(self) -> (&'static PromptSpec, Vec<Message>) {
        (self.spec, self.messages)
    }

    /// [`finish`](Self::finish) with the return type's [`Validate`] check, when it has one.
    pub fn finish_checked<T: Output>(self, validator: Option<Validator>) -> Call<T> {
        Call::new(
            self.spec,
            Declared {
                messages: self.messages,
                tools: self.tools,
                stable_prefix: self.stable_prefix,
                history_end: self.history_end,
                validator,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SPEC: PromptSpec = PromptSpec {
        name: "render",
        site: || "render",
        decl: Decl::DEFAULT,
        output: OutputCache::new(),
    };

    #[test]
    fn formatted_arguments_merge_into_one_text_part() {
        let mut b = PromptBuilder::new(&SPEC);
        b.start(Role::User);
        b.text("Extract: ");
        let (n, empty) = (42, "");
        b.text_fmt(format_args!("{n:>4}"));
        b.text_fmt(format_args!("{empty}"));
        b.text(".");
        assert_eq!(b.messages.len(), 1);
        assert_eq!(
            b.messages[0].parts,
            vec![Part::Text("Extract:   42.".into())]
        );
        let mut b = PromptBuilder::new(&SPEC);
        b.start(Role::System);
        b.text_fmt(format_args!("{empty}"));
        assert!(b.messages[0].parts.is_empty());
    }

    #[test]
    fn the_first_parameter_ends_the_stable_prefix() {
        let mut b = PromptBuilder::new(&SPEC);
        b.start(Role::System);
        b.text("Be brief.");
        b.start(Role::User);
        b.text("Summarise: ");
        let text = "a long text";
        b.text_fmt(format_args!("{text}"));
        b.text_fmt(format_args!("{text}"));
        assert_eq!(
            b.stable_prefix,
            Some(StablePrefix {
                message: 1,
                part: 0,
                bytes: 11
            })
        );
    }
}
