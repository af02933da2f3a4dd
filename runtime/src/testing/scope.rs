//! A default client for one future: the test double that calls naming no client use, without
//! touching the process-wide default other tests share.

use std::future::Future;

use crate::client::Client;

tokio::task_local! {
    static SCOPED_DEFAULT: Client;
}

/// Run `future` with `client` as the default client of every call it makes that names none.
///
/// Application code usually calls prompt functions without `.client(…)`, so they go through the
/// process-wide default ([`set_default_client`](crate::set_default_client), or the environment).
/// Tests run in parallel threads of one process, so changing that default would leak from one
/// test into the others; this sets it for `future` alone (tasks it spawns do not inherit it).
///
/// ```
/// use promptfn::testing::{MockClient, with_default_client};
/// use promptfn::{prompt, Result};
///
/// #[prompt("Say hi to {name}")]
/// async fn greet(name: &str) -> Result<String>;
///
/// /// Application code: names no client.
/// async fn welcome(name: &str) -> Result<String> {
///     Ok(format!("{}!", greet(name).await?))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<()> {
/// let mock = MockClient::new();
/// mock.on("greet").returns_text("Hi Ada");
/// let text = with_default_client(&mock.client()?, welcome("Ada")).await?;
/// assert_eq!(text, "Hi Ada!");
/// # Ok(()) }
/// ```
pub async fn with_default_client<F: Future>(client: &Client, future: F) -> F::Output {
    SCOPED_DEFAULT.scope(client.clone(), future).await
}

/// The default client set by [`with_default_client`] for the running future, if any.
pub(crate) fn scoped_default_client() -> Option<Client> {
    SCOPED_DEFAULT.try_with(Client::clone).ok()
}
