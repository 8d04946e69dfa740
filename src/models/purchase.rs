//! The purchase-model traits: predictions ([`PurchaseModel`]), the fit ([`FitPurchaseModel`])
//! and simulation ([`SimulatePurchases`]).

use ndarray::{Array1, Array2};
use rayon::prelude::*;

use crate::data::{CompressedRfm, CustomerTable, Rfm};
use crate::error::Result;
use crate::optim::LogLikelihood;
use crate::time::{Duration, TimeUnit};

/// A model of how many purchases customers make and when they drop out, with its parameters:
/// what every consumer (value, report, analysis, CLI) uses, never a concrete model.
///
/// Times in [`Rfm`] and [`Duration`] carry their unit; implementations convert them to the
/// unit the model's parameters are in, so a weekly model can be asked about days.
///
/// # Horizons that are negative or not finite
/// Every implementation treats them alike (the contract tests check each registered model):
/// * the predictions returning `Result` ([`conditional_pmf`](Self::conditional_pmf),
///   [`discounted_purchases`](Self::discounted_purchases)) return
///   [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the horizon;
/// * those returning numbers ([`expected_purchases`](Self::expected_purchases),
///   [`expected_purchases_new_customer`](Self::expected_purchases_new_customer),
///   [`expected_purchases_all`](Self::expected_purchases_all),
///   [`expected_purchases_curve`](Self::expected_purchases_curve)) give 0 for a negative
///   horizon (no time to buy in) and NaN for a NaN or infinite one (no finite answer: the
///   callers of this crate check horizons first and never write such a NaN);
/// * [`probability_of_purchases`](Self::probability_of_purchases) gives the distribution of
///   no time (1 at `n = 0`, 0 elsewhere) for a negative `t` and `None` for a NaN or infinite
///   one.
pub trait PurchaseModel: Sync {
    /// The model's name as printed ("BG/NBD").
    fn name(&self) -> &'static str;

    /// One sentence for reports: the model, its source and what its parameters mean.
    fn description(&self) -> &'static str {
        ""
    }

    /// Whether scoring pays off per distinct (x, t_x, T): computing each distinct history once
    /// and scattering the results back, rather than computing every row. True (the default)
    /// for models whose predictions cost more than grouping the rows, a hash per row (Pareto/NBD's
    /// quadratures); closed-form models say false: on 1M whole-day customers, grouping alone
    /// took 57-108 ms against 59-68 ms for BG/NBD's P(alive) and expected purchases of every
    /// row (`scripts/ab_speed.sh`). A table whose grouping is already computed (by a fit on it)
    /// is scored per distinct history whatever this says: it then costs only the scatter.
    fn scores_by_distinct(&self) -> bool {
        true
    }

    /// The parameter names, in the order of [`params`](Self::params).
    fn param_names(&self) -> &'static [&'static str];

    /// Which parameters are in units of time (and change with [`time_unit`](Self::time_unit):
    /// BG/NBD's `alpha` in days is 7 times `alpha` in weeks), in the order of `param_names`.
    fn time_scale_params(&self) -> &'static [bool];

    /// The parameters, in the order of [`param_names`](Self::param_names), those in units of
    /// time expressed in [`time_unit`](Self::time_unit).
    fn params(&self) -> Vec<f64>;

    /// The unit of time the parameters are expressed in.
    fn time_unit(&self) -> TimeUnit;

    /// Probability that a new customer makes exactly `n` repeat purchases in the first `t` of
    /// life, `P(X(t) = n)`, for models that have it in closed form (`None` otherwise).
    fn probability_of_purchases(&self, n: u32, t: Duration) -> Option<f64> {
        let _ = (n, t);
        None
    }

    /// Probability that the customer is still active at the end of observation.
    fn p_alive(&self, customer: &Rfm) -> f64;

    /// Expected number of purchases in the `horizon` after the end of observation, given the
    /// customer's history (the conditional expectation).
    fn expected_purchases(&self, customer: &Rfm, horizon: Duration) -> f64;

    /// Expected number of repeat purchases in the first `t` of a new customer's life
    /// (the unconditional expectation E\[X(t)\]).
    fn expected_purchases_new_customer(&self, t: Duration) -> f64;

    /// The distribution of the number of purchases in the `horizon` after the end of
    /// observation given the customer's history, `P(Y = n | x, t_x, T)` for `n = 0, 1, ...`,
    /// written into `out` (cleared first) until the probability left out is below `tail`: the
    /// process uncertainty of a prediction interval ([`crate::value::interval`]). The buffer is
    /// reused, so bulk callers allocate once per thread, not per customer.
    ///
    /// Errors ([`Error::Undefined`](crate::Error::Undefined)) for a model without it (this
    /// default) or when more than [`MAX_PMF_LEN`](crate::models::pmf::MAX_PMF_LEN) counts would
    /// be needed, and ([`Error::InvalidArgument`](crate::Error::InvalidArgument)) for a
    /// negative or NaN horizon or a `tail` outside (0, 1).
    ///
    /// ```
    /// use clv::models::{BgNbd, PurchaseModel};
    /// use clv::{Duration, Rfm, TimeUnit};
    /// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    /// let c = Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap();
    /// let mut pmf = Vec::new();
    /// m.conditional_pmf(&c, Duration::weeks(39.0), 1e-12, &mut pmf).unwrap();
    /// let mean: f64 = pmf.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    /// assert!((mean - m.expected_purchases(&c, Duration::weeks(39.0))).abs() < 1e-9);
    /// ```
    fn conditional_pmf(
        &self,
        customer: &Rfm,
        horizon: Duration,
        tail: f64,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        let _ = (customer, horizon, tail, out);
        Err(crate::Error::undefined(
            format!(
                "the {} distribution of purchases given a history",
                self.name()
            ),
            "the model does not provide it",
        ))
    }

    /// Probability that the customer has churned (`1 - p_alive`).
    fn churn_probability(&self, customer: &Rfm) -> f64 {
        1.0 - self.p_alive(customer)
    }

    /// [`p_alive`](Self::p_alive) for every customer of `table`, in row order.
    fn p_alive_all(&self, table: &CustomerTable) -> Array1<f64> {
        let v: Vec<f64> = (0..table.len())
            .into_par_iter()
            .map(|i| self.p_alive(&table.get(i)))
            .collect();
        Array1::from(v)
    }

    /// [`churn_probability`](Self::churn_probability) for every customer of `table`.
    fn churn_probability_all(&self, table: &CustomerTable) -> Array1<f64> {
        self.p_alive_all(table).mapv(|p| 1.0 - p)
    }

    /// [`expected_purchases`](Self::expected_purchases) for every customer of `table`.
    fn expected_purchases_all(&self, table: &CustomerTable, horizon: Duration) -> Array1<f64> {
        let v: Vec<f64> = (0..table.len())
            .into_par_iter()
            .map(|i| self.expected_purchases(&table.get(i), horizon))
            .collect();
        Array1::from(v)
    }

    /// [`p_alive_all`](Self::p_alive_all) and
    /// [`expected_purchases_all`](Self::expected_purchases_all) together, the same numbers; a
    /// model whose expectation is P(alive) times a kernel computes P(alive) once.
    ///
    /// ```
    /// use clv::models::{BgNbd, PurchaseModel};
    /// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
    /// let c = |x, t, age| Rfm::new(x, t, age, TimeUnit::Weeks).unwrap();
    /// let table = CustomerTable::from_customers(&[c(2, 5.0, 9.0), c(0, 0.0, 9.0)]).unwrap();
    /// let m = BgNbd::new(0.24, 4.41, 0.79, 2.43, TimeUnit::Weeks).unwrap();
    /// let (p, e) = m.p_alive_and_expected_all(&table, Duration::weeks(4.0));
    /// assert_eq!(p, m.p_alive_all(&table));
    /// assert_eq!(e, m.expected_purchases_all(&table, Duration::weeks(4.0)));
    /// ```
    fn p_alive_and_expected_all(
        &self,
        table: &CustomerTable,
        horizon: Duration,
    ) -> (Array1<f64>, Array1<f64>) {
        (
            self.p_alive_all(table),
            self.expected_purchases_all(table, horizon),
        )
    }

    /// Expected cumulative purchases after the end of observation at each of `horizons`
    /// (ascending), for every customer: a `customers x horizons` matrix. The value layer
    /// differences its columns to get the purchases in each step.
    fn expected_purchases_curve(
        &self,
        table: &CustomerTable,
        horizons: &[Duration],
    ) -> Array2<f64> {
        let rows: Vec<f64> = (0..table.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let c = table.get(i);
                horizons
                    .iter()
                    .map(move |&h| self.expected_purchases(&c, h))
            })
            .collect();
        Array2::from_shape_vec((table.len(), horizons.len()), rows).expect("shape matches")
    }

    /// Discounted expected purchases of every customer of `table`:
    /// `sum_j factors[j] * (N(ends[j]) - N(ends[j-1]))`, with `N(t)` the expected cumulative
    /// purchases in the `t` after the end of observation ([`expected_purchases`](Self::expected_purchases)),
    /// `ends` ascending and `N(0) = 0`. The value layer multiplies it by spend and margin.
    ///
    /// The default goes through [`expected_purchases_curve`](Self::expected_purchases_curve);
    /// models override it when they can avoid the `customers x steps` matrix.
    ///
    /// Errors ([`Error::Prediction`](crate::Error::Prediction), naming the customer) when a cumulative
    /// expectation is not finite or decreases (beyond rounding), and
    /// ([`Error::InvalidArgument`](crate::Error::InvalidArgument)) when `ends` and `factors`
    /// differ in length.
    ///
    /// ```
    /// use clv::models::{BgNbd, PurchaseModel};
    /// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
    /// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    /// let table = CustomerTable::from_customers(&[Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap()]).unwrap();
    /// let ends = [Duration::weeks(13.0), Duration::weeks(26.0), Duration::weeks(39.0)];
    /// // without discounting, the sum of the steps is the purchases over 39 weeks (FHL 2005: 1.226)
    /// let d = m.discounted_purchases(&table, &ends, &[1.0, 1.0, 1.0]).unwrap();
    /// assert!((d[0] - 1.226).abs() < 5e-4);
    /// ```
    fn discounted_purchases(
        &self,
        table: &CustomerTable,
        ends: &[Duration],
        factors: &[f64],
    ) -> crate::Result<Array1<f64>> {
        check_steps(ends, factors)?;
        let curve = self.expected_purchases_curve(table, ends);
        let mut out = Array1::zeros(table.len());
        for (i, row) in curve.outer_iter().enumerate() {
            out[i] = discounted_sum(row.iter().copied(), factors)
                .map_err(|(k, c, p)| decreasing_error(table, i, ends[k], c, p))?;
        }
        Ok(out)
    }
}

/// The horizon of a conditional distribution in the model's unit: `Err` when negative or not
/// finite.
pub(crate) fn pmf_horizon(horizon: Duration, unit: TimeUnit, tail: f64) -> Result<f64> {
    crate::models::pmf::check_tail(tail)?;
    check_horizon("horizon", horizon)?;
    Ok(horizon.in_unit(unit))
}

/// A horizon in `unit` for the predictions returning numbers ([`PurchaseModel`]'s horizon
/// rule): `None` when NaN or infinite, 0 when negative.
pub(crate) fn plain_horizon(horizon: Duration, unit: TimeUnit) -> Option<f64> {
    let t = horizon.in_unit(unit);
    (!t.is_nan() && t != f64::INFINITY).then(|| t.max(0.0))
}

/// The typed error of the predictions returning `Result` for a horizon that is negative, NaN
/// or infinite ([`PurchaseModel`]'s horizon rule).
pub(crate) fn check_horizon(name: &str, horizon: Duration) -> Result<()> {
    if horizon.amount.is_finite() && horizon.amount >= 0.0 {
        return Ok(());
    }
    Err(crate::Error::invalid_argument(
        name,
        horizon,
        "a prediction horizon must be finite and zero or positive",
    ))
}

/// Checks that there is one discount factor per step end, and that every end is a horizon.
pub(crate) fn check_steps(ends: &[Duration], factors: &[f64]) -> crate::Result<()> {
    if ends.len() != factors.len() {
        return Err(crate::Error::invalid_argument(
            "factors",
            factors.len() as f64,
            format!("one discount factor per step end ({} ends)", ends.len()),
        ));
    }
    ends.iter().try_for_each(|&end| check_horizon("ends", end))
}

/// `sum_j factors[j] * max(N_j - N_{j-1}, 0)` of a cumulative curve `N_1, N_2, ...` (`N_0 = 0`);
/// `Err((j, N_j, N_{j-1}))` at the first value that is not finite or decreases beyond rounding.
pub(crate) fn discounted_sum(
    cumulative: impl Iterator<Item = f64>,
    factors: &[f64],
) -> std::result::Result<f64, (usize, f64, f64)> {
    let mut previous: f64 = 0.0;
    let mut total = 0.0;
    for (k, (c, &f)) in cumulative.zip(factors).enumerate() {
        // a tolerance for rounding in models whose expectation is a difference of terms
        if !c.is_finite() || c < previous - 1e-9 * previous.abs().max(1.0) {
            return Err((k, c, previous));
        }
        total += (c - previous).max(0.0) * f;
        previous = c;
    }
    Ok(total)
}

/// The error of a purchase model whose cumulative expectation is not finite or decreases.
pub(crate) fn decreasing_error(
    table: &CustomerTable,
    row: usize,
    end: Duration,
    cumulative: f64,
    previous: f64,
) -> crate::Error {
    crate::Error::prediction(
        table.ids(),
        row,
        format!(
            "the purchase model's expected cumulative purchases at {end} is {cumulative} \
             (previous step: {previous}); expected a finite, non-decreasing value"
        ),
    )
}

/// A purchase model that the one generic fit path ([`crate::fit::fit_purchase_model`]) can
/// fit: how to build it from parameters, and its log-likelihood of compressed data.
///
/// The fit path compresses the table, rescales times so that the oldest customer has age 1
/// (as lifetimes 0.11.3 does, so that its penalizer gives the same estimates), starts from
/// [`default_start`](Self::default_start) or a given model, maximises, and maps the
/// estimates, covariance and log-likelihood back to the table's unit.
pub trait FitPurchaseModel: PurchaseModel + Sized + Clone + Send {
    /// The log-likelihood prepared from compressed data, for many evaluations.
    type Likelihood: LogLikelihood;

    /// The model with `params` (in the order of [`PurchaseModel::param_names`]) for times in
    /// `unit`; errors when a parameter is outside the model's domain.
    fn from_params(params: &[f64], unit: TimeUnit) -> Result<Self>;

    /// The log-likelihood of `data`, with times in the data's unit (whatever it is: the fit
    /// path passes rescaled data).
    fn likelihood(data: &CompressedRfm) -> Self::Likelihood;

    /// The published estimates on the CDNOW sample (weeks), for examples and the contract tests.
    fn reference() -> Self;

    /// Starting parameters on data rescaled to a maximum age of 1 (lifetimes' start: all 1).
    fn default_start() -> Vec<f64> {
        vec![1.0; Self::reference().param_names().len()]
    }

    /// The same model with the parameters in units of time re-expressed for `unit`.
    ///
    /// ```
    /// use clv::models::{BgNbd, FitPurchaseModel, PurchaseModel};
    /// use clv::TimeUnit;
    /// let weekly = BgNbd::new(0.24, 4.4, 0.79, 2.4, TimeUnit::Weeks).unwrap();
    /// assert!((weekly.in_unit(TimeUnit::Days).alpha() - 4.4 * 7.0).abs() < 1e-12);
    /// ```
    fn in_unit(&self, unit: TimeUnit) -> Self {
        let s = self.time_unit().in_units_of(unit);
        let p = scale_time_params(&self.params(), self.time_scale_params(), s);
        Self::from_params(&p, unit).expect("rescaling keeps parameters positive and finite")
    }
}

/// A model that can be rebuilt with other parameters (in the order of its `param_names`, in
/// its own unit of time): what parameter uncertainty ([`crate::value::interval`]) perturbs.
///
/// ```
/// use clv::models::{BgNbd, PurchaseModel, WithParams};
/// use clv::TimeUnit;
/// let m = BgNbd::new(0.24, 4.4, 0.79, 2.4, TimeUnit::Weeks).unwrap();
/// let other = m.with_params(&[0.3, 4.0, 0.8, 2.5]).unwrap();
/// assert_eq!(other.params(), vec![0.3, 4.0, 0.8, 2.5]);
/// assert!(m.with_params(&[-1.0, 4.0, 0.8, 2.5]).is_err());
/// ```
pub trait WithParams: Sized {
    /// The same model with `params`; errors when they are outside the model's domain.
    fn with_params(&self, params: &[f64]) -> Result<Self>;
}

impl<M: FitPurchaseModel> WithParams for M {
    fn with_params(&self, params: &[f64]) -> Result<Self> {
        M::from_params(params, self.time_unit())
    }
}

/// `params` with each parameter in units of time (`time_scale[j]`) multiplied by `s`.
pub(crate) fn scale_time_params(params: &[f64], time_scale: &[bool], s: f64) -> Vec<f64> {
    params
        .iter()
        .zip(time_scale)
        .map(|(&p, &t)| if t { p * s } else { p })
        .collect()
}

/// A customer's latent purchase and dropout process, drawn from a model's mixing distributions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latent {
    /// Purchase rate while alive (Poisson), per unit of the model's time.
    pub rate: f64,
    /// How the customer drops out.
    pub dropout: Dropout,
}

/// How a simulated customer drops out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dropout {
    /// With probability `p` after each repeat purchase (BG/NBD), and also at the first
    /// purchase when `at_start` (MBG/NBD).
    AfterPurchase {
        /// Dropout probability.
        p: f64,
        /// Whether the customer can also drop out right after the first purchase.
        at_start: bool,
    },
    /// At this time after the first purchase, in the model's unit (Pareto/NBD).
    AtTime(f64),
}

/// A purchase model that can draw customers (for the simulator, parameter-recovery and
/// coverage tests).
pub trait SimulatePurchases: PurchaseModel {
    /// Draws one customer's latent rate and dropout from the model's mixing distributions.
    fn draw_latent<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Latent;
}

/// A fitted purchase model predicts like the model itself.
impl<M: PurchaseModel> PurchaseModel for crate::optim::Fitted<M> {
    fn name(&self) -> &'static str {
        self.model.name()
    }
    fn description(&self) -> &'static str {
        self.model.description()
    }
    fn scores_by_distinct(&self) -> bool {
        self.model.scores_by_distinct()
    }
    fn param_names(&self) -> &'static [&'static str] {
        self.model.param_names()
    }
    fn time_scale_params(&self) -> &'static [bool] {
        self.model.time_scale_params()
    }
    fn params(&self) -> Vec<f64> {
        self.model.params()
    }
    fn time_unit(&self) -> TimeUnit {
        self.model.time_unit()
    }
    fn probability_of_purchases(&self, n: u32, t: Duration) -> Option<f64> {
        self.model.probability_of_purchases(n, t)
    }
    fn p_alive(&self, customer: &Rfm) -> f64 {
        self.model.p_alive(customer)
    }
    fn conditional_pmf(
        &self,
        customer: &Rfm,
        horizon: Duration,
        tail: f64,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        self.model.conditional_pmf(customer, horizon, tail, out)
    }
    fn expected_purchases(&self, customer: &Rfm, horizon: Duration) -> f64 {
        self.model.expected_purchases(customer, horizon)
    }
    fn expected_purchases_new_customer(&self, t: Duration) -> f64 {
        self.model.expected_purchases_new_customer(t)
    }
    fn p_alive_all(&self, table: &CustomerTable) -> Array1<f64> {
        self.model.p_alive_all(table)
    }
    fn expected_purchases_all(&self, table: &CustomerTable, horizon: Duration) -> Array1<f64> {
        self.model.expected_purchases_all(table, horizon)
    }
    fn p_alive_and_expected_all(
        &self,
        table: &CustomerTable,
        horizon: Duration,
    ) -> (Array1<f64>, Array1<f64>) {
        self.model.p_alive_and_expected_all(table, horizon)
    }
    fn expected_purchases_curve(
        &self,
        table: &CustomerTable,
        horizons: &[Duration],
    ) -> Array2<f64> {
        self.model.expected_purchases_curve(table, horizons)
    }
    fn discounted_purchases(
        &self,
        table: &CustomerTable,
        ends: &[Duration],
        factors: &[f64],
    ) -> crate::Result<Array1<f64>> {
        self.model.discounted_purchases(table, ends, factors)
    }
}
