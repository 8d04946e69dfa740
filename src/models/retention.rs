//! Predictions shared by the contractual models (sBG and BdW): both say that a subscriber's
//! churn probability `theta ~ Beta(alpha, beta)` across subscribers, and that the survival of a
//! subscriber with `theta` over `t` renewal opportunities is `(1 - theta)^(t^c)` (`c = 1` for
//! the sBG), so that `S(t) = B(alpha, beta + t^c) / B(alpha, beta)`.
//!
//! Time is counted in renewals ([`Periods`]): `S(t)` is the share of a cohort still active at
//! the start of period `t` (after `t` renewals), `S(0) = 1`.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution};

use crate::data::periods::Periods;
use crate::data::retention::{Tenure, Tenures};
use crate::error::{Error, Result};
use crate::models::discrete::BetaBase;

/// Terms of a discounted sum beyond which the rest is below this share of the sum.
const SUM_TOLERANCE: f64 = 1e-15;
/// Most terms summed for an undiscounted expected lifetime (the tail after is estimated).
const MAX_TERMS: u32 = 1_000_000;

/// A contractual retention model: survival, retention, churn and residual lifetimes.
pub trait RetentionModel {
    /// `alpha` of the Beta distribution of churn probabilities.
    fn alpha(&self) -> f64;
    /// `beta` of the Beta distribution of churn probabilities.
    fn beta(&self) -> f64;
    /// Duration dependence `c` (1: constant individual churn probability, the sBG).
    fn duration_exponent(&self) -> f64;

    /// `ln S(t)` at real `t >= 0`.
    fn ln_survival_at(&self, t: f64) -> f64 {
        let c = self.duration_exponent();
        let base = BetaBase::new(self.alpha(), self.beta());
        base.ln_ratio(0.0, t.powf(c))
    }

    /// Survival `S(t)`: the share of an acquired cohort still active after `t` renewals.
    fn survival(&self, t: Periods) -> f64 {
        self.ln_survival_at(t.get() as f64).exp()
    }

    /// `P(T = t)`: the probability that a new subscriber is lost at renewal opportunity `t`
    /// (`t >= 1`; 0 at `t = 0`).
    fn churn_pmf(&self, t: Periods) -> f64 {
        if t.get() == 0 {
            return 0.0;
        }
        let before = self.ln_survival_at(t.get() as f64 - 1.0);
        let after = self.ln_survival_at(t.get() as f64);
        before.exp() * -(after - before).exp_m1()
    }

    /// Retention rate `r(t) = S(t) / S(t - 1)` at renewal opportunity `t >= 1` (1 at `t = 0`).
    fn retention_rate(&self, t: Periods) -> f64 {
        if t.get() == 0 {
            return 1.0;
        }
        (self.ln_survival_at(t.get() as f64) - self.ln_survival_at(t.get() as f64 - 1.0)).exp()
    }

    /// Probability that a subscriber who has renewed `tenure` times does not renew next.
    fn churn_probability(&self, tenure: Periods) -> f64 {
        1.0 - self.retention_rate(Periods(tenure.get() + 1))
    }

    /// Discounted expected residual lifetime (Fader & Hardie 2010): for a subscriber who has
    /// renewed `tenure` times (`n - 1` in the paper's notation), the expected number of future
    /// renewals, the next one undiscounted and each later one discounted by `1 / (1 + d)`
    /// per period: `sum_{t > tenure} S(t) / S(tenure) (1 + d)^-(t - tenure - 1)`.
    fn derl(&self, tenure: Periods, d: f64) -> Result<f64> {
        if !(d > 0.0 && d.is_finite()) {
            return Err(Error::invalid_argument("discount rate", d, "must be > 0"));
        }
        Ok(residual_sum(self, tenure.get(), d))
    }

    /// Expected number of future renewals of a subscriber who has renewed `tenure` times
    /// (the undiscounted residual lifetime). Infinite, and an error, when `alpha * c <= 1`
    /// (the survival curve's tail `t^-(alpha c)` is then not summable).
    fn expected_remaining_lifetime(&self, tenure: Periods) -> Result<f64> {
        if self.alpha() * self.duration_exponent() <= 1.0 {
            return Err(Error::undefined(
                "the expected remaining lifetime",
                format!(
                    "it is infinite: alpha * c = {} <= 1 (use the discounted residual \
                     lifetime instead)",
                    self.alpha() * self.duration_exponent()
                ),
            ));
        }
        Ok(residual_sum(self, tenure.get(), 0.0))
    }

    /// Discounted expected lifetime of a new subscriber, payments counted at periods
    /// `0, 1, 2, ...`: `sum_{t >= 0} S(t) (1 + d)^-t = 1 + DERL(0) / (1 + d)`.
    fn discounted_expected_lifetime(&self, d: f64) -> Result<f64> {
        Ok(1.0 + self.derl(Periods(0), d)? / (1.0 + d))
    }

    /// Draws the tenures of `subscribers` acquired at period 0 and observed for `horizon`
    /// renewal opportunities (those still active then are censored), seeded.
    fn simulate(&self, subscribers: usize, horizon: Periods, seed: u64) -> Tenures {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let theta = Beta::new(self.alpha(), self.beta()).expect("validated alpha and beta");
        let inv_c = 1.0 / self.duration_exponent();
        let mut out = Tenures::default();
        for _ in 0..subscribers {
            let th: f64 = theta.sample(&mut rng);
            let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
                                                    // lost at the first t with (1 - theta)^(t^c) <= u, i.e. t^c >= ln u / ln(1 - theta)
            let q = u.ln() / (-th).ln_1p();
            let lost = if q.is_nan() {
                f64::INFINITY
            } else {
                q.powf(inv_c).ceil().max(1.0)
            };
            let row = if lost <= horizon.get() as f64 {
                Tenure::churned(Periods(lost as u32 - 1))
            } else {
                Tenure::active(horizon)
            };
            out.push(row, 1.0).expect("unit weight");
        }
        out
    }
}

/// `sum_{t > k} S(t) / S(k) v^(t - k - 1)` with `v = 1 / (1 + d)`; for `d = 0` the tail after
/// [`MAX_TERMS`] is estimated from the power-law decay of the terms.
fn residual_sum<M: RetentionModel + ?Sized>(m: &M, k: u32, d: f64) -> f64 {
    let ln_sk = m.ln_survival_at(k as f64);
    let ln_v = -d.ln_1p();
    let mut sum = 0.0;
    let mut t = k as f64 + 1.0;
    let mut steps = 0u32;
    loop {
        let term = (m.ln_survival_at(t) - ln_sk + (t - k as f64 - 1.0) * ln_v).exp();
        sum += term;
        steps += 1;
        if term <= SUM_TOLERANCE * sum && (d > 0.0 || steps > 10) {
            return sum;
        }
        if steps >= MAX_TERMS {
            // terms ~ C t^-(alpha c): the rest is about term * t / (alpha c - 1)
            let p = m.alpha() * m.duration_exponent();
            return sum + term * t / (p - 1.0);
        }
        t += 1.0;
    }
}
