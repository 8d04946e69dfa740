//! A hash table from customer id to a per-customer value, built for streaming millions of rows.
//!
//! Looking a customer up is bound by memory latency (one random access to the table, one to the
//! customer), not by computation. So the table keeps each customer's id (inline when it has at
//! most 16 bytes) next to its value, and lets a caller prefetch the slots, then the entries, of a
//! batch of rows first: the processor overlaps the cache misses of the whole batch, and the
//! look-ups that follow find the data in cache.

const EMPTY: u32 = u32::MAX;
const INLINE: usize = 16;

/// The hash of a customer id: 64-bit words folded in by 128-bit multiplication.
pub(crate) fn hash_id(id: &[u8]) -> u64 {
    #[inline]
    fn fold(a: u64, b: u64) -> u64 {
        let p = u128::from(a) * u128::from(b);
        (p as u64) ^ ((p >> 64) as u64)
    }
    let mut h = 0x243F_6A88_85A3_08D3 ^ (id.len() as u64);
    let mut chunks = id.chunks_exact(8);
    for c in &mut chunks {
        h = fold(
            h ^ u64::from_le_bytes(c.try_into().unwrap()),
            0x9E37_79B9_7F4A_7C15,
        );
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = fold(h ^ u64::from_le_bytes(w), 0x9E37_79B9_7F4A_7C15);
    }
    fold(h, 0xC2B2_AE3D_27D4_EB4F)
}

#[inline]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of every x86-64 processor, and a prefetch is only a hint: it
        // reads nothing into the program and never faults; the address is a live reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    index: u32,
}

/// One customer: 64-byte aligned, so that with a value of up to 96 bytes it spans exactly two
/// cache lines, both prefetched by [`CustomerIndex::prefetch_entry`].
#[derive(Debug, Clone)]
#[repr(C, align(64))]
struct Entry<V> {
    hash: u64,
    len: u32,
    /// The id when it has at most 16 bytes; otherwise bytes 0..8 hold its offset in `long_ids`.
    key: [u8; INLINE],
    value: V,
}

/// Customer ids with a value each, numbered in order of insertion.
#[derive(Debug, Clone)]
pub(crate) struct CustomerIndex<V> {
    slots: Vec<Slot>,
    entries: Vec<Entry<V>>,
    long_ids: Vec<u8>,
}

impl<V: Copy> CustomerIndex<V> {
    pub(crate) fn new() -> Self {
        CustomerIndex {
            slots: vec![
                Slot {
                    hash: 0,
                    index: EMPTY
                };
                1024
            ],
            entries: Vec::new(),
            long_ids: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn id_of<'a>(&'a self, e: &'a Entry<V>) -> &'a [u8] {
        let len = e.len as usize;
        if len <= INLINE {
            &e.key[..len]
        } else {
            let off = u64::from_le_bytes(e.key[..8].try_into().unwrap()) as usize;
            &self.long_ids[off..off + len]
        }
    }

    /// The id of customer `i`.
    pub(crate) fn id(&self, i: u32) -> &[u8] {
        self.id_of(&self.entries[i as usize])
    }

    /// Asks the processor to fetch the table slot of `hash` into cache (no effect elsewhere
    /// than on x86-64).
    #[inline]
    pub(crate) fn prefetch_slot(&self, hash: u64) {
        let mask = self.slots.len() - 1;
        prefetch(&self.slots[hash as usize & mask]);
    }

    /// Asks the processor to fetch the entry that the slot of `hash` points to, if any.
    #[inline]
    pub(crate) fn prefetch_entry(&self, hash: u64) {
        let mask = self.slots.len() - 1;
        let slot = self.slots[hash as usize & mask];
        if slot.index != EMPTY && slot.hash == hash {
            let e = &self.entries[slot.index as usize];
            prefetch(e);
            prefetch(&e.value);
        }
    }

    /// The index of `id` (with hash `hash`), inserting it with `value` if it is new.
    pub(crate) fn index_or_insert(&mut self, hash: u64, id: &[u8], value: V) -> u32 {
        let mask = self.slots.len() - 1;
        let mut pos = hash as usize & mask;
        loop {
            let slot = self.slots[pos];
            if slot.index == EMPTY {
                break;
            }
            if slot.hash == hash && self.id_of(&self.entries[slot.index as usize]) == id {
                return slot.index;
            }
            pos = (pos + 1) & mask;
        }
        let index = self.entries.len() as u32;
        let mut key = [0u8; INLINE];
        if id.len() <= INLINE {
            key[..id.len()].copy_from_slice(id);
        } else {
            key[..8].copy_from_slice(&(self.long_ids.len() as u64).to_le_bytes());
            self.long_ids.extend_from_slice(id);
        }
        self.entries.push(Entry {
            hash,
            len: id.len() as u32,
            key,
            value,
        });
        self.slots[pos] = Slot { hash, index };
        if self.entries.len() * 2 > self.slots.len() {
            self.grow();
        }
        index
    }

    fn grow(&mut self) {
        let new_len = self.slots.len() * 2;
        let mask = new_len - 1;
        let mut slots = vec![
            Slot {
                hash: 0,
                index: EMPTY
            };
            new_len
        ];
        for s in self.slots.iter().filter(|s| s.index != EMPTY) {
            let mut pos = s.hash as usize & mask;
            while slots[pos].index != EMPTY {
                pos = (pos + 1) & mask;
            }
            slots[pos] = *s;
        }
        self.slots = slots;
    }

    pub(crate) fn value_mut(&mut self, i: u32) -> &mut V {
        &mut self.entries[i as usize].value
    }

    /// Ids (as text: callers insert valid UTF-8 only) and values, in order of insertion.
    pub(crate) fn into_parts(self) -> (Vec<String>, Vec<V>) {
        let ids = self
            .entries
            .iter()
            .map(|e| String::from_utf8_lossy(self.id_of(e)).into_owned())
            .collect();
        let values = self.entries.into_iter().map(|e| e.value).collect();
        (ids, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_short_and_long_keep_their_numbers_through_growth() {
        let mut t = CustomerIndex::new();
        let ids: Vec<String> = (0..5000)
            .map(|i| {
                if i % 3 == 0 {
                    format!("a-rather-long-customer-id-{i}")
                } else {
                    format!("c{i}")
                }
            })
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                t.index_or_insert(hash_id(id.as_bytes()), id.as_bytes(), i),
                i as u32
            );
        }
        for (i, id) in ids.iter().enumerate().rev() {
            assert_eq!(
                t.index_or_insert(hash_id(id.as_bytes()), id.as_bytes(), 0),
                i as u32
            );
            assert_eq!(t.id(i as u32), id.as_bytes());
        }
        let (names, values) = t.into_parts();
        assert_eq!(names, ids);
        assert_eq!(values, (0..5000).collect::<Vec<_>>());
    }
}
