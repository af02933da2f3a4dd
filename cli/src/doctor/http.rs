//! Sending probe requests and reading their answers, bounded in size and time.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;

use super::status::Outcome;

/// The most bytes of one answer read: probe answers are a few hundred bytes, and a streamed one
/// a few kilobytes; more is a misbehaving server.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// The endpoint being probed: its base URL (`…/v1`) and key.
#[derive(Debug)]
pub struct Endpoint {
    http: reqwest::Client,
    base_url: String,
    /// Kept only to scrub it from details: servers sometimes echo what they were sent.
    key: Option<String>,
}

/// What one request got back.
#[derive(Debug)]
pub enum Answer {
    /// An HTTP answer (its body cut at [`MAX_ANSWER_BYTES`]).
    Http { status: u16, body: Vec<u8> },
    /// No answer: connection refused, timeout, a body too large.
    Failed(String),
}

impl Endpoint {
    /// A client for `base_url` (already normalised), sending `key` as a bearer token.
    pub fn new(base_url: String, key: Option<String>, timeout: Duration) -> Result<Self, String> {
        let mut headers = HeaderMap::new();
        if let Some(key) = &key {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|_| "OPENAI_API_KEY holds characters HTTP headers cannot carry")?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value.clone());
            // The Anthropic Messages dialect reads its key from `x-api-key`.
            let mut api_key = HeaderValue::from_str(key)
                .map_err(|_| "OPENAI_API_KEY holds characters HTTP headers cannot carry")?;
            api_key.set_sensitive(true);
            headers.insert("x-api-key", api_key);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10).min(timeout))
            // A redirect would carry the key elsewhere; probes never need one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("the HTTP client could not be built: {e}"))?;
        Ok(Self {
            http,
            base_url,
            key,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `POST {base}/{path}` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        let request = self
            .http
            .post(format!("{}/{path}", self.base_url))
            .header("content-type", "application/json")
            .header("anthropic-version", "2023-06-01")
            .body(body.to_string());
        self.read(request).await
    }

    /// `GET {base}/{path}`.
    pub async fn get(&self, path: &str) -> Answer {
        self.read(self.http.get(format!("{}/{path}", self.base_url)))
            .await
    }

    async fn read(&self, request: reqwest::RequestBuilder) -> Answer {
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Answer::Failed(self.scrub(&describe(&e))),
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                        return Answer::Failed(format!(
                            "the answer was larger than {MAX_ANSWER_BYTES} bytes"
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Answer::Http { status, body },
                Err(e) => return Answer::Failed(self.scrub(&describe(&e))),
            }
        }
    }

    /// `text` with any echo of the key replaced.
    pub fn scrub(&self, text: &str) -> String {
        match &self.key {
            Some(key) if !key.is_empty() => text.replace(key.as_str(), "[redacted]"),
            _ => text.to_owned(),
        }
    }
}

/// A transport error in a few words, without the URL (it is the same for every probe).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut innermost = None;
    while let Some(cause) = source {
        innermost = Some(cause.to_string());
        source = cause.source();
    }
    match innermost {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}

impl Answer {
    /// The answer judged: transport failures and error statuses are settled here, a success
    /// goes to `judge` with its JSON body. Tokens the answer reports are added either way.
    pub fn judge(&self, endpoint: &Endpoint, judge: impl FnOnce(&Value) -> Outcome) -> Outcome {
        self.judge_bytes(endpoint, |bytes| {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(body) => judge(&body),
                Err(_) => Outcome::unknown(format!(
                    "the answer is not JSON: {}",
                    excerpt(&String::from_utf8_lossy(bytes))
                )),
            }
        })
    }

    /// Like [`judge`](Self::judge), with the raw body (streams).
    pub fn judge_bytes(
        &self,
        endpoint: &Endpoint,
        judge: impl FnOnce(&[u8]) -> Outcome,
    ) -> Outcome {
        let (status, body) = match self {
            Self::Failed(reason) => return Outcome::unknown(format!("no answer: {reason}")),
            Self::Http { status, body } => (*status, body),
        };
        if (200..300).contains(&status) {
            if let Some(error) = error_in_success(body) {
                return Outcome::unsupported(format!(
                    "HTTP {status} with an error: {}",
                    endpoint.scrub(&error)
                ));
            }
            return judge(body).costing(self.tokens());
        }
        let message = endpoint.scrub(&error_message(body));
        match status {
            401 | 403 => Outcome::unknown(format!(
                "HTTP {status}: the key was refused (set OPENAI_API_KEY): {message}"
            )),
            408 | 429 | 502 | 503 | 504 => {
                Outcome::unknown(format!("HTTP {status}, try again later: {message}"))
            }
            _ => Outcome::unsupported(format!("HTTP {status}: {message}")),
        }
    }

    /// Tokens the answer says it cost: chat-completions, Messages and Responses usage, and the
    /// usage chunk of a stream.
    pub fn tokens(&self) -> u64 {
        let Self::Http { body, .. } = self else {
            return 0;
        };
        if let Ok(json) = serde_json::from_slice::<Value>(body) {
            return json.get("usage").map_or(0, usage_tokens);
        }
        // A stream: the usage, if any, rides on one of the last chunks.
        sse_events(body)
            .filter_map(|event| event.get("usage").map(usage_tokens))
            .max()
            .unwrap_or(0)
    }
}

fn usage_tokens(usage: &Value) -> u64 {
    let field = |name: &str| usage.get(name).and_then(Value::as_u64);
    field("total_tokens").unwrap_or_else(|| {
        field("prompt_tokens").unwrap_or(0)
            + field("completion_tokens").unwrap_or(0)
            + field("input_tokens").unwrap_or(0)
            + field("output_tokens").unwrap_or(0)
    })
}

/// The JSON events of a server-sent-event body (`data: {…}` lines; `[DONE]` and comments skipped).
pub fn sse_events(body: &[u8]) -> impl Iterator<Item = Value> + '_ {
    body.split(|&b| b == b'\n')
        .filter_map(|line| line.strip_prefix(b"data:"))
        .filter_map(|data| serde_json::from_slice::<Value>(data.trim_ascii()).ok())
}

/// An `error` object some servers put in a success answer.
fn error_in_success(body: &[u8]) -> Option<String> {
    let json: Value = serde_json::from_slice(body).ok()?;
    let error = json.get("error").filter(|e| !e.is_null())?;
    Some(excerpt(
        error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or(&error.to_string()),
    ))
}

/// The provider's error message, or the start of the body.
fn error_message(body: &[u8]) -> String {
    let json = serde_json::from_slice::<Value>(body).ok();
    let message = json.as_ref().and_then(|j| {
        j.pointer("/error/message")
            .or_else(|| j.get("message"))
            .or_else(|| j.get("detail"))
            .and_then(Value::as_str)
    });
    match message {
        Some(message) => excerpt(message),
        None => excerpt(&String::from_utf8_lossy(body)),
    }
}

/// `text` on one line, at most 100 characters.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 100;
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("a\n  b\tc"), "a b c");
        let long = "é".repeat(300);
        assert_eq!(excerpt(&long).chars().count(), 101);
    }

    #[test]
    fn tokens_are_read_from_every_usage_shape() {
        let answer = |body: &str| Answer::Http {
            status: 200,
            body: body.as_bytes().to_vec(),
        };
        assert_eq!(answer(r#"{"usage":{"total_tokens":9}}"#).tokens(), 9);
        assert_eq!(
            answer(r#"{"usage":{"input_tokens":4,"output_tokens":3}}"#).tokens(),
            7
        );
        let stream = "data: {\"choices\":[]}\n\ndata: {\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n";
        assert_eq!(answer(stream).tokens(), 6);
        assert_eq!(Answer::Failed("x".into()).tokens(), 0);
    }
}
