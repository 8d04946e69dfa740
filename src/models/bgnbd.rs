//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
//!
//! While active, a customer buys according to a Poisson process with rate `lambda`; after each
//! purchase the customer drops out with probability `p`. Across customers
//! `lambda ~ Gamma(r, alpha)` (shape `r`, rate `alpha`, per unit of time) and `p ~ Beta(a, b)`.
//!
//! Formulas used (FHL 2005 and Fader, Hardie & Lee's note "Computing P(alive) using the BG/NBD
//! model"), with `k = r + x`:
//!
//! * likelihood (eq. 6):
//!   `L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r) *
//!   [ (alpha+T)^-(r+x) + 1{x>0} a/(b+x-1) (alpha+t_x)^-(r+x) ]`
//! * `P(alive) = 1 / (1 + 1{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))`
//! * conditional expectation (eq. 10): `E[Y(t) | x, t_x, T] = P(alive) * K` where `K` is the
//!   expected number of purchases in `(T, T+t]` of a customer alive at `T`,
//!   computed by [`crate::special::bgnbd_expected_alive`];
//! * the unconditional `E[X(t)]` (eq. 9) is `K` for a customer alive at 0 with no history.

use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::data::compress::FastMap;
use crate::data::{CompressedRfm, CustomerTable, Rfm};
use crate::error::{Error, Result};
use crate::fit::{maximize, FitOptions, Fitted, LogLikelihood};
use crate::models::{trigamma, PurchaseModel};
use crate::special::bgnbd_expected_alive;
use crate::time::{Duration, TimeUnit};

/// The BG/NBD model with its parameters and the unit of time `alpha` is expressed in.
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
#[serde(try_from = "BgNbdParams")]
pub struct BgNbd {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Rate of the Gamma distribution of purchase rates, per [`time_unit`](Self::time_unit).
    pub alpha: f64,
    /// First shape of the Beta distribution of dropout probabilities.
    pub a: f64,
    /// Second shape of the Beta distribution of dropout probabilities.
    pub b: f64,
    /// The unit of time of the data the model describes.
    pub time_unit: TimeUnit,
}

/// Unvalidated parameters, the serde representation of [`BgNbd`]: deserialising validates.
#[derive(Deserialize)]
struct BgNbdParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    time_unit: TimeUnit,
}

impl TryFrom<BgNbdParams> for BgNbd {
    type Error = Error;
    fn try_from(v: BgNbdParams) -> Result<Self> {
        BgNbd::new(v.r, v.alpha, v.a, v.b, v.time_unit)
    }
}

/// Parameter names in the order of [`BgNbd::params`] and fit reports.
pub const PARAM_NAMES: [&str; 4] = ["r", "alpha", "a", "b"];

impl BgNbd {
    /// A model with the given parameters (each positive and finite).
    pub fn new(r: f64, alpha: f64, a: f64, b: f64, time_unit: TimeUnit) -> Result<Self> {
        for (name, v) in PARAM_NAMES.iter().zip([r, alpha, a, b]) {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid_argument(
                    *name,
                    v,
                    "BG/NBD parameters must be positive and finite",
                ));
            }
        }
        Ok(BgNbd {
            r,
            alpha,
            a,
            b,
            time_unit,
        })
    }

    /// The parameters as `[r, alpha, a, b]`.
    pub fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// The same model with `alpha` re-expressed for times in `unit`.
    ///
    /// ```
    /// use clv::models::BgNbd;
    /// use clv::TimeUnit;
    /// let weekly = BgNbd::new(0.24, 4.4, 0.79, 2.4, TimeUnit::Weeks).unwrap();
    /// assert!((weekly.in_unit(TimeUnit::Days).alpha - 4.4 * 7.0).abs() < 1e-12);
    /// ```
    pub fn in_unit(&self, unit: TimeUnit) -> BgNbd {
        BgNbd {
            alpha: self.alpha * self.time_unit.in_units_of(unit),
            time_unit: unit,
            ..*self
        }
    }

    /// Fits the model by maximum likelihood to `table` (identical customers are compressed into
    /// weighted rows automatically).
    ///
    /// Times are rescaled internally so that the oldest customer has age 10 (as lifetimes does),
    /// which makes the default start `[1, 1, 1, 1]` sensible for data in any unit; `alpha` is
    /// reported in the table's unit. `options.initial`, if set, is on the table's scale.
    ///
    /// ```
    /// use clv::models::BgNbd;
    /// use clv::fit::FitOptions;
    /// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
    /// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
    /// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
    /// let fit = BgNbd::fit(&cdnow, &FitOptions::default()).unwrap();
    /// assert!((fit.r - 0.243).abs() < 5e-4);
    /// assert!((fit.report.log_likelihood + 9582.43).abs() < 0.01);
    /// ```
    pub fn fit(table: &CustomerTable, options: &FitOptions) -> Result<Fitted<BgNbd>> {
        fit_compressed(table, options, true)
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
        let terms = XTerms::new(self.r, self.a, self.b, x);
        let (ll, _) = row_log_likelihood(
            self,
            &terms,
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
        let data = BgNbdData::new(&CompressedRfm::from_table(&table));
        let mut g = [0.0; 4];
        data.value_and_gradient(&self.params(), &mut g)
    }

    /// Probability that a new customer makes exactly `n` repeat purchases in the first `t` of
    /// life, `P(X(t) = n)` (FHL 2005 eq. 8).
    ///
    /// ```
    /// use clv::models::BgNbd;
    /// use clv::{Duration, TimeUnit};
    /// // FHL 2005's estimates to 3 decimals; REFERENCE.md: P(X(39) = 0) = 0.5737864.
    /// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426, TimeUnit::Weeks).unwrap();
    /// assert!((m.probability_of_purchases(0, Duration::weeks(39.0)) - 0.5737864).abs() < 1e-6);
    /// ```
    pub fn probability_of_purchases(&self, n: u32, t: Duration) -> f64 {
        let t = t.in_unit(self.time_unit);
        if t <= 0.0 {
            return if n == 0 { 1.0 } else { 0.0 };
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let x = n as f64;
        let ln_p0 = r * (alpha / (alpha + t)).ln();
        let ln_q = (t / (alpha + t)).ln();
        let ln_beta_ratio = ln_gamma(b + x) - ln_gamma(b) + ln_gamma(a + b) - ln_gamma(a + b + x);
        let first =
            (ln_beta_ratio + ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0) + ln_p0 + x * ln_q)
                .exp();
        if n == 0 {
            return first;
        }
        // B(a+1, b+x-1)/B(a,b) = a/(b+x-1) * B(a, b+x)/B(a,b)
        let second_coef = (a.ln() - (b + x - 1.0).ln() + ln_beta_ratio).exp();
        // 1 - sum_{j<n} NBD(j) = P(NBD >= n), summed as a tail to avoid cancellation when small.
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
    pub fn probability_no_purchase(&self, customer: &Rfm, t: Duration) -> f64 {
        let c = customer.in_unit(self.time_unit);
        let t = t.in_unit(self.time_unit);
        let alive = self.p_alive(&c);
        let k = self.r + c.frequency as f64;
        let stay = (-k * (t / (self.alpha + c.age)).ln_1p()).exp();
        1.0 - alive + alive * stay
    }
}

impl PurchaseModel for BgNbd {
    fn time_unit(&self) -> TimeUnit {
        self.time_unit
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
        if customer.frequency == 0 {
            return 1.0;
        }
        let c = customer.in_unit(self.time_unit);
        let x = c.frequency as f64;
        // the same expression, term for term, as `p_alive_all`
        let ln_odds = (self.a.ln() - (self.b + x - 1.0).ln())
            + (self.r + x) * ((self.alpha + c.age) / (self.alpha + c.recency)).ln();
        logistic_of_neg(ln_odds)
    }

    fn expected_purchases(&self, customer: &Rfm, horizon: Duration) -> f64 {
        let c = customer.in_unit(self.time_unit);
        let t = horizon.in_unit(self.time_unit);
        let x = c.frequency as f64;
        self.p_alive(&c) * kernel(self.r + x, self.a, self.b + x, t / (self.alpha + c.age))
    }

    /// ```
    /// use clv::models::{BgNbd, PurchaseModel};
    /// use clv::{Duration, TimeUnit};
    /// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    /// // FHL 2005 / BTYD: E[X(52)] = 1.444004
    /// assert!((m.expected_purchases_new_customer(Duration::weeks(52.0)) - 1.444004).abs() < 1e-5);
    /// ```
    fn expected_purchases_new_customer(&self, t: Duration) -> f64 {
        let t = t.in_unit(self.time_unit);
        kernel(self.r, self.a, self.b, t / self.alpha)
    }

    /// One log and one exp per customer (the terms of x alone are tabulated), in parallel.
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

    /// Groups customers sharing (x, T): the expensive kernel is evaluated once per group and
    /// horizon, P(alive) once per customer.
    fn expected_purchases_curve(
        &self,
        table: &CustomerTable,
        horizons: &[Duration],
    ) -> Array2<f64> {
        let hs: Vec<f64> = horizons.iter().map(|h| h.in_unit(self.time_unit)).collect();
        let nh = hs.len();
        let (group_of, kernel) = self.group_kernels(table, &hs);
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
        let (group_of, kernel) = self.group_kernels(table, &hs);
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

impl BgNbd {
    /// P(alive) of every row of `table`: `ln(a / (b+x-1))` tabulated for small x, then one
    /// log and one exp per row.
    fn p_alive_column(&self, table: &CustomerTable) -> Vec<f64> {
        let scale = table.unit().in_units_of(self.time_unit);
        let (x, tx, age) = (table.frequency(), table.recency(), table.age());
        let ln_a = self.a.ln();
        let ln_ratio: Vec<f64> = (0..X_TABLE)
            .map(|x| ln_a - (self.b + x as f64 - 1.0).ln())
            .collect();
        let mut out = vec![0.0; table.len()];
        out.par_chunks_mut(PREDICT_CHUNK)
            .enumerate()
            .for_each(|(chunk, rows)| {
                let first = chunk * PREDICT_CHUNK;
                for (k, v) in rows.iter_mut().enumerate() {
                    let i = first + k;
                    let xi = x[i];
                    *v = if xi == 0.0 {
                        1.0
                    } else {
                        let ratio = if xi < X_TABLE as f64 {
                            ln_ratio[xi as usize]
                        } else {
                            ln_a - (self.b + xi - 1.0).ln()
                        };
                        let ln_odds = ratio
                            + (self.r + xi)
                                * ((self.alpha + age[i] * scale) / (self.alpha + tx[i] * scale))
                                    .ln();
                        logistic_of_neg(ln_odds)
                    };
                }
            });
        out
    }

    /// Each row's group of identical (x, T) and the expectation kernel of each group at each
    /// of `horizons` (in the model's unit), `groups x horizons` row-major.
    fn group_kernels(&self, table: &CustomerTable, horizons: &[f64]) -> (Vec<u32>, Vec<f64>) {
        let scale = table.unit().in_units_of(self.time_unit);
        let (group_of, keys) = group_by_frequency_and_age(table, scale);
        let kernel: Vec<f64> = keys
            .par_iter()
            .flat_map_iter(|&(xg, tg)| {
                let denom = self.alpha + tg;
                horizons
                    .iter()
                    .map(move |&h| kernel(self.r + xg, self.a, self.b + xg, h / denom))
            })
            .collect();
        (group_of, kernel)
    }
}

/// Frequencies below this have `ln(a / (b+x-1))` tabulated in predictions.
const X_TABLE: usize = 1024;

/// The expectation kernel for a model built by [`BgNbd::new`] (valid parameters): a horizon
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

/// Each customer's group of identical (x, T), and each group's (x, T in the model's unit, i.e.
/// times `scale`), groups numbered in order of first appearance.
fn group_by_frequency_and_age(table: &CustomerTable, scale: f64) -> (Vec<u32>, Vec<(f64, f64)>) {
    let (x, age) = (table.frequency(), table.age());
    let mut groups: FastMap<(u64, u64), u32> = FastMap::default();
    let mut keys: Vec<(f64, f64)> = Vec::new();
    let group_of = x
        .iter()
        .zip(age.iter())
        .map(|(&xi, &ti)| {
            let key = (xi.to_bits(), (ti + 0.0).to_bits());
            *groups.entry(key).or_insert_with(|| {
                keys.push((xi, ti * scale));
                (keys.len() - 1) as u32
            })
        })
        .collect();
    (group_of, keys)
}

/// The BG/NBD log-likelihood of a table, prepared once for many evaluations (what a fit does at
/// each step): identical customers merged into weighted rows, the terms that depend on the
/// frequency or the age alone computed once per unique value.
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
    data: BgNbdData,
    unit: TimeUnit,
}

impl BgNbdLikelihood {
    /// Prepares the likelihood of `table`, in the table's unit of time.
    pub fn new(table: &CustomerTable) -> Self {
        BgNbdLikelihood {
            data: BgNbdData::new(&CompressedRfm::from_table(table)),
            unit: table.unit(),
        }
    }

    /// Number of distinct (x, t_x, T) rows the sums run over.
    pub fn unique_rows(&self) -> usize {
        self.data.x.len()
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

/// `1 / (1 + exp(z))` without overflow.
fn logistic_of_neg(z: f64) -> f64 {
    if z > 0.0 {
        let e = (-z).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + z.exp())
    }
}

/// The parts of the likelihood that depend on x only (and the parameters), with their
/// derivatives: computed once per unique frequency.
#[derive(Clone, Copy)]
struct XTerms {
    /// lnGamma(r+x) - lnGamma(r) + lnB(a, b+x) - lnB(a, b)
    ln_const: f64,
    /// d ln_const / dr, da, db
    d_r: f64,
    d_a: f64,
    d_b: f64,
    /// ln(a / (b+x-1)) for x > 0
    ln_ratio: f64,
    /// 1/(b+x-1) for x > 0
    inv_bx1: f64,
    /// second derivatives of ln_const: d2/dr2, d2/da2 (= d2/da db), d2/db2
    h_rr: f64,
    h_aa: f64,
    h_bb: f64,
}

impl XTerms {
    fn new(r: f64, a: f64, b: f64, x: f64) -> XTerms {
        if x == 0.0 {
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
        let dg_ab = digamma(ab) - digamma(ab + x);
        XTerms {
            ln_const: ln_gamma(r + x) - ln_gamma(r) + ln_gamma(b + x) - ln_gamma(b) + ln_gamma(ab)
                - ln_gamma(ab + x),
            d_r: digamma(r + x) - digamma(r),
            d_a: dg_ab,
            d_b: digamma(b + x) - digamma(b) + dg_ab,
            ln_ratio: a.ln() - (b + x - 1.0).ln(),
            inv_bx1: 1.0 / (b + x - 1.0),
            h_rr: 0.0,
            h_aa: 0.0,
            h_bb: 0.0,
        }
    }

    /// [`XTerms::new`] with the second derivatives of `ln_const` (trigamma differences).
    fn with_second(r: f64, a: f64, b: f64, x: f64) -> XTerms {
        let mut t = XTerms::new(r, a, b, x);
        if x > 0.0 {
            let ab = a + b;
            let tri_ab = trigamma(ab) - trigamma(ab + x);
            t.h_rr = trigamma(r + x) - trigamma(r);
            t.h_aa = tri_ab;
            t.h_bb = trigamma(b + x) - trigamma(b) + tri_ab;
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
    m: &BgNbd,
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
    if x > 0.0 {
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
fn row_log_likelihood(
    m: &BgNbd,
    xt: &XTerms,
    x: f64,
    (ln_alpha_tx, alpha_tx): (f64, f64),
    (ln_alpha_t, inv_alpha_t): (f64, f64),
    ln_alpha: f64,
) -> (f64, [f64; 4]) {
    let (ll, g, _) = row_log_likelihood_shares(
        m,
        xt,
        x,
        (ln_alpha_tx, alpha_tx),
        (ln_alpha_t, inv_alpha_t),
        ln_alpha,
    );
    (ll, g)
}

/// [`row_log_likelihood`] with the shares `(w1, w2)` of its two terms.
#[inline]
fn row_log_likelihood_shares(
    m: &BgNbd,
    xt: &XTerms,
    x: f64,
    (ln_alpha_tx, alpha_tx): (f64, f64),
    (ln_alpha_t, inv_alpha_t): (f64, f64),
    ln_alpha: f64,
) -> (f64, [f64; 4], (f64, f64)) {
    let k = m.r + x;
    let l1 = -k * ln_alpha_t;
    let base = xt.ln_const + m.r * ln_alpha;
    if x == 0.0 {
        let ll = base + l1;
        let g = [
            ln_alpha - ln_alpha_t,
            m.r / m.alpha - k * inv_alpha_t,
            0.0,
            0.0,
        ];
        return (ll, g, (1.0, 0.0));
    }
    let l2 = xt.ln_ratio - k * ln_alpha_tx;
    // log-sum-exp of the two terms and their shares w1 + w2 = 1
    let (s, w1, w2) = if l1 > l2 {
        let e = (l2 - l1).exp();
        (l1 + e.ln_1p(), 1.0 / (1.0 + e), e / (1.0 + e))
    } else {
        let e = (l1 - l2).exp();
        (l2 + e.ln_1p(), e / (1.0 + e), 1.0 / (1.0 + e))
    };
    let ll = base + s;
    let g = [
        xt.d_r + ln_alpha - w1 * ln_alpha_t - w2 * ln_alpha_tx,
        m.r / m.alpha - k * (w1 * inv_alpha_t + w2 / alpha_tx),
        xt.d_a + w2 / m.a,
        xt.d_b - w2 * xt.inv_bx1,
    ];
    (ll, g, (w1, w2))
}

/// Compressed data laid out for the likelihood: each row points at its unique frequency,
/// unique recency and unique age, whose terms (lnGamma/digamma, logs) are computed once per
/// evaluation: with whole-day times a million customers have a few hundred distinct recencies
/// and ages, so a row costs one exp and one log.
struct BgNbdData {
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

/// Index of each value among the distinct values of `values` (by bit pattern, -0 as 0), and the
/// distinct values in order of first appearance.
fn index_unique(values: &[f64]) -> (Vec<u32>, Vec<f64>) {
    let mut seen: FastMap<u64, u32> = FastMap::default();
    let mut unique = Vec::new();
    let idx = values
        .iter()
        .map(|&v| {
            *seen.entry((v + 0.0).to_bits()).or_insert_with(|| {
                unique.push(v);
                (unique.len() - 1) as u32
            })
        })
        .collect();
    (idx, unique)
}

impl BgNbdData {
    fn new(c: &CompressedRfm) -> BgNbdData {
        let (x_idx, unique_x) = index_unique(&c.frequency);
        let (tx_idx, unique_tx) = index_unique(&c.recency);
        let (age_idx, unique_age) = index_unique(&c.age);
        BgNbdData {
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

    fn scaled(mut self, s: f64) -> BgNbdData {
        self.unique_tx.iter_mut().for_each(|v| *v *= s);
        self.unique_age.iter_mut().for_each(|v| *v *= s);
        self
    }
}

const CHUNK: usize = 4096;

/// Sums of a BG/NBD evaluation: log-likelihood, 4 gradient entries, 10 Hessian entries.
const SUMS: usize = 5 + HESSIAN_ENTRIES;

impl BgNbdData {
    /// Weighted sums over the rows of the log-likelihood, its gradient and, when `HESSIAN`,
    /// the upper triangle of its Hessian (see [`HESSIAN_ENTRIES`]).
    fn sums<const HESSIAN: bool>(&self, params: &[f64]) -> [f64; SUMS] {
        let m = BgNbd {
            r: params[0],
            alpha: params[1],
            a: params[2],
            b: params[3],
            time_unit: TimeUnit::Weeks,
        };
        let xterms: Vec<XTerms> = self
            .unique_x
            .iter()
            .map(|&x| {
                if HESSIAN {
                    XTerms::with_second(m.r, m.a, m.b, x)
                } else {
                    XTerms::new(m.r, m.a, m.b, x)
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
            for i in range {
                let xt = &xterms[self.x_idx[i] as usize];
                let tx = tx_terms[self.tx_idx[i] as usize];
                let age = age_terms[self.age_idx[i] as usize];
                let (ll, g, (w1, w2)) =
                    row_log_likelihood_shares(&m, xt, self.x[i], tx, age, ln_alpha);
                let w = self.w[i];
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
            acc
        };
        let n = self.x.len();
        if n <= CHUNK {
            sum_chunk(0..n)
        } else {
            // Partial sums collected in chunk order and added in that order: the result does
            // not depend on how rayon split the work, so fits are reproducible bit for bit.
            let partial: Vec<[f64; SUMS]> = (0..n.div_ceil(CHUNK))
                .into_par_iter()
                .map(|c| sum_chunk(c * CHUNK..((c + 1) * CHUNK).min(n)))
                .collect();
            partial.iter().fold([0.0; SUMS], |mut a, b| {
                for j in 0..SUMS {
                    a[j] += b[j];
                }
                a
            })
        }
    }
}

impl LogLikelihood for BgNbdData {
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
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

fn fit_compressed(
    table: &CustomerTable,
    options: &FitOptions,
    compress: bool,
) -> Result<Fitted<BgNbd>> {
    let compressed = if compress {
        CompressedRfm::from_table(table)
    } else {
        CompressedRfm {
            frequency: table.frequency().to_vec(),
            recency: table.recency().to_vec(),
            age: table.age().to_vec(),
            weight: (0..table.len()).map(|i| table.weight(i)).collect(),
        }
    };
    let max_age = compressed.age.iter().cloned().fold(0.0, f64::max);
    let scale = 10.0 / max_age;
    let data = BgNbdData::new(&compressed).scaled(scale);
    let mut opts = options.clone();
    if let Some(init) = &mut opts.initial {
        if init.len() == 4 {
            init[1] *= scale;
        }
    }
    let mut report = maximize("BG/NBD", &data, &[1.0; 4], &opts).map_err(|e| match e {
        Error::NotConverged {
            model,
            reason,
            iterations,
            mut params,
            log_likelihood,
            gradient_norm,
        } => {
            params[1] /= scale;
            Error::NotConverged {
                model,
                reason,
                iterations,
                params,
                log_likelihood,
                gradient_norm,
            }
        }
        other => other,
    })?;
    // Back to the table's time scale: alpha' = s alpha, and the likelihood differs by a constant.
    report.params[1] /= scale;
    if let Some(cov) = &mut report.covariance {
        for j in 0..4 {
            cov[[1, j]] /= scale;
            cov[[j, 1]] /= scale;
        }
        report.std_errors = Some(cov.diag().mapv(f64::sqrt));
    }
    let p = &report.params;
    let model = BgNbd::new(p[0], p[1], p[2], p[3], table.unit())?;
    // Each customer's likelihood has alpha^r / (alpha + T)^(r+x) times terms free of time, so
    // rescaling times by s multiplies it by s^-x: ln L = ln L_scaled + ln(s) sum_i w_i x_i.
    let weighted_x: f64 = compressed
        .frequency
        .iter()
        .zip(&compressed.weight)
        .map(|(x, w)| x * w)
        .sum();
    report.log_likelihood += scale.ln() * weighted_x;
    Ok(Fitted { model, report })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::numerical_gradient;
    use approx::assert_relative_eq;

    fn data(rows: &[(f64, f64, f64)]) -> BgNbdData {
        let c = CompressedRfm {
            frequency: rows.iter().map(|r| r.0).collect(),
            recency: rows.iter().map(|r| r.1).collect(),
            age: rows.iter().map(|r| r.2).collect(),
            weight: vec![1.0; rows.len()],
        };
        BgNbdData::new(&c)
    }

    /// Customers from no repeat purchase to 200 (note 027's extreme), for derivative checks.
    const CHECK_ROWS: [(f64, f64, f64); 5] = [
        (0.0, 0.0, 38.0),
        (1.0, 2.0, 30.0),
        (5.0, 20.0, 35.0),
        (26.0, 30.857, 31.0),
        (200.0, 38.0, 40.0),
    ];

    #[test]
    fn gradient_matches_finite_differences() {
        let d = data(&CHECK_ROWS);
        for p in [
            [0.2425982, 4.4136842, 0.7929899, 2.4261667],
            [0.25, 4.0, 0.8, 2.5],
            [3.0, 0.05, 0.01, 0.02],   // extreme: tiny alpha, a, b
            [0.01, 500.0, 50.0, 80.0], // extreme: large alpha, a, b
            [12.0, 1.0, 1.0, 1.0],
        ] {
            let mut g = [0.0; 4];
            d.value_and_gradient(&p, &mut g);
            let num = numerical_gradient(
                |q| {
                    let mut gg = [0.0; 4];
                    d.value_and_gradient(q, &mut gg)
                },
                &p,
            );
            for j in 0..4 {
                assert_relative_eq!(g[j], num[j], max_relative = 1e-6, epsilon = 1e-7);
            }
        }
    }

    #[test]
    fn hessian_matches_finite_differences_of_the_gradient() {
        let d = data(&CHECK_ROWS);
        for p in [
            [0.2425982, 4.4136842, 0.7929899, 2.4261667],
            [3.0, 0.05, 0.01, 0.02],
            [0.01, 500.0, 50.0, 80.0],
            [12.0, 1.0, 1.0, 1.0],
        ] {
            let (mut g, mut h) = ([0.0; 4], [0.0; 16]);
            let v = d.value_gradient_hessian(&p, &mut g, &mut h).unwrap();
            let mut g0 = [0.0; 4];
            assert_eq!(v, d.value_and_gradient(&p, &mut g0));
            assert_eq!(g, g0);
            for i in 0..4 {
                let num = numerical_gradient(
                    |q| {
                        let mut gg = [0.0; 4];
                        d.value_and_gradient(q, &mut gg);
                        gg[i]
                    },
                    &p,
                );
                for j in 0..4 {
                    // the differences of a gradient lose ~6 digits to rounding at alpha = 0.05
                    assert!(
                        (h[4 * i + j] - num[j]).abs() <= 1e-5 * (1.0 + num[j].abs()),
                        "{p:?} ({i}, {j}): {} vs {}",
                        h[4 * i + j],
                        num[j]
                    );
                }
            }
        }
    }

    /// The grouped discounted sum equals the per-customer sum over the expectation curve
    /// (the trait's default route), also for a table in another unit and for frequencies
    /// beyond the tabulated ones.
    #[test]
    fn discounted_purchases_match_the_curve() {
        let opts = crate::RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
        let weekly = CustomerTable::from_csv_path(
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_summary.csv"),
            &opts,
        )
        .unwrap();
        let big = CustomerTable::from_customers(&[
            Rfm::new(1100, 30.0, 38.0, TimeUnit::Weeks).unwrap(),
            Rfm::new(3, 1.0, 38.0, TimeUnit::Weeks).unwrap(),
        ])
        .unwrap();
        let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
        let ends: Vec<Duration> = (1..=6).map(|i| Duration::days(30.0 * i as f64)).collect();
        let factors: Vec<f64> = (1..=6).map(|i| 1.01f64.powi(-i)).collect();
        for table in [weekly.clone(), weekly.to_unit(TimeUnit::Days), big] {
            let fast = m.discounted_purchases(&table, &ends, &factors).unwrap();
            let curve = m.expected_purchases_curve(&table, &ends);
            let alive = m.p_alive_all(&table);
            for i in 0..table.len() {
                assert_eq!(alive[i], m.p_alive(&table.get(i)));
                let mut want = 0.0;
                for k in 0..ends.len() {
                    let prev = if k == 0 { 0.0 } else { curve[[i, k - 1]] };
                    want += (curve[[i, k]] - prev) * factors[k];
                }
                assert_relative_eq!(fast[i], want, max_relative = 1e-12, epsilon = 1e-300);
            }
        }
        assert!(m
            .discounted_purchases(&weekly, &ends, &factors[1..])
            .is_err());
        let none = m.discounted_purchases(&weekly, &[], &[]).unwrap();
        assert!(none.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn compression_does_not_change_the_fit() {
        let opts = crate::RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
        let t = CustomerTable::from_csv_path(
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_summary.csv"),
            &opts,
        )
        .unwrap();
        let a = fit_compressed(&t, &FitOptions::default(), true).unwrap();
        let b = fit_compressed(&t, &FitOptions::default(), false).unwrap();
        assert!(CompressedRfm::from_table(&t).len() < t.len() / 2);
        for j in 0..4 {
            assert_relative_eq!(a.report.params[j], b.report.params[j], max_relative = 1e-10);
        }
        assert_relative_eq!(
            a.report.log_likelihood,
            b.report.log_likelihood,
            max_relative = 1e-12
        );
        // the log-likelihood reported from the rescaled fit is that of the data as given
        assert_relative_eq!(
            a.report.log_likelihood,
            a.model.log_likelihood(&t),
            max_relative = 1e-13
        );
    }
}
