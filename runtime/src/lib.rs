//! promptfn: declare a Rust function, get a typed call to a large language model.
//!
//! ```no_run
//! use promptfn::{prompt, Result};
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize, JsonSchema)]
//! struct Person { name: String, age: Option<u32> }
//!
//! /// Pull a person out of free text.
//! #[prompt("Extract the person mentioned in: {text}", temperature = 0.0)]
//! async fn extract_person(text: &str) -> Result<Person>;
//!
//! # async fn demo() -> Result<()> {
//! let person = extract_person("Alice is 30").await?;
//! # Ok(()) }
//! ```
//!
//! (Compiled, not run: awaiting the call sends it through the default client, over the network;
//! the guide's examples run the same kind of declarations against the mock client.)
#![doc = include_str!("guide.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bulk;
mod cache;
mod call;
mod client;
mod conversation;
mod decode;
pub mod endpoint;
mod error;
mod history;
mod limit;
mod lines;
mod macro_support;
mod media;
mod message;
mod model_family;
mod output;
mod params;
mod partial;
mod plan;
mod probe;
mod profile;
mod provider_state;
mod reasoning;
mod redact;
mod response;
mod retry;
mod setters;
mod stages;
mod structured;
mod telemetry;
mod tls;
mod tool;
mod transport;
mod web_search;
mod wire;

#[cfg(test)]
mod tests;

mod lenient;
mod schema;
mod shape;
mod sources;
mod spec;

mod stream;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use bulk::Bulk;
pub use call::{Call, WithMeta};
pub use client::DEFAULT_IDLE_TIMEOUT;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RETRIES,
    DEFAULT_TIMEOUT, set_default_client,
};
pub use conversation::Conversation;
pub use decode::decode;
pub use endpoint::{Embedding, Moderation, Ranking, Spoken, Transcript};
pub use error::{
    ApiError, DecodeError, Error, ErrorCode, MaxStepsError, ProviderError, RAW_EXCERPT_LIMIT,
    RejectedAnswer, Result,
};
pub use history::History;
pub use lenient::Repair;
pub use media::{
    Audio, DEFAULT_MAX_MEDIA_DOWNLOAD_BYTES, DEFAULT_MEDIA_DOWNLOAD_TIMEOUT, Detail, File, Image,
    Media, MediaArg, MediaError, MediaKind, MediaPolicy, MediaSource, MediaStyle, Pdf, UrlHandling,
    Video,
};
pub use message::{Message, Part, Role, ToolCall};
pub use output::{Choices, Output, Validate};
pub use partial::Partial;
pub use provider_state::ProviderState;
pub use reasoning::Reasoning;
pub use response::{FinishReason, Response, Usage};
pub use retry::{DEFAULT_MAX_ATTEMPTS, RetryPolicy};
pub use sources::{DocumentPassage, MAX_SOURCE_TEXT_BYTES, MAX_SOURCES, Source};
pub use stream::{ItemStream, PartialStream, Streamable, TextEvent, TextEvents, TextStream};
pub use structured::Mode;
pub use tool::{
    DEFAULT_MAX_STEPS, DEFAULT_MAX_TOOL_CALLS, RequestedCall, Tool, ToolCalls, ToolChoice,
};
pub use transport::DEFAULT_MAX_BODY_BYTES;
pub use web_search::{SearchContextSize, WebSearch};
pub use wire::dialect::Dialect;

/// The schemars (1.x) promptfn derives schemas with, so that an application can name the same
/// version without matching it by hand. Its derive needs to be told the path:
///
/// ```
/// use promptfn::schemars::JsonSchema;
/// use promptfn::serde::Deserialize;
///
/// #[derive(Debug, Deserialize, JsonSchema)]
/// #[serde(crate = "promptfn::serde")]
/// #[schemars(crate = "promptfn::schemars")]
/// struct Person { name: String, age: Option<u32> }
///
/// #[promptfn::prompt("Extract the person mentioned in: {text}")]
/// async fn extract_person(text: &str) -> promptfn::Result<Person>;
/// ```
pub use schemars;
/// The serde promptfn decodes answers with (see [`schemars`] for deriving
/// through the re-exports).
pub use serde;

#[doc(inline)]
pub use promptfn_macros::Partial;
#[doc(inline)]
pub use promptfn_macros::prompt;
#[doc(inline)]
pub use promptfn_macros::{tool, tools};
