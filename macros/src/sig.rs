//! The annotated function as `#[prompt]` sees it: a body-less `async fn` whose parameters are
//! plain names and whose return type is `Result<T>`.

use crate::errors::Errors;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, Block, FnArg, GenericArgument, Ident, Pat, PathArguments, ReturnType, Signature,
    Token, Type, Visibility,
};

/// The item exactly as written: attributes, visibility, signature and the body, if any.
pub struct Declaration {
    /// Attributes other than `#[prompt]` (doc comments included), kept on the output.
    pub attrs: Vec<Attribute>,
    /// Kept on the output.
    pub vis: Visibility,
    /// The signature as written (`async` still on it).
    pub sig: Signature,
    /// A body, which is an error: the macro writes the body.
    pub body: Option<Block>,
}

impl Parse for Declaration {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            Some(input.parse()?)
        };
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// A parameter that placeholders can name.
pub struct Param {
    /// The name placeholders use: raw prefix removed, `self` for a receiver.
    pub name: String,
    /// The identifier to emit (keeps `r#` if the user wrote it).
    pub ident: Ident,
    /// The whole parameter as written, where "unused parameter" errors point.
    pub arg: FnArg,
}

impl Param {
    /// True for `self`, `&self`, `&mut self` and typed receivers.
    pub fn is_receiver(&self) -> bool {
        matches!(self.arg, FnArg::Receiver(_))
    }
}

/// The declared return type and the value type `T` inside it.
pub struct ReturnShape {
    /// `Result<Person>` as written; kept in the output so rustc checks it (and a user's
    /// `use promptfn::Result;` stays used).
    pub declared: Type,
    /// `Person`: what the call decodes into.
    pub value: Type,
}

impl ReturnShape {
    /// True when `T` is written `Choices<…>` (any path ending in `Choices`).
    pub fn is_choices(&self) -> bool {
        last_segment_is(&self.value, "Choices")
    }
}

/// What the signature offers to the rest of the pipeline.
pub struct Analysed {
    /// Parameters in order; parameters with invalid patterns are left out (already reported).
    pub params: Vec<Param>,
    /// True when some parameter is a pattern such as `(a, b): (u8, u8)` (already reported):
    /// a placeholder may then name a binding inside it, so it is not reported as unknown.
    pub has_pattern_params: bool,
    /// `None` when the return type is missing or not `Result<T>` (already reported).
    pub output: Option<ReturnShape>,
}

/// Checks the declaration's shape, recording each problem on its own tokens.
pub fn analyse(decl: &Declaration, errors: &mut Errors) -> Analysed {
    let sig = &decl.sig;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            "#[prompt] functions must be declared `async fn … -> Result<T>;`",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.at(constness.span, "#[prompt] functions cannot be `const`");
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.at(unsafety.span, "#[prompt] functions cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(abi, "#[prompt] functions cannot declare an ABI");
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "#[prompt] functions cannot be variadic");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(
            &sig.generics,
            "#[prompt] functions cannot have generic parameters or a where clause",
        );
    }
    if let Some(body) = &decl.body {
        errors.at(
            body.brace_token.span.join(),
            "#[prompt] writes the function body: end the declaration with `;` instead of a block",
        );
    }
    let params: Vec<Param> = sig
        .inputs
        .iter()
        .filter_map(|arg| param(arg, errors))
        .collect();
    Analysed {
        has_pattern_params: params.len() < sig.inputs.len(),
        params,
        output: return_shape(sig, errors),
    }
}

fn param(arg: &FnArg, errors: &mut Errors) -> Option<Param> {
    let ident = match arg {
        FnArg::Receiver(receiver) => Ident::new("self", receiver.self_token.span),
        FnArg::Typed(typed) => match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                if let Some(mutability) = &pat.mutability {
                    // Still a parameter: placeholders naming it are not unknown.
                    errors.at(
                        mutability.span,
                        "remove `mut`: #[prompt] only reads its parameters",
                    );
                }
                pat.ident.clone()
            }
            other => {
                errors.spanned(
                    other,
                    "#[prompt] parameters must be plain names (`name: Type`) so placeholders \
                     can refer to them",
                );
                return None;
            }
        },
    };
    Some(Param {
        name: ident.unraw().to_string(),
        ident,
        arg: arg.clone(),
    })
}

fn return_shape(sig: &Signature, errors: &mut Errors) -> Option<ReturnShape> {
    let ReturnType::Type(_, declared) = &sig.output else {
        errors.at(
            sig.paren_token.span.close(),
            "missing return type: #[prompt] functions return `promptfn::Result<T>`, \
             e.g. `-> Result<String>`",
        );
        return None;
    };
    let value = result_value_type(declared);
    if value.is_none() {
        errors.spanned(
            declared,
            "#[prompt] functions must return `promptfn::Result<T>` (or `Result<T, E>`), \
             e.g. `-> Result<String>`",
        );
    }
    Some(ReturnShape {
        declared: (**declared).clone(),
        value: value?.clone(),
    })
}

/// `T` in `Result<T>`, `Result<T, E>` or `some::path::Result<T>`.
fn result_value_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter();
    match (types.next(), args.args.len()) {
        (Some(GenericArgument::Type(value)), 1 | 2) => Some(value),
        _ => None,
    }
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ungroup(ty) {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == name),
        _ => false,
    }
}

fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungroup(&group.elem),
        Type::Paren(paren) => ungroup(&paren.elem),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{ToTokens, quote};

    fn analyse_item(item: proc_macro2::TokenStream) -> (Analysed, Vec<String>) {
        let decl: Declaration = syn::parse2(item).expect("declaration parses");
        let mut errors = Errors::default();
        let analysed = analyse(&decl, &mut errors);
        (analysed, errors.messages())
    }

    fn type_string(ty: &Type) -> String {
        ty.to_token_stream().to_string()
    }

    #[test]
    fn accepts_a_body_less_async_fn_and_extracts_t() {
        let (analysed, errors) = analyse_item(quote!(
            pub async fn extract(text: &str, r#type: String) -> Result<Person>;
        ));
        assert_eq!(errors, Vec::<String>::new());
        let names: Vec<_> = analysed.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["text", "type"]);
        assert_eq!(analysed.params[1].ident.to_string(), "r#type");
        let output = analysed.output.expect("return shape");
        assert_eq!(type_string(&output.value), "Person");
        assert_eq!(type_string(&output.declared), "Result < Person >");
    }

    #[test]
    fn accepts_qualified_and_two_argument_results() {
        for item in [
            quote!(
                async fn f() -> promptfn::Result<Vec<Item>>;
            ),
            quote!(
                async fn f() -> ::core::result::Result<Vec<Item>, promptfn::Error>;
            ),
        ] {
            let (analysed, errors) = analyse_item(item);
            assert_eq!(errors, Vec::<String>::new());
            let output = analysed.output.expect("return shape");
            assert_eq!(type_string(&output.value), "Vec < Item >");
        }
    }

    #[test]
    fn receivers_are_parameters_named_self() {
        let (analysed, errors) = analyse_item(quote!(
            async fn ask(&self, q: &str) -> Result<String>;
        ));
        assert_eq!(errors, Vec::<String>::new());
        assert!(analysed.params[0].is_receiver());
        assert_eq!(analysed.params[0].name, "self");
        assert!(!analysed.params[1].is_receiver());
    }

    #[test]
    fn choices_is_recognised_by_its_last_segment() {
        let (analysed, _) = analyse_item(quote!(
            async fn f() -> Result<promptfn::Choices<String>>;
        ));
        assert!(analysed.output.expect("return shape").is_choices());
        let (analysed, _) = analyse_item(quote!(
            async fn f() -> Result<Vec<String>>;
        ));
        assert!(!analysed.output.expect("return shape").is_choices());
    }

    #[test]
    fn reports_every_shape_problem_at_once() {
        let (analysed, errors) = analyse_item(quote!(
            const unsafe extern "C" fn f<T>(mut a: T, (b, c): (u8, u8)) -> Option<T> {
                None
            }
        ));
        assert!(analysed.output.is_none());
        let names: Vec<_> = analysed.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a"], "a `mut` parameter is still a parameter");
        assert!(analysed.has_pattern_params);
        let expected = [
            "must be declared `async fn",
            "cannot be `const`",
            "cannot be `unsafe`",
            "cannot declare an ABI",
            "cannot have generic parameters",
            "writes the function body",
            "remove `mut`",
            "must be plain names",
            "must return `promptfn::Result<T>`",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        for (message, fragment) in errors.iter().zip(expected) {
            assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
        }
    }

    #[test]
    fn missing_return_type_is_an_error() {
        let (analysed, errors) = analyse_item(quote!(
            async fn f(x: u8);
        ));
        assert!(analysed.output.is_none());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("missing return type"));
    }

    #[test]
    fn result_without_type_argument_is_an_error() {
        for item in [
            quote!(
                async fn f() -> Result;
            ),
            quote!(
                async fn f() -> Result<'static>;
            ),
            quote!(
                async fn f() -> Outcome<String>;
            ),
            quote!(
                async fn f() -> <X as Y>::Result<String>;
            ),
        ] {
            let (analysed, errors) = analyse_item(item);
            assert!(analysed.output.is_none());
            assert_eq!(errors.len(), 1, "{errors:?}");
        }
    }

    #[test]
    fn where_clause_alone_counts_as_generic() {
        let (_, errors) = analyse_item(quote!(
            async fn f() -> Result<String>
            where
                String: Sized;
        ));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("where clause"));
    }
}
