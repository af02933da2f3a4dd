//! Shared helpers for promptfn's integration tests: an in-process mock server that records
//! every request and answers with scripted replies, and the live-server switch.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    missing_debug_implementations
)]

pub mod batch_mock;
pub mod fault;
pub mod live;
pub mod mock;
