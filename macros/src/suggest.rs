//! "Did you mean …?" suggestions by edit distance.

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
///
/// Close enough means at most one edit (see [`edit_distance`]) per three characters (at least one edit), or equal
/// ignoring ASCII case.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let budget = input.chars().count().max(3) / 3;
    candidates
        .into_iter()
        .filter(|candidate| *candidate != input)
        .map(|candidate| {
            let distance = if candidate.eq_ignore_ascii_case(input) {
                0
            } else {
                edit_distance(input, candidate)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= budget)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `" (did you mean `x`?)"` for the closest candidate, or an empty string.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(input, candidates)
        .map(|candidate| format!(" (did you mean `{candidate}`?)"))
        .unwrap_or_default()
}

/// Edit distance over chars where insertions, deletions, substitutions and swaps of two
/// adjacent chars each cost one (optimal string alignment): `modle` is one edit from `model`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            table[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (table[(i - 1) * width + j] + 1)
                    .min(table[i * width + j - 1] + 1)
                    .min(table[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(table[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("temprature", "temperature"), 1);
        assert_eq!(edit_distance("naïve", "naive"), 1);
        assert_eq!(edit_distance("modle", "model"), 1);
    }

    #[test]
    fn suggests_the_closest_plausible_candidate() {
        let keys = ["temperature", "top_p", "model", "max_tokens"];
        assert_eq!(closest("temprature", keys), Some("temperature"));
        assert_eq!(closest("modle", keys), Some("model"));
        assert_eq!(closest("MODEL", keys), Some("model"));
        assert_eq!(closest("max_token", keys), Some("max_tokens"));
    }

    #[test]
    fn does_not_suggest_unrelated_names() {
        assert_eq!(closest("colour", ["model", "seed"]), None);
        assert_eq!(closest("x", ["text", "topic"]), None);
        assert_eq!(did_you_mean("zzz", ["model"]), "");
    }

    #[test]
    fn short_names_allow_one_edit() {
        assert_eq!(closest("nme", ["name", "text"]), Some("name"));
        assert_eq!(did_you_mean("tex", ["text"]), " (did you mean `text`?)");
    }
}
