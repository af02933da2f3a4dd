//! Prints the generated function, following the contract with `promptfn::__private` (the items
//! it re-exports, with the settings in `Decl`): a plain `fn` with the same name,
//! parameters and visibility that renders the prompt into a `PromptBuilder` and returns
//! `CRATE::Call<T>`.

use crate::attr::{Role, Settings, ToolChoice};
use crate::check::{Part, Plan, PlannedMessage};
use crate::crate_path::CratePath;
use crate::sig::{Declaration, ReturnShape};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, LitStr};

/// Everything code generation reads; all of it has been validated.
pub struct Input<'a> {
    /// The declaration as written.
    pub decl: &'a Declaration,
    /// How to name the runtime.
    pub krate: &'a CratePath,
    /// Request settings from the attribute.
    pub settings: &'a Settings,
    /// The resolved messages.
    pub plan: &'a Plan,
    /// The declared return type and `T`.
    pub output: &'a ReturnShape,
    /// Absolute paths of template files, tracked with `include_str!`.
    pub included_files: Vec<&'a str>,
}

/// The generated function.
pub fn generate(input: &Input<'_>) -> TokenStream {
    if let Some(kind) = input.plan.endpoint {
        return crate::endpoint_codegen::generate(input, kind);
    }
    let Input {
        decl,
        krate,
        output,
        ..
    } = input;
    let attrs = &decl.attrs;
    let vis = &decl.vis;
    let value = &output.value;
    let declared = &output.declared;
    let mut sig = decl.sig.clone();
    sig.asyncness = None;
    sig.output = syn::parse_quote!(-> #krate::Call<#value>);

    let spec = format_ident!("__PROMPTFN_SPEC", span = Span::mixed_site());
    let builder = format_ident!("__promptfn_b", span = Span::mixed_site());
    let spec_static = spec_static(input, &spec);
    let includes = input.included_files.iter().map(|path| {
        quote!(
            const _: &::core::primitive::str = ::core::include_str!(#path);
        )
    });
    let needs_kind_traits = input
        .plan
        .messages
        .iter()
        .any(|message| has_whole(&message.parts));
    let kind_traits = needs_kind_traits.then(|| {
        quote! {
            #[allow(unused_imports)]
            use #krate::__private::{PlaceAsMedia as _, PlaceAsText as _};
        }
    });
    let assert_return = quote_spanned! {located(declared.span())=>
        #krate::__private::assert_return::<#declared, #value>();
    };
    let assert_output = quote_spanned! {located(value.span())=>
        #krate::__private::assert_output::<#value>();
    };
    let mut messages: Vec<TokenStream> = input
        .plan
        .messages
        .iter()
        .map(|message| render_message(message, krate, &builder))
        .collect();
    if let Some((ident, at)) = &input.plan.history {
        let place = quote_spanned! {ident.span()=>
            #builder.history(&#ident);
        };
        messages.insert((*at).min(messages.len()), place);
    }
    // Tools are made at render time: a tool method is bound to `self` or a parameter.
    let tools = input.settings.tools.iter().flatten().map(|tool| {
        let tool = tool.to_tool();
        quote!(#builder.tool(#tool);)
    });

    // Items come before statements: clippy::items_after_statements is pedantic.
    quote! {
        #(#attrs)*
        #vis #sig {
            #(#includes)*
            #spec_static
            #kind_traits
            #[allow(unused_imports)]
            use #krate::__private::{HasValidator as _, NoValidator as _};
            #assert_return
            #assert_output
            let mut #builder = #krate::__private::PromptBuilder::new(&#spec);
            #(#messages)*
            #(#tools)*
            #builder.finish_checked::<#value>(
                (&#krate::__private::Probe::<#value>::NEW).__promptfn_validator(),
            )
        }
    }
}

/// A span that resolves like the call site (so user names are visible and lints treat the code
/// as generated) but that diagnostics show at `user_span`.
pub(crate) fn located(user_span: Span) -> Span {
    Span::call_site().located_at(user_span)
}

pub(crate) fn spec_static(input: &Input<'_>, spec: &Ident) -> TokenStream {
    let krate = input.krate;
    let settings = input.settings;
    let name = input.decl.sig.ident.unraw().to_string();
    let mut fields = Vec::new();
    let mut field = |name: &str, value: Option<TokenStream>| {
        if let Some(value) = value {
            let name = Ident::new(name, Span::call_site());
            fields.push(quote!(#name: #value,));
        }
    };
    field("model", settings.model.as_ref().map(|s| some(str_lit(s))));
    field(
        "temperature",
        settings.temperature.as_ref().map(|s| some(float(*s))),
    );
    field("top_p", settings.top_p.as_ref().map(|s| some(float(*s))));
    field(
        "max_tokens",
        settings
            .max_tokens
            .as_ref()
            .map(|s| some(Literal::u32_unsuffixed(*s))),
    );
    field(
        "stop",
        settings.stop.as_ref().map(|s| {
            let stops = s.iter().map(|stop| str_lit(stop));
            quote!(&[#(#stops),*])
        }),
    );
    field(
        "presence_penalty",
        settings.presence_penalty.as_ref().map(|s| some(float(*s))),
    );
    field(
        "frequency_penalty",
        settings.frequency_penalty.as_ref().map(|s| some(float(*s))),
    );
    field(
        "logit_bias",
        settings.logit_bias.as_ref().map(|s| {
            let pairs = s.iter().map(|(token, bias)| {
                let token = Literal::u32_unsuffixed(*token);
                let bias = integer(i64::from(*bias));
                quote!((#token, #bias))
            });
            quote!(&[#(#pairs),*])
        }),
    );
    field("seed", settings.seed.as_ref().map(|s| some(integer(*s))));
    field(
        "end_user",
        settings.end_user.as_ref().map(|s| some(str_lit(s))),
    );
    field(
        "n",
        settings
            .n
            .as_ref()
            .map(|s| some(Literal::u32_unsuffixed(*s))),
    );
    field("cache", settings.cache.map(|on| some(quote!(#on))));
    field(
        "web_search",
        settings.web_search.map(|on| some(quote!(#on))),
    );
    field(
        "reasoning",
        settings.reasoning.map(|r| {
            let variant = Ident::new(r.variant(), Span::call_site());
            some(quote!(#krate::Reasoning::#variant))
        }),
    );
    field(
        "mode",
        settings.mode.as_ref().map(|s| {
            let variant = Ident::new(s.variant(), Span::call_site());
            some(quote!(#krate::Mode::#variant))
        }),
    );
    field(
        "retries",
        settings
            .retries
            .as_ref()
            .map(|s| some(Literal::u32_unsuffixed(*s))),
    );
    field(
        "max_steps",
        settings
            .max_steps
            .as_ref()
            .map(|s| some(Literal::u32_unsuffixed(*s))),
    );
    field(
        "tool_choice",
        settings.tool_choice.as_ref().map(|choice| {
            let variant = Ident::new(choice.variant(), Span::call_site());
            let name = match choice {
                ToolChoice::Function(lit) => {
                    let lit = str_lit(&lit.value());
                    quote!((#lit))
                }
                _ => TokenStream::new(),
            };
            some(quote!(#krate::__private::ChoiceDecl::#variant #name))
        }),
    );
    // The settings sit in `Decl`, which has no destructor: a struct update from a constant
    // inside a `static` is only allowed then (E0493), and `OutputCache` holds a `OnceLock`.
    // The site's type name is the function's path (`app::Planner::run::__promptfn_site`),
    // which no macro can know: it tells apart methods of the same name on different types.
    quote! {
        fn __promptfn_site() {}
        static #spec: #krate::__private::PromptSpec = #krate::__private::PromptSpec {
            name: #name,
            site: || ::core::any::type_name_of_val(&__promptfn_site),
            decl: #krate::__private::Decl {
                #(#fields)*
                ..#krate::__private::Decl::DEFAULT
            },
            output: #krate::__private::OutputCache::new(),
        };
    }
}

pub(crate) fn render_message(
    message: &PlannedMessage,
    krate: &CratePath,
    builder: &Ident,
) -> TokenStream {
    let role = Ident::new(
        match message.role {
            Role::System => "System",
            Role::User => "User",
            Role::Assistant => "Assistant",
        },
        Span::call_site(),
    );
    let parts = message
        .parts
        .iter()
        .map(|part| render_part(part, krate, builder));
    quote! {
        #builder.start(#krate::__private::Role::#role);
        #(#parts)*
    }
}

/// Whether a whole placeholder is among `parts` (sections included).
fn has_whole(parts: &[Part]) -> bool {
    parts.iter().any(|part| match part {
        Part::Whole { .. } => true,
        Part::Section { parts, .. } => has_whole(parts),
        _ => false,
    })
}

fn render_part(part: &Part, krate: &CratePath, builder: &Ident) -> TokenStream {
    match part {
        Part::Section { ident, parts } => {
            let parts = parts.iter().map(|part| render_part(part, krate, builder));
            // Inside the section the parameter's name stands for the value.
            quote_spanned! {ident.span()=>
                if let ::core::option::Option::Some(#ident) = &#ident {
                    #(#parts)*
                }
            }
        }
        Part::Lines {
            ident,
            fields,
            span,
        } => quote_spanned! {*span=>
            #krate::__private::Lines::write_lines(&#ident #(.#fields)*, &mut #builder);
        },
        Part::Text(text) => {
            let text = str_lit(text);
            quote!(#builder.text(#text);)
        }
        Part::Whole { ident, span } => quote_spanned! {*span=>
            (&#krate::__private::Place(&#ident)).__promptfn_kind().place(&mut #builder, &#ident);
        },
        Part::Formatted {
            ident,
            fields,
            spec,
            span,
        } => {
            let format = LitStr::new(
                &match spec {
                    Some(spec) => format!("{{:{spec}}}"),
                    None => "{}".to_owned(),
                },
                *span,
            );
            quote_spanned! {*span=>
                #builder.text_fmt(::core::format_args!(#format, #ident #(.#fields)*));
            }
        }
    }
}

pub(crate) fn some(value: impl ToTokens) -> TokenStream {
    quote!(::core::option::Option::Some(#value))
}

pub(crate) fn str_lit(value: &str) -> LitStr {
    LitStr::new(value, Span::call_site())
}

/// A float literal; negative values as `-lit`, because a literal token cannot carry a sign.
pub(crate) fn float(value: f64) -> TokenStream {
    let magnitude = Literal::f64_unsuffixed(value.abs());
    if value.is_sign_negative() {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}

/// An integer literal; negative values as `-lit`, because a literal token cannot carry a sign.
fn integer(value: i64) -> TokenStream {
    let magnitude = Literal::u64_unsuffixed(value.unsigned_abs());
    if value < 0 {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}
