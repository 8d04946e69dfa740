//! Prediction intervals: how far off a customer's expected purchases, P(alive) and CLV, and the
//! totals of a base or of any group of it, can be.
//!
//! Two sources of uncertainty are counted:
//!
//! * **process**: the customer's own randomness given the parameters, the conditional
//!   distribution of her purchases in the horizon
//!   ([`PurchaseModel::conditional_pmf`]) and the
//!   moments of her future spend ([`SpendModel::spend_moments`]);
//! * **parameters**: the fitted covariance, on the log scale the fit works on, propagated by
//!   the symmetric sigma points of the unscented transform: `2k` parameter vectors
//!   `exp(ln theta +- sqrt(k) L e_j)` (`L L' = ` the covariance of `ln theta`) whose equally
//!   weighted mixture has the estimated mean and covariance. This costs `2k + 1` predictions
//!   instead of the hundreds of draws of a bootstrap or a posterior sample, and is exact for
//!   predictions that are quadratic in `ln theta` (the delta method is exact only for linear
//!   ones).
//!
//! A customer's purchase interval is a central interval of the mixture over the sigma points
//! of her conditional distributions: `[Q((1-L)/2), Q((1+L)/2)]` for level `L`, except that when
//! the lower end is 0 (no lower tail to cut) the upper end is `Q(L)`, so that low-activity
//! customers get `[0, 0]` when no purchase is at least `L` likely. Counts are discrete, so the
//! coverage is at least `L`. Her CLV interval comes from the two moments of her discounted
//! value (purchases times spend, with the customer's discount ratio) and its probability of
//! being 0, as a zero-inflated log-normal with those moments. P(alive) gets the
//! parameter-uncertainty interval, on the logit scale.
//!
//! Totals add customers, independent given the parameters, at each sigma point; the
//! parameters are shared, so the spread of the total over the sigma points does not shrink as
//! the base grows. The interval is normal with the combined variance.
//!
//! All of it works per distinct (x, t_x, T), as the fit does.

mod discrete;

pub use discrete::DiscretePredictive;

use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::data::{CustomerTable, Rfm};
use crate::error::{Error, Result};
use crate::models::{PurchaseModel, SpendModel, SpendMoments, WithParams};
use crate::optim::Fitted;
use crate::time::Duration;
use crate::value::config::ClvConfig;
use crate::value::lifetime::discounted_purchases;

/// Probability mass left out of each conditional distribution.
const TAIL: f64 = 1e-10;

/// The two moments of purchases in the horizon and their probability of being 0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    mean: f64,
    square: f64,
    zero: f64,
}

impl Moments {
    fn of(pmf: &[f64]) -> Self {
        let (mut mean, mut square) = (0.0, 0.0);
        for (n, &p) in pmf.iter().enumerate() {
            let n = n as f64;
            mean += n * p;
            square += n * n * p;
        }
        Moments {
            mean,
            square,
            zero: pmf[0],
        }
    }

    fn variance(&self) -> f64 {
        (self.square - self.mean * self.mean).max(0.0)
    }
}

/// An interval around an expectation, at a level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TotalInterval {
    /// The level, e.g. 0.9.
    pub level: f64,
    /// The expectation at the estimated parameters (what the point predictions sum to).
    pub expected: f64,
    /// Standard deviation of the total: process and parameter uncertainty.
    pub sd: f64,
    /// Of that, the standard deviation due to the parameters alone.
    pub parameter_sd: f64,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl TotalInterval {
    /// Whether `value` lies in the interval.
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// Per-customer interval ends, in row order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerIntervals {
    /// The level, e.g. 0.9.
    pub level: f64,
    /// Lower end of the purchases in the horizon (a count).
    pub expected_purchases_low: Array1<f64>,
    /// Upper end of the purchases in the horizon.
    pub expected_purchases_high: Array1<f64>,
    /// Lower end of P(alive) (parameter uncertainty).
    pub p_alive_low: Array1<f64>,
    /// Upper end of P(alive).
    pub p_alive_high: Array1<f64>,
    /// Lower end of the CLV, when a spend model was given.
    pub clv_low: Option<Array1<f64>>,
    /// Upper end of the CLV.
    pub clv_high: Option<Array1<f64>>,
}

/// A group's totals with their intervals (see [`Predictive::group_totals`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupTotals {
    /// Customers in the group (the sum of their rows' weights).
    pub customers: f64,
    /// Total purchases in the horizon.
    pub purchases: TotalInterval,
    /// Total CLV, when a spend model was given.
    pub clv: Option<TotalInterval>,
}

/// What the intervals of one distinct history need: its purchase moments at the estimate
/// (index 0) and at each sigma point, its purchase interval and its P(alive) interval.
#[derive(Debug, Clone)]
struct Distinct {
    moments: Vec<Moments>,
    purchases: (f64, f64),
    p_alive: (f64, f64),
}

/// The spend side of every customer, flat: customer `i`'s moments at the estimate (index 0)
/// and at each spend sigma point are `moments[i * stride..(i + 1) * stride]`.
#[derive(Debug, Clone)]
struct Spend {
    stride: usize,
    moments: Vec<SpendMoments>,
}

impl Spend {
    /// Customer `i`'s moments at spend point `l` (0 = the estimate).
    fn at(&self, i: usize, l: usize) -> &SpendMoments {
        &self.moments[i * self.stride + l]
    }
}

/// The predictive distributions of a scored base: build once with [`Predictive::new`], then
/// ask for customer intervals and for the totals of the base or of any group.
///
/// ```
/// use clv::fit::{Fit, FitOptions};
/// use clv::models::BgNbd;
/// use clv::value::interval::Predictive;
/// use clv::value::{ClvConfig, Discount};
/// use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let bgnbd = BgNbd::fit(&cdnow, &FitOptions::default()).unwrap();
/// let config = ClvConfig::new(Duration::weeks(39.0), Duration::weeks(39.0), Discount::None, 1.0).unwrap();
/// let predictive = Predictive::new(&bgnbd, &cdnow, &config, 0.9).unwrap();
/// let total = predictive.total(None);
/// assert!(total.purchases.low < total.purchases.expected && total.purchases.expected < total.purchases.high);
/// let each = predictive.customers();
/// assert!(each.expected_purchases_low[0] <= each.expected_purchases_high[0]);
/// ```
#[derive(Debug, Clone)]
pub struct Predictive {
    level: f64,
    margin: f64,
    distinct_of: Vec<u32>,
    /// Row weights of a compressed table (`None`: every row is one customer).
    weights: Option<Vec<f64>>,
    distinct: Vec<Distinct>,
    /// Per customer: discounted over undiscounted expected purchases.
    discount_ratio: Vec<f64>,
    spend: Option<Spend>,
}

impl Predictive {
    /// The predictive distributions of the purchases of every customer of `table` over
    /// `config`'s horizon under the fitted `purchase` model, with intervals at `level` (in
    /// (0, 1), e.g. 0.9). Add a spend model with [`with_spend`](Self::with_spend) for CLV.
    ///
    /// Errors when the level is outside (0, 1), the fit has no covariance (its standard errors
    /// could not be computed), a sigma point leaves the model's domain, or the model lacks its
    /// conditional distribution.
    pub fn new<M>(
        purchase: &Fitted<M>,
        table: &CustomerTable,
        config: &ClvConfig,
        level: f64,
    ) -> Result<Self>
    where
        M: PurchaseModel + WithParams + Send,
    {
        check_level(level)?;
        config.validate()?;
        let points = sigma_points(&purchase.model, purchase.report.covariance.as_ref())?;
        let index = table.distinct_index();
        let distinct_of = index.group_of.clone();
        let rows: Vec<Rfm> = index
            .table
            .iter()
            .map(|c| Rfm::new(c.frequency, c.recency, c.age, table.unit()))
            .collect::<Result<_>>()?;
        let distinct = distinct_histories(&purchase.model, &points, &rows, config, level)?;
        let discount_ratio =
            discount_ratios(&purchase.model, table, config, &distinct, &distinct_of)?;
        Ok(Predictive {
            level,
            margin: config.margin,
            distinct_of,
            weights: table.weights().map(|w| w.to_vec()),
            distinct,
            discount_ratio,
            spend: None,
        })
    }

    /// The same with the fitted `spend` model, for CLV intervals; `table` must be the one
    /// given to [`new`](Self::new), with its monetary values.
    ///
    /// Errors when the table differs in length or lacks monetary values, the fit has no
    /// covariance, or the spend variance is infinite (see [`SpendModel::spend_moments`]).
    pub fn with_spend<S>(mut self, spend: &Fitted<S>, table: &CustomerTable) -> Result<Self>
    where
        S: SpendModel + WithParams + Send,
    {
        if table.len() != self.len() {
            return Err(Error::invalid_argument(
                "table",
                table.len(),
                format!("the spend side needs the same {} customers", self.len()),
            ));
        }
        self.spend = Some(spend_moments(spend, table)?);
        Ok(self)
    }

    /// The level of the intervals.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.distinct_of.len()
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.distinct_of.is_empty()
    }

    /// The weight of row `i`: the customers it stands for.
    fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// Number of distinct (x, t_x, T) the distributions were computed for.
    pub fn distinct_histories(&self) -> usize {
        self.distinct.len()
    }

    /// Every customer's intervals, in row order.
    pub fn customers(&self) -> CustomerIntervals {
        let n = self.len();
        let pick = |f: &dyn Fn(&Distinct) -> f64| -> Array1<f64> {
            self.distinct_of
                .iter()
                .map(|&d| f(&self.distinct[d as usize]))
                .collect()
        };
        let clv: Option<(Array1<f64>, Array1<f64>)> = self.spend.as_ref().map(|_| {
            let ends: Vec<(f64, f64)> = (0..n)
                .into_par_iter()
                .map(|i| self.customer_clv_interval(i))
                .collect();
            let (low, high): (Vec<f64>, Vec<f64>) = ends.into_iter().unzip();
            (Array1::from(low), Array1::from(high))
        });
        let (clv_low, clv_high) = match clv {
            Some((l, h)) => (Some(l), Some(h)),
            None => (None, None),
        };
        CustomerIntervals {
            level: self.level,
            expected_purchases_low: pick(&|d| d.purchases.0),
            expected_purchases_high: pick(&|d| d.purchases.1),
            p_alive_low: pick(&|d| d.p_alive.0),
            p_alive_high: pick(&|d| d.p_alive.1),
            clv_low,
            clv_high,
        }
    }

    /// The share of customers whose actual purchases in the horizon (`actual`, in row order,
    /// e.g. a holdout period's) fall in their purchase interval: the empirical coverage (rows
    /// of a weighted table count with their weights).
    ///
    /// # Panics
    /// When `actual` does not have one value per customer.
    pub fn coverage(&self, actual: &[f64]) -> f64 {
        assert_eq!(actual.len(), self.len(), "one actual count per customer");
        weighted_coverage(actual, |i| {
            (
                self.weight(i),
                self.distinct[self.distinct_of[i] as usize].purchases,
            )
        })
    }

    /// The totals of the customers in `rows` (all when `None`), with their intervals.
    pub fn total(&self, rows: Option<&[usize]>) -> GroupTotals {
        self.group_totals(&one_group(rows, self.len()), 1)[0]
    }

    /// The totals of each group `0..groups`, customer `i` being in group `labels[i]` (labels
    /// at or beyond `groups` are left out): segments, cohorts, tiers.
    ///
    /// # Panics
    /// When `labels` does not have one label per customer.
    pub fn group_totals(&self, labels: &[usize], groups: usize) -> Vec<GroupTotals> {
        assert_eq!(labels.len(), self.len(), "one label per customer");
        // Fixed chunks summed in order: the same totals whatever the threads do.
        let partial: Vec<Vec<Sums>> = labels
            .par_chunks(TOTAL_CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut sums = vec![Sums::new(self); groups];
                for (k, &g) in chunk.iter().enumerate() {
                    if g < groups {
                        sums[g].add(self, c * TOTAL_CHUNK + k);
                    }
                }
                sums
            })
            .collect();
        let mut sums = vec![Sums::new(self); groups];
        for part in &partial {
            for (total, p) in sums.iter_mut().zip(part) {
                total.merge(p);
            }
        }
        sums.iter().map(|s| s.finish(self)).collect()
    }

    /// Purchase sigma points (the moments' entries after the estimate).
    fn purchase_points(&self) -> usize {
        self.distinct.first().map_or(0, |d| d.moments.len() - 1)
    }

    /// CLV moments `(E[C], E[C^2], P(C = 0))` of customer `i` at purchase point `j` and spend
    /// point `l` (0 = the estimate for both).
    fn clv_moments(&self, i: usize, j: usize, l: usize) -> (f64, f64, f64) {
        let spend = self.spend.as_ref().expect("a spend model").at(i, l);
        let m = self.distinct[self.distinct_of[i] as usize].moments[j];
        let scale = self.margin * self.discount_ratio[i];
        let mean = scale * m.mean * spend.mean;
        // E[(sum_{k<=Y} z_k)^2] = E[Y] E[z^2] + E[Y(Y-1)] E[z_i z_j]
        let square = scale * scale * (m.mean * spend.square + (m.square - m.mean) * spend.cross);
        (mean, square, m.zero)
    }

    /// The CLV interval of customer `i`: the mixture over the purchase sigma points with the
    /// spend at its estimate, plus the spread of the expected CLV over the spend sigma points.
    fn customer_clv_interval(&self, i: usize) -> (f64, f64) {
        let k = self.purchase_points();
        let (mut mean, mut square, mut zero) = (0.0, 0.0, 0.0);
        for j in 1..=k {
            let (m, s, z) = self.clv_moments(i, j, 0);
            mean += m / k as f64;
            square += s / k as f64;
            zero += z / k as f64;
        }
        square += self.spend_parameter_variance(i);
        zero_inflated_lognormal_interval(mean, square, zero, self.level)
    }

    /// The variance of customer `i`'s expected CLV over the spend sigma points.
    fn spend_parameter_variance(&self, i: usize) -> f64 {
        let points = self.spend.as_ref().expect("a spend model").stride - 1;
        spread_of((1..=points).map(|l| self.clv_moments(i, 0, l).0))
    }
}

/// Group labels putting the rows `rows` (all when `None`) of `n` in group 0 and the others in
/// group 1 (left out of a one-group total).
fn one_group(rows: Option<&[usize]>, n: usize) -> Vec<usize> {
    match rows {
        None => vec![0; n],
        Some(rows) => {
            let mut l = vec![1; n];
            rows.iter().for_each(|&r| l[r] = 0);
            l
        }
    }
}

/// The weighted share of rows whose `actual[i]` is inside its interval; `row(i)` gives row
/// `i`'s weight and interval.
fn weighted_coverage(actual: &[f64], row: impl Fn(usize) -> (f64, (f64, f64))) -> f64 {
    let (mut inside, mut all) = (0.0, 0.0);
    for (i, &y) in actual.iter().enumerate() {
        let (w, (low, high)) = row(i);
        all += w;
        if low <= y && y <= high {
            inside += w;
        }
    }
    if all > 0.0 {
        inside / all
    } else {
        0.0
    }
}

/// Customers per parallel task of the totals.
const TOTAL_CHUNK: usize = 16_384;

/// Running sums of a group's totals at each sigma point.
#[derive(Debug, Clone)]
struct Sums {
    customers: f64,
    /// Per purchase point (0 = estimate): sum of means, sum of variances.
    purchases: Vec<(f64, f64)>,
    /// Per purchase point with the spend at its estimate, then per spend point with the
    /// purchases at theirs: sum of CLV means and variances.
    clv: Vec<(f64, f64)>,
}

impl Sums {
    fn new(p: &Predictive) -> Self {
        let k = p.purchase_points();
        let s = p.spend.as_ref().map_or(0, |s| s.stride);
        Sums {
            customers: 0.0,
            purchases: vec![(0.0, 0.0); k + 1],
            clv: vec![(0.0, 0.0); if s > 0 { k + s } else { 0 }],
        }
    }

    fn add(&mut self, p: &Predictive, i: usize) {
        // A row of weight w is w independent customers with the same history.
        let w = p.weight(i);
        self.customers += w;
        let d = &p.distinct[p.distinct_of[i] as usize];
        for (sum, m) in self.purchases.iter_mut().zip(&d.moments) {
            sum.0 += w * m.mean;
            sum.1 += w * m.variance();
        }
        if self.clv.is_empty() {
            return;
        }
        let k = d.moments.len();
        for (j, sum) in self.clv.iter_mut().enumerate() {
            let (purchase_point, spend_point) = if j < k { (j, 0) } else { (0, j - k + 1) };
            let (m, s, _) = p.clv_moments(i, purchase_point, spend_point);
            sum.0 += w * m;
            sum.1 += w * (s - m * m).max(0.0);
        }
    }

    fn merge(&mut self, other: &Sums) {
        self.customers += other.customers;
        for (a, b) in self.purchases.iter_mut().zip(&other.purchases) {
            a.0 += b.0;
            a.1 += b.1;
        }
        for (a, b) in self.clv.iter_mut().zip(&other.clv) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    fn finish(&self, p: &Predictive) -> GroupTotals {
        let k = self.purchases.len() - 1;
        let purchase_points = 1..k + 1;
        let purchases = total_interval(
            &self.purchases,
            std::slice::from_ref(&purchase_points),
            p.level,
        );
        let clv = (!self.clv.is_empty()).then(|| {
            let spend_points = self.clv.len() - k - 1;
            // the estimate (0), the purchase points (1..=k), the spend points after them
            total_interval(&self.clv, &[1..k + 1, k + 1..k + 1 + spend_points], p.level)
        });
        GroupTotals {
            customers: self.customers,
            purchases,
            clv,
        }
    }
}

/// A normal interval of a total from its sums at the estimate (`sums[0]`) and at the sigma
/// points of each independent parameter block in `blocks`: variance = the mean process
/// variance over the purchase points + the spread of the mean over each block's points.
fn total_interval(
    sums: &[(f64, f64)],
    blocks: &[std::ops::Range<usize>],
    level: f64,
) -> TotalInterval {
    let expected = sums[0].0;
    let first = &sums[blocks[0].clone()];
    let process = if first.is_empty() {
        sums[0].1
    } else {
        first.iter().map(|s| s.1).sum::<f64>() / first.len() as f64
    };
    let parameter: f64 = blocks
        .iter()
        .map(|b| spread(&sums[b.clone()].iter().map(|s| s.0).collect::<Vec<_>>()))
        .sum();
    let sd = (process + parameter).sqrt();
    let z = standard_normal_quantile(0.5 + level / 2.0);
    TotalInterval {
        level,
        expected,
        sd,
        parameter_sd: parameter.sqrt(),
        low: (expected - z * sd).max(0.0),
        high: expected + z * sd,
    }
}

/// The equally weighted variance of sigma-point values around their mean (0 for none).
fn spread(values: &[f64]) -> f64 {
    spread_of(values.iter().copied())
}

/// [`spread`] of an iterator, in one pass (Welford), without collecting it.
fn spread_of(values: impl Iterator<Item = f64>) -> f64 {
    let (mut n, mut mean, mut m2) = (0.0, 0.0, 0.0);
    for v in values {
        n += 1.0;
        let d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
    }
    if n > 0.0 {
        m2 / n
    } else {
        0.0
    }
}

/// Errors unless `level` is in (0, 1).
fn check_level(level: f64) -> Result<()> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid_argument(
            "level",
            level,
            "an interval's level must be in (0, 1), e.g. 0.9",
        ));
    }
    Ok(())
}

/// The quantile of the standard normal distribution.
fn standard_normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// The parameter uncertainty of a fitted model as the symmetric sigma points of its log-scale
/// covariance: `2k` models whose equally weighted mixture has the estimate's mean and
/// covariance of `ln theta`.
///
/// ```
/// use clv::fit::{Fit, FitOptions};
/// use clv::models::{BgNbd, PurchaseModel};
/// use clv::value::interval::SigmaPoints;
/// use clv::{CustomerTable, Duration, Rfm, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let fitted = BgNbd::fit(&cdnow, &FitOptions::default()).unwrap();
/// let points = SigmaPoints::new(&fitted).unwrap();
/// assert_eq!(points.models().len(), 8);
/// // a customer's purchases in the next 39 weeks, parameter uncertainty included
/// let c = Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap();
/// let mut pmf = Vec::new();
/// points.predictive_pmf(&c, Duration::weeks(39.0), &mut pmf).unwrap();
/// let mean: f64 = pmf.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
/// assert!((mean - fitted.model.expected_purchases(&c, Duration::weeks(39.0))).abs() < 0.01);
/// ```
#[derive(Debug, Clone)]
pub struct SigmaPoints<M> {
    points: Vec<M>,
}

impl<M: PurchaseModel + WithParams> SigmaPoints<M> {
    /// The sigma points of `fitted`'s covariance.
    ///
    /// Errors when the fit has no covariance, it is not positive definite, or a point leaves
    /// the model's domain.
    pub fn new(fitted: &Fitted<M>) -> Result<Self> {
        Ok(SigmaPoints {
            points: sigma_points(&fitted.model, fitted.report.covariance.as_ref())?,
        })
    }

    /// The `2k` models.
    pub fn models(&self) -> &[M] {
        &self.points
    }

    /// The predictive distribution of `customer`'s purchases in the `horizon`, parameter
    /// uncertainty included: the mixture of the points' conditional distributions
    /// ([`PurchaseModel::conditional_pmf`]), written into `out`.
    pub fn predictive_pmf(
        &self,
        customer: &Rfm,
        horizon: Duration,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        let mut scratch = Vec::new();
        mixture_pmf(&self.points, customer, horizon, out, &mut scratch)
    }
}

impl<M: PurchaseModel + WithParams + Sync> SigmaPoints<M> {
    /// The randomised probability integral transform (Czado, Gneiting & Held 2009) of each
    /// customer's actual purchases `actual[i]` in the `horizon` under her predictive
    /// distribution: `F(y-1) + V (F(y) - F(y-1))`, `V` uniform from a generator seeded with
    /// `seed`. Uniform on (0, 1) when the predictive distributions are calibrated; test it with
    /// [`ks_uniform_p_value`].
    ///
    /// Errors when a customer's predictive distribution cannot be computed (naming her).
    pub fn randomized_pit(
        &self,
        table: &CustomerTable,
        actual: &[f64],
        horizon: Duration,
        seed: u64,
    ) -> Result<Vec<f64>> {
        use rand::{RngExt, SeedableRng};
        if actual.len() != table.len() {
            return Err(Error::invalid_argument(
                "actual",
                actual.len(),
                format!("one actual count per customer ({})", table.len()),
            ));
        }
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
        let (mut pmf, mut scratch) = (Vec::new(), Vec::new());
        (0..table.len())
            .map(|i| {
                mixture_pmf(&self.points, &table.get(i), horizon, &mut pmf, &mut scratch)
                    .map_err(|e| Error::prediction(table.ids(), i, e.to_string()))?;
                let y = actual[i] as usize;
                let below: f64 = pmf.iter().take(y).sum();
                let at = pmf.get(y).copied().unwrap_or(0.0);
                Ok((below + rng.random::<f64>() * at).min(1.0))
            })
            .collect()
    }
}

/// The p-value of the Kolmogorov-Smirnov test of `u` against the uniform distribution on
/// (0, 1), from the asymptotic Kolmogorov distribution with Stephens' small-sample
/// correction (hand-written: statrs has no goodness-of-fit tests).
///
/// ```
/// let u: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
/// assert!(clv::value::interval::ks_uniform_p_value(&u) > 0.99);
/// let squeezed: Vec<f64> = u.iter().map(|v| v * v).collect();
/// assert!(clv::value::interval::ks_uniform_p_value(&squeezed) < 1e-6);
/// ```
pub fn ks_uniform_p_value(u: &[f64]) -> f64 {
    let mut u = u.to_vec();
    u.sort_by(f64::total_cmp);
    let n = u.len() as f64;
    let d = u
        .iter()
        .enumerate()
        .map(|(i, &v)| (v - i as f64 / n).max((i + 1) as f64 / n - v))
        .fold(0.0, f64::max);
    let lambda = (n.sqrt() + 0.12 + 0.11 / n.sqrt()) * d;
    if lambda < 0.2 {
        // the series converges slowly here, to 1 within 1e-10
        return 1.0;
    }
    let p: f64 = (1..=100)
        .map(|k| {
            let k = k as f64;
            let sign = if k % 2.0 == 1.0 { 2.0 } else { -2.0 };
            sign * (-2.0 * k * k * lambda * lambda).exp()
        })
        .sum();
    p.clamp(0.0, 1.0)
}

/// The equally weighted mixture of the conditional distributions of `points` into `mixture`.
fn mixture_pmf<M: PurchaseModel>(
    points: &[M],
    customer: &Rfm,
    horizon: Duration,
    mixture: &mut Vec<f64>,
    pmf: &mut Vec<f64>,
) -> Result<()> {
    mixture.clear();
    for m in points {
        m.conditional_pmf(customer, horizon, TAIL, pmf)?;
        add_weighted(mixture, pmf, 1.0 / points.len() as f64);
    }
    Ok(())
}

fn add_weighted(mixture: &mut Vec<f64>, pmf: &[f64], w: f64) {
    if mixture.len() < pmf.len() {
        mixture.resize(pmf.len(), 0.0);
    }
    mixture.iter_mut().zip(pmf).for_each(|(a, p)| *a += w * p);
}

/// The symmetric sigma points of the log-scale parameter uncertainty of `model`, whose
/// natural-scale covariance is `covariance`: `2k` models.
fn sigma_points<M: PurchaseModel + WithParams>(
    model: &M,
    covariance: Option<&Array2<f64>>,
) -> Result<Vec<M>> {
    let cov = covariance.ok_or_else(|| {
        Error::undefined(
            format!("the parameter uncertainty of the {} fit", model.name()),
            "the fit has no covariance (its Hessian was not invertible); refit, or use a \
             penalizer",
        )
    })?;
    let params = model.params();
    sigma_vectors(&params, cov, model.name())?
        .iter()
        .map(|p| model.with_params(p))
        .collect()
}

/// The sigma-point parameter vectors `exp(ln theta +- sqrt(k) L e_j)`.
fn sigma_vectors(params: &[f64], cov: &Array2<f64>, name: &str) -> Result<Vec<Vec<f64>>> {
    let k = params.len();
    let log_cov = Array2::from_shape_fn((k, k), |(i, j)| cov[[i, j]] / (params[i] * params[j]));
    let l = crate::optim::linalg::cholesky(&log_cov).ok_or_else(|| {
        Error::undefined(
            format!("the parameter uncertainty of the {name} fit"),
            "its covariance is not positive definite",
        )
    })?;
    let scale = (k as f64).sqrt();
    let mut out = Vec::with_capacity(2 * k);
    for j in 0..k {
        for sign in [1.0, -1.0] {
            out.push(
                (0..k)
                    .map(|i| params[i] * (sign * scale * l[[i, j]]).exp())
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// Chunks of distinct histories per parallel task.
const CHUNK: usize = 256;

/// The purchase moments and intervals of every distinct history.
fn distinct_histories<M: PurchaseModel>(
    model: &M,
    points: &[M],
    rows: &[Rfm],
    config: &ClvConfig,
    level: f64,
) -> Result<Vec<Distinct>> {
    let z = standard_normal_quantile(0.5 + level / 2.0);
    rows.par_chunks(CHUNK)
        .map_init(
            || (Vec::new(), Vec::new()),
            |(pmf, mixture), chunk| {
                chunk
                    .iter()
                    .map(|c| distinct_history(model, points, c, config, level, z, pmf, mixture))
                    .collect::<Result<Vec<_>>>()
            },
        )
        .collect::<Result<Vec<Vec<_>>>>()
        .map(|v| v.into_iter().flatten().collect())
}

/// One distinct history: moments at the estimate and at each point, the mixture's interval,
/// and the P(alive) interval.
#[allow(clippy::too_many_arguments)]
fn distinct_history<M: PurchaseModel>(
    model: &M,
    points: &[M],
    c: &Rfm,
    config: &ClvConfig,
    level: f64,
    z: f64,
    pmf: &mut Vec<f64>,
    mixture: &mut Vec<f64>,
) -> Result<Distinct> {
    let mut moments = Vec::with_capacity(points.len() + 1);
    model.conditional_pmf(c, config.horizon, TAIL, pmf)?;
    moments.push(Moments::of(pmf));
    mixture.clear();
    for m in points {
        m.conditional_pmf(c, config.horizon, TAIL, pmf)?;
        moments.push(Moments::of(pmf));
        add_weighted(mixture, pmf, 1.0 / points.len() as f64);
    }
    let purchases = if points.is_empty() {
        count_interval(pmf, level)
    } else {
        count_interval(mixture, level)
    };
    let logits: Vec<f64> = points.iter().map(|m| logit(m.p_alive(c))).collect();
    let p_alive = logit_interval(model.p_alive(c), &logits, z);
    Ok(Distinct {
        moments,
        purchases,
        p_alive,
    })
}

/// The central interval of a count distribution at `level` (see the module documentation).
fn count_interval(pmf: &[f64], level: f64) -> (f64, f64) {
    let quantile = |q: f64| -> f64 {
        let mut cdf = 0.0;
        for (n, p) in pmf.iter().enumerate() {
            cdf += p;
            if cdf >= q - 1e-12 {
                return n as f64;
            }
        }
        (pmf.len() - 1) as f64
    };
    let low = quantile((1.0 - level) / 2.0);
    if low == 0.0 {
        (0.0, quantile(level))
    } else {
        (low, quantile((1.0 + level) / 2.0))
    }
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    (p / (1.0 - p)).ln()
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The P(alive) interval `logistic(logit(p) +- z sd)`, `sd` the spread of the sigma points'
/// logits around the estimate's; a certain P(alive) (0 or 1) stays certain.
fn logit_interval(p: f64, logits: &[f64], z: f64) -> (f64, f64) {
    if p >= 1.0 || p <= 0.0 || logits.is_empty() {
        return (p, p);
    }
    let centre = logit(p);
    let var = logits
        .iter()
        .map(|l| (l - centre) * (l - centre))
        .sum::<f64>()
        / logits.len() as f64;
    let sd = var.sqrt();
    (logistic(centre - z * sd), logistic(centre + z * sd))
}

/// Per customer: the discounted over the undiscounted expected purchases of the horizon (1
/// when none are expected), so that a count's value can be discounted as the expectation is.
fn discount_ratios<M: PurchaseModel>(
    model: &M,
    table: &CustomerTable,
    config: &ClvConfig,
    distinct: &[Distinct],
    distinct_of: &[u32],
) -> Result<Vec<f64>> {
    let discounted = discounted_purchases(model, table, config)?;
    Ok(distinct_of
        .iter()
        .zip(discounted.iter())
        .map(|(&d, &disc)| {
            let e = distinct[d as usize].moments[0].mean;
            if e > 0.0 {
                (disc / e).clamp(0.0, 1.0 + 1e-9)
            } else {
                1.0
            }
        })
        .collect())
}

/// Every customer's spend moments at the estimate and at the spend sigma points.
fn spend_moments<S: SpendModel + WithParams + Send>(
    spend: &Fitted<S>,
    table: &CustomerTable,
) -> Result<Spend> {
    let money = table.monetary_value().ok_or_else(|| {
        Error::undefined(
            "the CLV intervals",
            "the table has no monetary_value column for the spend model",
        )
    })?;
    let params = spend.model.params();
    let cov = spend.report.covariance.as_ref().ok_or_else(|| {
        Error::undefined(
            format!(
                "the parameter uncertainty of the {} fit",
                spend.model.name()
            ),
            "the fit has no covariance (its Hessian was not invertible)",
        )
    })?;
    let mut models = vec![spend.model.with_params(&params)?];
    for p in sigma_vectors(&params, cov, spend.model.name())? {
        models.push(spend.model.with_params(&p)?);
    }
    let x = table.frequency();
    let stride = models.len();
    let empty = SpendMoments {
        mean: 0.0,
        square: 0.0,
        cross: 0.0,
    };
    let mut moments = vec![empty; table.len() * stride];
    moments
        .par_chunks_mut(stride)
        .enumerate()
        .try_for_each(|(i, out)| {
            for (o, m) in out.iter_mut().zip(&models) {
                *o = m
                    .spend_moments(x[i] as u32, money[i])
                    .map_err(|e| Error::prediction(table.ids(), i, e.to_string()))?;
            }
            Ok::<(), Error>(())
        })?;
    Ok(Spend { stride, moments })
}

/// The interval at `level` of a variable that is 0 with probability `zero` and otherwise
/// log-normal, matched to the mean `mean` and second moment `square` of the whole.
fn zero_inflated_lognormal_interval(mean: f64, square: f64, zero: f64, level: f64) -> (f64, f64) {
    if mean <= 0.0 || zero >= 1.0 {
        return (0.0, 0.0);
    }
    let positive = 1.0 - zero;
    let (m1, m2) = (mean / positive, square / positive);
    let sigma2 = (m2 / (m1 * m1)).ln().max(0.0);
    let mu = m1.ln() - sigma2 / 2.0;
    let quantile = |q: f64| -> f64 {
        if q <= zero {
            0.0
        } else {
            let u = ((q - zero) / positive).min(1.0 - 1e-12);
            (mu + sigma2.sqrt() * standard_normal_quantile(u)).exp()
        }
    };
    let low = quantile((1.0 - level) / 2.0);
    if low == 0.0 {
        (0.0, quantile(level))
    } else {
        (low, quantile((1.0 + level) / 2.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn count_intervals_are_central_and_give_the_unused_lower_tail_to_the_upper_end() {
        // P(0) = 0.93: no lower tail to cut, so [0, Q(0.9)] = [0, 0]
        assert_eq!(count_interval(&[0.93, 0.05, 0.02], 0.9), (0.0, 0.0));
        // P(0) = 0.5: [0, Q(0.9)]
        assert_eq!(count_interval(&[0.5, 0.3, 0.15, 0.05], 0.9), (0.0, 2.0));
        // mass away from 0: [Q(0.05), Q(0.95)]
        let pmf = [0.01, 0.03, 0.2, 0.52, 0.2, 0.03, 0.01];
        assert_eq!(count_interval(&pmf, 0.9), (2.0, 4.0));
    }

    #[test]
    fn sigma_points_have_the_estimated_log_scale_mean_and_covariance() {
        let params = [0.5, 4.0, 2.0];
        let cov = ndarray::array![[0.01, 0.02, 0.0], [0.02, 0.25, -0.05], [0.0, -0.05, 0.16]];
        let points = sigma_vectors(&params, &cov, "test").unwrap();
        assert_eq!(points.len(), 6);
        let logs: Vec<Vec<f64>> = points
            .iter()
            .map(|p| p.iter().map(|v| v.ln()).collect())
            .collect();
        for i in 0..3 {
            let mean: f64 = logs.iter().map(|l| l[i]).sum::<f64>() / 6.0;
            assert_relative_eq!(mean, params[i].ln(), epsilon = 1e-12);
            for j in 0..3 {
                let c: f64 = logs
                    .iter()
                    .map(|l| (l[i] - params[i].ln()) * (l[j] - params[j].ln()))
                    .sum::<f64>()
                    / 6.0;
                // the log-scale covariance is cov / (theta_i theta_j)
                assert_relative_eq!(c, cov[[i, j]] / (params[i] * params[j]), epsilon = 1e-12);
            }
        }
        let singular = ndarray::array![[1.0, 1.0], [1.0, 1.0]];
        assert!(sigma_vectors(&[1.0, 1.0], &singular, "test").is_err());
    }

    #[test]
    fn zero_inflated_lognormal_keeps_the_mass_at_zero_and_the_moments() {
        // half the mass at 0: the 0.9 interval is [0, Q(0.9)], Q from the log-normal part
        let (low, high) = zero_inflated_lognormal_interval(10.0, 300.0, 0.5, 0.9);
        assert_eq!(low, 0.0);
        // positive part: mean 20, second moment 600 -> sigma^2 = ln 1.5
        let s2 = 1.5f64.ln();
        let want = (20f64.ln() - s2 / 2.0 + s2.sqrt() * standard_normal_quantile(0.8)).exp();
        assert_relative_eq!(high, want, max_relative = 1e-12);
        assert_eq!(
            zero_inflated_lognormal_interval(0.0, 0.0, 1.0, 0.9),
            (0.0, 0.0)
        );
    }

    #[test]
    fn a_weighted_table_has_the_totals_and_coverage_of_its_expanded_rows() {
        use crate::fit::{Fit, FitOptions};
        use crate::models::BgNbd;
        use crate::time::TimeUnit;
        use crate::value::Discount;
        use ndarray::array;
        let unit = TimeUnit::Weeks;
        let (x, tx, t) = ([0.0, 2.0, 5.0], [0.0, 10.0, 30.0], [38.0, 36.0, 39.0]);
        let weights = [3.0, 1.0, 2.0];
        let rows: Vec<usize> = (0..3).flat_map(|i| vec![i; weights[i] as usize]).collect();
        let pick = |v: &[f64; 3]| rows.iter().map(|&i| v[i]).collect::<Array1<f64>>();
        let ids = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        let expanded = CustomerTable::new(ids(6), pick(&x), pick(&tx), pick(&t), unit).unwrap();
        let weighted = CustomerTable::new(
            ids(3),
            x.to_vec().into(),
            tx.to_vec().into(),
            t.to_vec().into(),
            unit,
        )
        .unwrap()
        .with_weights(array![3.0, 1.0, 2.0])
        .unwrap();
        let opts = crate::data::RfmCsvOptions::new(unit).columns("ID", "x", "t_x", "T");
        let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
        let fit = BgNbd::fit(&cdnow, &FitOptions::default()).unwrap();
        let week39 = Duration::weeks(39.0);
        let config = ClvConfig::new(week39, week39, Discount::None, 1.0).unwrap();
        let by_rows = Predictive::new(&fit, &expanded, &config, 0.9).unwrap();
        let by_weights = Predictive::new(&fit, &weighted, &config, 0.9).unwrap();
        let (a, b) = (by_rows.total(None), by_weights.total(None));
        assert_eq!((a.customers, b.customers), (6.0, 6.0));
        assert_relative_eq!(
            a.purchases.expected,
            b.purchases.expected,
            max_relative = 1e-12
        );
        assert_relative_eq!(a.purchases.sd, b.purchases.sd, max_relative = 1e-12);
        assert_relative_eq!(a.purchases.high, b.purchases.high, max_relative = 1e-12);
        let actual = [0.0, 0.0, 0.0, 1.0, 50.0, 50.0];
        let actual_by_row = [0.0, 1.0, 50.0];
        assert_relative_eq!(
            by_rows.coverage(&actual),
            by_weights.coverage(&actual_by_row),
            max_relative = 1e-12
        );
    }

    #[test]
    fn levels_outside_the_unit_interval_are_refused() {
        for level in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(check_level(level).is_err());
        }
    }
}
