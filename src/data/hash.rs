//! A fast hasher for keys made of numbers' bit patterns (a leaf module: the table, the
//! compression and the models all use it).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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
