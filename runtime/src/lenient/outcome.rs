//! What [`decode`](super::decode) hands back: the value with its repairs, or a precise failure.

use std::fmt;

/// A value read from a model's answer, with every liberty taken to get it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Decoded {
    /// The JSON value, already shaped by the schema; ready for `serde_json::from_value`.
    pub value: serde_json::Value,
    /// Every repair and coercion applied, in the order applied; empty for strict JSON that
    /// fits the schema as it is.
    pub repairs: Vec<Repair>,
}

/// One liberty taken while reading an answer.
///
/// Syntax repairs are listed once per kind; coercions once per place, with the JSON path
/// (`$`, `$.items[2].name`) of the value they changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Repair {
    /// A leading `<think>…</think>` reasoning block was skipped.
    StrippedReasoning,
    /// The JSON was taken from a fenced code block (```` ```json … ``` ````).
    FencedBlock,
    /// Text around the JSON value was ignored.
    ExtractedFromProse,
    /// The whole answer (or its first line) was not JSON and was read as one string.
    TextAsString,
    /// A comma before `}` or `]` was removed.
    TrailingComma,
    /// A missing comma between members or items was assumed.
    MissingComma,
    /// `//`, `/* */` or `#` comments were removed.
    Comment,
    /// Single-quoted strings were read as strings.
    SingleQuotes,
    /// Unquoted property names were read as strings.
    UnquotedKey,
    /// Python literals `True`, `False`, `None` were read as `true`, `false`, `null`.
    PythonLiteral,
    /// A quote inside a string that did not end it was kept as a character.
    UnescapedQuote,
    /// An unknown or broken escape sequence was kept as written.
    InvalidEscape,
    /// A raw control character (such as a newline) inside a string was kept.
    ControlCharacterInString,
    /// A number written outside JSON's grammar (`+1`, `.5`, `1.`, `007`) was read.
    NonStandardNumber,
    /// A string left open by the end of the answer was closed.
    ClosedString,
    /// Objects or arrays left open by the end of the answer were closed.
    ClosedBrackets,
    /// A member cut off by the end of the answer (a key without a value) was dropped.
    DroppedTruncatedMember,
    /// A literal cut off by the end of the answer (`tr`, `fals`, `nu`) was completed.
    CompletedLiteral,
    /// A string holding a number was read as that number.
    StringToNumber {
        /// Where.
        path: String,
    },
    /// A number was written as a string where a string is expected.
    NumberToString {
        /// Where.
        path: String,
    },
    /// The string `"true"` or `"false"` was read as a boolean.
    StringToBool {
        /// Where.
        path: String,
    },
    /// The string `"null"`, `"none"` or `""` was read as `null` where only `null` fits.
    StringToNull {
        /// Where.
        path: String,
    },
    /// A float without fractional part (`3.0`) was read as an integer.
    FloatToInteger {
        /// Where.
        path: String,
    },
    /// A single value was wrapped into a one-element list.
    SingleValueToList {
        /// Where.
        path: String,
    },
    /// A one-element list was replaced by its element.
    SingleElementListToValue {
        /// Where.
        path: String,
    },
    /// An enum variant (or `const`) was matched ignoring letter case.
    EnumCaseInsensitive {
        /// Where.
        path: String,
        /// What the model wrote.
        from: String,
        /// The variant chosen.
        to: String,
    },
    /// An enum variant was matched ignoring case, spaces, `_` and `-` (`in progress` → `IN_PROGRESS`).
    EnumNormalized {
        /// Where.
        path: String,
        /// What the model wrote.
        from: String,
        /// The variant chosen.
        to: String,
    },
    /// A property that is neither required nor present, but nullable, was set to `null`.
    NullForMissingOptional {
        /// Where (the property's path).
        path: String,
    },
    /// A property name was matched to the schema's name ignoring case, `_` and `-`.
    RenamedProperty {
        /// The object's path.
        path: String,
        /// The name the model wrote.
        from: String,
        /// The schema's name.
        to: String,
    },
    /// A property the schema forbids (`additionalProperties: false`) was dropped.
    DroppedUnknownProperty {
        /// Where (the dropped property's path).
        path: String,
    },
    /// A bare value was wrapped as `{"value": …}`, the shape of a wrapped non-object root.
    WrappedInValueObject {
        /// Where.
        path: String,
    },
    /// An object with a single property was replaced by that property's value.
    UnwrappedSingleKeyObject {
        /// Where.
        path: String,
        /// The property that held the value.
        key: String,
    },
    /// A string holding JSON was parsed where an object or array is expected.
    ParsedJsonString {
        /// Where.
        path: String,
    },
}

impl Repair {
    /// Whether the repair made up the end of an answer that stopped early (a string or
    /// brackets closed, a cut member dropped, a cut literal completed, prose read as a
    /// string): an answer cut at the token limit and read with one of these is not whole.
    pub(crate) fn fills_a_cut_end(&self) -> bool {
        matches!(
            self,
            Self::ClosedString
                | Self::ClosedBrackets
                | Self::DroppedTruncatedMember
                | Self::CompletedLiteral
                | Self::TextAsString
        )
    }
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StrippedReasoning => f.write_str("skipped a <think> reasoning block"),
            Self::FencedBlock => f.write_str("took the JSON from a fenced code block"),
            Self::ExtractedFromProse => f.write_str("ignored text around the JSON value"),
            Self::TextAsString => f.write_str("read text that is not JSON as a string"),
            Self::TrailingComma => f.write_str("removed trailing commas"),
            Self::MissingComma => f.write_str("inserted missing commas"),
            Self::Comment => f.write_str("removed comments"),
            Self::SingleQuotes => f.write_str("read single-quoted strings"),
            Self::UnquotedKey => f.write_str("read unquoted property names"),
            Self::PythonLiteral => f.write_str("read Python literals True/False/None"),
            Self::UnescapedQuote => f.write_str("kept unescaped quotes inside strings"),
            Self::InvalidEscape => f.write_str("kept invalid escape sequences as written"),
            Self::ControlCharacterInString => {
                f.write_str("kept raw control characters inside strings")
            }
            Self::NonStandardNumber => f.write_str("read numbers written outside JSON's grammar"),
            Self::ClosedString => f.write_str("closed a string cut off by the end of the answer"),
            Self::ClosedBrackets => {
                f.write_str("closed objects or arrays cut off by the end of the answer")
            }
            Self::DroppedTruncatedMember => {
                f.write_str("dropped a member cut off by the end of the answer")
            }
            Self::CompletedLiteral => {
                f.write_str("completed a literal cut off by the end of the answer")
            }
            Self::StringToNumber { path } => write!(f, "{path}: read a string as a number"),
            Self::NumberToString { path } => write!(f, "{path}: read a number as a string"),
            Self::StringToBool { path } => write!(f, "{path}: read a string as a boolean"),
            Self::StringToNull { path } => write!(f, "{path}: read a string as null"),
            Self::FloatToInteger { path } => write!(f, "{path}: read a whole float as an integer"),
            Self::SingleValueToList { path } => {
                write!(f, "{path}: wrapped a single value into a list")
            }
            Self::SingleElementListToValue { path } => {
                write!(f, "{path}: replaced a one-element list by its element")
            }
            Self::EnumCaseInsensitive { path, from, to } => {
                write!(f, "{path}: matched `{from}` to `{to}` ignoring case")
            }
            Self::EnumNormalized { path, from, to } => {
                write!(
                    f,
                    "{path}: matched `{from}` to `{to}` ignoring case and separators"
                )
            }
            Self::NullForMissingOptional { path } => {
                write!(f, "{path}: set a missing optional property to null")
            }
            Self::RenamedProperty { path, from, to } => {
                write!(f, "{path}: read property `{from}` as `{to}`")
            }
            Self::DroppedUnknownProperty { path } => {
                write!(f, "{path}: dropped a property the schema does not allow")
            }
            Self::WrappedInValueObject { path } => {
                write!(f, "{path}: wrapped a bare value as {{\"value\": …}}")
            }
            Self::UnwrappedSingleKeyObject { path, key } => {
                write!(f, "{path}: took the value of the only property `{key}`")
            }
            Self::ParsedJsonString { path } => write!(f, "{path}: parsed a string holding JSON"),
        }
    }
}

/// Why an answer could not be read as a value of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeFailure {
    /// What went wrong and where, for people and for a re-ask prompt: the JSON path, what was
    /// expected and what was found, or the line and column of a syntax error.
    pub reason: String,
    /// The class of failure.
    pub kind: DecodeFailureKind,
    /// JSON path of the offending value, when the failure concerns one.
    pub path: Option<String>,
}

/// The class of a [`DecodeFailure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeFailureKind {
    /// Nothing in the answer looks like a value.
    NoJson,
    /// Something looks like JSON but could not be repaired.
    Syntax,
    /// A value was read but does not fit the schema, and no safe coercion makes it fit.
    Mismatch,
    /// The answer nests deeper than the decoder follows.
    TooDeep,
    /// Matching the value against the schema took more work than allowed.
    TooComplex,
    /// Reading the answer was still going when its deadline passed (for a call, its
    /// timeout), so it was abandoned: whatever the answer holds, a decode ends in time.
    Deadline,
    /// The schema itself cannot be followed (for instance, an unresolvable `$ref`).
    InvalidSchema,
}

impl DecodeFailure {
    pub(super) fn new(kind: DecodeFailureKind, reason: String, path: Option<String>) -> Self {
        Self { reason, kind, path }
    }
}

impl fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for DecodeFailure {}
