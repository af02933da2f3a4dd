//! Why a value does not fit the schema, and which of several failures explains it best.

use super::outcome::DecodeFailureKind;

/// Why a value does not fit.
#[derive(Debug)]
pub(super) struct CoerceError {
    pub(super) kind: DecodeFailureKind,
    pub(super) path: String,
    /// How far into the value the failure lies; across branches, the failure that got
    /// furthest explains the most.
    pub(super) depth: usize,
    pub(super) detail: Detail,
}

#[derive(Debug)]
pub(super) enum Detail {
    /// A precise statement: a bound, a missing property, a fraction where an integer belongs.
    Specific(String),
    /// The wrong kind of value here. Across branches such failures at one place merge into
    /// one "expected A or B" message.
    WrongKind {
        /// Alternatives, each a type name or a backticked constant.
        expected: Vec<String>,
        found: String,
    },
}

impl CoerceError {
    /// What went wrong, without the path.
    pub(super) fn message(&self) -> String {
        match &self.detail {
            Detail::Specific(message) => message.clone(),
            Detail::WrongKind { expected, found } => {
                format!("expected {}, found {found}", render_expected(expected))
            }
        }
    }

    pub(super) fn is_specific(&self) -> bool {
        matches!(self.detail, Detail::Specific(_))
    }
}

/// Of two failures, the one that explains more: deeper, else specific, else the first.
pub(super) fn further(first: Box<CoerceError>, second: Box<CoerceError>) -> Box<CoerceError> {
    let deeper = second.depth > first.depth;
    let sharper = second.depth == first.depth && second.is_specific() && !first.is_specific();
    if deeper || sharper { second } else { first }
}

/// One failure for a set of branches: the deepest, a specific one first; wrong-kind failures
/// at that same place merge their expectations ("expected one of `circle`, `rectangle`").
pub(super) fn merge(failures: Vec<CoerceError>) -> Option<CoerceError> {
    let deepest = failures.iter().map(|f| f.depth).max()?;
    let mut candidates: Vec<CoerceError> = failures
        .into_iter()
        .filter(|f| f.depth == deepest)
        .collect();
    if let Some(at) = candidates.iter().position(CoerceError::is_specific) {
        return Some(candidates.swap_remove(at));
    }
    let mut rest = candidates.into_iter();
    let mut merged = rest.next()?;
    for other in rest {
        if other.path != merged.path {
            continue;
        }
        if let (Detail::WrongKind { expected, .. }, Detail::WrongKind { expected: more, .. }) =
            (&mut merged.detail, other.detail)
        {
            for alternative in more {
                if !expected.contains(&alternative) {
                    expected.push(alternative);
                }
            }
        }
    }
    Some(merged)
}

/// "one of `A`, `B`" for constants, "integer or null" for types.
fn render_expected(alternatives: &[String]) -> String {
    const SHOWN: usize = 12;
    let shown: Vec<&str> = alternatives
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect();
    let hidden = alternatives.len().saturating_sub(SHOWN);
    let tail = if hidden > 0 {
        format!(" (and {hidden} more)")
    } else {
        String::new()
    };
    let constants = alternatives.len() > 1 && alternatives.iter().all(|a| a.starts_with('`'));
    if constants {
        format!("one of {}{tail}", shown.join(", "))
    } else {
        format!("{}{tail}", shown.join(" or "))
    }
}
