//! Shared helpers for promptfn integration tests.
