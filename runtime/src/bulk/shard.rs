//! Splitting one run across machines: shard `i` of `n` takes inputs `i`, `i + n`, `i + 2n`…

use crate::error::{Error, Result};

/// Which inputs this process takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shard {
    index: u64,
    count: u64,
}

impl Default for Shard {
    fn default() -> Self {
        Self { index: 0, count: 1 }
    }
}

impl Shard {
    pub(super) fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 || index >= count {
            return Err(Error::Config(format!(
                "shard({index}, {count}) names no shard: the count must be at least 1 and the \
                 index below it (shard(0, 4) … shard(3, 4))"
            )));
        }
        Ok(Self {
            index: index as u64,
            count: count as u64,
        })
    }

    /// Whether input `index` belongs to this shard.
    pub(super) fn takes(self, index: u64) -> bool {
        index % self.count == self.index
    }

    /// How many of `total` inputs this shard takes.
    pub(super) fn share_of(self, total: u64) -> u64 {
        total.saturating_sub(self.index).div_ceil(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_inputs_without_overlap() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3).unwrap()).collect();
        for index in 0..100u64 {
            assert_eq!(shards.iter().filter(|s| s.takes(index)).count(), 1);
        }
        let shares: Vec<u64> = shards.iter().map(|s| s.share_of(10)).collect();
        assert_eq!(shares, [4, 3, 3]);
        assert_eq!(Shard::new(2, 3).unwrap().share_of(2), 0);
        assert!(Shard::new(3, 3).is_err() && Shard::new(0, 0).is_err());
        assert!(Shard::default().takes(12345));
    }
}
