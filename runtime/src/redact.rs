//! Keeping the API key out of errors even when a server echoes it back.
//!
//! promptfn itself never puts the key in an error, but an error keeps what the server said
//! (its message, its raw body), and a careless server or proxy may quote the key it was sent.
//! Every error a call returns or logs passes through [`scrub`] first.

use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// What stands in for the key.
const REDACTED: &str = "[redacted]";

/// Keys shorter than this are placeholders local servers accept ("local", "none"), and
/// replacing them would garble ordinary words.
const MIN_SECRET_LEN: usize = 8;

/// `error` with every occurrence of `secret` in server-provided text replaced.
pub(crate) fn scrub(error: Error, secret: Option<&SecretString>) -> Error {
    let Some(secret) = secret.map(ExposeSecret::expose_secret) else {
        return error;
    };
    if secret.len() < MIN_SECRET_LEN {
        return error;
    }
    let clean = |text: &mut String| {
        if text.contains(secret) {
            *text = text.replace(secret, REDACTED);
        }
    };
    let mut error = error;
    match &mut error {
        Error::Api(api) => {
            clean(&mut api.raw);
            if let Some(provider) = &mut api.error {
                clean(&mut provider.message);
                for field in [&mut provider.kind, &mut provider.param]
                    .into_iter()
                    .flatten()
                {
                    clean(field);
                }
            }
        }
        Error::Transport { message, .. } => clean(message),
        Error::Protocol { reason, raw } => {
            clean(reason);
            clean(raw);
        }
        Error::Decode(decode) => {
            for attempt in &mut decode.attempts {
                clean(&mut attempt.raw);
                clean(&mut attempt.reason);
            }
        }
        Error::Incomplete { partial, .. }
        | Error::ContentFilter { partial }
        | Error::Truncated { partial, .. }
        | Error::Timeout { partial, .. } => clean(partial),
        Error::Refused { refusal } => clean(refusal),
        // The rest hold only text promptfn wrote.
        _ => {}
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    #[test]
    fn an_echoed_key_is_replaced_everywhere_the_server_wrote() {
        let key = SecretString::from("sk-abcdef123456");
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-abcdef123456","type":"invalid_request_error","param":"sk-abcdef123456"}}"#;
        let error = scrub(ApiError::from_body(401, body).into(), Some(&key));
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("sk-abcdef123456"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");

        let protocol = Error::Protocol {
            reason: "bad".into(),
            raw: "key=sk-abcdef123456".into(),
        };
        assert!(!format!("{:?}", scrub(protocol, Some(&key))).contains("sk-abcdef"));
    }

    #[test]
    fn placeholder_keys_are_left_alone() {
        let key = SecretString::from("local");
        let error = Error::Transport {
            url: "http://localhost/v1".into(),
            message: "localhost refused".into(),
        };
        let shown = scrub(error, Some(&key)).to_string();
        assert!(shown.contains("localhost refused"), "{shown}");
    }
}
