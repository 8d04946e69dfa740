//! Gauss' hypergeometric function 2F1(a, b; c; z) for real parameters and real z < 1.
//!
//! Strategy, for a non-terminating series:
//! * `0 <= z <= 0.5`: the defining power series;
//! * `z < 0`: Pfaff's transformation maps z to `x = z / (z - 1)` in (0, 1);
//! * `0.5 < x < 1`: the connection formula in `1 - x` (A&S 15.3.6). When `s = c - a - b` is an
//!   integer or within [`DEGENERATE_BAND`] of one, the two terms of that formula have poles that
//!   cancel; they are then combined analytically term by term (the limit is A&S 15.3.10-15.3.12;
//!   for `s` near but not at an integer the same combination is evaluated with difference
//!   quotients of log-gamma, which stay exact as the distance to the integer goes to 0).

use std::f64::consts::PI;

use super::gamma::{
    expm1_quot, is_nonpositive_integer, ln_gamma_diff_quot, ln_gamma_pos, ln_gamma_ratio,
    ln_gamma_sign,
};
use crate::error::{Error, Result};

/// Power series are used directly for `0 <= x <= SERIES_MAX`.
const SERIES_MAX: f64 = 0.5;
/// `c - a - b` within this distance of an integer uses the degenerate (limiting) connection.
const DEGENERATE_BAND: f64 = 0.05;
/// Relative size of the neglected tail of a series.
const TAIL_TOL: f64 = 1e-17;
/// A 1 - x expansion losing more than this factor to cancellation (8 times more for x > 0.9,
/// where the direct series gets long) is compared with the direct series...
const DIRECT_FALLBACK_COND: f64 = 8.0;
/// ...if that needs at most this many terms.
const DIRECT_FALLBACK_TERMS: f64 = 20_000.0;
/// Give up after this many terms (only reachable with parameters of order 1e5 and more).
const MAX_TERMS: usize = 1_000_000;

/// Gauss' hypergeometric function `2F1(a, b; c; z)` for real `a, b, c` and real `z < 1`.
///
/// `2F1(a, b; c; z) = sum_n (a)_n (b)_n / ((c)_n n!) z^n`, continued analytically to every
/// `z < 1` (including large negative `z`).
///
/// Accuracy: about 1e-14 relative (a few units of 1e-15 typically) where the function is well
/// conditioned and parameters are moderate (|a|, |b|, |c| up to a few tens); with parameters in
/// the hundreds the log-gamma factors of the connection formula limit it to about
/// `1e-16 * sum |ln Γ(.)|`, i.e. ~1e-12. Near-integer `c - a - b` is handled exactly (no
/// parameter perturbation).
///
/// # Errors
/// [`Error::InvalidArgument`] when an argument is not finite, when `z >= 1`, when `c` is zero or
/// a negative integer and the series does not terminate before the division by zero (it does
/// when `a` or `b` is a non-positive integer with `-a <= -c`, resp. `-b <= -c`), and when the
/// value overflows `f64`.
///
/// # Examples
/// ```
/// use clv::special::hyp2f1;
/// // 2F1(1, 1; 2; z) = -ln(1 - z) / z
/// let z = -3.0_f64;
/// let v = hyp2f1(1.0, 1.0, 2.0, z).unwrap();
/// assert!((v / (-(1.0 - z).ln() / z) - 1.0).abs() < 1e-14);
/// // c - a - b = 0 (logarithmic case), close to z = 1
/// assert!(hyp2f1(0.5, 0.5, 1.0, 0.999999).unwrap().is_finite());
/// assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    for (name, v) in [("a", a), ("b", b), ("c", c), ("z", z)] {
        if !v.is_finite() {
            return Err(Error::invalid_argument(
                name,
                v,
                "2F1 arguments must be finite",
            ));
        }
    }
    if z >= 1.0 {
        return Err(Error::invalid_argument(
            "z",
            z,
            "2F1(a, b; c; z) is only defined here for real z < 1 (branch cut [1, inf))",
        ));
    }
    let degree = terminating_degree(a, b);
    if is_nonpositive_integer(c) {
        return match degree {
            Some((d, _)) if d as f64 <= -c => {
                let d = bounded_degree(d, a, b)?;
                finish(polynomial(a, b, c, z, d).0, a, b, c, z)
            }
            _ => Err(Error::invalid_argument(
                "c",
                c,
                "c is zero or a negative integer and the series does not terminate before it \
                 divides by zero",
            )),
        };
    }
    if z == 0.0 {
        return Ok(1.0);
    }
    let value = if z >= 0.0 {
        unit_interval(a, b, c, z, 1.0 - z)?.0.value()
    } else {
        // Pfaff: F(a,b;c;z) = (1-z)^-a F(a, c-b; c; x) = (1-z)^-b F(b, c-a; c; x),
        // x = z/(z-1) in (0, 1). A terminating parameter is kept (the result is still a
        // polynomial); otherwise the variant whose series has only positive terms, otherwise the
        // one with the smaller first term.
        let x = -z / (1.0 - z);
        let w = 1.0 / (1.0 - z);
        let keep_a = match degree {
            Some((_, a_terminates)) => a_terminates,
            None => {
                let pos_a = a > 0.0 && c - b > 0.0 && c > 0.0;
                let pos_b = b > 0.0 && c - a > 0.0 && c > 0.0;
                if pos_a != pos_b {
                    pos_a
                } else {
                    (a * (c - b)).abs() <= (b * (c - a)).abs()
                }
            }
        };
        let (p, q) = if keep_a { (a, b) } else { (b, a) };
        let (f, _) = unit_interval(p, c - q, c, x, w)?;
        scaled(f, -p * (-z).ln_1p())
    };
    finish(value, a, b, c, z)
}

/// Turns a non-finite result into an error.
fn finish(value: f64, a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::invalid_argument(
            "z",
            z,
            format!("2F1({a}, {b}; {c}; z) overflows f64"),
        ))
    }
}

/// A value `mantissa * exp(log_scale)`, to keep large gamma factors from overflowing early.
#[derive(Clone, Copy, Debug)]
struct Scaled {
    mantissa: f64,
    log_scale: f64,
}

impl Scaled {
    fn plain(v: f64) -> Self {
        Scaled {
            mantissa: v,
            log_scale: 0.0,
        }
    }
    fn value(self) -> f64 {
        if self.log_scale == 0.0 {
            self.mantissa
        } else {
            self.mantissa * self.log_scale.exp()
        }
    }
}

fn scaled(s: Scaled, extra_log: f64) -> f64 {
    Scaled {
        mantissa: s.mantissa,
        log_scale: s.log_scale + extra_log,
    }
    .value()
}

/// `Some((degree, a_is_the_terminating_one))` if `a` or `b` is a non-positive integer.
fn terminating_degree(a: f64, b: f64) -> Option<(u64, bool)> {
    match (is_nonpositive_integer(a), is_nonpositive_integer(b)) {
        (true, true) => Some(if a >= b {
            ((-a) as u64, true)
        } else {
            ((-b) as u64, false)
        }),
        (true, false) => Some(((-a) as u64, true)),
        (false, true) => Some(((-b) as u64, false)),
        (false, false) => None,
    }
}

/// `d`, the degree of a terminating series, if it is at most [`MAX_TERMS`]: a larger degree
/// (a parameter like -1e16, which floating point cannot tell from an integer) would take
/// longer than any caller waits, so it is an error naming the limit.
fn bounded_degree(d: u64, a: f64, b: f64) -> Result<u64> {
    if d <= MAX_TERMS as u64 {
        return Ok(d);
    }
    Err(Error::invalid_argument(
        "a",
        a,
        format!(
            "2F1 with b = {b} is a polynomial of degree {d}, beyond the {MAX_TERMS} terms this \
             implementation evaluates; parameters this large are out of range"
        ),
    ))
}

/// The condition of a sum: `sum |terms| / |sum|` (>= 1; infinite for a zero sum).
#[inline]
fn condition(sum: f64, abs_sum: f64) -> f64 {
    if abs_sum == 0.0 {
        1.0
    } else {
        abs_sum / sum.abs()
    }
}

/// The terminating series up to degree `d`: `(sum, sum of |terms|)`.
fn polynomial(a: f64, b: f64, c: f64, x: f64, d: u64) -> (f64, f64) {
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut abs_sum = 1.0;
    for n in 0..d {
        let n = n as f64;
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * x;
        sum += term;
        abs_sum += term.abs();
    }
    (sum, abs_sum)
}

/// `F(-d, q; c; x)` for `0 < x < 1`: the plain polynomial, or, if that cancels badly, the same
/// polynomial re-expanded in `w = 1 - x` with its exact Taylor coefficients at `x = 1`
/// (Chu-Vandermonde for every derivative):
/// `F = sum_j (-d)_j (q)_j (c-q)_{d-j} / ((c)_d j!) (-w)^j`.
/// Returns `(value, condition)`.
fn terminating(p: f64, q: f64, c: f64, x: f64, w: f64, d: u64) -> (f64, f64) {
    let (v, abs) = polynomial(p, q, c, x, d);
    let cond = condition(v, abs);
    if cond <= DIRECT_FALLBACK_COND || x <= 0.5 {
        return (v, cond);
    }
    // e_d = (-d)_d (q)_d / ((c)_d d!), then downwards
    // e_{j-1} = e_j j (c - q + d - j) / ((p + j - 1)(q + j - 1)).
    let mut e = 1.0;
    for n in 0..d {
        let n = n as f64;
        e *= (p + n) * (q + n) / ((c + n) * (n + 1.0));
    }
    let df = d as f64;
    let mut sum = 0.0;
    let mut abs2 = 0.0;
    for j in (0..=d).rev() {
        let jf = j as f64;
        let term = e * (-w).powi(j as i32);
        sum += term;
        abs2 += term.abs();
        if j > 0 {
            e *= jf * (c - q + df - jf) / ((p + jf - 1.0) * (q + jf - 1.0));
        }
    }
    let cond2 = condition(sum, abs2);
    if cond2 < cond {
        (sum, cond2)
    } else {
        (v, cond)
    }
}

/// The power series for `|x| < 1`, with a tail bound as stopping rule: `(sum, sum |terms|)`.
fn series(a: f64, b: f64, c: f64, x: f64) -> Result<(f64, f64)> {
    // Past n_min no factor (a+n), (b+n), (c+n) changes sign any more.
    let n_min = (-a).max(-b).max(-c).max(0.0).ceil() as usize + 1;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut abs_sum = 1.0;
    let mut small_in_a_row = 0;
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        let ratio = (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * x;
        term *= ratio;
        sum += term;
        abs_sum += term.abs();
        if term == 0.0 {
            return Ok((sum, abs_sum));
        }
        if n >= n_min {
            // tail <= |term| r / (1 - r) with r bounding the remaining term ratios
            let r = ratio.abs().max(x.abs());
            if r < 1.0 && term.abs() * r <= TAIL_TOL * sum.abs() * (1.0 - r) {
                small_in_a_row += 1;
                if small_in_a_row >= 2 {
                    return Ok((sum, abs_sum));
                }
            } else {
                small_in_a_row = 0;
            }
        }
    }
    Err(Error::numerical(
        format!("2F1({a}, {b}; {c}; {x})"),
        format!("the series did not converge in {MAX_TERMS} terms"),
    ))
}

/// `ln |Γ(p1) Γ(p2) / (Γ(q1) Γ(q2))|` and its sign; sign 0 if a denominator has a pole.
/// The gammas are paired (p1 with q1 and p2 with q2, or crosswise, whichever pairs are closer)
/// so that large but close arguments cancel exactly instead of through ln Γ values.
fn gamma_ratio(p1: f64, p2: f64, q1: f64, q2: f64) -> (f64, f64) {
    let (x1, y1, x2, y2) =
        if (p1 - q1).abs().max((p2 - q2).abs()) <= (p1 - q2).abs().max((p2 - q1).abs()) {
            (p1, q1, p2, q2)
        } else {
            (p1, q2, p2, q1)
        };
    let (l1, s1) = ln_gamma_ratio(x1, y1);
    let (l2, s2) = ln_gamma_ratio(x2, y2);
    if s1 == 0.0 || s2 == 0.0 {
        return (f64::NEG_INFINITY, 0.0);
    }
    (l1 + l2, s1 * s2)
}

/// `2F1(a, b; c; x)` for `0 < x < 1` with `w = 1 - x` given separately (to keep its digits)
/// and `c` not a pole: `(value, condition estimate)`.
fn unit_interval(a: f64, b: f64, c: f64, x: f64, w: f64) -> Result<(Scaled, f64)> {
    if let Some((d, a_terminates)) = terminating_degree(a, b) {
        let (p, q) = if a_terminates { (a, b) } else { (b, a) };
        let d = bounded_degree(d, p, q)?;
        let (v, cond) = terminating(p, q, c, x, w, d);
        return Ok((Scaled::plain(v), cond));
    }
    let s = c - a - b;
    if let Some((d, first)) = terminating_degree(c - a, c - b) {
        // Euler: F(a,b;c;x) = (1-x)^s F(c-a, c-b; c; x), a polynomial.
        let (p, q) = if first {
            (c - a, c - b)
        } else {
            (c - b, c - a)
        };
        let d = bounded_degree(d, p, q)?;
        let (v, cond) = terminating(p, q, c, x, w, d);
        return Ok((
            Scaled {
                mantissa: v,
                log_scale: s * w.ln(),
            },
            cond,
        ));
    }
    if x <= SERIES_MAX {
        let (v, abs) = series(a, b, c, x)?;
        return Ok((Scaled::plain(v), condition(v, abs)));
    }
    let m = s.round();
    let eps = s - m;
    let (conn, cond) = if eps.abs() > DEGENERATE_BAND {
        connection(a, b, c, w, s)?
    } else if m < 0.0 {
        // Euler first, so that the integer part of c - a - b is >= 0.
        let (inner, cond) = degenerate(c - a, c - b, c, w, -m, -eps)?;
        (
            Scaled {
                mantissa: inner.mantissa,
                log_scale: inner.log_scale + s * w.ln(),
            },
            cond,
        )
    } else {
        degenerate(a, b, c, w, m, eps)?
    };
    // The 1 - x expansions can cancel badly (large parameters, x not close to 1); the direct
    // series is then better if it is affordable.
    let limit = if x <= 0.9 {
        DIRECT_FALLBACK_COND
    } else {
        8.0 * DIRECT_FALLBACK_COND
    };
    if cond > limit {
        let terms = (40.0 + 4.0 * (a + b - c).abs()) / -(-x).ln_1p();
        if terms <= DIRECT_FALLBACK_TERMS {
            let (v, abs) = series(a, b, c, x)?;
            let cond_direct = condition(v, abs);
            if cond_direct < cond {
                return Ok((Scaled::plain(v), cond_direct));
            }
        }
    }
    Ok((conn, cond))
}

/// A&S 15.3.6 for `s = c - a - b` away from the integers, in powers of `w = 1 - x <= 0.5`.
fn connection(a: f64, b: f64, c: f64, w: f64, s: f64) -> Result<(Scaled, f64)> {
    let lw = w.ln();
    let (l1, s1) = gamma_ratio(c, s, c - a, c - b);
    let (l2, s2) = gamma_ratio(c, -s, a, b);
    let l2 = l2 + s * lw;
    let (f1, abs1) = if s1 != 0.0 {
        series(a, b, 1.0 - s, w)?
    } else {
        (0.0, 0.0)
    };
    let (f2, abs2) = if s2 != 0.0 {
        series(c - a, c - b, 1.0 + s, w)?
    } else {
        (0.0, 0.0)
    };
    // Scale by the larger of the two logarithmic factors.
    let top = if s1 == 0.0 {
        l2
    } else if s2 == 0.0 {
        l1
    } else {
        l1.max(l2)
    };
    let g1 = if s1 != 0.0 { (l1 - top).exp() } else { 0.0 };
    let g2 = if s2 != 0.0 { (l2 - top).exp() } else { 0.0 };
    let sum = s1 * f1 * g1 + s2 * f2 * g2;
    let abs = abs1 * g1 + abs2 * g2;
    Ok((
        Scaled {
            mantissa: sum,
            log_scale: top,
        },
        condition(sum, abs),
    ))
}

/// The connection formula for `c - a - b = m + eps`, `m` a non-negative integer and `eps` small
/// (possibly 0), with the cancelling poles of its two halves combined analytically.
///
/// With `w = 1 - x`:
///
/// ```text
/// F = Γ(c)Γ(m+eps)/(Γ(a+m+eps)Γ(b+m+eps)) sum_{n<m} (a)_n (b)_n / ((1-m-eps)_n n!) w^n
///   + Γ(c)/(Γ(a)Γ(b)) (-1)^m (π eps / sin(π eps)) w^m sum_j D_j w^j,
/// D_j = (A_j - B_j) / eps,
/// A_j = Γ(a+m+j)Γ(b+m+j) / (Γ(a+m+eps)Γ(b+m+eps) Γ(j+1-eps) Γ(m+j+1)),
/// B_j = w^eps Γ(a+m+j+eps)Γ(b+m+j+eps) / (Γ(a+m+eps)Γ(b+m+eps) Γ(m+j+1+eps) Γ(j+1)).
/// ```
///
/// (Both halves of A&S 15.3.6 have a pole at eps = 0; re-indexing the first one from n = m on
/// and pairing it with the second gives this.) `D_0` is evaluated from difference quotients of `ln Γ`, and `D_{j+1}` by a recurrence whose
/// `eps`-division is carried out algebraically, so nothing cancels as `eps -> 0`; at `eps = 0`
/// this is A&S 15.3.10/15.3.11.
fn degenerate(a: f64, b: f64, c: f64, w: f64, m: f64, eps: f64) -> Result<(Scaled, f64)> {
    let lw = w.ln();
    let mi = m as usize;

    // First part: the m regular terms.
    let mut part1 = Scaled::plain(0.0);
    let mut part1_abs = 0.0;
    if mi > 0 {
        let (lg, sg) = gamma_ratio(c, m + eps, c - b, c - a);
        if sg != 0.0 {
            let mut term = 1.0;
            let mut sum = 1.0;
            let mut abs = 1.0;
            for n in 0..mi - 1 {
                let nf = n as f64;
                term *= (a + nf) * (b + nf) / ((1.0 - m - eps + nf) * (nf + 1.0)) * w;
                sum += term;
                abs += term.abs();
            }
            part1 = Scaled {
                mantissa: sg * sum,
                log_scale: lg,
            };
            part1_abs = abs;
        }
    }

    // Second part. Prefactor Γ(c)/(Γ(a)Γ(b)) (-1)^m (π eps/sin π eps) w^m / m!, the 1/m! being
    // taken out of A_j and B_j.
    let (lc, sc) = ln_gamma_sign(c);
    let (la, sa) = ln_gamma_sign(a);
    let (lb, sb) = ln_gamma_sign(b);
    let ln_mfact = ln_gamma_pos(m + 1.0);
    let parity = if mi % 2 == 0 { 1.0 } else { -1.0 };
    let pi_eps = if eps == 0.0 {
        1.0
    } else {
        PI * eps / (PI * eps).sin()
    };
    let pref_sign = sc * sa * sb * parity;
    let pref_log = lc - la - lb + m * lw - ln_mfact;

    // m! A_0 = exp(eps xa) * sign, m! B_0 = exp(eps xb).
    let am = a + m;
    let bm = b + m;
    let xb = lw - ln_gamma_diff_quot(m + 1.0, eps);
    let same_sign = ln_gamma_sign(am).1
        * ln_gamma_sign(am + eps).1
        * ln_gamma_sign(bm).1
        * ln_gamma_sign(bm + eps).1;
    let mut big_b = (eps * xb).exp();
    let mut d = if same_sign > 0.0 {
        let xa = -ln_gamma_diff_quot(am, eps) - ln_gamma_diff_quot(bm, eps)
            + ln_gamma_diff_quot(1.0, -eps);
        big_b * (xa - xb) * expm1_quot(eps * (xa - xb))
    } else {
        // A pole between a+m and a+m+eps (or b+...): no cancellation to protect against.
        let la0 = ln_gamma_sign(am).0 + ln_gamma_sign(bm).0
            - ln_gamma_sign(am + eps).0
            - ln_gamma_sign(bm + eps).0
            - ln_gamma_pos(1.0 - eps);
        (-(la0.exp()) - big_b) / eps
    };

    let j_min = (-am).max(-bm).max(0.0).ceil() as usize + 1;
    let mut wj = 1.0;
    let mut sum = d;
    let mut abs = d.abs();
    let mut small_in_a_row = 0;
    for j in 0..MAX_TERMS {
        let jf = j as f64;
        let u = am + jf;
        let v = bm + jf;
        let p = jf + 1.0;
        let q = m + jf + 1.0;
        let alpha = u * v / ((p - eps) * q);
        let beta = (u + eps) * (v + eps) / ((q + eps) * p);
        // (alpha - beta) / eps, with the division done symbolically.
        let diff = (u * p * (b - 1.0) + v * q * (am - 1.0) + eps * q * (u + v - p) + eps * eps * q)
            / ((p - eps) * q * (q + eps) * p);
        d = alpha * d + big_b * diff;
        big_b *= beta;
        wj *= w;
        let term = d * wj;
        sum += term;
        abs += term.abs();
        if j >= j_min {
            if term.abs() <= TAIL_TOL * sum.abs() {
                small_in_a_row += 1;
                if small_in_a_row >= 3 {
                    let part2 = Scaled {
                        mantissa: pref_sign * pi_eps * sum,
                        log_scale: pref_log,
                    };
                    let total = add_scaled(part1, part2);
                    let abs_total = part1_abs * (part1.log_scale - total.log_scale).exp()
                        + (pi_eps * abs) * (pref_log - total.log_scale).exp();
                    return Ok((total, condition(total.mantissa, abs_total)));
                }
            } else {
                small_in_a_row = 0;
            }
        }
    }
    Err(Error::numerical(
        format!("2F1({a}, {b}; {c}; 1 - {w})"),
        "the degenerate connection series did not converge",
    ))
}

fn add_scaled(p: Scaled, q: Scaled) -> Scaled {
    if p.mantissa == 0.0 {
        return q;
    }
    if q.mantissa == 0.0 {
        return p;
    }
    let top = p.log_scale.max(q.log_scale);
    Scaled {
        mantissa: p.mantissa * (p.log_scale - top).exp() + q.mantissa * (q.log_scale - top).exp(),
        log_scale: top,
    }
}
