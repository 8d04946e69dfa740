//! The Pareto/NBD log-likelihood with its analytic gradient.
//!
//! Per customer (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005, note 008),
//! with `k = r + x`:
//!
//! `L = Gamma(k) alpha^r beta^s / Gamma(r) * [ (alpha+T)^-k (beta+T)^-s + s I(t_x, T) ]`,
//! `I(t_x, T) = int_{t_x}^{T} (alpha+tau)^-k (beta+tau)^-(s+1) dtau`
//!
//! (the customer is alive at `T`, or died at `tau` in `(t_x, T]`). The closed form writes `I` as
//! a difference of two Gauss hypergeometric functions, which cancel catastrophically and
//! overflow for frequent customers (the NaNs other libraries give). Here `I` is computed as it
//! is defined, a positive integral, in log space: the substitution
//! `u = ln((c+tau)/(c+t_x))` with `c` the rate of the steeper factor turns the integrand into
//! `e^{-(K-1)u} R(u)`, `K = k + s + 1`, with `R` smooth, bounded and monotone; on panels of
//! width at most `3/(K-1)` in `u`, the substitution `v = (1 - e^{-(K-1)w}) / (1 - e^{-(K-1)h})`
//! absorbs the exponential exactly and 20 Gauss-Legendre nodes integrate `R`. The gradient is
//! the quadrature of the derivative of the integrand on the same nodes.

use statrs::function::gamma::{digamma, ln_gamma};

use crate::data::group::index_unique;
use crate::data::CompressedRfm;
use crate::optim::reduce::chunked_sum;
use crate::optim::LogLikelihood;
use crate::special::quadrature::gauss_legendre;

/// The four parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    pub(crate) r: f64,
    pub(crate) alpha: f64,
    pub(crate) s: f64,
    pub(crate) beta: f64,
}

/// `ln I(y1, y2)` and, when `GRAD`, `d ln I / d(r, alpha, s, beta)`, for `k = r + x`;
/// `(-inf, 0)` when `y2 <= y1`.
pub(crate) fn ln_death_integral<const GRAD: bool>(
    p: &Params,
    k: f64,
    y1: f64,
    y2: f64,
) -> (f64, [f64; 4]) {
    if y2 <= y1 {
        return (f64::NEG_INFINITY, [0.0; 4]);
    }
    let s1 = p.s + 1.0;
    // put the larger exponent in the weight; the other factor is the smooth residual
    let alpha_base = k >= s1;
    let (base, other, resid) = if alpha_base {
        (p.alpha, p.beta, s1)
    } else {
        (p.beta, p.alpha, k)
    };
    let m = k + s1 - 1.0;
    let c1 = base + y1;
    let big_u = ((y2 - y1) / c1).ln_1p();
    // ln of the residual ((c+tau)/(o+tau))^resid: monotone, so its largest value is at an end
    let ln_resid = |c_tau: f64, o_tau: f64| resid * (c_tau.ln() - o_tau.ln());
    let shift = ln_resid(c1, other + y1).max(ln_resid(base + y2, other + y2));
    // panels of width <= 3/m in u: on each the weight falls by at most e^-3 and the residual
    // varies by at most e^3, so 20 nodes resolve it
    let panels = ((m * big_u / 3.0).ceil() as usize).clamp(1, 64);
    let h = big_u / panels as f64;
    let em = (-m * h).exp_m1(); // in (-1, 0)
    let ln_wt = (-em / m).ln();
    let (nodes, weights) = gauss_legendre();
    let (mut sum, mut d) = (0.0, [0.0; 4]);
    for j in 0..panels {
        let ua = j as f64 * h;
        let scale = (-m * ua).exp();
        for (x, w) in nodes.iter().zip(weights) {
            let u = ua - (em * x).ln_1p() / m;
            let eu = u.exp();
            let c_tau = c1 * eu;
            // other + tau with tau = c_tau - base formed without cancelling: at base = 6e17,
            // `other - base + c_tau` lost every digit of tau and went negative (NaN P(alive))
            let o_tau = other + (base * u.exp_m1() + y1 * eu);
            let e = scale * w * (ln_resid(c_tau, o_tau) - shift).exp();
            sum += e;
            if GRAD {
                let (a_tau, b_tau) = if alpha_base {
                    (c_tau, o_tau)
                } else {
                    (o_tau, c_tau)
                };
                d[0] -= e * a_tau.ln();
                d[1] -= e / a_tau;
                d[2] -= e * b_tau.ln();
                d[3] -= e / b_tau;
            }
        }
    }
    let ln_i = -m * c1.ln() + ln_wt + shift + sum.ln();
    let d = [d[0] / sum, k * d[1] / sum, d[2] / sum, s1 * d[3] / sum];
    (ln_i, d)
}

/// The terms of a frequency alone: `lnGamma(r+x) - lnGamma(r)` and its derivative in `r`.
#[derive(Clone, Copy)]
struct XTerms {
    ln_ratio: f64,
    d_r: f64,
}

/// One customer's log-likelihood, its gradient in `(r, alpha, s, beta)`, and the share of the
/// "alive at T" term (which is P(alive)).
pub(crate) fn row<const GRAD: bool>(
    p: &Params,
    ln_gamma_ratio: f64,
    d_r: f64,
    x: f64,
    t_x: f64,
    age: f64,
) -> (f64, [f64; 4], f64) {
    let k = p.r + x;
    let (la, lb) = ((p.alpha + age).ln(), (p.beta + age).ln());
    let l1 = -k * la - p.s * lb;
    let (ln_i, d_i) = ln_death_integral::<GRAD>(p, k, t_x, age);
    let l2 = p.s.ln() + ln_i;
    let (hi, lo) = if l1 >= l2 { (l1, l2) } else { (l2, l1) };
    let e = (lo - hi).exp();
    let lse = hi + e.ln_1p();
    let w1 = if l1 >= l2 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    let w2 = 1.0 - w1;
    let ln_c = ln_gamma_ratio + p.r * p.alpha.ln() + p.s * p.beta.ln();
    let mut g = [0.0; 4];
    if GRAD {
        g = [
            d_r + p.alpha.ln() - w1 * la + w2 * d_i[0],
            p.r / p.alpha - w1 * k / (p.alpha + age) + w2 * d_i[1],
            p.beta.ln() - w1 * lb + w2 * (1.0 / p.s + d_i[2]),
            p.s / p.beta - w1 * p.s / (p.beta + age) + w2 * d_i[3],
        ];
    }
    (ln_c + lse, g, w1)
}

/// The Pareto/NBD log-likelihood of compressed data, prepared for many evaluations: the
/// terms of each unique frequency are computed once per evaluation.
pub struct ParetoNbdData {
    x: Vec<f64>,
    recency: Vec<f64>,
    age: Vec<f64>,
    w: Vec<f64>,
    x_idx: Vec<u32>,
    unique_x: Vec<f64>,
    total_weight: f64,
}

impl ParetoNbdData {
    /// Prepares the likelihood of `c`.
    pub(crate) fn new(c: &CompressedRfm) -> Self {
        let (x_idx, unique_x) = index_unique(&c.frequency);
        ParetoNbdData {
            x: c.frequency.clone(),
            recency: c.recency.clone(),
            age: c.age.clone(),
            w: c.weight.clone(),
            x_idx,
            unique_x,
            total_weight: c.total_weight(),
        }
    }
}

impl LogLikelihood for ParetoNbdData {
    fn param_names(&self) -> &'static [&'static str] {
        &super::PARAM_NAMES
    }

    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        let p = Params {
            r: params[0],
            alpha: params[1],
            s: params[2],
            beta: params[3],
        };
        let xterms: Vec<XTerms> = self
            .unique_x
            .iter()
            .map(|&x| XTerms {
                ln_ratio: ln_gamma(p.r + x) - ln_gamma(p.r),
                d_r: if x > 0.0 {
                    digamma(p.r + x) - digamma(p.r)
                } else {
                    0.0
                },
            })
            .collect();
        let acc = chunked_sum::<5>(self.x.len(), |range| {
            let mut acc = [0.0; 5];
            for i in range {
                let xt = xterms[self.x_idx[i] as usize];
                let (ll, g, _) = row::<true>(
                    &p,
                    xt.ln_ratio,
                    xt.d_r,
                    self.x[i],
                    self.recency[i],
                    self.age[i],
                );
                let w = self.w[i];
                acc[0] += w * ll;
                for j in 0..4 {
                    acc[j + 1] += w * g[j];
                }
            }
            acc
        });
        grad[..4].copy_from_slice(&acc[1..5]);
        acc[0]
    }

    fn total_weight(&self) -> f64 {
        self.total_weight
    }
}
