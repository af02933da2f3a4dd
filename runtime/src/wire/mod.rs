//! What goes over the wire: OpenAI chat-completions bodies, the request fields of each
//! structured-output mode, and the SSE framing of streams.

pub(crate) mod mode;
pub(crate) mod openai;
pub mod sse;
