//! Decoding without sending: a model's answer or a whole completion body into the declared type,
//! for users who send requests themselves (batch APIs, caches, queues).
//!
//! The other half of the split is [`Call::request`](crate::Call::request), which renders a call
//! to its request body without sending it.

use crate::error::{ApiError, DecodeError, Error, RejectedAnswer, Result, excerpt};
use crate::model_family::ModelFamily;
use crate::output::{Output, OutputPlan};
use crate::plan::RequestPlan;
use crate::response::{FinishReason, Response};
use crate::wire::answer::Completion;

/// Decode a model's answer (a message's content, or a forced tool call's arguments) into `T`,
/// the way a call decodes it: plain text for `String`, JSON read by the tolerant decoder
/// (code fences, prose around the JSON, trailing commas, `{"value": …}` wrappers…) for
/// everything else.
///
/// Fails with [`Error::Decode`] holding the answer and the reason when it does not fit `T`.
///
/// ```
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// #[derive(Debug, PartialEq, Deserialize, JsonSchema)]
/// enum Sentiment { Positive, Negative }
///
/// let mood: Sentiment = promptfn::decode("```json\n{\"value\": \"Positive\"}\n```")?;
/// assert_eq!(mood, Sentiment::Positive);
/// let numbers: Vec<u8> = promptfn::decode("[1, 2, 3,]")?;
/// assert_eq!(numbers, [1, 2, 3]);
/// assert!(promptfn::decode::<Vec<u8>>("no numbers here").is_err());
/// # Ok::<(), promptfn::Error>(())
/// ```
pub fn decode<T: Output>(answer: &str) -> Result<T> {
    let plan = OutputPlan::of::<T>();
    let item = decode_item::<T>(&plan, answer)?;
    T::from_items(vec![item]).ok_or_else(|| no_choice(answer))
}

fn decode_item<T: Output>(plan: &OutputPlan, answer: &str) -> Result<T::Item> {
    plan.decode::<T::Item>(answer)
        .map(|(item, _)| item)
        .map_err(|reason| {
            DecodeError {
                type_name: plan.type_name,
                attempts: vec![RejectedAnswer {
                    raw: answer.to_owned(),
                    reason,
                }],
            }
            .into()
        })
}

fn no_choice(raw: &str) -> Error {
    Error::Protocol {
        reason: "the completion has no usable choice".into(),
        raw: excerpt(raw),
    }
}

impl<T: Output> Response<T> {
    /// Decode a chat-completions response body (as the server sent it, non-streamed) into the
    /// value and its metadata, with the checks a call makes: an error object, a structured
    /// answer cut at the token limit ([`Error::Incomplete`]; cut text is the answer), a refusal, a content filter, an undecodable answer
    /// ([`Error::Decode`]). The answer is read from the content, or from the tool call's
    /// arguments when the content is empty.
    ///
    /// The result has `requests == 1` and `mode == None` (a body alone does not say how the
    /// answer was asked for). No re-ask happens: that needs the conversation, which only a
    /// [`Call`](crate::Call) has.
    ///
    /// ```
    /// use promptfn::{prompt, Client, Response, Result};
    /// use schemars::JsonSchema;
    /// use serde::Deserialize;
    ///
    /// #[derive(Debug, PartialEq, Deserialize, JsonSchema)]
    /// struct Person { name: String, age: Option<u32> }
    ///
    /// #[prompt("Extract the person mentioned in: {text}", model = "gpt-4o-mini")]
    /// async fn extract_person(text: &str) -> Result<Person>;
    ///
    /// # fn main() -> Result<()> {
    /// let client = Client::builder().build()?;
    /// // Render the request without sending it, e.g. to put it in a batch file…
    /// let request = extract_person("Alice is 30").client(&client).request()?;
    /// assert_eq!(request["response_format"]["type"], "json_schema");
    ///
    /// // …and decode the body the batch returned for it.
    /// let body = br#"{"id": "chatcmpl-1", "model": "gpt-4o-mini",
    ///     "choices": [{"index": 0, "finish_reason": "stop",
    ///                  "message": {"role": "assistant", "content": "{\"name\":\"Alice\",\"age\":30}"}}],
    ///     "usage": {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59}}"#;
    /// let response = Response::<Person>::from_completion(body)?;
    /// assert_eq!(response.value, Person { name: "Alice".into(), age: Some(30) });
    /// assert_eq!(response.usage.map(|u| u.total_tokens), Some(59));
    /// # Ok(()) }
    /// ```
    pub fn from_completion(body: &[u8]) -> Result<Self> {
        let raw = String::from_utf8_lossy(body).into_owned();
        let parsed = Completion::parse(body).map_err(|reason| Error::Protocol {
            reason,
            raw: excerpt(&raw),
        })?;
        if let Some(error) = &parsed.error {
            return Err(ApiError::from_body(200, error.to_string().as_bytes()).into());
        }
        let plan = OutputPlan::of::<T>();
        // No mode: the answer is taken from the content, else from a tool call's arguments.
        let reader = RequestPlan::new(&plan, None, ModelFamily::Other)?;
        let wanted = if T::CHOICES { usize::MAX } else { 1 };
        let mut items = Vec::new();
        let mut repairs = Vec::new();
        let mut finish_reason = None;
        for choice in parsed.choices.iter().take(wanted) {
            let message = &choice.message;
            let answer = reader.answer_text(message);
            match &choice.finish_reason {
                // Text cut at the token limit is still the answer; cut JSON cannot be trusted.
                Some(FinishReason::Length) if plan.json().is_some() => {
                    return Err(Error::Incomplete {
                        partial: answer.unwrap_or_default().to_owned(),
                        usage: parsed.usage,
                    });
                }
                Some(FinishReason::ContentFilter) => {
                    return Err(Error::ContentFilter {
                        partial: answer.unwrap_or_default().to_owned(),
                    });
                }
                _ => {}
            }
            if let Some(refusal) = message.refusal.as_deref().filter(|r| !r.trim().is_empty()) {
                return Err(Error::Refused {
                    refusal: refusal.to_owned(),
                });
            }
            let Some(answer) = answer else {
                return Err(DecodeError {
                    type_name: plan.type_name,
                    attempts: vec![RejectedAnswer {
                        raw: String::new(),
                        reason: "the model gave no answer (empty content and no tool call)".into(),
                    }],
                }
                .into());
            };
            let (item, mut fixed) = plan.decode::<T::Item>(answer).map_err(|reason| {
                Error::from(DecodeError {
                    type_name: plan.type_name,
                    attempts: vec![RejectedAnswer {
                        raw: answer.to_owned(),
                        reason,
                    }],
                })
            })?;
            items.push(item);
            repairs.append(&mut fixed);
            finish_reason = finish_reason.or_else(|| choice.finish_reason.clone());
        }
        let value = T::from_items(items).ok_or_else(|| Error::Protocol {
            reason: "the completion has no choices".into(),
            raw: excerpt(&raw),
        })?;
        let reasoning = parsed
            .choices
            .first()
            .and_then(|c| c.message.reasoning_text())
            .map(str::to_owned);
        let sources = parsed
            .choices
            .first()
            .map(|c| c.message.sources.clone())
            .unwrap_or_default();
        // Only the answer is known here: the prompt was sent by someone else.
        let transcript = parsed
            .choices
            .first()
            .map(|c| c.message.to_message())
            .into_iter()
            .collect();
        Ok(Response {
            value,
            id: parsed.id,
            model: parsed.model,
            usage: parsed.usage,
            finish_reason,
            raw,
            repairs,
            requests: 1,
            mode: None,
            transcript,
            reasoning,
            sources,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize, JsonSchema)]
    struct Person {
        name: String,
        age: Option<u32>,
    }

    fn body(message: serde_json::Value, finish_reason: &str) -> Vec<u8> {
        json!({"id": "c1", "model": "m", "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason}
        ]})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn answers_decode_tolerantly_or_fail_with_the_reason() {
        let p: Person = decode(r#"Sure! {"name": "Al", "age": "7"}"#).unwrap();
        assert_eq!(
            p,
            Person {
                name: "Al".into(),
                age: Some(7)
            }
        );
        let text: String = decode("  {verbatim} ").unwrap();
        assert_eq!(text, "  {verbatim} ");
        let err = decode::<Person>("no json at all").unwrap_err();
        let Error::Decode(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.raw(), "no json at all");
        assert!(e.type_name.ends_with("Person"));
    }

    #[test]
    fn completions_decode_from_content_or_tool_arguments() {
        let r = Response::<Person>::from_completion(&body(
            json!({"role": "assistant", "content": "{\"name\":\"Al\",\"age\":null}"}),
            "stop",
        ))
        .unwrap();
        assert_eq!(r.value.name, "Al");
        assert_eq!(r.id.as_deref(), Some("c1"));
        assert_eq!(r.finish_reason, Some(FinishReason::Stop));
        assert_eq!((r.requests, r.mode), (1, None));
        let r = Response::<Person>::from_completion(&body(
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "x", "type": "function", "function": {"name": "answer", "arguments": "{\"name\":\"Bo\",\"age\":3}"}}
            ]}),
            "tool_calls",
        ))
        .unwrap();
        assert_eq!(r.value.age, Some(3));
    }

    #[test]
    fn completions_report_every_failure_kind() {
        let err = |b: &[u8]| Response::<Person>::from_completion(b).unwrap_err();
        assert!(matches!(err(b"<html>502</html>"), Error::Protocol { .. }));
        assert!(matches!(
            err(br#"{"error": {"message": "upstream failed"}}"#),
            Error::Api(e) if e.message() == "upstream failed"
        ));
        assert!(matches!(err(br#"{"choices": []}"#), Error::Protocol { .. }));
        assert!(matches!(
            err(&body(json!({"content": "{\"na"}), "length")),
            Error::Incomplete { partial, .. } if partial == "{\"na"
        ));
        assert!(matches!(
            err(&body(json!({"content": ""}), "content_filter")),
            Error::ContentFilter { .. }
        ));
        assert!(matches!(
            err(&body(json!({"content": null, "refusal": "no"}), "stop")),
            Error::Refused { refusal } if refusal == "no"
        ));
        // The content-part form of a refusal is a refusal too, not an empty answer.
        let parts = json!({"content": [{"type": "refusal", "refusal": "I can't help with that"}]});
        assert!(matches!(
            err(&body(parts, "stop")),
            Error::Refused { refusal } if refusal == "I can't help with that"
        ));
        assert!(matches!(
            err(&body(json!({"content": "   "}), "stop")),
            Error::Decode(e) if e.reason().contains("no answer")
        ));
        assert!(matches!(
            err(&body(json!({"content": "[1]"}), "stop")),
            Error::Decode(e) if e.raw() == "[1]"
        ));
    }
}
