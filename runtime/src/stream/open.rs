//! Sending a streamed request and getting as far as a successful status.
//!
//! Everything here happens before the first byte of the answer: a server that rejects the
//! structured-output mode is asked again one step down the ladder (as for awaited calls), and
//! one that rejects `stream_options` is asked again without it. Once a success status has
//! arrived, nothing is ever sent again: a stream that breaks is reported, never reconnected.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;

use crate::__private::Decl;
use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::message::Message;
use crate::output::OutputPlan;
use crate::params::{Overrides, Sampling};
use crate::plan::RequestPlan;
use crate::structured::{Family, Mode};
use crate::transport::{self, Body, Outgoing};

/// The body of a streamed answer, chunk by chunk.
pub(crate) type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// What a streamed request needs from its call, resolved by [`Call::prepare_stream`](crate::Call).
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) client: Client,
    pub(crate) model: String,
    pub(crate) plan: &'static OutputPlan,
    pub(crate) mode: Option<Mode>,
    pub(crate) timeout: Duration,
    pub(crate) function: &'static str,
    pub(crate) messages: Vec<Message>,
    pub(crate) instruction_at: Option<usize>,
    pub(crate) decl: &'static Decl,
    pub(crate) overrides: Overrides,
    /// How media arguments are sent (the call's settings; the rest comes from client and family).
    pub(crate) media: crate::media::MediaPolicy,
}

/// A stream whose success status has arrived.
pub(crate) struct Started {
    pub(crate) body: ByteStream,
    /// The structured-output mode the server accepted.
    pub(crate) mode: Option<Mode>,
    /// Requests sent, the accepted one included.
    pub(crate) requests: u32,
}

/// Endpoints that rejected `stream_options`: later streams to them go without it.
static NO_STREAM_OPTIONS: Mutex<Option<HashSet<String>>> = Mutex::new(None);

fn stream_options_rejected_by(endpoint: &str) -> bool {
    let known = NO_STREAM_OPTIONS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    known.as_ref().is_some_and(|set| set.contains(endpoint))
}

fn remember_stream_options_rejected(endpoint: &str) {
    let mut known = NO_STREAM_OPTIONS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    known
        .get_or_insert_with(HashSet::new)
        .insert(endpoint.to_owned());
}

/// Whether an error answer rejects the `stream_options` field (older Azure API versions and
/// some self-hosted servers do).
fn rejects_stream_options(status: u16, body: &str) -> bool {
    (400..600).contains(&status)
        && !matches!(status, 401 | 403 | 404 | 408 | 429)
        && body.to_ascii_lowercase().contains("stream_options")
}

/// Sends the request, stepping down on rejections, until a success status arrives.
pub(crate) async fn start(p: Prepared) -> Result<Started> {
    let family = Family::of(&p.model);
    let sampling = Sampling::merge(p.decl, &p.overrides);
    if sampling.n.is_some_and(|n| n > 1) {
        return Err(Error::Config(format!(
            "`{}` asks for n > 1 answers, but a stream carries one: remove `n`, or await the call instead of streaming it",
            p.function
        )));
    }
    let mut mode = p.mode;
    // Usage arrives in a last chunk only when asked for; servers that ignore the request are fine.
    let mut include_usage = !stream_options_rejected_by(p.client.endpoint());
    let mut requests = 0u32;
    // Media is resolved once (downloads included), before the first request.
    let media = crate::media::prepare(&p.messages, &p.model, p.media, &p.client).await?;
    loop {
        let plan = RequestPlan::new(p.plan, mode, family)?.with_media(&media);
        let body = plan.encode(&p.model, &p.messages, sampling, p.instruction_at)?;
        let body = streaming_body(body, include_usage)?;
        requests += 1;
        let out = Outgoing {
            function: p.function,
            body,
            timeout: p.timeout,
            stream: true,
        };
        let mut opened = transport::open(&p.client, &out).await?;
        if (200..300).contains(&opened.status) {
            return Ok(Started {
                body: byte_stream(opened.body, p.client.clone()),
                mode,
                requests,
            });
        }
        let error_body = transport::read_all(&p.client, &mut opened.body).await?;
        let text = String::from_utf8_lossy(&error_body);
        if include_usage && rejects_stream_options(opened.status, &text) {
            tracing::debug!(
                function = p.function,
                endpoint = p.client.shown_endpoint(),
                "the server rejected stream_options; asking again without it"
            );
            remember_stream_options_rejected(p.client.endpoint());
            include_usage = false;
            continue;
        }
        if let Some(current) = mode
            && current.rejected_by(opened.status, &text)
            && let Some(next) = current.step_down()
        {
            tracing::debug!(function = p.function, model = %p.model, from = %current, to = %next,
                "the server rejected the structured-output mode; stepping down");
            p.client.learn_mode(&p.model, next);
            mode = Some(next);
            continue;
        }
        return Err(ApiError::from_body(opened.status, &error_body).into());
    }
}

/// Adds `"stream": true` (and the usage request) to an encoded request body.
///
/// The keys are appended to the object the one shared encoder wrote, so a streamed request
/// sends exactly what an awaited one would, plus these.
fn streaming_body(mut body: Vec<u8>, include_usage: bool) -> Result<Bytes> {
    if body.len() < 2 || body.first() != Some(&b'{') || body.pop() != Some(b'}') {
        return Err(Error::Config(
            "the request body is not a JSON object; this is a bug in promptfn".into(),
        ));
    }
    if body.len() > 1 {
        body.push(b',');
    }
    body.extend_from_slice(br#""stream":true"#);
    if include_usage {
        body.extend_from_slice(br#","stream_options":{"include_usage":true}"#);
    }
    body.push(b'}');
    Ok(body.into())
}

/// The body as a stream that owns it, so that dropping the stream closes the connection.
fn byte_stream(body: Body, client: Client) -> ByteStream {
    Box::pin(futures_util::stream::unfold(
        Some((body, client)),
        |state| async move {
            let (mut body, client) = state?;
            match body.chunk(&client).await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some((body, client)))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_keys_are_appended_to_the_body() {
        let body = streaming_body(br#"{"model":"m"}"#.to_vec(), true).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"model":"m","stream":true,"stream_options":{"include_usage":true}})
        );
        let body = streaming_body(b"{}".to_vec(), false).unwrap();
        assert_eq!(&body[..], br#"{"stream":true}"#);
        assert!(streaming_body(b"[1]".to_vec(), true).is_err());
        assert!(streaming_body(Vec::new(), true).is_err());
    }

    #[test]
    fn stream_options_rejections_need_an_error_naming_the_field() {
        assert!(rejects_stream_options(
            400,
            "Unrecognized request argument supplied: stream_options"
        ));
        assert!(!rejects_stream_options(200, "stream_options"));
        assert!(!rejects_stream_options(429, "stream_options"));
        assert!(!rejects_stream_options(400, "bad model"));
    }
}
