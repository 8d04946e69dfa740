//! Compression of a customer table: customers with identical (x, t_x, T) become one weighted row.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::data::rfm::CustomerTable;

/// Unique (x, t_x, T) rows with their total weight, in order of first appearance.
///
/// Likelihoods are sums over customers, so a sum over unique rows times their weights is the
/// same number with less work: real data (whole-day times, a few cohorts) repeats a lot.
///
/// ```
/// use clv::{CustomerTable, TimeUnit};
/// use clv::data::CompressedRfm;
/// use ndarray::array;
/// let t = CustomerTable::new(
///     vec!["a".into(), "b".into(), "c".into()],
///     array![0.0, 0.0, 1.0], array![0.0, 0.0, 2.0], array![5.0, 5.0, 5.0], TimeUnit::Weeks,
/// ).unwrap();
/// let c = CompressedRfm::from_table(&t);
/// assert_eq!(c.len(), 2);
/// assert_eq!(c.weight, vec![2.0, 1.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CompressedRfm {
    /// Repeat purchases x of each unique row.
    pub frequency: Vec<f64>,
    /// Recency t_x of each unique row.
    pub recency: Vec<f64>,
    /// Age T of each unique row.
    pub age: Vec<f64>,
    /// Number of customers (sum of their weights) in each unique row.
    pub weight: Vec<f64>,
}

impl CompressedRfm {
    /// Compresses `table` (its weights, if any, are summed).
    pub fn from_table(table: &CustomerTable) -> Self {
        let (x, tx, age) = (table.frequency(), table.recency(), table.age());
        let mut index: FastMap<(u64, u64, u64), usize> = FastMap::default();
        index.reserve(1024);
        let mut out = CompressedRfm {
            frequency: Vec::new(),
            recency: Vec::new(),
            age: Vec::new(),
            weight: Vec::new(),
        };
        for i in 0..table.len() {
            // +0.0 folds -0.0 into 0.0 so that both hash alike.
            let key = (
                (x[i] + 0.0).to_bits(),
                (tx[i] + 0.0).to_bits(),
                (age[i] + 0.0).to_bits(),
            );
            let w = table.weight(i);
            match index.get(&key) {
                Some(&j) => out.weight[j] += w,
                None => {
                    index.insert(key, out.frequency.len());
                    out.frequency.push(x[i]);
                    out.recency.push(tx[i]);
                    out.age.push(age[i]);
                    out.weight.push(w);
                }
            }
        }
        out
    }

    /// Number of unique rows.
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// Total number of customers.
    pub fn total_weight(&self) -> f64 {
        self.weight.iter().sum()
    }
}

/// A hash map keyed by bit patterns of numbers, with [`FastHasher`]: the standard SipHash is
/// built against hash flooding, which data we compress cannot mount, and costs several times more.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A multiply-rotate hasher for integer keys (such as `f64::to_bits`), finished with the
/// splitmix64 mixer so that keys differing only in high bits (whole numbers as `f64` have all
/// their low bits zero) spread over all buckets.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(26) ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn fast_hasher_spreads_whole_numbers_over_low_bits() {
        // whole numbers as f64 differ only in their high bits; the bucket index uses low bits
        let build = BuildHasherDefault::<FastHasher>::default();
        let buckets: std::collections::HashSet<u64> = (0..1000)
            .map(|i| build.hash_one((i as f64).to_bits()) & 1023)
            .collect();
        assert!(
            buckets.len() > 550,
            "{} distinct buckets of 1000",
            buckets.len()
        );
    }
}
