//! Partial objects while they stream: the [`Partial`] trait and the incremental reader behind
//! its snapshots.
//!
//! `#[derive(Partial)]` gives a struct or enum a *partial form*, `<T as Partial>::Partial`:
//! the same shape with every field optional, nested types as their own partial forms and lists
//! as lists of partial elements. While an answer streams, the [`Parser`] reads each delta once
//! into a tree of the JSON so far, and a snapshot of the partial form is read off that tree.

mod fields;
mod parser;
mod tree;

#[cfg(test)]
mod tests;

pub use fields::{PartialField, complete_field, partial_field, variant_index};
pub use parser::Parser;
pub use tree::Node;

use std::fmt::Debug;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// A type whose value can be watched while the model writes it: the output of
/// `#[derive(promptfn::Partial)]`.
///
/// The derive writes a companion type, `<T as Partial>::Partial` (named `TPartial`, with the
/// type's visibility), and [`Call::stream`](crate::Call::stream) on a function returning `T`
/// gives a [`PartialStream`](crate::PartialStream) of its snapshots:
///
/// - every field is an `Option`, `None` until the model has started writing it (a field with
///   a serde default holds the default until then);
/// - strings grow as they arrive; numbers and booleans appear only once whole;
/// - a nested type appears as its own partial form; a `Vec<T>` as a list of partial elements
///   whose last one may be incomplete;
/// - an enum appears only once its variant is known;
/// - `#[partial(done)]` on a field: it appears only once its value is complete;
/// - `#[partial(required)]` on a field: no snapshot (of the enclosing type) until it is there.
///
/// serde's `rename`, `rename_all`, `alias`, `default`, `skip` and enum tagging (`tag`,
/// `content`) are followed, so the partial form reads the same JSON as `Deserialize`.
///
/// ```
/// use promptfn::Partial;
/// # use schemars::JsonSchema; use serde::Deserialize;
///
/// #[derive(Debug, Deserialize, JsonSchema, Partial)]
/// struct Order {
///     #[partial(required)]
///     customer: String,
///     items: Vec<Item>,
///     note: Option<String>,
/// }
///
/// #[derive(Debug, Deserialize, JsonSchema, Partial)]
/// struct Item {
///     name: String,
///     #[partial(done)]
///     quantity: u32,
/// }
///
/// let snapshot: OrderPartial = OrderPartial {
///     customer: Some("Ana".into()),
///     items: Some(vec![ItemPartial { name: Some("app".into()), quantity: None }]),
///     note: None,
/// };
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no partial form",
    label = "this type needs `#[derive(promptfn::Partial)]`",
    note = "add `#[derive(promptfn::Partial)]` beside `Deserialize` and `JsonSchema` on `{Self}`"
)]
pub trait Partial: DeserializeOwned + JsonSchema + Send + 'static {
    /// The snapshot type: the same shape with every field optional.
    type Partial: Clone + Debug + PartialEq + Send + 'static;

    /// Whether the JSON may travel wrapped as `{"value": …}` (a non-object root).
    #[doc(hidden)]
    const WRAPPED: bool = false;

    /// The snapshot of a value read so far; `None` while it is not there yet (an enum whose
    /// variant is unknown, a struct whose required field is missing).
    #[doc(hidden)]
    fn partial_of(node: Node<'_>) -> Option<Self::Partial>;

    /// The snapshot of a finished value.
    #[doc(hidden)]
    fn partial_from(value: &Self) -> Option<Self::Partial>;
}

/// The snapshot of the answer read so far, following the wrapper non-object roots travel in.
pub(crate) fn snapshot<T: Partial>(parser: &Parser) -> Option<T::Partial> {
    let root = parser.root()?;
    T::partial_of(root).or_else(|| {
        if T::WRAPPED {
            T::partial_of(root.member("value")?)
        } else {
            None
        }
    })
}
