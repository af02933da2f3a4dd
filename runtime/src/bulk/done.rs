//! The inputs an earlier run finished, kept as ranges so that a million finished items take a
//! few entries: finished items come in nearly input order, so they form few runs.

use std::collections::BTreeMap;

/// A set of input positions, stored as disjoint half-open ranges `start..end`.
#[derive(Debug, Clone, Default)]
pub(super) struct DoneSet {
    /// `start → end`; ranges never touch or overlap (touching ones are merged).
    ranges: BTreeMap<u64, u64>,
}

impl DoneSet {
    /// Add `position`; returns whether it was new.
    pub(super) fn insert(&mut self, position: u64) -> bool {
        if self.contains(position) {
            return false;
        }
        let end = position.saturating_add(1);
        // Merge with a range ending at `position` and with one starting right after it.
        let before = self
            .ranges
            .range(..position)
            .next_back()
            .filter(|&(_, &e)| e == position)
            .map(|(&s, _)| s);
        let after = self.ranges.remove(&end);
        let start = before.unwrap_or(position);
        self.ranges.insert(start, after.unwrap_or(end));
        true
    }

    /// Add every position of `other`.
    pub(super) fn extend(&mut self, other: &Self) {
        for (&start, &end) in &other.ranges {
            for position in start..end {
                self.insert(position);
            }
        }
    }

    pub(super) fn contains(&self, position: u64) -> bool {
        self.ranges
            .range(..=position)
            .next_back()
            .is_some_and(|(_, &end)| position < end)
    }

    /// How many ranges the set holds (its memory, in entries).
    #[cfg(test)]
    pub(super) fn ranges(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_merge_into_one_range_whatever_the_order() {
        let mut done = DoneSet::default();
        for position in [3, 1, 2, 0, 7, 5, 6] {
            assert!(done.insert(position));
        }
        assert!(!done.insert(2));
        assert_eq!(done.ranges(), 2, "0..4 and 5..8");
        assert!((0..4).all(|p| done.contains(p)));
        assert!(!done.contains(4) && !done.contains(8));
        done.insert(4);
        assert_eq!(done.ranges(), 1);
        done.insert(u64::MAX - 1);
        assert!(done.contains(u64::MAX - 1) && !done.contains(u64::MAX - 2));
    }

    #[test]
    fn a_million_nearly_ordered_positions_take_a_handful_of_ranges() {
        let mut done = DoneSet::default();
        // Finished in windows of 16 out of order, with a hole every 100 000.
        for window in (0..1_000_000u64).step_by(16) {
            for position in (window..window + 16).rev() {
                if position % 100_000 != 99 {
                    done.insert(position);
                }
            }
        }
        assert_eq!(done.ranges(), 11);
    }
}
