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
    /// Eight bytes at a time, little-endian, the last word padded with zeros. The last word
    /// is gathered byte by byte: copying it into a padded buffer calls `memcpy` and then
    /// stalls the load of the buffer (a store that cannot be forwarded), which made this a
    /// third of the time of hashing short ids.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.write_u64(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let last = tail.iter().rev().fold(0u64, |v, &b| v << 8 | u64::from(b));
            self.write_u64(last);
        }
    }

    /// As [`write`](Self::write) of the little-endian bytes, without the detour.
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
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

    /// The hash of bytes as words written one by one, the last padded with zeros: what
    /// `write` computes, without its shortcuts.
    fn by_words(bytes: &[u8]) -> u64 {
        let mut h = FastHasher::default();
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            h.write_u64(u64::from_le_bytes(b));
        }
        h.finish()
    }

    #[test]
    fn bytes_hash_as_zero_padded_little_endian_words() {
        let text: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
        for len in 0..text.len() {
            let mut h = FastHasher::default();
            h.write(&text[..len]);
            assert_eq!(h.finish(), by_words(&text[..len]), "{len} bytes");
        }
        let mut h = FastHasher::default();
        h.write_usize(0x0102_0304_0506_0708);
        assert_eq!(
            h.finish(),
            by_words(&0x0102_0304_0506_0708u64.to_le_bytes())
        );
    }

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
