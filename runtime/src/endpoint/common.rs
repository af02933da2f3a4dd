//! What every endpoint call shares with the others: the declaration, the rendered prompt, the
//! per-call client, model and transport settings, the traced run, and one request's exchange.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::decl::EndpointDecl;
use crate::client::Client;
use crate::error::{ApiError, Error, Result, excerpt};
use crate::media::{Loaded, Media, MediaPolicy, load};
use crate::message::{Message, Part};
use crate::model_family::ModelFamily;
use crate::response::{Response, Usage};
use crate::spec::PromptSpec;
use crate::telemetry::CallTrace;
use crate::transport::{self, BodyKind, Outgoing, Route, TransportOverrides};

/// A declaration's rendered prompt and what its endpoint call is told per call.
#[derive(Debug)]
pub(crate) struct Common {
    pub(crate) spec: &'static PromptSpec,
    pub(crate) keys: &'static EndpointDecl,
    pub(crate) messages: Vec<Message>,
    pub(crate) client: Option<Client>,
    pub(crate) model: Option<String>,
    pub(crate) end_user: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) transport: TransportOverrides,
    /// The model used when neither the call nor the declaration names one.
    pub(crate) default_model: Option<&'static str>,
}

impl Common {
    pub(crate) fn new(
        spec: &'static PromptSpec,
        keys: &'static EndpointDecl,
        messages: Vec<Message>,
    ) -> Self {
        Self {
            spec,
            keys,
            messages,
            client: None,
            model: None,
            end_user: None,
            timeout: None,
            transport: TransportOverrides::default(),
            default_model: None,
        }
    }

    /// The client (per call, else the default) with this call's transport settings over it.
    pub(crate) fn resolve_client(&self) -> Result<Client> {
        Client::for_call(self.client.clone(), &self.transport)
    }

    /// Per call > declared > the endpoint's own default. The client's default model is a chat
    /// model, so it is not used here.
    pub(crate) fn resolve_model(&self, _client: &Client) -> Result<String> {
        self.model
            .as_deref()
            .or(self.spec.decl.model)
            .or(self.default_model)
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::Config(format!(
                    "no model for `{}`: write `model = \"…\"` in its #[prompt] or call \
                     `.model(…)` (the client's default model is for chat, not for this endpoint)",
                    self.spec.name
                ))
            })
    }

    /// The end-user id: per call > declared.
    pub(crate) fn end_user(&self) -> Option<&str> {
        self.end_user.as_deref().or(self.spec.decl.end_user)
    }

    /// The rendered prompt's text: every message's text, in order, a blank line apart.
    pub(crate) fn prompt_text(&self) -> String {
        let texts: Vec<String> = self
            .messages
            .iter()
            .map(Message::text_content)
            .filter(|text| !text.is_empty())
            .collect();
        texts.join("\n\n")
    }

    /// The media arguments the template placed, in order.
    pub(crate) fn media(&self) -> impl Iterator<Item = &Media> {
        self.messages
            .iter()
            .flat_map(|m| &m.parts)
            .filter_map(|part| match part {
                Part::Media(media) => Some(media),
                Part::Text(_) => None,
            })
    }

    /// A medium's content in memory, for a form upload: URLs are downloaded under the media
    /// policy of `client` for `model`.
    pub(crate) async fn load(&self, client: &Client, model: &str, media: &Media) -> Result<Loaded> {
        let policy = MediaPolicy::new()
            .over(client.media_policy(model))
            .settle(ModelFamily::of(model));
        let http = client.downloader().pool(policy.allow_private_addresses)?;
        load(media, http, &policy)
            .await
            .map_err(|e| Error::Media(Box::new(e)))
    }

    /// Run `work` with the resolved client and model inside a `promptfn.call` span that records
    /// the outcome, as chat calls do (the transport has scrubbed any echo of the API key from
    /// what the server said).
    pub(crate) async fn traced<T, F, Fut>(&self, work: F) -> Result<Response<T>>
    where
        F: FnOnce(Client, String) -> Fut,
        Fut: Future<Output = Result<Response<T>>>,
    {
        let resolved = self.resolve_client().and_then(|client| {
            let model = self.resolve_model(&client)?;
            Ok((client, model))
        });
        let trace = CallTrace::start(
            self.spec.name,
            &self.messages,
            resolved
                .as_ref()
                .ok()
                .map(|(client, model)| (client, &**model)),
        );
        let result = match resolved {
            Ok((client, model)) => work(client, model).instrument(trace.span()).await,
            Err(error) => Err(error),
        };
        // The answer is not text (vectors, images, audio): only its outcome is recorded.
        trace.finish(&result, false);
        result
    }

    /// Send one request to `path` and read its answer whole; an error status is an
    /// [`Error::Api`] with the provider's error object.
    pub(crate) async fn exchange(
        &self,
        client: &Client,
        path: &'static str,
        kind: BodyKind,
        body: Vec<u8>,
    ) -> Result<Bytes> {
        let out = Outgoing {
            function: self.spec.name,
            function_path: self.spec.function_path(),
            body: body.into(),
            timeout: self.timeout.unwrap_or(client.timeout()),
            stream: false,
            structured: false,
            route: Route::Endpoint {
                path: path.into(),
                body: kind,
            },
        };
        let answer = transport::send(client.link(), &out).await?;
        if !answer.is_success() {
            return Err(ApiError::from_body(answer.status, &answer.body).into());
        }
        Ok(answer.body)
    }

    /// Send a JSON body to `path` and decode the JSON answer.
    pub(crate) async fn exchange_json<A: DeserializeOwned>(
        &self,
        client: &Client,
        path: &'static str,
        body: &serde_json::Value,
    ) -> Result<(A, String)> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Config(format!("body: {e}")))?;
        let answer = self.exchange(client, path, BodyKind::Json, bytes).await?;
        decode_answer(&answer)
    }
}

/// An endpoint's JSON answer, or the error object a server put in a 2xx answer.
pub(crate) fn decode_answer<A: DeserializeOwned>(body: &[u8]) -> Result<(A, String)> {
    let raw = String::from_utf8_lossy(body).into_owned();
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| Error::Protocol {
        reason: format!("the answer is not JSON: {e}"),
        raw: excerpt(&raw),
    })?;
    if value.get("error").is_some_and(|e| !e.is_null()) {
        return Err(ApiError::from_body(200, body).into());
    }
    let answer = serde_json::from_value(value).map_err(|e| Error::Protocol {
        reason: format!("the answer does not have the endpoint's format: {e}"),
        raw: excerpt(&raw),
    })?;
    Ok((answer, raw))
}

/// The metadata of an endpoint answer, as chat calls report theirs.
pub(crate) fn response<T>(
    value: T,
    model: Option<String>,
    usage: Option<Usage>,
    raw: String,
    requests: u32,
) -> Response<T> {
    Response {
        model,
        usage,
        raw,
        requests,
        ..Response::bare(value)
    }
}

/// The per-call settings every endpoint call has, each written once here: `$field` is the
/// call's [`Common`].
macro_rules! common_settings {
    ($field:ident) => {
        /// Send this call through `client` instead of the default client.
        pub fn client(mut self, client: &$crate::Client) -> Self {
            self.$field.client = Some(client.clone());
            self
        }

        /// The model for this call.
        pub fn model(mut self, model: impl Into<String>) -> Self {
            self.$field.model = Some(model.into());
            self
        }

        /// An end-user identifier for the provider's abuse monitoring (the request's `user`).
        pub fn end_user(mut self, end_user: impl Into<String>) -> Self {
            self.$field.end_user = Some(end_user.into());
            self
        }

        $crate::setters::request_setters!(
            timeout: $field.timeout,
            transport: $field.transport,
        );
    };
}

pub(crate) use common_settings;

/// `IntoFuture` for a call and for its `with_meta()` form, both over its `run` method.
macro_rules! awaitable {
    ($call:ident < $t:ident : $bound:path >, $meta:ident) => {
        impl<$t: $bound> ::std::future::IntoFuture for $call<$t> {
            type Output = $crate::Result<$t>;
            type IntoFuture =
                ::std::pin::Pin<Box<dyn ::std::future::Future<Output = $crate::Result<$t>> + Send>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(async move { self.run().await.map($crate::Response::into_value) })
            }
        }

        /// A call that yields its value with the answer's metadata ([`Response`](crate::Response)).
        #[must_use = "it does nothing until it is awaited"]
        #[derive(Debug)]
        pub struct $meta<$t>($call<$t>);

        impl<$t: $bound> ::std::future::IntoFuture for $meta<$t> {
            type Output = $crate::Result<$crate::Response<$t>>;
            type IntoFuture = ::std::pin::Pin<
                Box<
                    dyn ::std::future::Future<Output = $crate::Result<$crate::Response<$t>>> + Send,
                >,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.0.run())
            }
        }
    };
}

pub(crate) use awaitable;

/// `IntoFuture` for a call of one value type and for its `with_meta()` form.
macro_rules! awaitable_of {
    ($call:ident => $value:ty, $meta:ident) => {
        impl ::std::future::IntoFuture for $call {
            type Output = $crate::Result<$value>;
            type IntoFuture = ::std::pin::Pin<
                Box<dyn ::std::future::Future<Output = $crate::Result<$value>> + Send>,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(async move { self.run().await.map($crate::Response::into_value) })
            }
        }

        /// A call that yields its value with the answer's metadata ([`Response`](crate::Response)).
        #[must_use = "it does nothing until it is awaited"]
        #[derive(Debug)]
        pub struct $meta($call);

        impl ::std::future::IntoFuture for $meta {
            type Output = $crate::Result<$crate::Response<$value>>;
            type IntoFuture = ::std::pin::Pin<
                Box<
                    dyn ::std::future::Future<Output = $crate::Result<$crate::Response<$value>>>
                        + Send,
                >,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.0.run())
            }
        }
    };
}

pub(crate) use awaitable_of;
