//! Writes the partial form of a checked [`Input`] and its `promptfn::Partial` impl.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, Member};

use super::ast::{DefaultFrom, Field, Input, Shape, Tagging, Variant, VariantKind};

pub fn generate(input: &Input) -> TokenStream {
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let name = &input.ident;
    let partial = format_ident!("{}Partial", name.unraw(), span = name.span());
    let vis = &input.vis;
    let doc = format!(
        "The partial form of [`{name}`]: what has arrived of it while the answer streams \
         (`<{name} as promptfn::Partial>::Partial`, written by `#[derive(Partial)]`)."
    );
    let core = quote!(#private::core);
    let gen_ = Gen {
        private: &private,
        partial: &partial,
    };
    let (declaration, partial_of, partial_from, wrapped) = match &input.shape {
        Shape::Struct(fields) => {
            let kept: Vec<&Field> = fields.iter().filter(|f| !f.skip).collect();
            let decls = kept.iter().map(|f| gen_.field_decl(f, true));
            let declaration = quote! {
                #[derive(#core::fmt::Debug, #core::clone::Clone, #core::cmp::PartialEq, #core::default::Default)]
                #vis struct #partial { #(#decls,)* }
            };
            let reader = gen_.reader(&kept, &quote!(#partial), true);
            let partial_of = quote! {
                let _ = node.members()?;
                let __node = #core::option::Option::Some(node);
                #reader
            };
            let inits = kept.iter().map(|f| {
                let member = &f.member;
                let ty = &f.ty;
                quote!(#member: #private::complete_field::<#ty>(&value.#member))
            });
            let partial_from = quote!(#core::option::Option::Some(#partial { #(#inits,)* }));
            (declaration, partial_of, partial_from, false)
        }
        Shape::Enum { variants, tagging } => {
            let kept: Vec<&Variant> = variants.iter().filter(|v| !v.skip).collect();
            let decls = kept.iter().map(|v| gen_.variant_decl(v));
            let declaration = quote! {
                #[derive(#core::fmt::Debug, #core::clone::Clone, #core::cmp::PartialEq)]
                #vis enum #partial { #(#decls,)* }
            };
            let partial_of = gen_.enum_reader(&kept, tagging);
            let arms = variants.iter().map(|v| gen_.finished_variant(v));
            let partial_from = quote!(match value { #(#arms)* });
            let wrapped = matches!(tagging, Tagging::External);
            (declaration, partial_of, partial_from, wrapped)
        }
    };
    let docs = &input.docs;
    let wrapped = wrapped.then(|| {
        quote!(
            const WRAPPED: bool = true;
        )
    });
    quote! {
        #[doc = #doc]
        #[doc = ""]
        #(#docs)*
        #declaration

        #[automatically_derived]
        impl #krate::Partial for #name {
            type Partial = #partial;
            #wrapped

            fn partial_of(node: #private::PartialNode<'_>) -> #core::option::Option<#partial> {
                #partial_of
            }

            fn partial_from(value: &Self) -> #core::option::Option<#partial> {
                #partial_from
            }
        }

        #[automatically_derived]
        impl #private::StreamSealed for #name {}

        #[automatically_derived]
        impl #krate::Streamable for #name {
            type Stream = #krate::PartialStream<#name>;

            fn open(call: #krate::Call<Self>) -> Self::Stream {
                #private::open_partial(call)
            }
        }
    }
}

struct Gen<'a> {
    private: &'a TokenStream,
    partial: &'a Ident,
}

impl Gen<'_> {
    /// `Option<<Ty as PartialField>::Partial>`, spanned on the field's type so that a type
    /// without a partial form is reported there.
    fn slot_type(&self, field: &Field) -> TokenStream {
        let private = self.private;
        let ty = &field.ty;
        quote_spanned! {ty.span()=>
            #private::core::option::Option<<#ty as #private::PartialField>::Partial>
        }
    }

    fn field_decl(&self, field: &Field, with_vis: bool) -> TokenStream {
        let docs = &field.docs;
        let vis = with_vis.then_some(&field.vis);
        let slot = self.slot_type(field);
        match &field.member {
            Member::Named(ident) => quote!(#(#docs)* #vis #ident: #slot),
            Member::Unnamed(_) => quote!(#(#docs)* #slot),
        }
    }

    fn variant_decl(&self, variant: &Variant) -> TokenStream {
        let ident = &variant.ident;
        let docs = &variant.docs;
        match &variant.kind {
            VariantKind::Unit => quote!(#(#docs)* #ident),
            VariantKind::Newtype(field) => {
                let slot = self.field_decl(field, false);
                quote!(#(#docs)* #ident(#slot))
            }
            VariantKind::Struct(fields) => {
                let decls = fields
                    .iter()
                    .filter(|f| !f.skip)
                    .map(|f| self.field_decl(f, false));
                quote!(#(#docs)* #ident { #(#decls,)* })
            }
        }
    }

    /// An expression reading `fields` from `__node` (an `Option<PartialNode>`, the object
    /// holding them) into `ctor { … }`; it returns `None` from the enclosing function while a
    /// required field is missing.
    fn reader(&self, fields: &[&Field], ctor: &TokenStream, in_struct: bool) -> TokenStream {
        let private = self.private;
        let core = quote!(#private::core);
        let slot = |f: &Field| match &f.member {
            Member::Named(ident) => format_ident!("__slot_{}", ident.unraw()),
            Member::Unnamed(_) => format_ident!("__slot"),
        };
        let lets = fields.iter().map(|f| {
            let slot = slot(f);
            let ty = self.slot_type(f);
            quote!(let mut #slot: #ty = #core::option::Option::None;)
        });
        let arms = fields.iter().map(|f| {
            let slot = slot(f);
            let ty = &f.ty;
            let names = &f.names;
            let done = f.done;
            quote! {
                #(#names)|* => {
                    if let #core::option::Option::Some(value) =
                        #private::partial_field::<#ty>(__child, #done)
                    {
                        #slot = #core::option::Option::Some(value);
                    }
                }
            }
        });
        let scan = (!fields.is_empty()).then(|| {
            quote! {
                for (__key, __child) in __node.and_then(|node| node.members()).into_iter().flatten() {
                    match __key {
                        #(#arms)*
                        _ => {}
                    }
                }
            }
        });
        let required = fields.iter().filter(|f| f.required).map(|f| {
            let slot = slot(f);
            quote!(let _ = #slot.as_ref()?;)
        });
        let defaults = fields.iter().filter_map(|f| {
            let slot = slot(f);
            let ty = &f.ty;
            let member = &f.member;
            let value = match f.default.as_ref()? {
                DefaultFrom::Trait => quote!(<#ty as #core::default::Default>::default()),
                DefaultFrom::Function(path) => quote!(#path()),
                DefaultFrom::Container if in_struct => {
                    quote!(<Self as #core::default::Default>::default().#member)
                }
                DefaultFrom::Container => return None,
            };
            Some(quote! {
                let #slot = #slot.or_else(|| #private::complete_field::<#ty>(&#value));
            })
        });
        let inits = fields.iter().map(|f| {
            let slot = slot(f);
            let member = &f.member;
            quote!(#member: #slot)
        });
        quote! {{
            #(#lets)*
            #scan
            #(#required)*
            #(#defaults)*
            #core::option::Option::Some(#ctor { #(#inits,)* })
        }}
    }

    /// The snapshot of `variant` read from `__node` (its fields' object or newtype value).
    fn variant_value(&self, variant: &Variant) -> TokenStream {
        let private = self.private;
        let partial = self.partial;
        let ident = &variant.ident;
        let core = quote!(#private::core);
        match &variant.kind {
            VariantKind::Unit => quote!(#core::option::Option::Some(#partial::#ident)),
            VariantKind::Newtype(field) => {
                let ty = &field.ty;
                let done = field.done;
                quote! {
                    #core::option::Option::Some(#partial::#ident(
                        __node.and_then(|node| #private::partial_field::<#ty>(node, #done))
                    ))
                }
            }
            VariantKind::Struct(fields) => {
                let kept: Vec<&Field> = fields.iter().filter(|f| !f.skip).collect();
                self.reader(&kept, &quote!(#partial::#ident), false)
            }
        }
    }

    fn enum_reader(&self, variants: &[&Variant], tagging: &Tagging) -> TokenStream {
        let private = self.private;
        let core = quote!(#private::core);
        let names: Vec<&String> = variants.iter().flat_map(|v| &v.names).collect();
        // Each variant owns a run of indices in `NAMES`: its name, then its aliases.
        let mut next = 0usize;
        let mut arms = Vec::new();
        let mut unit_arms = Vec::new();
        for variant in variants {
            let indices: Vec<usize> = (next..next + variant.names.len()).collect();
            next += variant.names.len();
            let value = self.variant_value(variant);
            arms.push(quote!(#(#core::option::Option::Some(#indices))|* => #value,));
            if matches!(variant.kind, VariantKind::Unit) {
                unit_arms.push(quote!(#(#core::option::Option::Some(#indices))|* => #value,));
            }
        }
        let names_const = quote!(const NAMES: &[&str] = &[#(#names),*];);
        match tagging {
            Tagging::External => quote! {
                #names_const
                if let #core::option::Option::Some(name) = node.as_str() {
                    if !node.is_complete() {
                        return #core::option::Option::None;
                    }
                    return match #private::variant_index(name, NAMES) {
                        #(#unit_arms)*
                        _ => #core::option::Option::None,
                    };
                }
                for (__key, __child) in node.members()? {
                    let __node = #core::option::Option::Some(__child);
                    let __found: #core::option::Option<Self::Partial> = match #private::variant_index(__key, NAMES) {
                        #(#arms)*
                        _ => continue,
                    };
                    return __found;
                }
                #core::option::Option::None
            },
            Tagging::Internal { tag } | Tagging::Adjacent { tag, .. } => {
                let content = match tagging {
                    Tagging::Adjacent { content, .. } => quote!(node.member(#content)),
                    _ => quote!(#core::option::Option::Some(node)),
                };
                quote! {
                    #names_const
                    let tag = node.member(#tag)?;
                    if !tag.is_complete() {
                        return #core::option::Option::None;
                    }
                    let __node = #content;
                    match #private::variant_index(tag.as_str()?, NAMES) {
                        #(#arms)*
                        _ => #core::option::Option::None,
                    }
                }
            }
        }
    }

    /// The match arm turning a finished variant into its snapshot.
    fn finished_variant(&self, variant: &Variant) -> TokenStream {
        let private = self.private;
        let partial = self.partial;
        let ident = &variant.ident;
        let core = quote!(#private::core);
        if variant.skip {
            return quote!(Self::#ident { .. } => #core::option::Option::None,);
        }
        let bind = |f: &Field| match &f.member {
            Member::Named(name) => format_ident!("__field_{}", name.unraw()),
            Member::Unnamed(_) => format_ident!("__field"),
        };
        match &variant.kind {
            VariantKind::Unit => {
                quote!(Self::#ident { .. } => #core::option::Option::Some(#partial::#ident),)
            }
            VariantKind::Newtype(field) => {
                let ty = &field.ty;
                quote! {
                    Self::#ident { 0: __field } => #core::option::Option::Some(
                        #partial::#ident(#private::complete_field::<#ty>(__field))
                    ),
                }
            }
            VariantKind::Struct(fields) => {
                let kept: Vec<&Field> = fields.iter().filter(|f| !f.skip).collect();
                let binds = kept.iter().map(|f| {
                    let member = &f.member;
                    let bound = bind(f);
                    quote!(#member: #bound)
                });
                let inits = kept.iter().map(|f| {
                    let member = &f.member;
                    let bound = bind(f);
                    let ty = &f.ty;
                    quote!(#member: #private::complete_field::<#ty>(#bound))
                });
                quote! {
                    Self::#ident { #(#binds,)* .. } => #core::option::Option::Some(
                        #partial::#ident { #(#inits,)* }
                    ),
                }
            }
        }
    }
}
