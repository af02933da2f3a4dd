//! `#[tool]`: reads a function the model may call (name, doc comments, parameters, return
//! type), checks what can be checked before type checking, and hands the result to
//! `tool_codegen.rs`. On errors the function is kept as written (minus parameter doc
//! comments, which rustc rejects), so the rest of the crate still sees it.

use crate::crate_path::CratePath;
use crate::errors::Errors;
use crate::suggest;
use crate::tool_codegen;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::{Attribute, Expr, FnArg, ItemFn, Lit, Meta, Pat, ReturnType, Type};

/// The name `Tool` mode gives the structured answer.
const RESERVED_NAME: &str = "answer";
/// OpenAI's limit for function names (`^[a-zA-Z0-9_-]{1,64}$`).
const MAX_NAME_LEN: usize = 64;
const KEYS: &[&str] = &["name", "description", "crate"];

/// What `#[tool(…)]` says.
#[derive(Default)]
struct ToolAttr {
    krate: Option<CratePath>,
    /// The name the model sees, instead of the function's.
    name: Option<syn::LitStr>,
    /// The description the model reads, instead of the doc comment.
    description: Option<syn::LitStr>,
}

/// The tool as code generation needs it; everything in it has been checked.
pub struct ToolFn {
    /// The function, with the parameters' doc comments removed.
    pub item: ItemFn,
    /// The name the model uses: `#[tool(name = "…")]`, else the function's.
    pub name: String,
    /// The function's doc comment.
    pub description: String,
    /// The parameters, without the receiver.
    pub params: Vec<ToolParam>,
    /// How the tool is bound to its receiver, if it is a method.
    pub receiver: Option<ReceiverKind>,
    /// The declared return type (`()` when none).
    pub output: Type,
    /// `Result<…>` by its last segment: `Err` is a failure the model is told about.
    pub returns_result: bool,
}

/// One parameter.
pub struct ToolParam {
    /// The JSON property name (raw prefix removed).
    pub name: String,
    /// The parameter's doc comment, or empty.
    pub description: String,
    /// The type as written.
    pub ty: Type,
    /// False for `Option<…>`: the model may leave it out.
    pub required: bool,
}

/// How a method takes its receiver.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ReceiverKind {
    /// `&self`.
    Ref,
    /// `self` or `mut self`: each call gets its own clone.
    Value,
}

/// Expands `#[tool(attr)] item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let attr = parse_attr(attr, &mut errors);
    let mut item = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            errors.at(
                error.span(),
                format!("#[tool] applies to a function with a body ({error})"),
            );
            let mut output = errors.into_compile_errors();
            output.extend(item);
            return output;
        }
    };
    let tool = analyse(&mut item, &attr, &mut errors);
    let krate = attr.krate.unwrap_or_default();
    match tool {
        Some(tool) if errors.is_empty() => tool_codegen::generate(&tool, &krate),
        _ => {
            let errors = errors.into_compile_errors();
            quote!(#errors #item)
        }
    }
}

fn parse_attr(attr: TokenStream, errors: &mut Errors) -> ToolAttr {
    let mut parsed = ToolAttr::default();
    let parser = syn::meta::parser(|meta| {
        let key = meta.path.get_ident().map(|i| i.unraw().to_string());
        let duplicate = |key: &str| meta.error(format!("duplicate #[tool] argument `{key}`"));
        match key.as_deref() {
            Some("crate") => {
                if parsed.krate.is_some() {
                    return Err(duplicate("crate"));
                }
                let value: Expr = meta.value()?.parse()?;
                parsed.krate = Some(CratePath::from_value(&value)?);
                Ok(())
            }
            Some(key @ ("name" | "description")) => {
                let slot = if key == "name" {
                    &mut parsed.name
                } else {
                    &mut parsed.description
                };
                if slot.is_some() {
                    return Err(duplicate(key));
                }
                let value: Expr = meta.value()?.parse()?;
                match &value {
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }) if !text.value().trim().is_empty() => {
                        *slot = Some(text.clone());
                        Ok(())
                    }
                    _ => Err(syn::Error::new_spanned(
                        value,
                        format!("`{key}` expects a non-empty string literal, e.g. `{key} = \"…\"`"),
                    )),
                }
            }
            _ => {
                let name = meta.path.to_token_stream().to_string().replace(' ', "");
                Err(meta.error(format!(
                    "unknown #[tool] argument `{name}`{}; valid arguments: {} (by default the \
                     name is the function's and the description its doc comment)",
                    suggest::did_you_mean(&name, KEYS.iter().copied()),
                    KEYS.join(", ")
                )))
            }
        }
    });
    errors.ok(parser.parse2(attr));
    parsed
}

/// Checks the function, recording every problem; removes parameter doc comments from `item`.
fn analyse(item: &mut ItemFn, attr: &ToolAttr, errors: &mut Errors) -> Option<ToolFn> {
    let sig = &item.sig;
    let ident = sig.ident.unraw().to_string();
    let name = match &attr.name {
        Some(given) => {
            check_name(
                given.span(),
                &given.value(),
                "choose another `name`",
                errors,
            );
            given.value()
        }
        None => {
            check_name(
                sig.ident.span(),
                &ident,
                "rename the function, or give the tool another name with \
                 `#[tool(name = \"…\")]`",
                errors,
            );
            ident
        }
    };
    let description = match &attr.description {
        Some(given) => given.value().trim().to_owned(),
        None => doc_text(&item.attrs),
    };
    if description.is_empty() {
        errors.at(
            sig.ident.span(),
            format!(
                "add a doc comment to `{name}`: it is the description the model reads to decide \
                 when to call the tool, e.g. `/// The current weather in a city.` (or give it \
                 with `#[tool(description = \"…\")]`)"
            ),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(
            &sig.generics,
            "#[tool] functions cannot be generic: the model's arguments must decode into one \
             concrete type per parameter",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.at(
            unsafety.span,
            "#[tool] functions cannot be `unsafe`: the model decides when they run",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "#[tool] functions cannot be variadic");
    }
    let output = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    if let Type::ImplTrait(impl_trait) = &output {
        errors.spanned(
            impl_trait,
            "a #[tool] returns a concrete type (`impl Trait` cannot be sent to the model); write \
             `async fn` for a tool that awaits",
        );
    }
    let returns_result = last_segment_is(&output, "Result");

    let mut receiver = None;
    let mut params = Vec::new();
    for arg in &mut item.sig.inputs {
        match arg {
            FnArg::Receiver(r) => receiver = receiver_kind(r, errors),
            FnArg::Typed(typed) => {
                let description = doc_text(&typed.attrs);
                typed.attrs.retain(|a| !a.path().is_ident("doc"));
                if let Some(param) = param(&typed.pat, &typed.ty, description, errors) {
                    params.push(param);
                }
            }
        }
    }
    Some(ToolFn {
        item: item.clone(),
        name,
        description,
        params,
        receiver,
        output,
        returns_result,
    })
}

/// Checks the name the model will call; `fix` says how to give it another.
fn check_name(span: proc_macro2::Span, name: &str, fix: &str, errors: &mut Errors) {
    if name == RESERVED_NAME {
        errors.at(
            span,
            format!(
                "a tool cannot be named `{RESERVED_NAME}`: promptfn gives that name to the \
                 structured answer in `Tool` mode; {fix}"
            ),
        );
    }
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid || name.len() > MAX_NAME_LEN {
        errors.at(
            span,
            format!(
                "a tool's name must be 1 to {MAX_NAME_LEN} ASCII letters, digits, `_` or `-` \
                 (it is the function name the model calls); rename `{name}`"
            ),
        );
    }
}

fn receiver_kind(receiver: &syn::Receiver, errors: &mut Errors) -> Option<ReceiverKind> {
    if receiver.colon_token.is_some() {
        errors.spanned(
            receiver,
            "a #[tool] method takes `&self` or `self`: the tool keeps a clone of the receiver",
        );
        return None;
    }
    match &receiver.reference {
        Some(_) if receiver.mutability.is_some() => {
            errors.spanned(
                receiver,
                "a #[tool] method cannot take `&mut self`: the model may make several calls at \
                 once; take `&self` and keep mutable state behind a `Mutex`",
            );
            None
        }
        Some(_) => Some(ReceiverKind::Ref),
        None => Some(ReceiverKind::Value),
    }
}

fn param(pat: &Pat, ty: &Type, description: String, errors: &mut Errors) -> Option<ToolParam> {
    let ident = match pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
        other => {
            errors.spanned(
                other,
                "#[tool] parameters must be plain names (`city: String`): the name is the \
                 argument the model fills in",
            );
            return None;
        }
    };
    match ty {
        Type::Reference(reference) => {
            let suggestion = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => "`String` instead of `&str`".to_owned(),
                Type::Slice(slice) => format!(
                    "`Vec<{}>` instead of a slice",
                    slice.elem.to_token_stream().to_string().replace(' ', "")
                ),
                other => format!(
                    "`{}` instead of a reference",
                    other.to_token_stream().to_string().replace(' ', "")
                ),
            };
            errors.spanned(
                reference,
                format!(
                    "#[tool] parameters are decoded from the model's JSON and must own their \
                     data: use {suggestion}"
                ),
            );
            return None;
        }
        Type::ImplTrait(impl_trait) => {
            errors.spanned(
                impl_trait,
                "#[tool] parameters need a concrete type to decode the model's JSON into",
            );
            return None;
        }
        _ => {}
    }
    Some(ToolParam {
        name: ident.unraw().to_string(),
        description,
        required: !last_segment_is(ty, "Option"),
        ty: ty.clone(),
    })
}

/// The doc comment of `attrs`: `///` lines joined, one leading space removed from each.
fn doc_text(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(lit) => match &lit.lit {
                    Lit::Str(s) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .flat_map(|text| {
            text.lines()
                .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == name),
        Type::Group(group) => last_segment_is(&group.elem, name),
        Type::Paren(paren) => last_segment_is(&paren.elem, name),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::format_ident;

    fn analysed(item: TokenStream) -> (Option<ToolFn>, Vec<String>) {
        let mut item: ItemFn = syn::parse2(item).expect("a function");
        let mut errors = Errors::default();
        let tool = analyse(&mut item, &ToolAttr::default(), &mut errors);
        (tool, errors.messages())
    }

    #[test]
    fn reads_name_docs_params_and_result() {
        let (tool, errors) = analysed(quote! {
            /// The weather
            /// in a city.
            pub async fn get_weather(
                /// The city's name.
                city: String,
                mut days: Option<u8>,
                r#type: Kind,
            ) -> Result<Report, Error> { todo!() }
        });
        assert_eq!(errors, Vec::<String>::new());
        let tool = tool.expect("a tool");
        assert_eq!(tool.name, "get_weather");
        assert_eq!(tool.description, "The weather\nin a city.");
        let params: Vec<_> = tool
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.description.as_str(), p.required))
            .collect();
        assert_eq!(
            params,
            [
                ("city", "The city's name.", true),
                ("days", "", false),
                ("type", "", true)
            ]
        );
        assert!(tool.returns_result);
        assert!(tool.receiver.is_none());
        let emitted = tool.item.to_token_stream().to_string();
        assert!(!emitted.contains("The city's name"), "{emitted}");
        assert!(emitted.contains("The weather"), "{emitted}");
    }

    #[test]
    fn receivers_are_by_reference_or_by_value() {
        let (tool, _) = analysed(quote!(
            /// D.
            fn f(&self) {}
        ));
        assert!(tool.expect("a tool").receiver == Some(ReceiverKind::Ref));
        let (tool, _) = analysed(quote!(
            /// D.
            fn f(mut self) -> u8 {
                1
            }
        ));
        let tool = tool.expect("a tool");
        assert!(tool.receiver == Some(ReceiverKind::Value));
        assert!(!tool.returns_result);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (_, errors) = analysed(quote! {
            unsafe fn answer<T>(&mut self, (a, b): (u8, u8), s: &str, v: &[u8], t: &T, i: impl Display) -> impl Debug {}
        });
        let expected = [
            "a tool cannot be named `answer`",
            "add a doc comment to `answer`",
            "cannot be generic",
            "cannot be `unsafe`",
            "returns a concrete type",
            "cannot take `&mut self`",
            "must be plain names",
            "use `String` instead of `&str`",
            "use `Vec<u8>` instead of a slice",
            "use `T` instead of a reference",
            "need a concrete type",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        for (error, fragment) in errors.iter().zip(expected) {
            assert!(error.contains(fragment), "{error:?} lacks {fragment:?}");
        }
    }

    #[test]
    fn names_must_suit_the_wire() {
        let (_, errors) = analysed(quote!(
            /// D.
            fn météo() {}
        ));
        assert!(errors[0].contains("ASCII letters"), "{errors:?}");
        let long = format_ident!("{}", "a".repeat(65));
        let (_, errors) = analysed(quote!(
            /// D.
            fn #long() {}
        ));
        assert!(errors[0].contains("1 to 64"), "{errors:?}");
    }

    #[test]
    fn typed_receivers_are_rejected() {
        let (_, errors) = analysed(quote!(
            /// D.
            fn f(self: Arc<Self>) {}
        ));
        assert!(errors[0].contains("takes `&self` or `self`"), "{errors:?}");
    }

    #[test]
    fn crate_name_and_description_are_the_arguments() {
        let mut errors = Errors::default();
        let attr = parse_attr(
            quote!(crate = my::promptfn, name = "weather", description = "Now."),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(
            attr.krate.unwrap().to_token_stream().to_string(),
            quote!(my::promptfn).to_string()
        );
        assert_eq!(attr.name.unwrap().value(), "weather");
        assert_eq!(attr.description.unwrap().value(), "Now.");
        parse_attr(quote!(nmae = "x"), &mut errors);
        parse_attr(quote!(crate = a, crate = b), &mut errors);
        parse_attr(quote!(name = 3), &mut errors);
        let messages = errors.messages();
        assert!(
            messages[0].starts_with("unknown #[tool] argument `nmae` (did you mean `name`?)"),
            "{messages:?}"
        );
        assert!(messages[1].contains("duplicate"));
        assert!(messages[2].contains("non-empty string literal"));
    }

    #[test]
    fn a_given_name_and_description_replace_the_functions() {
        let mut errors = Errors::default();
        let attr = parse_attr(
            quote!(name = "weather_now", description = "Given."),
            &mut errors,
        );
        let mut item: ItemFn = syn::parse_quote! {
            /// From the doc comment.
            fn get_weather(city: String) -> String { city }
        };
        let tool = analyse(&mut item, &attr, &mut errors).unwrap();
        assert!(errors.is_empty(), "{:?}", errors.messages());
        assert_eq!(
            (
                tool.item.sig.ident.to_string().as_str(),
                tool.name.as_str(),
                tool.description.as_str()
            ),
            ("get_weather", "weather_now", "Given.")
        );
    }
}
