//! serde's `rename_all` rules, applied as serde applies them: to variant names written in
//! `PascalCase` and to field names written in `snake_case`.

/// One `rename_all` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

/// The rules' names, as serde spells them.
pub const RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    /// The rule named `name`, if serde has one.
    pub fn from_name(name: &str) -> Option<Self> {
        RULES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, rule)| *rule)
    }

    /// A variant name (`PascalCase` in Rust) under this rule.
    pub fn apply_to_variant(self, variant: &str) -> String {
        match self {
            Self::Pascal => variant.to_owned(),
            Self::Lower => variant.to_ascii_lowercase(),
            Self::Upper => variant.to_ascii_uppercase(),
            Self::Camel => {
                let mut chars = variant.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            Self::Snake => {
                let mut snake = String::new();
                for (i, c) in variant.char_indices() {
                    if i > 0 && c.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                snake
            }
            Self::ScreamingSnake => Self::Snake.apply_to_variant(variant).to_ascii_uppercase(),
            Self::Kebab => Self::Snake.apply_to_variant(variant).replace('_', "-"),
            Self::ScreamingKebab => Self::ScreamingSnake
                .apply_to_variant(variant)
                .replace('_', "-"),
        }
    }

    /// A field name (`snake_case` in Rust) under this rule.
    pub fn apply_to_field(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for c in field.chars() {
                    if c == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(c.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(c);
                    }
                }
                pascal
            }
            Self::Camel => {
                let pascal = Self::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_follow_serde() {
        let variant = |rule, v| RenameRule::apply_to_variant(rule, v);
        assert_eq!(variant(RenameRule::Snake, "VeryTasty"), "very_tasty");
        assert_eq!(variant(RenameRule::Camel, "VeryTasty"), "veryTasty");
        assert_eq!(
            variant(RenameRule::ScreamingKebab, "VeryTasty"),
            "VERY-TASTY"
        );
        assert_eq!(variant(RenameRule::Lower, "VeryTasty"), "verytasty");
        let field = |rule, f| RenameRule::apply_to_field(rule, f);
        assert_eq!(field(RenameRule::Camel, "very_tasty"), "veryTasty");
        assert_eq!(field(RenameRule::Pascal, "very_tasty"), "VeryTasty");
        assert_eq!(field(RenameRule::Kebab, "very_tasty"), "very-tasty");
        assert_eq!(
            field(RenameRule::ScreamingSnake, "very_tasty"),
            "VERY_TASTY"
        );
        assert_eq!(RenameRule::from_name("camelCase"), Some(RenameRule::Camel));
        assert_eq!(RenameRule::from_name("Camel"), None);
    }
}
