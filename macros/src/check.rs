//! Checks that involve more than one part of the input (placeholders ↔ parameters, `n` ↔
//! return type) and resolves the templates into a plan that code generation only has to print.

use crate::attr::{Args, Role, TemplateText};
use crate::errors::Errors;
use crate::sig::{Analysed, Param};
use crate::suggest;
use crate::template::{self, Placeholder, SectionMark, Segment};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{FnArg, GenericArgument, Ident, Member, PathArguments, Type};

/// The prompt as code generation needs it: messages of resolved parts.
pub struct Plan {
    /// Messages in order.
    pub messages: Vec<PlannedMessage>,
    /// The endpoint the return type picks, when it is not chat completions.
    pub endpoint: Option<crate::endpoint::Kind>,
    /// `history = param`: the parameter, spanned where the attribute names it, and the index
    /// of the message it goes before.
    pub history: Option<(Ident, usize)>,
}

/// One message of the plan.
pub struct PlannedMessage {
    /// Who speaks.
    pub role: Role,
    /// What the message says, in order.
    pub parts: Vec<Part>,
}

/// A piece of a message.
pub enum Part {
    /// Literal text, already unescaped.
    Text(String),
    /// `{name}`: the parameter is placed whole, as text or as media depending on its type.
    Whole {
        /// The parameter, spanned at the placeholder.
        ident: Ident,
        /// Where the placeholder was written.
        span: Span,
    },
    /// `{name:lines}`: a list, one item per line.
    Lines {
        /// The parameter, spanned at the placeholder.
        ident: Ident,
        /// Field names or tuple indices, spanned at the placeholder.
        fields: Vec<Member>,
        /// Where the placeholder was written.
        span: Span,
    },
    /// `{#name}…{/name}`: parts that appear only when the `Option` parameter is `Some`; inside,
    /// the name stands for the value.
    Section {
        /// The parameter, spanned at `{#name}`.
        ident: Ident,
        /// What the section says.
        parts: Vec<Part>,
    },
    /// `{name.field:spec}`: formatted as text through `format_args!`.
    Formatted {
        /// The parameter, spanned at the placeholder.
        ident: Ident,
        /// Field names or tuple indices, spanned at the placeholder.
        fields: Vec<Member>,
        /// The format spec without `:`.
        spec: Option<String>,
        /// Where the placeholder was written.
        span: Span,
    },
}

/// Lexes every template, matches placeholders with `params`, and reports what does not fit.
///
/// Unused parameters are only reported when the user template is known, and not for a
/// parameter whose name appears inside a placeholder that failed to lex: those would be
/// follow-on errors of something already reported.
pub fn resolve(args: &Args, sig: &Analysed, errors: &mut Errors) -> Plan {
    let params = sig.params.as_slice();
    let mut used = vec![false; params.len()];
    let mut messages = Vec::with_capacity(args.messages.len());
    let history = args
        .history
        .as_ref()
        .and_then(|slot| history_param(slot, sig, &mut used, errors));
    let history_name = history.as_ref().map(|(ident, _)| ident.unraw().to_string());
    for (param, used) in params.iter().zip(used.iter_mut()) {
        *used |= args.history_names.contains(&param.name);
    }

    for message in &args.messages {
        let text = &message.text;
        let lexed = template::lex(&text.value);
        if text.value.trim().is_empty() {
            errors.push(text.error(0..text.value.len(), "the template is empty"));
        }
        for error in &lexed.errors {
            errors.push(text.error(error.range.clone(), &error.message));
            let written = text.value.get(error.range.clone()).unwrap_or_default();
            for (param, used) in params.iter().zip(used.iter_mut()) {
                *used |= written.contains(param.name.as_str());
            }
        }
        let mut resolver = Resolver {
            text,
            sig,
            used: &mut used,
            errors,
            history: history_name.as_deref(),
        };
        let parts = resolver.segments(lexed.segments);
        messages.push(PlannedMessage {
            role: message.role,
            parts,
        });
    }

    // A parameter (or `self`) that a tool method is bound to is used too.
    for root in args
        .settings
        .tools
        .iter()
        .flatten()
        .filter_map(|tool| tool.receiver_root())
    {
        for (param, used) in params.iter().zip(used.iter_mut()) {
            *used |= param.name == root;
        }
    }
    // A `Ranking` function's `documents` are sent beside the template, not in it.
    let value = sig.output.as_ref().map(|output| &output.value);
    for (param, used) in params.iter().zip(used.iter_mut()) {
        *used |= crate::endpoint::sent_apart(value, param);
    }
    if args.template_complete {
        for (param, _) in params.iter().zip(&used).filter(|(_, used)| !**used) {
            errors.spanned(&param.arg, unused_message(param));
        }
    }
    let endpoint = crate::endpoint::check(args, sig, errors);
    if let (Some(_), Some(slot)) = (endpoint, &args.history) {
        errors.at(
            slot.param.span(),
            "`history` places earlier chat turns, which this endpoint does not take: remove it, \
             or return a chat-completion type",
        );
    }
    if let (Some(n), Some(output)) = (args.settings.n, &sig.output)
        && n > 1
        && !output.is_choices()
        && endpoint.is_none()
    {
        errors.spanned(
            &output.declared,
            format!(
                "`n = {n}` asks for several answers: declare the return type as \
                 `Result<promptfn::Choices<T>>`"
            ),
        );
    }
    Plan {
        messages,
        endpoint,
        history,
    }
}

/// The parameter `history = …` names, marked used; `None` (reported) when there is none.
fn history_param(
    slot: &crate::attr::HistorySlot,
    sig: &Analysed,
    used: &mut [bool],
    errors: &mut Errors,
) -> Option<(Ident, usize)> {
    let params = sig.params.as_slice();
    let name = slot.param.unraw().to_string();
    let Some(index) = params.iter().position(|p| p.name == name) else {
        if !sig.has_pattern_params {
            let names = params.iter().map(|p| p.name.as_str());
            let hint = match suggest::closest(&name, names) {
                Some(close) => {
                    // The user meant that parameter: reporting it as unused too would be noise.
                    if let Some(meant) = params.iter().position(|p| p.name == close) {
                        used[meant] = true;
                    }
                    format!("; did you mean `{close}`?")
                }
                None => "; add a parameter such as `thread: &[promptfn::Message]`".to_owned(),
            };
            errors.at(
                slot.param.span(),
                format!("`history = {name}`: no parameter is named `{name}`{hint}"),
            );
        }
        return None;
    };
    used[index] = true;
    let mut ident = params[index].ident.clone();
    ident.set_span(Span::call_site().located_at(slot.param.span()));
    Some((ident, slot.at))
}

/// Resolves one template's segments into parts, nesting the optional sections.
struct Resolver<'a> {
    text: &'a TemplateText,
    sig: &'a Analysed,
    used: &'a mut [bool],
    errors: &'a mut Errors,
    /// The `history = …` parameter, which no template may name.
    history: Option<&'a str>,
}

impl Resolver<'_> {
    fn segments(&mut self, segments: Vec<Segment>) -> Vec<Part> {
        let mut parts = Vec::new();
        // The open section: its mark, its parameter (when known) and its parts so far.
        let mut open: Option<(SectionMark, Option<Ident>, Vec<Part>)> = None;
        // Sections refused for nesting: already reported once, so their own placeholders and
        // their matching `{/x}` add no second error.
        let mut refused: Vec<String> = Vec::new();
        for segment in segments {
            let part = match segment {
                Segment::Text(value) => Some(Part::Text(value)),
                Segment::Placeholder(placeholder) => {
                    if refused.contains(&placeholder.name) {
                        self.mark_used(&placeholder.name);
                        continue;
                    }
                    let within = open.as_ref().map(|(mark, ..)| mark.name.as_str());
                    self.placeholder(&placeholder, within)
                }
                Segment::SectionStart(mark) => {
                    if let Some((outer, ..)) = &open {
                        let message = format!(
                            "`{{#{}}}` opens a section inside the section of `{}`: sections \
                             cannot nest; close `{{#{}}}` with `{{/{}}}` first",
                            mark.name, outer.name, outer.name, outer.name
                        );
                        self.errors
                            .push(self.text.error(mark.range.clone(), &message));
                        self.mark_used(&mark.name);
                        refused.push(mark.name);
                        continue;
                    }
                    let ident = self.section_param(&mark);
                    open = Some((mark, ident, Vec::new()));
                    continue;
                }
                Segment::SectionEnd(mark) => {
                    self.mark_used(&mark.name);
                    if refused.last() == Some(&mark.name) {
                        refused.pop();
                        continue;
                    }
                    match open.take() {
                        Some((start, ident, inner)) if start.name == mark.name => {
                            if let Some(ident) = ident {
                                parts.push(Part::Section {
                                    ident,
                                    parts: inner,
                                });
                            }
                        }
                        Some((start, ident, inner)) => {
                            let message = format!(
                                "`{{/{}}}` does not close the open section `{{#{}}}`: close it \
                                 with `{{/{}}}`",
                                mark.name, start.name, start.name
                            );
                            self.errors
                                .push(self.text.error(mark.range.clone(), &message));
                            open = Some((start, ident, inner));
                        }
                        None => {
                            let message = format!(
                                "`{{/{}}}` closes no open section: open it with `{{#{}}}` \
                                 before, or remove it",
                                mark.name, mark.name
                            );
                            self.errors
                                .push(self.text.error(mark.range.clone(), &message));
                        }
                    }
                    continue;
                }
            };
            let Some(part) = part else { continue };
            match &mut open {
                Some((.., inner)) => inner.push(part),
                None => parts.push(part),
            }
        }
        if let Some((start, ..)) = open {
            let message = format!(
                "unclosed section `{{#{}}}`: end it with `{{/{}}}`",
                start.name, start.name
            );
            self.errors.push(self.text.error(start.range, &message));
        }
        parts
    }

    fn placeholder(&mut self, placeholder: &Placeholder, within: Option<&str>) -> Option<Part> {
        if self.history == Some(placeholder.name.as_str()) {
            self.errors.push(self.text.error(
                placeholder.range.clone(),
                &format!(
                    "`{}` is the history parameter: its turns are placed as whole messages \
                     where `history = {}` stands, not inside a template; remove this placeholder",
                    placeholder.display(),
                    placeholder.name
                ),
            ));
            return None;
        }
        if within != Some(placeholder.name.as_str())
            && let Some(param) = self.sig.params.iter().find(|p| p.name == placeholder.name)
            && optional_text(param)
        {
            let name = &placeholder.name;
            self.mark_used(name);
            self.errors.push(self.text.error(
                placeholder.range.clone(),
                &format!(
                    "`{name}` is an `Option`: place `{}` inside a section that appears only when \
                     it is `Some`: `{{#{name}}}…{}…{{/{name}}}`",
                    placeholder.display(),
                    placeholder.display()
                ),
            ));
            return None;
        }
        resolve_placeholder(placeholder, self.text, self.sig, self.used, self.errors)
    }

    /// Counts the parameter `name` as used: it is named, if wrongly, and an error says so.
    fn mark_used(&mut self, name: &str) {
        for (param, used) in self.sig.params.iter().zip(self.used.iter_mut()) {
            *used |= param.name == name;
        }
    }

    /// The parameter of `{#name}`, which must be an `Option`.
    fn section_param(&mut self, mark: &SectionMark) -> Option<Ident> {
        let as_placeholder = Placeholder {
            name: mark.name.clone(),
            fields: Vec::new(),
            spec: None,
            range: mark.range.clone(),
        };
        let param = self.sig.params.iter().find(|p| p.name == mark.name);
        if param.is_some_and(|param| !is_option(param)) {
            let name = &mark.name;
            self.errors.push(self.text.error(
                mark.range.clone(),
                &format!(
                    "`{{#{name}}}` opens an optional section, but `{name}` is not an `Option`: \
                     declare it as `Option<&str>` (or `Option<T>` with `T: Display`), or write \
                     `{{{name}}}` without a section"
                ),
            ));
            return None;
        }
        match resolve_placeholder(&as_placeholder, self.text, self.sig, self.used, self.errors) {
            Some(Part::Whole { ident, .. }) => Some(ident),
            _ => None,
        }
    }
}

/// Whether the parameter is declared as an `Option<…>` (through references).
fn is_option(param: &Param) -> bool {
    option_inner(param).is_some()
}

/// Whether the parameter is an `Option` of something other than media (which a whole
/// placeholder places, or not, by itself).
fn optional_text(param: &Param) -> bool {
    const MEDIA: &[&str] = &["Image", "Audio", "Video", "Pdf", "File", "Media"];
    option_inner(param).is_some_and(|inner| {
        let mut inner = inner;
        while let Type::Reference(reference) = inner {
            inner = &reference.elem;
        }
        !matches!(inner, Type::Path(path)
            if path.path.segments.last().is_some_and(|s| MEDIA.contains(&s.ident.to_string().as_str())))
    })
}

/// `T` of a parameter declared as `Option<T>`, `&Option<T>`…
fn option_inner(param: &Param) -> Option<&Type> {
    let FnArg::Typed(typed) = &param.arg else {
        return None;
    };
    let mut ty: &Type = &typed.ty;
    while let Type::Reference(reference) = ty {
        ty = &reference.elem;
    }
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    })
}

fn resolve_placeholder(
    placeholder: &Placeholder,
    text: &TemplateText,
    sig: &Analysed,
    used: &mut [bool],
    errors: &mut Errors,
) -> Option<Part> {
    let params = sig.params.as_slice();
    let range = placeholder.range.clone();
    let Some(index) = params.iter().position(|p| p.name == placeholder.name) else {
        if sig.has_pattern_params {
            return None;
        }
        let names = params.iter().map(|p| p.name.as_str());
        let closest = suggest::closest(&placeholder.name, names.clone());
        let hint = match closest {
            Some(close) => {
                // The user meant that parameter: reporting it as unused too would be noise.
                if let Some(meant) = params.iter().position(|p| p.name == close) {
                    used[meant] = true;
                }
                format!("; did you mean `{close}`?")
            }
            None if params.is_empty() => "; the function has no parameters".to_owned(),
            None => format!(
                "; parameters: {}",
                names
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        errors.push(text.error(
            range,
            &format!(
                "unknown placeholder `{}`: no parameter is named `{}`{hint}",
                placeholder.display(),
                placeholder.name
            ),
        ));
        return None;
    };
    used[index] = true;
    // Resolve like the user's own code at the call site, but point errors at the placeholder.
    let span = Span::call_site().located_at(text.span_of(range.clone()));
    let mut ident = params[index].ident.clone();
    ident.set_span(span);
    if placeholder.is_whole() {
        return Some(Part::Whole { ident, span });
    }
    let lines = placeholder.spec.as_deref() == Some("lines");
    let mut fields = Vec::with_capacity(placeholder.fields.len());
    for field in &placeholder.fields {
        let Some(member) = member(field, span) else {
            errors.push(text.error(
                range,
                &format!(
                    "invalid placeholder `{}`: `{field}` cannot be a field name",
                    placeholder.display()
                ),
            ));
            return None;
        };
        fields.push(member);
    }
    if lines {
        return Some(Part::Lines {
            ident,
            fields,
            span,
        });
    }
    Some(Part::Formatted {
        ident,
        fields,
        spec: placeholder.spec.clone(),
        span,
    })
}

/// A field name or tuple index; keywords become raw identifiers (`{x.type}` → `x.r#type`).
fn member(field: &str, span: Span) -> Option<Member> {
    if field.bytes().all(|b| b.is_ascii_digit()) {
        let index = field.parse::<u32>().ok()?;
        return Some(Member::Unnamed(syn::Index { index, span }));
    }
    let name = field.strip_prefix("r#").unwrap_or(field);
    let mut ident = syn::parse_str::<Ident>(name)
        .or_else(|_| syn::parse_str::<Ident>(&format!("r#{name}")))
        .ok()?;
    ident.set_span(span);
    Some(Member::Named(ident))
}

fn unused_message(param: &Param) -> String {
    if param.is_receiver() {
        "`self` is not used in the prompt template: use a field such as `{self.name}`, or \
         remove the receiver"
            .to_owned()
    } else {
        let name = &param.name;
        format!(
            "parameter `{name}` is not used in the prompt template: place it with `{{{name}}}` \
             or remove it"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr;
    use crate::sig::{self, Declaration};
    use proc_macro2::TokenStream;
    use quote::{ToTokens, quote};

    fn run(attr: TokenStream, item: TokenStream) -> (Plan, Vec<String>) {
        let mut errors = Errors::default();
        let args = attr::parse(attr, &mut errors);
        let decl: Declaration = syn::parse2(item).expect("declaration parses");
        let analysed = sig::analyse(&decl, &mut errors);
        let plan = resolve(&args, &analysed, &mut errors);
        (plan, errors.messages())
    }

    fn errors_of(attr: TokenStream, item: TokenStream) -> Vec<String> {
        run(attr, item).1
    }

    /// A readable form of the plan: `text`, `{whole}` or `fmt(spec; expr)` per part.
    fn describe(plan: &Plan) -> Vec<(Role, Vec<String>)> {
        plan.messages
            .iter()
            .map(|message| {
                let parts = message
                    .parts
                    .iter()
                    .map(|part| match part {
                        Part::Text(text) => text.clone(),
                        Part::Whole { ident, .. } => format!("{{{ident}}}"),
                        Part::Formatted {
                            ident,
                            fields,
                            spec,
                            ..
                        } => {
                            let fields: String = fields
                                .iter()
                                .map(|f| format!(".{}", f.to_token_stream()))
                                .collect::<Vec<_>>()
                                .concat();
                            format!("fmt({}; {ident}{fields})", spec.as_deref().unwrap_or(""))
                        }
                        Part::Lines { ident, .. } => format!("lines({ident})"),
                        Part::Section { ident, parts } => {
                            format!("section({ident}; {} parts)", parts.len())
                        }
                    })
                    .collect();
                (message.role, parts)
            })
            .collect()
    }

    #[test]
    fn history_sections_and_lines_resolve() {
        let (plan, errors) = run(
            quote!(
                system = "s",
                user = "{a}",
                assistant = "b",
                history = h,
                user = "{#n}{n}{/n} {l:lines}"
            ),
            quote!(
                async fn f(a: &str, h: &[Message], n: Option<&str>, l: &[&str]) -> Result<String>;
            ),
        );
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            plan.history
                .as_ref()
                .map(|(ident, at)| (ident.to_string(), *at)),
            Some(("h".to_owned(), 3))
        );
        assert_eq!(
            describe(&plan)[3].1,
            ["section(n; 1 parts)", " ", "lines(l)"]
        );
    }

    #[test]
    fn resolves_whole_and_formatted_placeholders() {
        let (plan, errors) = run(
            quote!(
                "{self.name}: {r#type} {score:.2} {pair.0} {item.type}",
                system = "{type}"
            ),
            quote!(
                async fn f(
                    &self,
                    r#type: &str,
                    score: f64,
                    pair: (u8, u8),
                    item: &Item,
                ) -> Result<String>;
            ),
        );
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            describe(&plan),
            [
                (Role::System, vec!["{r#type}".to_owned()]),
                (
                    Role::User,
                    vec![
                        "fmt(; self.name)".to_owned(),
                        ": ".to_owned(),
                        "{r#type}".to_owned(),
                        " ".to_owned(),
                        "fmt(.2; score)".to_owned(),
                        " ".to_owned(),
                        "fmt(; pair.0)".to_owned(),
                        " ".to_owned(),
                        "fmt(; item.r#type)".to_owned(),
                    ]
                ),
            ]
        );
    }

    #[test]
    fn unknown_placeholder_suggests_a_parameter() {
        assert_eq!(
            errors_of(
                quote!("Hi {nmae}"),
                quote!(
                    async fn f(name: &str) -> Result<String>;
                )
            ),
            ["unknown placeholder `{nmae}`: no parameter is named `nmae`; did you mean `name`?"]
        );
    }

    #[test]
    fn unknown_placeholder_lists_parameters_without_a_close_match() {
        let errors = errors_of(
            quote!("{a} {b} {zzz:?}"),
            quote!(
                async fn f(a: u8, b: u8) -> Result<String>;
            ),
        );
        assert_eq!(
            errors,
            ["unknown placeholder `{zzz:?}`: no parameter is named `zzz`; parameters: `a`, `b`"]
        );
        let errors = errors_of(
            quote!("{x}"),
            quote!(
                async fn f() -> Result<String>;
            ),
        );
        assert!(
            errors[0].ends_with("the function has no parameters"),
            "{errors:?}"
        );
    }

    #[test]
    fn unused_parameters_are_reported_each_on_its_own() {
        let errors = errors_of(
            quote!("{a}"),
            quote!(
                async fn f(a: u8, b: u8, c: u8) -> Result<String>;
            ),
        );
        assert_eq!(
            errors,
            [
                "parameter `b` is not used in the prompt template: place it with `{b}` or remove it",
                "parameter `c` is not used in the prompt template: place it with `{c}` or remove it",
            ]
        );
    }

    #[test]
    fn an_unused_receiver_has_its_own_advice() {
        let errors = errors_of(
            quote!("{q}"),
            quote!(
                async fn f(&self, q: &str) -> Result<String>;
            ),
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`self` is not used in the prompt template"));
    }

    #[test]
    fn parameters_used_only_in_system_or_turns_count_as_used() {
        let errors = errors_of(
            quote!(
                system = "{a}",
                user = "{b}",
                assistant = "{c}",
                user = "{d}"
            ),
            quote!(
                async fn f(a: u8, b: u8, c: u8, d: u8) -> Result<String>;
            ),
        );
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn no_follow_on_errors_after_template_mistakes() {
        // The typo'd placeholder names `name`; the broken one mentions `other`.
        let errors = errors_of(
            quote!("{nmae} {other"),
            quote!(
                async fn f(name: &str, other: &str) -> Result<String>;
            ),
        );
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].starts_with("unclosed `{`"));
        assert!(errors[1].starts_with("unknown placeholder `{nmae}`"));
        // Without a usable user template, unused parameters are not reported.
        let errors = errors_of(
            quote!(system = "{a}"),
            quote!(
                async fn f(a: u8, b: u8) -> Result<String>;
            ),
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].starts_with("missing prompt template"));
        // A pattern parameter may bind the placeholder's name.
        let errors = errors_of(
            quote!("{a}"),
            quote!(
                async fn f((a, b): (u8, u8)) -> Result<String>;
            ),
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("must be plain names"));
    }

    #[test]
    fn several_answers_need_choices() {
        let errors = errors_of(
            quote!("{x}", n = 3),
            quote!(
                async fn f(x: u8) -> Result<String>;
            ),
        );
        assert_eq!(
            errors,
            [
                "`n = 3` asks for several answers: declare the return type as \
              `Result<promptfn::Choices<T>>`"
            ]
        );
        for item in [
            quote!(
                async fn f(x: u8) -> Result<Choices<String>>;
            ),
            quote!(
                async fn f(x: u8) -> Result<promptfn::Choices<String>>;
            ),
        ] {
            assert_eq!(errors_of(quote!("{x}", n = 3), item), Vec::<String>::new());
        }
        assert_eq!(
            errors_of(
                quote!("{x}", n = 1),
                quote!(
                    async fn f(x: u8) -> Result<String>;
                )
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn empty_templates_are_errors() {
        let errors = errors_of(
            quote!("  ", system = ""),
            quote!(
                async fn f() -> Result<String>;
            ),
        );
        assert_eq!(errors, ["the template is empty", "the template is empty"]);
    }

    #[test]
    fn field_names_that_cannot_be_identifiers_are_errors() {
        let errors = errors_of(
            quote!("{x.self}"),
            quote!(
                async fn f(x: u8) -> Result<String>;
            ),
        );
        assert_eq!(
            errors,
            ["invalid placeholder `{x.self}`: `self` cannot be a field name"]
        );
    }
}
