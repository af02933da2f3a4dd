//! Prints the generated function of a declaration whose return type picks an endpoint other
//! than chat completions: it renders the prompt as chat functions do (or, for
//! `Vec<Embedding>`, takes the texts of the list parameter) and returns the endpoint's call,
//! `<T as __private::EndpointOutput>::Call`.

use crate::codegen::{Input, float, located, render_message, some, spec_static, str_lit};
use crate::endpoint::{DOCUMENTS, Keys, Kind, list_param, mask_param};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

/// The generated function.
pub fn generate(input: &Input<'_>, kind: Kind) -> TokenStream {
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
    sig.output = syn::parse_quote!(
        -> <#value as #krate::__private::EndpointOutput>::Call
    );

    let spec = format_ident!("__PROMPTFN_SPEC", span = Span::mixed_site());
    let keys = format_ident!("__PROMPTFN_KEYS", span = Span::mixed_site());
    let builder = format_ident!("__promptfn_b", span = Span::mixed_site());
    let spec_static = spec_static(input, &spec);
    let keys_static = keys_static(input, &keys);
    let includes = input.included_files.iter().map(|path| {
        quote!(
            const _: &::core::primitive::str = ::core::include_str!(#path);
        )
    });
    let assert_return = quote_spanned! {located(declared.span())=>
        #krate::__private::assert_return::<#declared, #value>();
    };
    let call = quote_spanned! {located(value.span())=>
        <#value as #krate::__private::EndpointOutput>::call
    };

    let body = match (kind, list_param(&decl.sig)) {
        (Kind::Embeddings, Some(list)) => {
            let texts = quote_spanned! {located(list.span())=>
                #krate::__private::EmbedTexts::texts(&#list)
            };
            quote! {
                #call(#krate::__private::EndpointParts::texts(&#spec, &#keys, #texts))
            }
        }
        _ => {
            let messages = input
                .plan
                .messages
                .iter()
                .map(|message| render_message(message, krate, &builder));
            // A `Ranking` function's documents go beside the rendered query.
            let documents = (kind == Kind::Ranking).then(|| {
                let documents = Ident::new(DOCUMENTS, Span::call_site());
                quote_spanned! {located(decl.sig.output.span())=>
                    .documents(#krate::__private::EmbedTexts::texts(&#documents))
                }
            });
            // An image edit's mask goes beside the images the template places.
            let mask = matches!(kind, Kind::ImageEdit | Kind::ImageEdits)
                .then(|| mask_param(&decl.sig))
                .flatten()
                .map(|mask| {
                    quote_spanned! {located(mask.span())=>
                        .mask(&#mask)
                    }
                });
            quote! {
                #[allow(unused_imports)]
                use #krate::__private::{PlaceAsMedia as _, PlaceAsText as _};
                let mut #builder = #krate::__private::PromptBuilder::new(&#spec);
                #(#messages)*
                #call(#krate::__private::EndpointParts::rendered(#builder, &#keys)#documents #mask)
            }
        }
    };

    quote! {
        #(#attrs)*
        #vis #sig {
            #(#includes)*
            #spec_static
            #keys_static
            #assert_return
            #body
        }
    }
}

/// The endpoint keys as a `static EndpointDecl`.
fn keys_static(input: &Input<'_>, name: &Ident) -> TokenStream {
    let krate = input.krate;
    let Keys {
        size,
        quality,
        style,
        background,
        format,
        voice,
        speed,
        instructions,
        dimensions,
        encoding_format,
        batch_size,
        language,
        segments,
        translate,
        top_n,
        return_documents,
    } = &input.settings.endpoint;
    let mut fields = Vec::new();
    let mut text = |field: &str, value: &Option<String>| {
        if let Some(value) = value {
            let field = Ident::new(field, Span::call_site());
            let value = some(str_lit(value));
            fields.push(quote!(#field: #value,));
        }
    };
    text("size", size);
    text("quality", quality);
    text("style", style);
    text("background", background);
    text("format", format);
    text("voice", voice);
    text("instructions", instructions);
    text("encoding_format", encoding_format);
    text("language", language);
    if *segments == Some(true) {
        fields.push(quote!(segments: true,));
    }
    if *translate == Some(true) {
        fields.push(quote!(translate: true,));
    }
    if let Some(top_n) = top_n {
        let top_n = some(Literal::u32_unsuffixed(*top_n));
        fields.push(quote!(top_n: #top_n,));
    }
    if let Some(on) = return_documents {
        let on = some(on);
        fields.push(quote!(return_documents: #on,));
    }
    if let Some(speed) = speed {
        let speed = some(float(*speed));
        fields.push(quote!(speed: #speed,));
    }
    if let Some(dimensions) = dimensions {
        let dimensions = some(Literal::u32_unsuffixed(*dimensions));
        fields.push(quote!(dimensions: #dimensions,));
    }
    if let Some(batch_size) = batch_size {
        let batch_size = some(Literal::u32_unsuffixed(*batch_size));
        fields.push(quote!(batch_size: #batch_size,));
    }
    quote! {
        static #name: #krate::__private::EndpointDecl = #krate::__private::EndpointDecl {
            #(#fields)*
            ..#krate::__private::EndpointDecl::DEFAULT
        };
    }
}
