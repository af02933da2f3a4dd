//! The partial form of each field type: `String`, numbers, `bool`, `char`, `Option`, `Vec`,
//! maps with string keys, `serde_json::Value`, and every `#[derive(Partial)]` type.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use serde_json::Value;

use super::Partial;
use super::tree::Node;

/// How a field's type appears in a snapshot. Generated code names it; users derive
/// [`Partial`] instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no partial form to stream",
    label = "this field's type has no partial form",
    note = "derive `promptfn::Partial` on `{Self}` (or on the type it holds) too, or leave the field out of the answer with `#[serde(skip)]`"
)]
pub trait PartialField {
    /// The field's type in a snapshot (inside the field's `Option`).
    type Partial: Clone + Debug + PartialEq + Send + 'static;

    /// The field's value read so far; `None` while nothing usable has arrived.
    fn partial(node: Node<'_>) -> Option<Self::Partial>;

    /// A finished value as a snapshot (a serde default, the final value).
    fn complete(value: &Self) -> Option<Self::Partial>;
}

/// A field's snapshot; with `done`, only once its value is complete.
pub fn partial_field<F: PartialField>(node: Node<'_>, done: bool) -> Option<F::Partial> {
    if done && !node.is_complete() {
        return None;
    }
    F::partial(node)
}

/// A finished field value (a serde default) as a snapshot.
pub fn complete_field<F: PartialField>(value: &F) -> Option<F::Partial> {
    F::complete(value)
}

/// Which of `names` a variant name is: exactly, else ignoring ASCII case (as the tolerant
/// decoder reads enum variants).
pub fn variant_index(name: &str, names: &[&str]) -> Option<usize> {
    names
        .iter()
        .position(|n| *n == name)
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(name)))
}

impl<T: Partial> PartialField for T {
    type Partial = T::Partial;

    fn partial(node: Node<'_>) -> Option<Self::Partial> {
        T::partial_of(node)
    }

    fn complete(value: &Self) -> Option<Self::Partial> {
        T::partial_from(value)
    }
}

impl PartialField for String {
    type Partial = String;

    fn partial(node: Node<'_>) -> Option<String> {
        node.as_str().map(str::to_owned)
    }

    fn complete(value: &Self) -> Option<String> {
        Some(value.clone())
    }
}

impl PartialField for char {
    type Partial = char;

    fn partial(node: Node<'_>) -> Option<char> {
        let mut chars = node.as_str().filter(|_| node.is_complete())?.chars();
        let c = chars.next()?;
        chars.next().is_none().then_some(c)
    }

    fn complete(value: &Self) -> Option<char> {
        Some(*value)
    }
}

impl PartialField for bool {
    type Partial = bool;

    fn partial(node: Node<'_>) -> Option<bool> {
        node.as_bool().or_else(|| match complete_text(node)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
    }

    fn complete(value: &Self) -> Option<bool> {
        Some(*value)
    }
}

/// A complete string's text (models put numbers and booleans in strings).
fn complete_text(node: Node<'_>) -> Option<&str> {
    node.as_str().filter(|_| node.is_complete()).map(str::trim)
}

/// A whole number's text, or a complete string holding one.
fn number_text(node: Node<'_>) -> Option<&str> {
    node.as_number().or_else(|| complete_text(node))
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl PartialField for $t {
            type Partial = $t;

            fn partial(node: Node<'_>) -> Option<$t> {
                let text = number_text(node)?;
                text.parse::<$t>().ok().or_else(|| {
                    // `3.0` and `3e2` are whole numbers too.
                    let float = text.parse::<f64>().ok().filter(|f| f.fract() == 0.0)?;
                    #[allow(clippy::cast_precision_loss)]
                    let in_range = float >= <$t>::MIN as f64 && float <= <$t>::MAX as f64;
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    in_range.then(|| float as $t)
                })
            }

            fn complete(value: &Self) -> Option<$t> {
                Some(*value)
            }
        }
    )*};
}

integers!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

macro_rules! floats {
    ($($t:ty),*) => {$(
        impl PartialField for $t {
            type Partial = $t;

            fn partial(node: Node<'_>) -> Option<$t> {
                number_text(node)?.parse::<$t>().ok().filter(|f| f.is_finite())
            }

            fn complete(value: &Self) -> Option<$t> {
                Some(*value)
            }
        }
    )*};
}

floats!(f32, f64);

impl<T: PartialField> PartialField for Option<T> {
    type Partial = T::Partial;

    fn partial(node: Node<'_>) -> Option<T::Partial> {
        if node.is_null() {
            return None;
        }
        T::partial(node)
    }

    fn complete(value: &Self) -> Option<T::Partial> {
        value.as_ref().and_then(T::complete)
    }
}

impl<T: PartialField> PartialField for Vec<T> {
    type Partial = Vec<T::Partial>;

    fn partial(node: Node<'_>) -> Option<Self::Partial> {
        Some(node.items()?.filter_map(T::partial).collect())
    }

    fn complete(value: &Self) -> Option<Self::Partial> {
        Some(value.iter().filter_map(T::complete).collect())
    }
}

macro_rules! string_maps {
    ($($map:ident),*) => {$(
        impl<V: PartialField> PartialField for $map<String, V> {
            type Partial = $map<String, V::Partial>;

            fn partial(node: Node<'_>) -> Option<Self::Partial> {
                Some(
                    node.members()?
                        .filter_map(|(key, value)| Some((key.to_owned(), V::partial(value)?)))
                        .collect(),
                )
            }

            fn complete(value: &Self) -> Option<Self::Partial> {
                Some(
                    value
                        .iter()
                        .filter_map(|(key, value)| Some((key.clone(), V::complete(value)?)))
                        .collect(),
                )
            }
        }
    )*};
}

string_maps!(BTreeMap, HashMap);

impl PartialField for Value {
    type Partial = Value;

    fn partial(node: Node<'_>) -> Option<Value> {
        Some(value_of(node))
    }

    fn complete(value: &Self) -> Option<Value> {
        Some(value.clone())
    }
}

/// The JSON read so far as a `Value` (strings as far as they have arrived).
fn value_of(node: Node<'_>) -> Value {
    if let Some(b) = node.as_bool() {
        return Value::Bool(b);
    }
    if let Some(text) = node.as_number() {
        return serde_json::from_str(text).unwrap_or(Value::Null);
    }
    if let Some(text) = node.as_str() {
        return Value::String(text.to_owned());
    }
    if let Some(items) = node.items() {
        return Value::Array(items.map(value_of).collect());
    }
    if let Some(members) = node.members() {
        return Value::Object(
            members
                .map(|(key, value)| (key.to_owned(), value_of(value)))
                .collect(),
        );
    }
    Value::Null
}
