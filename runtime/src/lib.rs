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

#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
mod client;
mod error;
mod media;
mod message;
mod output;
mod params;
mod plan;
mod response;
mod stages;
mod structured;
mod transport;
mod wire;

pub mod lenient;
mod schema;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use call::{Call, WithMeta};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RETRIES,
    DEFAULT_TIMEOUT, set_default_client,
};
pub use error::{
    ApiError, DecodeError, Error, ErrorCode, ProviderError, RAW_EXCERPT_LIMIT, RejectedAnswer,
    Result,
};
pub use media::MediaArg;
pub use message::{Message, Part, Role, ToolCall};
pub use output::Output;
pub use response::{FinishReason, Response, Usage};
pub use structured::Mode;

#[doc(inline)]
pub use promptfn_macros::prompt;
