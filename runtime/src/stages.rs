//! The stages of a call, one at a time, for benchmarks: encoding the first request, decoding a
//! completion body, compiling a return type's schema. Reached through `__private::stages`; not
//! public API.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

use crate::call::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::model_family::ModelFamily;
use crate::output::{Output, OutputPlan};
use crate::plan::RequestPlan;
use crate::structured::Mode;
use crate::transport::{Backend, Body, Opened, Outgoing};
use crate::wire::answer::Completion;

/// The body the first request of `call` sends, as bytes (what [`Call::request`] parses).
pub fn request_body<T: Output>(call: &Call<T>) -> Result<Vec<u8>> {
    call.request_body()
}

/// A return type's plan for one model, built once, to time decoding and schema lookups alone.
#[derive(Debug)]
pub struct Stages {
    plan: OutputPlan,
    mode: Option<Mode>,
    family: ModelFamily,
}

impl Stages {
    /// Compile `T`'s schema for `model` from nothing (schemars, then the model's dialect, then
    /// the request fields of the model family's default mode): the cost of a function's first call.
    pub fn compile<T: Output>(model: &str) -> Result<Self> {
        let plan = OutputPlan::of::<T>();
        let family = ModelFamily::of(model);
        let mode = plan.json().map(|_| family.default_mode());
        RequestPlan::new(&plan, mode, family)?;
        Ok(Self { plan, mode, family })
    }

    /// Look the compiled schema and request fields up again: the cost on every later call.
    pub fn cached(&self) -> Result<()> {
        RequestPlan::new(&self.plan, self.mode, self.family).map(|_| ())
    }

    /// Decode a chat-completion body into `T` as a successful call does: parse the body, take
    /// the first choice's answer, decode it against the schema.
    pub fn decode<T: Output>(&self, body: &[u8]) -> Result<T> {
        let request = RequestPlan::new(&self.plan, self.mode, self.family)?;
        // A call checks the body's UTF-8 once and parses the text, as here.
        let parsed = match std::str::from_utf8(body) {
            Ok(text) => Completion::parse_text(text),
            Err(_) => Completion::parse(body),
        }
        .map_err(|reason| Error::Protocol {
            reason,
            raw: String::new(),
        })?;
        let choice = parsed.choices.into_iter().next();
        let answer = choice
            .as_ref()
            .and_then(|c| request.answer_text(&c.message))
            .unwrap_or_default();
        let (item, _repairs) =
            self.plan
                .decode::<T::Item>(answer)
                .map_err(|reason| Error::Protocol {
                    reason,
                    raw: String::new(),
                })?;
        T::from_items(vec![item]).ok_or_else(|| Error::Protocol {
            reason: "no value".into(),
            raw: String::new(),
        })
    }
}

/// A client that answers every request at once with HTTP 200 and `body`, without the network:
/// a whole call minus the HTTP stack.
pub fn offline_client(body: &'static [u8]) -> Result<Client> {
    Client::builder()
        .base_url("http://offline.invalid")
        .backend(Arc::new(Canned(Bytes::from_static(body))))
        .build()
}

#[derive(Debug)]
struct Canned(Bytes);

impl Backend for Canned {
    fn open<'a>(
        &'a self,
        _out: &'a Outgoing,
    ) -> Pin<Box<dyn Future<Output = Result<Opened>> + Send + 'a>> {
        let body = Body::Chunks(VecDeque::from([self.0.clone()]));
        Box::pin(std::future::ready(Ok(Opened { status: 200, body })))
    }
}
