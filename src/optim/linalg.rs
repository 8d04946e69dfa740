//! Small dense linear algebra for the fit (k <= 5 parameters) and finite differences for tests.

use ndarray::Array2;

/// The lower-triangular Cholesky factor `L` of a symmetric positive-definite matrix
/// (`L L' = a`); `None` when it is not positive definite.
pub(crate) fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[[i, m]] * l[[j, m]]).sum();
            if i == j {
                let d = a[[i, i]] - s;
                if d.is_nan() || d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[[i, i]] = d.sqrt();
            } else {
                l[[i, j]] = (a[[i, j]] - s) / l[[j, j]];
            }
        }
    }
    Some(l)
}

/// Inverse of a symmetric positive-definite matrix by Cholesky; `None` when it is not
/// positive definite.
pub(crate) fn invert_spd(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let l = cholesky(a)?;
    // inverse of L (lower triangular), then A^-1 = L^-T L^-1
    let mut linv = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        linv[[i, i]] = 1.0 / l[[i, i]];
        for j in 0..i {
            let s: f64 = (j..i).map(|m| l[[i, m]] * linv[[m, j]]).sum();
            linv[[i, j]] = -s / l[[i, i]];
        }
    }
    Some(linv.t().dot(&linv))
}

/// Central finite-difference gradient of `f` at `x` (for tests of analytic gradients).
///
/// ```
/// let g = clv::fit::numerical_gradient(|p| p[0] * p[0] + 3.0 * p[1], &[2.0, 1.0]);
/// assert!((g[0] - 4.0).abs() < 1e-6 && (g[1] - 3.0).abs() < 1e-6);
/// ```
pub fn numerical_gradient(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let h = 1e-6 * x[i].abs().max(1e-3);
            let mut up = x.to_vec();
            let mut down = x.to_vec();
            up[i] += h;
            down[i] -= h;
            // Richardson extrapolation of two central differences for ~1e-10 accuracy.
            let d1 = (f(&up) - f(&down)) / (2.0 * h);
            up[i] = x[i] + 2.0 * h;
            down[i] = x[i] - 2.0 * h;
            let d2 = (f(&up) - f(&down)) / (4.0 * h);
            (4.0 * d1 - d2) / 3.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use ndarray::array;

    #[test]
    fn spd_inverse() {
        let a = array![[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]];
        let inv = invert_spd(&a).unwrap();
        let eye = a.dot(&inv);
        for i in 0..3 {
            for j in 0..3 {
                assert_relative_eq!(eye[[i, j]], if i == j { 1.0 } else { 0.0 }, epsilon = 1e-12);
            }
        }
        assert!(invert_spd(&array![[1.0, 2.0], [2.0, 1.0]]).is_none());
    }
}
