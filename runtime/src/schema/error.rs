//! The one error a schema compilation can end with.

use std::fmt;

/// A schema that cannot be expressed in the requested dialect, or that is not a JSON Schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// Where the problem sits, from the type's name: `Person.address.street`, `Shape.oneOf[1]`,
    /// `Array_of_Person[].tags`; `$` stands for a root without a title.
    pub path: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl SchemaError {
    pub(super) fn new(path: &str, reason: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for SchemaError {}
