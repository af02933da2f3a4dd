//! The OpenAI Responses dialect (`POST {base_url}/responses`): the request body, the reading of
//! whole answers, and the reading of its stream events.
//!
//! Field names are those of the API reference
//! (<https://platform.openai.com/docs/api-reference/responses/create>, the `Response` object
//! and the streaming events at <https://platform.openai.com/docs/api-reference/responses-streaming>),
//! checked against the types OpenAI generates from its OpenAPI spec (openai-python
//! `src/openai/types/responses/`: `response_create_params.py`, `response_input_*_param.py`,
//! `function_tool_param.py`, `response_format_text_json_schema_config_param.py`,
//! `response_reasoning_item_param.py`, `response.py`, `response_usage.py`,
//! `response_error_event.py`).
//!
//! Requests are stateless (`store: false`): the whole conversation is sent each time, and the
//! reasoning items a reasoning model produced are kept on the assistant turn (its
//! [`ProviderState`](crate::provider_state::ProviderState)) with their `encrypted_content`, and
//! sent back unchanged before that turn's calls.

mod answer;
mod request;
mod stream;

pub(crate) use answer::decode;
pub(crate) use request::encode;
pub(crate) use stream::Reader;

/// The provider-state field holding an assistant turn's reasoning items, as the API gave them.
const REASONING_ITEMS: &str = "reasoning_items";

#[cfg(test)]
mod tests;
