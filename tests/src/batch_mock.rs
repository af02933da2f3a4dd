//! A mock of the OpenAI Files and Batch endpoints on 127.0.0.1, in their real formats:
//! `POST /v1/files` (multipart, purpose `batch`), `POST /v1/batches`, `GET /v1/batches/{id}`
//! (which moves a batch through `validating`, `in_progress` and `finalizing` to its ending, one
//! step per read) and `GET /v1/files/{id}/content` (the input, output and error files as JSONL).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::mock::{Recorded, completion, read_request};

/// How the model answers one request of a batch.
#[derive(Debug, Clone)]
pub enum ItemOutcome {
    /// A chat completion whose message content is this text.
    Content(String),
    /// An error answer with this HTTP status and body (it goes to the error file).
    Status(u16, Value),
}

/// How a batch ends.
#[derive(Debug, Clone)]
pub enum Ending {
    Completed,
    /// The window ran out after this many requests: the rest are in the error file with
    /// `batch_expired`.
    Expired {
        answered: usize,
    },
    /// Validation failed: no output, `errors` says why.
    Failed,
    /// Cancelled after this many requests: the rest are in the error file with
    /// `batch_cancelled`.
    Cancelled {
        answered: usize,
    },
}

type Answer = dyn Fn(&Value) -> ItemOutcome + Send + Sync;

struct Batch {
    object: Value,
    /// Reads until the ending: validating, in_progress, finalizing.
    steps: VecDeque<&'static str>,
    ending: Ending,
}

#[derive(Default)]
struct State {
    files: HashMap<String, (String, Vec<u8>)>,
    batches: HashMap<String, Batch>,
    endings: VecDeque<Ending>,
    requests: Vec<Recorded>,
    held: bool,
    next_id: u64,
    /// Requests (`custom_id`) left out of the input files when they are read back.
    hidden: Vec<String>,
}

/// The server. Dropping it stops it.
pub struct BatchServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl BatchServer {
    /// Start on a free port; `answer` decides each request's answer from its body.
    pub async fn start(answer: impl Fn(&Value) -> ItemOutcome + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state: Arc<Mutex<State>> = Arc::default();
        let answer: Arc<Answer> = Arc::new(answer);
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&shared), Arc::clone(&answer)));
            }
        });
        Self { addr, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// How the next batch created ends (default: completed).
    pub fn end_next_batch(&self, ending: Ending) {
        self.lock().endings.push_back(ending);
    }

    /// While held, batches stay `in_progress`.
    pub fn hold(&self, held: bool) {
        self.lock().held = held;
    }

    /// Input files read back leave out this request's line (`custom_id`), as if the file had
    /// lost it: a re-ask cannot be written for that request.
    pub fn hide_input_line(&self, custom_id: &str) {
        self.lock().hidden.push(custom_id.to_owned());
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// How many requests had this method and path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// The uploaded files, in order: `(purpose, content)`.
    pub fn uploads(&self) -> Vec<(String, Vec<u8>)> {
        let state = self.lock();
        let mut ids: Vec<&String> = state
            .files
            .keys()
            .filter(|id| id.starts_with("file-in-"))
            .collect();
        ids.sort_by_key(|id| id[8..].parse::<u64>().unwrap_or(0));
        ids.iter().map(|id| state.files[*id].clone()).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for BatchServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>, answer: Arc<Answer>) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let (status, body) = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        state.requests.push(request.clone());
        route(&mut state, &request, &*answer)
    };
    let content_type = if status == 200 && request.path.ends_with("/content") {
        "application/octet-stream"
    } else {
        "application/json"
    };
    let head = format!(
        "HTTP/1.1 {status} Status\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(&body).await;
    let _ = socket.shutdown().await;
}

fn not_found(what: &str) -> (u16, Vec<u8>) {
    let body = json!({"error": {"message": format!("No such {what}"), "type": "invalid_request_error", "param": null, "code": null}});
    (404, body.to_string().into_bytes())
}

fn route(state: &mut State, request: &Recorded, answer: &Answer) -> (u16, Vec<u8>) {
    let path = request.path.as_str();
    match (request.method.as_str(), path) {
        ("POST", "/v1/files") => upload(state, request),
        ("POST", "/v1/batches") => create(state, request),
        ("GET", _) if path.starts_with("/v1/batches/") => {
            let id = &path["/v1/batches/".len()..];
            retrieve(state, id, answer)
        }
        ("GET", _) if path.starts_with("/v1/files/") && path.ends_with("/content") => {
            let id = &path["/v1/files/".len()..path.len() - "/content".len()];
            match state.files.get(id) {
                Some((_, content)) if id.starts_with("file-in-") => {
                    (200, without_lines(content, &state.hidden))
                }
                Some((_, content)) => (200, content.clone()),
                None => not_found("file"),
            }
        }
        _ => not_found("route"),
    }
}

/// A JSONL file without the lines of these requests (`custom_id`).
fn without_lines(content: &[u8], hidden: &[String]) -> Vec<u8> {
    let mut kept = Vec::with_capacity(content.len());
    for line in content.split_inclusive(|&b| b == b'\n') {
        let id = serde_json::from_slice::<Value>(line.trim_ascii())
            .ok()
            .and_then(|v| v["custom_id"].as_str().map(str::to_owned));
        if !id.is_some_and(|id| hidden.contains(&id)) {
            kept.extend_from_slice(line);
        }
    }
    kept
}

/// Read a multipart form's fields: `name → content`.
fn multipart(request: &Recorded) -> HashMap<String, Vec<u8>> {
    let mut fields = HashMap::new();
    let Some(boundary) = request
        .header("content-type")
        .and_then(|t| t.split("boundary=").nth(1))
    else {
        return fields;
    };
    let delimiter = format!("--{boundary}");
    let body = &request.body;
    let mut parts = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&body[at..], delimiter.as_bytes()) {
        parts.push(at + found);
        at += found + delimiter.len();
    }
    for pair in parts.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(head_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..head_end]);
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
        else {
            continue;
        };
        let content = &part[head_end + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        fields.insert(name.to_owned(), content.to_vec());
    }
    fields
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn upload(state: &mut State, request: &Recorded) -> (u16, Vec<u8>) {
    let fields = multipart(request);
    let (Some(purpose), Some(file)) = (fields.get("purpose"), fields.get("file")) else {
        let body = json!({"error": {"message": "file and purpose are required", "type": "invalid_request_error", "param": null, "code": null}});
        return (400, body.to_string().into_bytes());
    };
    state.next_id += 1;
    let id = format!("file-in-{}", state.next_id);
    let purpose = String::from_utf8_lossy(purpose).into_owned();
    let object = json!({
        "id": id, "object": "file", "bytes": file.len(), "created_at": 1_700_000_000,
        "filename": "batch.jsonl", "purpose": purpose, "status": "processed",
    });
    state.files.insert(id, (purpose, file.clone()));
    (200, object.to_string().into_bytes())
}

fn create(state: &mut State, request: &Recorded) -> (u16, Vec<u8>) {
    let body = request.json();
    let input = body["input_file_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let valid = state.files.contains_key(&input)
        && body["endpoint"] == "/v1/chat/completions"
        && body["completion_window"] == "24h";
    if !valid {
        let body = json!({"error": {"message": "invalid batch", "type": "invalid_request_error", "param": null, "code": null}});
        return (400, body.to_string().into_bytes());
    }
    state.next_id += 1;
    let id = format!("batch_{}", state.next_id);
    let object = json!({
        "id": id, "object": "batch", "endpoint": "/v1/chat/completions", "errors": null,
        "input_file_id": input, "completion_window": "24h", "status": "validating",
        "output_file_id": null, "error_file_id": null, "created_at": 1_700_000_000,
        "in_progress_at": null, "expires_at": 1_700_086_400, "finalizing_at": null,
        "completed_at": null, "failed_at": null, "expired_at": null, "cancelling_at": null,
        "cancelled_at": null, "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "metadata": null,
    });
    let ending = state.endings.pop_front().unwrap_or(Ending::Completed);
    state.batches.insert(
        id,
        Batch {
            object: object.clone(),
            steps: VecDeque::from(["in_progress", "finalizing"]),
            ending,
        },
    );
    (200, object.to_string().into_bytes())
}

fn retrieve(state: &mut State, id: &str, answer: &Answer) -> (u16, Vec<u8>) {
    let held = state.held;
    let Some(batch) = state.batches.get_mut(id) else {
        return not_found("batch");
    };
    let status = batch.object["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ended = matches!(
        status.as_str(),
        "completed" | "expired" | "failed" | "cancelled"
    );
    let stays = ended || (held && status == "in_progress");
    if !stays {
        match batch.steps.pop_front() {
            Some(step) => batch.object["status"] = json!(step),
            None => {
                let ending = batch.ending.clone();
                let input = batch.object["input_file_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let content = state
                    .files
                    .get(&input)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default();
                finish(state, id, &ending, &content, answer);
            }
        }
    }
    let object = state.batches[id].object.clone();
    (200, object.to_string().into_bytes())
}

/// Write the output and error files of an ending batch and set its final status.
fn finish(state: &mut State, id: &str, ending: &Ending, input: &[u8], answer: &Answer) {
    let requests: Vec<Value> = input
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect();
    let answered = match ending {
        Ending::Completed => requests.len(),
        Ending::Expired { answered } | Ending::Cancelled { answered } => *answered,
        Ending::Failed => 0,
    };
    let (mut output, mut errors) = (Vec::new(), Vec::new());
    let (mut completed, mut failed) = (0, 0);
    for (n, request) in requests.iter().enumerate() {
        let custom_id = &request["custom_id"];
        let line = if n < answered {
            match answer(&request["body"]) {
                ItemOutcome::Content(content) => {
                    completed += 1;
                    let body = completion(json!({"role": "assistant", "content": content}), "stop");
                    let line = json!({"id": format!("batch_req_{n}"), "custom_id": custom_id,
                        "response": {"status_code": 200, "request_id": format!("req_{n}"), "body": body}, "error": null});
                    output.push(line);
                    continue;
                }
                ItemOutcome::Status(status, body) => {
                    json!({"id": format!("batch_req_{n}"), "custom_id": custom_id,
                    "response": {"status_code": status, "request_id": format!("req_{n}"), "body": body}, "error": null})
                }
            }
        } else {
            let code = match ending {
                Ending::Cancelled { .. } => "batch_cancelled",
                _ => "batch_expired",
            };
            json!({"id": format!("batch_req_{n}"), "custom_id": custom_id, "response": null,
                "error": {"code": code, "message": "This request could not be executed before the completion window expired."}})
        };
        failed += 1;
        errors.push(line);
    }
    let mut file_of = |lines: Vec<Value>, kind: &str| -> Value {
        if lines.is_empty() || matches!(ending, Ending::Failed) {
            return Value::Null;
        }
        state.next_id += 1;
        let file_id = format!("file-{kind}-{}", state.next_id);
        let mut content = Vec::new();
        for line in lines {
            content.extend_from_slice(line.to_string().as_bytes());
            content.push(b'\n');
        }
        state
            .files
            .insert(file_id.clone(), (format!("batch_{kind}"), content));
        json!(file_id)
    };
    let output_file = file_of(output, "output");
    let error_file = file_of(errors, "error");
    let batch = state.batches.get_mut(id).expect("the batch exists");
    let object = &mut batch.object;
    let status = match ending {
        Ending::Completed => "completed",
        Ending::Expired { .. } => "expired",
        Ending::Failed => "failed",
        Ending::Cancelled { .. } => "cancelled",
    };
    object["status"] = json!(status);
    object["output_file_id"] = output_file;
    object["error_file_id"] = error_file;
    object["request_counts"] =
        json!({"total": requests.len(), "completed": completed, "failed": failed});
    if matches!(ending, Ending::Failed) {
        object["errors"] = json!({"object": "list", "data": [
            {"code": "invalid_json_line", "message": "This line is not parseable as valid JSON.", "param": null, "line": 1}
        ]});
    }
}
