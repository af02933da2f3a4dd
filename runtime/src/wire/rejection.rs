//! Recognising a server's rejection of a request field from its error text: the field names
//! each structured-output mode relies on, in every dialect, as error messages spell them.

use super::symbol;
use crate::structured::Mode;

/// Whether a lowercased error text names a request field that `mode` relies on.
pub(crate) fn names_a_field_of(mode: Mode, error_text: &str) -> bool {
    let fields: &[&str] = match mode {
        // chat-completions `response_format`; Gemini `responseSchema` / `responseJsonSchema`;
        // Responses `text.format`; Anthropic `output_config.format` (a model without native
        // JSON output answers `output_config.format: Extra inputs are not permitted`,
        // <https://github.com/anomalyco/models.dev/pull/1765>; the beta's `output_format`).
        Mode::JsonSchema => &[
            symbol::RESPONSE_FORMAT,
            "json_schema",
            "responseschema",
            "responsejsonschema",
            "text.format",
            "output_config",
            "output_format",
            // Gemini's errors name fields in snake case, and 2.x models refuse a JSON MIME
            // type beside function calling ("response mime type … is unsupported").
            "response_schema",
            "response_json_schema",
            "response mime type",
        ],
        Mode::JsonObject => &[
            symbol::RESPONSE_FORMAT,
            "json_object",
            "responsemimetype",
            "text.format",
            "response_mime_type",
            "response mime type",
        ],
        Mode::Tool => &[symbol::TOOLS, symbol::TOOL_CHOICE, "function"],
        Mode::Prompt => return false,
    };
    fields.iter().any(|field| error_text.contains(field))
}

/// Whether an error answer rejects the chat-completions `stream_options` field (older Azure API
/// versions and some self-hosted servers do).
pub(crate) fn rejects_stream_usage(status: u16, body: &[u8]) -> bool {
    (400..600).contains(&status)
        && !matches!(status, 401 | 403 | 404 | 408 | 429)
        && String::from_utf8_lossy(body)
            .to_ascii_lowercase()
            .contains(symbol::STREAM_OPTIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_usage_rejections_need_an_error_naming_the_field() {
        assert!(rejects_stream_usage(
            400,
            b"Unrecognized request argument supplied: stream_options"
        ));
        assert!(!rejects_stream_usage(200, b"stream_options"));
        assert!(!rejects_stream_usage(429, b"stream_options"));
        assert!(!rejects_stream_usage(400, b"bad model"));
    }

    #[test]
    fn each_mode_is_rejected_by_its_own_fields_only() {
        assert!(names_a_field_of(
            Mode::JsonSchema,
            "unknown field responsejsonschema"
        ));
        assert!(names_a_field_of(Mode::Tool, "tool_choice must be a string"));
        assert!(!names_a_field_of(
            Mode::JsonObject,
            "tool_choice must be a string"
        ));
        assert!(!names_a_field_of(Mode::Prompt, "response_format"));
        let anthropic =
            "invalid_request_error: output_config.format: extra inputs are not permitted";
        assert!(names_a_field_of(Mode::JsonSchema, anthropic));
        assert!(!names_a_field_of(Mode::JsonObject, anthropic));
    }
}
