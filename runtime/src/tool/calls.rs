//! Manual mode: a return type of `ToolCalls<A>` hands the calls the model asked for to the
//! caller, arguments decoded into `A`, instead of running them.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::output::Output;

/// The tool calls the model asked for, not run: the return type of manual mode.
///
/// `A` is what each call's arguments decode into: a struct for the parameters of a single tool,
/// an enum over several tools written
/// `#[derive(Deserialize)] #[serde(tag = "name", content = "arguments", rename_all = "snake_case")]`
/// (decoded from `{"name": …, "arguments": …}`), or `serde_json::Value` (the default) to take
/// them as they are. Arguments that do not decode are sent back to the model to correct, like
/// an undecodable answer.
///
/// ```no_run
/// # use promptfn::{prompt, tool, Result, ToolCalls};
/// # use serde::Deserialize;
/// /// The weather in a city.
/// #[tool]
/// fn get_weather(city: String) -> String { format!("sunny in {city}") }
///
/// #[derive(Debug, Deserialize)]
/// struct WeatherArgs { city: String }
///
/// #[prompt("What should I wear in {city}?", tools = [get_weather], tool_choice = "get_weather")]
/// async fn plan(city: &str) -> Result<ToolCalls<WeatherArgs>>;
///
/// # async fn demo() -> Result<()> {
/// for call in plan("Oslo").await? {
///     println!("{} wants the weather in {}", call.name, call.arguments.city);
/// }
/// # Ok(()) }
/// # fn main() {}
/// ```
///
/// (Compiled, not run: the call goes through the default client, over the network; the guide's
/// "Tools" section runs manual mode against the mock client.)
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolCalls<A = Value> {
    /// The calls, in the order the model made them; empty when it answered in text instead.
    pub calls: Vec<RequestedCall<A>>,
    /// The text the model wrote beside (or instead of) the calls.
    pub text: String,
}

/// One tool call the model asked for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RequestedCall<A = Value> {
    /// The call's id, to answer it with `Message::tool_result`.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments.
    pub arguments: A,
}

impl<A> ToolCalls<A> {
    /// Whether the model asked for no call.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// How many calls the model asked for.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// The calls, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, RequestedCall<A>> {
        self.calls.iter()
    }
}

impl<A> IntoIterator for ToolCalls<A> {
    type Item = RequestedCall<A>;
    type IntoIter = std::vec::IntoIter<RequestedCall<A>>;

    fn into_iter(self) -> Self::IntoIter {
        self.calls.into_iter()
    }
}

impl<'a, A> IntoIterator for &'a ToolCalls<A> {
    type Item = &'a RequestedCall<A>;
    type IntoIter = std::slice::Iter<'a, RequestedCall<A>>;

    fn into_iter(self) -> Self::IntoIter {
        self.calls.iter()
    }
}

impl<A: DeserializeOwned + Send + 'static> Output for ToolCalls<A> {
    // Asked for as text: the calls come beside the answer, not in it.
    type Item = String;

    const TOOL_CALLS: bool = true;

    fn from_items(_: Vec<String>) -> Option<Self> {
        None
    }

    fn from_tool_calls(calls: Vec<RequestedCall<Value>>, text: String) -> Result<Self, String> {
        let calls = calls
            .into_iter()
            .map(|call| {
                let arguments = decode_arguments::<A>(&call.name, call.arguments)?;
                Ok(RequestedCall {
                    id: call.id,
                    name: call.name,
                    arguments,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { calls, text })
    }
}

/// The arguments alone first (a parameters struct, or `Value`), then tagged with the name (an
/// enum over several tools).
fn decode_arguments<A: DeserializeOwned>(name: &str, arguments: Value) -> Result<A, String> {
    match serde_json::from_value::<A>(arguments.clone()) {
        Ok(value) => Ok(value),
        Err(alone) => serde_json::from_value::<A>(json!({"name": name, "arguments": arguments}))
            .map_err(|tagged| {
                format!(
                    "the arguments of `{name}` do not fit: {alone} (as {{\"name\", \"arguments\"}}: {tagged})"
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Weather {
        city: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "name", content = "arguments", rename_all = "snake_case")]
    enum Action {
        GetWeather { city: String },
        Search { query: String },
    }

    fn requested(name: &str, arguments: Value) -> RequestedCall<Value> {
        RequestedCall {
            id: format!("id-{name}"),
            name: name.to_owned(),
            arguments,
        }
    }

    #[test]
    fn a_struct_takes_the_arguments_alone() {
        let calls = ToolCalls::<Weather>::from_tool_calls(
            vec![requested("get_weather", json!({"city": "Oslo"}))],
            String::new(),
        )
        .unwrap();
        assert_eq!(calls.calls[0].arguments.city, "Oslo");
        assert_eq!(calls.calls[0].id, "id-get_weather");
    }

    #[test]
    fn an_enum_is_told_the_tool_name() {
        let calls = ToolCalls::<Action>::from_tool_calls(
            vec![
                requested("search", json!({"query": "rust"})),
                requested("get_weather", json!({"city": "Rome"})),
            ],
            "Let me look.".to_owned(),
        )
        .unwrap();
        let args: Vec<_> = calls.iter().map(|c| &c.arguments).collect();
        assert_eq!(
            args,
            [
                &Action::Search {
                    query: "rust".into()
                },
                &Action::GetWeather {
                    city: "Rome".into()
                }
            ]
        );
        assert_eq!(calls.text, "Let me look.");
    }

    #[test]
    fn arguments_that_fit_nothing_are_explained() {
        let err = ToolCalls::<Weather>::from_tool_calls(
            vec![requested("get_weather", json!({"town": "Oslo"}))],
            String::new(),
        )
        .unwrap_err();
        assert!(
            err.starts_with("the arguments of `get_weather` do not fit: missing field `city`"),
            "{err}"
        );
    }
}
