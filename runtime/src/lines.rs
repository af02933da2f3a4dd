//! `{param:lines}` in a template: a list of texts rendered one item per line.

use std::fmt::Display;

use crate::spec::PromptBuilder;

/// A list a template renders one item per line with `{param:lines}`: a `Vec`, slice or array
/// whose items implement `Display`. Items are separated by a newline (none after the last);
/// an empty list renders nothing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be rendered one item per line",
    label = "`:lines` needs a list of texts here",
    note = "`{{param:lines}}` takes a `Vec<T>`, a slice or an array whose items implement `Display` (`Vec<String>`, `&[&str]`); write `{{param}}` for a single value"
)]
pub trait Lines {
    /// Write the items, one per line.
    #[doc(hidden)]
    fn write_lines(&self, builder: &mut PromptBuilder);
}

impl<T: Display> Lines for [T] {
    fn write_lines(&self, builder: &mut PromptBuilder) {
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                builder.text("\n");
            }
            builder.text_fmt(format_args!("{item}"));
        }
    }
}

impl<T: Display, const N: usize> Lines for [T; N] {
    fn write_lines(&self, builder: &mut PromptBuilder) {
        self.as_slice().write_lines(builder);
    }
}

impl<T: Display> Lines for Vec<T> {
    fn write_lines(&self, builder: &mut PromptBuilder) {
        self.as_slice().write_lines(builder);
    }
}

impl<L: Lines + ?Sized> Lines for &L {
    fn write_lines(&self, builder: &mut PromptBuilder) {
        (**self).write_lines(builder);
    }
}
