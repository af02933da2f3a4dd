//! The probes: one small request per feature (two for `seed`), each judged on whether the
//! feature was honoured, not only accepted. The table runs in order; later probes use the
//! token-limit field the earlier ones found.

mod basics;
mod endpoints;
mod media;
mod stream;
mod structured;
mod tools;

use promptfn::__private::wire_keys;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};

use super::http::{Answer, Endpoint};
use super::media_server::MediaServer;
use super::status::Outcome;

/// What a probe needs: where to send, which model, and what earlier probes found.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub endpoint: &'a Endpoint,
    pub model: &'a str,
    /// Serves the media of the URL probes (`None` if it could not start).
    pub media: Option<&'a MediaServer>,
    /// The token-limit field the endpoint honours, once a probe found one.
    pub token_limit: Option<&'static str>,
}

/// A probe's answer, still to come (the runtime is single-threaded: no `Send` needed).
pub type Pending<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;

/// One feature and how to probe it.
#[derive(Debug)]
pub struct Probe {
    /// The feature's name in `--json` and profiles.
    pub feature: &'static str,
    pub run: for<'a> fn(&'a Ctx<'a>) -> Pending<'a>,
}

/// Every probe, in the order they run.
pub const PROBES: &[Probe] = &[
    Probe {
        feature: "text",
        run: basics::text,
    },
    Probe {
        feature: wire_keys::MAX_TOKENS,
        run: basics::max_tokens,
    },
    Probe {
        feature: wire_keys::MAX_COMPLETION_TOKENS,
        run: basics::max_completion_tokens,
    },
    Probe {
        feature: "json_schema",
        run: structured::json_schema,
    },
    Probe {
        feature: "json_object",
        run: structured::json_object,
    },
    Probe {
        feature: "tools",
        run: tools::tools_auto,
    },
    Probe {
        feature: "tool_choice_required",
        run: tools::tool_choice_required,
    },
    Probe {
        feature: "parallel_tools",
        run: tools::parallel_tools,
    },
    Probe {
        feature: "n",
        run: basics::n,
    },
    Probe {
        feature: "stream",
        run: stream::stream,
    },
    Probe {
        feature: "stream_usage",
        run: stream::stream_usage,
    },
    Probe {
        feature: "seed",
        run: basics::seed,
    },
    Probe {
        feature: "reasoning",
        run: basics::reasoning,
    },
    Probe {
        feature: "image_data_uri",
        run: media::image_data_uri,
    },
    Probe {
        feature: "image_url",
        run: media::image_url,
    },
    Probe {
        feature: "audio_input_audio",
        run: media::audio_input_audio,
    },
    Probe {
        feature: "audio_image_url",
        run: media::audio_image_url,
    },
    Probe {
        feature: "pdf_file",
        run: media::pdf_file,
    },
    Probe {
        feature: "pdf_image_url",
        run: media::pdf_image_url,
    },
    Probe {
        feature: "anthropic_messages",
        run: endpoints::anthropic_messages,
    },
    Probe {
        feature: "openai_responses",
        run: endpoints::openai_responses,
    },
    Probe {
        feature: "models",
        run: endpoints::models,
    },
];

impl Ctx<'_> {
    /// A chat-completions body with one user message, capped at `limit` answer tokens when a
    /// token-limit field is known.
    pub fn body(&self, content: impl Into<Value>, limit: u32) -> Value {
        let mut body = json!({
            "model": self.model,
            "messages": [{"role": "user", "content": content.into()}],
        });
        if let Some(field) = self.token_limit {
            body[field] = json!(limit);
        }
        body
    }

    /// `POST /chat/completions`.
    pub async fn chat(&self, body: &Value) -> Answer {
        self.endpoint.post("chat/completions", body).await
    }

    /// Send `body` and judge its success with `judge`.
    pub async fn chat_judged(
        &self,
        body: &Value,
        judge: impl FnOnce(&Value) -> Outcome,
    ) -> Outcome {
        self.chat(body).await.judge(self.endpoint, judge)
    }
}

/// The first choice's message.
fn message(body: &Value) -> &Value {
    body.pointer("/choices/0/message").unwrap_or(&Value::Null)
}

/// The first choice's text (empty if none).
fn reply_text(body: &Value) -> &str {
    message(body)
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The first choice's tool calls.
fn tool_calls(body: &Value) -> &[Value] {
    message(body)
        .get("tool_calls")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// How a reply is quoted in details.
fn quoted(text: &str) -> String {
    format!("\"{}\"", super::http::excerpt(text))
}
