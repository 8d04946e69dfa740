//! The beta-discrete-Weibull model (Fader, Hardie, Liu, Davin & Steenburgh 2018, "How to
//! project customer retention revisited: the role of duration dependence", Journal of
//! Interactive Marketing 43).
//!
//! A subscriber with churn parameter `theta` survives `t` renewal opportunities with
//! probability `(1 - theta)^(t^c)`: `c < 1` means the individual churn probability falls with
//! tenure, `c > 1` that it rises, `c = 1` is the sBG. With `theta ~ Beta(alpha, beta)`,
//! `S(t) = B(alpha, beta + t^c) / B(alpha, beta)` and `P(T = t) = S(t - 1) - S(t)`.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::digamma;

use crate::data::retention::Tenures;
use crate::error::{Error, Result};
use crate::models::discrete::{check_positive, out_of_range, BetaBase, DiscreteFit};
use crate::models::retention::RetentionModel;
use crate::models::sbg::check_data;
use crate::optim::{maximize, FitOptions, LogLikelihood};
use crate::special::ln_gamma_ratio;

/// Parameter names in the order of [`Bdw::params`] and fit reports.
pub const PARAM_NAMES: [&str; 3] = ["alpha", "beta", "c"];

/// The BdW model.
///
/// ```
/// use clv::data::periods::Periods;
/// use clv::models::bdw::Bdw;
/// use clv::models::retention::RetentionModel;
/// use clv::models::sbg::Sbg;
/// // c = 1 is the sBG
/// let (bdw, sbg) = (Bdw::new(0.7, 1.2, 1.0).unwrap(), Sbg::new(0.7, 1.2).unwrap());
/// assert!((bdw.survival(Periods(5)) - sbg.survival(Periods(5))).abs() < 1e-14);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 3]", into = "[f64; 3]")]
pub struct Bdw {
    alpha: f64,
    beta: f64,
    c: f64,
}

impl TryFrom<[f64; 3]> for Bdw {
    type Error = Error;
    fn try_from(p: [f64; 3]) -> Result<Self> {
        Bdw::new(p[0], p[1], p[2])
    }
}

impl From<Bdw> for [f64; 3] {
    fn from(m: Bdw) -> Self {
        m.params()
    }
}

impl Bdw {
    /// A model with `theta ~ Beta(alpha, beta)` and duration dependence `c`, all positive and
    /// finite.
    pub fn new(alpha: f64, beta: f64, c: f64) -> Result<Self> {
        check_positive("BdW", &PARAM_NAMES, &[alpha, beta, c])?;
        Ok(Bdw { alpha, beta, c })
    }

    /// `[alpha, beta, c]`.
    pub fn params(&self) -> [f64; 3] {
        [self.alpha, self.beta, self.c]
    }

    /// Fits by maximum likelihood (rows compressed first; from `alpha = beta = c = 1`).
    pub fn fit(tenures: &Tenures, options: &FitOptions) -> Result<DiscreteFit<Bdw>> {
        Self::fit_from(&tenures.compressed(), &[1.0, 1.0, 1.0], options)
    }

    /// Fits from `start` without compressing first.
    pub fn fit_from(
        tenures: &Tenures,
        start: &[f64],
        options: &FitOptions,
    ) -> Result<DiscreteFit<Bdw>> {
        check_data("BdW", tenures)?;
        let report = maximize("BdW", &BdwLikelihood { tenures }, start, options)?;
        let p = &report.params;
        let model = Bdw::new(p[0], p[1], p[2])?;
        Ok(DiscreteFit { model, report })
    }

    /// Total weighted log-likelihood and its gradient in `[alpha, beta, c]`.
    pub fn log_likelihood_and_gradient(&self, tenures: &Tenures) -> (f64, [f64; 3]) {
        let mut g = [0.0; 3];
        let ll = BdwLikelihood { tenures }.value_and_gradient(&self.params(), &mut g);
        (ll, g)
    }
}

impl RetentionModel for Bdw {
    fn alpha(&self) -> f64 {
        self.alpha
    }
    fn beta(&self) -> f64 {
        self.beta
    }
    fn duration_exponent(&self) -> f64 {
        self.c
    }
}

/// `ln S(t)` and its gradient in `(alpha, beta, c)`:
/// `d/dc = (psi(beta + t^c) - psi(alpha + beta + t^c)) t^c ln t`.
fn ln_survival_gradient(base: &BetaBase, p: &[f64], t: f64) -> (f64, [f64; 3]) {
    if t == 0.0 {
        return (0.0, [0.0; 3]);
    }
    let tc = t.powf(p[2]);
    let (ln, da, db) = base.ratio(0.0, tc);
    let dc = (digamma(p[1] + tc) - digamma(p[0] + p[1] + tc)) * tc * t.ln();
    (ln, [da, db, dc])
}

/// `ln P(T = k + 1) = ln(S(k) - S(k + 1))` and its gradient.
///
/// `ln S(k + 1) - ln S(k) = [ln G(beta + s1) - ln G(alpha + beta + s1)] - [ln G(beta + s0) -
/// ln G(alpha + beta + s0)]` with `s = t^c` is taken from log-gamma *ratios* (each bracket is
/// about `-alpha ln s`): for large `s` the two survivals are close and their log-gammas
/// large, and plain differences would lose the digits that `1 - S(k + 1) / S(k)` needs.
fn ln_churn_gradient(base: &BetaBase, p: &[f64], k: f64) -> (f64, [f64; 3]) {
    let (l0, g0) = ln_survival_gradient(base, p, k);
    let (_, g1) = ln_survival_gradient(base, p, k + 1.0);
    let (s0, s1) = (k.powf(p[2]), (k + 1.0).powf(p[2]));
    let bracket = |s: f64| ln_gamma_ratio(p[1] + s, p[0] + p[1] + s).0;
    let step = bracket(s1) - bracket(s0);
    let ratio = step.exp();
    let one_minus = -step.exp_m1();
    let mut g = [0.0; 3];
    for j in 0..3 {
        g[j] = (g0[j] - ratio * g1[j]) / one_minus;
    }
    (l0 + one_minus.ln(), g)
}

/// The BdW log-likelihood of tenures.
struct BdwLikelihood<'a> {
    tenures: &'a Tenures,
}

impl LogLikelihood for BdwLikelihood<'_> {
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }

    fn value_and_gradient(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        if out_of_range(p, grad) {
            return f64::NAN;
        }
        let base = BetaBase::new(p[0], p[1]);
        grad.fill(0.0);
        let mut total = 0.0;
        for (row, w) in self.tenures.iter() {
            if w == 0.0 {
                continue;
            }
            let k = row.renewals().get() as f64;
            let (ll, g) = if row.is_churned() {
                ln_churn_gradient(&base, p, k)
            } else {
                ln_survival_gradient(&base, p, k)
            };
            total += w * ll;
            for j in 0..3 {
                grad[j] += w * g[j];
            }
        }
        total
    }

    fn total_weight(&self) -> f64 {
        self.tenures.total_weight()
    }
}
