//! The OpenAI Files and Batch endpoints: upload a JSONL file (`POST /files`, purpose
//! `batch`), create a batch (`POST /batches`), read it (`GET /batches/{id}`), download a file's
//! content (`GET /files/{id}/content`) line by line.
//!
//! Each request goes through the client's transport like every other request of the client:
//! its test double or live-request gate, its key scrubber, retries, deadlines and body cap.

use bytes::{Bytes, BytesMut};
use serde::Deserialize;

use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::transport::{self, BodyKind, Outgoing, Route};

/// The name batch requests go by in errors, logs and test doubles' scripts.
const BATCH_FUNCTION: &str = "batch";

/// The longest line read from a downloaded file; longer is no batch output line.
const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// A batch as `GET /batches/{id}` describes it (the fields this engine reads).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct BatchObject {
    pub(super) id: String,
    pub(super) status: String,
    #[serde(default)]
    pub(super) output_file_id: Option<String>,
    #[serde(default)]
    pub(super) error_file_id: Option<String>,
    #[serde(default)]
    pub(super) errors: Option<BatchErrors>,
}

/// `errors` of a batch that failed validation.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct BatchErrors {
    #[serde(default)]
    pub(super) data: Vec<BatchError>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct BatchError {
    #[serde(default)]
    pub(super) code: Option<String>,
    #[serde(default)]
    pub(super) message: Option<String>,
    #[serde(default)]
    pub(super) line: Option<u64>,
}

impl BatchObject {
    /// Whether the batch has ended (`completed`, `expired`, `cancelled`, `failed`); it is
    /// still on its way while `validating`, `in_progress`, `finalizing` or `cancelling`.
    pub(super) fn has_ended(&self) -> bool {
        matches!(
            self.status.as_str(),
            "completed" | "expired" | "cancelled" | "failed"
        )
    }

    /// What the batch's `errors` say, on one line.
    pub(super) fn error_text(&self) -> String {
        let errors = self
            .errors
            .as_ref()
            .map(|e| e.data.as_slice())
            .unwrap_or_default();
        if errors.is_empty() {
            return format!("the batch ended `{}`", self.status);
        }
        let each: Vec<String> = errors
            .iter()
            .map(|e| {
                let mut text = e.message.clone().unwrap_or_default();
                if let Some(code) = &e.code {
                    text = format!("{code}: {text}");
                }
                if let Some(line) = e.line {
                    text.push_str(&format!(" (line {line})"));
                }
                text
            })
            .collect();
        format!("the batch ended `{}`: {}", self.status, each.join("; "))
    }
}

#[derive(Deserialize)]
struct FileObject {
    id: String,
}

/// `id`, a file or batch id the server gave, if it can stand as one segment of a URL path: a
/// server could otherwise steer the next request elsewhere on the host (`../`, `?`, `#`).
fn path_segment(id: &str) -> Result<&str> {
    let safe = !id.is_empty()
        && id.len() <= 256
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && id != "."
        && id != "..";
    if safe {
        return Ok(id);
    }
    Err(Error::Protocol {
        reason: "the Batch API gave an id that cannot stand in a URL path (only letters, digits, \
                 `-`, `_` and `.` are expected)"
            .into(),
        raw: crate::error::excerpt(id),
    })
}

/// The endpoints, on one client.
#[derive(Debug, Clone)]
pub(super) struct BatchApi {
    client: Client,
}

impl BatchApi {
    pub(super) fn new(client: Client) -> Self {
        Self { client }
    }

    /// A request to `path` (relative to the base URL) with this body.
    fn outgoing(&self, path: String, kind: BodyKind, body: Bytes) -> Outgoing {
        Outgoing {
            function: BATCH_FUNCTION,
            function_path: BATCH_FUNCTION,
            body,
            timeout: self.client.timeout(),
            stream: false,
            structured: false,
            route: Route::Endpoint {
                path: path.into(),
                body: kind,
            },
        }
    }

    /// Upload `jsonl` with purpose `batch`; returns the file's id.
    pub(super) async fn upload(&self, jsonl: Vec<u8>) -> Result<String> {
        // One file and one field: a multipart body is a few lines to write, where reqwest's
        // `multipart` feature would add a MIME-guessing dependency for it.
        let boundary = format!("promptfn-{:016x}", fastrand::u64(..));
        let mut body = BytesMut::with_capacity(jsonl.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"promptfn-batch.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&jsonl);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let out = self.outgoing("files".into(), BodyKind::Form { boundary }, body.freeze());
        let file: FileObject = self.json(&out).await?;
        Ok(file.id)
    }

    /// Create a chat-completions batch over the uploaded file.
    pub(super) async fn create(&self, input_file_id: &str) -> Result<BatchObject> {
        let body = serde_json::json!({
            "input_file_id": input_file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        });
        let out = self.outgoing("batches".into(), BodyKind::Json, body.to_string().into());
        self.json(&out).await
    }

    /// The batch as it is now.
    pub(super) async fn retrieve(&self, batch_id: &str) -> Result<BatchObject> {
        let path = format!("batches/{}", path_segment(batch_id)?);
        self.json(&self.outgoing(path, BodyKind::Empty, Bytes::new()))
            .await
    }

    /// Call `each` with every line of a file's content, read as it arrives, all of it within
    /// the client's total deadline (the body may be large: it is never held whole).
    pub(super) async fn each_line(&self, file_id: &str, each: impl FnMut(&[u8])) -> Result<()> {
        let path = format!("files/{}/content", path_segment(file_id)?);
        let out = self.outgoing(path, BodyKind::Empty, Bytes::new());
        tokio::time::timeout(out.timeout, self.read_lines(&out, file_id, each))
            .await
            .unwrap_or(Err(Error::timeout("total", out.timeout)))
    }

    async fn read_lines(
        &self,
        out: &Outgoing,
        file_id: &str,
        mut each: impl FnMut(&[u8]),
    ) -> Result<()> {
        let link = self.client.link();
        let mut opened = transport::open(link, out).await?;
        if !(200..300).contains(&opened.status) {
            let body = transport::read_all(link, &mut opened.body).await?;
            return Err(ApiError::from_body(opened.status, &body).into());
        }
        let mut pending = BytesMut::new();
        while let Some(chunk) = opened.body.chunk(link).await? {
            pending.extend_from_slice(&chunk);
            while let Some(end) = memchr::memchr(b'\n', &pending) {
                let line = pending.split_to(end + 1);
                each(&line[..end]);
            }
            if pending.len() > MAX_LINE_BYTES {
                return Err(Error::Protocol {
                    reason: format!(
                        "a line of file {file_id} is longer than {MAX_LINE_BYTES} bytes"
                    ),
                    raw: String::new(),
                });
            }
        }
        if !pending.is_empty() {
            each(&pending);
        }
        Ok(())
    }

    /// Send `out` and decode its JSON answer; an error status is an [`Error::Api`].
    async fn json<O: serde::de::DeserializeOwned>(&self, out: &Outgoing) -> Result<O> {
        let answer = transport::send(self.client.link(), out).await?;
        if !answer.is_success() {
            return Err(ApiError::from_body(answer.status, &answer.body).into());
        }
        serde_json::from_slice(&answer.body).map_err(|e| Error::Protocol {
            reason: format!(
                "the answer of {} is not what the Batch API sends: {e}",
                out.route.path()
            ),
            raw: crate::error::excerpt(&String::from_utf8_lossy(&answer.body)),
        })
    }
}
