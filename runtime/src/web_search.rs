//! The one web-search setting (`#[prompt(web_search = true)]`,
//! [`Call::web_search`](crate::Call::web_search)), which each dialect maps onto its own:
//! chat-completions `web_search_options`, the Responses `web_search` tool, Gemini's
//! `google_search` grounding tool, Anthropic's server `web_search` tool. What the model cites
//! comes back as [`Response::sources`](crate::Response::sources).

/// Let the model search the web before it answers, on models and servers that offer it.
///
/// `WebSearch::from(true)` (or `.web_search(true)` on a call) turns it on with the provider's
/// defaults; the two options below are each honoured where the provider has them and ignored
/// elsewhere:
///
/// | option | chat-completions | Responses | Gemini | Anthropic |
/// |---|---|---|---|---|
/// | [`context_size`](Self::context_size) | `search_context_size` | `search_context_size` | — | — |
/// | [`max_uses`](Self::max_uses) | — | — | — | `max_uses` |
///
/// ```
/// use promptfn::{SearchContextSize, WebSearch};
///
/// let search = WebSearch::on().context_size(SearchContextSize::Low).max_uses(3);
/// assert!(search.is_on());
/// assert!(!WebSearch::from(false).is_on());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct WebSearch {
    on: bool,
    context_size: Option<SearchContextSize>,
    max_uses: Option<u32>,
}

impl WebSearch {
    /// Web search on, with the provider's defaults.
    pub fn on() -> Self {
        Self {
            on: true,
            ..Self::default()
        }
    }

    /// How much of what the search finds goes into the model's context (OpenAI's
    /// `search_context_size`; the provider's default is medium).
    pub fn context_size(mut self, size: SearchContextSize) -> Self {
        self.context_size = Some(size);
        self
    }

    /// The most searches the model may run for one request (Anthropic's `max_uses`).
    pub fn max_uses(mut self, uses: u32) -> Self {
        self.max_uses = Some(uses);
        self
    }

    /// Whether the model may search.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// The context size asked for, if any.
    pub fn search_context_size(&self) -> Option<SearchContextSize> {
        self.context_size
    }

    /// The most searches asked for, if any.
    pub fn uses(&self) -> Option<u32> {
        self.max_uses
    }
}

impl From<bool> for WebSearch {
    fn from(on: bool) -> Self {
        Self {
            on,
            ..Self::default()
        }
    }
}

/// How much of what a web search finds goes into the model's context: more costs more and
/// answers better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SearchContextSize {
    /// Least context: cheapest and fastest.
    Low,
    /// The providers' default.
    Medium,
    /// Most context.
    High,
}

impl SearchContextSize {
    /// The size as OpenAI's `search_context_size` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}
