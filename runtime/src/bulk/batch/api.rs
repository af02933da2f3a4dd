//! The OpenAI Files and Batch endpoints, on the client's HTTP connection pool, base URL, key
//! and total deadline: upload a JSONL file (`POST /files`, purpose `batch`), create a batch
//! (`POST /batches`), read it (`GET /batches/{id}`), download a file's content
//! (`GET /files/{id}/content`) line by line.

use bytes::{Bytes, BytesMut};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;

use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::redact::BodyScrubber;

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

/// `chunk` with any spelling of the client's API key replaced (a server may quote it back,
/// and nothing read here may hold it).
fn clean(scrubber: &mut Option<BodyScrubber>, chunk: Bytes) -> Bytes {
    match scrubber {
        Some(scrubber) => scrubber.push(chunk),
        None => chunk,
    }
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

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.client.transport().base_url())
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let transport = self.client.transport();
        let mut request = transport
            .http()
            .request(method, self.url(path))
            .timeout(transport.timeout());
        if let Some(auth) = transport.auth_header() {
            request = request.header(AUTHORIZATION, auth);
        }
        request
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
        let request = self
            .request(reqwest::Method::POST, "/files")
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body.freeze());
        let file: FileObject = self.json(request, "/files").await?;
        Ok(file.id)
    }

    /// Create a chat-completions batch over the uploaded file.
    pub(super) async fn create(&self, input_file_id: &str) -> Result<BatchObject> {
        let body = serde_json::json!({
            "input_file_id": input_file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        });
        let request = self
            .request(reqwest::Method::POST, "/batches")
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.json(request, "/batches").await
    }

    /// The batch as it is now.
    pub(super) async fn retrieve(&self, batch_id: &str) -> Result<BatchObject> {
        let path = format!("/batches/{batch_id}");
        self.json(self.request(reqwest::Method::GET, &path), &path)
            .await
    }

    /// Call `each` with every line of a file's content, read as it arrives.
    pub(super) async fn each_line(&self, file_id: &str, mut each: impl FnMut(&[u8])) -> Result<()> {
        let path = format!("/files/{file_id}/content");
        let mut response = self
            .send(self.request(reqwest::Method::GET, &path), &path)
            .await?;
        let mut scrubber = self.client.transport().body_scrubber();
        let mut pending = BytesMut::new();
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| self.transport(&path, &e))?;
            let Some(chunk) = chunk else {
                if let Some(scrubber) = &mut scrubber {
                    pending.extend_from_slice(&scrubber.finish());
                }
                break;
            };
            pending.extend_from_slice(&clean(&mut scrubber, chunk));
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

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<reqwest::Response> {
        let response = request.send().await.map_err(|e| self.transport(path, &e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let body = self.read(response, path).await.unwrap_or_default();
        Err(ApiError::from_body(status, &body).into())
    }

    async fn json<O: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<O> {
        let response = self.send(request, path).await?;
        let body = self.read(response, path).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Protocol {
            reason: format!("the answer of {path} is not what the Batch API sends: {e}"),
            raw: crate::error::excerpt(&String::from_utf8_lossy(&body)),
        })
    }

    /// A whole (small) answer body, within the client's body cap.
    async fn read(&self, mut response: reqwest::Response, path: &str) -> Result<Bytes> {
        let cap = self.client.max_body_bytes();
        let mut scrubber = self.client.transport().body_scrubber();
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport(path, &e))?
        {
            let chunk = clean(&mut scrubber, chunk);
            if body.len() + chunk.len() > cap {
                return Err(Error::Protocol {
                    reason: format!("the answer of {path} exceeds the {cap}-byte limit"),
                    raw: String::new(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        if let Some(scrubber) = &mut scrubber {
            body.extend_from_slice(&scrubber.finish());
        }
        Ok(body.freeze())
    }

    fn transport(&self, path: &str, error: &reqwest::Error) -> Error {
        if error.is_timeout() {
            return Error::timeout("total", self.client.timeout());
        }
        Error::Transport {
            url: self.url(path),
            message: error.to_string(),
        }
    }
}
