//! What a call returns besides the value: usage, finish reason, ids and the raw body.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de};

use crate::lenient::Repair;
use crate::message::Message;
use crate::sources::Source;
use crate::structured::Mode;

/// A typed value together with everything the server said about it.
///
/// Returned by [`Call::with_meta`](crate::Call::with_meta).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// The decoded value.
    pub value: T,
    /// The completion id the server gave, if any.
    pub id: Option<String>,
    /// The model that answered, as the server named it.
    pub model: Option<String>,
    /// Token usage summed over every request the call made (re-asks included).
    pub usage: Option<Usage>,
    /// Why the model stopped.
    pub finish_reason: Option<FinishReason>,
    /// The body of the last response, as received.
    pub raw: String,
    /// The repairs the tolerant decoder made to the model's output (empty for clean JSON).
    pub repairs: Vec<Repair>,
    /// How many requests the call sent in all: the first, and one more for each step down the
    /// structured-output ladder, each re-ask, each round of tool calls and each request that
    /// filled missing choices. (Transport retries of one request are not counted.)
    pub requests: u32,
    /// The structured-output mode that produced the value (`None` for plain text).
    pub mode: Option<Mode>,
    /// The whole conversation: the rendered prompt, then every assistant turn (tool calls
    /// included), every tool result and re-ask, and the final answer's turn.
    pub transcript: Vec<Message>,
    /// The model's reasoning text, when the server sends it apart from the answer
    /// (`reasoning_content` or `reasoning`: DeepSeek, vLLM, llama-server, new-api).
    pub reasoning: Option<String>,
    /// The sources the answer cites ([`Response::sources`]).
    pub(crate) sources: Vec<Source>,
}

impl<T> Response<T> {
    /// `value` from one request, with no metadata: what an endpoint call fills in (model,
    /// usage, raw body) and what unit tests build, with struct-update syntax for the rest.
    pub(crate) fn bare(value: T) -> Self {
        Response {
            value,
            id: None,
            model: None,
            usage: None,
            finish_reason: None,
            raw: String::new(),
            repairs: Vec::new(),
            requests: 1,
            mode: None,
            transcript: Vec::new(),
            reasoning: None,
            sources: Vec::new(),
        }
    }

    /// Keep the metadata, change the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            id: self.id,
            model: self.model,
            usage: self.usage,
            finish_reason: self.finish_reason,
            raw: self.raw,
            repairs: self.repairs,
            requests: self.requests,
            mode: self.mode,
            transcript: self.transcript,
            reasoning: self.reasoning,
            sources: self.sources,
        }
    }

    /// The sources the final answer cites, in the order the server gave them, each url once:
    /// the pages a web search found (`web_search = true`, [`Call::web_search`](crate::Call::web_search))
    /// and the passages of the prompt's documents that Anthropic cites. Empty when the server
    /// cites nothing; at most [`MAX_SOURCES`](crate::MAX_SOURCES).
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The value, dropping the metadata.
    pub fn into_value(self) -> T {
        self.value
    }
}

/// Token counts reported by the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens in the answer.
    pub completion_tokens: u64,
    /// Both together.
    pub total_tokens: u64,
    /// Prompt tokens read from the provider's prompt cache (Anthropic
    /// `cache_read_input_tokens`, OpenAI `prompt_tokens_details.cached_tokens`); counted in
    /// `prompt_tokens`.
    #[serde(skip_serializing_if = "is_zero")]
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the provider's prompt cache (Anthropic
    /// `cache_creation_input_tokens`); counted in `prompt_tokens`.
    #[serde(skip_serializing_if = "is_zero")]
    pub cache_write_tokens: u64,
    /// Answer tokens spent reasoning, where the provider counts them apart (OpenAI
    /// `completion_tokens_details.reasoning_tokens`); counted in `completion_tokens`.
    #[serde(skip_serializing_if = "is_zero")]
    pub reasoning_tokens: u64,
}

/// [`Usage`] is read from its own field names (a saved transcript or journal read back) and
/// from OpenAI's, whose cached and reasoning counts are nested in `prompt_tokens_details` and
/// `completion_tokens_details` (<https://platform.openai.com/docs/api-reference/chat/object>).
/// Every awaited answer carries a usage object, so it is read by hand, each count straight
/// from the parser (`Count`), each key matched once (`UsageKey`): serde's derived reader
/// took each count through an `Option<Number>` and the details through a struct of their own.
impl<'de> Deserialize<'de> for Usage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(UsageVisitor)
    }
}

struct UsageVisitor;

impl<'de> de::Visitor<'de> for UsageVisitor {
    type Value = Usage;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token usage object")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Usage, A::Error> {
        let mut usage = Usage::default();
        let (mut cached_in_details, mut reasoning_in_details) = (0, 0);
        while let Some(key) = map.next_key::<UsageKey>()? {
            match key {
                UsageKey::PromptTokens => usage.prompt_tokens = map.next_value::<Count>()?.0,
                UsageKey::CompletionTokens => {
                    usage.completion_tokens = map.next_value::<Count>()?.0;
                }
                UsageKey::TotalTokens => usage.total_tokens = map.next_value::<Count>()?.0,
                UsageKey::PromptTokensDetails => {
                    cached_in_details = map.next_value::<Details>()?.cached_tokens;
                }
                UsageKey::CompletionTokensDetails => {
                    reasoning_in_details = map.next_value::<Details>()?.reasoning_tokens;
                }
                UsageKey::CacheReadTokens => {
                    usage.cache_read_tokens = map.next_value::<Count>()?.0;
                }
                UsageKey::CacheWriteTokens => {
                    usage.cache_write_tokens = map.next_value::<Count>()?.0;
                }
                UsageKey::ReasoningTokens => usage.reasoning_tokens = map.next_value::<Count>()?.0,
                // Only a details object's own.
                UsageKey::CachedTokens | UsageKey::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        // A server that sends a count both ways counts the same tokens twice over.
        usage.cache_read_tokens = usage.cache_read_tokens.max(cached_in_details);
        usage.reasoning_tokens = usage.reasoning_tokens.max(reasoning_in_details);
        Ok(usage)
    }
}

/// The keys of a usage object and of its details objects that promptfn reads.
enum UsageKey {
    PromptTokens,
    CompletionTokens,
    TotalTokens,
    PromptTokensDetails,
    CompletionTokensDetails,
    CacheReadTokens,
    CacheWriteTokens,
    ReasoningTokens,
    CachedTokens,
    Other,
}

impl<'de> Deserialize<'de> for UsageKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(UsageKeyVisitor)
    }
}

struct UsageKeyVisitor;

impl de::Visitor<'_> for UsageKeyVisitor {
    type Value = UsageKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token usage key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<UsageKey, E> {
        Ok(match key {
            "prompt_tokens" => UsageKey::PromptTokens,
            "completion_tokens" => UsageKey::CompletionTokens,
            "total_tokens" => UsageKey::TotalTokens,
            "prompt_tokens_details" => UsageKey::PromptTokensDetails,
            "completion_tokens_details" => UsageKey::CompletionTokensDetails,
            "cached_tokens" => UsageKey::CachedTokens,
            "reasoning_tokens" => UsageKey::ReasoningTokens,
            "cache_read_tokens" => UsageKey::CacheReadTokens,
            "cache_write_tokens" => UsageKey::CacheWriteTokens,
            _ => UsageKey::Other,
        })
    }
}

/// The counts read from a `*_tokens_details` object. Anything else there (`null`, a number,
/// a list) counts nothing: a count is never worth failing a call.
#[derive(Default)]
struct Details {
    cached_tokens: u64,
    reasoning_tokens: u64,
}

impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DetailsVisitor)
    }
}

struct DetailsVisitor;

impl<'de> de::Visitor<'de> for DetailsVisitor {
    type Value = Details;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token-count details object")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Details, A::Error> {
        let mut details = Details::default();
        while let Some(key) = map.next_key::<UsageKey>()? {
            match key {
                UsageKey::CachedTokens => details.cached_tokens = map.next_value::<Count>()?.0,
                UsageKey::ReasoningTokens => {
                    details.reasoning_tokens = map.next_value::<Count>()?.0;
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(details)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Details, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Details::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Details, E> {
        Ok(Details::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Details, E> {
        Ok(Details::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Details, E> {
        Ok(Details::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Details, E> {
        Ok(Details::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Details, E> {
        Ok(Details::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Details, E> {
        Ok(Details::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Details, E> {
        Ok(Details::default())
    }
}

/// One token count, read straight from the parser. Some servers send floats or nulls for
/// token counts, and a count is never worth failing a call: `null` is 0, a negative count is
/// 0, a fraction is cut, a float past `u64::MAX` is `u64::MAX`. Any other value (a string) is
/// no count and fails the read.
struct Count(u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CountVisitor).map(Count)
    }
}

struct CountVisitor;

impl<'de> de::Visitor<'de> for CountVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token count (a number or null)")
    }

    fn visit_u64<E: de::Error>(self, count: u64) -> Result<u64, E> {
        Ok(count)
    }

    fn visit_i64<E: de::Error>(self, count: i64) -> Result<u64, E> {
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn visit_f64<E: de::Error>(self, count: f64) -> Result<u64, E> {
        // `as` saturates: past u64::MAX is u64::MAX, NaN is 0.
        Ok(count.max(0.0) as u64)
    }

    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        Ok(0)
    }

    fn visit_none<E: de::Error>(self) -> Result<u64, E> {
        Ok(0)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl Usage {
    /// Usage with the given counts.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens.saturating_add(completion_tokens),
            ..Self::default()
        }
    }

    /// These counts with the prompt-cache reads and writes.
    pub fn with_cache(self, read: u64, write: u64) -> Self {
        Self {
            cache_read_tokens: read,
            cache_write_tokens: write,
            ..self
        }
    }

    pub(crate) fn add(self, other: Self) -> Self {
        Self {
            prompt_tokens: self.prompt_tokens.saturating_add(other.prompt_tokens),
            completion_tokens: self
                .completion_tokens
                .saturating_add(other.completion_tokens),
            total_tokens: self.total_tokens.saturating_add(other.total_tokens),
            cache_read_tokens: self
                .cache_read_tokens
                .saturating_add(other.cache_read_tokens),
            cache_write_tokens: self
                .cache_write_tokens
                .saturating_add(other.cache_write_tokens),
            reasoning_tokens: self.reasoning_tokens.saturating_add(other.reasoning_tokens),
        }
    }

    pub(crate) fn sum(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.add(b)),
            (a, b) => a.or(b),
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Why the model stopped. Servers invent their own values, so this enum is open.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FinishReason {
    /// A natural stop or a stop sequence (`stop`, and the aliases `eos`, `end_turn`, `stop_sequence`).
    Stop,
    /// The token limit (`length`, `max_tokens`).
    Length,
    /// The model asked for tool calls (`tool_calls`, `tool_use`, `function_call`).
    ToolCalls,
    /// The provider's content filter (`content_filter`).
    ContentFilter,
    /// Anything else, as the server wrote it.
    Other(String),
}

impl FinishReason {
    /// Read a server's `finish_reason`; the empty string some proxies send means "none".
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "" => return None,
            "stop" | "eos" | "end_turn" | "stop_sequence" | "STOP" => Self::Stop,
            "length" | "max_tokens" | "MAX_TOKENS" => Self::Length,
            "tool_calls" | "tool_use" | "function_call" => Self::ToolCalls,
            "content_filter" | "SAFETY" => Self::ContentFilter,
            other => Self::Other(other.to_owned()),
        })
    }

    /// Anthropic's `pause_turn`: the server paused a long turn of its own tools (web search),
    /// to be sent back as it stands for the model to carry on.
    pub(crate) fn is_paused(&self) -> bool {
        matches!(self, Self::Other(reason) if reason == "pause_turn")
    }

    /// The canonical OpenAI spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::ToolCalls => "tool_calls",
            Self::ContentFilter => "content_filter",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) fn finish_reason<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<FinishReason>, D::Error> {
    de::DeserializeSeed::deserialize(FinishReasonSeed, d)
}

/// Reads a `finish_reason` (a string or null) from the parser's text, without first copying
/// it into a `String` of its own: every answer has one.
pub(crate) struct FinishReasonSeed;

impl<'de> de::DeserializeSeed<'de> for FinishReasonSeed {
    type Value = Option<FinishReason>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for FinishReasonSeed {
    type Value = Option<FinishReason>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a finish reason string or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(FinishReason::parse(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_are_open_and_empty_is_none() {
        assert_eq!(FinishReason::parse(""), None);
        assert_eq!(FinishReason::parse("eos"), Some(FinishReason::Stop));
        assert_eq!(
            FinishReason::parse("max_tokens"),
            Some(FinishReason::Length)
        );
        assert_eq!(
            FinishReason::parse("tool_use"),
            Some(FinishReason::ToolCalls)
        );
        assert_eq!(
            FinishReason::parse("error"),
            Some(FinishReason::Other("error".into()))
        );
    }

    #[test]
    fn usage_reads_openais_cached_and_reasoning_counts_from_their_details() {
        let usage: Usage = serde_json::from_str(
            r#"{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
                "completion_tokens_details":{"reasoning_tokens":256,"audio_tokens":0,
                    "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#,
        )
        .unwrap();
        assert_eq!(
            (usage.cache_read_tokens, usage.reasoning_tokens),
            (1024, 256)
        );
        assert_eq!(usage.cache_write_tokens, 0);
        // Read back from promptfn's own form (a saved transcript or journal), unchanged.
        let again: Usage = serde_json::from_str(&serde_json::to_string(&usage).unwrap()).unwrap();
        assert_eq!(again, usage);
    }

    #[test]
    fn usage_details_that_are_not_objects_count_nothing_and_fail_nothing() {
        for details in [
            "null",
            "7",
            "-1.5",
            "true",
            "\"x\"",
            "[1,{\"cached_tokens\":9}]",
            "{}",
        ] {
            let body = format!(
                r#"{{"prompt_tokens":5,"prompt_tokens_details":{details},"completion_tokens_details":{details}}}"#
            );
            let usage: Usage = serde_json::from_str(&body).unwrap();
            assert_eq!(usage.prompt_tokens, 5, "{body}");
            assert_eq!(
                (usage.cache_read_tokens, usage.reasoning_tokens),
                (0, 0),
                "{body}"
            );
        }
        // Counts inside are as tolerant as the top-level ones.
        let odd: Usage = serde_json::from_str(
            r#"{"prompt_tokens_details":{"cached_tokens":null},"completion_tokens_details":{"reasoning_tokens":2.7}}"#,
        )
        .unwrap();
        assert_eq!((odd.cache_read_tokens, odd.reasoning_tokens), (0, 2));
    }

    #[test]
    fn usage_tolerates_nulls_and_floats() {
        let odd: Usage = serde_json::from_str(
            r#"{"prompt_tokens":-4,"completion_tokens":2.9,"total_tokens":1e30,"reasoning_tokens":18446744073709551615}"#,
        )
        .unwrap();
        assert_eq!(
            (
                odd.prompt_tokens,
                odd.completion_tokens,
                odd.total_tokens,
                odd.reasoning_tokens
            ),
            (0, 2, u64::MAX, u64::MAX)
        );
        assert!(serde_json::from_str::<Usage>(r#"{"prompt_tokens":"12"}"#).is_err());
        let u: Usage = serde_json::from_str(
            r#"{"prompt_tokens":null,"completion_tokens":3.0,"total_tokens":3}"#,
        )
        .unwrap();
        assert_eq!(
            u,
            Usage {
                prompt_tokens: 0,
                completion_tokens: 3,
                total_tokens: 3,
                ..Usage::default()
            }
        );
        assert_eq!(
            Usage::sum(
                Some(Usage::new(1, 2).with_cache(5, 6)),
                Some(Usage::new(3, 4).with_cache(1, 0))
            ),
            Some(Usage::new(4, 6).with_cache(6, 6))
        );
        assert_eq!(
            serde_json::to_value(Usage::new(1, 2)).unwrap(),
            serde_json::json!({"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3})
        );
        assert_eq!(
            Usage::sum(Some(Usage::new(1, 2)), Some(Usage::new(3, 4))),
            Some(Usage::new(4, 6))
        );
        assert_eq!(
            Usage::sum(None, Some(Usage::new(3, 4))),
            Some(Usage::new(3, 4))
        );
    }
}
