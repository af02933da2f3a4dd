//! The request keys of the chat-completions dialect, each spelled once (as serde keeps every key
//! it writes in one `symbol.rs`): the encoder writes them, the rejection reader looks for them in
//! error text, the profile and `promptfn doctor` name the token-limit key with them, and the
//! testing kit reads requests by them. The Responses dialect shares the keys it has in common
//! (`temperature`, `tools`, …); keys of one other dialect only stay in that dialect's module.

/// The model the request is for.
pub const MODEL: &str = "model";
/// The conversation.
pub const MESSAGES: &str = "messages";
/// Sampling temperature.
pub const TEMPERATURE: &str = "temperature";
/// Nucleus sampling.
pub const TOP_P: &str = "top_p";
/// The token limit most servers take.
pub const MAX_TOKENS: &str = "max_tokens";
/// The token limit OpenAI's reasoning models take instead of [`MAX_TOKENS`].
pub const MAX_COMPLETION_TOKENS: &str = "max_completion_tokens";
/// Stop sequences.
pub const STOP: &str = "stop";
/// Presence penalty.
pub const PRESENCE_PENALTY: &str = "presence_penalty";
/// Frequency penalty.
pub const FREQUENCY_PENALTY: &str = "frequency_penalty";
/// Token biases.
pub const LOGIT_BIAS: &str = "logit_bias";
/// Sampling seed.
pub const SEED: &str = "seed";
/// The end-user id.
pub const USER: &str = "user";
/// How many choices.
pub const N: &str = "n";
/// The structured-output request (`json_schema`, `json_object`).
pub const RESPONSE_FORMAT: &str = "response_format";
/// The tool definitions.
pub const TOOLS: &str = "tools";
/// Which tool the model must call, if any.
pub const TOOL_CHOICE: &str = "tool_choice";
/// Whether the answer is streamed.
pub const STREAM: &str = "stream";
/// The stream's options (its usage chunk).
pub const STREAM_OPTIONS: &str = "stream_options";
/// Inside [`STREAM_OPTIONS`]: send a usage chunk at the end of the stream.
pub const INCLUDE_USAGE: &str = "include_usage";
/// The prompt-cache routing key.
pub const PROMPT_CACHE_KEY: &str = "prompt_cache_key";
/// The reasoning effort of reasoning models.
pub const REASONING_EFFORT: &str = "reasoning_effort";
/// Web search before answering, on the search models.
pub const WEB_SEARCH_OPTIONS: &str = "web_search_options";

/// Writes `,"key":` to a body being assembled by hand (the parts encoded once and spliced in).
pub(crate) fn write_key(body: &mut Vec<u8>, key: &str) {
    body.extend_from_slice(b",\"");
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(b"\":");
}
