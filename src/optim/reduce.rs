//! The one chunked, deterministic parallel sum the likelihoods use.

use rayon::prelude::*;

/// Rows per parallel task.
pub(crate) const CHUNK: usize = 4096;

/// `sum over rows 0..n` of the `N` sums `f(range)` returns for each chunk of rows: partial sums
/// are collected in chunk order and added in that order, so the result does not depend on how
/// rayon split the work, and fits are reproducible bit for bit.
pub(crate) fn chunked_sum<const N: usize>(
    n: usize,
    f: impl Fn(std::ops::Range<usize>) -> [f64; N] + Sync,
) -> [f64; N] {
    if n <= CHUNK {
        return f(0..n);
    }
    let partial: Vec<[f64; N]> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| f(c * CHUNK..((c + 1) * CHUNK).min(n)))
        .collect();
    partial.iter().fold([0.0; N], |mut a, b| {
        for j in 0..N {
            a[j] += b[j];
        }
        a
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums_are_the_same_whatever_the_split() {
        let n = 3 * super::CHUNK + 17;
        let v: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let s = super::chunked_sum(n, |r| [r.map(|i| v[i]).sum::<f64>()]);
        let again = super::chunked_sum(n, |r| [r.map(|i| v[i]).sum::<f64>()]);
        assert_eq!(s[0].to_bits(), again[0].to_bits());
        let plain: f64 = v.iter().sum();
        assert!((s[0] - plain).abs() < 1e-12);
    }
}
