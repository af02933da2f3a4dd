//! A request as a test double saw it, with accessors for the assertions tests make most.

use serde_json::Value;

use super::dialects::{anthropic, gemini, responses};
use crate::structured::{Mode, SCHEMA_INSTRUCTION_LEAD};
use crate::wire::dialect::Dialect;
use crate::wire::symbol;

/// One request that reached a [`MockClient`](super::MockClient), kept for assertions.
///
/// The body is the exact JSON the runtime would have sent to a server, in the client's
/// [`Dialect`]; the accessors read the parts tests usually check (the rendered prompt, the
/// model, the structured-output mode) in whichever dialect the body is written.
///
/// ```
/// # use promptfn::testing::MockRequest;
/// # use serde_json::json;
/// let request = MockRequest::new(
///     "greet",
///     json!({"model": "m", "messages": [{"role": "user", "content": "Say hi to Bob"}]}),
/// );
/// assert_eq!(request.prompt(), "Say hi to Bob");
/// assert_eq!(request.model(), Some("m"));
/// assert_eq!(request.mode(), None); // plain text: no structured output asked for
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MockRequest {
    /// The name of the prompt function that made the request.
    pub function: String,
    /// Its path (`my_app::Planner::run`), which tells apart functions of the same name;
    /// the name again for a request made with [`new`](Self::new).
    pub function_path: String,
    /// The request body as JSON (a JSON string holding the text if the body was not JSON).
    pub body: Value,
    /// Whether the request asked for a streamed (SSE) answer.
    pub stream: bool,
    /// The endpoint, relative to the base URL: `chat/completions` (or a native dialect's:
    /// `messages`, `models/{model}:generateContent`, `responses`), `embeddings`,
    /// `images/generations`, `audio/speech`…
    pub path: String,
    /// The dialect the body is written in (the client's, for its model).
    dialect: Dialect,
}

impl MockRequest {
    /// A request of `function` with this body, as the runtime would build it (for unit tests of
    /// code that takes a `MockRequest`, such as the closures given to
    /// [`Reply::from_fn`](super::Reply::from_fn)).
    pub fn new(function: impl Into<String>, body: Value) -> Self {
        let stream = body.get(symbol::STREAM).and_then(Value::as_bool) == Some(true);
        let function = function.into();
        Self {
            function_path: function.clone(),
            function,
            body,
            stream,
            path: CHAT_PATH.to_owned(),
            dialect: Dialect::ChatCompletions,
        }
    }

    /// The same request in `dialect` (its body written as that dialect writes it).
    pub fn in_dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    pub(crate) fn from_wire(
        function: &str,
        function_path: &str,
        body: &[u8],
        stream: bool,
        path: &str,
        dialect: Dialect,
    ) -> Self {
        let body = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
        Self {
            function: function.to_owned(),
            function_path: function_path.to_owned(),
            body,
            stream,
            path: path.to_owned(),
            dialect,
        }
    }

    /// The dialect the body is written in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether the request is a chat request, in any dialect (not one to another endpoint).
    pub(crate) fn is_chat(&self) -> bool {
        self.dialect != Dialect::ChatCompletions || self.path == CHAT_PATH
    }

    /// The `model` the request names (in its path for Gemini).
    pub fn model(&self) -> Option<&str> {
        match self.dialect {
            Dialect::GeminiGenerateContent => gemini::model(&self.path),
            _ => self.body.get("model").and_then(Value::as_str),
        }
    }

    /// The conversation's turns: `messages` (chat-completions, Anthropic), `contents`
    /// (Gemini) or `input` (Responses); empty if the body has none.
    pub fn messages(&self) -> &[Value] {
        let key = match self.dialect {
            Dialect::GeminiGenerateContent => "contents",
            Dialect::OpenAiResponses => "input",
            _ => "messages",
        };
        self.body
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// The text of the last user message that has text (a turn of tool results has none),
    /// without the structured-output instruction promptfn appends in the `json_object` and
    /// `prompt` modes: the prompt as the template rendered it.
    /// For the other endpoints: the body's `prompt` (images) or text `input` (speech,
    /// embeddings of one text).
    pub fn prompt(&self) -> String {
        if !self.is_chat() {
            return ["prompt", "input"]
                .iter()
                .find_map(|key| self.body.get(*key).and_then(Value::as_str))
                .unwrap_or_default()
                .to_owned();
        }
        let text = self
            .messages()
            .iter()
            .rev()
            .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .map(message_text)
            .find(|text| !text.is_empty())
            .unwrap_or_default();
        match text.find(instruction_marker()) {
            Some(at) => text[..at].to_owned(),
            None => text,
        }
    }

    /// The text of the system message (Anthropic `system`, Gemini `systemInstruction`,
    /// Responses `instructions`), if the request has one.
    pub fn system(&self) -> Option<String> {
        match self.dialect {
            Dialect::AnthropicMessages => return anthropic::system(&self.body),
            Dialect::GeminiGenerateContent => return gemini::system(&self.body),
            Dialect::OpenAiResponses => {
                if let Some(text) = responses::system(&self.body) {
                    return Some(text);
                }
            }
            Dialect::ChatCompletions => {}
        }
        self.messages()
            .iter()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("system"))
            .map(message_text)
    }

    /// The name of the function the request forces the model to call (`tool_choice`; Gemini's
    /// `toolConfig`), if any.
    pub fn forced_tool(&self) -> Option<&str> {
        match self.dialect {
            Dialect::AnthropicMessages => return anthropic::forced_tool(&self.body),
            Dialect::GeminiGenerateContent => return gemini::forced_tool(&self.body),
            Dialect::OpenAiResponses => return responses::forced_tool(&self.body),
            Dialect::ChatCompletions => {}
        }
        self.body
            .get(symbol::TOOL_CHOICE)?
            .get("function")?
            .get("name")?
            .as_str()
    }

    /// How the request asks for a structured answer, read from the body: `None` for plain text.
    pub fn mode(&self) -> Option<Mode> {
        let native = match self.dialect {
            Dialect::ChatCompletions => match self
                .body
                .get(symbol::RESPONSE_FORMAT)
                .and_then(|f| f.get("type"))
                .and_then(Value::as_str)
            {
                Some("json_schema") => Some(Mode::JsonSchema),
                Some("json_object") => Some(Mode::JsonObject),
                _ => None,
            },
            Dialect::AnthropicMessages => anthropic::mode(&self.body),
            Dialect::GeminiGenerateContent => gemini::mode(&self.body),
            Dialect::OpenAiResponses => responses::mode(&self.body),
        };
        if native.is_some() {
            return native;
        }
        if self.forced_tool().is_some() {
            return Some(Mode::Tool);
        }
        let marker = instruction_marker();
        self.messages()
            .iter()
            .any(|m| message_text(m).contains(marker))
            .then_some(Mode::Prompt)
    }

    /// The JSON Schema the request sends for the answer (`response_format` or the forced tool's
    /// parameters), if it sends one.
    pub(crate) fn answer_schema(&self) -> Option<&Value> {
        match self.dialect {
            Dialect::AnthropicMessages => return anthropic::answer_schema(&self.body),
            Dialect::GeminiGenerateContent => return gemini::answer_schema(&self.body),
            Dialect::OpenAiResponses => return responses::answer_schema(&self.body),
            Dialect::ChatCompletions => {}
        }
        let format = self.body.get(symbol::RESPONSE_FORMAT);
        if let Some(schema) = format
            .and_then(|f| f.get("json_schema"))
            .and_then(|s| s.get("schema"))
            .or_else(|| format.and_then(|f| f.get("schema")))
        {
            return Some(schema);
        }
        let tool = self.forced_tool()?;
        self.body
            .get(symbol::TOOLS)?
            .as_array()?
            .iter()
            .map(|t| t.get("function").unwrap_or(t))
            .find(|f| f.get("name").and_then(Value::as_str) == Some(tool))?
            .get("parameters")
    }

    /// How many choices the request asks for (`n`, Gemini's `candidateCount`; default 1).
    pub(crate) fn choices(&self) -> usize {
        let n = match self.dialect {
            Dialect::GeminiGenerateContent => gemini::candidate_count(&self.body),
            _ => self.body.get(symbol::N).and_then(Value::as_u64),
        };
        n.map_or(1, |n| n.clamp(1, 16) as usize)
    }
}

/// The chat-completions path, relative to the base URL.
const CHAT_PATH: &str = "chat/completions";

/// The start of the instruction that carries the schema in the prompt (the schema follows it).
fn instruction_marker() -> &'static str {
    SCHEMA_INSTRUCTION_LEAD
}

/// A message's text: its string content, or its text parts (Gemini's `parts`) joined.
fn message_text(message: &Value) -> String {
    match message.get("content").or_else(|| message.get("parts")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_prompt_leaves_out_the_schema_instruction() {
        let instructed = format!(
            "Is it true?{}",
            crate::structured::schema_instruction(&json!({"type": "object"}))
        );
        let r = MockRequest::new(
            "check",
            json!({"model": "m", "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": instructed}]}
            ]}),
        );
        assert_eq!(r.prompt(), "Is it true?");
        assert_eq!(r.system().as_deref(), Some("Be brief."));
        assert_eq!(r.mode(), Some(Mode::Prompt));
    }

    #[test]
    fn modes_and_schemas_are_read_from_the_body() {
        let schema = json!({"type": "object"});
        let r = MockRequest::new(
            "f",
            json!({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}}),
        );
        assert_eq!(r.mode(), Some(Mode::JsonSchema));
        assert_eq!(r.answer_schema(), Some(&schema));
        let r = MockRequest::new(
            "f",
            json!({"response_format": {"type": "json_object", "schema": schema}}),
        );
        assert_eq!(r.mode(), Some(Mode::JsonObject));
        assert_eq!(r.answer_schema(), Some(&schema));
        let r = MockRequest::new(
            "f",
            json!({
                "tools": [{"type": "function", "function": {"name": "answer", "parameters": schema}}],
                "tool_choice": {"type": "function", "function": {"name": "answer"}},
                "stream": true,
                "n": 3
            }),
        );
        assert_eq!(r.mode(), Some(Mode::Tool));
        assert_eq!(r.forced_tool(), Some("answer"));
        assert_eq!(r.answer_schema(), Some(&schema));
        assert!(r.stream);
        assert_eq!(r.choices(), 3);
    }

    #[test]
    fn native_dialect_bodies_are_read_in_their_own_shapes() {
        let schema = json!({"type": "object"});
        let claude = MockRequest::new(
            "f",
            json!({"model": "claude-x", "system": [{"type": "text", "text": "Be brief."}],
                "messages": [
                    {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
                    {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "w", "input": {}}]},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]}
                ],
                "tools": [{"name": "answer", "input_schema": schema}],
                "tool_choice": {"type": "tool", "name": "answer"}}),
        )
        .in_dialect(Dialect::AnthropicMessages);
        assert_eq!(claude.dialect(), Dialect::AnthropicMessages);
        assert_eq!(
            claude.prompt(),
            "Hi",
            "a turn of tool results is not the prompt"
        );
        assert_eq!(claude.system().as_deref(), Some("Be brief."));
        assert_eq!(claude.model(), Some("claude-x"));
        assert_eq!(claude.forced_tool(), Some("answer"));
        assert_eq!(claude.mode(), Some(Mode::Tool));
        assert_eq!(claude.answer_schema(), Some(&schema));

        let mut gemini = MockRequest::new(
            "f",
            json!({"systemInstruction": {"parts": [{"text": "Be brief."}]},
                "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
                "generationConfig": {"responseMimeType": "application/json",
                    "responseJsonSchema": schema, "candidateCount": 2}}),
        )
        .in_dialect(Dialect::GeminiGenerateContent);
        gemini.path = "models/gemini-2.5-flash:generateContent".into();
        assert_eq!(gemini.model(), Some("gemini-2.5-flash"));
        assert_eq!(gemini.prompt(), "Hi");
        assert_eq!(gemini.system().as_deref(), Some("Be brief."));
        assert_eq!(gemini.mode(), Some(Mode::JsonSchema));
        assert_eq!(gemini.answer_schema(), Some(&schema));
        assert_eq!(gemini.choices(), 2);
        gemini.body = json!({"generationConfig": {"responseMimeType": "application/json"}});
        assert_eq!(gemini.mode(), Some(Mode::JsonObject));

        let responses = MockRequest::new(
            "f",
            json!({"model": "o4-mini", "instructions": "Be brief.",
                "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
                "tools": [{"type": "function", "name": "answer", "parameters": schema}],
                "tool_choice": {"type": "function", "name": "answer"}}),
        )
        .in_dialect(Dialect::OpenAiResponses);
        assert_eq!(responses.prompt(), "Hi");
        assert_eq!(responses.system().as_deref(), Some("Be brief."));
        assert_eq!(responses.mode(), Some(Mode::Tool));
        assert_eq!(responses.answer_schema(), Some(&schema));
        assert!(responses.is_chat());
    }

    #[test]
    fn a_body_that_is_not_json_is_kept_as_text() {
        let r = MockRequest::from_wire(
            "f",
            "f",
            b"not json",
            false,
            CHAT_PATH,
            Dialect::ChatCompletions,
        );
        assert_eq!(r.body, Value::String("not json".into()));
        assert!(r.messages().is_empty());
        assert_eq!(r.prompt(), "");
        assert_eq!(r.mode(), None);
    }
}
