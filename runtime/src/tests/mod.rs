//! Tests that span modules: properties every decoder of server-controlled bytes must hold.

mod decoders_never_panic;
pub(crate) mod json_like;
