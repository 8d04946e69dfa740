//! Grouping by value: the one helper behind compression-like work (each row's index among
//! the distinct values, first appearance first).

use crate::data::hash::FastMap;

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
/// the distinct pairs in order of first appearance.
pub(crate) fn index_unique_pairs(
    a: ndarray::ArrayView1<'_, f64>,
    b: ndarray::ArrayView1<'_, f64>,
) -> (Vec<u32>, Vec<(f64, f64)>) {
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
/// Whole-number triples below 2^21 (whole-day or whole-week data) are packed into one `u64`,
/// which halves the hash map's entries and the cost of hashing; others are hashed as three
/// bit patterns.
pub(crate) fn index_unique_triples(
    a: ndarray::ArrayView1<'_, f64>,
    b: ndarray::ArrayView1<'_, f64>,
    c: ndarray::ArrayView1<'_, f64>,
) -> (Vec<u32>, Vec<(f64, f64, f64)>) {
    if let Some(found) = index_unique_packed(a, b, c) {
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

/// The triple packed into one `u64` when every value is a whole number in `[0, 2^21)` (so
/// that equal keys are exactly equal triples, -0 being 0).
#[inline]
fn packed_key(x: f64, y: f64, z: f64) -> Option<u64> {
    const LIMIT: f64 = (1u64 << PACKED_BITS) as f64;
    // a cast and back rather than `fract`, which is a libm call per value
    let whole = |v: f64| {
        let u = v as u64;
        ((0.0..LIMIT).contains(&v) && u as f64 == v).then_some(u)
    };
    Some(whole(x)? | whole(y)? << PACKED_BITS | whole(z)? << (2 * PACKED_BITS))
}

/// [`index_unique_triples`] through packed keys; `None` as soon as a row cannot be packed.
fn index_unique_packed(
    a: ndarray::ArrayView1<'_, f64>,
    b: ndarray::ArrayView1<'_, f64>,
    c: ndarray::ArrayView1<'_, f64>,
) -> Option<Grouped> {
    let mut seen: FastMap<u64, u32> = FastMap::default();
    let mut unique = Vec::new();
    let mut idx = Vec::with_capacity(a.len());
    for ((&x, &y), &z) in a.iter().zip(b.iter()).zip(c.iter()) {
        let key = packed_key(x, y, z)?;
        idx.push(*seen.entry(key).or_insert_with(|| {
            unique.push((x, y, z));
            (unique.len() - 1) as u32
        }));
    }
    Some((idx, unique))
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
        assert!(index_unique_packed(
            ndarray::aview1(&x),
            ndarray::aview1(&t),
            ndarray::aview1(&age)
        )
        .is_some());
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
