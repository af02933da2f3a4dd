//! Sampling parameters: declared on the function, overridden per call, merged at send time.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::reasoning::Reasoning;
use crate::spec::Decl;
use crate::web_search::WebSearch;

/// Per-call overrides of the parameters a `#[prompt]` declares.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) model: Option<String>,
    pub(crate) temperature: Option<f64>,
    pub(crate) top_p: Option<f64>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) stop: Option<Vec<String>>,
    pub(crate) presence_penalty: Option<f64>,
    pub(crate) frequency_penalty: Option<f64>,
    pub(crate) logit_bias: Option<Vec<(u32, i32)>>,
    pub(crate) seed: Option<i64>,
    pub(crate) end_user: Option<String>,
    pub(crate) n: Option<u32>,
    pub(crate) cache: Option<bool>,
    pub(crate) reasoning: Option<Reasoning>,
    pub(crate) web_search: Option<WebSearch>,
}

impl Overrides {
    /// No override at all: what a call that sets none reads (such a call holds no `Overrides`,
    /// so that moving it copies a pointer instead of these fields).
    pub(crate) const NONE: &'static Self = &Self {
        model: None,
        temperature: None,
        top_p: None,
        max_tokens: None,
        stop: None,
        presence_penalty: None,
        frequency_penalty: None,
        logit_bias: None,
        seed: None,
        end_user: None,
        n: None,
        cache: None,
        reasoning: None,
        web_search: None,
    };
}

/// The sampling parameters of one request, borrowed from the overrides or the declaration.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sampling<'a> {
    pub(crate) temperature: Option<f64>,
    pub(crate) top_p: Option<f64>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) stop: Option<StrList<'a>>,
    pub(crate) presence_penalty: Option<f64>,
    pub(crate) frequency_penalty: Option<f64>,
    pub(crate) logit_bias: Option<&'a [(u32, i32)]>,
    pub(crate) seed: Option<i64>,
    pub(crate) end_user: Option<&'a str>,
    pub(crate) n: Option<u32>,
    /// Mark the prompt's stable prefix as cacheable (off unless declared or set per call).
    pub(crate) cache: bool,
    pub(crate) reasoning: Option<Reasoning>,
    /// Let the model search the web (`None`: off, whether by default or by `false`).
    pub(crate) web_search: Option<WebSearch>,
}

impl<'a> Sampling<'a> {
    /// Per call beats the declaration.
    pub(crate) fn merge(spec: &'static Decl, o: &'a Overrides) -> Self {
        let non_empty = |s: &'static [&'static str]| (!s.is_empty()).then_some(StrList::Static(s));
        Self {
            temperature: o.temperature.or(spec.temperature),
            top_p: o.top_p.or(spec.top_p),
            max_tokens: o.max_tokens.or(spec.max_tokens),
            stop: o
                .stop
                .as_deref()
                .map(StrList::Owned)
                .or_else(|| non_empty(spec.stop)),
            presence_penalty: o.presence_penalty.or(spec.presence_penalty),
            frequency_penalty: o.frequency_penalty.or(spec.frequency_penalty),
            logit_bias: o
                .logit_bias
                .as_deref()
                .or((!spec.logit_bias.is_empty()).then_some(spec.logit_bias)),
            seed: o.seed.or(spec.seed),
            end_user: o.end_user.as_deref().or(spec.end_user),
            n: Self::n_of(spec, o),
            cache: o.cache.or(spec.cache).unwrap_or(false),
            reasoning: o.reasoning.or(spec.reasoning),
            web_search: o
                .web_search
                .or(spec.web_search.map(WebSearch::from))
                .filter(WebSearch::is_on),
        }
    }

    /// How many answers a request asks for (per call, else declared): what [`merge`](Self::merge)
    /// puts in `n`, without merging the rest, for the call's bookkeeping.
    pub(crate) fn n_of(spec: &'static Decl, o: &Overrides) -> Option<u32> {
        o.n.or(spec.n)
    }
}

/// A list of strings that is either declared (`'static`) or given per call.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StrList<'a> {
    Static(&'static [&'static str]),
    Owned(&'a [String]),
}

impl Serialize for StrList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        match self {
            Self::Static(items) => items.iter().try_for_each(|i| seq.serialize_element(i))?,
            Self::Owned(items) => items.iter().try_for_each(|i| seq.serialize_element(i))?,
        }
        seq.end()
    }
}

/// `logit_bias` goes on the wire as `{"<token id>": bias}`.
pub(crate) struct LogitBias<'a>(pub(crate) &'a [(u32, i32)]);

impl Serialize for LogitBias<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (token, bias) in self.0 {
            map.serialize_entry(&token.to_string(), bias)?;
        }
        map.end()
    }
}
