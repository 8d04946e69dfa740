//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and
//! its family: [`BetaGeo`] with a [`Variant`] gives BG/NBD ([`BgNbd`]) and MBG/NBD
//! ([`MbgNbd`](crate::models::MbgNbd), in its own module), which share their likelihood and
//! their expectation kernel.
//!
//! While active, a customer buys according to a Poisson process with rate `lambda`; after each
//! purchase the customer drops out with probability `p` (MBG/NBD: also right after the first
//! purchase). Across customers `lambda ~ Gamma(r, alpha)` (shape `r`, rate `alpha`, per unit of
//! time) and `p ~ Beta(a, b)`.
//!
//! Formulas used (FHL 2005 and Fader, Hardie & Lee's note "Computing P(alive) using the BG/NBD
//! model"), with `k = r + x` and the variant's shift `d` (0 for BG/NBD, 1 for MBG/NBD):
//!
//! * likelihood (eq. 6, see [`likelihood`]);
//! * `P(alive) = 1 / (1 + 1{x+d>0} a/(b+x+d-1) ((alpha+T)/(alpha+t_x))^(r+x))`;
//! * conditional expectation (eq. 10): `E[Y(t) | x, t_x, T] = P(alive) * K(k, a, b+x+d, t/(alpha+T))`
//!   where `K` is the expected number of purchases in `(T, T+t]` of a customer alive at `T`,
//!   computed by [`bgnbd_expected_alive`] (in [`kernel`]);
//! * the unconditional `E[X(t)]` (eq. 9) is `K(r, a, b, t/alpha)`; for MBG/NBD
//!   `b/(a+b) K(r, a, b+1, t/alpha)` (alive after the first purchase, then as BG/NBD).

pub mod kernel;
pub mod likelihood;
mod pmf;

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::data::group::PairIndex;
use crate::data::rfm::contiguous;
use crate::data::{CompressedRfm, CustomerTable, Rfm};
use crate::error::{Error, Result};
use crate::models::{
    plain_horizon, Dropout, FitPurchaseModel, Latent, PurchaseModel, SimulatePurchases,
};
use crate::optim::LogLikelihood;
use crate::special::{logistic_of_neg, one_over_one_plus_exp};
use crate::time::{Duration, TimeUnit};
pub use kernel::bgnbd_expected_alive;
pub use likelihood::BetaGeoData;
use likelihood::{row_log_likelihood, Params, XTerms};

/// Which member of the BG/NBD family a [`BetaGeo`] is.
pub trait Variant:
    Copy + Clone + Default + std::fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// The model's printed name.
    const NAME: &'static str;
    /// One sentence for reports (see [`PurchaseModel::description`]).
    const DESCRIPTION: &'static str;
    /// Whether a customer can also drop out right after the first purchase (MBG/NBD).
    const DROPOUT_AT_START: bool;
    /// The published estimates on the CDNOW sample, `[r, alpha, a, b]` in weeks.
    const REFERENCE: [f64; 4];
}

/// BG/NBD: dropout only after repeat purchases.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Classic;

impl Variant for Classic {
    const NAME: &'static str = "BG/NBD";
    const DESCRIPTION: &'static str = "BG/NBD (Fader, Hardie & Lee 2005): purchase rates ~ \
        Gamma(r, alpha); dropout probability after each repeat purchase ~ Beta(a, b).";
    const DROPOUT_AT_START: bool = false;
    /// BTYD's full-precision fit (REFERENCE.md).
    const REFERENCE: [f64; 4] = [0.2425982, 4.4136842, 0.7929899, 2.4261667];
}

/// A model of the BG/NBD family with its parameters and the unit of time `alpha` is in.
///
/// ```
/// use clv::models::{BgNbd, PurchaseModel};
/// use clv::{Duration, Rfm, TimeUnit};
/// // Published CDNOW estimates (Fader, Hardie & Lee 2005), weekly data.
/// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
/// let c = Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap();
/// let e = m.expected_purchases(&c, Duration::weeks(39.0));
/// assert!((e - 1.226).abs() < 5e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BetaGeoParams", bound = "")]
pub struct BetaGeo<V: Variant> {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    time_unit: TimeUnit,
    #[serde(skip)]
    variant: PhantomData<V>,
}

/// The BG/NBD model.
pub type BgNbd = BetaGeo<Classic>;

/// Unvalidated parameters, the serde representation of [`BetaGeo`]: deserialising validates.
#[derive(Deserialize)]
struct BetaGeoParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    time_unit: TimeUnit,
}

impl<V: Variant> TryFrom<BetaGeoParams> for BetaGeo<V> {
    type Error = Error;
    fn try_from(v: BetaGeoParams) -> Result<Self> {
        BetaGeo::new(v.r, v.alpha, v.a, v.b, v.time_unit)
    }
}

/// Parameter names in the order of [`BetaGeo::params`] and fit reports.
pub const PARAM_NAMES: [&str; 4] = ["r", "alpha", "a", "b"];

impl<V: Variant> BetaGeo<V> {
    /// A model with the given parameters (each positive and finite).
    pub fn new(r: f64, alpha: f64, a: f64, b: f64, time_unit: TimeUnit) -> Result<Self> {
        for (name, v) in PARAM_NAMES.iter().zip([r, alpha, a, b]) {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid_argument(
                    *name,
                    v,
                    format!("{} parameters must be positive and finite", V::NAME),
                ));
            }
        }
        Ok(BetaGeo {
            r,
            alpha,
            a,
            b,
            time_unit,
            variant: PhantomData,
        })
    }

    /// Shape of the Gamma distribution of purchase rates.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// Rate of the Gamma distribution of purchase rates, in units of [`PurchaseModel::time_unit`].
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// First shape of the Beta distribution of dropout probabilities.
    pub fn a(&self) -> f64 {
        self.a
    }
    /// Second shape of the Beta distribution of dropout probabilities.
    pub fn b(&self) -> f64 {
        self.b
    }

    fn core(&self) -> Params {
        Params {
            r: self.r,
            alpha: self.alpha,
            a: self.a,
            b: self.b,
            d: shift::<V>(),
        }
    }

    /// Log-likelihood of one customer's history (FHL 2005 eq. 6).
    ///
    /// ```
    /// use clv::models::BgNbd;
    /// use clv::{Rfm, TimeUnit};
    /// // Hardie's note 027 worked example: a=0.8, b=2.5, r=0.25, alpha=4, T=40.
    /// let m = BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks).unwrap();
    /// let ll = m.log_likelihood_customer(&Rfm::new(0, 0.0, 40.0, TimeUnit::Weeks).unwrap());
    /// assert!((ll + 0.59947382).abs() < 1e-8);
    /// ```
    pub fn log_likelihood_customer(&self, customer: &Rfm) -> f64 {
        let c = customer.in_unit(self.time_unit);
        let x = c.frequency as f64;
        let p = self.core();
        let (ll, _) = row_log_likelihood(
            &p,
            &XTerms::new(&p, x),
            x,
            ((self.alpha + c.recency).ln(), self.alpha + c.recency),
            ((self.alpha + c.age).ln(), 1.0 / (self.alpha + c.age)),
            self.alpha.ln(),
        );
        ll
    }

    /// Total log-likelihood of a table (weights respected).
    pub fn log_likelihood(&self, table: &CustomerTable) -> f64 {
        let table = table.to_unit(self.time_unit);
        let data = BetaGeoData::new(&CompressedRfm::from_table(&table), shift::<V>());
        let mut g = [0.0; 4];
        data.value_and_gradient(&PurchaseModel::params(self), &mut g)
    }

    /// Probability that a new customer makes exactly `n` repeat purchases in the first `t` of
    /// life, `P(X(t) = n)` (FHL 2005 eq. 8; for MBG/NBD the same mixture with dropout
    /// possible at the first purchase). A negative `t` gives the distribution of no time (1 at
    /// `n = 0`), a NaN or infinite one NaN (see [`PurchaseModel`]'s horizon rule).
    ///
    /// ```
    /// use clv::models::BgNbd;
    /// use clv::{Duration, TimeUnit};
    /// // FHL 2005's estimates to 3 decimals; REFERENCE.md: P(X(39) = 0) = 0.5737864.
    /// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426, TimeUnit::Weeks).unwrap();
    /// assert!((m.probability_of_purchases(0, Duration::weeks(39.0)) - 0.5737864).abs() < 1e-6);
    /// ```
    pub fn probability_of_purchases(&self, n: u32, t: Duration) -> f64 {
        let Some(t) = plain_horizon(t, self.time_unit) else {
            return f64::NAN;
        };
        if t <= 0.0 {
            return if n == 0 { 1.0 } else { 0.0 };
        }
        let (r, alpha, a, b, d) = (self.r, self.alpha, self.a, self.b, shift::<V>());
        let x = n as f64;
        let ln_p0 = r * (alpha / (alpha + t)).ln();
        let ln_q = (t / (alpha + t)).ln();
        // B(a, b+x+d)/B(a, b): the customer survives the x + d dropout chances before purchase x+1
        let ln_beta_ratio =
            ln_gamma(b + x + d) - ln_gamma(b) + ln_gamma(a + b) - ln_gamma(a + b + x + d);
        let first =
            (ln_beta_ratio + ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0) + ln_p0 + x * ln_q)
                .exp();
        if x + d == 0.0 {
            return first;
        }
        // B(a+1, b+x+d-1)/B(a,b) = a/(b+x+d-1) * B(a, b+x+d)/B(a,b): drops out at chance x + d
        let second_coef = (a.ln() - (b + x + d - 1.0).ln() + ln_beta_ratio).exp();
        // P(NBD >= n) = 1 - sum_{j<n} NBD(j)
        let mut head = 0.0;
        let mut ln_term = ln_p0; // j = 0
        for j in 0..n {
            let jf = j as f64;
            if j > 0 {
                ln_term += (r + jf - 1.0).ln() - jf.ln() + ln_q;
            }
            head += ln_term.exp();
        }
        let tail = (1.0 - head).max(0.0);
        (first + second_coef * tail).clamp(0.0, 1.0)
    }

    /// Probability that the customer makes no purchase in `(T, T + t]`.
    ///
    /// Equals `1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x)`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `t` when it is negative or not finite (a negative
    /// duration gave probabilities above 1).
    ///
    /// ```
    /// use clv::models::BgNbd;
    /// use clv::{Duration, Rfm, TimeUnit};
    /// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    /// let c = Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap();
    /// assert!(m.probability_no_purchase(&c, Duration::weeks(39.0)).unwrap() < 1.0);
    /// assert!(m.probability_no_purchase(&c, Duration::weeks(-1.0)).is_err());
    /// ```
    pub fn probability_no_purchase(&self, customer: &Rfm, t: Duration) -> Result<f64> {
        let c = customer.in_unit(self.time_unit);
        let t = t.in_unit(self.time_unit);
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::invalid_argument(
                "t",
                t,
                "the duration must be finite and >= 0",
            ));
        }
        let alive = self.p_alive(&c);
        let k = self.r + c.frequency as f64;
        let stay = (-k * (t / (self.alpha + c.age)).ln_1p()).exp();
        Ok(1.0 - alive + alive * stay)
    }
}

/// The variant's shift `d`: 1 when a customer can drop out at the first purchase.
fn shift<V: Variant>() -> f64 {
    if V::DROPOUT_AT_START {
        1.0
    } else {
        0.0
    }
}

impl<V: Variant> PurchaseModel for BetaGeo<V> {
    fn name(&self) -> &'static str {
        V::NAME
    }
    fn description(&self) -> &'static str {
        V::DESCRIPTION
    }
    fn scores_by_distinct(&self) -> bool {
        // closed forms cheaper than hashing the rows (see the trait)
        false
    }
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }
    fn time_scale_params(&self) -> &'static [bool] {
        &[false, true, false, false]
    }
    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }
    fn time_unit(&self) -> TimeUnit {
        self.time_unit
    }
    fn probability_of_purchases(&self, n: u32, t: Duration) -> Option<f64> {
        plain_horizon(t, self.time_unit)?;
        Some(BetaGeo::probability_of_purchases(self, n, t))
    }

    /// ```
    /// use clv::models::{BgNbd, PurchaseModel};
    /// use clv::{Rfm, TimeUnit};
    /// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    /// // Customer 1516 of CDNOW (FHL 2005 / BTYD walkthrough): P(alive) = 0.9688523
    /// let p = m.p_alive(&Rfm::new(26, 30.857, 31.0, TimeUnit::Weeks).unwrap());
    /// assert!((p - 0.9688523).abs() < 5e-6);
    /// ```
    fn p_alive(&self, customer: &Rfm) -> f64 {
        let d = shift::<V>();
        let x = customer.frequency as f64;
        if x + d == 0.0 {
            return 1.0;
        }
        let c = customer.in_unit(self.time_unit);
        // the same expression, term for term, as `p_alive_column`
        let ln_odds = (self.a.ln() - (self.b + x + d - 1.0).ln())
            + (self.r + x) * ((self.alpha + c.age).ln() - (self.alpha + c.recency).ln());
        logistic_of_neg(ln_odds)
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
        let t = plain_horizon(horizon, self.time_unit).unwrap_or(f64::NAN);
        let x = c.frequency as f64;
        let bx = self.b + x + shift::<V>();
        self.p_alive(&c) * kernel(self.r + x, self.a, bx, t / (self.alpha + c.age))
    }

    /// ```
    /// use clv::models::{BgNbd, PurchaseModel};
    /// use clv::{Duration, TimeUnit};
    /// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    /// // FHL 2005 / BTYD: E[X(52)] = 1.444004
    /// assert!((m.expected_purchases_new_customer(Duration::weeks(52.0)) - 1.444004).abs() < 1e-5);
    /// ```
    /// (MBG/NBD: the new customer is still alive after the first purchase with probability
    /// `b / (a + b)`, then buys as a BG/NBD customer with `b + 1`.)
    fn expected_purchases_new_customer(&self, t: Duration) -> f64 {
        let t = plain_horizon(t, self.time_unit).unwrap_or(f64::NAN);
        let d = shift::<V>();
        let survive_start = if d > 0.0 {
            self.b / (self.a + self.b)
        } else {
            1.0
        };
        survive_start * kernel(self.r, self.a, self.b + d, t / self.alpha)
    }

    /// One exp per customer in parallel: the terms of x alone are tabulated, and on a large table
    /// so are the logs of whole ages and recencies (whole-day data has a few hundred of them).
    fn p_alive_all(&self, table: &CustomerTable) -> Array1<f64> {
        Array1::from(self.p_alive_column(table))
    }

    /// Groups customers sharing (x, T): the expected-purchases kernel (a 2F1) is evaluated once
    /// per group, P(alive) once per customer.
    fn expected_purchases_all(&self, table: &CustomerTable, horizon: Duration) -> Array1<f64> {
        let curve = self.expected_purchases_curve(table, &[horizon]);
        let n = curve.nrows();
        curve
            .into_shape_with_order(n)
            .expect("one column of n rows")
    }

    /// P(alive) once, and the expectation as P(alive) times the kernel of each (x, T) group.
    fn p_alive_and_expected_all(
        &self,
        table: &CustomerTable,
        horizon: Duration,
    ) -> (Array1<f64>, Array1<f64>) {
        let h = plain_horizon(horizon, self.time_unit).unwrap_or(f64::NAN);
        let (pairs, kernel) = self.group_kernels(table, &[h]);
        let group_of = &pairs.group_of;
        let alive = self.p_alive_column(table);
        let expected: Vec<f64> = alive
            .par_iter()
            .zip(group_of.par_iter())
            .with_min_len(PREDICT_CHUNK)
            .map(|(&p, &g)| p * kernel[g as usize])
            .collect();
        (Array1::from(alive), Array1::from(expected))
    }

    /// Groups customers sharing (x, T): the expensive kernel is evaluated once per group and
    /// horizon, P(alive) once per customer.
    fn expected_purchases_curve(
        &self,
        table: &CustomerTable,
        horizons: &[Duration],
    ) -> Array2<f64> {
        let hs: Vec<f64> = horizons
            .iter()
            .map(|&h| plain_horizon(h, self.time_unit).unwrap_or(f64::NAN))
            .collect();
        let nh = hs.len();
        let (pairs, kernel) = self.group_kernels(table, &hs);
        let group_of = &pairs.group_of;
        let alive = self.p_alive_column(table);
        let mut out = Array2::<f64>::zeros((table.len(), nh));
        out.axis_chunks_iter_mut(ndarray::Axis(0), PREDICT_CHUNK)
            .into_par_iter()
            .enumerate()
            .for_each(|(chunk, mut rows)| {
                let first = chunk * PREDICT_CHUNK;
                for (k, mut row) in rows.outer_iter_mut().enumerate() {
                    let i = first + k;
                    let g = group_of[i] as usize * nh;
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = alive[i] * kernel[g + j];
                    }
                }
            });
        out
    }

    /// `P(alive) * sum_j factors[j] (K(t_j) - K(t_{j-1}))`: the discounted sum of the
    /// expectation kernel `K` is one number per group of customers sharing (x, T), so no
    /// `customers x steps` matrix is built.
    fn discounted_purchases(
        &self,
        table: &CustomerTable,
        ends: &[Duration],
        factors: &[f64],
    ) -> Result<Array1<f64>> {
        crate::models::check_steps(ends, factors)?;
        if ends.is_empty() {
            return Ok(Array1::zeros(table.len()));
        }
        let hs: Vec<f64> = ends.iter().map(|h| h.in_unit(self.time_unit)).collect();
        let nh = hs.len();
        let (pairs, kernel) = self.group_kernels(table, &hs);
        let group_of = &pairs.group_of;
        let per_group: Vec<f64> = kernel
            .par_chunks(nh)
            .enumerate()
            .map(|(g, ks)| {
                crate::models::discounted_sum(ks.iter().copied(), factors).map_err(|(k, c, p)| {
                    let row = group_of.iter().position(|&x| x as usize == g).unwrap_or(0);
                    crate::models::decreasing_error(table, row, ends[k], c, p)
                })
            })
            .collect::<Result<_>>()?;
        let mut alive = self.p_alive_column(table);
        alive
            .par_chunks_mut(PREDICT_CHUNK)
            .enumerate()
            .for_each(|(chunk, rows)| {
                let first = chunk * PREDICT_CHUNK;
                for (k, v) in rows.iter_mut().enumerate() {
                    *v *= per_group[group_of[first + k] as usize];
                }
            });
        Ok(Array1::from(alive))
    }
}

impl<V: Variant> FitPurchaseModel for BetaGeo<V> {
    type Likelihood = BetaGeoData;

    /// `r = a = b = 1` and `alpha = 0.1`, a tenth of the longest age: the start of the crate
    /// before its ages were rescaled to 1 (it rescaled to 10 and started at 1). On 1M
    /// whole-day customers Newton needs 7 iterations from it against 10 from lifetimes' all-1
    /// start, whose `alpha` is about 12 times the estimate (`scripts/ab_speed.sh`).
    fn default_start() -> Vec<f64> {
        vec![1.0, 0.1, 1.0, 1.0]
    }

    fn from_params(params: &[f64], unit: TimeUnit) -> Result<Self> {
        match *params {
            [r, alpha, a, b] => BetaGeo::new(r, alpha, a, b, unit),
            _ => Err(Error::invalid_argument(
                "params",
                params.len(),
                format!("{} has 4 parameters (r, alpha, a, b)", V::NAME),
            )),
        }
    }

    fn likelihood(data: &CompressedRfm) -> BetaGeoData {
        BetaGeoData::new(data, shift::<V>())
    }

    fn reference() -> Self {
        let [r, alpha, a, b] = V::REFERENCE;
        BetaGeo::new(r, alpha, a, b, TimeUnit::Weeks).expect("valid published estimates")
    }
}

impl<V: Variant> SimulatePurchases for BetaGeo<V> {
    /// `lambda ~ Gamma(r, rate alpha)`, `p ~ Beta(a, b)`.
    fn draw_latent<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Latent {
        use rand_distr::{Beta, Distribution, Gamma};
        // the constructor validated the parameters as positive and finite
        let rate = Gamma::new(self.r, 1.0 / self.alpha).expect("valid r and alpha");
        let dropout = Beta::new(self.a, self.b).expect("valid a and b");
        Latent {
            rate: rate.sample(rng),
            dropout: Dropout::AfterPurchase {
                p: dropout.sample(rng),
                at_start: V::DROPOUT_AT_START,
            },
        }
    }
}

impl<V: Variant> BetaGeo<V> {
    /// P(alive) of every row of `table`: `ln(a / (b+x+d-1))` tabulated for small x and, on a
    /// large table, `ln(alpha + t)` for whole t below [`T_TABLE`] (whole-day data has a few
    /// hundred distinct ages and recencies), so that a row costs one exp.
    fn p_alive_column(&self, table: &CustomerTable) -> Vec<f64> {
        let scale = table.unit().in_units_of(self.time_unit);
        let d = shift::<V>();
        let (x, tx, age) = (table.frequency(), table.recency(), table.age());
        let (x, tx, age) = (contiguous(&x), contiguous(&tx), contiguous(&age));
        let ln_a = self.a.ln();
        let ln_ratio: Vec<f64> = (0..X_TABLE)
            .map(|x| ln_a - (self.b + x as f64 + d - 1.0).ln())
            .collect();
        let ln_time: Vec<f64> = if table.len() >= 8 * T_TABLE {
            (0..T_TABLE)
                .map(|t| (self.alpha + t as f64 * scale).ln())
                .collect()
        } else {
            Vec::new()
        };
        // whole numbers are looked up (through i64, one instruction from f64, where usize is
        // several); a negative, fractional, large or NaN number is computed
        let ln_alpha_plus = |t: f64| {
            let k = t as i64;
            match ln_time.get(k as usize) {
                Some(&l) if k as f64 == t => l,
                _ => (self.alpha + t * scale).ln(),
            }
        };
        let ln_ratio_of = |x: f64| {
            let k = x as i64;
            match ln_ratio.get(k as usize) {
                Some(&l) if k as f64 == x => l,
                _ => ln_a - (self.b + x + d - 1.0).ln(),
            }
        };
        let mut out = vec![0.0; table.len()];
        out.par_chunks_mut(PREDICT_CHUNK)
            .zip(x.par_chunks(PREDICT_CHUNK))
            .zip(
                tx.par_chunks(PREDICT_CHUNK)
                    .zip(age.par_chunks(PREDICT_CHUNK)),
            )
            .for_each(|((rows, x), (tx, age))| {
                // the log odds of each row first (table lookups), then the logistic of the
                // whole chunk, branch-free and vectorised
                for (((v, &xi), &ti), &ai) in rows.iter_mut().zip(x).zip(tx).zip(age) {
                    let ln_odds =
                        ln_ratio_of(xi) + (self.r + xi) * (ln_alpha_plus(ai) - ln_alpha_plus(ti));
                    // no purchase and no drop-out at the start: alive, and logistic(-inf) = 1
                    *v = if xi + d == 0.0 {
                        f64::NEG_INFINITY
                    } else {
                        ln_odds
                    };
                }
                one_over_one_plus_exp(rows);
            });
        out
    }

    /// Each row's group of identical (x, T) and the expectation kernel of each group at each
    /// of `horizons` (in the model's unit), `groups x horizons` row-major.
    /// The grouping is the table's own, computed once and kept ([`CustomerTable::pair_index`]).
    fn group_kernels(&self, table: &CustomerTable, horizons: &[f64]) -> (Arc<PairIndex>, Vec<f64>) {
        let scale = table.unit().in_units_of(self.time_unit);
        let d = shift::<V>();
        let index = Arc::clone(table.pair_index());
        let kernel: Vec<f64> = index
            .pairs
            .par_iter()
            .flat_map_iter(|&(xg, tg)| {
                let denom = self.alpha + tg * scale;
                horizons
                    .iter()
                    .map(move |&h| kernel(self.r + xg, self.a, self.b + xg + d, h / denom))
            })
            .collect();
        (index, kernel)
    }
}

/// Frequencies below this have `ln(a / (b+x+d-1))` tabulated in predictions.
const X_TABLE: usize = 1024;

/// Whole ages and recencies below this have `ln(alpha + t)` tabulated in the predictions of a
/// table of at least 8 times as many rows: about 11 years of days.
const T_TABLE: usize = 4096;

/// The expectation kernel for a model built by [`BetaGeo::new`] (valid parameters): a horizon
/// of zero or less leaves no time to buy; a NaN horizon stays NaN.
#[inline]
fn kernel(k: f64, a: f64, bx: f64, tau: f64) -> f64 {
    if tau.is_nan() {
        return f64::NAN;
    }
    if tau <= 0.0 {
        return 0.0;
    }
    bgnbd_expected_alive(k, a, bx, tau).unwrap_or(f64::NAN)
}

/// Rows per parallel task in predictions.
const PREDICT_CHUNK: usize = 8192;

/// The BG/NBD log-likelihood of a table, prepared once for many evaluations (what a fit does at
/// each step), for benchmarks and diagnostics.
///
/// ```
/// use clv::models::bgnbd::{BgNbd, BgNbdLikelihood};
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let ll = BgNbdLikelihood::new(&cdnow);
/// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
/// let (value, gradient) = ll.value_and_gradient(&m);
/// assert!((value + 9582.43).abs() < 0.01); // FHL 2005: LL = -9582.4
/// assert!(gradient.iter().all(|g| g.abs() < 0.1)); // at the optimum
/// ```
pub struct BgNbdLikelihood {
    data: BetaGeoData,
    unit: TimeUnit,
}

impl BgNbdLikelihood {
    /// Prepares the likelihood of `table`, in the table's unit of time.
    pub fn new(table: &CustomerTable) -> Self {
        BgNbdLikelihood {
            data: BgNbd::likelihood(&CompressedRfm::from_table(table)),
            unit: table.unit(),
        }
    }

    /// Number of distinct (x, t_x, T) rows the sums run over.
    pub fn unique_rows(&self) -> usize {
        self.data.unique_rows()
    }

    /// Log-likelihood of `model` and its gradient with respect to `[r, alpha, a, b]`, in one
    /// pass over the data (`alpha` is taken in the table's unit).
    pub fn value_and_gradient(&self, model: &BgNbd) -> (f64, [f64; 4]) {
        let m = model.in_unit(self.unit);
        let mut g = [0.0; 4];
        let v = self.data.value_and_gradient(&m.params(), &mut g);
        (v, g)
    }
}

#[cfg(test)]
mod tests;
