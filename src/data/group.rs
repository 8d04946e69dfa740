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
