//! The BG/NBD conditional-expectation kernel
//! `K(k, a, bx, tau) = c/(a-1) [1 - 2F1(k, a-1; c; -tau)]`, `c = a + bx - 1`.
//!
//! It lives with the model rather than in [`crate::special`], which keeps only generic special
//! functions (2F1, gamma-function helpers, quadrature): `K` is specific to the BG/NBD family.
//!
//! Three evaluation routes, all free of the removable singularity at `a = 1`:
//! 1. a negative-binomial mixture with positive terms (no cancellation at all), used when it
//!    needs few terms (small `k tau`, moderate `tau`);
//! 2. otherwise, when `a` is not close to 1, `2F1` through [`hyp2f1`] (its transformations
//!    handle `tau -> inf`) and the division by `a - 1`;
//! 3. for `a` within `NEAR_ONE` of 1 and many terms, route 1 if it stays affordable, else
//!    polynomial interpolation in `a - 1` through nodes evaluated by route 2;
//! 4. at extreme parameters (below 1e-6 or above 1e6, `tau` above 1e8, `k tau` above 1e9),
//!    and wherever routes 1-3 fail or leave the bounds `0 <= K <= k tau`, adaptive quadrature
//!    of the Beta mixture (`beta_mixture_quadrature`): slower (tens of microseconds) but
//!    finite and accurate for every valid argument.

use crate::error::{Error, Result};
use crate::special::{expm1_quot, hyp2f1};

/// Route 1 is taken when its estimated number of terms is below this.
const MIXTURE_FAST_TERMS: f64 = 200.0;
/// Route 1 is still preferred over interpolation up to this many terms.
const MIXTURE_MAX_TERMS: f64 = 50_000.0;
/// Below this `|a - 1|`, route 2 would lose more than ~1e-13 to the division by `a - 1`.
const NEAR_ONE: f64 = 8e-3;
/// Spacing of the interpolation nodes in `a - 1`: nodes at +-h, +-2h, +-3h, +-4h.
const NODE_SPACING: f64 = 2e-3;

/// Expected number of purchases in `(T, T + t]` of a BG/NBD customer who is alive at `T`.
///
/// With `k = r + x`, `a` the BG/NBD dropout parameter, `bx = b + x`, `c = a + bx - 1` and
/// `tau = t / (alpha + T)`:
///
/// `K = c / (a - 1) * [1 - 2F1(k, a - 1; c; -tau)] = E_{p ~ Beta(a, bx)}[(1 - (1 + p tau)^-k) / p]`
///
/// so that `E[Y(t) | x, t_x, T] = P(alive at T) * K`. `K` is finite for every `k > 0, a > 0,
/// bx > 0, tau >= 0` (the apparent singularity at `a = 1` is removable, and `c <= 0` is
/// allowed); `K(tau = 0) = 0` and `K ~ k tau` for small `tau`. Relative accuracy is about
/// 1e-13 (worst cases around 1e-12: `a` within 8e-3 of 1 together with very large `k tau`).
///
/// Typical cost is a few hundred nanoseconds (more for `k tau` in the thousands, a few
/// microseconds when that coincides with `a` within 8e-3 of 1); it never allocates.
/// `benches/special.rs` measures it.
///
/// # Errors
/// [`Error::InvalidArgument`] if `k`, `a` or `bx` is not a finite positive number or `tau` is
/// not finite and `>= 0`.
///
/// # Examples
/// ```
/// use clv::models::bgnbd::bgnbd_expected_alive;
/// // CDNOW BG/NBD parameters (Fader, Hardie & Lee 2005), customer x = 2, T = 38.86 weeks,
/// // horizon t = 39 weeks.
/// let (r, alpha, a, b) = (0.2425982, 4.4136842, 0.7929899, 2.4261667);
/// let (x, t_x, big_t, t) = (2.0, 30.43, 38.86, 39.0);
/// let k = bgnbd_expected_alive(r + x, a, b + x, t / (alpha + big_t)).unwrap();
/// let p_alive = 1.0
///     / (1.0 + a / (b + x - 1.0) * ((alpha + big_t) / (alpha + t_x)).powf(r + x));
/// assert!((p_alive * k - 1.226).abs() < 5e-4);
/// // a = 1 exactly is fine
/// assert!(bgnbd_expected_alive(2.0, 1.0, 3.0, 1.5).unwrap().is_finite());
/// ```
pub fn bgnbd_expected_alive(k: f64, a: f64, bx: f64, tau: f64) -> Result<f64> {
    for (name, v) in [("k", k), ("a", a), ("bx", bx)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(Error::invalid_argument(
                name,
                v,
                "BG/NBD kernel parameters must be finite and > 0",
            ));
        }
    }
    if !(tau.is_finite() && tau >= 0.0) {
        return Err(Error::invalid_argument(
            "tau",
            tau,
            "scaled horizon t / (alpha + T) must be finite and >= 0",
        ));
    }
    if tau == 0.0 {
        return Ok(0.0);
    }
    if is_extreme(k, a, bx, tau) {
        return beta_mixture_quadrature(k, a, bx, tau);
    }
    match closed_routes(k, a, bx, tau) {
        // 0 <= K <= k tau, since (1 - (1 + p tau)^-k) / p <= k tau
        Ok(v) if v.is_finite() && v >= 0.0 && v <= k * tau * (1.0 + 1e-12) => Ok(v),
        _ => beta_mixture_quadrature(k, a, bx, tau),
    }
}

/// Routes 1 to 3.
fn closed_routes(k: f64, a: f64, bx: f64, tau: f64) -> Result<f64> {
    let delta = a - 1.0;
    let log1p_tau = tau.ln_1p();
    let terms = mixture_terms(k, tau, log1p_tau);
    let mixture_ok = k * log1p_tau < 700.0; // (1 + tau)^-k must not underflow
    if mixture_ok && terms <= MIXTURE_FAST_TERMS {
        return Ok(mixture(k, delta, bx, tau, log1p_tau));
    }
    if let Some(value) = pfaff_large_c(k, delta, bx, tau, log1p_tau) {
        return Ok(value);
    }
    if delta.abs() >= NEAR_ONE {
        return match via_hyp2f1(k, delta, bx, tau) {
            // 2F1's connection formulas can overflow Gamma(c) for large c: the positive-term
            // mixture sum is slower but cannot.
            Err(_) if mixture_ok && terms <= MIXTURE_MAX_TERMS => {
                Ok(mixture(k, delta, bx, tau, log1p_tau))
            }
            other => other,
        };
    }
    if mixture_ok && terms <= MIXTURE_MAX_TERMS {
        return Ok(mixture(k, delta, bx, tau, log1p_tau));
    }
    interpolate_near_one(k, delta, bx, tau)
}

/// Estimated number of terms route 1 needs: mean plus 10 standard deviations of the negative
/// binomial, plus the length of its geometric tail down to 1e-17.
#[inline]
fn mixture_terms(k: f64, tau: f64, log1p_tau: f64) -> f64 {
    let mean = k * tau;
    let sd = (mean * (1.0 + tau)).sqrt();
    // -ln z = ln(1 + 1/tau)
    let tail = 39.0 / (log1p_tau - tau.ln());
    mean + 10.0 * sd + tail
}

/// Route 1. With `z = tau / (1 + tau)`, `K = sum_{n>=1} NB(n; k, z) U_n`, where
/// `NB(n; k, z) = (1-z)^k (k)_n z^n / n!` and
/// `U_n = c (1 - (bx)_n / (c)_n) / (a - 1)`, computed by the recurrence
/// `U_1 = 1, U_{n+1} = (U_n (bx + n) + c) / (c + n)` (no division by `a - 1`; `c + n > 0`).
/// Every term is positive: `0 < U_n - U_{n-1} = (bx)_{n-1} / (c+1)_{n-1} <= 1`, so `U_n <= n`.
fn mixture(k: f64, delta: f64, bx: f64, tau: f64, log1p_tau: f64) -> f64 {
    let c = delta + bx;
    let z = tau / (1.0 + tau);
    let mut weight = (-k * log1p_tau).exp() * k * z; // NB(1; k, z)
    let mut u = 1.0;
    let mut sum = 0.0;
    let mut n = 1.0;
    loop {
        sum += weight * u;
        // Tail bound: sum_{j>n} NB(j) U_j <= NB(n) n q / (1 - q), q = (k + n) z / n < 1,
        // written without divisions: NB(n) (k+n) z n <= tol * sum * (n - (k+n) z).
        let kz = (k + n) * z;
        if kz < n && weight * kz * n <= 1e-17 * sum * (n - kz) {
            return sum;
        }
        // One division serves both recurrences.
        let inv = 1.0 / ((c + n) * (n + 1.0));
        u = (u * (bx + n) + c) * (n + 1.0) * inv;
        weight *= kz * (c + n) * inv;
        n += 1.0;
    }
}

/// Route 2: `K = c (1 - F(k, a-1; c; -tau)) / (a - 1)`. For `c < 1/2` the contiguous relation
/// `c F(k,d;c;y) = c F(k,d;c+1;y) + k d y/(c+1) F(k+1,d+1;c+2;y)` is used first, so that `c`
/// near 0 (or exactly 0) costs nothing:
/// `K = c (1 - F(k, d; c+1; -tau)) / d + k tau/(c+1) F(k+1, a; c+2; -tau)`.
/// `K` through Pfaff's transformation, for customers with many purchases (large `c`):
/// `2F1(k, a-1; c; -tau) = (1+tau)^(1-a) 2F1(c-k, a-1; c; z)`, `z = tau/(1+tau)`, whose series
/// terms shrink like `(c-k)_n / (c)_n` (here `c - k = a + b - 1 - r` stays small while `c`
/// grows with x), so a few terms suffice where the other routes need thousands or overflow
/// Gamma(c). Writing `S = 1 + (a-1) T` for that series and `L = ln(1+tau)`,
/// `K = c expm1(E)/(1-a)` with `E = (a-1)(T ln1p((a-1)T)/((a-1)T) - L)`, evaluated as
/// `c expm1_quot(E) (L - T q)`: no cancellation, exact at `a = 1`. `None` when the series
/// does not settle within a few hundred terms (then another route is used).
fn pfaff_large_c(k: f64, delta: f64, bx: f64, tau: f64, log1p_tau: f64) -> Option<f64> {
    let c = delta + bx;
    let big_a = c - k;
    // Free of cancellation when c - k >= 0 (every term is positive) or small next to c; the
    // guard below catches what is left.
    if c < 30.0 || (big_a < 0.0 && -big_a > 0.25 * c) {
        return None;
    }
    let a = delta + 1.0;
    let z = tau / (1.0 + tau);
    // T = sum_{n>=1} (A)_n (a)_{n-1} / ((c)_n n!) z^n
    let mut term = big_a / c * z;
    let mut sum = term;
    let mut largest = term.abs();
    let mut n = 1.0;
    loop {
        term *= (big_a + n) * (a + n - 1.0) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        largest = largest.max(term.abs());
        n += 1.0;
        if term.abs() <= 1e-17 * sum.abs() || term == 0.0 {
            break;
        }
        if n > 400.0 {
            return None;
        }
    }
    if largest > 1e3 * sum.abs() {
        return None; // cancellation: leave it to the other routes
    }
    let y = delta * sum;
    let q = if y.abs() < 1e-8 {
        1.0 - y / 2.0 + y * y / 3.0
    } else {
        y.ln_1p() / y
    };
    let inner = log1p_tau - sum * q;
    let e = -delta * inner;
    let value = c * expm1_quot(e) * inner;
    value.is_finite().then_some(value)
}

fn via_hyp2f1(k: f64, delta: f64, bx: f64, tau: f64) -> Result<f64> {
    let c = delta + bx;
    if c >= 0.5 {
        let f = hyp2f1(k, delta, c, -tau)?;
        Ok(c * (1.0 - f) / delta)
    } else {
        let f = hyp2f1(k, delta, c + 1.0, -tau)?;
        let g = hyp2f1(k + 1.0, delta + 1.0, c + 2.0, -tau)?;
        Ok(c * (1.0 - f) / delta + k * tau / (c + 1.0) * g)
    }
}

/// Route 3: `K` is analytic in `d = a - 1` near 0; Lagrange interpolation through the 8 nodes
/// `d = +-h, +-2h, +-3h, +-4h` evaluated by route 2. The interpolation error is about
/// `0.014 (h L)^8` relative, `L` the scale of `d ln K / d a` (~ ln(k tau)), i.e. < 1e-14 for
/// `k tau` up to 1e6; each node loses ~1e-16 / (h K/c) to the division by `d`.
fn interpolate_near_one(k: f64, delta: f64, bx: f64, tau: f64) -> Result<f64> {
    let mut nodes = [0.0; 8];
    let mut values = [0.0; 8];
    for (i, j) in [-4.0, -3.0, -2.0, -1.0, 1.0, 2.0, 3.0, 4.0]
        .iter()
        .enumerate()
    {
        nodes[i] = j * NODE_SPACING;
        values[i] = via_hyp2f1(k, nodes[i], bx, tau)?;
    }
    let mut result = 0.0;
    for i in 0..8 {
        let mut l = 1.0;
        for j in 0..8 {
            if i != j {
                l *= (delta - nodes[j]) / (nodes[i] - nodes[j]);
            }
        }
        result += l * values[i];
    }
    Ok(result)
}

/// Beyond these, the series and connection routes above lose accuracy, overflow or need
/// unbounded work; [`beta_mixture_quadrature`] is used instead.
fn is_extreme(k: f64, a: f64, bx: f64, tau: f64) -> bool {
    let big = |v: f64| v > 1e6;
    let small = |v: f64| v < 1e-6;
    big(k) || big(a) || big(bx) || small(k) || small(a) || small(bx) || tau > 1e8 || k * tau > 1e9
}

/// Largest number of integrand evaluations of [`beta_mixture_quadrature`] (bounded work).
const QUAD_MAX_EVALS: usize = 400_000;

/// Route 4, for every valid argument (used where the others fail or at extreme parameters):
/// `K = E_{p ~ Beta(a, bx)}[g(p)]`, `g(p) = (1 - (1 + p tau)^-k) / p`, by adaptive
/// Gauss-Legendre quadrature in `d = logit(p) - logit(p*)`, `p* = a / (a + bx)`. In `d` the
/// Beta density is `exp(l(d)) / norm` with `l(d) = a d - (a + bx) ln(1 + p* expm1(d))`
/// (log-concave, no cancellation near the mode, no `ln B(a, bx)` needed: the normalising
/// integral is computed with the same rule and divides out). The tails beyond
/// `p < p0` and `1 - p < q1` (both below `1e-16 / (a + bx + (k+1) tau + 2)`) are exponential
/// to relative error 1e-16 and integrated in closed form: `g(0) e^l(d0) / a` and
/// `g(1) e^l(d1) / bx`.
pub(crate) fn beta_mixture_quadrature(k: f64, a: f64, bx: f64, tau: f64) -> Result<f64> {
    let s = a + bx;
    let p_star = a / s;
    let q_star = bx / s;
    let w_star = a.ln() - bx.ln();
    let g0 = k * tau;
    let g1 = -(-k * tau.ln_1p()).exp_m1();
    let g = |d: f64| {
        let (p, _) = split(d, p_star, q_star);
        if p == 0.0 {
            g0
        } else {
            -(-k * (p * tau).ln_1p()).exp_m1() / p
        }
    };
    let l = |d: f64| log_density(d, a, bx, p_star, q_star);
    let eps = 1e-16 / (s + (k + 1.0) * tau + 2.0);
    let d0 = eps.ln() - (-eps).ln_1p() - w_star;
    let d1 = -eps.ln() + (-eps).ln_1p() - w_star;
    // Shift the log density by its maximum on [d0, d1] so nothing overflows.
    let l_max = l(0.0f64.clamp(d0, d1));
    let sigma = (1.0 / a + 1.0 / bx).sqrt();
    let mut cuts = vec![d0, d1];
    for m in [1.0, 3.0, 10.0, 30.0] {
        cuts.push(-m * sigma);
        cuts.push(m * sigma);
    }
    cuts.push(0.0);
    cuts.push(-((k + 1.0) * tau).ln() - w_star);
    cuts.push(-tau.ln() - w_star);
    cuts.retain(|c| c.is_finite() && *c >= d0 && *c <= d1);
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let dens = |d: f64| (l(d) - l_max).exp();
    let f = |d: f64| (g(d) * dens(d), dens(d));
    let mut evals = 0usize;
    // a first estimate of both integrals sets the absolute tolerance of every panel
    let mut scale = (0.0, 0.0);
    for w in cuts.windows(2) {
        let v = gl(&f, w[0], w[1], &mut evals);
        scale.0 += v.0.abs();
        scale.1 += v.1.abs();
    }
    let tol = (1e-15 * scale.0, 1e-15 * scale.1);
    let mut num = 0.0;
    let mut den = 0.0;
    for w in cuts.windows(2) {
        let (n, m) = adaptive(&f, w[0], w[1], tol, 0, &mut evals)?;
        num += n;
        den += m;
    }
    let left = (l(d0) - l_max).exp() / a;
    let right = (l(d1) - l_max).exp() / bx;
    num += g0 * left + g1 * right;
    den += left + right;
    let value = num / den;
    if value.is_finite() && den > 0.0 {
        Ok(value.clamp(0.0, g0))
    } else {
        Err(Error::invalid_argument(
            "k",
            k,
            "BG/NBD kernel: the Beta-mixture quadrature gave no finite value (limit of f64)",
        ))
    }
}

/// `(p, 1 - p)` at `d`, each without cancellation.
fn split(d: f64, p_star: f64, q_star: f64) -> (f64, f64) {
    if d <= 0.0 {
        let e = d.exp();
        let den = q_star + p_star * e;
        (p_star * e / den, q_star / den)
    } else {
        let e = (-d).exp();
        let den = q_star * e + p_star;
        (p_star / den, q_star * e / den)
    }
}

/// `l(d) = a d - (a + bx) ln(q* + p* e^d)`, 0 at the mode `d = 0`, written so that the two
/// large terms do not cancel: with `p* <= 1/2` (`a <= bx`) as `a d - s ln1p(p* expm1(d))`,
/// otherwise as `-bx d - s ln1p(q* expm1(-d))` (the same, with the roles of the ends swapped),
/// each switching to the other where an exponential would overflow.
///
/// Near the mode (where a concentrated Beta has all its mass) both forms go through
/// [`log_density_near_mode`]: `a d` and `s ln1p(..)` are each about `sqrt(a)` there and cancel
/// to about 1, which left rounding noise of `1e-16 sqrt(a)` in the density (1e-10 at
/// `a = 1e12`), above the quadrature's tolerance: it never settled.
fn log_density(d: f64, a: f64, bx: f64, p_star: f64, q_star: f64) -> f64 {
    let s = a + bx;
    let from_left = |d: f64| log_density_near_mode(d, a, s, p_star);
    let from_right = |d: f64| log_density_near_mode(-d, bx, s, q_star);
    if (p_star <= 0.5 && d < 700.0) || d > -700.0 && p_star > 0.5 {
        if p_star <= 0.5 {
            from_left(d)
        } else {
            from_right(d)
        }
    } else if p_star <= 0.5 {
        from_right(d)
    } else {
        from_left(d)
    }
}

/// `a d - s ln1p(p expm1(d))` with `a = s p`. For `|d| < 1/2` it is rewritten as
/// `s (u - ln1p(u)) - a (expm1(d) - d)`, `u = p expm1(d)`, both differences by their series:
/// every term is then of the size of the result, with no cancellation of large numbers.
fn log_density_near_mode(d: f64, a: f64, s: f64, p: f64) -> f64 {
    if d.abs() >= 0.5 {
        return a * d - s * (p * d.exp_m1()).ln_1p();
    }
    let u = p * d.exp_m1();
    s * u_minus_ln1p(u) - a * expm1_minus_x(d)
}

/// `u - ln1p(u)` without cancellation for `|u| < 0.65` (series `sum_{n>=2} (-u)^n / n`).
fn u_minus_ln1p(u: f64) -> f64 {
    if u.abs() >= 0.65 {
        return u - u.ln_1p();
    }
    let mut power = u * u;
    let mut sum = 0.0;
    let mut n = 2.0;
    loop {
        let term = power / n;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            return sum;
        }
        power *= -u;
        n += 1.0;
    }
}

/// `expm1(x) - x` without cancellation for `|x| < 1/2` (series `sum_{n>=2} x^n / n!`).
fn expm1_minus_x(x: f64) -> f64 {
    if x.abs() >= 0.5 {
        return x.exp_m1() - x;
    }
    let mut term = x * x / 2.0;
    let mut sum = term;
    let mut n = 2.0;
    while term.abs() > 1e-17 * sum.abs() {
        n += 1.0;
        term *= x / n;
        sum += term;
    }
    sum
}

/// `(int f.0, int f.1)` over `[lo, hi]` by 20-point Gauss-Legendre, bisected until the halves
/// agree with the whole to `tol` (absolute) or 1e-14 (relative), or the depth is spent; an
/// error when the evaluation budget is.
fn adaptive(
    f: &dyn Fn(f64) -> (f64, f64),
    lo: f64,
    hi: f64,
    tol: (f64, f64),
    depth: u32,
    evals: &mut usize,
) -> Result<(f64, f64)> {
    let whole = gl(f, lo, hi, evals);
    let mid = 0.5 * (lo + hi);
    let a = gl(f, lo, mid, evals);
    let b = gl(f, mid, hi, evals);
    let halves = (a.0 + b.0, a.1 + b.1);
    let close = |x: f64, y: f64, t: f64| (x - y).abs() <= t.max(1e-14 * y.abs());
    if (close(whole.0, halves.0, tol.0) && close(whole.1, halves.1, tol.1)) || depth >= 40 {
        return Ok(halves);
    }
    if *evals > QUAD_MAX_EVALS {
        return Err(Error::invalid_argument(
            "k",
            f64::NAN,
            format!(
                "BG/NBD kernel: the Beta-mixture quadrature did not settle within \
                 {QUAD_MAX_EVALS} evaluations"
            ),
        ));
    }
    let x = adaptive(f, lo, mid, tol, depth + 1, evals)?;
    let y = adaptive(f, mid, hi, tol, depth + 1, evals)?;
    Ok((x.0 + y.0, x.1 + y.1))
}

fn gl(f: &dyn Fn(f64) -> (f64, f64), lo: f64, hi: f64, evals: &mut usize) -> (f64, f64) {
    let (nodes, weights) = crate::special::quadrature::gauss_legendre();
    let h = hi - lo;
    let mut s = (0.0, 0.0);
    for (z, w) in nodes.iter().zip(weights) {
        let v = f(lo + z * h);
        s.0 += w * v.0;
        s.1 += w * v.1;
    }
    *evals += nodes.len();
    (s.0 * h, s.1 * h)
}
