//! Tests that span modules: properties every decoder of server-controlled bytes must hold.

mod decoders_never_panic;
