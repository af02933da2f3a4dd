//! Implementation detail of the `promptfn` crate: the `#[prompt]` attribute.
//!
//! Users depend on `promptfn`, which re-exports the macro; nothing here is meant to be named
//! directly. Generated code reaches the runtime only through `promptfn::__private`.

#![forbid(unsafe_code)]

mod attr;
mod check;
mod codegen;
mod crate_path;
mod endpoint;
mod endpoint_codegen;
mod errors;
mod expand;
mod partial;
mod sig;
mod suggest;
mod template;
mod tool;
mod tool_codegen;
mod tool_list;

#[cfg(test)]
mod expansion_tests;

use proc_macro::TokenStream;

/// Turns a body-less `async fn` declaration into a typed LLM call.
///
/// (Not compiled here, since a proc-macro crate cannot use the crate that re-exports it; the
/// `promptfn` crate's guide runs the same declarations as doc tests.)
///
/// ```ignore
/// use promptfn::{prompt, Result};
///
/// /// Doc comments and other attributes stay on the generated function.
/// #[prompt("Extract the person mentioned in: {text}", model = "gpt-4o-mini", temperature = 0.0)]
/// pub async fn extract_person(text: &str) -> Result<Person>;
///
/// let person: Person = extract_person("Alice is 30").await?;
/// ```
///
/// The macro replaces the declaration with a plain `fn` of the same name, parameters and
/// visibility that renders the prompt eagerly and returns `promptfn::Call<T>`; awaiting the
/// call gives the declared `Result<T>`. Per-call overrides (`.client(…)`, `.temperature(…)`,
/// …) are methods of `Call`.
///
/// # Templates
///
/// - `{name}` places the parameter `name`: text parameters render with `Display`, media
///   parameters (`Image`, `Audio`, `Pdf`, …) become a content part at that position.
/// - `{name:spec}` formats with a `format!` spec, e.g. `{score:.2}`, `{items:?}`.
/// - `{name.field}` (and `{self.field}` in methods) formats a field with `Display`.
/// - `{#name}…{/name}` is an optional section: it appears only when the parameter, an
///   `Option<&str>` or `Option<T: Display>`, is `Some`, and inside it `{name}` is the value
///   (`"Ticket: {ticket}{#note}\nNote: {note}{/note}"`). Outside a section an `Option` text
///   parameter cannot be placed.
/// - `{name:lines}` renders a list (`Vec<T>`, slice or array of `Display` items) one item per
///   line.
/// - `{{` and `}}` are literal braces.
///
/// Every parameter must appear in some template, and every placeholder must name a parameter.
///
/// The user template is given in one of three ways:
///
/// - positionally: `#[prompt("Summarise: {text}")]`;
/// - from a file relative to the crate root: `#[prompt(path = "prompts/summary.md")]`
///   (editing the file rebuilds the crate);
/// - as chat turns with few-shot examples, in order:
///   `#[prompt(user = "2+2?", assistant = "4", user = "{question}")]` (the last turn is a
///   `user` turn). For a typed answer, write each `assistant` turn as the model should answer:
///   the value's JSON, with braces doubled (`{{`, `}}`) since braces open placeholders, and
///   wrapped as `{"value": …}` when the type is not a struct (enums, `Vec`, `Option`, `bool`,
///   numbers), since that is how promptfn asks for those:
///   `assistant = "{{\"value\": \"Positive\"}}"`.
///
/// `system = "…"` adds a system message in every form; it may use placeholders too.
/// `system_path = "prompts/system.md"` reads it from a file, as `path` does for the template.
///
/// `history = param` places the earlier turns a parameter holds (`&[Message]`,
/// `Vec<Message>`, `&Conversation`: see `promptfn::History`) as whole messages where the key is
/// written among the chat turns (with a positional or file template: before it; written last:
/// after every turn, and the template may then be left out):
/// `#[prompt(system = "…", history = thread, "{question}")]`. A conversation given with
/// `.conversation(&mut c)` goes there too.
///
/// # Settings
///
/// | key | value |
/// |---|---|
/// | `model` | string |
/// | `temperature` | number in 0..=2 |
/// | `top_p` | number in 0..=1 |
/// | `max_tokens` | integer ≥ 1 |
/// | `stop` | string, or array of at most 4 strings |
/// | `presence_penalty`, `frequency_penalty` | number in -2..=2 |
/// | `logit_bias` | `[(token_id, bias), …]`, bias in -100..=100 |
/// | `seed` | integer (i64) |
/// | `end_user` | string: the request's `user` field (end-user identifier) |
/// | `n` | integer ≥ 1; `n > 1` needs the return type `Result<Choices<T>>` |
/// | `mode` | `"json_schema"`, `"json_object"`, `"tool"` or `"prompt"` |
/// | `retries` | integer: re-asks of the model after an undecodable or invalid answer (not to be confused with transport retries of failed requests: `max_attempts` and `retry_policy` on the client or the call) |
/// | `tools` | `[f, module::g, Self::h, self.method, param.method]`: `#[tool]` functions the model may call |
/// | `max_steps` | integer ≥ 1: the most rounds of tool calls (default 10) |
/// | `tool_choice` | `"auto"`, `"required"`, `"none"` or the name of a listed tool |
/// | `crate` | path to the promptfn crate when it is re-exported or renamed |
///
/// Values must be literals; they are checked at compile time and every error is reported at
/// once.
///
/// # Signature
///
/// `async fn`, no body (`;`), no generic parameters, parameters written `name: Type`
/// (methods may take `&self`, `&mut self` or `self`), and a return type whose error is
/// `promptfn::Error`: `promptfn::Result<T>`, `Result<T, promptfn::Error>`, or a `Result` alias
/// for either. Another error type (`Result<T, MyError>`, `anyhow::Result<T>`) does not compile:
/// convert the error where the call is awaited (`f(x).await.map_err(MyError::from)`).
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::prompt(attr.into(), item.into()).into()
}

/// Makes a function a tool the model can call: `#[tool]` on a plain `fn` or `async fn`, free,
/// associated, or a method (`&self` or `self`) in an inherent `impl` block.
///
/// (Not run here: this crate cannot depend on `promptfn`; the runnable examples are in the
/// `promptfn` guide.)
///
/// ```ignore
/// /// The current weather in a city.
/// #[tool]
/// async fn get_weather(
///     /// The city's name, e.g. "Paris".
///     city: String,
///     unit: Option<Unit>,
/// ) -> Result<Report, WeatherError> {
///     todo!()
/// }
///
/// #[prompt("Should I take an umbrella in {city}?", tools = [get_weather])]
/// async fn umbrella(city: &str) -> Result<String>;
/// ```
///
/// - The function's doc comment is the tool's description (required), each parameter's doc
///   comment its description; the name is the function's. `#[tool(name = "weather")]` gives
///   the model another name (1 to 64 ASCII letters, digits, `_` or `-`), and
///   `#[tool(description = "…")]` a description other than the doc comment. Lists still name
///   the function (`tools = [get_weather]`); a `tool_choice` names the tool as the model sees
///   it, so choose a renamed tool per call: `.tool_choice(ToolChoice::function("weather"))`.
/// - Parameters are owned types with `serde::Deserialize + schemars::JsonSchema`; together they
///   form the tool's JSON schema (an `Option<…>` parameter may be left out by the model).
/// - The return value is the tool's result: any `serde::Serialize` (a `String` is sent as it
///   is, anything else as JSON), or `Result<T, E>` with `E: Display`, whose `Err` the model is
///   told about.
/// - The function stays callable as before. Beside it the macro writes a hidden companion that
///   `#[prompt(tools = [...])]` and `tools![...]` use; a method's tool keeps a clone of the
///   receiver, so `Self: Clone + Send + Sync + 'static`.
/// - A failing (`Err`), panicking or stuck tool does not fail the call: the model is told
///   (a call still running after the call's timeout is abandoned).
/// - Listing a function that is not a `#[tool]` fails with "cannot find function
///   `<name>__needs_the_tool_attribute`" (for a method, "no method named …"): add `#[tool]` to
///   it (or, for a tool in another module, list it by its path, `tools = [weather::get_weather]`,
///   so that its companion is found beside it). A `#[tool]` is found wherever its function is:
///   in the module, in a child module that imports it, in the same function body.
/// - `#[tool(crate = path)]` names promptfn through a re-export.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}

/// An array of tools for `Call::tools`: `tools![get_weather, geo::search, self.lookup]`.
///
/// Each entry is a `#[tool]` function (a path) or a `#[tool]` method of a value
/// (`value.method`, bound to a clone of `value`).
#[proc_macro]
pub fn tools(input: TokenStream) -> TokenStream {
    tool_list::tools_macro(input.into()).into()
}

/// Derives `promptfn::Partial`: the partial form of a struct or enum, whose snapshots a
/// streamed call hands out while the model writes the value.
///
/// (Documented, with examples, on the `promptfn::Partial` trait.)
///
/// - `#[partial(done)]` on a field: it appears in snapshots only once its value is complete.
/// - `#[partial(required)]` on a field: no snapshot until it is present.
/// - `#[partial(crate = path)]` on the type names promptfn through a re-export.
#[proc_macro_derive(Partial, attributes(partial))]
pub fn derive_partial(input: TokenStream) -> TokenStream {
    partial::derive(input.into()).into()
}
