//! What goes over the wire. `dialect` is the seam: it turns one request of the common
//! conversation into a dialect's body and path, and the dialect's answers (whole bodies and
//! stream events) back into the common answer of `answer`. Each dialect's JSON field names live
//! in its own module, and nowhere else.

pub(crate) mod answer;
pub(crate) mod anthropic;
pub(crate) mod chat_audio;
pub(crate) mod chat_completions;
mod completion_scan;
pub(crate) mod dialect;
pub(crate) mod gemini_content;
pub(crate) mod mode;
pub(crate) mod rejection;
pub(crate) mod responses;
pub mod sse;
pub(crate) mod surrogates;
pub mod symbol;
