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
#[allow(dead_code)] // until the scoring and interval layers call it
pub(crate) fn index_unique_triples(
    a: ndarray::ArrayView1<'_, f64>,
    b: ndarray::ArrayView1<'_, f64>,
    c: ndarray::ArrayView1<'_, f64>,
) -> (Vec<u32>, Vec<(f64, f64, f64)>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

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
