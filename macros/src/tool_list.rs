//! A list of tools as `tools = [...]` and `tools![...]` write it, and the expression that makes
//! each one a `Tool`.
//!
//! `#[tool]` puts a hidden companion next to each tool function, named after it
//! (`<name>__needs_the_tool_attribute`): beside a free or associated function, a function
//! taking the tool function itself; beside a method, a method binding the receiver. A reference
//! only has to rename its last segment, so it resolves wherever the user's path resolves: in a
//! module, a child module that imports it, or the function body both are declared in.
//!
//! The name is what rustc shows when a listed function has no `#[tool]`: "cannot find function
//! `get_weather__needs_the_tool_attribute`". A lookup that fell back to a stand-in with a
//! better message would need the stand-in in scope, and any scope it is put in shadows a
//! `#[tool]` declared further out (a tool in the body of the function that declares the
//! prompt is out of reach of every path): the name is the message that keeps every tool
//! reachable.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Member, Path, PathArguments};

/// One tool in a list.
pub enum ToolRef {
    /// `get_weather`, `tools::search`, `Self::lookup`: a free or associated `#[tool]` function.
    Function {
        /// The path as written.
        path: Path,
        /// Its last segment: the function's name.
        ident: Ident,
    },
    /// `self.lookup`, `db.query`: a `#[tool]` method bound to a receiver.
    Method {
        /// The receiver expression.
        receiver: Box<Expr>,
        /// The method's name.
        method: Ident,
    },
}

impl ToolRef {
    /// The tool's name as the model sees it (the function's name, raw prefix removed).
    pub fn name(&self) -> String {
        self.ident().unraw().to_string()
    }

    fn ident(&self) -> &Ident {
        match self {
            Self::Function { ident, .. } => ident,
            Self::Method { method, .. } => method,
        }
    }

    /// The receiver's root variable (`self` in `self.db.lookup`), when it is a plain name.
    pub fn receiver_root(&self) -> Option<String> {
        let Self::Method { receiver, .. } = self else {
            return None;
        };
        let mut expr = &**receiver;
        loop {
            match expr {
                Expr::Field(field) => expr = &field.base,
                Expr::Path(path) => return path.path.get_ident().map(|i| i.unraw().to_string()),
                _ => return None,
            }
        }
    }

    /// An expression of type `Tool`; errors (not a `#[tool]`) point at the tool's name.
    pub fn to_tool(&self) -> TokenStream {
        let ident = self.ident();
        let companion = companion(ident);
        match self {
            Self::Function { path, .. } => {
                let mut companion_path = path.clone();
                if let Some(last) = companion_path.segments.last_mut() {
                    last.ident = companion;
                }
                quote_spanned!(ident.span()=> #companion_path(#path))
            }
            Self::Method { receiver, .. } => {
                quote_spanned!(ident.span()=> (#receiver).#companion())
            }
        }
    }
}

/// The name of the companion `#[tool]` writes beside the function `tool`, spanned like it.
pub fn companion(tool: &Ident) -> Ident {
    format_ident!(
        "{}__needs_the_tool_attribute",
        tool.unraw(),
        span = tool.span()
    )
}

/// Reads `[a, b::c, self.d]` (the array brackets optional for `tools![…]`).
pub fn parse_array(value: &Expr) -> syn::Result<Vec<ToolRef>> {
    let Expr::Array(array) = value else {
        return Err(syn::Error::new_spanned(
            value,
            "`tools` expects an array of `#[tool]` functions, e.g. `tools = [get_weather, search]`",
        ));
    };
    let mut tools = Vec::with_capacity(array.elems.len());
    let mut errors: Option<syn::Error> = None;
    for elem in &array.elems {
        match parse_one(elem) {
            Ok(tool) => tools.push(tool),
            Err(error) => match &mut errors {
                Some(all) => all.combine(error),
                None => errors = Some(error),
            },
        }
    }
    match errors {
        Some(error) => Err(error),
        None => Ok(tools),
    }
}

/// One element: a path to a `#[tool]` function or `receiver.method`.
pub fn parse_one(elem: &Expr) -> syn::Result<ToolRef> {
    match elem {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            let Some(last) = path.path.segments.last() else {
                return Err(syn::Error::new_spanned(path, "expected a function name"));
            };
            if !matches!(last.arguments, PathArguments::None) {
                return Err(syn::Error::new_spanned(
                    path,
                    "a tool is named without generic arguments: `#[tool]` functions are not generic",
                ));
            }
            Ok(ToolRef::Function {
                path: path.path.clone(),
                ident: last.ident.clone(),
            })
        }
        Expr::Field(field) => match &field.member {
            Member::Named(method) => Ok(ToolRef::Method {
                receiver: field.base.clone(),
                method: method.clone(),
            }),
            Member::Unnamed(index) => Err(syn::Error::new(
                index.span(),
                "expected a method name after `.`, e.g. `self.lookup`",
            )),
        },
        Expr::Group(group) => parse_one(&group.expr),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a `#[tool]` function (`get_weather`, `module::search`, `Self::lookup`) or a \
             `#[tool]` method of a value (`self.lookup`)",
        )),
    }
}

/// `tools![a, b, self.c]`: an array of `Tool`s.
pub fn tools_macro(input: TokenStream) -> TokenStream {
    let parsed = syn::parse2::<syn::ExprArray>(quote!([#input]))
        .map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("tools![…] lists `#[tool]` functions separated by commas ({e})"),
            )
        })
        .and_then(|array| parse_array(&Expr::Array(array)));
    match parsed {
        Ok(tools) => {
            let tools = tools.iter().map(ToolRef::to_tool);
            quote!([#(#tools),*])
        }
        Err(error) => error.to_compile_error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: TokenStream) -> String {
        tools_macro(input).to_string()
    }

    #[test]
    fn functions_and_methods_reach_their_companions() {
        assert_eq!(
            tokens(quote!(
                get_weather,
                geo::search,
                Self::r#type,
                self.db.lookup
            )),
            quote!([
                get_weather__needs_the_tool_attribute(get_weather),
                geo::search__needs_the_tool_attribute(geo::search),
                Self::type__needs_the_tool_attribute(Self::r#type),
                (self.db).lookup__needs_the_tool_attribute()
            ])
            .to_string()
        );
        assert_eq!(tokens(quote!()), quote!([]).to_string());
    }

    #[test]
    fn names_and_receiver_roots() {
        let tools = parse_array(&syn::parse_quote!([a::r#fn, self.x.y, db.q])).unwrap();
        let names: Vec<_> = tools.iter().map(ToolRef::name).collect();
        assert_eq!(names, ["fn", "y", "q"]);
        let roots: Vec<_> = tools.iter().map(ToolRef::receiver_root).collect();
        assert_eq!(roots, [None, Some("self".into()), Some("db".into())]);
    }

    #[test]
    fn other_expressions_are_errors() {
        for (value, fragment) in [
            (quote!(get_weather), "`tools` expects an array"),
            (quote!([f::<u8>]), "without generic arguments"),
            (quote!([1 + 2]), "expected a `#[tool]` function"),
            (quote!([self.0]), "expected a method name"),
        ] {
            let expr: Expr = syn::parse2(value).unwrap();
            let error = parse_array(&expr).err().expect("an error").to_string();
            assert!(error.contains(fragment), "{error:?} lacks {fragment:?}");
        }
        let errors = parse_array(&syn::parse_quote!([1, 2])).err().unwrap();
        assert_eq!(errors.into_iter().count(), 2);
    }
}
