//! Collects every independent error so one compile reports them all.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::fmt::Display;

/// Error accumulator: errors are joined with [`syn::Error::combine`], each keeping its span.
#[derive(Default)]
pub struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records an error that already has its span.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Records `message` at `span`.
    pub fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records `message` spanning all of `tokens` (first to last token, even on stable).
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records the error of `result`, if any, and passes its value on.
    pub fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// One `compile_error!` per recorded error; empty when there are none.
    pub fn into_compile_errors(self) -> TokenStream {
        self.combined
            .map(|error| error.to_compile_error())
            .unwrap_or_default()
    }

    /// The messages recorded so far, for tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.combined
            .iter()
            .flat_map(|error| error.clone().into_iter().map(|e| e.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_collector_emits_nothing() {
        let errors = Errors::default();
        assert!(errors.is_empty());
        assert!(errors.into_compile_errors().is_empty());
    }

    #[test]
    fn every_error_becomes_one_compile_error() {
        let mut errors = Errors::default();
        errors.at(Span::call_site(), "first");
        errors.ok::<()>(Err(syn::Error::new(Span::call_site(), "second")));
        assert_eq!(errors.messages(), ["first", "second"]);
        let output = errors.into_compile_errors().to_string();
        assert_eq!(output.matches("compile_error").count(), 2, "{output}");
    }
}
