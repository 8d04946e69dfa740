//! The shifted-beta-geometric model (Fader & Hardie 2007, "How to project customer retention",
//! Journal of Interactive Marketing 21(1)).
//!
//! Each subscriber churns at every renewal opportunity with a constant probability `theta`,
//! and `theta ~ Beta(alpha, beta)` across subscribers. Then (FH 2007 eqs. 5-7)
//! `P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`,
//! `S(t) = B(alpha, beta + t) / B(alpha, beta)` and
//! `r(t) = (beta + t - 1) / (alpha + beta + t - 1)`. The discounted expected residual lifetime
//! is Fader & Hardie (2010) eq. 6 with Gauss' 2F1. Predictions are those of
//! [`RetentionModel`].

use serde::{Deserialize, Serialize};

use crate::data::periods::Periods;
use crate::data::retention::Tenures;
use crate::error::{Error, Result};
use crate::models::discrete::{check_positive, out_of_range, BetaBase, DiscreteFit};
use crate::models::retention::RetentionModel;
use crate::optim::{maximize, FitOptions, LogLikelihood};
use crate::special::hyp2f1;

/// Parameter names in the order of [`Sbg::params`] and fit reports.
pub const PARAM_NAMES: [&str; 2] = ["alpha", "beta"];

/// The sBG model.
///
/// ```
/// use clv::data::periods::Periods;
/// use clv::models::retention::RetentionModel;
/// use clv::models::sbg::Sbg;
/// let m = Sbg::new(3.80, 15.20).unwrap();
/// // Fader & Hardie (2010): DERL at d = 0.1 after 0 renewals ("n = 1") is 3.31
/// assert!((m.derl(Periods(0), 0.1).unwrap() - 3.31).abs() < 0.01);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 2]", into = "[f64; 2]")]
pub struct Sbg {
    alpha: f64,
    beta: f64,
}

impl TryFrom<[f64; 2]> for Sbg {
    type Error = Error;
    fn try_from(p: [f64; 2]) -> Result<Self> {
        Sbg::new(p[0], p[1])
    }
}

impl From<Sbg> for [f64; 2] {
    fn from(m: Sbg) -> Self {
        m.params()
    }
}

impl Sbg {
    /// A model with `theta ~ Beta(alpha, beta)`, both positive and finite.
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        check_positive("sBG", &PARAM_NAMES, &[alpha, beta])?;
        Ok(Sbg { alpha, beta })
    }

    /// `[alpha, beta]`.
    pub fn params(&self) -> [f64; 2] {
        [self.alpha, self.beta]
    }

    /// Fits by maximum likelihood (rows compressed first; from `alpha = beta = 1`).
    ///
    /// ```
    /// use clv::data::periods::Periods;
    /// use clv::data::retention::SurvivorCurves;
    /// use clv::fit::FitOptions;
    /// use clv::models::sbg::Sbg;
    /// let curves = SurvivorCurves::from_csv_path("data/sbg_retention.csv", "year").unwrap();
    /// let fit = Sbg::fit(&curves.tenures("regular", Periods(7)).unwrap(), &FitOptions::default()).unwrap();
    /// // Fader & Hardie (2007): alpha 0.704, beta 1.182, LL -1680.27
    /// assert!((fit.model.params()[0] - 0.704).abs() < 5e-4);
    /// assert!((fit.log_likelihood() + 1680.27).abs() < 0.005);
    /// ```
    pub fn fit(tenures: &Tenures, options: &FitOptions) -> Result<DiscreteFit<Sbg>> {
        Self::fit_from(&tenures.compressed(), &[1.0, 1.0], options)
    }

    /// Fits from `start` without compressing first.
    pub fn fit_from(
        tenures: &Tenures,
        start: &[f64],
        options: &FitOptions,
    ) -> Result<DiscreteFit<Sbg>> {
        check_data("sBG", tenures)?;
        let report = maximize("sBG", &SbgLikelihood { tenures }, start, options)?;
        let model = Sbg::new(report.params[0], report.params[1])?;
        Ok(DiscreteFit { model, report })
    }

    /// Total weighted log-likelihood and its gradient in `[alpha, beta]`.
    pub fn log_likelihood_and_gradient(&self, tenures: &Tenures) -> (f64, [f64; 2]) {
        let mut g = [0.0; 2];
        let ll = SbgLikelihood { tenures }.value_and_gradient(&self.params(), &mut g);
        (ll, g)
    }
}

/// Data with no subscriber, or where nobody ever churned or renewed, cannot be fitted.
pub(crate) fn check_data(model: &str, tenures: &Tenures) -> Result<()> {
    if tenures.total_weight() <= 0.0 {
        return Err(Error::Empty {
            what: format!("{model} data (total weight 0)"),
        });
    }
    Ok(())
}

impl RetentionModel for Sbg {
    fn alpha(&self) -> f64 {
        self.alpha
    }
    fn beta(&self) -> f64 {
        self.beta
    }
    fn duration_exponent(&self) -> f64 {
        1.0
    }

    /// `(beta + t - 1) / (alpha + beta + t - 1)` (FH 2007 eq. 6).
    fn retention_rate(&self, t: Periods) -> f64 {
        if t.get() == 0 {
            return 1.0;
        }
        let t = t.get() as f64;
        (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)
    }

    /// FH 2010 eq. 6: `(beta + k) / (alpha + beta + k) 2F1(1, beta + k + 1; alpha + beta + k + 1; 1 / (1 + d))`
    /// after `k` renewals (the paper's `n - 1`).
    fn derl(&self, tenure: Periods, d: f64) -> Result<f64> {
        if !(d > 0.0 && d.is_finite()) {
            return Err(Error::invalid_argument("discount rate", d, "must be > 0"));
        }
        let (a, b, k) = (self.alpha, self.beta, tenure.get() as f64);
        Ok((b + k) / (a + b + k) * hyp2f1(1.0, b + k + 1.0, a + b + k + 1.0, 1.0 / (1.0 + d))?)
    }

    /// `(beta + k) / (alpha - 1)` after `k` renewals (the posterior of `theta` is
    /// `Beta(alpha, beta + k)`, and `E[T] = (alpha + beta - 1) / (alpha - 1)`).
    fn expected_remaining_lifetime(&self, tenure: Periods) -> Result<f64> {
        if self.alpha <= 1.0 {
            return Err(Error::undefined(
                "the expected remaining lifetime",
                format!(
                    "it is infinite: alpha = {} <= 1 (use the discounted residual \
                     lifetime instead)",
                    self.alpha
                ),
            ));
        }
        Ok((self.beta + tenure.get() as f64) / (self.alpha - 1.0))
    }
}

/// The sBG log-likelihood of tenures: `ln P(T = k + 1)` for a churn after `k` renewals,
/// `ln S(k)` for a subscription still active after `k`.
struct SbgLikelihood<'a> {
    tenures: &'a Tenures,
}

impl LogLikelihood for SbgLikelihood<'_> {
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
            let (ll, da, db) = base.ratio(if row.is_churned() { 1.0 } else { 0.0 }, k);
            total += w * ll;
            grad[0] += w * da;
            grad[1] += w * db;
        }
        total
    }

    fn total_weight(&self) -> f64 {
        self.tenures.total_weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::retention::SurvivorCurves;

    #[test]
    fn published_cohort_fits_and_projection() {
        let curves = SurvivorCurves::from_csv_path("data/sbg_retention.csv", "year").unwrap();
        // Fader & Hardie (2007), calibration years 0-7
        for (cohort, a, b, ll) in [
            ("regular", 0.704, 1.182, -1680.27),
            ("high_end", 0.668, 3.806, -1611.16),
        ] {
            let t = curves.tenures(cohort, Periods(7)).unwrap();
            let fit = Sbg::fit(&t, &FitOptions::default()).unwrap();
            let [fa, fb] = fit.model.params();
            assert!(
                (fa - a).abs() < 5e-4 && (fb - b).abs() < 5e-4,
                "{cohort}: {fa} {fb}"
            );
            assert!(
                (fit.log_likelihood() - ll).abs() < 0.005,
                "{cohort}: {}",
                fit.log_likelihood()
            );
        }
        // REFERENCE.md: the regular cohort's projected survival, years 0-12, in %
        let t = curves.tenures("regular", Periods(7)).unwrap();
        let m = Sbg::fit(&t, &FitOptions::default()).unwrap().model;
        let want = [
            100.0, 62.7, 47.4, 38.8, 33.2, 29.2, 26.2, 23.9, 22.0, 20.4, 19.1, 18.0, 17.0,
        ];
        for (year, w) in want.iter().enumerate() {
            let s = 100.0 * m.survival(Periods(year as u32));
            assert!((s - w).abs() < 0.05, "year {year}: {s} vs {w}");
        }
    }

    #[test]
    fn published_derl() {
        // Fader & Hardie (2010), d = 0.1, n = 1..5 (n - 1 renewals), "within 0.01"
        let cases = [
            ((3.80, 15.20), [3.31, 3.45, 3.59, 3.72, 3.84]),
            ((0.067, 0.267), [7.68, 9.46, 9.86, 10.06, 10.19]),
        ];
        for ((a, b), want) in cases {
            let m = Sbg::new(a, b).unwrap();
            for (k, w) in want.iter().enumerate() {
                let v = m.derl(Periods(k as u32), 0.1).unwrap();
                assert!(
                    (v - w).abs() <= 0.01,
                    "({a}, {b}) n = {}: {v} vs {w}",
                    k + 1
                );
            }
        }
    }

    #[test]
    fn closed_forms_match_the_generic_sums() {
        let m = Sbg::new(1.7, 3.2).unwrap();
        let generic = crate::models::bdw::Bdw::new(1.7, 3.2, 1.0).unwrap();
        for k in [0, 1, 5, 30] {
            let (a, b) = (
                m.derl(Periods(k), 0.08).unwrap(),
                generic.derl(Periods(k), 0.08).unwrap(),
            );
            assert!((a - b).abs() < 1e-10 * a, "{k}: {a} {b}");
            let (a, b) = (
                m.expected_remaining_lifetime(Periods(k)).unwrap(),
                generic.expected_remaining_lifetime(Periods(k)).unwrap(),
            );
            assert!((a - b).abs() < 1e-3 * a, "{k}: {a} {b}");
            let t = Periods(k + 1);
            assert!((m.retention_rate(t) - generic.retention_rate(t)).abs() < 1e-13);
        }
        assert!(Sbg::new(0.7, 1.2)
            .unwrap()
            .expected_remaining_lifetime(Periods(0))
            .is_err());
    }
}
