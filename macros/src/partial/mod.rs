//! `#[derive(Partial)]`: the partial form of a struct or enum, for snapshots while an answer
//! streams. `ast` reads and checks the input (serde's attributes through `serde_attrs` and
//! `rename`), `codegen` writes the partial type and the `promptfn::Partial` impl.

mod ast;
mod codegen;
mod rename;
mod serde_attrs;

use proc_macro2::TokenStream;

use crate::errors::Errors;

/// Expands `#[derive(Partial)]` on `input`; on errors, only the errors.
pub fn derive(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let read = ast::read(&input, &mut errors);
    match read {
        Some(read) if errors.is_empty() => codegen::generate(&read),
        _ => errors.into_compile_errors(),
    }
}
