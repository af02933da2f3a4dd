//! `GET /models`: the models an endpoint offers.

use serde::Deserialize;

use super::common::decode_answer;
use crate::client::Client;
use crate::error::{ApiError, Result};
use crate::transport::{self, BodyKind, Outgoing, Route};

/// One model the endpoint lists.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ModelInfo {
    /// The name to pass as `model`.
    pub id: String,
    /// Who owns it, as the server says (`openai`, `system`, an organisation…).
    #[serde(default)]
    pub owned_by: Option<String>,
    /// When it was made, in Unix seconds, if the server says.
    #[serde(default)]
    pub created: Option<i64>,
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelInfo>,
}

impl Client {
    /// The models this client's endpoint lists (`GET {base_url}/models`), in the server's order.
    ///
    /// # Errors
    /// [`Error::Api`](crate::Error::Api) with the provider's error object, or the transport's
    /// errors; retried and bounded like any request of this client.
    pub async fn models(&self) -> Result<Vec<ModelInfo>> {
        let out = Outgoing {
            function: "models",
            function_path: "models",
            body: bytes::Bytes::new(),
            timeout: self.timeout(),
            stream: false,
            structured: false,
            route: Route::Endpoint {
                path: "models".into(),
                body: BodyKind::Empty,
            },
        };
        let answer = transport::send(self.link(), &out).await?;
        if !answer.is_success() {
            return Err(ApiError::from_body(answer.status, &answer.body).into());
        }
        let (list, _raw): (ModelList, String) = decode_answer(&answer.body)?;
        Ok(list.data)
    }
}
