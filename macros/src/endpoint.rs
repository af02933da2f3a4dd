//! Return types that pick an endpoint other than chat completions (`Image`, `Audio`,
//! `Embedding`…), their attribute keys, and the declarations that mean nothing for them.
//!
//! The macro recognises these return types by their last path segment, so that the chat path
//! stays exactly as it was; the generated code then asks the type for its call through
//! `__private::EndpointOutput`, whose diagnostic explains a type of the user's own that happens
//! to share one of these names.

use crate::attr::{Args, Role};
use crate::errors::Errors;
use crate::sig::{Analysed, Param};
use crate::suggest;
use crate::template::{self, Segment};
use syn::{FnArg, GenericArgument, Ident, Pat, PathArguments, Signature, Type};

/// The endpoint a return type picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Image`: `/images/generations`, one image.
    Image,
    /// `Vec<Image>`: `/images/generations`, `n` images.
    Images,
    /// `Image` with `Image` parameters: `/images/edits`, one image.
    ImageEdit,
    /// `Vec<Image>` with `Image` parameters: `/images/edits`, `n` images.
    ImageEdits,
    /// `Audio`: `/audio/speech`.
    Speech,
    /// `Spoken`: `/chat/completions` with audio output.
    Spoken,
    /// `Embedding`: `/embeddings`, one text.
    Embedding,
    /// `Vec<Embedding>`: `/embeddings`, each text of a list parameter.
    Embeddings,
    /// `Moderation`: `/moderations`.
    Moderation,
    /// `Transcript`: `/audio/transcriptions` (or `/audio/translations`), one `Audio` input.
    Transcription,
    /// `Ranking`: `/rerank`, the template as the query and a `documents` list parameter.
    Ranking,
}

impl Kind {
    /// The endpoint `value` (the `T` of `Result<T>`) picks, if any.
    pub fn of(value: &Type) -> Option<Kind> {
        let (name, inner) = last_segment(value)?;
        match (name.as_str(), inner) {
            ("Image", None) => Some(Kind::Image),
            ("Audio", None) => Some(Kind::Speech),
            ("Spoken", None) => Some(Kind::Spoken),
            ("Embedding", None) => Some(Kind::Embedding),
            ("Moderation", None) => Some(Kind::Moderation),
            ("Transcript", None) => Some(Kind::Transcription),
            ("Ranking", None) => Some(Kind::Ranking),
            ("Vec", Some(inner)) => match last_segment(inner)? {
                (name, None) if name == "Image" => Some(Kind::Images),
                (name, None) if name == "Embedding" => Some(Kind::Embeddings),
                _ => None,
            },
            _ => None,
        }
    }

    /// How errors name the declaration.
    fn described(self) -> &'static str {
        match self {
            Kind::Image => "an `Image` function (POST /images/generations)",
            Kind::Images => "a `Vec<Image>` function (POST /images/generations)",
            Kind::ImageEdit => "an `Image` function with `Image` parameters (POST /images/edits)",
            Kind::ImageEdits => {
                "a `Vec<Image>` function with `Image` parameters (POST /images/edits)"
            }
            Kind::Speech => "an `Audio` function (POST /audio/speech)",
            Kind::Spoken => "a `Spoken` function (POST /chat/completions with audio output)",
            Kind::Embedding => "an `Embedding` function (POST /embeddings)",
            Kind::Embeddings => "a `Vec<Embedding>` function (POST /embeddings)",
            Kind::Moderation => "a `Moderation` function (POST /moderations)",
            Kind::Transcription => "a `Transcript` function (POST /audio/transcriptions)",
            Kind::Ranking => "a `Ranking` function (POST /rerank)",
        }
    }

    /// The endpoint keys this kind takes, besides `model`, the template and `crate`.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Image => &[
                "size",
                "quality",
                "style",
                "background",
                "format",
                "end_user",
            ],
            Kind::Images => &[
                "size",
                "quality",
                "style",
                "background",
                "format",
                "n",
                "end_user",
            ],
            // Edits take no `style` (a dall-e-3 setting; dall-e-3 does not edit).
            Kind::ImageEdit => &["size", "quality", "background", "format", "end_user"],
            Kind::ImageEdits => &["size", "quality", "background", "format", "n", "end_user"],
            Kind::Speech => &["voice", "speed", "instructions", "format"],
            Kind::Spoken => &["voice", "format", "end_user"],
            Kind::Embedding => &["dimensions", "encoding_format", "end_user"],
            Kind::Embeddings => &["dimensions", "encoding_format", "batch_size", "end_user"],
            Kind::Moderation => &[],
            Kind::Transcription => &["language", "segments", "translate"],
            Kind::Ranking => &["top_n", "return_documents"],
        }
    }

    /// The image edit this image kind becomes when the function has `Image` parameters.
    fn edit(self) -> Kind {
        match self {
            Kind::Image => Kind::ImageEdit,
            Kind::Images => Kind::ImageEdits,
            other => other,
        }
    }

    /// The formats `format = "…"` takes for this kind.
    fn formats(self) -> &'static [&'static str] {
        match self {
            Kind::Image | Kind::Images | Kind::ImageEdit | Kind::ImageEdits => {
                &["png", "jpeg", "webp"]
            }
            Kind::Speech => &["mp3", "opus", "aac", "flac", "wav", "pcm"],
            Kind::Spoken => &["wav", "mp3", "flac", "opus", "aac", "pcm16"],
            _ => &[],
        }
    }
}

/// The attribute keys that only endpoint functions take, with the return types that take them.
const ENDPOINT_KEYS: &[(&str, &str)] = &[
    ("size", "`Image` or `Vec<Image>`"),
    ("quality", "`Image` or `Vec<Image>`"),
    ("style", "`Image` or `Vec<Image>`"),
    ("background", "`Image` or `Vec<Image>`"),
    ("format", "`Image`, `Vec<Image>`, `Audio` or `Spoken`"),
    ("voice", "`Audio` or `Spoken`"),
    ("speed", "`Audio`"),
    ("instructions", "`Audio`"),
    ("dimensions", "`Embedding` or `Vec<Embedding>`"),
    ("encoding_format", "`Embedding` or `Vec<Embedding>`"),
    ("batch_size", "`Vec<Embedding>`"),
    ("language", "`Transcript`"),
    ("segments", "`Transcript`"),
    ("translate", "`Transcript`"),
    ("top_n", "`Ranking`"),
    ("return_documents", "`Ranking`"),
];

/// Keys every declaration may have.
const EVERYWHERE: &[&str] = &["model", "path", "crate", "template"];

/// The endpoint keys of `#[prompt(…)]`; `None` means "not set".
#[derive(Default)]
pub struct Keys {
    /// `size = "1024x1024"`.
    pub size: Option<String>,
    /// `quality = "high"`.
    pub quality: Option<String>,
    /// `style = "vivid" | "natural"`.
    pub style: Option<String>,
    /// `background = "transparent" | "opaque" | "auto"`.
    pub background: Option<String>,
    /// `format = "png"` (images) or `"mp3"` (speech).
    pub format: Option<String>,
    /// `voice = "alloy"`.
    pub voice: Option<String>,
    /// `speed = 0.25..=4.0`.
    pub speed: Option<f64>,
    /// `instructions = "…"`.
    pub instructions: Option<String>,
    /// `dimensions = 1..`.
    pub dimensions: Option<u32>,
    /// `encoding_format = "float" | "base64"`.
    pub encoding_format: Option<String>,
    /// `batch_size = 1..=2048`.
    pub batch_size: Option<u32>,
    /// `language = "en"`.
    pub language: Option<String>,
    /// `segments = true`.
    pub segments: Option<bool>,
    /// `translate = true`.
    pub translate: Option<bool>,
    /// `top_n = 1..`.
    pub top_n: Option<u32>,
    /// `return_documents = true`.
    pub return_documents: Option<bool>,
}

/// The values some keys take.
pub const QUALITIES: &[&str] = &["standard", "hd", "low", "medium", "high", "auto"];
/// `style = …`.
pub const STYLES: &[&str] = &["vivid", "natural"];
/// `background = …`.
pub const BACKGROUNDS: &[&str] = &["transparent", "opaque", "auto"];
/// `encoding_format = …`.
pub const ENCODINGS: &[&str] = &["float", "base64"];
/// The most texts one embeddings request takes.
pub const MAX_BATCH: u32 = 2048;

/// The endpoint the declaration's return type picks, after reporting every key, turn and
/// parameter that means nothing for it (or, for a chat function, every endpoint key).
pub fn check(args: &Args, sig: &Analysed, errors: &mut Errors) -> Option<Kind> {
    let kind = sig
        .output
        .as_ref()
        .and_then(|output| Kind::of(&output.value));
    // Image functions with `Image` parameters edit those images.
    let kind = kind.map(|kind| {
        if sig
            .params
            .iter()
            .any(|p| media_type(p).as_deref() == Some("Image"))
        {
            kind.edit()
        } else {
            kind
        }
    });
    let Some(kind) = kind else {
        for key in &args.settings.written {
            let name = key.to_string();
            if let Some((_, takers)) = ENDPOINT_KEYS.iter().find(|(k, _)| *k == name) {
                errors.at(
                    key.span(),
                    format!(
                        "`{name}` is a setting of functions returning {takers}; this function \
                         returns a chat answer"
                    ),
                );
            }
        }
        return None;
    };
    check_keys(kind, args, errors);
    check_turns(kind, args, errors);
    check_params(kind, args, sig, errors);
    if let (None, Some(output)) = (&args.settings.endpoint.voice, &sig.output) {
        let needs_voice = match kind {
            Kind::Speech => Some("an `Audio` function speaks its prompt (POST /audio/speech)"),
            Kind::Spoken => Some("a `Spoken` function answers aloud"),
            _ => None,
        };
        if let Some(what) = needs_voice {
            errors.spanned(
                &output.declared,
                format!(
                    "{what}, which needs a voice: add `voice = \"alloy\"` (or another voice \
                     the model offers)"
                ),
            );
        }
    }
    Some(kind)
}

fn check_keys(kind: Kind, args: &Args, errors: &mut Errors) {
    let allowed = kind.keys();
    for key in &args.settings.written {
        let name = key.to_string();
        if allowed.contains(&name.as_str())
            || EVERYWHERE.contains(&name.as_str())
            || ["system", "user", "assistant"].contains(&name.as_str())
        {
            continue;
        }
        let takes: String = allowed.iter().map(|k| format!(", `{k}`")).collect();
        let advice = match name.as_str() {
            "tools" | "tool_choice" | "max_steps" => {
                " (tools belong to chat: return text or a type of your own to use them)"
            }
            "n" if matches!(kind, Kind::Image | Kind::ImageEdit) => {
                " (for several images, return `Result<Vec<Image>>`)"
            }
            "style" if kind == Kind::ImageEdit || kind == Kind::ImageEdits => {
                " (`style` is dall-e-3's, which draws but does not edit)"
            }
            _ => "",
        };
        errors.at(
            key.span(),
            format!(
                "`{name}` means nothing for {}{advice}; it takes `model`{takes}",
                kind.described()
            ),
        );
    }
    if let Some(format) = &args.settings.endpoint.format
        && !kind.formats().contains(&format.as_str())
        && let Some(key) = args.settings.written.iter().find(|k| *k == "format")
    {
        errors.at(
            key.span(),
            format!(
                "`format = \"{format}\"` is not a format of {}{}; formats: {}",
                kind.described(),
                suggest::did_you_mean(format, kind.formats().iter().copied()),
                kind.formats().join(", ")
            ),
        );
    }
}

/// Endpoint requests carry one prompt: system and assistant turns have nowhere to go (a
/// `Spoken` function is a chat and takes them).
fn check_turns(kind: Kind, args: &Args, errors: &mut Errors) {
    if kind == Kind::Spoken {
        return;
    }
    for message in &args.messages {
        if message.role != Role::User {
            errors.push(message.text.error(
                0..message.text.value.len(),
                &format!(
                    "{} sends one prompt, without system or assistant turns: fold this text \
                     into the template",
                    kind.described()
                ),
            ));
        }
    }
    let users = args
        .messages
        .iter()
        .filter(|m| m.role == Role::User)
        .count();
    if users > 1
        && let Some(message) = args.messages.iter().rfind(|m| m.role == Role::User)
    {
        errors.push(message.text.error(
            0..message.text.value.len(),
            &format!(
                "{} sends one prompt: write one template instead of several user turns",
                kind.described()
            ),
        ));
    }
}

fn check_params(kind: Kind, args: &Args, sig: &Analysed, errors: &mut Errors) {
    let mut audio = 0;
    for param in &sig.params {
        let Some(media) = media_type(param) else {
            continue;
        };
        let edits = matches!(kind, Kind::ImageEdit | Kind::ImageEdits);
        if edits && media == "Image" {
            continue;
        }
        if kind == Kind::Transcription && media == "Audio" {
            audio += 1;
            if audio > 1 {
                errors.spanned(
                    &param.arg,
                    "a `Transcript` function transcribes one recording: declare one `Audio` \
                     parameter (call it once per recording)",
                );
            }
            continue;
        }
        let advice = if kind == Kind::Transcription {
            "it takes one `Audio` parameter and text for the prompt hint"
        } else if edits {
            "an image edit takes the `Image`s to edit, a `mask: Image`, and text for the prompt"
        } else {
            "to show the model media, return text or a type of your own"
        };
        errors.spanned(
            &param.arg,
            format!(
                "{} takes text parameters only: a parameter of type `{media}` has nowhere to \
                 go ({advice})",
                kind.described()
            ),
        );
    }
    if kind == Kind::Transcription
        && audio == 0
        && let Some(output) = &sig.output
    {
        errors.spanned(
            &output.declared,
            "a `Transcript` function transcribes a recording: add a parameter `audio: Audio` and \
             place it in the template (\"{audio}\")",
        );
    }
    if matches!(kind, Kind::ImageEdit | Kind::ImageEdits) {
        check_edit(args, sig, errors);
    }
    if kind == Kind::Ranking
        && !sig.params.iter().any(|p| p.name == DOCUMENTS)
        && let Some(output) = &sig.output
    {
        errors.spanned(
            &output.declared,
            "a `Ranking` function ranks documents by the template (the query): add a parameter \
             `documents: &[String]`, left out of the template",
        );
    }
    if kind == Kind::Transcription
        && args.settings.endpoint.translate == Some(true)
        && args.settings.endpoint.language.is_some()
        && let Some(key) = args.settings.written.iter().find(|k| *k == "language")
    {
        errors.at(
            key.span(),
            "a translation is always into English and takes no `language`: remove it, or \
             remove `translate = true` to transcribe in that language",
        );
    }
    if kind != Kind::Embeddings {
        return;
    }
    // One list parameter, placed whole and alone: each of its texts is embedded as it is.
    let whole_list = match (args.messages.as_slice(), sig.params.as_slice()) {
        ([message], [param]) if !param.is_receiver() => {
            let lexed = template::lex(message.text.value.trim());
            matches!(lexed.segments.as_slice(),
                [Segment::Placeholder(p)] if p.is_whole() && p.name == param.name)
        }
        _ => false,
    };
    if !whole_list && let Some(message) = args.messages.first() {
        errors.push(message.text.error(
            0..message.text.value.len(),
            "a `Vec<Embedding>` function embeds each text of one list parameter as it is: \
             declare one parameter such as `texts: &[String]` and write the template as \
             \"{texts}\" (for one text, return `Result<Embedding>`)",
        ));
    }
}

/// An image edit needs an image to edit besides its mask, and its mask goes beside the
/// template, not in it.
fn check_edit(args: &Args, sig: &Analysed, errors: &mut Errors) {
    let mask = sig.params.iter().find(|p| is_mask(p));
    let images = sig
        .params
        .iter()
        .filter(|p| !is_mask(p) && media_type(p).as_deref() == Some("Image"))
        .count();
    if images == 0
        && let Some(mask) = mask
    {
        errors.spanned(
            &mask.arg,
            "an image edit needs the image to edit besides its mask: add a parameter such as \
             `photo: Image` and place it in the template (\"{photo} …\")",
        );
    }
    let Some(mask) = mask else {
        return;
    };
    for message in &args.messages {
        let lexed = template::lex(&message.text.value);
        let placed = lexed
            .segments
            .iter()
            .any(|s| matches!(s, Segment::Placeholder(p) if p.name == mask.name));
        if placed {
            errors.push(message.text.error(
                0..message.text.value.len(),
                "the `mask` of an image edit is uploaded beside the images, not placed among \
                 them: leave `{mask}` out of the template",
            ));
        }
    }
}

/// The name of a `Ranking` function's list parameter, sent apart from the template.
pub const DOCUMENTS: &str = "documents";

/// The name of an image edit's mask parameter, sent apart from the template.
pub const MASK: &str = "mask";

fn is_mask(param: &Param) -> bool {
    param.name == MASK && media_type(param).as_deref() == Some("Image")
}

/// Whether `param` is sent apart from the template: a `Ranking` function's `documents`, or the
/// `mask: Image` of an `Image` function (which then edits).
pub fn sent_apart(value: Option<&Type>, param: &Param) -> bool {
    match value.and_then(Kind::of) {
        Some(Kind::Ranking) => param.name == DOCUMENTS,
        Some(Kind::Image | Kind::Images) => is_mask(param),
        _ => false,
    }
}

/// The list parameter of a `Vec<Embedding>` function (checked to be its only one).
pub fn list_param(sig: &Signature) -> Option<&Ident> {
    match sig.inputs.first()? {
        FnArg::Typed(typed) => match &*typed.pat {
            Pat::Ident(pat) => Some(&pat.ident),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    }
}

/// The promptfn media type a parameter's type names (`Image`, `&[Audio]`, `Option<Pdf>`…).
fn media_type(param: &Param) -> Option<String> {
    let FnArg::Typed(typed) = &param.arg else {
        return None;
    };
    media_type_of(&typed.ty)
}

/// The `mask: Image` parameter of an image edit, if it has one.
pub fn mask_param(sig: &Signature) -> Option<&Ident> {
    sig.inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(typed) => match &*typed.pat {
            Pat::Ident(pat)
                if pat.ident == MASK && media_type_of(&typed.ty).as_deref() == Some("Image") =>
            {
                Some(&pat.ident)
            }
            _ => None,
        },
        FnArg::Receiver(_) => None,
    })
}

/// The promptfn media type `ty` names.
fn media_type_of(mut ty: &Type) -> Option<String> {
    loop {
        ty = match ty {
            Type::Reference(r) => &r.elem,
            Type::Slice(s) => &s.elem,
            Type::Array(a) => &a.elem,
            Type::Group(g) => &g.elem,
            Type::Paren(p) => &p.elem,
            other => {
                let (name, inner) = last_segment(other)?;
                match (name.as_str(), inner) {
                    ("Vec" | "Option", Some(inner)) => inner,
                    ("Image" | "Audio" | "Video" | "Pdf" | "File", None) => return Some(name),
                    _ => return None,
                }
            }
        };
    }
}

/// A path type's last segment and its single type argument, if it has one.
fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let ty = match ty {
        Type::Group(g) => &*g.elem,
        Type::Paren(p) => &*p.elem,
        other => other,
    };
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let inner = match &last.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first() {
            Some(GenericArgument::Type(inner)) => Some(inner),
            _ => return None,
        },
        PathArguments::None => None,
        _ => return None,
    };
    Some((last.ident.to_string(), inner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr;
    use crate::sig::{self, Declaration};
    use proc_macro2::TokenStream;
    use quote::quote;

    fn run(attr: TokenStream, item: TokenStream) -> (Option<Kind>, Vec<String>) {
        let mut errors = Errors::default();
        let args = attr::parse(attr, &mut errors);
        let decl: Declaration = syn::parse2(item).expect("declaration parses");
        let analysed = sig::analyse(&decl, &mut errors);
        let kind = check(&args, &analysed, &mut errors);
        (kind, errors.messages())
    }

    #[test]
    fn return_types_pick_their_endpoint() {
        let cases = [
            (quote!(Image), Some(Kind::Image)),
            (quote!(promptfn::Image), Some(Kind::Image)),
            (quote!(Vec<Image>), Some(Kind::Images)),
            (quote!(Audio), Some(Kind::Speech)),
            (quote!(Embedding), Some(Kind::Embedding)),
            (quote!(Vec<promptfn::Embedding>), Some(Kind::Embeddings)),
            (quote!(Moderation), Some(Kind::Moderation)),
            (quote!(Spoken), Some(Kind::Spoken)),
            (quote!(Ranking), Some(Kind::Ranking)),
            (quote!(String), None),
            (quote!(Vec<String>), None),
            (quote!(Option<Image>), None),
        ];
        for (ty, kind) in cases {
            let ty: Type = syn::parse2(ty.clone()).expect("type parses");
            assert_eq!(Kind::of(&ty), kind, "{}", quote!(#ty));
        }
    }

    #[test]
    fn endpoint_declarations_that_fit_have_no_errors() {
        let (kind, errors) = run(
            quote!(
                "A watercolor of {subject}",
                model = "dall-e-3",
                size = "1024x1024",
                quality = "hd",
                style = "vivid"
            ),
            quote!(
                async fn paint(subject: &str) -> Result<Image>;
            ),
        );
        assert_eq!((kind, errors), (Some(Kind::Image), vec![]));
        let (kind, errors) = run(
            quote!("{texts}", dimensions = 256, batch_size = 100),
            quote!(
                async fn embed_all(texts: &[String]) -> Result<Vec<Embedding>>;
            ),
        );
        assert_eq!((kind, errors), (Some(Kind::Embeddings), vec![]));
        let (kind, errors) = run(
            quote!("{text}", voice = "alloy", speed = 1.5, format = "wav"),
            quote!(
                async fn speak(text: &str) -> Result<Audio>;
            ),
        );
        assert_eq!((kind, errors), (Some(Kind::Speech), vec![]));
        let (kind, errors) = run(
            quote!(
                "{photo} Add a hat",
                model = "gpt-image-1",
                size = "1024x1024"
            ),
            quote!(
                async fn hat(photo: Image, mask: Option<Image>) -> Result<Image>;
            ),
        );
        assert_eq!((kind, errors), (Some(Kind::ImageEdit), vec![]));
        let (kind, errors) = run(
            quote!(
                system = "Be brief.",
                "Greet {name}",
                voice = "alloy",
                format = "mp3"
            ),
            quote!(
                async fn greet(name: &str) -> Result<Spoken>;
            ),
        );
        assert_eq!((kind, errors), (Some(Kind::Spoken), vec![]));
    }

    #[test]
    fn meaningless_declarations_are_errors_with_advice() {
        let cases = [
            (
                quote!("{x}", temperature = 0.2),
                quote!(
                    async fn f(x: &str) -> Result<Image>;
                ),
                "`temperature` means nothing for an `Image` function",
            ),
            (
                quote!("{x}", n = 2),
                quote!(
                    async fn f(x: &str) -> Result<Image>;
                ),
                "return `Result<Vec<Image>>`",
            ),
            (
                quote!("{x}", format = "mp3"),
                quote!(
                    async fn f(x: &str) -> Result<Image>;
                ),
                "formats: png, jpeg, webp",
            ),
            (
                quote!("{x}"),
                quote!(
                    async fn f(x: &str) -> Result<Audio>;
                ),
                "add `voice = \"alloy\"`",
            ),
            (
                quote!("Embed: {texts}"),
                quote!(
                    async fn f(texts: &[String]) -> Result<Vec<Embedding>>;
                ),
                "write the template as \"{texts}\"",
            ),
            (
                quote!("Draw {clip}"),
                quote!(
                    async fn f(clip: Video) -> Result<Image>;
                ),
                "a parameter of type `Video` has nowhere to go",
            ),
            (
                quote!("{photo} at night", style = "vivid"),
                quote!(
                    async fn f(photo: Image) -> Result<Image>;
                ),
                "`style` means nothing for an `Image` function with `Image` parameters",
            ),
            (
                quote!("Fill it in"),
                quote!(
                    async fn f(mask: Image) -> Result<Image>;
                ),
                "needs the image to edit besides its mask",
            ),
            (
                quote!("{photo} {mask} Add a boat"),
                quote!(
                    async fn f(photo: Image, mask: Image) -> Result<Image>;
                ),
                "leave `{mask}` out of the template",
            ),
            (
                quote!("{x}"),
                quote!(
                    async fn f(x: &str) -> Result<Spoken>;
                ),
                "a `Spoken` function answers aloud, which needs a voice",
            ),
            (
                quote!("{a} {b}"),
                quote!(
                    async fn f(a: Audio, b: Audio) -> Result<Transcript>;
                ),
                "declare one `Audio` parameter",
            ),
            (
                quote!("Names: {names}"),
                quote!(
                    async fn f(names: &str) -> Result<Transcript>;
                ),
                "add a parameter `audio: Audio`",
            ),
            (
                quote!("{query}"),
                quote!(
                    async fn f(query: &str) -> Result<Ranking>;
                ),
                "add a parameter `documents: &[String]`",
            ),
            (
                quote!(system = "Be nice.", "{x}"),
                quote!(
                    async fn f(x: &str) -> Result<Embedding>;
                ),
                "without system or assistant turns",
            ),
            (
                quote!("{x}", size = "1024x1024"),
                quote!(
                    async fn f(x: &str) -> Result<String>;
                ),
                "`size` is a setting of functions returning `Image` or `Vec<Image>`",
            ),
        ];
        for (attr, item, fragment) in cases {
            let (_, errors) = run(attr, item);
            assert!(
                errors.iter().any(|e| e.contains(fragment)),
                "{fragment:?} not in {errors:#?}"
            );
        }
    }
}
