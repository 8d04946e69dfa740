//! Log-gamma, digamma and the difference quotient of log-gamma, accurate for small steps.
//!
//! All three shift the argument up to at least [`SHIFT_TO`] with the recurrence
//! `Γ(x + 1) = x Γ(x)` and then use Stirling's series, whose truncation error there is below
//! 1e-16. Negative arguments go through the reflection formula.

use std::f64::consts::PI;

/// Arguments are shifted up to at least this value before Stirling's series is used.
const SHIFT_TO: f64 = 10.0;

/// `ln sqrt(2 pi)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `B_{2n} / (2n (2n - 1))`, n = 1..8: coefficients of Stirling's series for `ln Γ`.
const STIRLING_LN_GAMMA: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360_360.0,
    1.0 / 156.0,
    -3617.0 / 122_400.0,
];

/// `B_{2n} / (2n)`, n = 1..8: coefficients of the asymptotic series of the digamma function.
const STIRLING_DIGAMMA: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 120.0,
    1.0 / 252.0,
    -1.0 / 240.0,
    1.0 / 132.0,
    -691.0 / 32_760.0,
    1.0 / 12.0,
    -3617.0 / 8160.0,
];

/// Number of unit shifts that bring `x` to at least [`SHIFT_TO`].
#[inline]
fn shifts(x: f64) -> usize {
    if x >= SHIFT_TO {
        0
    } else {
        (SHIFT_TO - x).ceil() as usize
    }
}

/// `sin(pi x)` with exact argument reduction (accurate near the integers).
pub(crate) fn sin_pi(x: f64) -> f64 {
    let r = x - 2.0 * (0.5 * x).round(); // r in [-1, 1], sin(pi x) = sin(pi r)
    let r = if r > 0.5 {
        1.0 - r
    } else if r < -0.5 {
        -1.0 - r
    } else {
        r
    };
    (PI * r).sin()
}

/// `cos(pi x)` with exact argument reduction.
fn cos_pi(x: f64) -> f64 {
    let r = x - 2.0 * (0.5 * x).round();
    (PI * r).cos()
}

/// True if `x` is 0 or a negative integer (a pole of Γ).
#[inline]
pub(crate) fn is_nonpositive_integer(x: f64) -> bool {
    x <= 0.0 && x == x.round()
}

/// `ln Γ(x)` for `x > 0`.
pub(crate) fn ln_gamma_pos(x: f64) -> f64 {
    debug_assert!(x > 0.0);
    let n = shifts(x);
    let mut y = x;
    let mut prod = 1.0;
    for _ in 0..n {
        prod *= y;
        y += 1.0;
    }
    let inv = 1.0 / y;
    let inv2 = inv * inv;
    let mut tail = 0.0;
    let mut p = inv;
    for c in STIRLING_LN_GAMMA {
        tail += c * p;
        p *= inv2;
    }
    (y - 0.5) * y.ln() - y + LN_SQRT_2PI + tail - prod.ln()
}

/// `(ln |Γ(x)|, sign of Γ(x))` for any real `x` that is not a pole; `(inf, 0)` at a pole.
pub(crate) fn ln_gamma_sign(x: f64) -> (f64, f64) {
    if x > 0.0 {
        (ln_gamma_pos(x), 1.0)
    } else if is_nonpositive_integer(x) {
        (f64::INFINITY, 0.0)
    } else {
        // Γ(x) = π / (sin(πx) Γ(1 - x)), Γ(1 - x) > 0.
        let s = sin_pi(x);
        (PI.ln() - s.abs().ln() - ln_gamma_pos(1.0 - x), s.signum())
    }
}

/// The digamma function `ψ(x) = Γ'(x)/Γ(x)` for `x` not a pole.
pub(crate) fn digamma(x: f64) -> f64 {
    if x <= 0.0 {
        // ψ(x) = ψ(1 - x) - π cot(πx)
        return digamma(1.0 - x) - PI * cos_pi(x) / sin_pi(x);
    }
    let n = shifts(x);
    let mut y = x;
    let mut acc = 0.0;
    for _ in 0..n {
        acc += 1.0 / y;
        y += 1.0;
    }
    let inv2 = 1.0 / (y * y);
    let mut tail = 0.0;
    let mut p = inv2;
    for c in STIRLING_DIGAMMA {
        tail += c * p;
        p *= inv2;
    }
    y.ln() - 0.5 / y - tail - acc
}

/// `(ln |Γ(x + eps)| - ln |Γ(x)|) / eps`, accurate also for tiny `eps` (it tends to `ψ(x)`).
///
/// Exact (no cancellation) when `x` and `x + eps` are both positive or both lie between the
/// same two poles; otherwise it falls back to the plain difference.
pub(crate) fn ln_gamma_diff_quot(x: f64, eps: f64) -> f64 {
    if eps == 0.0 {
        return digamma(x);
    }
    let lo = x.min(x + eps);
    if lo > 0.0 {
        // Shift both arguments up by n: the shifted part is a sum of log1p's.
        let n = shifts(lo);
        let mut acc = 0.0;
        let mut y = x;
        for _ in 0..n {
            acc += (eps / y).ln_1p();
            y += 1.0;
        }
        // Stirling's series difference at y, divided by eps.
        let l1p = (eps / y).ln_1p();
        let mut d = (y - 0.5) * (l1p / eps) + (y + eps).ln() - 1.0;
        let inv = 1.0 / y;
        let inv2 = inv * inv;
        let mut p = inv;
        for (i, c) in STIRLING_LN_GAMMA.iter().enumerate() {
            let k = (2 * i + 1) as f64; // (y+eps)^-k - y^-k = y^-k expm1(-k ln1p(eps/y))
            d += c * p * (-k * l1p).exp_m1() / eps;
            p *= inv2;
        }
        d - acc / eps
    } else if x + eps < 0.0
        && x < 0.0
        && x.floor() == (x + eps).floor()
        && !is_nonpositive_integer(x)
    {
        // ln|Γ(x)| = ln π - ln|sin πx| - ln Γ(1 - x)
        // sin(π(x+eps)) / sin(πx) = cos(π eps) + cot(πx) sin(π eps)
        let sh = sin_pi(0.5 * eps);
        let ratio_m1 = -2.0 * sh * sh + cos_pi(x) / sin_pi(x) * sin_pi(eps);
        -ratio_m1.ln_1p() / eps + ln_gamma_diff_quot(1.0 - x - eps, eps)
    } else {
        (ln_gamma_sign(x + eps).0 - ln_gamma_sign(x).0) / eps
    }
}

/// `(ln |Γ(x) / Γ(y)|, sign of Γ(x)/Γ(y))`; sign 0 if `y` is a pole. For large, close, positive
/// arguments it is computed from the difference quotient, so that the size of `ln Γ` (about
/// `x ln x`) does not cost digits; below 20 the plain difference is as good and cheaper.
pub(crate) fn ln_gamma_ratio(x: f64, y: f64) -> (f64, f64) {
    if x > 0.0 && y > 0.0 && x.max(y) >= 20.0 && (x - y).abs() <= x.min(y) {
        if x == y {
            return (0.0, 1.0);
        }
        ((x - y) * ln_gamma_diff_quot(y, x - y), 1.0)
    } else {
        let (lx, sx) = ln_gamma_sign(x);
        let (ly, sy) = ln_gamma_sign(y);
        if sy == 0.0 {
            return (f64::NEG_INFINITY, 0.0);
        }
        (lx - ly, sx * sy)
    }
}

/// `expm1(t) / t`, equal to 1 at `t = 0`.
#[inline]
pub(crate) fn expm1_quot(t: f64) -> f64 {
    if t == 0.0 {
        1.0
    } else {
        t.exp_m1() / t
    }
}

/// The trigamma function `psi_1(x) = d^2 ln Gamma(x) / dx^2` for `x > 0`, hand-written because
/// statrs has none (the analytic Hessians of the likelihoods need it): the recurrence
/// `psi_1(x) = psi_1(x + 1) + 1 / x^2` up to `x >= 10`, then the asymptotic series
/// `1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1)` (Abramowitz & Stegun 6.4.12), whose first omitted
/// term is below 1e-16 relative there.
///
/// ```
/// let pi2_6 = std::f64::consts::PI.powi(2) / 6.0;
/// assert!((clv::special::trigamma(1.0) - pi2_6).abs() < 1e-14);
/// ```
pub fn trigamma(x: f64) -> f64 {
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    // Bernoulli numbers B_2 .. B_16: 1/6, -1/30, 1/42, -1/30, 5/66, -691/2730, 7/6, -3617/510
    let series = z
        * (1.0 / 6.0
            + z * (-1.0 / 30.0
                + z * (1.0 / 42.0
                    + z * (-1.0 / 30.0
                        + z * (5.0 / 66.0
                            + z * (-691.0 / 2730.0 + z * (7.0 / 6.0 + z * (-3617.0 / 510.0))))))));
    acc + (1.0 + 0.5 / x + series) / x
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: Abramowitz & Stegun 6.1.8 (Γ(1/2) = sqrt(π)), 6.3.2 (ψ(1) = -γ),
    // 6.3.3 (ψ(1/2) = -γ - 2 ln 2), and Γ(n) = (n-1)!.
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

    // Small arguments are shifted to >= 10 where ln Γ ~ 13-15: a few ulps of that (~4e-15)
    // is the absolute accuracy of ln Γ, i.e. the relative accuracy of Γ.
    #[test]
    fn ln_gamma_known_values() {
        assert!((ln_gamma_pos(0.5) - 0.5 * PI.ln()).abs() < 4e-15);
        assert!((ln_gamma_pos(1.0)).abs() < 4e-15);
        assert!((ln_gamma_pos(11.0) - 3_628_800f64.ln()).abs() < 4e-15);
        assert!(
            (ln_gamma_pos(101.0) - (1..=100).map(|i| (i as f64).ln()).sum::<f64>()).abs() < 1e-12
        );
        // Γ(-1/2) = -2 sqrt(π)
        let (l, s) = ln_gamma_sign(-0.5);
        assert_eq!(s, -1.0);
        assert!((l - (2.0 * PI.sqrt()).ln()).abs() < 4e-15);
        assert_eq!(ln_gamma_sign(-3.0).1, 0.0);
    }

    #[test]
    fn digamma_known_values() {
        assert!((digamma(1.0) + EULER_GAMMA).abs() < 1e-15);
        assert!((digamma(0.5) + EULER_GAMMA + 2.0 * 2f64.ln()).abs() < 1e-15);
        // ψ(x+1) = ψ(x) + 1/x, also for negative x
        assert!((digamma(-1.5) - (digamma(-0.5) - 1.0 / -1.5)).abs() < 1e-13);
    }

    #[test]
    fn diff_quot_matches_digamma_and_plain_difference() {
        for &x in &[0.3, 1.0, 2.5, 17.0, -0.5, -2.3] {
            let q = ln_gamma_diff_quot(x, 1e-12);
            assert!(
                (q - digamma(x)).abs() < 1e-10 * (1.0 + digamma(x).abs()),
                "x = {x}"
            );
            let eps = 0.25;
            let plain = (ln_gamma_sign(x + eps).0 - ln_gamma_sign(x).0) / eps;
            assert!(
                (ln_gamma_diff_quot(x, eps) - plain).abs() < 1e-13,
                "x = {x}"
            );
        }
        // Γ(5)/Γ(3) = 12, Γ(-0.5)/Γ(0.5) = -2
        let (l, s) = ln_gamma_ratio(5.0, 3.0);
        assert!((l - 12f64.ln()).abs() < 4e-15 && s == 1.0);
        let (l, s) = ln_gamma_ratio(-0.5, 0.5);
        assert!((l - 2f64.ln()).abs() < 4e-15 && s == -1.0);
    }
}

#[cfg(test)]
mod trigamma_tests {
    use super::trigamma;
    use approx::assert_relative_eq;
    use std::f64::consts::PI;

    #[test]
    fn trigamma_closed_forms() {
        // psi_1(1) = pi^2/6, psi_1(1/2) = pi^2/2, psi_1(n + 1) = pi^2/6 - sum_{k<=n} 1/k^2
        // (Abramowitz & Stegun 6.4.2, 6.4.4, 6.4.6).
        assert_relative_eq!(trigamma(1.0), PI * PI / 6.0, max_relative = 1e-14);
        assert_relative_eq!(trigamma(0.5), PI * PI / 2.0, max_relative = 1e-14);
        let harmonic2: f64 = (1..=30).map(|k| 1.0 / (k * k) as f64).sum();
        assert_relative_eq!(
            trigamma(31.0),
            PI * PI / 6.0 - harmonic2,
            max_relative = 1e-12
        );
        // psi_1(x) ~ 1/x^2 as x -> 0 (the pole), ~ 1/x as x -> infinity
        assert_relative_eq!(trigamma(1e-8), 1e16, max_relative = 1e-7);
        assert_relative_eq!(trigamma(1e8), 1e-8, max_relative = 1e-7);
    }

    #[test]
    fn trigamma_is_the_derivative_of_digamma() {
        for x in [0.03, 0.7, 2.5, 9.9, 10.1, 55.0] {
            let h = 1e-5 * x;
            let fd = (statrs::function::gamma::digamma(x + h)
                - statrs::function::gamma::digamma(x - h))
                / (2.0 * h);
            assert_relative_eq!(trigamma(x), fd, max_relative = 1e-7);
        }
    }
}
