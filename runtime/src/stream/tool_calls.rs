//! Putting streamed tool calls back together from their deltas.
//!
//! The spec sends a call's `id` and `name` once, then argument pieces under the same `index`.
//! Real servers differ: Gemini and one-api's Claude channel omit `index`,
//! some send a whole call in one delta, older Gemini builds give every call index 0, and
//! llama-cpp-python repeats `id`, `type` and `name` in every delta. So a delta joins the call
//! with the same `id`; else the latest call with the same `index`; else, with neither, the
//! latest call. Calls are found through maps by id and by index, so `n` deltas cost `O(n)`
//! however many calls they open.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::message::ToolCall;
use crate::provider_state::ProviderState;
use crate::structured::ANSWER_TOOL;
use crate::wire::answer::{ToolCallDelta, WireFunction};
use crate::wire::dialect::Dialect;

/// One call being assembled.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    id: Option<String>,
    pub(crate) name: String,
    pub(crate) arguments: String,
    /// Fields the provider attached to the call (Gemini's `extra_content`), kept to be sent
    /// back; a later piece's value for the same field replaces an earlier one.
    extra: Map<String, Value>,
    /// The dialect that read the call: `extra` is sent back only in it.
    dialect: Dialect,
}

/// The calls of one streamed answer, in the order they started.
#[derive(Debug, Default)]
pub(crate) struct StreamedToolCalls {
    slots: Vec<Slot>,
    /// The slot of each id.
    by_id: HashMap<String, usize>,
    /// The latest slot of each index.
    by_index: HashMap<u32, usize>,
    /// A `tool_calls` delta was seen: a legacy `function_call` beside it repeats the same call.
    modern: bool,
}

impl StreamedToolCalls {
    /// Adds one delta; returns whether it brought argument text.
    pub(crate) fn apply(&mut self, delta: &ToolCallDelta) -> bool {
        self.modern = true;
        let id = delta.id.as_deref().filter(|id| !id.is_empty());
        let at = match self.find(delta.index, id) {
            Some(at) => at,
            None => {
                self.slots.push(Slot::default());
                let at = self.slots.len() - 1;
                if let Some(index) = delta.index {
                    self.by_index.insert(index, at);
                }
                at
            }
        };
        let slot = &mut self.slots[at];
        if slot.id.is_none()
            && let Some(id) = id
        {
            slot.id = Some(id.to_owned());
            self.by_id.insert(id.to_owned(), at);
        }
        slot.dialect = delta.dialect;
        for (name, value) in &delta.extra {
            slot.extra.insert(name.clone(), value.clone());
        }
        Self::extend(slot, &delta.function)
    }

    /// Adds a legacy `function_call` delta, unless `tool_calls` deltas carry the same call.
    pub(crate) fn apply_legacy(&mut self, function: &WireFunction) -> bool {
        if self.modern {
            return false;
        }
        if self.slots.is_empty() {
            self.slots.push(Slot::default());
        }
        let last = self.slots.len() - 1;
        Self::extend(&mut self.slots[last], function)
    }

    fn find(&self, index: Option<u32>, id: Option<&str>) -> Option<usize> {
        let latest_at_index = index.and_then(|ix| self.by_index.get(&ix).copied());
        if let Some(id) = id {
            if let Some(&at) = self.by_id.get(id) {
                return Some(at);
            }
            // A new id is a new call, unless the latest call at this index has not had its id
            // yet.
            return latest_at_index.filter(|&at| self.slots[at].id.is_none());
        }
        match index {
            Some(_) => latest_at_index,
            None => self.slots.len().checked_sub(1),
        }
    }

    fn extend(slot: &mut Slot, function: &WireFunction) -> bool {
        // Names come whole (once, or repeated in every delta); only arguments come in pieces.
        if slot.name.is_empty()
            && let Some(name) = function.name.as_deref()
        {
            slot.name = name.to_owned();
        }
        match function.arguments.as_deref() {
            Some(piece) if !piece.is_empty() => {
                slot.arguments.push_str(piece);
                true
            }
            _ => false,
        }
    }

    /// The call that carries the answer in `Tool` mode: the forced tool, else the first call.
    pub(crate) fn answer(&self) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.name == ANSWER_TOOL)
            .or((!self.slots.is_empty()).then_some(0))
    }

    pub(crate) fn slot(&self, at: usize) -> Option<&Slot> {
        self.slots.get(at)
    }

    /// The assembled calls; calls without an id are numbered like non-streamed ones.
    pub(crate) fn calls(&self) -> Vec<ToolCall> {
        self.slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut call = ToolCall::new(
                    s.id.clone().unwrap_or_else(|| format!("call_{i}")),
                    s.name.clone(),
                    s.arguments.clone(),
                );
                call.state = ProviderState::kept(s.dialect, s.extra.clone());
                call
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(json: &str) -> ToolCallDelta {
        serde_json::from_str(json).unwrap()
    }

    fn assemble(deltas: &[&str]) -> Vec<ToolCall> {
        let mut calls = StreamedToolCalls::default();
        for d in deltas {
            calls.apply(&delta(d));
        }
        calls.calls()
    }

    #[test]
    fn spec_shape_index_then_pieces() {
        let calls = assemble(&[
            r#"{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":""}}"#,
            r#"{"index":0,"function":{"arguments":"{\"x\":"}}"#,
            r#"{"index":1,"id":"b","function":{"name":"g","arguments":"{}"}}"#,
            r#"{"index":0,"function":{"arguments":"1}"}}"#,
        ]);
        assert_eq!(
            calls,
            [
                ToolCall::new("a", "f", r#"{"x":1}"#),
                ToolCall::new("b", "g", "{}")
            ]
        );
    }

    #[test]
    fn deltas_without_index_continue_the_latest_call() {
        let calls = assemble(&[
            r#"{"id":"a","type":null,"function":{"name":"f","arguments":"{\"x\""}}"#,
            r#"{"function":{"arguments":":1}"}}"#,
            r#"{"id":"b","function":{"name":"g","arguments":"{"}}"#,
            r#"{"function":{"arguments":"}"}}"#,
        ]);
        assert_eq!(
            calls,
            [
                ToolCall::new("a", "f", r#"{"x":1}"#),
                ToolCall::new("b", "g", "{}")
            ]
        );
    }

    #[test]
    fn repeated_ids_and_names_do_not_repeat_the_call() {
        // llama-cpp-python: id, type and name again in every delta.
        let calls = assemble(&[
            r#"{"index":0,"id":"c","type":"function","function":{"name":"answer","arguments":"{\"va"}}"#,
            r#"{"index":0,"id":"c","type":"function","function":{"name":"answer","arguments":"lue\":1}"}}"#,
        ]);
        assert_eq!(calls, [ToolCall::new("c", "answer", r#"{"value":1}"#)]);
    }

    #[test]
    fn whole_calls_sharing_index_zero_stay_apart() {
        let calls = assemble(&[
            r#"{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}"#,
            r#"{"index":0,"id":"b","function":{"name":"g","arguments":"{}"}}"#,
        ]);
        assert_eq!(calls.len(), 2);
    }

    #[test]
    fn the_answer_is_the_forced_tool_else_the_first() {
        let mut calls = StreamedToolCalls::default();
        calls.apply(&delta(r#"{"id":"a","function":{"name":"note"}}"#));
        assert_eq!(calls.answer(), Some(0));
        calls.apply(&delta(r#"{"id":"b","function":{"name":"answer"}}"#));
        assert_eq!(calls.answer(), Some(1));
    }

    #[test]
    fn legacy_function_calls_count_only_alone() {
        let mut calls = StreamedToolCalls::default();
        let f: WireFunction = serde_json::from_str(r#"{"name":"f","arguments":"{}"}"#).unwrap();
        assert!(calls.apply_legacy(&f));
        assert_eq!(calls.calls(), [ToolCall::new("call_0", "f", "{}")]);
        let mut both = StreamedToolCalls::default();
        both.apply(&delta(
            r#"{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}"#,
        ));
        assert!(!both.apply_legacy(&f));
        assert_eq!(both.calls(), [ToolCall::new("a", "f", "{}")]);
    }

    #[test]
    fn many_calls_are_assembled_by_id_and_by_index() {
        let mut calls = StreamedToolCalls::default();
        for i in 0..20_000_u32 {
            calls.apply(&delta(&format!(
                r#"{{"index": {i}, "id": "c{i}", "function": {{"name": "f", "arguments": "{{"}}}}"#
            )));
        }
        // Argument pieces for every call, by index only and by id only.
        for i in 0..20_000_u32 {
            calls.apply(&delta(&format!(
                r#"{{"index": {i}, "function": {{"arguments": "}}"}}}}"#
            )));
        }
        calls.apply(&delta(r#"{"id": "c7", "function": {"arguments": " "}}"#));
        let assembled = calls.calls();
        assert_eq!(assembled.len(), 20_000);
        assert!(assembled.iter().all(|c| c.arguments.starts_with("{}")));
        assert_eq!(assembled[7].arguments, "{} ");
        assert_eq!(assembled[19_999].id, "c19999");
    }
}
