//! `#[derive(Partial)]`'s input as code generation needs it: every field and variant with the
//! names it has in the JSON, its defaults and its `#[partial(…)]` flags. Problems are recorded
//! in [`Errors`], each at the narrowest span; reading goes on so that one compile shows them all.

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, Member, Type, Visibility};

use super::rename::RenameRule;
use super::serde_attrs::{self, FieldDefault, SerdeContainer};
use crate::crate_path::CratePath;
use crate::errors::Errors;
use crate::suggest;

const CONTAINER_KEYS: &[&str] = &["crate"];
const FIELD_KEYS: &[&str] = &["done", "required"];

/// The type the derive is on.
pub struct Input {
    pub ident: Ident,
    pub vis: Visibility,
    pub docs: Vec<Attribute>,
    pub krate: CratePath,
    pub shape: Shape,
}

pub enum Shape {
    Struct(Vec<Field>),
    Enum {
        variants: Vec<Variant>,
        tagging: Tagging,
    },
}

/// How an enum's variant is written in JSON (serde's representations).
pub enum Tagging {
    /// `"Unit"` or `{"Variant": …}`.
    External,
    /// `{"tag": "Variant", …fields}`.
    Internal { tag: String },
    /// `{"tag": "Variant", "content": …}`.
    Adjacent { tag: String, content: String },
}

pub struct Field {
    /// The field's name, or `0` in a newtype variant.
    pub member: Member,
    pub vis: Visibility,
    pub docs: Vec<Attribute>,
    pub ty: Type,
    /// The names the JSON may use: the (renamed) name, then aliases.
    pub names: Vec<String>,
    pub done: bool,
    pub required: bool,
    pub default: Option<DefaultFrom>,
    /// Never read from the JSON (`#[serde(skip)]`): left out of the partial form.
    pub skip: bool,
}

/// Where a missing field's default comes from.
pub enum DefaultFrom {
    Trait,
    Function(syn::ExprPath),
    /// The struct's own `Default` (`#[serde(default)]` on the struct).
    Container,
}

pub struct Variant {
    pub ident: Ident,
    pub docs: Vec<Attribute>,
    pub names: Vec<String>,
    pub kind: VariantKind,
    pub skip: bool,
}

pub enum VariantKind {
    Unit,
    /// One unnamed field; its partial form is the field's.
    Newtype(Box<Field>),
    Struct(Vec<Field>),
}

/// Reads the derive input; `None` when nothing sensible can be generated.
pub fn read(input: &DeriveInput, errors: &mut Errors) -> Option<Input> {
    let krate = container_attr(&input.attrs, errors);
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.spanned(
            &input.generics,
            "#[derive(Partial)] does not support generic types yet: derive it on a concrete \
             type (a generic field type such as `Vec<Item>` is fine)",
        );
    }
    let serde = serde_attrs::container(&input.attrs, errors);
    let shape = match &input.data {
        Data::Struct(data) => {
            let Fields::Named(named) = &data.fields else {
                let at = match &data.fields {
                    Fields::Unnamed(fields) => fields.span(),
                    _ => input.ident.span(),
                };
                errors.at(
                    at,
                    "#[derive(Partial)] needs named fields: a snapshot says which fields have \
                     arrived by name",
                );
                return None;
            };
            let fields = named
                .named
                .iter()
                .map(|f| field(f, serde.rename_all, serde.default, errors))
                .collect();
            Shape::Struct(fields)
        }
        Data::Enum(data) => {
            let tagging = tagging(&serde);
            let variants = data
                .variants
                .iter()
                .map(|v| variant(v, &serde, errors))
                .collect();
            Shape::Enum { variants, tagging }
        }
        Data::Union(data) => {
            errors.at(
                data.union_token.span,
                "#[derive(Partial)] applies to structs and enums, not unions",
            );
            return None;
        }
    };
    Some(Input {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        docs: docs(&input.attrs),
        krate,
        shape,
    })
}

fn docs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect()
}

/// `#[partial(crate = path)]` on the type.
fn container_attr(attrs: &[Attribute], errors: &mut Errors) -> CratePath {
    let mut krate = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("partial")) {
        errors.ok(attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.unraw().to_string());
            match key.as_deref() {
                Some("crate") => {
                    if krate.is_some() {
                        return Err(meta.error("duplicate #[partial] key `crate`"));
                    }
                    let value: Expr = meta.value()?.parse()?;
                    krate = Some(CratePath::from_value(&value)?);
                    Ok(())
                }
                Some(key @ ("done" | "required")) => Err(meta.error(format!(
                    "`{key}` goes on a field, not on the type: `#[partial({key})] field: Type`"
                ))),
                _ => Err(unknown_key(&meta, "on a type", CONTAINER_KEYS)),
            }
        }));
    }
    krate.unwrap_or_default()
}

fn unknown_key(meta: &syn::meta::ParseNestedMeta<'_>, place: &str, keys: &[&str]) -> syn::Error {
    let name = meta.path.to_token_stream().to_string().replace(' ', "");
    meta.error(format!(
        "unknown #[partial] key `{name}`{}; valid keys {place}: {}",
        suggest::did_you_mean(&name, keys.iter().copied()),
        keys.join(", ")
    ))
}

/// `done` and `required` of a field, each with the span it was written at.
#[derive(Default)]
struct Flags {
    done: Option<Span>,
    required: Option<Span>,
}

fn field_flags(attrs: &[Attribute], errors: &mut Errors) -> Flags {
    let mut flags = Flags::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("partial")) {
        errors.ok(attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.unraw().to_string());
            let slot = match key.as_deref() {
                Some("done") => &mut flags.done,
                Some("required") => &mut flags.required,
                Some("crate") => {
                    return Err(meta.error(
                        "`crate` goes on the type, not on a field: `#[partial(crate = path)]`",
                    ));
                }
                _ => return Err(unknown_key(&meta, "on a field", FIELD_KEYS)),
            };
            let name = key.unwrap_or_default();
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                return Err(meta.error(format!(
                    "`{name}` takes no value: write `#[partial({name})]`"
                )));
            }
            if slot.is_some() {
                return Err(meta.error(format!("duplicate #[partial] key `{name}`")));
            }
            *slot = Some(meta.path.span());
            Ok(())
        }));
    }
    flags
}

fn field(
    f: &syn::Field,
    rename_all: Option<RenameRule>,
    container_default: bool,
    errors: &mut Errors,
) -> Field {
    let serde = serde_attrs::field(&f.attrs, errors);
    let flags = field_flags(&f.attrs, errors);
    let (member, rust_name) = match &f.ident {
        Some(ident) => (Member::Named(ident.clone()), ident.unraw().to_string()),
        None => (Member::Unnamed(0.into()), String::new()),
    };
    let name = serde.rename.unwrap_or_else(|| {
        rename_all.map_or_else(|| rust_name.clone(), |rule| rule.apply_to_field(&rust_name))
    });
    let mut names = vec![name];
    names.extend(serde.aliases);
    let default = match serde.default {
        Some(FieldDefault::Trait) => Some(DefaultFrom::Trait),
        Some(FieldDefault::Function(path)) => Some(DefaultFrom::Function(path)),
        None if container_default => Some(DefaultFrom::Container),
        None => None,
    };
    if serde.skip.is_some() {
        for (flag, name) in [(flags.done, "done"), (flags.required, "required")] {
            if let Some(span) = flag {
                errors.at(
                    span,
                    format!("`{name}` on a field serde skips: the field is never in the answer"),
                );
            }
        }
    }
    if let (Some(required), Some(_)) = (flags.required, &default) {
        errors.at(
            required,
            "`required` on a field with a serde default: the field always has a value, so \
             `required` would never hold a snapshot back; remove one of them",
        );
    }
    Field {
        member,
        vis: f.vis.clone(),
        docs: docs(&f.attrs),
        ty: f.ty.clone(),
        names,
        done: flags.done.is_some(),
        required: flags.required.is_some(),
        default,
        skip: serde.skip.is_some(),
    }
}

fn tagging(serde: &SerdeContainer) -> Tagging {
    match (&serde.tag, &serde.content) {
        (Some(tag), None) => Tagging::Internal { tag: tag.clone() },
        (Some(tag), Some(content)) => Tagging::Adjacent {
            tag: tag.clone(),
            content: content.clone(),
        },
        // serde itself reports `content` without `tag`.
        (None, _) => Tagging::External,
    }
}

fn variant(v: &syn::Variant, container: &SerdeContainer, errors: &mut Errors) -> Variant {
    let serde = serde_attrs::variant(&v.attrs, errors);
    for attr in v.attrs.iter().filter(|a| a.path().is_ident("partial")) {
        errors.spanned(
            attr,
            "#[partial] has no keys for a variant: `done` and `required` go on its fields",
        );
    }
    let rust_name = v.ident.unraw().to_string();
    let name = serde.rename.unwrap_or_else(|| {
        container.rename_all.map_or_else(
            || rust_name.clone(),
            |rule| rule.apply_to_variant(&rust_name),
        )
    });
    let mut names = vec![name];
    names.extend(serde.aliases);
    let field_rule = serde.rename_all.or(container.rename_all_fields);
    let kind = match &v.fields {
        Fields::Unit => VariantKind::Unit,
        Fields::Named(named) => VariantKind::Struct(
            named
                .named
                .iter()
                .map(|f| field(f, field_rule, false, errors))
                .collect(),
        ),
        Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
            let unnamed_first = &unnamed.unnamed[0];
            VariantKind::Newtype(Box::new(field(unnamed_first, None, false, errors)))
        }
        Fields::Unnamed(unnamed) => {
            errors.spanned(
                unnamed,
                "#[derive(Partial)] does not follow tuple variants with several fields: name \
                 the fields (`Variant { a: A, b: B }`) or wrap them in a struct",
            );
            VariantKind::Unit
        }
    };
    Variant {
        ident: v.ident.clone(),
        docs: docs(&v.attrs),
        names,
        kind,
        skip: serde.skip,
    }
}
