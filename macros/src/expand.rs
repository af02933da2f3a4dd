//! The `#[prompt]` pipeline: parse the attribute and the declaration, check them together,
//! then generate code, or, on any error, a stand-in function plus every error at once.

use crate::attr::{self, Args};
use crate::check;
use crate::codegen::{self, Input};
use crate::crate_path::CratePath;
use crate::errors::Errors;
use crate::sig::{self, Declaration};
use proc_macro2::TokenStream;
use quote::quote;

/// Expands `#[prompt(attr)] item`.
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let decl = match syn::parse2::<Declaration>(item.clone()) {
        Ok(decl) => decl,
        Err(error) => {
            // Not a function at all: keep the item so the rest of the crate still resolves it.
            let hint = syn::Error::new(
                error.span(),
                format!(
                    "#[prompt] applies to a body-less `async fn name(…) -> Result<T>;` \
                     declaration ({error})"
                ),
            );
            errors.push(hint);
            let mut output = errors.into_compile_errors();
            output.extend(item);
            return output;
        }
    };

    let args = attr::parse(attr, &mut errors);
    let analysed = sig::analyse(&decl, &mut errors);
    let plan = check::resolve(&args, &analysed, &mut errors);

    match analysed.output {
        Some(output) if errors.is_empty() => codegen::generate(&Input {
            decl: &decl,
            krate: &args.crate_path,
            settings: &args.settings,
            plan: &plan,
            output: &output,
            included_files: included_files(&args),
        }),
        output => {
            let stub = stand_in(&decl, &args.crate_path, output.as_ref());
            let errors = errors.into_compile_errors();
            quote!(#errors #stub)
        }
    }
}

fn included_files(args: &Args) -> Vec<&str> {
    args.messages
        .iter()
        .filter_map(|message| message.text.included_file())
        .collect()
}

/// A function with the signature callers expect, so that the only errors they see are the
/// macro's own: with a known `T` it returns `CRATE::Call<T>` like the real expansion; without
/// one it stays an `async fn` with the declared return type, which `.await` also accepts.
/// The body never runs: the crate does not compile while the macro reports errors.
fn stand_in(
    decl: &Declaration,
    krate: &CratePath,
    output: Option<&sig::ReturnShape>,
) -> TokenStream {
    let attrs = &decl.attrs;
    let vis = &decl.vis;
    let mut sig = decl.sig.clone();
    // Mention the declared type so that a `use promptfn::Result;` does not turn unused.
    let declared = output.map(|output| {
        let declared = &output.declared;
        quote!(let _: ::core::marker::PhantomData<#declared>;)
    });
    if let Some(output) = output {
        let value = &output.value;
        sig.asyncness = None;
        sig.output = syn::parse_quote!(-> #krate::Call<#value>);
    }
    quote! {
        #(#attrs)*
        #[allow(unused_variables, unused_mut, clippy::unused_async, clippy::unused_self)]
        #vis #sig {
            #declared
            ::core::unreachable!()
        }
    }
}
