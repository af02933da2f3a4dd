//! Expansion snapshots: the generated code for representative declarations, pretty-printed.
//! Review a changed snapshot as a change of the contract with `promptfn::__private`.

use crate::expand;
use proc_macro2::TokenStream;
use quote::quote;

fn expand_pretty(attr: TokenStream, item: TokenStream) -> String {
    let output = expand::prompt(attr, item);
    match syn::parse2::<syn::File>(output.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("expansion is not valid Rust ({error}):\n{output}"),
    }
}

#[test]
fn text_return() {
    insta::assert_snapshot!(expand_pretty(
        quote!("Summarise in one sentence: {text}"),
        quote! {
            /// Summarises a text.
            pub async fn summarise(text: &str) -> Result<String>;
        },
    ));
}

#[test]
fn struct_return_with_every_setting() {
    insta::assert_snapshot!(expand_pretty(
        quote! {
            "Extract the person mentioned in: {text}",
            system = "Be terse about {topic}.",
            model = "gpt-4o-mini",
            temperature = 0.0,
            top_p = 1,
            max_tokens = 256,
            stop = ["\n\n", "END"],
            presence_penalty = -0.5,
            frequency_penalty = 1.5,
            logit_bias = [(50256, -100), (13, 5)],
            seed = -42,
            end_user = "user-1234",
            n = 1,
            mode = "json_schema",
            retries = 2,
        },
        quote! {
            /// Docs stay.
            #[allow(clippy::doc_markdown)]
            pub(crate) async fn extract_person(text: &str, topic: String) -> promptfn::Result<Person>;
        },
    ));
}

#[test]
fn system_and_media_parameters() {
    insta::assert_snapshot!(expand_pretty(
        quote! {
            system = "You analyse media.",
            "I sent you an mp3 and a pdf: {audio} {doc} Summarise both.",
            model = "gemini-2.0-flash",
        },
        quote!(
            async fn analyse(audio: Audio, doc: Pdf) -> Result<String>;
        ),
    ));
}

#[test]
fn chat_few_shot_turns() {
    insta::assert_snapshot!(expand_pretty(
        quote! {
            system = "Answer with one word.",
            user = "Capital of France?",
            assistant = "Paris",
            user = "Capital of {country}?",
            mode = "tool",
        },
        quote!(
            pub async fn capital(country: &str) -> Result<City>;
        ),
    ));
}

#[test]
fn method_with_receiver_fields_and_format_specs() {
    insta::assert_snapshot!(expand_pretty(
        quote!("{self.persona} rates {item.name} ({score:.2}, raw {score:?}) for {self.0}: {{ok}}"),
        quote!(
            async fn rate(&self, item: &Item, score: f64) -> Result<Verdict>;
        ),
    ));
}

#[test]
fn several_choices() {
    insta::assert_snapshot!(expand_pretty(
        quote!("Name a colour like {hint}", n = 3, temperature = 1.2),
        quote!(
            async fn colours(hint: &str) -> Result<Choices<String>>;
        ),
    ));
}

#[test]
fn template_file_and_crate_override() {
    let expanded = expand_pretty(
        quote!(
            path = "testdata/prompts/triage.md",
            crate = ::my_app::llm::promptfn
        ),
        quote!(
            pub async fn triage(ticket: &str, language: Language) -> Result<Triage>;
        ),
    );
    let root = env!("CARGO_MANIFEST_DIR");
    insta::assert_snapshot!(expanded.replace(root, "$CARGO_MANIFEST_DIR"));
}

#[test]
fn errors_become_a_stand_in_with_compile_errors() {
    insta::assert_snapshot!(expand_pretty(
        quote!("Hello {nmae}", temprature = 3.0),
        quote! {
            /// Docs stay.
            pub async fn greet(name: &str, unused: u8) -> Result<String>;
        },
    ));
}

#[test]
fn errors_without_result_type_keep_the_async_declaration() {
    insta::assert_snapshot!(expand_pretty(
        quote!("Hello {name}"),
        quote!(
            async fn greet(name: &str) -> String;
        ),
    ));
}

#[test]
fn non_function_items_are_kept_with_an_error() {
    let expanded = expand_pretty(
        quote!("x"),
        quote!(
            struct NotAFunction;
        ),
    );
    assert!(expanded.contains("struct NotAFunction;"), "{expanded}");
    assert!(
        expanded.contains("#[prompt] applies to a body-less `async fn"),
        "{expanded}"
    );
}

fn expand_tool(attr: TokenStream, item: TokenStream) -> String {
    let output = crate::tool::expand(attr, item);
    match syn::parse2::<syn::File>(output.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("expansion is not valid Rust ({error}):\n{output}"),
    }
}

#[test]
fn tool_async_fn_returning_result() {
    insta::assert_snapshot!(expand_tool(
        TokenStream::new(),
        quote! {
            /// The current weather in a city.
            pub async fn get_weather(
                /// The city's name.
                city: String,
                unit: Option<Unit>,
            ) -> Result<Report, WeatherError> {
                fetch(city, unit).await
            }
        },
    ));
}

#[test]
fn tool_plain_fn_without_parameters_and_crate_override() {
    insta::assert_snapshot!(expand_tool(
        quote!(crate = ::my_app::promptfn),
        quote! {
            /// The time.
            fn now() -> String {
                String::from("noon")
            }
        },
    ));
}

#[test]
fn tool_methods_bind_a_clone_of_the_receiver() {
    let by_ref = expand_tool(
        TokenStream::new(),
        quote! {
            /// Looks a key up.
            async fn lookup(&self, key: String) -> Option<String> {
                self.map.get(&key).cloned()
            }
        },
    );
    let by_value = expand_tool(
        TokenStream::new(),
        quote! {
            /// Counts.
            fn count(self, r#type: u8) -> usize {
                self.items.len()
            }
        },
    );
    insta::assert_snapshot!(format!("{by_ref}\n{by_value}"));
}

#[test]
fn prompt_with_tools_max_steps_and_tool_choice() {
    insta::assert_snapshot!(expand_pretty(
        quote!(
            "Plan a day in {city}",
            tools = [
                get_weather,
                geo::search,
                Self::helper,
                self.lookup,
                db.query
            ],
            max_steps = 4,
            tool_choice = "get_weather"
        ),
        quote!(
            async fn plan(&self, city: &str, db: &Db) -> Result<String>;
        ),
    ));
}

#[test]
fn image_return_with_endpoint_keys() {
    insta::assert_snapshot!(expand_pretty(
        quote!(
            "A watercolor of {subject}",
            model = "dall-e-3",
            size = "1024x1024",
            quality = "hd",
            style = "vivid",
        ),
        quote! {
            /// Paints a subject.
            pub async fn paint(subject: &str) -> Result<Image>;
        },
    ));
}

#[test]
fn embeddings_of_a_list_parameter() {
    insta::assert_snapshot!(expand_pretty(
        quote!(
            "{texts}",
            model = "text-embedding-3-small",
            dimensions = 256
        ),
        quote! {
            async fn embed_all(texts: &[String]) -> Result<Vec<Embedding>>;
        },
    ));
}
