//! The lines of batch files: requests written into the input file, answers read from the
//! output and error files, matched by `custom_id`.
//!
//! Input line: `{"custom_id": "item-17", "method": "POST", "url": "/v1/chat/completions",
//! "body": {…}}`. Output and error lines: `{"id": …, "custom_id": "item-17", "response":
//! {"status_code": 200, "request_id": …, "body": {…}} | null, "error": {"code": …,
//! "message": …} | null}`.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Error, Result};
use crate::output::Output;
use crate::response::Response;

/// The prefix of every `custom_id` this engine writes; the rest is the input index.
const CUSTOM_ID_PREFIX: &str = "item-";

/// The `custom_id` of input `index`.
pub(super) fn custom_id(index: usize) -> String {
    format!("{CUSTOM_ID_PREFIX}{index}")
}

/// The input index a `custom_id` names, if this engine wrote it.
pub(super) fn index_of(custom_id: &str) -> Option<usize> {
    custom_id.strip_prefix(CUSTOM_ID_PREFIX)?.parse().ok()
}

/// One line of the input file.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct RequestLine {
    pub(super) custom_id: String,
    pub(super) method: String,
    pub(super) url: String,
    pub(super) body: serde_json::Value,
}

impl RequestLine {
    pub(super) fn chat(index: usize, body: serde_json::Value) -> Self {
        Self {
            custom_id: custom_id(index),
            method: "POST".into(),
            url: "/v1/chat/completions".into(),
            body,
        }
    }

    /// Append this line (and its newline) to `out`.
    pub(super) fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        serde_json::to_writer(&mut *out, self)
            .map_err(|e| Error::Config(format!("a batch request line: {e}")))?;
        out.push(b'\n');
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct AnswerLine {
    custom_id: Option<String>,
    #[serde(default)]
    response: Option<AnswerResponse>,
    #[serde(default)]
    error: Option<AnswerError>,
}

#[derive(Debug, Deserialize)]
struct AnswerResponse {
    status_code: u16,
    #[serde(default)]
    body: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct AnswerError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// What one output or error line says about its item: the decoded answer, or why there is
/// none. `None` for a line that names no item of this engine.
pub(super) fn read_answer<T: Output>(
    line: &[u8],
    batch_id: &str,
) -> Option<(usize, Result<Response<T>>)> {
    let parsed: AnswerLine = serde_json::from_slice(line).ok()?;
    let index = index_of(parsed.custom_id.as_deref()?)?;
    let result = match (parsed.response, parsed.error) {
        (Some(response), _) if (200..300).contains(&response.status_code) => {
            let body = serde_json::to_vec(&response.body).unwrap_or_default();
            Response::<T>::from_completion(&body)
        }
        (Some(response), _) => {
            let body = serde_json::to_vec(&response.body).unwrap_or_default();
            Err(ApiError::from_body(response.status_code, &body).into())
        }
        (None, Some(error)) => Err(Error::Batch {
            batch: batch_id.to_owned(),
            reason: format!(
                "{}: {}",
                error.code.as_deref().unwrap_or("error"),
                error.message.as_deref().unwrap_or("no message")
            ),
        }),
        (None, None) => Err(Error::Batch {
            batch: batch_id.to_owned(),
            reason: "its line has neither a response nor an error".into(),
        }),
    };
    Some((index, result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_carry_the_input_index() {
        assert_eq!(index_of(&custom_id(42)), Some(42));
        assert_eq!(index_of("request-1"), None);
        assert_eq!(index_of("item-x"), None);
        let mut out = Vec::new();
        RequestLine::chat(3, serde_json::json!({"model": "m"}))
            .write(&mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"custom_id\":\"item-3\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\"}}\n"
        );
    }

    #[test]
    fn answers_decode_or_say_why_not() {
        let ok = br#"{"id":"r1","custom_id":"item-5","response":{"status_code":200,"request_id":"q","body":{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"{\"value\":10}"}}]}},"error":null}"#;
        let (index, result) = read_answer::<u64>(ok, "batch_1").unwrap();
        assert_eq!((index, result.unwrap().value), (5, 10));
        let refused = br#"{"custom_id":"item-6","response":{"status_code":400,"body":{"error":{"message":"bad","type":"invalid_request_error"}}},"error":null}"#;
        let (_, result) = read_answer::<u64>(refused, "batch_1").unwrap();
        assert!(matches!(result, Err(Error::Api(e)) if e.status == 400 && e.message() == "bad"));
        let expired = br#"{"custom_id":"item-7","response":null,"error":{"code":"batch_expired","message":"not run in time"}}"#;
        let (_, result) = read_answer::<u64>(expired, "batch_1").unwrap();
        let shown = result.unwrap_err().to_string();
        assert!(
            shown.contains("batch_1") && shown.contains("batch_expired"),
            "{shown}"
        );
        assert!(read_answer::<u64>(b"{\"custom_id\":\"other\"}", "b").is_none());
        assert!(read_answer::<u64>(b"not json", "b").is_none());
    }
}
