//! Transport retries: which failures are worth another attempt, and how long to wait first
//! (the rules are on [`RetryPolicy`]).

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use crate::error::{Error, ProviderError};
use crate::structured::Mode;

/// How a client retries requests that failed for transient reasons.
///
/// These are *transport* retries: the same request sent again because the server or the
/// network failed it. They are not the re-asks that [`Call::retries`](crate::Call::retries)
/// counts, which send a new request after the model gave an answer that could not be decoded.
///
/// **Retried:** connect errors; connections reset or closed before the answer arrived;
/// connect, first-byte and idle timeouts; HTTP 408, 409, 429, 500, 502, 503, 504 and 520–529;
/// any other error status whose error object says the server is overloaded, or that carries
/// `x-should-retry: true`.
///
/// **Never retried:** HTTP 400, 401, 403 and 404 (the request itself is wrong); a 429 whose
/// error says the quota or credit is exhausted (`insufficient_quota`: waiting will not help);
/// an error that rejects the request's structured-output feature (the mode ladder steps down
/// instead); `x-should-retry: false`; a spent total deadline; an oversized body; a redirect
/// (never followed).
///
/// **When:** after the server's `retry-after-ms` or `Retry-After` (seconds or HTTP date), if it
/// sent one and it is at most [`max_retry_after`](Self::max_retry_after); otherwise after an
/// exponential backoff with jitter.
///
/// **Where:** a streamed call is retried only until its status line has arrived, never once its
/// body has begun; a non-streamed call reads the whole body before handing anything over, so a
/// body that breaks off or stalls midway is retried too.
///
/// ```
/// use std::time::Duration;
/// use promptfn::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .retry_policy(RetryPolicy::default().max_attempts(5).initial_backoff(Duration::from_secs(1)))
///     .build()?;
/// # Ok::<(), promptfn::Error>(())
/// ```
///
/// `RetryPolicy::none()` sends every request once. The total deadline of a request
/// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)) includes every attempt and every
/// wait: no retry starts that could not finish its wait before the deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

/// Attempts per request unless told otherwise: the first one and two retries.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

impl Default for RetryPolicy {
    /// Three attempts, waits from 0.5 s doubling to at most 8 s (with jitter), and a server's
    /// `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Send each request once, whatever happens.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// How many times a request may be sent in all, the first attempt included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry when the server names none; it doubles for each
    /// further retry, and each wait is drawn at random from its upper half (jitter) so that
    /// many clients failed together do not come back together.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest computed wait between two attempts.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The longest `Retry-After` the client waits for; a server asking for more ends the
    /// request with its error at once, so that the caller can schedule the work itself.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// How many times a request may be sent in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (1 for the first retry) when the server named none.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        // "Equal jitter": half the wait is fixed, the other half random.
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// How long to wait before the next attempt, or `None` to give up now.
    ///
    /// `attempt` is the attempt that just failed (1 for the first); `left` is the time until
    /// the request's total deadline.
    pub(crate) fn next_wait(
        &self,
        attempt: u32,
        server_asked: Option<Duration>,
        left: Duration,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = match server_asked {
            Some(asked) if asked > self.max_retry_after => return None,
            Some(asked) => asked,
            None => self.backoff(attempt),
        };
        // A wait that ends at or after the deadline only turns the error into a timeout.
        (wait < left).then_some(wait)
    }
}

/// Whether a failed attempt may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The answer is final: retrying would get the same one.
    Final,
    /// A transient failure; the server may have said how long to wait.
    Retry { after: Option<Duration> },
}

/// What the headers of an error answer say about retrying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hints {
    /// From `retry-after-ms`, else `Retry-After` (seconds or an HTTP date).
    pub(crate) retry_after: Option<Duration>,
    /// OpenAI's `x-should-retry: true|false`.
    pub(crate) should_retry: Option<bool>,
}

impl Hints {
    /// Read the retry hints of a response's headers.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let retry_after = text("retry-after-ms")
            .and_then(parse_retry_after_ms)
            .or_else(|| text("retry-after").and_then(|v| parse_retry_after(v, SystemTime::now())));
        let should_retry = text("x-should-retry").and_then(|v| match v.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        });
        Self {
            retry_after,
            should_retry,
        }
    }
}

/// `retry-after-ms: 1500` (OpenAI); fractions are allowed.
pub(crate) fn parse_retry_after_ms(value: &str) -> Option<Duration> {
    let ms: f64 = value.trim().parse().ok()?;
    (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64(ms.min(1e12) / 1000.0))
}

/// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (RFC 9110 §10.2.3); a
/// date in the past means "now". Fractional seconds, which some servers send, are read too.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(1e9)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Statuses that are retried whatever the body says.
fn transient_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429 | 500 | 502 | 503 | 504 | 520..=529)
}

/// Statuses that are never retried, whatever the server hints: the request itself is wrong.
fn never_retried(status: u16) -> bool {
    matches!(status, 400 | 401 | 403 | 404)
}

/// Whether an error answer (`status` ≥ 400) is worth another attempt.
///
/// `structured` says whether the request carried a structured-output feature
/// (`response_format` or `tools`): an error naming it rejects the request shape, and the
/// structured-output ladder, not a retry, answers that.
pub(crate) fn classify_status(status: u16, hints: Hints, body: &[u8], structured: bool) -> Verdict {
    if status < 400 || never_retried(status) {
        return Verdict::Final;
    }
    let provider = ProviderError::parse(body);
    if let Some(e) = &provider {
        if is_quota_exhausted(e) && !is_google_rate_limit(e) {
            return Verdict::Final;
        }
        if structured && rejects_request_shape(status, e) {
            return Verdict::Final;
        }
    }
    let retry = match hints.should_retry {
        Some(told) => told,
        None => transient_status(status) || provider.as_ref().is_some_and(is_overloaded),
    };
    if retry {
        Verdict::Retry {
            after: hints.retry_after.or_else(|| google_retry_delay(body)),
        }
    } else {
        Verdict::Final
    }
}

/// Whether an error object says the account is out of quota or credit (not a rate limit).
fn is_quota_exhausted(e: &ProviderError) -> bool {
    const CODES: &[&str] = &[
        "insufficient_quota",
        "billing_hard_limit_reached",
        "billing_not_active",
        "insufficient_balance",
    ];
    const MESSAGES: &[&str] = &[
        "insufficient_quota",
        "exceeded your current quota",
        "insufficient balance",
        "credit balance is too low",
    ];
    let code = e.code.as_ref().map(ToString::to_string);
    let labelled = [code.as_deref(), e.kind.as_deref()]
        .into_iter()
        .flatten()
        .any(|label| CODES.iter().any(|c| label.eq_ignore_ascii_case(c)));
    let message = e.message.to_ascii_lowercase();
    labelled || MESSAGES.iter().any(|m| message.contains(m))
}

/// Whether an error object is Google's `RESOURCE_EXHAUSTED`: Gemini words its per-minute rate
/// limits "You exceeded your current quota" too, and says when to come back in the body
/// (<https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes>); a wait longer than
/// the policy allows still ends the request.
fn is_google_rate_limit(e: &ProviderError) -> bool {
    e.kind.as_deref() == Some("RESOURCE_EXHAUSTED")
}

/// The `retryDelay` (`"38s"`, `"0.5s"`) of the `google.rpc.RetryInfo` detail in a Google error
/// body (<https://cloud.google.com/apis/design/errors#error_details>).
fn google_retry_delay(body: &[u8]) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let details = value.get("error")?.get("details")?.as_array()?;
    let delay = details.iter().find_map(|detail| {
        let kind = detail.get("@type")?.as_str()?;
        kind.ends_with("google.rpc.RetryInfo")
            .then(|| detail.get("retryDelay")?.as_str())
            .flatten()
    })?;
    let seconds: f64 = delay.trim().strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e9)))
}

/// Whether an error object says the server is overloaded (Anthropic's `overloaded_error` and
/// the gateways that copy it).
fn is_overloaded(e: &ProviderError) -> bool {
    let code = e.code.as_ref().map(ToString::to_string);
    [code.as_deref(), e.kind.as_deref(), Some(e.message.as_str())]
        .into_iter()
        .flatten()
        .any(|text| text.to_ascii_lowercase().contains("overloaded"))
}

/// Whether an error object rejects a structured-output feature of the request (llama.cpp
/// servers answer HTTP 500 to a `json_schema` they do not support).
fn rejects_request_shape(status: u16, e: &ProviderError) -> bool {
    let text = format!(
        "{} {} {}",
        e.message,
        e.param.as_deref().unwrap_or_default(),
        e.kind.as_deref().unwrap_or_default()
    );
    [Mode::JsonSchema, Mode::JsonObject, Mode::Tool]
        .into_iter()
        .any(|mode| mode.rejected_by(status, &text))
}

/// Whether a failure that produced no HTTP answer is worth another attempt.
///
/// Transport errors (refused, reset, DNS) and the connect, first-byte and idle timeouts are
/// transient; a spent total deadline, an oversized body and everything else are final.
pub(crate) fn classify_error(error: &Error) -> Verdict {
    match error {
        Error::Transport { .. } => Verdict::Retry { after: None },
        Error::Timeout { phase, .. } if *phase != "total" => Verdict::Retry { after: None },
        _ => Verdict::Final,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn error_body(code: &str, kind: &str, message: &str) -> Vec<u8> {
        serde_json::json!({"error": {"message": message, "type": kind, "code": code}})
            .to_string()
            .into_bytes()
    }

    fn retried(status: u16, body: &[u8]) -> bool {
        matches!(
            classify_status(status, Hints::default(), body, false),
            Verdict::Retry { .. }
        )
    }

    #[test]
    fn transient_statuses_are_retried_and_request_errors_are_not() {
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(retried(status, b""), "{status}");
        }
        for status in [400, 401, 403, 404, 405, 413, 422, 501] {
            assert!(!retried(status, b""), "{status}");
        }
    }

    #[test]
    fn a_quota_429_is_final_and_a_rate_limit_429_is_retried() {
        let quota = error_body(
            "insufficient_quota",
            "insufficient_quota",
            "You exceeded your current quota, please check your plan and billing details.",
        );
        assert!(!retried(429, &quota));
        let rate = error_body(
            "rate_limit_exceeded",
            "requests",
            "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.",
        );
        assert!(retried(429, &rate));
        let worded =
            br#"{"error":{"message":"Your credit balance is too low to access the API."}}"#;
        assert!(!retried(429, worded));
    }

    #[test]
    fn gemini_resource_exhausted_is_retried_after_its_retry_delay() {
        let body = serde_json::json!({"error": {
            "code": 429,
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38s"}
            ]
        }})
        .to_string();
        assert_eq!(
            classify_status(429, Hints::default(), body.as_bytes(), false),
            Verdict::Retry {
                after: Some(Duration::from_secs(38))
            }
        );
        let unavailable = br#"{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}"#;
        assert!(retried(503, unavailable));
        let invalid = br#"{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}}"#;
        assert!(!retried(400, invalid));
    }

    #[test]
    fn overloaded_bodies_are_retried_unless_the_status_is_never_retried() {
        let body = error_body("overloaded", "overloaded_error", "Overloaded");
        assert!(retried(529, &body));
        assert!(retried(418, &body));
        assert!(!retried(400, &body));
    }

    #[test]
    fn x_should_retry_decides_except_for_request_errors() {
        let told = |should: bool, status: u16| {
            classify_status(
                status,
                Hints {
                    retry_after: None,
                    should_retry: Some(should),
                },
                b"",
                false,
            )
        };
        assert_eq!(told(true, 422), Verdict::Retry { after: None });
        assert_eq!(told(false, 503), Verdict::Final);
        assert_eq!(told(true, 401), Verdict::Final);
    }

    #[test]
    fn a_rejected_structured_feature_is_left_to_the_mode_ladder() {
        let body = br#"{"error":{"message":"1 validation error for CreateChatCompletionRequest\nresponse_format\n  Input should be 'text' or 'json_object'","type":"internal_server_error","param":null,"code":null}}"#;
        assert!(!matches!(
            classify_status(500, Hints::default(), body, true),
            Verdict::Retry { .. }
        ));
        // The same words in an answer to a plain request are just a server error.
        assert!(retried(500, body));
        // An HTML page mentioning `function` in its scripts is no rejection of `tools`.
        assert!(matches!(
            classify_status(
                503,
                Hints::default(),
                b"<html><script>function f(){}</script>",
                true
            ),
            Verdict::Retry { .. }
        ));
    }

    #[test]
    fn retry_after_reads_seconds_dates_and_milliseconds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
        assert_eq!(
            parse_retry_after_ms("250"),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_retry_after_ms("inf"), None);

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("30"));
        headers.insert("retry-after-ms", HeaderValue::from_static("20"));
        headers.insert("x-should-retry", HeaderValue::from_static("true"));
        let hints = Hints::from_headers(&headers);
        assert_eq!(hints.retry_after, Some(Duration::from_millis(20)));
        assert_eq!(hints.should_retry, Some(true));
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_capped() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let third = policy.backoff(3);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third));
            assert!(policy.backoff(40) <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn waits_stop_at_the_attempt_limit_the_retry_after_cap_and_the_deadline() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .max_retry_after(Duration::from_secs(10));
        let plenty = Duration::from_secs(100);
        assert_eq!(
            policy.next_wait(1, Some(Duration::from_secs(2)), plenty),
            Some(Duration::from_secs(2))
        );
        assert_eq!(policy.next_wait(3, None, plenty), None);
        assert_eq!(
            policy.next_wait(1, Some(Duration::from_secs(11)), plenty),
            None
        );
        assert_eq!(
            policy.next_wait(1, Some(Duration::from_secs(2)), Duration::from_secs(1)),
            None
        );
        assert_eq!(RetryPolicy::none().next_wait(1, None, plenty), None);
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }

    #[test]
    fn transport_failures_and_stalls_are_retried_but_a_spent_deadline_is_not() {
        let transport = Error::Transport {
            url: "u".into(),
            message: "reset".into(),
        };
        assert_eq!(classify_error(&transport), Verdict::Retry { after: None });
        for phase in ["connect", "first byte", "idle"] {
            let e = Error::timeout(phase, Duration::from_secs(1));
            assert_eq!(classify_error(&e), Verdict::Retry { after: None });
        }
        let total = Error::timeout("total", Duration::from_secs(1));
        assert_eq!(classify_error(&total), Verdict::Final);
        assert_eq!(classify_error(&Error::Config("x".into())), Verdict::Final);
    }
}
