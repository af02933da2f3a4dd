//! The lines of a bulk journal, and which results they keep.
//!
//! One JSON object per line:
//! - `{"i": 17, "ok": <value>, "usage": {…}, "requests": 1}`: input 17 gave this value;
//! - `{"i": 18, "err": {"kind": "decode", …}}`: input 18 got an answer that is no value;
//! - `{"batch": {"id": …, "input_file_id": …, "items": [[start, end], …], "reask": false}}`:
//!   a batch submitted for these inputs, and `{"batch_ended": id}` once it is handled.
//!
//! The journal keeps what the model said. An item that never got an answer from the model (a
//! transport failure, a timeout, an HTTP error, an unreadable body, a configuration problem)
//! is not journaled, so the next run sends it again: those failures are the server's or the
//! setup's, and a rerun is how they are fixed.

use serde::{Deserialize, Serialize};

use crate::error::{DecodeError, Error, MaxStepsError, RejectedAnswer};
use crate::response::Usage;

/// The head of any journal line: enough to know what it is about without reading its value.
#[derive(Debug, Deserialize)]
pub(super) struct Head {
    /// The input index, on item lines.
    pub(super) i: Option<u64>,
    /// A submitted batch, on batch lines.
    #[serde(default)]
    pub(super) batch: Option<super::batch::BatchEntry>,
    /// The id of a batch whose answers have all been handled.
    #[serde(default)]
    pub(super) batch_ended: Option<String>,
}

/// An item line as read back.
#[derive(Debug, Deserialize)]
pub(super) struct ItemLine {
    #[serde(default)]
    pub(super) ok: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) err: Option<Failure>,
}

/// An answer that could not become a value, as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Failure {
    Decode {
        attempts: Vec<Attempt>,
    },
    Incomplete {
        partial: String,
        usage: Option<Usage>,
    },
    Refused {
        refusal: String,
    },
    ContentFilter {
        partial: String,
    },
    MaxSteps {
        max_steps: u32,
        usage: Option<Usage>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Attempt {
    raw: String,
    reason: String,
}

impl Failure {
    /// The record of `error`, if it is an answer of the model's (see the module's rule).
    pub(super) fn of(error: &Error) -> Option<Self> {
        Some(match error {
            Error::Decode(decode) => Self::Decode {
                attempts: decode
                    .attempts
                    .iter()
                    .map(|a| Attempt {
                        raw: a.raw.clone(),
                        reason: a.reason.clone(),
                    })
                    .collect(),
            },
            Error::Incomplete { partial, usage } => Self::Incomplete {
                partial: partial.clone(),
                usage: *usage,
            },
            Error::Refused { refusal } => Self::Refused {
                refusal: refusal.clone(),
            },
            Error::ContentFilter { partial } => Self::ContentFilter {
                partial: partial.clone(),
            },
            Error::MaxSteps(steps) => Self::MaxSteps {
                max_steps: steps.max_steps,
                usage: steps.usage,
            },
            _ => return None,
        })
    }

    /// The error again, as the run that journaled it saw it (a tool loop's transcript is not
    /// kept: it may be long, and it is the conversation, not the answer).
    pub(super) fn into_error(self, type_name: &'static str) -> Error {
        match self {
            Self::Decode { attempts } => DecodeError {
                type_name,
                attempts: attempts
                    .into_iter()
                    .map(|a| RejectedAnswer {
                        raw: a.raw,
                        reason: a.reason,
                    })
                    .collect(),
            }
            .into(),
            Self::Incomplete { partial, usage } => Error::Incomplete { partial, usage },
            Self::Refused { refusal } => Error::Refused { refusal },
            Self::ContentFilter { partial } => Error::ContentFilter { partial },
            Self::MaxSteps { max_steps, usage } => Error::MaxSteps(Box::new(MaxStepsError {
                max_steps,
                transcript: Vec::new(),
                usage,
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_the_model_are_kept_and_come_back_the_same() {
        let decode: Error = DecodeError {
            type_name: "u8",
            attempts: vec![RejectedAnswer {
                raw: "nine".into(),
                reason: "not a number".into(),
            }],
        }
        .into();
        let kept = Failure::of(&decode).unwrap();
        let line = serde_json::to_string(&kept).unwrap();
        assert_eq!(
            line,
            r#"{"kind":"decode","attempts":[{"raw":"nine","reason":"not a number"}]}"#
        );
        let back: Failure = serde_json::from_str(&line).unwrap();
        let Error::Decode(again) = back.into_error("u8") else {
            panic!()
        };
        assert_eq!((again.raw(), again.reason()), ("nine", "not a number"));

        let cut = Error::Incomplete {
            partial: "{\"a\"".into(),
            usage: Some(Usage::new(3, 4)),
        };
        let back = Failure::of(&cut).unwrap().into_error("u8");
        assert!(matches!(back, Error::Incomplete { usage: Some(u), .. } if u.total_tokens == 7));
    }

    #[test]
    fn failures_of_the_server_or_the_setup_are_not_kept() {
        for error in [
            Error::Config("no model".into()),
            Error::Transport {
                url: "http://127.0.0.1:1".into(),
                message: "refused".into(),
            },
            Error::Protocol {
                reason: "not JSON".into(),
                raw: "<html>".into(),
            },
            crate::error::ApiError::from_body(429, b"{}").into(),
        ] {
            assert!(Failure::of(&error).is_none(), "{error}");
        }
    }
}
