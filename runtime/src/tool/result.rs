//! How a tool's return value becomes the content of its tool message, and the bounds that
//! make misuse a compile error that reads like advice.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a tool call produced: the tool message's content, or why there is none.
pub type ToolFuture = Pin<Box<dyn Future<Output = Result<String, ToolFailure>> + Send>>;

/// Why a tool call gave no result; the model is told and may try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolFailure {
    /// The arguments did not fit the parameters.
    InvalidArguments(String),
    /// The function returned an error (its `Display`), or its result could not be serialized.
    Failed(String),
}

/// A type a tool parameter can have: decoded from the model's JSON, described by a schema.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter",
    label = "tool parameters are decoded from the model's JSON arguments",
    note = "a tool parameter needs `serde::Deserialize` and `schemars::JsonSchema` (derive both, schemars 1.x) and must own its data (`String`, not `&str`)"
)]
pub trait ToolParam: DeserializeOwned + JsonSchema {}
impl<T: DeserializeOwned + JsonSchema> ToolParam for T {}

/// Marks a return type used as the result itself.
#[derive(Debug)]
pub struct ValueOutput;
/// Marks a `Result<T, E>` return type: `Ok` is the result, `Err` a failure the model sees.
#[derive(Debug)]
pub struct ResultOutput;

/// A tool return type: any `Serialize` (marker [`ValueOutput`]), or `Result<T: Serialize,
/// E: Display>` (marker [`ResultOutput`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a tool",
    label = "the tool's result is sent to the model as JSON",
    note = "a tool returns any `serde::Serialize` type, or `Result<T, E>` where `T: Serialize` and `E: std::fmt::Display`"
)]
pub trait IntoToolOutput<M> {
    /// The content of the tool message.
    fn into_tool_output(self) -> Result<String, ToolFailure>;
}

impl<T: Serialize> IntoToolOutput<ValueOutput> for T {
    fn into_tool_output(self) -> Result<String, ToolFailure> {
        content(&self)
    }
}

impl<T: Serialize, E: Display> IntoToolOutput<ResultOutput> for Result<T, E> {
    fn into_tool_output(self) -> Result<String, ToolFailure> {
        match self {
            Ok(value) => content(&value),
            Err(error) => Err(ToolFailure::Failed(error.to_string())),
        }
    }
}

/// A string result goes as it is; anything else as JSON text.
fn content<T: Serialize>(value: &T) -> Result<String, ToolFailure> {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => Ok(text),
        Ok(other) => Ok(other.to_string()),
        Err(error) => Err(ToolFailure::Failed(format!(
            "the result could not be serialized: {error}"
        ))),
    }
}

/// The running call of an `async` tool.
pub fn tool_future<M, R, F>(future: F) -> ToolFuture
where
    R: IntoToolOutput<M>,
    F: Future<Output = R> + Send + 'static,
{
    Box::pin(async move { future.await.into_tool_output() })
}

/// The finished call of a plain (synchronous) tool.
pub fn tool_ready<M, R: IntoToolOutput<M>>(result: R) -> ToolFuture {
    Box::pin(std::future::ready(result.into_tool_output()))
}

/// A receiver a tool method can be bound to: the tool keeps its own copy, and calls may run
/// concurrently on other threads.
#[diagnostic::on_unimplemented(
    message = "a `#[tool]` method needs `{Self}: Clone + Send + Sync + 'static`",
    label = "the tool keeps a clone of the receiver",
    note = "derive or implement `Clone` (wrap shared state in `Arc`), or make the tool a free function"
)]
pub trait ToolReceiver: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> ToolReceiver for T {}

/// The copy of the receiver a bound tool keeps.
pub fn tool_receiver<T: ToolReceiver>(this: &T) -> T {
    this.clone()
}

/// Compile-time check of a parameter type, spanned on it.
pub fn assert_tool_param<T: ToolParam>() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_go_as_they_are_and_values_as_json() {
        assert_eq!(
            "sunny".to_owned().into_tool_output(),
            Ok("sunny".to_owned())
        );
        assert_eq!(
            IntoToolOutput::<ValueOutput>::into_tool_output(vec![1, 2]),
            Ok("[1,2]".to_owned())
        );
        assert_eq!(().into_tool_output(), Ok("null".to_owned()));
    }

    #[test]
    fn errors_become_failures_through_display() {
        let ok: Result<u8, String> = Ok(3);
        assert_eq!(
            IntoToolOutput::<ResultOutput>::into_tool_output(ok),
            Ok("3".to_owned())
        );
        let failed: Result<u8, std::fmt::Error> = Err(std::fmt::Error);
        assert_eq!(
            IntoToolOutput::<ResultOutput>::into_tool_output(failed),
            Err(ToolFailure::Failed(
                "an error occurred when formatting an argument".to_owned()
            ))
        );
    }
}
