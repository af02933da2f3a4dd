//! The `name` a `response_format` or tool needs: `[a-zA-Z0-9_-]{1,64}`.

const MAX_LEN: usize = 64;
const FALLBACK: &str = "answer";

/// Turns a schema title (schemars writes `Person`, `Array_of_Person`, `Nullable_uint32`) or a
/// caller's name into a valid name: other characters become `_`, long names are cut.
pub(super) fn response_name(source: Option<&str>) -> String {
    let name: String = source
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_LEN)
        .collect();
    if name.is_empty() {
        FALLBACK.to_owned()
    } else {
        name
    }
}
