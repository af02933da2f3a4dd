//! Test application code that calls prompt functions, without a network.
//!
//! Enable the `testing` feature in your dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! promptfn = { version = "0.1", features = ["testing"] }
//! ```
//!
//! - [`MockClient`]: answers scripted per prompt function (typed values, raw text, errors, or a
//!   closure over the request), every request recorded for assertions. Its answers go through
//!   the same decoding as a real server's, in whatever structured-output mode the request used,
//!   and as an SSE stream when the request asked for one.
//! - [`forbid_live_requests`]: while its guard lives, any request that would reach the network
//!   fails (also [`PROMPTFN_FORBID_LIVE_REQUESTS`](FORBID_LIVE_REQUESTS_ENV)`=1`).
//! - [`Cassette`]: record real answers once into a file in your repository, replay them offline,
//!   and fail clearly when a request no longer matches what was recorded. API keys and headers
//!   are never written.
//! - [`with_default_client`]: make a mock (or cassette) the default client of one future, for
//!   code that calls prompt functions without `.client(…)`.
//!
//! ```
//! use promptfn::testing::{forbid_live_requests, MockClient, Reply};
//! use promptfn::{prompt, Error, Result};
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
//! enum Sentiment { Positive, Negative, Neutral }
//!
//! #[prompt("Classify the sentiment of: {review}")]
//! async fn sentiment(review: &str) -> Result<Sentiment>;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<()> {
//! let _no_network = forbid_live_requests();
//!
//! let mock = MockClient::new();
//! mock.on("sentiment")
//!     .reply(Reply::value(Sentiment::Positive))
//!     .reply(Reply::api_error(429, "Rate limit reached"));
//! let client = mock.client()?;
//!
//! assert_eq!(sentiment("Great film").client(&client).await?, Sentiment::Positive);
//! assert!(matches!(sentiment("Meh").client(&client).await, Err(Error::Api(e)) if e.status == 429));
//! assert_eq!(mock.requests()[0].prompt(), "Classify the sentiment of: Great film");
//!
//! // A client that would reach the network is stopped by the guard.
//! let live = promptfn::Client::builder().model("gpt-4o-mini").build()?;
//! let err = sentiment("Great film").client(&live).await.unwrap_err();
//! assert!(err.to_string().contains("live request blocked"));
//! # Ok(()) }
//! ```

mod cassette;
mod dialects;
mod endpoint_reply;
mod guard;
mod mock;
mod render;
mod reply;
mod request;
mod scope;

pub use cassette::{CASSETTE_MODE_ENV, Cassette, CassetteMode};
pub use guard::{
    FORBID_LIVE_REQUESTS_ENV, LiveRequestGuard, forbid_live_requests, live_requests_forbidden,
};
pub use mock::{MOCK_MODEL, MockClient, ScriptFor};
pub use reply::Reply;
pub use request::MockRequest;
pub use scope::with_default_client;

pub(crate) use guard::LiveRequestGate;
pub(crate) use scope::scoped_default_client;
