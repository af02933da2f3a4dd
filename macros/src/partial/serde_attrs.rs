//! What `#[serde(…)]` attributes say about the JSON a type reads: names, defaults, skipped
//! fields and enum tagging. serde checks its own attributes; this reads the keys that change
//! the JSON's shape and ignores the rest. Keys whose shape cannot be known before a value
//! is complete (`flatten`, custom deserializers, `untagged`) are errors.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, ExprPath, Lit, LitStr};

use super::rename::RenameRule;
use crate::errors::Errors;

/// Container keys.
#[derive(Default)]
pub struct SerdeContainer {
    pub rename_all: Option<RenameRule>,
    pub rename_all_fields: Option<RenameRule>,
    pub tag: Option<String>,
    pub content: Option<String>,
    /// The whole struct has a default (`#[serde(default)]` on it).
    pub default: bool,
}

/// Field keys.
#[derive(Default)]
pub struct SerdeField {
    pub rename: Option<String>,
    pub aliases: Vec<String>,
    pub default: Option<FieldDefault>,
    /// `skip` or `skip_deserializing`: the field is never read from the JSON.
    pub skip: Option<Span>,
}

/// Variant keys.
#[derive(Default)]
pub struct SerdeVariant {
    pub rename: Option<String>,
    pub aliases: Vec<String>,
    pub rename_all: Option<RenameRule>,
    pub skip: bool,
}

/// Where a field's default comes from.
pub enum FieldDefault {
    /// `#[serde(default)]`: `Default::default()`.
    Trait,
    /// `#[serde(default = "path")]`.
    Function(ExprPath),
}

pub fn container(attrs: &[Attribute], errors: &mut Errors) -> SerdeContainer {
    let mut out = SerdeContainer::default();
    each_key(attrs, errors, |key, meta| {
        match key {
            "rename_all" => out.rename_all = rule(meta)?,
            "rename_all_fields" => out.rename_all_fields = rule(meta)?,
            "tag" => out.tag = Some(string(meta)?.value()),
            "content" => out.content = Some(string(meta)?.value()),
            "default" => {
                skip_value(meta)?;
                out.default = true;
            }
            "untagged" => {
                return Err(meta.error(
                    "#[derive(Partial)] cannot follow an untagged enum: its variant is known only \
                     once the whole value has arrived; tag it (`#[serde(tag = \"type\")]`) or \
                     stream a type without it",
                ));
            }
            _ => skip_value(meta)?,
        }
        Ok(())
    });
    out
}

pub fn field(attrs: &[Attribute], errors: &mut Errors) -> SerdeField {
    let mut out = SerdeField::default();
    each_key(attrs, errors, |key, meta| {
        match key {
            "rename" => out.rename = renamed(meta)?,
            "alias" => out.aliases.push(string(meta)?.value()),
            "default" => {
                out.default = Some(if meta.input.peek(syn::Token![=]) {
                    let path = string(meta)?;
                    FieldDefault::Function(path.parse()?)
                } else {
                    FieldDefault::Trait
                });
            }
            "skip" | "skip_deserializing" => out.skip = Some(meta.path.span_of_key()),
            "flatten" | "deserialize_with" | "with" => {
                return Err(meta.error(format!(
                    "#[derive(Partial)] cannot follow `{key}`: the field's JSON is not known \
                     until serde reads it whole; stream a type without it, or `#[serde(skip)]` \
                     the field"
                )));
            }
            _ => skip_value(meta)?,
        }
        Ok(())
    });
    out
}

pub fn variant(attrs: &[Attribute], errors: &mut Errors) -> SerdeVariant {
    let mut out = SerdeVariant::default();
    each_key(attrs, errors, |key, meta| {
        match key {
            "rename" => out.rename = renamed(meta)?,
            "alias" => out.aliases.push(string(meta)?.value()),
            "rename_all" => out.rename_all = rule(meta)?,
            "skip" | "skip_deserializing" => {
                skip_value(meta)?;
                out.skip = true;
            }
            "untagged" | "deserialize_with" | "with" => {
                return Err(meta.error(format!(
                    "#[derive(Partial)] cannot follow `{key}` on a variant: its JSON is not \
                     known until serde reads it whole"
                )));
            }
            _ => skip_value(meta)?,
        }
        Ok(())
    });
    out
}

/// Calls `f` with each key of every `#[serde(…)]` attribute. Attributes serde itself would
/// reject are left to serde's error.
fn each_key(
    attrs: &[Attribute],
    errors: &mut Errors,
    mut f: impl FnMut(&str, &ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let mut ours = None;
        let parsed = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().map(ToString::to_string) else {
                return skip_value(&meta);
            };
            f(&key, &meta).inspect_err(|e| ours = Some(e.clone()))
        });
        if let (Err(_), Some(error)) = (parsed, ours) {
            errors.push(error);
        }
    }
}

trait KeySpan {
    fn span_of_key(&self) -> Span;
}

impl KeySpan for syn::Path {
    fn span_of_key(&self) -> Span {
        self.segments
            .last()
            .map_or_else(Span::call_site, |s| s.ident.span())
    }
}

/// `key = "text"`.
fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(other, "expected a string")),
    }
}

/// `rename = "x"`, or `rename(deserialize = "x")` (the name read from JSON).
fn renamed(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(string(meta)?.value()));
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("deserialize") {
            name = Some(string(&inner)?.value());
            Ok(())
        } else {
            skip_value(&inner)
        }
    })?;
    Ok(name)
}

/// A `rename_all` rule; an unknown one is left to serde's own error.
fn rule(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<RenameRule>> {
    Ok(renamed(meta)?.and_then(|name| RenameRule::from_name(&name)))
}

/// Consumes a key's value, whatever its form.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _: proc_macro2::Group = meta.input.parse()?;
    }
    Ok(())
}
