//! Grouping by value: the one helper behind compression-like work (each row's index among
//! the distinct values, first appearance first).

use std::sync::{Arc, OnceLock};

use crate::data::hash::FastMap;
use crate::data::rfm::CustomerTable;

/// Each customer's index among the distinct (x, t_x, T) of a table, and the distinct rows as a
/// table (empty ids, no spend, no weights), in order of first appearance.
///
/// A table computes it once, on first use, and keeps it
/// ([`CustomerTable::distinct_index`]): the fit's compression and every per-distinct score
/// (P(alive), expected purchases, the CLV kernel, the intervals) share one grouping of the rows.
#[derive(Debug)]
pub(crate) struct DistinctIndex {
    /// Each row's index among the distinct rows.
    pub group_of: Vec<u32>,
    /// The distinct rows, in the unit of the grouped table.
    pub table: CustomerTable,
}

impl DistinctIndex {
    fn of(table: &CustomerTable) -> Self {
        let (group_of, unique) =
            index_unique_triples(table.frequency(), table.recency(), table.age());
        let mut columns = [(); 3].map(|_| Vec::with_capacity(unique.len()));
        for (x, t_x, age) in unique {
            columns[0].push(x);
            columns[1].push(t_x);
            columns[2].push(age);
        }
        let [x, t_x, age] = columns;
        DistinctIndex {
            group_of,
            table: CustomerTable::from_distinct(x, t_x, age, None, table.unit()),
        }
    }
}

/// A table's groupings of its rows, each computed on first use: the [`DistinctIndex`] of its
/// (x, t_x, T), and the [`PairIndex`] of its (x, T). They depend on (x, t_x, T) alone, which a
/// table never changes after construction; they are not part of the table's value (equality
/// and serialisation ignore them) and clones share them.
#[derive(Debug, Clone, Default)]
pub(crate) struct DistinctCache {
    triples: OnceLock<Arc<DistinctIndex>>,
    pairs: OnceLock<Arc<PairIndex>>,
}

impl DistinctCache {
    /// The index of `table` (whose cache this is), computed on the first call.
    pub(crate) fn get_or_compute(&self, table: &CustomerTable) -> &Arc<DistinctIndex> {
        self.triples
            .get_or_init(|| Arc::new(DistinctIndex::of(table)))
    }

    /// Whether the index has been computed.
    pub(crate) fn is_computed(&self) -> bool {
        self.triples.get().is_some()
    }

    /// The (x, T) grouping of `table` (whose cache this is), computed on the first call.
    pub(crate) fn pairs_or_compute(&self, table: &CustomerTable) -> &Arc<PairIndex> {
        self.pairs.get_or_init(|| {
            let (group_of, pairs) = index_unique_pairs(table.frequency(), table.age());
            Arc::new(PairIndex { group_of, pairs })
        })
    }
}

/// Each row's index among the distinct (x, T) of a table, and those pairs in order of first
/// appearance: what BG/NBD's expectation kernel (a 2F1) is evaluated once for. A table keeps it
/// ([`CustomerTable::pair_index`]), so that P(alive) and expected purchases, the expectation at
/// other horizons and the CLV kernel, asked of one table one after the other, group it once.
#[derive(Debug)]
pub(crate) struct PairIndex {
    /// Each row's index among the distinct pairs.
    pub group_of: Vec<u32>,
    /// The distinct (x, T), in the unit of the grouped table.
    pub pairs: Vec<(f64, f64)>,
}

impl PartialEq for DistinctCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Index of each value among the distinct values of `values` (by bit pattern, -0 as 0), and the
/// distinct values in order of first appearance.
pub(crate) fn index_unique(values: &[f64]) -> (Vec<u32>, Vec<f64>) {
    let mut seen: FastMap<u64, u32> = FastMap::default();
    let mut unique = Vec::new();
    let idx = values
        .iter()
        .map(|&v| {
            *seen.entry((v + 0.0).to_bits()).or_insert_with(|| {
                unique.push(v);
                (unique.len() - 1) as u32
            })
        })
        .collect();
    (idx, unique)
}

/// Index of each row among the distinct pairs `(a[i], b[i])` (by bit pattern, -0 as 0), and
/// the distinct pairs in order of first appearance. Whole numbers below 2^21 (whole-day or
/// whole-week data) are hashed as one packed `u64`, half the hashing.
pub(crate) fn index_unique_pairs(
    a: ndarray::ArrayView1<'_, f64>,
    b: ndarray::ArrayView1<'_, f64>,
) -> (Vec<u32>, Vec<(f64, f64)>) {
    if let (Some(xs), Some(ys)) = (a.as_slice(), b.as_slice()) {
        if let Some(keys) = packed_keys(&[xs, ys]) {
            let (idx, first, _) = index_keys(&keys);
            let unique = first
                .into_iter()
                .map(|row| (xs[row as usize], ys[row as usize]))
                .collect();
            return (idx, unique);
        }
    }
    let mut seen: FastMap<(u64, u64), u32> = FastMap::default();
    let mut unique = Vec::new();
    let idx = a
        .iter()
        .zip(b.iter())
        .map(|(&x, &y)| {
            let key = ((x + 0.0).to_bits(), (y + 0.0).to_bits());
            *seen.entry(key).or_insert_with(|| {
                unique.push((x, y));
                (unique.len() - 1) as u32
            })
        })
        .collect();
    (idx, unique)
}

/// Index of each row among the distinct triples `(a[i], b[i], c[i])` (by bit pattern, -0 as
/// 0), and the distinct triples in order of first appearance: the (x, t_x, T) of customers, so
/// that predictions are computed once per distinct history and scattered back.
///
/// Whole-number triples below 2^21 (whole-day or whole-week data) are packed into one `u64`
/// and grouped on two cores ([`index_unique_whole`]); others are hashed as three bit patterns.
pub(crate) fn index_unique_triples(
    a: ndarray::ArrayView1<'_, f64>,
    b: ndarray::ArrayView1<'_, f64>,
    c: ndarray::ArrayView1<'_, f64>,
) -> (Vec<u32>, Vec<(f64, f64, f64)>) {
    if let Some(found) = index_unique_whole(a, b, c, SPLIT_ROWS) {
        return found;
    }
    let mut seen: FastMap<(u64, u64, u64), u32> = FastMap::default();
    let mut unique = Vec::new();
    let idx = a
        .iter()
        .zip(b.iter())
        .zip(c.iter())
        .map(|((&x, &y), &z)| {
            let key = (
                (x + 0.0).to_bits(),
                (y + 0.0).to_bits(),
                (z + 0.0).to_bits(),
            );
            *seen.entry(key).or_insert_with(|| {
                unique.push((x, y, z));
                (unique.len() - 1) as u32
            })
        })
        .collect();
    (idx, unique)
}

/// Each row's group and the distinct triples.
type Grouped = (Vec<u32>, Vec<(f64, f64, f64)>);

/// Bits of each whole number in a packed key.
const PACKED_BITS: u32 = 21;

/// Rows from which [`index_unique_whole`] groups the two halves of a table in parallel.
const SPLIT_ROWS: usize = 1 << 16;

/// Each row's values (two or three columns) packed into one `u64`, 21 bits a value, column by
/// column without branches (so that the loops vectorise); `None` when a value is not a whole
/// number in `[0, 2^21)`. Equal keys are then exactly equal rows, -0 being 0.
fn packed_keys(columns: &[&[f64]]) -> Option<Vec<u64>> {
    const LIMIT: f64 = (1u64 << PACKED_BITS) as f64;
    // adding 2^52 puts a whole number below 2^52 in the low bits of the mantissa
    const MAGIC: f64 = (1u64 << 52) as f64;
    debug_assert!(columns.len() as u32 * PACKED_BITS <= u64::BITS);
    debug_assert!(columns.windows(2).all(|w| w[0].len() == w[1].len()));
    let mut keys = vec![0u64; columns.first().map_or(0, |c| c.len())];
    let mut whole = true;
    for (j, &column) in columns.iter().enumerate() {
        let shift = j as u32 * PACKED_BITS;
        for (k, &v) in keys.iter_mut().zip(column) {
            let m = v + MAGIC;
            whole &= (0.0..LIMIT).contains(&v) & (m - MAGIC == v);
            *k |= m.to_bits().wrapping_sub(MAGIC.to_bits()) << shift;
        }
    }
    whole.then_some(keys)
}

/// Each key's index among the distinct keys, the first row of each (by first appearance), and
/// the map from key to index.
fn index_keys(keys: &[u64]) -> (Vec<u32>, Vec<u32>, FastMap<u64, u32>) {
    let mut seen: FastMap<u64, u32> = FastMap::default();
    let mut first = Vec::new();
    let idx = keys
        .iter()
        .enumerate()
        .map(|(row, &key)| {
            *seen.entry(key).or_insert_with(|| {
                first.push(row as u32);
                (first.len() - 1) as u32
            })
        })
        .collect();
    (idx, first, seen)
}

/// [`index_unique_triples`] for whole-number triples below 2^21 (whole-day or whole-week data),
/// through packed keys: one `u64` a row, a third of the hashing and of the hash map's entries.
/// From `split` rows on, each half of the rows is grouped on its own core, then the second
/// half's groups are looked up among the first's. `None` when a value cannot be packed (or a
/// column is not contiguous).
///
/// 1M whole-day customers (186,049 distinct), `cargo run --release --example fit_profile`
/// ("compression"): 0.057-0.071 s with the keys packed row by row on one core, 0.034-0.045 s so.
fn index_unique_whole(
    a: ndarray::ArrayView1<'_, f64>,
    b: ndarray::ArrayView1<'_, f64>,
    c: ndarray::ArrayView1<'_, f64>,
    split: usize,
) -> Option<Grouped> {
    let (a, b, c) = (a.as_slice()?, b.as_slice()?, c.as_slice()?);
    let keys = packed_keys(&[a, b, c])?;
    let triple = |row: u32| (a[row as usize], b[row as usize], c[row as usize]);
    if keys.len() < split {
        let (idx, first, _) = index_keys(&keys);
        return Some((idx, first.into_iter().map(triple).collect()));
    }
    let half = keys.len() / 2;
    let ((mut idx, mut first, mut seen), (idx2, first2, _)) =
        rayon::join(|| index_keys(&keys[..half]), || index_keys(&keys[half..]));
    // the first half's groups keep their numbers; the second's are found among them or added
    let remap: Vec<u32> = first2
        .iter()
        .map(|&row| {
            let row = row + half as u32;
            *seen.entry(keys[row as usize]).or_insert_with(|| {
                first.push(row);
                (first.len() - 1) as u32
            })
        })
        .collect();
    idx.extend(idx2.iter().map(|&g| remap[g as usize]));
    Some((idx, first.into_iter().map(triple).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn packed_and_hashed_triples_agree() {
        // whole numbers take the packed path, a fraction anywhere the hashed one
        let n = 5000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64).collect();
        let t: Vec<f64> = (0..n).map(|i| ((i * 104_729) % 11) as f64).collect();
        let age: Vec<f64> = (0..n)
            .map(|i| if i == 17 { -0.0 } else { (i % 5) as f64 })
            .collect();
        let packed = index_unique_triples(
            ndarray::aview1(&x),
            ndarray::aview1(&t),
            ndarray::aview1(&age),
        );
        let mut age_frac = age.clone();
        age_frac[n - 1] = 0.5;
        let hashed = index_unique_triples(
            ndarray::aview1(&x),
            ndarray::aview1(&t),
            ndarray::aview1(&age_frac),
        );
        // on one core and split in halves (the second half holding new groups and old ones)
        let view = |v: &[f64]| ndarray::aview1(v).to_owned();
        let (xs, ts, ages) = (view(&x), view(&t), view(&age));
        let whole = |split| index_unique_whole(xs.view(), ts.view(), ages.view(), split).unwrap();
        assert_eq!(whole(n), packed);
        assert_eq!(whole(2), packed);
        // not whole, negative, too large, NaN: not packed
        for bad in [0.5, -1.0, (1u64 << PACKED_BITS) as f64, f64::NAN] {
            let mut ages = ages.clone();
            ages[n / 2] = bad;
            assert!(index_unique_whole(xs.view(), ts.view(), ages.view(), 2).is_none());
        }
        assert_eq!(packed.0[..n - 1], hashed.0[..n - 1]);
        let k = hashed.1.len() - 1;
        assert_eq!(hashed.1[k], (x[n - 1], t[n - 1], 0.5));
        assert_eq!(packed.1[..k], hashed.1[..k]);
        // -0 groups with 0
        assert_eq!(
            packed.0[17],
            packed.0[(0..n)
                .find(|&i| i != 17 && x[i] == x[17] && t[i] == t[17] && age[i] == 0.0)
                .unwrap()]
        );
    }

    #[test]
    fn packed_and_hashed_pairs_agree() {
        let n = 3000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 17) as f64).collect();
        let mut age: Vec<f64> = (0..n).map(|i| ((i * 104_729) % 23) as f64).collect();
        age[5] = -0.0;
        let packed = index_unique_pairs(ndarray::aview1(&x), ndarray::aview1(&age));
        // a fraction in the last row sends every row through the hashed path
        let mut age_frac = age.clone();
        age_frac[n - 1] = 0.25;
        let hashed = index_unique_pairs(ndarray::aview1(&x), ndarray::aview1(&age_frac));
        assert_eq!(packed.0[..n - 1], hashed.0[..n - 1]);
        let k = hashed.1.len() - 1;
        assert_eq!(hashed.1[k], (x[n - 1], 0.25));
        assert_eq!(packed.1[..k], hashed.1[..k]);
        assert_eq!(packed.1.len(), 17 * 23);
    }

    #[test]
    fn triples_are_indexed_by_first_appearance() {
        let x = array![1.0, 0.0, 1.0, 1.0];
        let t = array![2.0, 0.0, 2.0, 2.0];
        let age = array![5.0, 5.0, 5.0, 6.0];
        let (idx, unique) = index_unique_triples(x.view(), t.view(), age.view());
        assert_eq!(idx, vec![0, 1, 0, 2]);
        assert_eq!(
            unique,
            vec![(1.0, 2.0, 5.0), (0.0, 0.0, 5.0), (1.0, 2.0, 6.0)]
        );
    }
}
