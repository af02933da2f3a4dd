//! The Gemini `generateContent` dialect (`POST {base}/models/{model}:generateContent`, and
//! `:streamGenerateContent?alt=sse` for streams): the request body, whole answers, and the SSE
//! chunks of a stream, each of which is a whole `GenerateContentResponse`.
//!
//! Not to be confused with `schema::gemini`, Gemini's schema subset: that one compiles a return
//! type's schema, which this one sends as `responseSchema` when the schema is in it.
//!
//! Field names are the REST reference's (camelCase, as the API documents and answers them):
//! <https://ai.google.dev/api/generate-content>, <https://ai.google.dev/api/caching#Content>
//! (`Content`, `Part`, `Blob`, `FileData`, `FunctionCall`, `FunctionResponse`, `Tool`,
//! `ToolConfig`), <https://ai.google.dev/gemini-api/docs/thought-signatures>.
//!
//! What Gemini attaches to a model turn and wants back byte for byte, the `thoughtSignature` of a
//! part, is kept as provider state: on the tool call it came with (a `functionCall` part), or on
//! the turn (the text part that carried it), and written back on the same part.

mod answer;
mod grounding;
mod request;
mod stream;

pub(crate) use answer::decode;
pub(crate) use request::encode;
pub(crate) use stream::Reader;

/// The part field holding an opaque signature of the model's thinking.
const THOUGHT_SIGNATURE: &str = "thoughtSignature";

/// The id of a function call Gemini gave none for: its position among the turn's calls, the same
/// in an awaited answer and in a stream, so that results are paired with calls by it.
fn generated_call_id(index: usize) -> String {
    format!("call_{index}")
}

#[cfg(test)]
mod tests;
