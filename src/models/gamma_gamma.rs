//! The Gamma-Gamma model of spend per transaction (Fader & Hardie, note 025; Colombo & Jiang 1999).
//!
//! Each customer's transaction values are Gamma(p, nu) with a customer-specific rate nu, and nu is
//! Gamma(q, gamma) across customers. A customer's mean transaction value is then
//! E\[Z | p, nu\] = p / nu, whose population mean is `p gamma / (q - 1)`: finite only when q > 1.
//!
//! Given the mean `mbar` of `x` repeat transactions, the likelihood of one customer is
//!
//! ```text
//! L(p, q, gamma | mbar, x) = Gamma(px + q) / (Gamma(px) Gamma(q))
//!                            * gamma^q * mbar^(px - 1) * x^(px) / (gamma + mbar x)^(px + q)
//! ```
//!
//! and the conditional expected mean spend is a weighted average of the population mean and the
//! customer's own mean:
//!
//! ```text
//! E[Z | mbar, x] = (q - 1) / (px + q - 1) * p gamma / (q - 1) + px / (px + q - 1) * mbar
//!                = p (gamma + x mbar) / (px + q - 1)
//! ```
//!
//! The model assumes that spend per transaction is independent of the number of transactions;
//! [`frequency_spend_correlation`] checks it on the data.

use ndarray::{Array1, ArrayView1};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::data::group::index_unique;
use crate::data::rfm::contiguous;
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::models::SpendMoments;
use crate::optim::{maximize, FitOptions, Fitted, LogLikelihood};
use crate::special::{trigamma, LnSum};

/// Gamma-Gamma spend model: shape `p` of the per-transaction spend, shape `q` and scale `gamma`
/// of the Gamma mixing distribution of its rate.
///
/// Every value of this type has `p > 0`, `q > 1` and `gamma > 0` (also when deserialised), so
/// its population mean spend `p gamma / (q - 1)` is finite and positive.
///
/// ```
/// use clv::models::GammaGamma;
/// let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
/// // A customer with 2 repeat purchases averaging $22.35 (customer 1 of CDNOW, note 025):
/// let spend = gg.expected_spend(2, 22.35).unwrap();
/// assert!((spend - 24.66).abs() < 0.01);
/// assert!(GammaGamma::new(6.25, 0.9, 15.44).is_err()); // q <= 1: infinite mean spend
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GammaGammaParams")]
pub struct GammaGamma {
    p: f64,
    q: f64,
    gamma: f64,
}

impl crate::models::SpendModel for GammaGamma {
    fn name(&self) -> &'static str {
        "Gamma-Gamma"
    }
    fn param_names(&self) -> &'static [&'static str] {
        &["p", "q", "gamma"]
    }
    fn params(&self) -> Vec<f64> {
        vec![self.p, self.q, self.gamma]
    }
    fn population_mean_spend(&self) -> Result<f64> {
        GammaGamma::population_mean_spend(self)
    }
    fn expected_spend(&self, frequency: u32, monetary_value: f64) -> Result<f64> {
        GammaGamma::expected_spend(self, frequency, monetary_value)
    }
    fn expected_spend_all(&self, table: &CustomerTable) -> Result<Array1<f64>> {
        GammaGamma::expected_spend_all(self, table)
    }

    /// Given the history the customer's spend level `nu` is `Gamma(q + p x, gamma + x mbar)`
    /// (the prior for `x = 0` or a mean spend of 0) and each value `z | nu ~ Gamma(p, nu)`, so
    /// `E[z] = p E[1/nu]`, `E[z^2] = p (p+1) E[1/nu^2]` and `E[z_i z_j] = p^2 E[1/nu^2]`, with
    /// `E[1/nu^2] = g^2 / ((q'-1)(q'-2))`: finite when `q' = q + p x > 2`.
    ///
    /// ```
    /// use clv::models::{GammaGamma, SpendModel};
    /// let gg = GammaGamma::new(6.0, 3.0, 10.0).unwrap();
    /// let m = gg.spend_moments(2, 20.0).unwrap();
    /// assert!((m.mean - gg.expected_spend(2, 20.0).unwrap()).abs() < 1e-12);
    /// assert!(m.square > m.cross && m.cross > m.mean * m.mean); // z's share the level nu
    /// assert!(GammaGamma::new(6.0, 1.5, 10.0).unwrap().spend_moments(0, 0.0).is_err());
    /// ```
    fn spend_moments(&self, frequency: u32, monetary_value: f64) -> Result<SpendMoments> {
        let mean = GammaGamma::expected_spend(self, frequency, monetary_value)?;
        let (shape, rate) = if frequency == 0 || monetary_value == 0.0 {
            (self.q, self.gamma)
        } else {
            let x = frequency as f64;
            (self.q + self.p * x, self.gamma + x * monetary_value)
        };
        if shape <= 2.0 {
            return Err(Error::undefined(
                "the variance of future spend",
                format!(
                    "the Gamma-Gamma posterior shape q + p x = {shape} must exceed 2 for a finite \
                     variance (q = {}); the spend distribution is too heavy-tailed for an interval",
                    self.q
                ),
            ));
        }
        let inv_sq = rate / (shape - 1.0) * rate / (shape - 2.0);
        Ok(SpendMoments {
            mean,
            square: self.p * (self.p + 1.0) * inv_sq,
            cross: self.p * self.p * inv_sq,
        })
    }
}

impl crate::models::WithParams for GammaGamma {
    fn with_params(&self, params: &[f64]) -> Result<Self> {
        match *params {
            [p, q, gamma] => GammaGamma::new(p, q, gamma),
            _ => Err(Error::invalid_argument(
                "params",
                params.len(),
                "Gamma-Gamma has 3 parameters (p, q, gamma)",
            )),
        }
    }
}

/// Unvalidated parameters, the serde representation of [`GammaGamma`].
#[derive(Deserialize)]
struct GammaGammaParams {
    p: f64,
    q: f64,
    gamma: f64,
}

impl TryFrom<GammaGammaParams> for GammaGamma {
    type Error = Error;
    fn try_from(v: GammaGammaParams) -> Result<Self> {
        GammaGamma::new(v.p, v.q, v.gamma)
    }
}

fn infinite_mean_message(p: f64, q: f64, gamma: f64) -> String {
    format!(
        "Gamma-Gamma parameters p = {p}, q = {q}, gamma = {gamma} give an infinite mean spend \
         (the population mean p*gamma/(q-1) needs q > 1); check the monetary values for outliers \
         (a few very large mean spends make the spend distribution heavy-tailed) or refit with a \
         small penalizer (e.g. FitOptions::default().penalizer(0.001))"
    )
}

impl GammaGamma {
    /// Shape of the Gamma distribution of one transaction's value.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// Shape of the Gamma distribution of the rate across customers (exceeds 1).
    pub fn q(&self) -> f64 {
        self.q
    }
    /// Scale of the Gamma distribution of the rate across customers, in money units.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// A model with the given parameters. Errors ([`Error::InvalidArgument`]) when a parameter is
    /// not positive and finite, and ([`Error::Unusable`]) when `q <= 1`, which means an infinite
    /// mean spend.
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self> {
        for (name, v) in [("p", p), ("q", q), ("gamma", gamma)] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid_argument(
                    name,
                    v,
                    "Gamma-Gamma parameters must be positive and finite",
                ));
            }
        }
        if q <= 1.0 {
            return Err(Error::Unusable {
                model: "Gamma-Gamma".into(),
                problem: infinite_mean_message(p, q, gamma),
            });
        }
        Ok(GammaGamma { p, q, gamma })
    }

    /// Fits the model by maximum likelihood on the repeat customers of `table`.
    ///
    /// Only rows with frequency x > 0 and a positive mean spend enter the likelihood: customers
    /// with x = 0 have no repeat transaction to average, and repeat customers with a mean spend
    /// of 0 (free orders) fall outside the model's support; both are excluded (count the latter
    /// with [`crate::data::repeat_customers_without_spend`]). Row weights count as that many customers. Identical (x, mean spend) pairs are
    /// evaluated once. The default start is p = q = gamma = 1 (as lifetimes).
    ///
    /// Errors: [`Error::MissingColumn`] when the table has no monetary values, [`Error::Undefined`]
    /// when no customer has x > 0, [`Error::Unusable`] when the estimate has q <= 1 (infinite mean spend),
    /// [`Error::NotConverged`] when the optimiser fails.
    ///
    /// ```
    /// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
    /// use clv::fit::FitOptions;
    /// use clv::models::GammaGamma;
    /// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T").monetary_value("zbar");
    /// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
    /// let gg = GammaGamma::fit(&cdnow, &FitOptions::default()).unwrap();
    /// assert!((gg.model.p() - 6.25).abs() < 0.01 && (gg.model.q() - 3.74).abs() < 0.01);
    /// ```
    pub fn fit(table: &CustomerTable, options: &FitOptions) -> Result<Fitted<GammaGamma>> {
        Self::fit_data(&SpendData::from_table(table)?, options)
    }

    /// [`fit`](Self::fit) on the repeat customers alone, given as columns: frequency x > 0,
    /// mean spend and weight of each (rows with a mean spend of 0 are left out, as `fit` does).
    /// What a fit needs of a table, which a reader can gather without holding the table.
    ///
    /// ```
    /// use clv::fit::FitOptions;
    /// use clv::models::GammaGamma;
    /// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
    /// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T").monetary_value("zbar");
    /// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
    /// let (x, m) = (cdnow.frequency().to_vec(), cdnow.monetary_value().unwrap().to_vec());
    /// let fit = GammaGamma::fit_repeat_customers(&x, &m, &vec![1.0; x.len()], &FitOptions::default()).unwrap();
    /// assert_eq!(fit.model, GammaGamma::fit(&cdnow, &FitOptions::default()).unwrap().model);
    /// ```
    pub fn fit_repeat_customers(
        frequency: &[f64],
        mean_spend: &[f64],
        weight: &[f64],
        options: &FitOptions,
    ) -> Result<Fitted<GammaGamma>> {
        let n = frequency.len();
        if mean_spend.len() != n || weight.len() != n {
            return Err(Error::LengthMismatch {
                column: "mean_spend, weight".into(),
                expected: n,
                actual: mean_spend.len().min(weight.len()),
            });
        }
        let keep = |i: usize| is_repeat_spend(frequency[i], mean_spend[i]);
        if (0..n).all(keep) {
            return Self::fit_data(
                &SpendData::from_columns(frequency, mean_spend, weight)?,
                options,
            );
        }
        let rows: Vec<usize> = (0..n).filter(|&i| keep(i)).collect();
        let pick = |c: &[f64]| rows.iter().map(|&i| c[i]).collect::<Vec<f64>>();
        let (x, m, w) = (pick(frequency), pick(mean_spend), pick(weight));
        Self::fit_data(&SpendData::from_columns(&x, &m, &w)?, options)
    }

    fn fit_data(data: &SpendData, options: &FitOptions) -> Result<Fitted<GammaGamma>> {
        let report = maximize("Gamma-Gamma", data, &data.start(options), options)?;
        let (p, q, gamma) = (report.params[0], report.params[1], report.params[2]);
        if q <= 1.0 {
            return Err(Error::Unusable {
                model: "Gamma-Gamma".into(),
                problem: format!(
                    "the fit converged to q <= 1 (log-likelihood {:.4}): {}",
                    report.log_likelihood,
                    infinite_mean_message(p, q, gamma)
                ),
            });
        }
        let model = GammaGamma::new(p, q, gamma)?;
        Ok(Fitted { model, report })
    }

    /// Population mean spend per transaction, `p gamma / (q - 1)`; what a customer without repeat
    /// transactions is expected to spend.
    ///
    /// ```
    /// let gg = clv::models::GammaGamma::new(6.0, 3.0, 10.0).unwrap();
    /// assert_eq!(gg.population_mean_spend().unwrap(), 30.0);
    /// ```
    pub fn population_mean_spend(&self) -> Result<f64> {
        if self.q.is_nan() || self.q <= 1.0 {
            return Err(Error::Unusable {
                model: "Gamma-Gamma".into(),
                problem: infinite_mean_message(self.p, self.q, self.gamma),
            });
        }
        Ok(self.p * self.gamma / (self.q - 1.0))
    }

    /// Conditional expected mean spend per transaction of a customer with `frequency` repeat
    /// transactions of mean value `monetary_value`: `p (gamma + x mbar) / (p x + q - 1)`.
    /// A customer with frequency 0 gets the population mean (its `monetary_value` is ignored),
    /// and so does a repeat customer whose mean spend is 0 (free orders: such customers are
    /// left out of [`fit`](Self::fit), see [`crate::data::repeat_customers_without_spend`]).
    ///
    /// Errors when a repeat customer's `monetary_value` is negative or not finite.
    ///
    /// ```
    /// let gg = clv::models::GammaGamma::new(6.0, 3.0, 10.0).unwrap();
    /// assert_eq!(gg.expected_spend(0, 0.0).unwrap(), 30.0);
    /// assert!(gg.expected_spend(3, -5.0).is_err());
    /// ```
    pub fn expected_spend(&self, frequency: u32, monetary_value: f64) -> Result<f64> {
        if frequency == 0 || monetary_value == 0.0 {
            return self.population_mean_spend();
        }
        if !(monetary_value > 0.0 && monetary_value.is_finite()) {
            return Err(Error::invalid_argument(
                "monetary_value",
                monetary_value,
                "a repeat customer's mean spend must be positive and finite",
            ));
        }
        self.population_mean_spend()?;
        let px = self.p * frequency as f64;
        let spend = self.p * (self.gamma + frequency as f64 * monetary_value) / (px + self.q - 1.0);
        if !spend.is_finite() {
            return Err(Error::invalid_argument(
                "monetary_value",
                monetary_value,
                format!(
                    "the expected spend of {frequency} repeat purchases of this mean overflows \
                     (beyond {:e})",
                    f64::MAX
                ),
            ));
        }
        Ok(spend)
    }

    /// [`expected_spend`](Self::expected_spend) for every row of `table`, in row order.
    /// Errors with [`Error::MissingColumn`] when the table has no monetary values.
    pub fn expected_spend_all(&self, table: &CustomerTable) -> Result<Array1<f64>> {
        let m = monetary_column(table)?;
        let x = table.frequency();
        let mut out = Array1::zeros(table.len());
        for i in 0..table.len() {
            out[i] = self
                .expected_spend(x[i] as u32, m[i])
                .map_err(|e| match e {
                    Error::InvalidArgument { value, problem, .. } => {
                        Error::invalid_value(i + 1, "monetary_value", value, problem)
                    }
                    other => other,
                })?;
        }
        Ok(out)
    }

    /// Total log-likelihood of the repeat customers of `table` under these parameters (the
    /// quantity [`fit`](Self::fit) maximises).
    pub fn log_likelihood(&self, table: &CustomerTable) -> Result<f64> {
        let data = SpendData::from_table(table)?;
        let mut g = [0.0; 3];
        Ok(data.value_and_gradient(&[self.p, self.q, self.gamma], &mut g))
    }
}

fn monetary_column(table: &CustomerTable) -> Result<ArrayView1<'_, f64>> {
    table.monetary_value().ok_or_else(|| Error::MissingColumn {
        column: "monetary_value".into(),
        available: "customer_id,frequency,recency,T (the table was built without mean spends; \
                    the Gamma-Gamma model needs them)"
            .into(),
    })
}

/// The repeat customers' data laid out for the Gamma-Gamma likelihood: rows grouped by
/// frequency x, so that the lnGamma and digamma terms, which depend on x alone, are computed
/// once per distinct x, and a row costs one division per evaluation (its log goes into the
/// log of a product per piece, [`LnSum`]).
///
/// With `y = x mbar` (the customer's total repeat spend) the log-likelihood of a row is
/// `lnG(px+q) - lnG(px) - lnG(q) + q ln(gamma) + (px-1) ln(mbar) + px ln(x) - (px+q) ln(gamma + y)`;
/// only the last term depends on both the row and the parameters.
struct SpendData {
    /// Distinct frequencies.
    x: Vec<f64>,
    /// Per distinct x: total weight and weighted sum of ln(mbar).
    weight_of_x: Vec<f64>,
    ln_spend_of_x: Vec<f64>,
    /// Rows with their total repeat spend `x mbar` and weight, grouped by x; no weights when
    /// every weight is 1 (a table without weights): then the logs go through [`LnSum`].
    total_spend: Vec<f64>,
    weight: Option<Vec<f64>>,
    /// Number of rows (in the pieces: the columns may have places between them that are not).
    rows: usize,
    /// Pieces of at most [`SPEND_CHUNK`] rows within one x group: (group, first row, end):
    /// the parallel sums run over them in this fixed order, so the result does not depend on
    /// how rayon splits the work.
    pieces: Vec<(usize, usize, usize)>,
    total: f64,
}

/// Each row's index among the distinct frequencies, and the distinct frequencies in order of
/// first appearance (rows whose frequency is not a whole number below [`DIRECT_X`]).
fn group_frequencies(x: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let (g, d) = index_unique(x);
    (g.into_iter().map(|g| g as usize).collect(), d)
}

/// Frequencies below this that are whole numbers (every real table's) are grouped by counting.
const DIRECT_X: usize = 4096;

/// Rows per parallel task in the Gamma-Gamma likelihood.
const SPEND_CHUNK: usize = 8192;

/// Rows of the sample whose fit starts the fit of a large table ([`SpendData::start`]).
const START_SAMPLE: usize = 20_000;

/// Rows per part of [`SortedRows::by_counting`], each sorted on its own.
const SORT_PART: usize = 1 << 16;

/// The kept rows grouped by frequency: `pieces` are `(group, first row, end)` of at most
/// [`SPEND_CHUNK`] rows of one frequency `x[group]`, in input order within a group; rows
/// outside every piece are not data.
struct SortedRows {
    x: Vec<f64>,
    pieces: Vec<(usize, usize, usize)>,
    total_spend: Vec<f64>,
    /// `None` when every weight is 1: no column written, read or paged in.
    weight: Option<Vec<f64>>,
    /// Per group, `sum w ln(mbar)`, when computed while sorting (rows with weights; for unit
    /// weights it is taken from the sorted total spends, [`ln_mean_spends`]).
    ln_spend_of_x: Option<Vec<f64>>,
}

/// Whether a row enters the Gamma-Gamma fit: a repeat customer (`x > 0`) with a positive mean
/// spend (one who spent nothing, free orders, carries no spend to average). `&`, not `&&`: no
/// branch on which rows are kept, which is as good as random.
#[inline]
fn is_repeat_spend(x: f64, m: f64) -> bool {
    (x > 0.0) & (m > 0.0)
}

/// Appends the pieces of rows `a..b` of group `g`.
fn push_pieces(pieces: &mut Vec<(usize, usize, usize)>, g: usize, mut a: usize, b: usize) {
    while a < b {
        let end = (a + SPEND_CHUNK).min(b);
        pieces.push((g, a, end));
        a = end;
    }
}

impl SortedRows {
    /// Keeps the rows with `x > 0` and `m > 0` and groups them by x by counting; `None` when a
    /// frequency is not a whole number below [`DIRECT_X`]. Parts of [`SORT_PART`] rows are
    /// sorted on their own, in parallel, each into its own stretch of the columns (its groups
    /// in ascending x, then one place where the rows not kept are all written, so that which
    /// rows are kept, as good as random, is not branched on). The result does not depend on
    /// the number of threads.
    fn by_counting(x: &[f64], m: &[f64], w: Option<&[f64]>) -> Option<Self> {
        let kept = |i: usize| is_repeat_spend(x[i], m[i]);
        let parts: Vec<(usize, usize)> = (0..x.len().div_ceil(SORT_PART))
            .map(|p| (p * SORT_PART, ((p + 1) * SORT_PART).min(x.len())))
            .collect();
        let counts: Vec<Vec<u32>> = parts
            .par_iter()
            .map(|&(a, b)| {
                let mut count = vec![0u32; DIRECT_X];
                for (&v, &mi) in x[a..b].iter().zip(&m[a..b]) {
                    let u = v as usize;
                    if !(u < DIRECT_X && u as f64 == v) {
                        return None;
                    }
                    count[u] += u32::from(is_repeat_spend(v, mi));
                }
                Some(count)
            })
            .collect::<Option<_>>()?;
        let mut group_of = vec![usize::MAX; DIRECT_X];
        let mut xs = Vec::new();
        for u in 0..DIRECT_X {
            if counts.iter().any(|c| c[u] > 0) {
                group_of[u] = xs.len();
                xs.push(u as f64);
            }
        }
        // each part's stretch: its kept rows and the place of the rows not kept
        let sizes: Vec<usize> = counts
            .iter()
            .map(|c| c.iter().map(|&n| n as usize).sum::<usize>() + 1)
            .collect();
        let total: usize = sizes.iter().sum();
        let unit = w.is_none_or(|w| w.iter().all(|&v| v == 1.0));
        let mut total_spend = vec![0.0; total];
        let mut weight = if unit { Vec::new() } else { vec![0.0; total] };
        let mut pieces = Vec::new();
        let mut stretches = Vec::with_capacity(parts.len());
        let (mut ts, mut ws) = (&mut total_spend[..], &mut weight[..]);
        let mut first = 0;
        for (count, &size) in counts.iter().zip(&sizes) {
            let mut next = vec![0usize; DIRECT_X + 1];
            let mut at = 0;
            for u in 0..DIRECT_X {
                next[u] = at;
                let n = count[u] as usize;
                if n > 0 {
                    push_pieces(&mut pieces, group_of[u], first + at, first + at + n);
                }
                at += n;
            }
            next[DIRECT_X] = at;
            let (t, rest_t) = std::mem::take(&mut ts).split_at_mut(size);
            let (w, rest_w) = std::mem::take(&mut ws).split_at_mut(if unit { 0 } else { size });
            (ts, ws) = (rest_t, rest_w);
            stretches.push((next, t, w));
            first += size;
        }
        // each row's group, the rows not kept in one more
        let k = xs.len();
        group_of[..].iter_mut().for_each(|g| *g = (*g).min(k));
        group_of.push(k);
        // per part, with weights, the sums of w ln(mbar) of each group (unit weights: later,
        // from the sorted total spends, [`SpendData::from_sorted`])
        let ln_sums: Vec<Vec<f64>> = stretches
            .into_par_iter()
            .zip(&parts)
            .map(|((mut next, t, weight), &(a, b))| {
                let mut plain = vec![0.0; if unit { 0 } else { k + 1 }];
                for i in a..b {
                    let keep = usize::from(kept(i));
                    let u = [DIRECT_X, x[i] as usize][keep];
                    let to = next[u];
                    t[to] = m[i] * x[i];
                    next[u] += keep;
                    if let (Some(w), false) = (w, unit) {
                        weight[to] = w[i];
                        plain[group_of[u]] += w[i] * m[i].ln();
                    }
                }
                plain.truncate(k);
                plain
            })
            .collect();
        // the parts' sums added in order
        let ln_spend_of_x = (!unit).then(|| {
            ln_sums.into_iter().fold(vec![0.0; k], |mut acc, part| {
                acc.iter_mut().zip(part).for_each(|(a, s)| *a += s);
                acc
            })
        });
        Some(SortedRows {
            x: xs,
            pieces,
            total_spend,
            weight: (!unit).then_some(weight),
            ln_spend_of_x,
        })
    }

    /// Groups rows (all kept: `x > 0`, `m > 0`) by x through a hash of the frequencies, groups
    /// in order of first appearance.
    fn by_hashing(x: &[f64], m: &[f64], w: &[f64]) -> Self {
        let (group, distinct) = group_frequencies(x);
        let k = distinct.len();
        // counting sort of the rows by group, stable
        let mut start = vec![0usize; k + 1];
        for &g in &group {
            start[g + 1] += 1;
        }
        for g in 0..k {
            start[g + 1] += start[g];
        }
        let mut next = start.clone();
        let n = x.len();
        let (mut total_spend, mut weight) = (vec![0.0; n], vec![0.0; n]);
        let mut ln_spend_of_x = vec![0.0; k];
        for i in 0..n {
            let g = group[i];
            total_spend[next[g]] = m[i] * x[i];
            weight[next[g]] = w[i];
            next[g] += 1;
            ln_spend_of_x[g] += w[i] * m[i].ln();
        }
        let mut pieces = Vec::new();
        for g in 0..k {
            push_pieces(&mut pieces, g, start[g], start[g + 1]);
        }
        let unit = weight.iter().all(|&v| v == 1.0);
        SortedRows {
            x: distinct,
            pieces,
            total_spend,
            weight: (!unit).then_some(weight),
            ln_spend_of_x: Some(ln_spend_of_x),
        }
    }
}

impl SpendData {
    fn from_table(table: &CustomerTable) -> Result<Self> {
        let m = monetary_column(table)?;
        let x = table.frequency();
        // a repeat customer who spent nothing (free orders) carries no spend to average
        let w = table.weights();
        let (x, m, w) = (contiguous(&x), contiguous(&m), w.as_ref().map(contiguous));
        if let Some(sorted) = SortedRows::by_counting(&x, &m, w.as_deref()) {
            return Self::from_sorted(sorted);
        }
        // a frequency that is not a whole number below DIRECT_X: the kept rows, grouped by hash
        let rows: Vec<usize> = (0..x.len())
            .filter(|&i| is_repeat_spend(x[i], m[i]))
            .collect();
        let pick = |c: &[f64]| rows.iter().map(|&i| c[i]).collect::<Vec<f64>>();
        let weights = w.map_or_else(|| vec![1.0; rows.len()], |w| pick(&w));
        Self::from_sorted(SortedRows::by_hashing(&pick(&x), &pick(&m), &weights))
    }

    /// Rows of frequency `x > 0`, mean spend `m > 0` and weight `w`; an error when there is none.
    fn from_columns(xs: &[f64], ms: &[f64], weights: &[f64]) -> Result<Self> {
        match SortedRows::by_counting(xs, ms, Some(weights)) {
            Some(sorted) => Self::from_sorted(sorted),
            None => Self::from_sorted(SortedRows::by_hashing(xs, ms, weights)),
        }
    }

    /// Groups rows of frequency `x > 0`, mean spend `m > 0` and weight `w` by x (for the
    /// sample of [`start`](Self::start)).
    fn from_rows(x: &[f64], m: &[f64], w: &[f64]) -> Self {
        Self::from_columns(x, m, w).expect("the sample of a table with rows has rows")
    }

    /// The per-x sums of the sorted rows, and their pieces; an error when there is no row.
    fn from_sorted(rows: SortedRows) -> Result<Self> {
        let SortedRows {
            x,
            pieces,
            total_spend,
            weight,
            ln_spend_of_x,
        } = rows;
        if pieces.is_empty() {
            return Err(Error::undefined(
                "the Gamma-Gamma fit",
                "it is fitted on repeat customers (frequency > 0) with a positive mean spend, and the table has none",
            ));
        }
        let k = x.len();
        let rows = pieces.iter().map(|&(_, a, b)| b - a).sum();
        // sums of w (and, when sorting did not, of w ln(mbar)) per x, the pieces in order
        let mut weight_of_x = vec![0.0; k];
        for &(g, a, b) in &pieces {
            weight_of_x[g] += match &weight {
                Some(w) => w[a..b].iter().sum::<f64>(),
                None => (b - a) as f64,
            };
        }
        let ln_spend_of_x = ln_spend_of_x
            .unwrap_or_else(|| ln_mean_spends(&x, &pieces, &total_spend, weight.as_deref()));
        Ok(SpendData {
            total: weight_of_x.iter().sum(),
            x,
            weight_of_x,
            ln_spend_of_x,
            total_spend,
            weight,
            rows,
            pieces,
        })
    }

    /// Where the fit starts: lifetimes' all-1 start (`p = q = gamma = 1`) on small tables; on
    /// large ones, the fit of an evenly spaced sample of [`START_SAMPLE`] rows (fitted from the
    /// all-1 start), so that Newton on all rows starts near the optimum. On 1M customers that
    /// takes the full fit from 10 Newton iterations to 3, for a sample fit costing about one
    /// evaluation on all rows (`cargo run --release --example fit_profile`). The all-1 start
    /// again when the sample's fit fails.
    fn start(&self, options: &FitOptions) -> [f64; 3] {
        const ONES: [f64; 3] = [1.0; 3];
        let n = self.rows;
        if n < 4 * START_SAMPLE {
            return ONES;
        }
        let stride = n / START_SAMPLE;
        let (mut x, mut m, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for &(g, a, b) in &self.pieces {
            for i in (a.next_multiple_of(stride)..b).step_by(stride) {
                x.push(self.x[g]);
                m.push(self.total_spend[i] / self.x[g]);
                w.push(self.weight.as_ref().map_or(1.0, |w| w[i]));
            }
        }
        let sample = SpendData::from_rows(&x, &m, &w);
        match maximize("Gamma-Gamma", &sample, &ONES, options) {
            Ok(r) if r.params.iter().all(|p| p.is_finite() && *p > 0.0) => {
                [r.params[0], r.params[1], r.params[2]]
            }
            _ => ONES,
        }
    }

    /// Per distinct x, the weighted sums over its rows of `ln(gamma + y)`, `1/(gamma + y)` and
    /// (when `second`) `1/(gamma + y)^2`. The logs of unit-weight rows are summed as the log
    /// of their product ([`LnSum`]), one log per piece instead of one per row.
    fn row_sums(&self, gamma: f64, second: bool) -> Vec<[f64; 3]> {
        let piece_sum = |&(_, a, b): &(usize, usize, usize)| {
            let ys = &self.total_spend[a..b];
            let mut acc = [0.0f64; 3];
            let Some(weight) = &self.weight else {
                let mut ln = LnSum::new();
                for &y in ys {
                    let d = gamma + y;
                    let inv = 1.0 / d;
                    ln.add(d);
                    acc[1] += inv;
                    if second {
                        acc[2] += inv * inv;
                    }
                }
                acc[0] = ln
                    .value()
                    .unwrap_or_else(|| ys.iter().map(|&y| (gamma + y).ln()).sum());
                return acc;
            };
            let ws = &weight[a..b];
            for (&y, &w) in ys.iter().zip(ws) {
                let inv = 1.0 / (gamma + y);
                acc[1] += w * inv;
                if second {
                    acc[2] += w * inv * inv;
                }
            }
            acc[0] = ys.iter().zip(ws).map(|(&y, &w)| w * (gamma + y).ln()).sum();
            acc
        };
        let partial: Vec<[f64; 3]> = if self.rows <= SPEND_CHUNK {
            self.pieces.iter().map(piece_sum).collect()
        } else {
            self.pieces.par_iter().map(piece_sum).collect()
        };
        let mut sums = vec![[0.0; 3]; self.x.len()];
        for (&(g, _, _), s) in self.pieces.iter().zip(&partial) {
            for j in 0..3 {
                sums[g][j] += s[j];
            }
        }
        sums
    }

    /// Log-likelihood, gradient and (when `hess` is given) Hessian, row-major 3 x 3.
    fn evaluate(&self, params: &[f64], grad: &mut [f64], hess: Option<&mut [f64]>) -> f64 {
        let (p, q, g) = (params[0], params[1], params[2]);
        let (ln_g, lg_q, psi_q) = (g.ln(), ln_gamma(q), digamma(q));
        let sums = self.row_sums(g, hess.is_some());
        let mut ll = 0.0;
        let mut d = [0.0; 3];
        let mut h = [0.0; 6]; // pp, pq, pg, qq, qg, gg
        let tri_q = if hess.is_some() { trigamma(q) } else { 0.0 };
        for (j, &x) in self.x.iter().enumerate() {
            let (w, s_ln_m) = (self.weight_of_x[j], self.ln_spend_of_x[j]);
            let [s_ln, s_inv, s_inv2] = sums[j];
            let px = p * x;
            let ln_x = x.ln();
            let psi_pxq = digamma(px + q);
            ll += w * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_g + px * ln_x)
                + (px - 1.0) * s_ln_m
                - (px + q) * s_ln;
            d[0] += x * (w * (psi_pxq - digamma(px) + ln_x) + s_ln_m - s_ln);
            d[1] += w * (psi_pxq - psi_q + ln_g) - s_ln;
            d[2] += w * q / g - (px + q) * s_inv;
            if hess.is_some() {
                let tri_pxq = trigamma(px + q);
                h[0] += x * x * w * (tri_pxq - trigamma(px));
                h[1] += x * w * tri_pxq;
                h[2] -= x * s_inv;
                h[3] += w * (tri_pxq - tri_q);
                h[4] += w / g - s_inv;
                h[5] += -w * q / (g * g) + (px + q) * s_inv2;
            }
        }
        grad[..3].copy_from_slice(&d);
        if let Some(hess) = hess {
            hess.copy_from_slice(&[h[0], h[1], h[2], h[1], h[3], h[4], h[2], h[4], h[5]]);
        }
        ll
    }
}

/// Per distinct x, the sum over its rows of `w ln(mbar)`, from the rows' total spends
/// `y = x mbar` as `ln(y) - ln(x)`. Pieces in parallel, added in order; the logs of a piece of
/// unit weights as the log of their product ([`LnSum`]), each log on its own otherwise (or when
/// a total spend is subnormal).
fn ln_mean_spends(
    x: &[f64],
    pieces: &[(usize, usize, usize)],
    total_spend: &[f64],
    weight: Option<&[f64]>,
) -> Vec<f64> {
    let piece_sum = |&(g, a, b): &(usize, usize, usize)| {
        let (t, ln_x) = (&total_spend[a..b], x[g].ln());
        if let Some(w) = weight {
            let w = &w[a..b];
            return t.iter().zip(w).map(|(&t, &w)| w * (t.ln() - ln_x)).sum();
        }
        let mut ln = LnSum::new();
        t.iter().for_each(|&t| ln.add(t));
        let ln_t = ln
            .value()
            .unwrap_or_else(|| t.iter().map(|&t| t.ln()).sum());
        ln_t - (b - a) as f64 * ln_x
    };
    let sums: Vec<f64> = pieces.par_iter().map(piece_sum).collect();
    let mut out = vec![0.0; x.len()];
    for (&(g, _, _), s) in pieces.iter().zip(sums) {
        out[g] += s;
    }
    out
}

impl LogLikelihood for SpendData {
    fn param_names(&self) -> &'static [&'static str] {
        &["p", "q", "gamma"]
    }

    /// ln L = lnG(px+q) - lnG(px) - lnG(q) + q ln(gamma) + (px-1) ln(m) + px ln(x)
    ///        - (px+q) ln(gamma + m x)
    /// d/dp     = x [psi(px+q) - psi(px) + ln m + ln x - ln(gamma + m x)]
    /// d/dq     = psi(px+q) - psi(q) + ln(gamma) - ln(gamma + m x)
    /// d/dgamma = q / gamma - (px+q) / (gamma + m x)
    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        self.evaluate(params, grad, None)
    }

    /// Second derivatives (psi_1 the trigamma function):
    /// d2/dp2 = x^2 [psi_1(px+q) - psi_1(px)], d2/dp dq = x psi_1(px+q),
    /// d2/dp dgamma = -x / (gamma + m x), d2/dq2 = psi_1(px+q) - psi_1(q),
    /// d2/dq dgamma = 1/gamma - 1/(gamma + m x),
    /// d2/dgamma2 = -q/gamma^2 + (px+q) / (gamma + m x)^2.
    fn value_gradient_hessian(
        &self,
        params: &[f64],
        grad: &mut [f64],
        hess: &mut [f64],
    ) -> Option<f64> {
        Some(self.evaluate(params, grad, Some(hess)))
    }

    fn total_weight(&self) -> f64 {
        self.total
    }
}

/// Pearson correlation between frequency and mean spend among repeat customers, with a warning
/// when it is strong enough to question the Gamma-Gamma independence assumption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendCorrelation {
    /// Weighted Pearson correlation of (frequency, monetary_value) over rows with frequency > 0.
    pub rho: f64,
    /// Number of repeat customers it is computed on (sum of weights).
    pub n_customers: f64,
    /// A warning when |rho| exceeds [`SpendCorrelation::THRESHOLD`], `None` otherwise.
    pub warning: Option<String>,
}

impl SpendCorrelation {
    /// |rho| above which the warning is raised. A rule of thumb, not a test: 0.3 is the usual
    /// boundary between a "weak" and a "moderate" correlation (Cohen's conventions); Fader &
    /// Hardie's note 025 reports 0.11 on CDNOW as negligible.
    pub const THRESHOLD: f64 = 0.3;
}

/// Correlation between frequency and mean spend among the repeat customers of `table` (the
/// Gamma-Gamma model assumes they are independent). Errors when the table has no monetary
/// values, or fewer than two distinct repeat customers with varying values (undefined rho).
///
/// ```
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// use clv::models::gamma_gamma::frequency_spend_correlation;
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T").monetary_value("zbar");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let c = frequency_spend_correlation(&cdnow).unwrap();
/// assert!((c.rho - 0.1139).abs() < 1e-4 && c.warning.is_none());
/// ```
pub fn frequency_spend_correlation(table: &CustomerTable) -> Result<SpendCorrelation> {
    let m = monetary_column(table)?;
    let x = table.frequency();
    let (mut sw, mut sx, mut sm) = (0.0, 0.0, 0.0);
    for i in 0..table.len() {
        if x[i] > 0.0 {
            let w = table.weight(i);
            sw += w;
            sx += w * x[i];
            sm += w * m[i];
        }
    }
    if sw == 0.0 {
        return Err(Error::undefined(
            "the frequency-spend correlation",
            "no repeat customers (frequency > 0)",
        ));
    }
    let (mx, mm) = (sx / sw, sm / sw);
    let (mut cxx, mut cmm, mut cxm) = (0.0, 0.0, 0.0);
    for i in 0..table.len() {
        if x[i] > 0.0 {
            let w = table.weight(i);
            let (dx, dm) = (x[i] - mx, m[i] - mm);
            cxx += w * dx * dx;
            cmm += w * dm * dm;
            cxm += w * dx * dm;
        }
    }
    if !(cxx > 0.0 && cmm > 0.0) {
        return Err(Error::undefined(
            "the frequency-spend correlation",
            "frequency or mean spend does not vary among repeat customers",
        ));
    }
    let rho = cxm / (cxx * cmm).sqrt();
    let warning = (rho.abs() > SpendCorrelation::THRESHOLD).then(|| {
        format!(
            "frequency and mean spend are correlated (Pearson rho = {rho:.3} over {sw} repeat customers, \
             |rho| > {} by rule of thumb): the Gamma-Gamma model assumes they are independent, so \
             its expected spends and lifetime values may be biased",
            SpendCorrelation::THRESHOLD
        )
    });
    Ok(SpendCorrelation {
        rho,
        n_customers: sw,
        warning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::numerical_gradient;
    use crate::time::TimeUnit;
    use ndarray::array;

    fn small_table() -> CustomerTable {
        CustomerTable::new(
            vec!["a".into(), "b".into(), "c".into(), "d".into(), "e".into()],
            array![1.0, 3.0, 0.0, 7.0, 3.0],
            array![2.0, 5.0, 0.0, 9.0, 5.0],
            array![10.0, 10.0, 10.0, 10.0, 10.0],
            TimeUnit::Weeks,
        )
        .unwrap()
        .with_monetary_value(array![12.5, 30.0, 0.0, 8.25, 30.0])
        .unwrap()
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = SpendData::from_table(&small_table()).unwrap();
        // x = 0 is excluded; x = 1, 3, 7 are the groups.
        assert_eq!(data.x.len(), 3);
        assert_eq!(data.total, 4.0);
        for params in [[6.25, 3.74, 15.44], [0.5, 1.5, 2.0], [20.0, 8.0, 100.0]] {
            let mut g = [0.0; 3];
            let mut h = [0.0; 9];
            let v = data.value_and_gradient(&params, &mut g);
            let v2 = data.value_gradient_hessian(&params, &mut [0.0; 3], &mut h);
            assert_eq!(Some(v), v2);
            let num = numerical_gradient(
                |p| {
                    let mut s = [0.0; 3];
                    data.value_and_gradient(p, &mut s)
                },
                &params,
            );
            for k in 0..3 {
                assert!(
                    (g[k] - num[k]).abs() <= 1e-6 * (1.0 + num[k].abs()),
                    "{params:?} {k}: {g:?} vs {num:?}"
                );
                // row k of the Hessian: the gradient of the k-th derivative
                let num_h = numerical_gradient(
                    |p| {
                        let mut s = [0.0; 3];
                        data.value_and_gradient(p, &mut s);
                        s[k]
                    },
                    &params,
                );
                for j in 0..3 {
                    assert!(
                        (h[3 * k + j] - num_h[j]).abs() <= 1e-6 * (1.0 + num_h[j].abs()),
                        "{params:?} ({k}, {j}): {h:?} vs {num_h:?}"
                    );
                }
            }
        }
    }

    /// The sums run in a fixed order over pieces of rows: more rows than one piece, on several
    /// threads, give the same result as the plain per-customer formula.
    #[test]
    fn many_rows_match_the_per_customer_formula() {
        let n = 3 * SPEND_CHUNK + 17;
        let x: Vec<f64> = (0..n).map(|i| (1 + i % 7) as f64).collect();
        let m: Vec<f64> = (0..n).map(|i| 5.0 + (i % 101) as f64 * 0.37).collect();
        let data = SpendData::from_rows(&x, &m, &vec![1.0; n]);
        let (p, q, g): (f64, f64, f64) = (2.5, 3.0, 7.0);
        let direct: f64 = (0..n)
            .map(|i| {
                let px = p * x[i];
                ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q)
                    + q * g.ln()
                    + (px - 1.0) * m[i].ln()
                    + px * x[i].ln()
                    - (px + q) * (g + m[i] * x[i]).ln()
            })
            .sum();
        let v = data.value_and_gradient(&[p, q, g], &mut [0.0; 3]);
        assert!((v - direct).abs() <= 1e-9 * direct.abs(), "{v} vs {direct}");
    }

    #[test]
    fn rows_grouped_by_counting_or_hashing_give_the_per_customer_likelihood() {
        // several parts of the counting sort, rows not kept (x = 0 or no spend) among them
        let n = 2 * SORT_PART + 123;
        let x: Vec<f64> = (0..n).map(|i| (i * 7 % 13) as f64).collect();
        let m: Vec<f64> = (0..n)
            .map(|i| {
                if i % 11 == 0 {
                    0.0
                } else {
                    3.0 + (i % 97) as f64 * 0.41
                }
            })
            .collect();
        let weights: Vec<f64> = (0..n).map(|i| (1 + i % 3) as f64).collect();
        let (p, q, g): (f64, f64, f64) = (2.5, 3.0, 7.0);
        for w in [None, Some(&weights[..])] {
            let weight = |i: usize| w.map_or(1.0, |w| w[i]);
            let kept: Vec<usize> = (0..n).filter(|&i| x[i] > 0.0 && m[i] > 0.0).collect();
            let pick = |f: &dyn Fn(usize) -> f64| kept.iter().map(|&i| f(i)).collect::<Vec<_>>();
            let (kx, km, kw) = (pick(&|i| x[i]), pick(&|i| m[i]), pick(&weight));
            let counted =
                SpendData::from_sorted(SortedRows::by_counting(&x, &m, w).unwrap()).unwrap();
            let hashed = SpendData::from_sorted(SortedRows::by_hashing(&kx, &km, &kw)).unwrap();
            assert_eq!((counted.rows, hashed.rows), (kept.len(), kept.len()));
            // unit weights are not stored, by either grouping
            assert_eq!(counted.weight.is_none(), w.is_none());
            assert_eq!(hashed.weight.is_none(), w.is_none());
            if w.is_none() {
                // given as a column of ones: not stored either
                let ones = vec![1.0; n];
                let sorted = SortedRows::by_counting(&x, &m, Some(&ones)).unwrap();
                assert!(sorted.weight.is_none());
            }
            let direct: f64 = kept
                .iter()
                .map(|&i| {
                    let px = p * x[i];
                    weight(i)
                        * (ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q)
                            + q * g.ln()
                            + (px - 1.0) * m[i].ln()
                            + px * x[i].ln()
                            - (px + q) * (g + m[i] * x[i]).ln())
                })
                .sum();
            let (mut g1, mut g2) = ([0.0; 3], [0.0; 3]);
            let v1 = counted.value_and_gradient(&[p, q, g], &mut g1);
            let v2 = hashed.value_and_gradient(&[p, q, g], &mut g2);
            for v in [v1, v2] {
                assert!(
                    (v - direct).abs() <= 1e-10 * direct.abs(),
                    "{v} vs {direct}"
                );
            }
            for j in 0..3 {
                assert!(
                    (g1[j] - g2[j]).abs() <= 1e-9 * g1[j].abs(),
                    "{g1:?} vs {g2:?}"
                );
            }
        }
        // a frequency that is not a whole number below DIRECT_X is left to the hash
        for bad in [2.5, DIRECT_X as f64, f64::NAN, -1.0] {
            assert!(SortedRows::by_counting(&[1.0, bad], &[2.0, 3.0], None).is_none());
        }
        let spend = SpendData::from_columns(&[1.0, 2.5, 2.5], &[2.0, 3.0, 4.0], &[1.0; 3]).unwrap();
        assert_eq!((spend.x.clone(), spend.rows), (vec![1.0, 2.5], 3));
        // a table with a frequency of DIRECT_X or more: its kept rows grouped by hash
        let table = CustomerTable::new(
            vec!["a".into(), "b".into(), "c".into(), "d".into()],
            array![2.0, 5000.0, 0.0, 2.0],
            array![9.0, 9.5, 0.0, 4.0],
            array![10.0, 10.0, 10.0, 10.0],
            TimeUnit::Weeks,
        )
        .unwrap()
        .with_monetary_value(array![12.5, 30.0, 0.0, 0.0])
        .unwrap();
        let hashed = SpendData::from_table(&table).unwrap();
        assert_eq!((hashed.x.clone(), hashed.rows), (vec![2.0, 5000.0], 2));
        approx::assert_relative_eq!(hashed.ln_spend_of_x[1], 30f64.ln(), max_relative = 1e-12);
        // a subnormal mean spend: the log of a product gives way to one log per total spend
        let tiny = SpendData::from_columns(&[1.0, 2.0], &[1e-310, 3.0], &[1.0; 2]).unwrap();
        assert!(SortedRows::by_counting(&[1.0, 2.0], &[1e-310, 3.0], None)
            .unwrap()
            .ln_spend_of_x
            .is_none());
        approx::assert_relative_eq!(tiny.ln_spend_of_x[0], 1e-310f64.ln(), max_relative = 1e-12);
        approx::assert_relative_eq!(tiny.ln_spend_of_x[1], 3f64.ln(), max_relative = 1e-12);
    }

    #[test]
    fn a_large_table_starts_from_its_sample_and_converges_where_the_all_one_start_does() {
        // spends drawn from the model (p, q, gamma) = (6, 4, 15), 5 sample sizes' worth of rows
        use rand::{RngExt, SeedableRng};
        use rand_distr::{Distribution, Gamma};
        let n = 5 * START_SAMPLE;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let nu = Gamma::new(4.0, 1.0 / 15.0).unwrap();
        let (mut x, mut m) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let xi = f64::from(rng.random_range(1u32..12));
            let v: f64 = nu.sample(&mut rng);
            let total: f64 = Gamma::new(6.0 * xi, 1.0 / v).unwrap().sample(&mut rng);
            x.push(xi);
            m.push(total / xi);
        }
        let data = SpendData::from_rows(&x, &m, &vec![1.0; n]);
        let options = FitOptions::default();
        let start = data.start(&options);
        assert_ne!(start, [1.0; 3], "the sample's fit is the start");
        let from_sample = maximize("Gamma-Gamma", &data, &start, &options).unwrap();
        let from_ones = maximize("Gamma-Gamma", &data, &[1.0; 3], &options).unwrap();
        assert!(from_sample.iterations < from_ones.iterations);
        for (a, b) in from_sample.params.iter().zip(&from_ones.params) {
            assert!((a - b).abs() <= 1e-9 * b, "{a} vs {b}");
        }
        // a table below 4 samples' worth of rows starts at 1
        let small =
            SpendData::from_rows(&x[..START_SAMPLE], &m[..START_SAMPLE], &[1.0; START_SAMPLE]);
        assert_eq!(small.start(&options), [1.0; 3]);
    }

    #[test]
    fn likelihood_integrates_to_one() {
        // The density of mbar given x must integrate to 1 over (0, inf): a check of the
        // likelihood formula independent of any reference implementation.
        let (p, q, g, x) = (2.5, 3.0, 7.0, 3.0);
        // integrate over u = ln(mbar): f(mbar) dmbar = f(e^u) e^u du
        let h = 1e-3;
        let mut total = 0.0;
        let mut u: f64 = -15.0;
        while u < 15.0 {
            let m = (u + h / 2.0).exp();
            let data = SpendData::from_rows(&[x], &[m], &[1.0]);
            let mut grad = [0.0; 3];
            total += data.value_and_gradient(&[p, q, g], &mut grad).exp() * m * h;
            u += h;
        }
        assert!((total - 1.0).abs() < 1e-8, "{total}");
    }

    #[test]
    fn serde_rejects_q_below_one() {
        let ok: GammaGamma = serde_json::from_str(r#"{"p":1.0,"q":2.0,"gamma":3.0}"#).unwrap();
        assert_eq!(ok.q, 2.0);
        let err =
            serde_json::from_str::<GammaGamma>(r#"{"p":1.0,"q":0.5,"gamma":3.0}"#).unwrap_err();
        assert!(err.to_string().contains("infinite mean spend"), "{err}");
    }
}
