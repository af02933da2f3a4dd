//! Checks on a `#[prompt]` function's declared return type: that it is `promptfn::Result<T>`
//! with an answerable `T`, and whether `T` brings its own validation.

use std::fmt;
use std::marker::PhantomData;

use crate::call::Validator;
use crate::output::{Output, Validate};

/// Whether the return type `T` (or, for `Choices<T>`, its element) implements [`Validate`]
/// (autoref specialization: [`HasValidator`] applies first, [`NoValidator`] otherwise);
/// generated code calls `(&Probe::<T>::NEW).__promptfn_validator()`.
pub struct Probe<T>(PhantomData<fn() -> T>);

impl<T> Probe<T> {
    /// The probe for `T`; it holds nothing.
    pub const NEW: Self = Probe(PhantomData);
}

impl<T> fmt::Debug for Probe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Probe")
    }
}

/// Chosen first, when the answer type implements [`Validate`].
pub trait HasValidator {
    /// The check to run on each decoded answer.
    fn __promptfn_validator(&self) -> Option<Validator>;
}
impl<T: Validate + 'static> HasValidator for Probe<T> {
    fn __promptfn_validator(&self) -> Option<Validator> {
        Some(|value| value.downcast_ref::<T>().map_or(Ok(()), T::validate))
    }
}
impl<T: Validate + 'static> HasValidator for Probe<crate::Choices<T>> {
    fn __promptfn_validator(&self) -> Option<Validator> {
        // Each choice is checked on its own: the value being checked is a `T`.
        Some(|value| value.downcast_ref::<T>().map_or(Ok(()), T::validate))
    }
}

/// Chosen when [`HasValidator`] does not apply (one more autoref away): no check.
pub trait NoValidator {
    /// No check to run.
    fn __promptfn_validator(&self) -> Option<Validator> {
        None
    }
}
impl<T> NoValidator for &Probe<T> {}

/// The declared return type must be `promptfn::Result<T>`.
#[diagnostic::on_unimplemented(
    message = "a #[prompt] function must return `promptfn::Result<{T}>`",
    label = "expected `promptfn::Result<{T}>`",
    note = "write the return type as `promptfn::Result<…>` (or `Result<…, promptfn::Error>`)"
)]
pub trait IsPromptResult<T> {}
impl<T> IsPromptResult<T> for Result<T, crate::Error> {}

/// Fails to compile unless `R` is `promptfn::Result<T>`.
pub fn assert_return<R: IsPromptResult<T>, T>() {}

/// Fails to compile unless `T` can be an answer.
pub fn assert_output<T: Output>() {}
