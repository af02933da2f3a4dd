//! What goes over the wire: OpenAI chat-completions bodies, and the SSE framing of streams.

pub(crate) mod openai;
pub mod sse;
pub(crate) mod surrogates;
