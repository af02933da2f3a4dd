//! Implementation detail of the `promptfn` crate.
