//! What a probe found: the status of one feature, why, and what it cost.

use std::fmt;

/// Whether a feature works on an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Accepted and honoured.
    Supported,
    /// Rejected.
    Unsupported,
    /// Accepted (a success status) but not honoured.
    Ignored,
    /// The probe could not tell (no answer, a refused key, a transient error).
    Unknown,
}

impl Status {
    /// The name in `--json` and in profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supported => "supported",
            Self::Unsupported => "unsupported",
            Self::Ignored => "ignored",
            Self::Unknown => "unknown",
        }
    }

    /// The name a person reads in the table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Supported => "supported",
            Self::Unsupported => "not supported",
            Self::Ignored => "accepted but ignored",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The finding of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    /// What was seen, in a few words (never the API key: see `http::Endpoint::scrub`).
    pub detail: String,
    /// Tokens the probe's requests cost, as the server reported them.
    pub tokens: u64,
}

impl Outcome {
    pub fn new(status: Status, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            tokens: 0,
        }
    }

    pub fn supported(detail: impl Into<String>) -> Self {
        Self::new(Status::Supported, detail)
    }

    pub fn ignored(detail: impl Into<String>) -> Self {
        Self::new(Status::Ignored, detail)
    }

    pub fn unknown(detail: impl Into<String>) -> Self {
        Self::new(Status::Unknown, detail)
    }

    pub fn unsupported(detail: impl Into<String>) -> Self {
        Self::new(Status::Unsupported, detail)
    }

    /// This outcome, with `tokens` more spent on it.
    pub fn costing(mut self, tokens: u64) -> Self {
        self.tokens += tokens;
        self
    }
}
