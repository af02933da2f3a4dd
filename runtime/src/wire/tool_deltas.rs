//! Tool calls assembled from streamed deltas.
//!
//! Servers disagree on how a streamed call is cut (wire-format.md §3): OpenAI sends `index`
//! with every fragment and `id`/`name` only in the first; Gemini's compatibility layer and
//! one-api omit `index`, Claude behind one-api sends argument fragments with neither `index`
//! nor `id`; older new-api builds give every call index 0; a whole call may arrive in one
//! delta. So fragments are matched by `index`, then by `id`, then by position (the call being
//! written), and `finish_reason` is never needed to know that calls came.

use serde::Deserialize;
use serde_json::Value;

use crate::message::ToolCall;

/// One element of a delta's `tool_calls`, read leniently.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[cfg_attr(not(test), allow(dead_code))] // read by the streaming path
pub(crate) struct ToolCallDelta {
    #[serde(deserialize_with = "lenient_index")]
    pub(crate) index: Option<u32>,
    #[serde(deserialize_with = "lenient_text")]
    pub(crate) id: Option<String>,
    pub(crate) function: Option<FunctionDelta>,
}

/// The `function` of a [`ToolCallDelta`].
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[cfg_attr(not(test), allow(dead_code))] // read by the streaming path
pub(crate) struct FunctionDelta {
    #[serde(deserialize_with = "lenient_text")]
    pub(crate) name: Option<String>,
    /// Usually a fragment of JSON text; some servers send the whole arguments object.
    #[serde(deserialize_with = "lenient_text")]
    pub(crate) arguments: Option<String>,
}

/// The calls of one streamed choice, as their fragments arrive.
#[derive(Debug, Default)]
#[cfg_attr(not(test), allow(dead_code))] // used by the streaming path
pub(crate) struct ToolCallAccumulator {
    calls: Vec<Partial>,
}

#[derive(Debug, Default)]
struct Partial {
    index: Option<u32>,
    id: String,
    name: String,
    arguments: String,
}

#[cfg_attr(not(test), allow(dead_code))] // used by the streaming path
impl ToolCallAccumulator {
    /// Add one fragment.
    pub(crate) fn push(&mut self, delta: &ToolCallDelta) {
        let id = delta.id.as_deref().filter(|id| !id.is_empty());
        let name = delta
            .function
            .as_ref()
            .and_then(|f| f.name.as_deref())
            .filter(|n| !n.is_empty());
        let at = match (delta.index, id) {
            // By index, unless the fragment brings another call's id (every call at index 0).
            (Some(index), _) => self
                .calls
                .iter()
                .rposition(|c| c.index == Some(index))
                .filter(|&at| {
                    id.is_none_or(|id| self.calls[at].id.is_empty() || self.calls[at].id == id)
                }),
            (None, Some(id)) => self.calls.iter().rposition(|c| c.id == id),
            // Neither: the call being written, unless a name starts a new one.
            (None, None) => self
                .calls
                .len()
                .checked_sub(1)
                .filter(|&last| name.is_none() || self.calls[last].name.is_empty()),
        };
        let at = at.unwrap_or_else(|| {
            self.calls.push(Partial {
                index: delta.index,
                ..Partial::default()
            });
            self.calls.len() - 1
        });
        let call = &mut self.calls[at];
        if call.id.is_empty()
            && let Some(id) = id
        {
            call.id = id.to_owned();
        }
        if let Some(name) = name {
            // Some servers repeat the whole name in every fragment; others split it.
            if call.name.is_empty() {
                call.name = name.to_owned();
            } else if call.name != name {
                call.name.push_str(name);
            }
        }
        if let Some(arguments) = delta.function.as_ref().and_then(|f| f.arguments.as_deref()) {
            call.arguments.push_str(arguments);
        }
    }

    /// Whether any fragment has arrived.
    pub(crate) fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The assembled calls, in the order they started; calls without an id are numbered.
    pub(crate) fn finish(self) -> Vec<ToolCall> {
        self.calls
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let id = if c.id.is_empty() {
                    format!("call_{i}")
                } else {
                    c.id
                };
                ToolCall::new(id, c.name, c.arguments)
            })
            .collect()
    }
}

fn lenient_index<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assemble(deltas: &[&str]) -> Vec<ToolCall> {
        let mut acc = ToolCallAccumulator::default();
        for delta in deltas {
            let delta: ToolCallDelta = serde_json::from_str(delta).unwrap();
            acc.push(&delta);
        }
        acc.finish()
    }

    #[test]
    fn openai_fragments_join_by_index() {
        let calls = assemble(&[
            r#"{"index":0,"id":"a","type":"function","function":{"name":"get_weather","arguments":""}}"#,
            r#"{"index":1,"id":"b","type":"function","function":{"name":"local_time","arguments":"{\"ci"}}"#,
            r#"{"index":0,"function":{"arguments":"{\"city\":"}}"#,
            r#"{"index":1,"function":{"arguments":"ty\":\"Rome\"}"}}"#,
            r#"{"index":0,"function":{"arguments":"\"Paris\"}"}}"#,
        ]);
        assert_eq!(
            calls,
            [
                ToolCall::new("a", "get_weather", r#"{"city":"Paris"}"#),
                ToolCall::new("b", "local_time", r#"{"city":"Rome"}"#),
            ]
        );
    }

    #[test]
    fn fragments_without_index_join_the_call_being_written() {
        // Claude behind one-api: the first fragment has id and name, the rest only arguments.
        let calls = assemble(&[
            r#"{"id":"toolu_1","type":"function","function":{"name":"get_weather"}}"#,
            r#"{"type":null,"function":{"arguments":"{\"city\""}}"#,
            r#"{"function":{"arguments":":\"Oslo\"}"}}"#,
            r#"{"id":"toolu_2","function":{"name":"local_time","arguments":"{}"}}"#,
        ]);
        assert_eq!(
            calls,
            [
                ToolCall::new("toolu_1", "get_weather", r#"{"city":"Oslo"}"#),
                ToolCall::new("toolu_2", "local_time", "{}"),
            ]
        );
    }

    #[test]
    fn whole_calls_without_index_or_id_are_told_apart_by_their_names() {
        // Gemini compatibility: each call whole in one delta, no index.
        let calls = assemble(&[
            r#"{"function":{"name":"a","arguments":{"x":1}}}"#,
            r#"{"function":{"name":"b","arguments":"{}"}}"#,
        ]);
        assert_eq!(
            calls,
            [
                ToolCall::new("call_0", "a", r#"{"x":1}"#),
                ToolCall::new("call_1", "b", "{}"),
            ]
        );
    }

    #[test]
    fn a_repeated_index_with_a_new_id_is_a_new_call() {
        // Older new-api: every call at index 0.
        let calls = assemble(&[
            r#"{"index":0,"id":"x","function":{"name":"a","arguments":"{}"}}"#,
            r#"{"index":0,"id":"y","function":{"name":"b","arguments":"{"}}"#,
            r#"{"index":0,"function":{"arguments":"}"}}"#,
        ]);
        assert_eq!(
            calls,
            [ToolCall::new("x", "a", "{}"), ToolCall::new("y", "b", "{}")]
        );
    }

    #[test]
    fn indices_may_start_above_zero_and_names_may_repeat_or_split() {
        let calls = assemble(&[
            r#"{"index":"1","id":"c","function":{"name":"get_","arguments":""}}"#,
            r#"{"index":1,"function":{"name":"weather","arguments":"{}"}}"#,
            r#"{"index":2,"id":"d","function":{"name":"f","arguments":"{"}}"#,
            r#"{"index":2,"function":{"name":"f","arguments":"}"}}"#,
        ]);
        assert_eq!(
            calls,
            [
                ToolCall::new("c", "get_weather", "{}"),
                ToolCall::new("d", "f", "{}")
            ]
        );
    }

    #[test]
    fn nothing_in_nothing_out() {
        let acc = ToolCallAccumulator::default();
        assert!(acc.is_empty());
        assert!(acc.finish().is_empty());
        assert!(assemble(&[r#"{"index":null,"id":null,"function":null}"#]).len() == 1);
    }

    proptest::proptest! {
        /// However the arguments are cut into fragments, with or without `index`, the same
        /// calls come out.
        #[test]
        fn any_fragmentation_gives_the_same_calls(
            first in "[ -~]{0,40}",
            second in "[ -~]{0,40}",
            cuts in proptest::collection::vec(0usize..40, 0..6),
            with_index in proptest::bool::ANY,
        ) {
            let mut acc = ToolCallAccumulator::default();
            for (i, (id, name, args)) in [("a", "f", &first), ("b", "g", &second)].into_iter().enumerate() {
                let index = with_index.then_some(u32::try_from(i).unwrap());
                let mut pieces = Vec::new();
                let mut start = 0;
                let mut points: Vec<usize> = cuts.iter().map(|c| c % (args.len() + 1)).collect();
                points.sort_unstable();
                for point in points {
                    pieces.push(&args[start..point.max(start)]);
                    start = point.max(start);
                }
                pieces.push(&args[start..]);
                acc.push(&ToolCallDelta {
                    index,
                    id: Some(id.to_owned()),
                    function: Some(FunctionDelta { name: Some(name.to_owned()), arguments: None }),
                });
                for piece in pieces {
                    acc.push(&ToolCallDelta {
                        index,
                        id: None,
                        function: Some(FunctionDelta { name: None, arguments: Some(piece.to_owned()) }),
                    });
                }
            }
            proptest::prop_assert_eq!(
                acc.finish(),
                vec![ToolCall::new("a", "f", first.clone()), ToolCall::new("b", "g", second.clone())]
            );
        }
    }
}
