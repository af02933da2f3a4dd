//! The cassette file: one pretty-printed JSON document per cassette, written so that it reads
//! well in a code review and never holds a credential.

use std::path::Path;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// The format version written into every cassette.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// What replaces a secret found in a recording.
pub(crate) const REDACTED: &str = "[redacted]";

/// The whole file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CassetteFile {
    /// The format version ([`FORMAT_VERSION`]).
    pub(crate) promptfn_cassette: u32,
    pub(crate) interactions: Vec<Interaction>,
}

/// One request and the answer it got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Interaction {
    /// The prompt function that made the request.
    pub(crate) function: String,
    /// The request body (no headers are ever recorded).
    pub(crate) request: Value,
    pub(crate) response: RecordedResponse,
}

/// An answer: its status and its body, as JSON when it is JSON, else as text (SSE streams,
/// HTML error pages), else as base64 (audio and other binary answers).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RecordedResponse {
    pub(crate) status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_base64: Option<String>,
}

impl RecordedResponse {
    pub(crate) fn new(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => Self {
                status,
                body: Some(json),
                body_text: None,
                body_base64: None,
            },
            Err(_) => match std::str::from_utf8(body) {
                Ok(text) => Self {
                    status,
                    body: None,
                    body_text: Some(text.to_owned()),
                    body_base64: None,
                },
                // Binary answers (speech) are kept byte for byte.
                Err(_) => Self {
                    status,
                    body: None,
                    body_text: None,
                    body_base64: Some(base64::engine::general_purpose::STANDARD.encode(body)),
                },
            },
        }
    }

    /// The body as text (JSON re-serialized), for telling what kind of answer it is.
    pub(crate) fn text(&self) -> String {
        match (&self.body, &self.body_text) {
            (Some(json), _) => json.to_string(),
            (None, text) => text.clone().unwrap_or_default(),
        }
    }

    /// The body's bytes, cut at SSE event boundaries when it is a stream so that readers see
    /// one event per chunk as they would from a server.
    pub(crate) fn chunks(&self) -> Vec<Bytes> {
        if let Some(json) = &self.body {
            return vec![Bytes::from(json.to_string())];
        }
        if let Some(encoded) = &self.body_base64 {
            // A file edited by hand into invalid base64 replays as an empty body, which the
            // call then reports as an unusable answer.
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default();
            return vec![Bytes::from(bytes)];
        }
        let text = self.body_text.as_deref().unwrap_or_default();
        text.split_inclusive("\n\n")
            .map(|event| Bytes::copy_from_slice(event.as_bytes()))
            .collect()
    }
}

impl CassetteFile {
    pub(crate) fn empty() -> Self {
        Self {
            promptfn_cassette: FORMAT_VERSION,
            interactions: Vec::new(),
        }
    }

    /// Read a cassette; `Ok(None)` when the file does not exist.
    pub(crate) fn load(path: &Path) -> Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::Config(format!(
                    "the cassette {} could not be read: {e}",
                    path.display()
                )));
            }
        };
        let file: Self = serde_json::from_str(&text).map_err(|e| {
            Error::Config(format!(
                "the cassette {} is not a promptfn cassette: {e}; delete it and record it again",
                path.display()
            ))
        })?;
        if file.promptfn_cassette != FORMAT_VERSION {
            return Err(Error::Config(format!(
                "the cassette {} has format version {}, this promptfn reads version \
                 {FORMAT_VERSION}: record it again",
                path.display(),
                file.promptfn_cassette
            )));
        }
        Ok(Some(file))
    }

    /// Write the cassette (through a temporary file, so a crash never leaves half a cassette).
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let io_error = |e: std::io::Error| {
            Error::Config(format!(
                "the cassette {} could not be written: {e}",
                path.display()
            ))
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| {
            Error::Config(format!(
                "the cassette {} could not be encoded: {e}",
                path.display()
            ))
        })?;
        text.push('\n');
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io_error)?;
        }
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".partial");
        std::fs::write(&temporary, text).map_err(io_error)?;
        std::fs::rename(&temporary, path).map_err(io_error)
    }
}

impl Interaction {
    /// Replace every occurrence of each secret in the request and the response by
    /// [`REDACTED`]. Strings are rewritten inside the JSON values, so the file stays valid
    /// whatever the secret looks like.
    pub(crate) fn redact(&mut self, secrets: &[String]) {
        redact_value(&mut self.request, secrets);
        if let Some(body) = &mut self.response.body {
            redact_value(body, secrets);
        }
        if let Some(text) = &mut self.response.body_text {
            *text = redact_text(text, secrets);
        }
    }
}

fn redact_value(value: &mut Value, secrets: &[String]) {
    match value {
        Value::String(s) => *s = redact_text(s, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, secrets)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                redact_value(&mut v, secrets);
                map.insert(redact_text(&key, secrets), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn redact_text(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), REDACTED);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_values_keys_and_text() {
        let secrets = vec!["sk-a\"b".to_owned(), String::new()];
        let mut interaction = Interaction {
            function: "f".into(),
            request: serde_json::json!({"messages": [{"content": "key sk-a\"b here"}]}),
            response: RecordedResponse::new(200, br#"{"sk-a\"b": "sk-a\"b"}"#),
        };
        interaction.redact(&secrets);
        let text = serde_json::to_string(&interaction).unwrap();
        assert!(!text.contains("sk-a"), "{text}");
        assert_eq!(
            interaction.request["messages"][0]["content"],
            "key [redacted] here"
        );
        let mut stream = RecordedResponse::new(200, b"data: sk-a\"b\n\n");
        assert!(stream.body.is_none());
        stream.body_text = stream.body_text.map(|t| redact_text(&t, &secrets));
        assert_eq!(stream.body_text.as_deref(), Some("data: [redacted]\n\n"));
    }

    #[test]
    fn bodies_keep_json_as_json_and_streams_as_events() {
        let r = RecordedResponse::new(200, br#"{"a":1}"#);
        assert_eq!(r.body, Some(serde_json::json!({"a": 1})));
        assert_eq!(r.chunks(), vec![Bytes::from_static(br#"{"a":1}"#)]);
        let sse = "data: {}\n\ndata: [DONE]\n\n";
        let r = RecordedResponse::new(200, sse.as_bytes());
        assert_eq!(r.body_text.as_deref(), Some(sse));
        assert_eq!(r.chunks().len(), 2);
        // Audio is not text: it is kept byte for byte.
        let mp3 = b"ID3\x04\x00\xff\xfb\x90";
        let r = RecordedResponse::new(200, mp3);
        assert_eq!(r.body_text, None);
        assert_eq!(r.body_base64.as_deref(), Some("SUQzBAD/+5A="));
        assert_eq!(r.chunks(), vec![Bytes::from_static(mp3)]);
    }

    #[test]
    fn bad_files_are_named_with_a_fix() {
        let dir =
            std::env::temp_dir().join(format!("promptfn-cassette-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.json");
        assert!(CassetteFile::load(&path).unwrap().is_none());
        std::fs::write(&path, "{").unwrap();
        let err = CassetteFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("record it again"), "{err}");
        std::fs::write(&path, r#"{"promptfn_cassette": 99, "interactions": []}"#).unwrap();
        let err = CassetteFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("version 99"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
