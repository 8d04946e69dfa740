//! The log-likelihood of the BG/NBD family with its analytic gradient and Hessian, summed
//! over compressed data with the terms of each unique frequency, recency and age computed
//! once per evaluation.
//!
//! With `d = 0` (BG/NBD, FHL 2005 eq. 6) and `d = 1` (MBG/NBD, Batislam et al. 2007):
//! `L = B(a, b+x+d)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r) *
//! [ (alpha+T)^-(r+x) + 1{x+d>0} a/(b+x+d-1) (alpha+t_x)^-(r+x) ]`.

use statrs::function::gamma::{digamma, ln_gamma};

use crate::data::group::index_unique;
use crate::data::CompressedRfm;
use crate::optim::LogLikelihood;
use crate::special::{trigamma, LnSum};

/// The four parameters and the variant's shift `d` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(super) struct Params {
    pub(super) r: f64,
    pub(super) alpha: f64,
    pub(super) a: f64,
    pub(super) b: f64,
    /// 0 for BG/NBD, 1 for MBG/NBD.
    pub(super) d: f64,
}

/// Whether a row has the second (dropped-out-after-the-last-purchase) term.
#[inline]
fn has_second(x: f64, d: f64) -> bool {
    x + d > 0.0
}

/// The parts of the likelihood that depend on x only (and the parameters), with their
/// derivatives: computed once per unique frequency.
#[derive(Clone, Copy)]
pub(super) struct XTerms {
    /// lnGamma(r+x) - lnGamma(r) + lnB(a, b+x+d) - lnB(a, b)
    ln_const: f64,
    /// d ln_const / dr, da, db
    d_r: f64,
    d_a: f64,
    d_b: f64,
    /// ln(a / (b+x+d-1)) for x + d > 0
    ln_ratio: f64,
    /// 1/(b+x+d-1) for x + d > 0
    inv_bx1: f64,
    /// second derivatives of ln_const: d2/dr2, d2/da2 (= d2/da db), d2/db2
    h_rr: f64,
    h_aa: f64,
    h_bb: f64,
}

impl XTerms {
    pub(super) fn new(p: &Params, x: f64) -> XTerms {
        let (r, a, b, d) = (p.r, p.a, p.b, p.d);
        if !has_second(x, d) {
            return XTerms {
                ln_const: 0.0,
                d_r: 0.0,
                d_a: 0.0,
                d_b: 0.0,
                ln_ratio: 0.0,
                inv_bx1: 0.0,
                h_rr: 0.0,
                h_aa: 0.0,
                h_bb: 0.0,
            };
        }
        let ab = a + b;
        let xb = x + d;
        let dg_ab = digamma(ab) - digamma(ab + xb);
        XTerms {
            ln_const: ln_gamma(r + x) - ln_gamma(r) + ln_gamma(b + xb) - ln_gamma(b) + ln_gamma(ab)
                - ln_gamma(ab + xb),
            d_r: if x > 0.0 {
                digamma(r + x) - digamma(r)
            } else {
                0.0
            },
            d_a: dg_ab,
            d_b: digamma(b + xb) - digamma(b) + dg_ab,
            ln_ratio: a.ln() - (b + xb - 1.0).ln(),
            inv_bx1: 1.0 / (b + xb - 1.0),
            h_rr: 0.0,
            h_aa: 0.0,
            h_bb: 0.0,
        }
    }

    /// [`XTerms::new`] with the second derivatives of `ln_const` (trigamma differences).
    fn with_second(p: &Params, x: f64) -> XTerms {
        let mut t = XTerms::new(p, x);
        if has_second(x, p.d) {
            let ab = p.a + p.b;
            let xb = x + p.d;
            let tri_ab = trigamma(ab) - trigamma(ab + xb);
            t.h_rr = if x > 0.0 {
                trigamma(p.r + x) - trigamma(p.r)
            } else {
                0.0
            };
            t.h_aa = tri_ab;
            t.h_bb = trigamma(p.b + xb) - trigamma(p.b) + tri_ab;
        }
        t
    }
}

/// Upper triangle of the 4 x 4 Hessian in `[r, alpha, a, b]`, row by row:
/// rr, r alpha, ra, rb, alpha alpha, alpha a, alpha b, aa, ab, bb.
const HESSIAN_ENTRIES: usize = 10;

/// One row's Hessian of the log-likelihood. With `ll = base + ln(e^l1 + e^l2)` and shares
/// `w1, w2`, it is `d2 base + w1 d2 l1 + w2 d2 l2 + w1 w2 (d l1 - d l2)(d l1 - d l2)^T`, where
/// `l1 = -k ln(alpha+T)`, `l2 = ln(a/(b+x-1)) - k ln(alpha+t_x)` and `base = ln_const + r ln alpha`.
#[inline]
#[allow(clippy::too_many_arguments)]
fn row_hessian(
    m: &Params,
    xt: &XTerms,
    x: f64,
    (ln_alpha_tx, alpha_tx): (f64, f64),
    (ln_alpha_t, inv_alpha_t): (f64, f64),
    w1: f64,
    w2: f64,
) -> [f64; HESSIAN_ENTRIES] {
    let k = m.r + x;
    let inv_alpha = 1.0 / m.alpha;
    let inv_tx = 1.0 / alpha_tx;
    // d2 base
    let mut h = [0.0; HESSIAN_ENTRIES];
    h[0] = xt.h_rr;
    h[1] = inv_alpha;
    h[4] = -m.r * inv_alpha * inv_alpha;
    h[7] = xt.h_aa;
    h[8] = xt.h_aa;
    h[9] = xt.h_bb;
    // w1 d2 l1 + w2 d2 l2
    h[1] -= w1 * inv_alpha_t + w2 * inv_tx;
    h[4] += k * (w1 * inv_alpha_t * inv_alpha_t + w2 * inv_tx * inv_tx);
    if has_second(x, m.d) {
        h[7] -= w2 / (m.a * m.a);
        h[9] += w2 * xt.inv_bx1 * xt.inv_bx1;
        // w1 w2 (d l1 - d l2)(d l1 - d l2)^T
        let d = [
            ln_alpha_tx - ln_alpha_t,
            k * (inv_tx - inv_alpha_t),
            -1.0 / m.a,
            xt.inv_bx1,
        ];
        let w12 = w1 * w2;
        let mut e = 0;
        for i in 0..4 {
            for j in i..4 {
                h[e] += w12 * d[i] * d[j];
                e += 1;
            }
        }
    }
    h
}

/// One row's log-likelihood and gradient `[d r, d alpha, d a, d b]`.
#[inline]
pub(super) fn row_log_likelihood(
    m: &Params,
    xt: &XTerms,
    x: f64,
    (ln_alpha_tx, alpha_tx): (f64, f64),
    (ln_alpha_t, inv_alpha_t): (f64, f64),
    ln_alpha: f64,
) -> (f64, [f64; 4]) {
    let (ll, e, g, _) = row_log_likelihood_shares(
        m,
        xt,
        x,
        (ln_alpha_tx, alpha_tx),
        (ln_alpha_t, inv_alpha_t),
        ln_alpha,
    );
    (ll + e.ln_1p(), g)
}

/// [`row_log_likelihood`] with the shares `(w1, w2)` of its two terms, the log-likelihood as
/// `ll + ln(1 + e)` (`e` in [0, 1], the smaller term over the larger): `(ll, e, gradient, shares)`.
#[inline]
fn row_log_likelihood_shares(
    m: &Params,
    xt: &XTerms,
    x: f64,
    (ln_alpha_tx, alpha_tx): (f64, f64),
    (ln_alpha_t, inv_alpha_t): (f64, f64),
    ln_alpha: f64,
) -> (f64, f64, [f64; 4], (f64, f64)) {
    let k = m.r + x;
    let l1 = -k * ln_alpha_t;
    let base = xt.ln_const + m.r * ln_alpha;
    if !has_second(x, m.d) {
        let ll = base + l1;
        let g = [
            ln_alpha - ln_alpha_t,
            m.r / m.alpha - k * inv_alpha_t,
            0.0,
            0.0,
        ];
        return (ll, 0.0, g, (1.0, 0.0));
    }
    let l2 = xt.ln_ratio - k * ln_alpha_tx;
    // log-sum-exp of the two terms and their shares w1 + w2 = 1
    let (s, e, w1, w2) = if l1 > l2 {
        let e = (l2 - l1).exp();
        (l1, e, 1.0 / (1.0 + e), e / (1.0 + e))
    } else {
        let e = (l1 - l2).exp();
        (l2, e, e / (1.0 + e), 1.0 / (1.0 + e))
    };
    let ll = base + s;
    let g = [
        xt.d_r + ln_alpha - w1 * ln_alpha_t - w2 * ln_alpha_tx,
        m.r / m.alpha - k * (w1 * inv_alpha_t + w2 / alpha_tx),
        xt.d_a + w2 / m.a,
        xt.d_b - w2 * xt.inv_bx1,
    ];
    (ll, e, g, (w1, w2))
}

/// The log-likelihood of compressed data of the BG/NBD family, prepared for many evaluations
/// (what a fit does at each step): each row points at its unique frequency, unique recency and
/// unique age, whose terms (lnGamma/digamma, logs) are computed once per evaluation. With
/// whole-day times a million customers have a few hundred distinct recencies and ages, so a
/// row costs one exp (its `ln(1 + e)` goes into a product per weight, `special::LnSum`).
pub struct BetaGeoData {
    d: f64,
    x: Vec<f64>,
    w: Vec<f64>,
    x_idx: Vec<u32>,
    tx_idx: Vec<u32>,
    age_idx: Vec<u32>,
    unique_x: Vec<f64>,
    unique_tx: Vec<f64>,
    unique_age: Vec<f64>,
    total_weight: f64,
}

impl BetaGeoData {
    /// Prepares the likelihood of `c` for the variant with shift `d` (0: BG/NBD, 1: MBG/NBD).
    pub(super) fn new(c: &CompressedRfm, d: f64) -> BetaGeoData {
        let (x_idx, unique_x) = index_unique(&c.frequency);
        let (tx_idx, unique_tx) = index_unique(&c.recency);
        let (age_idx, unique_age) = index_unique(&c.age);
        BetaGeoData {
            d,
            x: c.frequency.clone(),
            w: c.weight.clone(),
            x_idx,
            tx_idx,
            age_idx,
            unique_x,
            unique_tx,
            unique_age,
            total_weight: c.total_weight(),
        }
    }
}

/// Sums of a BG/NBD evaluation: log-likelihood, 4 gradient entries, 10 Hessian entries.
const SUMS: usize = 5 + HESSIAN_ENTRIES;

/// Rows whose weight (number of customers) is a whole number below this have their logs summed
/// per weight as the log of a product.
const SMALL_WEIGHTS: usize = 32;

impl BetaGeoData {
    /// Weighted sums over the rows of the log-likelihood, its gradient and, when `HESSIAN`,
    /// the upper triangle of its Hessian (see [`HESSIAN_ENTRIES`]).
    fn sums<const HESSIAN: bool>(&self, params: &[f64]) -> [f64; SUMS] {
        let m = Params {
            r: params[0],
            alpha: params[1],
            a: params[2],
            b: params[3],
            d: self.d,
        };
        let xterms: Vec<XTerms> = self
            .unique_x
            .iter()
            .map(|&x| {
                if HESSIAN {
                    XTerms::with_second(&m, x)
                } else {
                    XTerms::new(&m, x)
                }
            })
            .collect();
        let age_terms: Vec<(f64, f64)> = self
            .unique_age
            .iter()
            .map(|&t| ((m.alpha + t).ln(), 1.0 / (m.alpha + t)))
            .collect();
        let tx_terms: Vec<(f64, f64)> = self
            .unique_tx
            .iter()
            .map(|&t| ((m.alpha + t).ln(), m.alpha + t))
            .collect();
        let ln_alpha = m.alpha.ln();
        let sum_chunk = |range: std::ops::Range<usize>| {
            let mut acc = [0.0f64; SUMS];
            // the rows' w ln(1 + e), per whole weight w below SMALL_WEIGHTS as w times the log
            // of the product of their (1 + e) ([`LnSum`]): a few logs per chunk instead of one
            // per row; other weights take their log
            let mut logs = [LnSum::new(); SMALL_WEIGHTS];
            for i in range {
                let xt = &xterms[self.x_idx[i] as usize];
                let tx = tx_terms[self.tx_idx[i] as usize];
                let age = age_terms[self.age_idx[i] as usize];
                let (ll, e, g, (w1, w2)) =
                    row_log_likelihood_shares(&m, xt, self.x[i], tx, age, ln_alpha);
                let w = self.w[i];
                let k = w as usize;
                if k < SMALL_WEIGHTS && k as f64 == w {
                    logs[k].add(1.0 + e);
                } else {
                    acc[0] += w * e.ln_1p();
                }
                acc[0] += w * ll;
                for j in 0..4 {
                    acc[j + 1] += w * g[j];
                }
                if HESSIAN {
                    let h = row_hessian(&m, xt, self.x[i], tx, age, w1, w2);
                    for j in 0..HESSIAN_ENTRIES {
                        acc[j + 5] += w * h[j];
                    }
                }
            }
            for (k, l) in logs.iter().enumerate().skip(1) {
                acc[0] += k as f64 * l.value().unwrap_or(f64::NAN);
            }
            acc
        };
        crate::optim::reduce::chunked_sum(self.x.len(), sum_chunk)
    }
}

impl BetaGeoData {
    /// Number of distinct (x, t_x, T) rows the sums run over.
    pub fn unique_rows(&self) -> usize {
        self.x.len()
    }
}

impl LogLikelihood for BetaGeoData {
    fn param_names(&self) -> &'static [&'static str] {
        &super::PARAM_NAMES
    }

    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        let acc = self.sums::<false>(params);
        grad[..4].copy_from_slice(&acc[1..5]);
        acc[0]
    }

    fn value_gradient_hessian(
        &self,
        params: &[f64],
        grad: &mut [f64],
        hess: &mut [f64],
    ) -> Option<f64> {
        let acc = self.sums::<true>(params);
        grad[..4].copy_from_slice(&acc[1..5]);
        let mut e = 5;
        for i in 0..4 {
            for j in i..4 {
                hess[4 * i + j] = acc[e];
                hess[4 * j + i] = acc[e];
                e += 1;
            }
        }
        Some(acc[0])
    }

    fn total_weight(&self) -> f64 {
        self.total_weight
    }
}
