//! Prints a `#[tool]`: the function as written, plus its hidden companion that makes it a
//! `CRATE::Tool` (see `tool_list.rs` for how references find the companion).
//!
//! Beside a free or associated function the companion takes the function itself as a value
//! (`f__needs_the_tool_attribute(f)`), so it never has to name it: a plain name would not resolve to an
//! associated function, and `Self::f` not to a free one. Beside a method it binds a clone of
//! the receiver.

use crate::crate_path::CratePath;
use crate::tool::{ReceiverKind, ToolFn};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;
use syn::spanned::Spanned;

/// The function and its companion.
pub fn generate(tool: &ToolFn, krate: &CratePath) -> TokenStream {
    let item = &tool.item;
    let vis = &item.vis;
    // Named after the function, not the tool's given name: lists name the function.
    let companion = crate::tool_list::companion(&item.sig.ident);
    let def = definition(tool, krate);
    let checks = checks(tool, krate);
    let marker = marker(tool, krate);
    let (bind_args, args) = take_arguments(tool);
    let is_async = item.sig.asyncness.is_some();
    let output = &tool.output;
    // The call that turns the return value into the tool's result carries the return type's
    // span: a return type that cannot be a result is reported there, once.
    let output_span = located(match &item.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => item.sig.ident.span(),
    });
    let finish_future =
        quote_spanned!(output_span=> #krate::__private::tool_future::<#marker, _, _>);
    let finish_ready = quote_spanned!(output_span=> #krate::__private::tool_ready::<#marker, _>);
    let attrs = quote! {
        #[doc(hidden)]
        #[allow(dead_code, unused_mut, non_snake_case, clippy::needless_pass_by_value)]
    };

    let companion_fn = match tool.receiver {
        None => {
            let types = tool.params.iter().map(|p| &p.ty);
            let (generics, bounds, run) = if is_async {
                (
                    quote!(<__PromptfnF, __PromptfnR>),
                    quote! {
                        __PromptfnF: ::core::ops::Fn(#(#types),*) -> __PromptfnR
                            + ::core::marker::Send + ::core::marker::Sync + 'static,
                        __PromptfnR: ::core::future::Future<Output = #output>
                            + ::core::marker::Send + 'static,
                    },
                    quote!(#finish_future(__promptfn_f(#(#args),*))),
                )
            } else {
                (
                    quote!(<__PromptfnF>),
                    quote! {
                        __PromptfnF: ::core::ops::Fn(#(#types),*) -> #output
                            + ::core::marker::Send + ::core::marker::Sync + 'static,
                    },
                    quote!(#finish_ready(__promptfn_f(#(#args),*))),
                )
            };
            quote! {
                #attrs
                #vis fn #companion #generics(__promptfn_f: __PromptfnF) -> #krate::Tool
                where
                    #bounds
                {
                    #checks
                    #krate::__private::new_tool(#def, move |mut __promptfn_args| {
                        #bind_args
                        #run
                    })
                }
            }
        }
        Some(kind) => {
            let method = &item.sig.ident;
            let receiver_span = item
                .sig
                .receiver()
                .map_or_else(Span::call_site, |r| r.span());
            let this =
                quote_spanned!(receiver_span=> #krate::__private::tool_receiver::<Self>(self));
            let call_on = match kind {
                ReceiverKind::Ref => quote!(__promptfn_this),
                ReceiverKind::Value => quote!(::core::clone::Clone::clone(&__promptfn_this)),
            };
            let run = if is_async {
                quote! {
                    let __promptfn_this = ::core::clone::Clone::clone(&__promptfn_this);
                    #finish_future(async move {
                        __promptfn_this.#method(#(#args),*).await
                    })
                }
            } else {
                quote!(#finish_ready(#call_on.#method(#(#args),*)))
            };
            quote! {
                #attrs
                #vis fn #companion(&self) -> #krate::Tool {
                    #checks
                    let __promptfn_this = #this;
                    #krate::__private::new_tool(#def, move |mut __promptfn_args| {
                        #bind_args
                        #run
                    })
                }
            }
        }
    };
    // Tool parameters must be owned (the arguments are decoded into them), so clippy's advice
    // to borrow instead cannot be followed.
    quote! {
        #[allow(clippy::needless_pass_by_value)]
        #item
        #companion_fn
    }
}

/// The `&'static ToolDef`, in an inline constant so that `Self` and the parameter types
/// resolve as in the function.
fn definition(tool: &ToolFn, krate: &CratePath) -> TokenStream {
    let name = LitStr::new(&tool.name, Span::call_site());
    let description = LitStr::new(&tool.description, Span::call_site());
    let params = tool.params.iter().map(|p| {
        let name = LitStr::new(&p.name, Span::call_site());
        let description = LitStr::new(&p.description, Span::call_site());
        let required = p.required;
        let ty = &p.ty;
        quote! {
            #krate::__private::ParamDef {
                name: #name,
                description: #description,
                required: #required,
                schema: #krate::__private::param_schema::<#ty>,
            }
        }
    });
    quote! {
        const {
            &#krate::__private::ToolDef {
                name: #name,
                description: #description,
                params: &[#(#params),*],
            }
        }
    }
}

/// Parameter type checks spanned on the types, so errors read like advice where they belong.
fn checks(tool: &ToolFn, krate: &CratePath) -> TokenStream {
    let params = tool.params.iter().map(|p| {
        let ty = &p.ty;
        quote_spanned!(located(ty.span())=> #krate::__private::assert_tool_param::<#ty>();)
    });
    quote!(#(#params)*)
}

/// `ResultOutput` for `Result<…>` (the `Err` is a failure the model is told about), else
/// `ValueOutput`.
fn marker(tool: &ToolFn, krate: &CratePath) -> TokenStream {
    if tool.returns_result {
        quote!(#krate::__private::ResultOutput)
    } else {
        quote!(#krate::__private::ValueOutput)
    }
}

/// Statements that take each argument out of `__promptfn_args` (noting every problem) and
/// return the failure if any is missing, and the bindings to pass on.
fn take_arguments(tool: &ToolFn) -> (TokenStream, Vec<TokenStream>) {
    if tool.params.is_empty() {
        return (quote!(let _ = &mut __promptfn_args;), Vec::new());
    }
    let bindings: Vec<_> = tool
        .params
        .iter()
        .enumerate()
        .map(|(i, _)| format_ident!("__promptfn_arg{i}"))
        .collect();
    let takes = tool.params.iter().zip(&bindings).map(|(p, binding)| {
        let ty = &p.ty;
        let name = LitStr::new(&p.name, Span::call_site());
        quote!(let #binding = __promptfn_args.take::<#ty>(#name);)
    });
    let bind = quote! {
        #(#takes)*
        let (#(::core::option::Option::Some(#bindings),)*) = (#(#bindings,)*) else {
            return __promptfn_args.rejected();
        };
    };
    (bind, bindings.iter().map(|b| quote!(#b)).collect())
}

/// Resolves like the call site, reported at `user_span`.
fn located(user_span: Span) -> Span {
    Span::call_site().located_at(user_span)
}
