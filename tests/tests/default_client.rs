//! `set_default_client`: calls that name no client go to the one set for the process.
//! Its own test binary, since the default is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptfn::{Result, prompt, set_default_client};
use promptfn_tests::mock::{MockServer, Reply};

#[prompt("Say hi to {name}")]
async fn greet(name: &str) -> Result<String>;

#[tokio::test]
async fn calls_without_a_client_use_the_default_one() {
    let server = MockServer::with([Reply::content("hi"), Reply::content("hello")]).await;
    set_default_client(server.client());
    assert_eq!(greet("Ann").await.unwrap(), "hi");

    // A later default replaces the earlier one for every call that follows.
    let second = MockServer::with([Reply::content("hey")]).await;
    set_default_client(second.client());
    assert_eq!(greet("Bo").await.unwrap(), "hey");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(second.requests().len(), 1);
    assert_eq!(second.bodies()[0]["messages"][0]["content"], "Say hi to Bo");
}
