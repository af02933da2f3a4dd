//! The compile-time machinery `#[prompt]`'s generated code leans on: choosing how each parameter
//! is placed in the prompt ([`place`]) and checking the declared return type ([`return_type`]).
//! Not public API: generated code reaches these through `__private`, which only re-exports them.

mod place;
mod return_type;

pub use place::{MediaTag, Place, PlaceAsMedia, PlaceAsText, PromptArg, TextTag};
pub use return_type::{
    HasValidator, IsPromptResult, NoValidator, Probe, assert_output, assert_return,
};
