//! `clv._clv`: the compiled core of the Python package `clv` (see `python/clv/__init__.py`).
//!
//! Functions here take and return numpy arrays and plain Python values; the Python layer wraps
//! them into classes (`clv.BgNbd`, ...) with docstrings, pandas support and lifetimes' API
//! (`clv.lifetimes`). Every crate error becomes a `clv.ClvError` (a `ValueError`) carrying the
//! crate's message (row, column, value). Heavy work runs without the GIL.
//!
//! Inputs are read through numpy views and copied once into the crate's [`CustomerTable`]
//! (which owns validated columns); outputs are handed to numpy without a copy.
#![deny(missing_docs)]

use chrono::DateTime;
use ndarray::Array1;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use clv::analysis::{segment_customers, ScoreView, SegmentOptions};
use clv::data::discrete::{DiscreteHistory, DiscreteTable};
use clv::data::periods::Periods;
use clv::data::transactions::{Period, Summarizer, SummaryOptions};
use clv::fit::{fit_kind, FitOptions, FitReport};
use clv::models::bgbb::BgBb;
use clv::models::{AnyPurchaseModel, GammaGamma, PurchaseModel, PurchaseModelKind};
use clv::value::{value_table, ClvConfig, Discount, ValueTable};
use clv::{CustomerTable, Duration, TimeUnit};

create_exception!(
    _clv,
    ClvError,
    pyo3::exceptions::PyValueError,
    "An error of the clv crate: bad input (its row, column and value), a fit that did not converge, a prediction that is undefined."
);

/// The crate's error as a Python `ClvError` with the crate's message.
fn py_err(e: clv::Error) -> PyErr {
    ClvError::new_err(e.to_string())
}

trait OrPy<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> OrPy<T> for clv::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(py_err)
    }
}

fn unit_of(unit: &str) -> PyResult<TimeUnit> {
    unit.parse::<TimeUnit>()
        .map_err(|e| ClvError::new_err(format!("unit {unit:?}: {e}")))
}

fn kind_of(kind: &str) -> PyResult<PurchaseModelKind> {
    kind.parse::<PurchaseModelKind>().py()
}

fn model_of(kind: &str, params: Vec<f64>, unit: &str) -> PyResult<AnyPurchaseModel> {
    kind_of(kind)?.from_params(&params, unit_of(unit)?).py()
}

fn col(a: &PyReadonlyArray1<'_, f64>) -> Array1<f64> {
    a.as_array().to_owned()
}

/// A validated customer table from numpy columns (ids `1..n` unless given).
fn table_of(
    ids: Option<Vec<String>>,
    frequency: &PyReadonlyArray1<'_, f64>,
    recency: &PyReadonlyArray1<'_, f64>,
    age: &PyReadonlyArray1<'_, f64>,
    unit: &str,
) -> PyResult<CustomerTable> {
    let n = frequency.len()?;
    let ids = ids.unwrap_or_else(|| (1..=n).map(|i| i.to_string()).collect());
    CustomerTable::new(ids, col(frequency), col(recency), col(age), unit_of(unit)?).py()
}

fn options(penalizer: f64, max_iters: u64, tolerance: f64) -> FitOptions {
    FitOptions::default()
        .penalizer(penalizer)
        .max_iters(max_iters)
        .tolerance(tolerance)
}

/// A fit report as a dict: params, names, log_likelihood, std_errors, covariance...
fn report_dict<'py>(py: Python<'py>, r: FitReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("names", r.param_names.clone())?;
    d.set_item("params", r.params.clone().into_pyarray(py))?;
    d.set_item("log_likelihood", r.log_likelihood)?;
    d.set_item("aic", r.aic())?;
    d.set_item("n_customers", r.n_customers)?;
    d.set_item("iterations", r.iterations)?;
    d.set_item("evaluations", r.evaluations)?;
    d.set_item("gradient_norm", r.gradient_norm)?;
    d.set_item("termination", format!("{:?}", r.termination))?;
    d.set_item("std_errors", r.std_errors.map(|s| s.into_pyarray(py)))?;
    d.set_item("covariance", r.covariance.map(|c| c.into_pyarray(py)))?;
    Ok(d)
}

/// (name, description, parameter names, time-scale flags) of a registered purchase model.
#[pyfunction]
fn purchase_model_info(kind: &str) -> PyResult<(String, String, Vec<String>, Vec<bool>)> {
    let m = kind_of(kind)?.reference();
    Ok((
        m.name().to_string(),
        m.description().to_string(),
        m.param_names().iter().map(|s| s.to_string()).collect(),
        m.time_scale_params().to_vec(),
    ))
}

/// The registered purchase-model keys (`bgnbd`, `mbgnbd`, `pareto-nbd`).
#[pyfunction]
fn purchase_model_keys() -> Vec<&'static str> {
    PurchaseModelKind::ALL.iter().map(|k| k.key()).collect()
}

/// Fits a registered purchase model by maximum likelihood; returns the fit report as a dict.
#[pyfunction]
#[pyo3(signature = (kind, frequency, recency, age, unit, weights=None, penalizer=0.0, max_iters=1000, tolerance=1e-10))]
#[allow(clippy::too_many_arguments)]
fn fit_purchase<'py>(
    py: Python<'py>,
    kind: &str,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
    unit: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    penalizer: f64,
    max_iters: u64,
    tolerance: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let kind = kind_of(kind)?;
    let mut table = table_of(None, &frequency, &recency, &age, unit)?;
    if let Some(w) = &weights {
        table = table.with_weights(col(w)).py()?;
    }
    let opts = options(penalizer, max_iters, tolerance);
    let fit = py.detach(|| fit_kind(kind, &table, &opts)).py()?;
    report_dict(py, fit.report)
}

/// P(alive) of every customer.
#[pyfunction]
fn purchase_p_alive<'py>(
    py: Python<'py>,
    kind: &str,
    params: Vec<f64>,
    unit: &str,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = model_of(kind, params, unit)?;
    let table = table_of(None, &frequency, &recency, &age, unit)?;
    Ok(py.detach(|| m.p_alive_all(&table)).into_pyarray(py))
}

/// Conditional expected purchases over `horizon` (in the model's unit) of every customer.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn purchase_expected<'py>(
    py: Python<'py>,
    kind: &str,
    params: Vec<f64>,
    unit: &str,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
    horizon: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = model_of(kind, params, unit)?;
    let u = unit_of(unit)?;
    let table = table_of(None, &frequency, &recency, &age, unit)?;
    let h = Duration::new(horizon, u);
    Ok(py
        .detach(|| m.expected_purchases_all(&table, h))
        .into_pyarray(py))
}

/// Unconditional expected purchases E[X(t)] of a new customer at each `t`.
#[pyfunction]
fn purchase_expected_new<'py>(
    py: Python<'py>,
    kind: &str,
    params: Vec<f64>,
    unit: &str,
    t: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = model_of(kind, params, unit)?;
    let u = unit_of(unit)?;
    let out: Array1<f64> = t
        .as_array()
        .mapv(|t| m.expected_purchases_new_customer(Duration::new(t, u)));
    Ok(out.into_pyarray(py))
}

/// P(X(t) = n) of a new customer.
#[pyfunction]
fn purchase_pmf(kind: &str, params: Vec<f64>, unit: &str, n: u32, t: f64) -> PyResult<f64> {
    let m = model_of(kind, params, unit)?;
    m.probability_of_purchases(n, Duration::new(t, unit_of(unit)?))
        .ok_or_else(|| ClvError::new_err(format!("{} has no closed-form P(X(t) = n)", m.name())))
}

/// A spend table: recency and age are not used by the Gamma-Gamma model.
fn spend_table(
    frequency: &PyReadonlyArray1<'_, f64>,
    monetary: &PyReadonlyArray1<'_, f64>,
) -> PyResult<CustomerTable> {
    let f = col(frequency);
    let n = f.len();
    let recency = f.mapv(|x| if x > 0.0 { 1.0 } else { 0.0 });
    CustomerTable::new(
        (1..=n).map(|i| i.to_string()).collect(),
        f,
        recency,
        Array1::ones(n),
        TimeUnit::Weeks,
    )
    .and_then(|t| t.with_monetary_value(col(monetary)))
    .py()
}

/// Fits the Gamma-Gamma spend model to (frequency, mean spend); customers with no repeat
/// purchase or a mean spend of 0 are left out, as in the crate.
#[pyfunction]
#[pyo3(signature = (frequency, monetary_value, weights=None, penalizer=0.0, max_iters=1000, tolerance=1e-10))]
fn fit_gamma_gamma<'py>(
    py: Python<'py>,
    frequency: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    penalizer: f64,
    max_iters: u64,
    tolerance: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let mut table = spend_table(&frequency, &monetary_value)?;
    if let Some(w) = &weights {
        table = table.with_weights(col(w)).py()?;
    }
    let opts = options(penalizer, max_iters, tolerance);
    let fit = py.detach(|| GammaGamma::fit(&table, &opts)).py()?;
    report_dict(py, fit.report)
}

/// Conditional expected mean spend per purchase of every customer (Gamma-Gamma).
#[pyfunction]
fn gamma_gamma_expected_spend<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let gg = gamma_gamma(&params)?;
    let table = spend_table(&frequency, &monetary_value)?;
    Ok(gg.expected_spend_all(&table).py()?.into_pyarray(py))
}

fn gamma_gamma(params: &[f64]) -> PyResult<GammaGamma> {
    match params {
        [p, q, g] => GammaGamma::new(*p, *q, *g).py(),
        _ => Err(ClvError::new_err(
            "Gamma-Gamma takes 3 parameters (p, q, gamma)",
        )),
    }
}

fn histories(
    frequency: &PyReadonlyArray1<'_, i64>,
    recency: &PyReadonlyArray1<'_, i64>,
    n: &PyReadonlyArray1<'_, i64>,
) -> PyResult<Vec<DiscreteHistory>> {
    let (f, r, n) = (frequency.as_array(), recency.as_array(), n.as_array());
    if f.len() != r.len() || f.len() != n.len() {
        return Err(ClvError::new_err(format!(
            "frequency, recency and n_periods differ in length ({}, {}, {})",
            f.len(),
            r.len(),
            n.len()
        )));
    }
    let u = |row: usize, name: &str, v: i64| {
        u32::try_from(v).map_err(|_| {
            ClvError::new_err(format!(
                "row {row}, column `{name}`: value {v}: expected a whole number >= 0"
            ))
        })
    };
    (0..f.len())
        .map(|i| {
            DiscreteHistory::new(
                u(i + 1, "frequency", f[i])?,
                u(i + 1, "recency", r[i])?,
                u(i + 1, "n_periods", n[i])?,
            )
            .map_err(|e| ClvError::new_err(format!("row {}: {e}", i + 1)))
        })
        .collect()
}

/// Fits BG/BB to discrete-time histories (x, t_x, n) with optional weights.
#[pyfunction]
#[pyo3(signature = (frequency, recency, n_periods, weights=None, penalizer=0.0, max_iters=1000, tolerance=1e-10))]
#[allow(clippy::too_many_arguments)]
fn fit_bgbb<'py>(
    py: Python<'py>,
    frequency: PyReadonlyArray1<'py, i64>,
    recency: PyReadonlyArray1<'py, i64>,
    n_periods: PyReadonlyArray1<'py, i64>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    penalizer: f64,
    max_iters: u64,
    tolerance: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let h = histories(&frequency, &recency, &n_periods)?;
    let w = match &weights {
        Some(w) => w.as_array().to_vec(),
        None => vec![1.0; h.len()],
    };
    let table = DiscreteTable::new(h, w).py()?;
    let opts = options(penalizer, max_iters, tolerance);
    let fit = py.detach(|| BgBb::fit(&table, &opts)).py()?;
    report_dict(py, fit.report)
}

fn bgbb(params: &[f64]) -> PyResult<BgBb> {
    match params {
        [a, b, g, d] => BgBb::new(*a, *b, *g, *d).py(),
        _ => Err(ClvError::new_err(
            "BG/BB takes 4 parameters (alpha, beta, gamma, delta)",
        )),
    }
}

/// BG/BB predictions per history: `what` is `p_alive` (alive at opportunity n + m) or
/// `expected` (expected transactions over the next m opportunities).
#[pyfunction]
fn bgbb_predict<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    what: &str,
    frequency: PyReadonlyArray1<'py, i64>,
    recency: PyReadonlyArray1<'py, i64>,
    n_periods: PyReadonlyArray1<'py, i64>,
    m: u32,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = bgbb(&params)?;
    let h = histories(&frequency, &recency, &n_periods)?;
    let out: Vec<f64> = match what {
        "p_alive" => h.iter().map(|h| model.p_alive(h, Periods(m))).collect(),
        "expected" => h
            .iter()
            .map(|h| model.expected_transactions(h, Periods(m)))
            .collect(),
        other => {
            return Err(ClvError::new_err(format!(
                "unknown BG/BB prediction {other:?}"
            )))
        }
    };
    Ok(out.into_pyarray(py))
}

/// BG/BB for a new customer: E[X(n)] (`pmf_x` None) or P(X(n) = pmf_x).
#[pyfunction]
#[pyo3(signature = (params, n, pmf_x=None))]
fn bgbb_new(params: Vec<f64>, n: u32, pmf_x: Option<u32>) -> PyResult<f64> {
    let m = bgbb(&params)?;
    Ok(match pmf_x {
        Some(x) => m.probability_of_transactions(x, Periods(n)),
        None => m.expected_transactions_new(Periods(n)),
    })
}

fn period_of(period: &str) -> PyResult<Period> {
    match period.to_ascii_lowercase().as_str() {
        "h" | "hour" => Ok(Period::Hour),
        "d" | "day" => Ok(Period::Day),
        "w" | "week" => Ok(Period::Week),
        other => Err(ClvError::new_err(format!(
            "period {other:?}: expected hour, day or week (H, D, W)"
        ))),
    }
}

fn naive(seconds: i64, what: &str) -> PyResult<chrono::NaiveDateTime> {
    DateTime::from_timestamp(seconds, 0)
        .map(|t| t.naive_utc())
        .ok_or_else(|| ClvError::new_err(format!("{what}: {seconds} s is out of range")))
}

/// Summarises a transaction log (ids, times in seconds since 1970-01-01, optional amounts)
/// into per-customer RFM columns, with the crate's conventions; with `calibration_end` also
/// the holdout columns.
#[pyfunction]
#[pyo3(signature = (ids, seconds, amounts=None, period="day", unit="days", observation_end=None, calibration_end=None))]
#[allow(clippy::too_many_arguments)]
fn summarize<'py>(
    py: Python<'py>,
    ids: Vec<String>,
    seconds: PyReadonlyArray1<'py, i64>,
    amounts: Option<PyReadonlyArray1<'py, f64>>,
    period: &str,
    unit: &str,
    observation_end: Option<i64>,
    calibration_end: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut opts = SummaryOptions::new()
        .period(period_of(period)?)
        .unit(unit_of(unit)?)
        .order(clv::data::transactions::LogOrder::Unordered);
    if let Some(e) = observation_end {
        opts = opts.observation_end(naive(e, "observation_end")?);
    }
    let times = seconds.as_array();
    if times.len() != ids.len() {
        return Err(ClvError::new_err(format!(
            "{} customer ids but {} times",
            ids.len(),
            times.len()
        )));
    }
    let amounts = amounts.map(|a| a.as_array().to_owned());
    let mut s = match calibration_end {
        Some(c) => Summarizer::with_calibration_end(&opts, naive(c, "calibration_end")?),
        None => Summarizer::new(&opts),
    }
    .py()?;
    for (i, id) in ids.iter().enumerate() {
        let t = naive(times[i], "time")
            .map_err(|e| ClvError::new_err(format!("row {}: {e}", i + 1)))?;
        s.push(id, t, amounts.as_ref().map(|a| a[i])).py()?;
    }
    let summary = py.detach(|| s.finish()).py()?;
    let t = summary.table;
    let d = PyDict::new(py);
    d.set_item("customer_id", t.ids().to_vec())?;
    d.set_item("frequency", t.frequency().to_owned().into_pyarray(py))?;
    d.set_item("recency", t.recency().to_owned().into_pyarray(py))?;
    d.set_item("T", t.age().to_owned().into_pyarray(py))?;
    if let Some(m) = t.monetary_value() {
        d.set_item("monetary_value", m.to_owned().into_pyarray(py))?;
    }
    if let Some(h) = summary.holdout {
        d.set_item("frequency_holdout", h.purchases.into_pyarray(py))?;
        if let Some(sp) = h.spend {
            d.set_item("monetary_value_holdout", sp.into_pyarray(py))?;
        }
        d.set_item("duration_holdout", h.duration.amount)?;
    }
    let st = summary.stats;
    d.set_item("transactions", st.transactions)?;
    d.set_item("after_observation_end", st.after_observation_end)?;
    d.set_item("first_seen_at_end", st.first_seen_at_end)?;
    Ok(d)
}

fn clv_config(
    horizon: f64,
    step: f64,
    unit: TimeUnit,
    discount_rate: f64,
    margin: f64,
) -> PyResult<ClvConfig> {
    ClvConfig::new(
        Duration::new(horizon, unit),
        Duration::new(step, unit),
        Discount::PerStep(discount_rate),
        margin,
    )
    .py()
}

fn value_dict<'py>(py: Python<'py>, v: ValueTable) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("customer_id", v.ids)?;
    d.set_item("frequency", v.frequency.into_pyarray(py))?;
    d.set_item("recency", v.recency.into_pyarray(py))?;
    d.set_item("T", v.age.into_pyarray(py))?;
    d.set_item("monetary_value", v.monetary_value.into_pyarray(py))?;
    d.set_item("p_alive", v.p_alive.into_pyarray(py))?;
    d.set_item("churn_probability", v.churn_probability.into_pyarray(py))?;
    d.set_item("expected_purchases", v.expected_purchases.into_pyarray(py))?;
    d.set_item("expected_spend", v.expected_spend.into_pyarray(py))?;
    d.set_item("clv", v.clv.into_pyarray(py))?;
    Ok(d)
}

/// The customer value table (the columns of `clv predict`): P(alive), churn probability,
/// expected purchases over the horizon, expected spend and discounted CLV. `horizon` and
/// `step` are in `horizon_unit`; the discount rate is per step.
#[pyfunction]
#[pyo3(signature = (kind, params, unit, spend_params, ids, frequency, recency, age, monetary_value, horizon=12.0, step=1.0, horizon_unit="months", discount_rate=0.01, margin=1.0))]
#[allow(clippy::too_many_arguments)]
fn value<'py>(
    py: Python<'py>,
    kind: &str,
    params: Vec<f64>,
    unit: &str,
    spend_params: Vec<f64>,
    ids: Option<Vec<String>>,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
    horizon: f64,
    step: f64,
    horizon_unit: &str,
    discount_rate: f64,
    margin: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let m = model_of(kind, params, unit)?;
    let gg = gamma_gamma(&spend_params)?;
    let table = table_of(ids, &frequency, &recency, &age, unit)?
        .with_monetary_value(col(&monetary_value))
        .py()?;
    let config = clv_config(horizon, step, unit_of(horizon_unit)?, discount_rate, margin)?;
    let v = py.detach(|| value_table(&m, &gg, &table, &config)).py()?;
    value_dict(py, v)
}

/// Value x risk segments: each customer's segment name, and the per-segment rows
/// (segment, customers, total_clv, share_of_value, mean_clv, mean_p_alive) with the CLV
/// threshold used.
#[pyfunction]
#[pyo3(signature = (ids, clv, p_alive, clv_quantile=0.8, clv_amount=None, active_level=0.5))]
#[allow(clippy::type_complexity)]
fn segments(
    ids: Vec<String>,
    clv: PyReadonlyArray1<'_, f64>,
    p_alive: PyReadonlyArray1<'_, f64>,
    clv_quantile: f64,
    clv_amount: Option<f64>,
    active_level: f64,
) -> PyResult<(
    Vec<&'static str>,
    Vec<(
        &'static str,
        usize,
        f64,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    )>,
    f64,
)> {
    let view = ScoreView::new(&ids, clv.as_array(), p_alive.as_array()).py()?;
    let mut opts = SegmentOptions::default().active_level(active_level).py()?;
    opts = match clv_amount {
        Some(a) => opts.clv_amount(a).py()?,
        None => opts.clv_quantile(clv_quantile).py()?,
    };
    let s = segment_customers(&view, &opts).py()?;
    let names = s.segments.iter().map(|g| g.name()).collect();
    let rows = s
        .summary
        .rows
        .iter()
        .map(|r| {
            (
                r.segment.name(),
                r.customers,
                r.total_clv,
                r.share_of_value,
                r.mean_clv,
                r.mean_p_alive,
            )
        })
        .collect();
    Ok((names, rows, s.summary.clv_threshold))
}

/// Fits `kind` and Gamma-Gamma to the table and writes the HTML model report (parameters,
/// calibration fit, holdout check when given, P(alive) and purchase matrices, CLV
/// distribution, top customers) to `out_dir`; returns the path of `index.html`.
#[pyfunction]
#[pyo3(signature = (out_dir, kind, unit, ids, frequency, recency, age, monetary_value, holdout_purchases=None, holdout_duration=None, horizon=12.0, step=1.0, horizon_unit="months", discount_rate=0.01, margin=1.0, top=10))]
#[allow(clippy::too_many_arguments)]
fn report(
    py: Python<'_>,
    out_dir: std::path::PathBuf,
    kind: &str,
    unit: &str,
    ids: Option<Vec<String>>,
    frequency: PyReadonlyArray1<'_, f64>,
    recency: PyReadonlyArray1<'_, f64>,
    age: PyReadonlyArray1<'_, f64>,
    monetary_value: PyReadonlyArray1<'_, f64>,
    holdout_purchases: Option<PyReadonlyArray1<'_, f64>>,
    holdout_duration: Option<f64>,
    horizon: f64,
    step: f64,
    horizon_unit: &str,
    discount_rate: f64,
    margin: f64,
    top: usize,
) -> PyResult<String> {
    use clv::report::{sections, Report};
    let kind = kind_of(kind)?;
    let u = unit_of(unit)?;
    let table = table_of(ids, &frequency, &recency, &age, unit)?
        .with_monetary_value(col(&monetary_value))
        .py()?;
    let config = clv_config(horizon, step, unit_of(horizon_unit)?, discount_rate, margin)?;
    let holdout = holdout_purchases.map(|h| col(&h));
    py.detach(|| -> clv::Result<String> {
        let opts = FitOptions::default();
        let purchase = fit_kind(kind, &table, &opts)?;
        let spend = GammaGamma::fit(&table, &opts)?;
        let model: &dyn PurchaseModel = &purchase.model;
        let mut rep = Report::new(format!("{} and Gamma-Gamma", model.name()));
        rep.push(sections::parameters(
            &[(model, &purchase.report)],
            Some((&spend.model, &spend.report)),
            &table,
        ));
        rep.push(sections::calibration_fit(&[model], &table)?);
        if let (Some(h), Some(d)) = (&holdout, holdout_duration) {
            let (s, _) =
                sections::holdout(&[model], &table, h.view(), Duration::new(d, u), None, None)?;
            rep.push(s);
        }
        rep.push(sections::rfm_matrices(model, &table, config.horizon)?);
        let scores = value_table(&purchase.model, &spend.model, &table, &config)?;
        rep.push(sections::value_distribution(&scores, &config)?);
        rep.push(sections::top_customers(&scores, top, u));
        rep.write(&out_dir)?;
        Ok(out_dir.join("index.html").display().to_string())
    })
    .py()
}

/// The crate's small data files, embedded so that an installed package has them: name ->
/// text (`cdnow_summary.csv`, `donations.csv`, `CDNOW_sample.txt`).
#[pyfunction]
fn dataset(name: &str) -> PyResult<&'static str> {
    match name {
        "cdnow_summary.csv" => Ok(include_str!("../../data/cdnow_summary.csv")),
        "donations.csv" => Ok(include_str!("../../data/donations.csv")),
        "CDNOW_sample.txt" => Ok(include_str!("../../data/CDNOW_sample.txt")),
        other => Err(ClvError::new_err(format!(
            "dataset {other:?} is not embedded (cdnow_summary.csv, donations.csv, CDNOW_sample.txt)"
        ))),
    }
}

/// The compiled core of `clv`.
#[pymodule]
fn _clv(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ClvError", m.py().get_type::<ClvError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(purchase_model_info, m)?)?;
    m.add_function(wrap_pyfunction!(purchase_model_keys, m)?)?;
    m.add_function(wrap_pyfunction!(fit_purchase, m)?)?;
    m.add_function(wrap_pyfunction!(purchase_p_alive, m)?)?;
    m.add_function(wrap_pyfunction!(purchase_expected, m)?)?;
    m.add_function(wrap_pyfunction!(purchase_expected_new, m)?)?;
    m.add_function(wrap_pyfunction!(purchase_pmf, m)?)?;
    m.add_function(wrap_pyfunction!(fit_gamma_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(gamma_gamma_expected_spend, m)?)?;
    m.add_function(wrap_pyfunction!(fit_bgbb, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_predict, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_new, m)?)?;
    m.add_function(wrap_pyfunction!(summarize, m)?)?;
    m.add_function(wrap_pyfunction!(value, m)?)?;
    m.add_function(wrap_pyfunction!(segments, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(dataset, m)?)?;
    Ok(())
}
