//! Media parameters: what a prompt argument must be to become an image, audio, video or file part.

use crate::message::Message;

/// A prompt argument that becomes content parts (image, audio, video, PDF, file) rather than text.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a media type",
    note = "media parameters are promptfn::Image, Audio, Video, Pdf or File, or Vec, Option or slices of them"
)]
pub trait MediaArg {
    /// Append this argument's parts to `message`, at the current position.
    #[doc(hidden)]
    fn place(&self, message: &mut Message);
}

impl<M: MediaArg + ?Sized> MediaArg for &M {
    fn place(&self, message: &mut Message) {
        (**self).place(message);
    }
}
