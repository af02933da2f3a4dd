//! The path generated code uses to reach the runtime crate.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Expr, Lit, Path};

/// `::promptfn` by default, or the path given by `#[prompt(crate = path)]`.
///
/// Every runtime item in the output is written through this, so a user who re-exports
/// promptfn (or renames the dependency) only needs `crate = …`.
#[derive(Clone)]
pub struct CratePath {
    path: Path,
}

impl Default for CratePath {
    fn default() -> Self {
        Self {
            path: syn::parse_quote!(::promptfn),
        }
    }
}

impl CratePath {
    /// Reads `crate = my::reexport` or, as serde allows, `crate = "my::reexport"`.
    pub fn from_value(value: &Expr) -> syn::Result<Self> {
        let path = match value {
            Expr::Path(expr) if expr.qself.is_none() && expr.attrs.is_empty() => expr.path.clone(),
            Expr::Lit(expr) => match &expr.lit {
                Lit::Str(lit) => lit.parse::<Path>()?,
                other => return Err(not_a_path(other)),
            },
            Expr::Group(group) => return Self::from_value(&group.expr),
            other => return Err(not_a_path(other)),
        };
        Ok(Self { path })
    }
}

fn not_a_path(tokens: impl ToTokens) -> syn::Error {
    syn::Error::new_spanned(
        tokens,
        "`crate` expects a path to the promptfn crate, e.g. `crate = ::promptfn` or \
         `crate = my_crate::promptfn`",
    )
}

impl ToTokens for CratePath {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.path.to_tokens(tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn path_of(value: &Expr) -> syn::Result<String> {
        CratePath::from_value(value).map(|path| path.to_token_stream().to_string())
    }

    #[test]
    fn defaults_to_the_absolute_promptfn_path() {
        assert_eq!(
            CratePath::default().to_token_stream().to_string(),
            quote!(::promptfn).to_string()
        );
    }

    #[test]
    fn accepts_a_path_or_a_string_holding_a_path() {
        assert_eq!(
            path_of(&syn::parse_quote!(crate::llm::promptfn)).ok(),
            Some(quote!(crate::llm::promptfn).to_string())
        );
        assert_eq!(
            path_of(&syn::parse_quote!("::my_reexport::promptfn")).ok(),
            Some(quote!(::my_reexport::promptfn).to_string())
        );
    }

    #[test]
    fn rejects_other_values() {
        for value in [
            syn::parse_quote!(1),
            syn::parse_quote!(a + b),
            syn::parse_quote!("not a path!"),
        ] {
            assert!(path_of(&value).is_err());
        }
    }
}
