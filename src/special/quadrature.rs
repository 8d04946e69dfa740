//! Gauss-Legendre quadrature on `[0, 1]`.
//!
//! Hand-written: the one crate that offers it (gauss-quad) computes the rule by an eigenvalue
//! solve through nalgebra, a large dependency for 20 numbers computed once; here the nodes are
//! the roots of the Legendre polynomial by Newton's method from Tricomi's initial guesses
//! (Abramowitz & Stegun 25.4.29-30), and the test checks them against the tabulated rule.

use std::sync::OnceLock;

/// Nodes of the rule used by the models.
pub(crate) const NODES: usize = 20;

/// The `NODES`-point Gauss-Legendre rule on `[0, 1]`: `(nodes, weights)`, computed once.
pub(crate) fn gauss_legendre() -> &'static ([f64; NODES], [f64; NODES]) {
    static RULE: OnceLock<([f64; NODES], [f64; NODES])> = OnceLock::new();
    RULE.get_or_init(rule_on_unit_interval::<NODES>)
}

fn rule_on_unit_interval<const N: usize>() -> ([f64; N], [f64; N]) {
    let (x, w) = legendre_rule(N);
    let mut nodes = [0.0; N];
    let mut weights = [0.0; N];
    for i in 0..N {
        nodes[i] = 0.5 * (x[i] + 1.0);
        weights[i] = 0.5 * w[i];
    }
    (nodes, weights)
}

/// The `n`-point rule on `[-1, 1]`.
fn legendre_rule(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    for i in 0..n {
        let k = (i + 1) as f64;
        let nf = n as f64;
        let mut z = (std::f64::consts::PI * (k - 0.25) / (nf + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            // P_n(z) and P_n'(z) by the three-term recurrence
            let (mut p0, mut p1) = (1.0, z);
            for j in 2..=n {
                let jf = j as f64;
                let p2 = ((2.0 * jf - 1.0) * z * p1 - (jf - 1.0) * p0) / jf;
                p0 = p1;
                p1 = p2;
            }
            dp = nf * (z * p1 - p0) / (z * z - 1.0);
            let step = p1 / dp;
            z -= step;
            if step.abs() < 1e-16 {
                break;
            }
        }
        x[i] = -z;
        w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
    (x, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_polynomials_exactly_and_matches_the_tabulated_rule() {
        let (x, w) = gauss_legendre();
        // exact for degree 2n - 1 = 39: the integral of t^k over [0, 1] is 1 / (k + 1)
        for k in [0, 1, 5, 17, 39] {
            let q: f64 = x.iter().zip(w).map(|(t, w)| w * t.powi(k)).sum();
            assert!((q - 1.0 / (k as f64 + 1.0)).abs() < 1e-14, "k = {k}: {q}");
        }

        // Abramowitz & Stegun table 25.4, n = 20: largest node 0.993128599185094924786 on
        // [-1, 1], weight 0.017614007139152118312
        let (xs, ws) = legendre_rule(20);
        assert!((xs[19] - 0.993_128_599_185_094_9).abs() < 1e-15);
        assert!((ws[19] - 0.017_614_007_139_152_118).abs() < 1e-15);
    }
}
