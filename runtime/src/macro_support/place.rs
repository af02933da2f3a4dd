//! How a parameter enters the prompt: as media or as text, decided by its type at compile time.

use std::fmt;

use crate::media::MediaArg;
use crate::spec::PromptBuilder;

/// A parameter being placed; whether it is media or text is decided by its type
/// (autoref specialization: [`PlaceAsMedia`] applies first, [`PlaceAsText`] otherwise).
#[allow(missing_debug_implementations)]
pub struct Place<'a, T: ?Sized>(pub &'a T);

/// The parameter is media: it becomes its own part of the message.
#[derive(Debug)]
pub struct MediaTag;

/// The parameter is text: it is written into the prompt's text.
#[derive(Debug)]
pub struct TextTag;

/// Chosen first, for [`MediaArg`] types.
pub trait PlaceAsMedia {
    /// Which way the parameter is placed.
    fn __promptfn_kind(&self) -> MediaTag {
        MediaTag
    }
}
impl<T: MediaArg + ?Sized> PlaceAsMedia for Place<'_, T> {}

/// Chosen when [`PlaceAsMedia`] does not apply (one more autoref away).
pub trait PlaceAsText {
    /// Which way the parameter is placed.
    fn __promptfn_kind(&self) -> TextTag {
        TextTag
    }
}
impl<T: ?Sized> PlaceAsText for &Place<'_, T> {}

impl MediaTag {
    /// Adds the media as a part of the message being built.
    pub fn place<T: MediaArg + ?Sized>(self, b: &mut PromptBuilder, v: &T) {
        b.mark_parameter();
        v.place(b.current());
    }
}

impl TextTag {
    /// Writes the value into the prompt's text.
    pub fn place<T: PromptArg + ?Sized>(self, b: &mut PromptBuilder, v: &T) {
        v.write(b);
    }
}

/// A parameter that can be written into a prompt's text.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be placed in a prompt",
    label = "neither text nor media",
    note = "text parameters need `std::fmt::Display`; media parameters are promptfn::Image, Audio, Video, Pdf or File (or Vec, Option or slices of them)"
)]
pub trait PromptArg {
    /// Writes the value into the prompt's text.
    fn write(&self, b: &mut PromptBuilder);
}

impl<T: fmt::Display + ?Sized> PromptArg for T {
    fn write(&self, b: &mut PromptBuilder) {
        b.text_fmt(format_args!("{self}"));
    }
}
