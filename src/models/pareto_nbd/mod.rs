//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005).
//!
//! While alive, a customer buys as a Poisson process of rate `lambda`; her lifetime is
//! exponential with rate `mu`, so she can drop out at any moment, not only after a purchase.
//! Across customers `lambda ~ Gamma(r, alpha)` and `mu ~ Gamma(s, beta)` (rates `alpha`, `beta`
//! in units of time).
//!
//! Formulas (Fader, Hardie & Lee's note "A note on deriving the Pareto/NBD model and related
//! expressions", 2005), with `k = r + x`:
//! * likelihood and P(alive) (the share of its "alive at T" term): see [`likelihood`];
//! * conditional expectation `E[X(t) | x, t_x, T] = P(alive) k (beta+T) / ((alpha+T)(s-1))
//!   [1 - ((beta+T)/(beta+T+t))^(s-1)]` (its limit `ln((beta+T+t)/(beta+T))` at `s = 1`);
//! * unconditional `E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]`;
//! * `P(X(t) = n)`: the customer alive at `t` with `n` purchases, or dead at `tau < t` with `n`
//!   purchases by then, integrated over `tau`;
//! * DERT (Fader, Hardie & Lee 2005, "RFM and CLV"): `P(alive) E[lambda] E[1/(delta + mu)]`
//!   under the posterior of an alive customer.

pub mod likelihood;
mod pmf;

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::data::{CompressedRfm, Rfm};
use crate::error::{Error, Result};
use crate::models::{
    plain_horizon, Dropout, FitPurchaseModel, Latent, PurchaseModel, SimulatePurchases,
};
use crate::special::expm1_quot;
use crate::special::quadrature::gauss_legendre;
use crate::time::{Duration, TimeUnit};
pub use likelihood::ParetoNbdData;
use likelihood::{row, Params};

/// Parameter names in the order of [`ParetoNbd::params`](PurchaseModel::params).
pub const PARAM_NAMES: [&str; 4] = ["r", "alpha", "s", "beta"];

/// The Pareto/NBD model with its parameters and the unit of time `alpha` and `beta` are in.
///
/// ```
/// use clv::models::{ParetoNbd, PurchaseModel};
/// use clv::{Duration, Rfm, TimeUnit};
/// // Published CDNOW estimates (Fader, Hardie & Lee 2005); customer 1516 (x = 26):
/// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
/// let c = Rfm::new(26, 30.857, 31.0, TimeUnit::Weeks).unwrap();
/// assert!((m.p_alive(&c) - 0.997874).abs() < 1e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ParetoNbdParams")]
pub struct ParetoNbd {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
    time_unit: TimeUnit,
}

/// Unvalidated parameters, the serde representation of [`ParetoNbd`].
#[derive(Deserialize)]
struct ParetoNbdParams {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
    time_unit: TimeUnit,
}

impl TryFrom<ParetoNbdParams> for ParetoNbd {
    type Error = Error;
    fn try_from(v: ParetoNbdParams) -> Result<Self> {
        ParetoNbd::new(v.r, v.alpha, v.s, v.beta, v.time_unit)
    }
}

impl ParetoNbd {
    /// A model with the given parameters (each positive and finite).
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64, time_unit: TimeUnit) -> Result<Self> {
        for (name, v) in PARAM_NAMES.iter().zip([r, alpha, s, beta]) {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid_argument(
                    *name,
                    v,
                    "Pareto/NBD parameters must be positive and finite",
                ));
            }
        }
        Ok(ParetoNbd {
            r,
            alpha,
            s,
            beta,
            time_unit,
        })
    }

    /// Shape of the Gamma distribution of purchase rates.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// Rate of the Gamma distribution of purchase rates, in units of time.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Shape of the Gamma distribution of dropout rates.
    pub fn s(&self) -> f64 {
        self.s
    }
    /// Rate of the Gamma distribution of dropout rates, in units of time.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    fn core(&self) -> Params {
        Params {
            r: self.r,
            alpha: self.alpha,
            s: self.s,
            beta: self.beta,
        }
    }

    /// Log-likelihood of one customer's history, and her P(alive).
    fn row(&self, c: &Rfm) -> (f64, f64) {
        let c = c.in_unit(self.time_unit);
        let x = c.frequency as f64;
        let (ll, _, alive) = row::<false>(
            &self.core(),
            ln_gamma(self.r + x) - ln_gamma(self.r),
            0.0,
            x,
            c.recency,
            c.age,
        );
        (ll, alive)
    }

    /// Log-likelihood of one customer's history.
    ///
    /// ```
    /// use clv::models::ParetoNbd;
    /// use clv::{Rfm, TimeUnit};
    /// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
    /// // no repeat purchase: alive with probability (beta/(beta+T))^s... of the likelihood's first term
    /// let ll = m.log_likelihood_customer(&Rfm::new(0, 0.0, 38.86, TimeUnit::Weeks).unwrap());
    /// assert!(ll < 0.0 && ll.is_finite());
    /// ```
    pub fn log_likelihood_customer(&self, customer: &Rfm) -> f64 {
        self.row(customer).0
    }

    /// Discounted expected residual transactions of a customer with continuous discount
    /// rate `delta` per unit of `rate_unit` (Fader, Hardie & Lee 2005, "RFM and CLV"):
    /// `P(alive) (r+x)/(alpha+T) E[1/(delta + mu)]`, the last under the Gamma(s, beta+T)
    /// posterior of an alive customer's dropout rate, computed by quadrature of
    /// `int_0^inf e^{-delta t} (1 + t/(beta+T))^-s dt`.
    ///
    /// ```
    /// use clv::models::ParetoNbd;
    /// use clv::{Rfm, TimeUnit};
    /// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
    /// let c = Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap();
    /// let low = m.dert(&c, 0.15 / 52.0, TimeUnit::Weeks).unwrap();
    /// let high = m.dert(&c, 0.30 / 52.0, TimeUnit::Weeks).unwrap();
    /// assert!(high < low && low > 0.0);
    /// ```
    pub fn dert(&self, customer: &Rfm, delta: f64, rate_unit: TimeUnit) -> Result<f64> {
        if !(delta > 0.0 && delta.is_finite()) {
            return Err(Error::invalid_argument(
                "delta",
                delta,
                "the continuous discount rate must be positive and finite",
            ));
        }
        // a rate per `rate_unit` is delta / (units of the model per rate_unit) per model unit
        let delta = delta / rate_unit.in_units_of(self.time_unit);
        let c = customer.in_unit(self.time_unit);
        let (_, alive) = self.row(&c);
        let b = self.beta + c.age;
        let j = discounted_lifetime(delta * b, self.s) * b;
        Ok(alive * (self.r + c.frequency as f64) / (self.alpha + c.age) * j)
    }
}

/// `int_0^inf e^{-z u} (1+u)^-s du` for `z > 0`, as `int_0^inf exp(-z (e^w - 1) - (s-1) w) dw`
/// (`u = e^w - 1`): a smooth integrand with a double-exponential tail, integrated by composite
/// Gauss-Legendre up to where it is below e^-45 of its start.
fn discounted_lifetime(z: f64, s: f64) -> f64 {
    let f = |w: f64| -z * w.exp_m1() - (s - 1.0) * w;
    let mut end = 1.0;
    while f(end) > -45.0 || f(end) > f(end * 0.5) {
        end *= 2.0;
        if end > 1e4 {
            break;
        }
    }
    let panels = 64;
    let (nodes, weights) = gauss_legendre();
    let h = end / panels as f64;
    let mut sum = 0.0;
    for j in 0..panels {
        for (x, w) in nodes.iter().zip(weights) {
            sum += w * f((j as f64 + x) * h).exp();
        }
    }
    sum * h
}

impl PurchaseModel for ParetoNbd {
    fn name(&self) -> &'static str {
        "Pareto/NBD"
    }
    fn description(&self) -> &'static str {
        "Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchase rates ~ Gamma(r, alpha); \
         exponential lifetimes with rates ~ Gamma(s, beta)."
    }
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }
    fn time_scale_params(&self) -> &'static [bool] {
        &[false, true, false, true]
    }
    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }
    fn time_unit(&self) -> TimeUnit {
        self.time_unit
    }

    /// The customer alive at `t` with `n` purchases, or dead at `tau < t` with `n` purchases by
    /// then: `NB(n; r, alpha/(alpha+t)) (beta/(beta+t))^s + int_0^t NB(n; r, alpha/(alpha+tau))
    /// s beta^s (beta+tau)^-(s+1) dtau`, the integral by composite Gauss-Legendre in log space.
    ///
    /// ```
    /// use clv::models::{ParetoNbd, PurchaseModel};
    /// use clv::{Duration, TimeUnit};
    /// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
    /// let t = Duration::weeks(39.0);
    /// let total: f64 = (0..2000).map(|n| m.probability_of_purchases(n, t).unwrap()).sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// ```
    fn probability_of_purchases(&self, n: u32, t: Duration) -> Option<f64> {
        let t = plain_horizon(t, self.time_unit)?;
        if t <= 0.0 {
            return Some(if n == 0 { 1.0 } else { 0.0 });
        }
        let (r, a, s, b) = (self.r, self.alpha, self.s, self.beta);
        let x = n as f64;
        let ln_nb0 = ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0) + r * a.ln();
        // NB(n; r, a/(a+tau)) = exp(ln_nb0 + x ln tau - (r+x) ln(a+tau))
        let ln_nb = |tau: f64| {
            let lt = if x == 0.0 { 0.0 } else { x * tau.ln() };
            ln_nb0 + lt - (r + x) * (a + tau).ln()
        };
        let alive = (ln_nb(t) + s * (b / (b + t)).ln()).exp();
        let panels = 32;
        let (nodes, weights) = gauss_legendre();
        let h = t / panels as f64;
        let ln_death = |tau: f64| ln_nb(tau) + s.ln() + s * b.ln() - (s + 1.0) * (b + tau).ln();
        let mut dead = 0.0;
        for j in 0..panels {
            for (z, w) in nodes.iter().zip(weights) {
                dead += w * ln_death((j as f64 + z) * h).exp();
            }
        }
        Some((alive + dead * h).clamp(0.0, 1.0))
    }

    /// ```
    /// use clv::models::{ParetoNbd, PurchaseModel};
    /// use clv::{Rfm, TimeUnit};
    /// // REFERENCE.md: a case that gave NaN in another library stays finite
    /// let m = ParetoNbd::new(0.5143, 2.8845, 0.2856, 14.1087, TimeUnit::Weeks).unwrap();
    /// let p = m.p_alive(&Rfm::new(221, 103.42857, 103.57143, TimeUnit::Weeks).unwrap());
    /// assert!(p.is_finite() && p > 0.9);
    /// ```
    fn p_alive(&self, customer: &Rfm) -> f64 {
        self.row(customer).1
    }

    fn conditional_pmf(
        &self,
        customer: &Rfm,
        horizon: Duration,
        tail: f64,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        self.conditional_pmf_of(customer, horizon, tail, out)
    }

    fn expected_purchases(&self, customer: &Rfm, horizon: Duration) -> f64 {
        let c = customer.in_unit(self.time_unit);
        let Some(t) = plain_horizon(horizon, self.time_unit) else {
            return f64::NAN;
        };
        if t <= 0.0 {
            return 0.0;
        }
        let k = self.r + c.frequency as f64;
        let bt = self.beta + c.age;
        let a = (t / bt).ln_1p();
        let alive = self.row(&c).1;
        alive * k / (self.alpha + c.age) * bt * a * expm1_quot(-(self.s - 1.0) * a)
    }

    /// ```
    /// use clv::models::{ParetoNbd, PurchaseModel};
    /// use clv::{Duration, TimeUnit};
    /// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
    /// // FHL 2005 / BTYD: E[X(52)] = 1.473434
    /// assert!((m.expected_purchases_new_customer(Duration::weeks(52.0)) - 1.473434).abs() < 5e-4);
    /// ```
    fn expected_purchases_new_customer(&self, t: Duration) -> f64 {
        let Some(t) = plain_horizon(t, self.time_unit) else {
            return f64::NAN;
        };
        if t <= 0.0 {
            return 0.0;
        }
        let a = (t / self.beta).ln_1p();
        self.r * self.beta / self.alpha * a * expm1_quot(-(self.s - 1.0) * a)
    }
}

impl FitPurchaseModel for ParetoNbd {
    type Likelihood = ParetoNbdData;

    fn from_params(params: &[f64], unit: TimeUnit) -> Result<Self> {
        match *params {
            [r, alpha, s, beta] => ParetoNbd::new(r, alpha, s, beta, unit),
            _ => Err(Error::invalid_argument(
                "params",
                params.len(),
                "Pareto/NBD has 4 parameters (r, alpha, s, beta)",
            )),
        }
    }

    fn likelihood(data: &CompressedRfm) -> ParetoNbdData {
        ParetoNbdData::new(data)
    }

    /// Fader, Hardie & Lee (2005): r 0.553, alpha 10.578, s 0.606, beta 11.669 (weeks).
    fn reference() -> Self {
        ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks)
            .expect("valid published estimates")
    }
}

impl SimulatePurchases for ParetoNbd {
    /// `lambda ~ Gamma(r, rate alpha)`, `mu ~ Gamma(s, rate beta)`, lifetime `~ Exp(mu)`.
    fn draw_latent<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Latent {
        use rand_distr::{Distribution, Exp1, Gamma};
        // the constructor validated the parameters as positive and finite
        let rate = Gamma::new(self.r, 1.0 / self.alpha).expect("valid r and alpha");
        let death = Gamma::new(self.s, 1.0 / self.beta).expect("valid s and beta");
        let mu = death.sample(rng);
        let e: f64 = Exp1.sample(rng);
        Latent {
            rate: rate.sample(rng),
            dropout: Dropout::AtTime(e / mu),
        }
    }
}
