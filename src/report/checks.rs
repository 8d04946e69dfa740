//! The model checks of the report: what the model predicts for the customers it was fitted on,
//! set against what they did.
//!
//! * [`period_transactions`]: customers by number of repeat purchases in calibration, actual
//!   vs model (each customer over her own age T);
//! * [`holdout_comparison`]: mean holdout purchases by calibration frequency, actual vs
//!   conditional expectation, and per-customer error figures;
//! * [`expected_cumulative_repeat`]: the cohort's expected cumulative repeat transactions over
//!   calendar time (the tracking plot), each customer from her own first purchase;
//! * [`rfm_matrix`]: P(alive) or expected purchases over a frequency x recency grid.

use std::collections::HashMap;

use ndarray::{Array2, ArrayView1};
use rayon::prelude::*;

use crate::data::{CustomerTable, Rfm};
use crate::error::{Error, Result};
use crate::models::PurchaseModel;
use crate::time::Duration;

/// Numbers of customers by repeat purchases in the calibration period, actual and expected.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodTransactions {
    /// Bin labels: `"0"`, `"1"`, ..., and `"{max}+"` for the last bin.
    pub labels: Vec<String>,
    /// Customers (sum of weights) with that many repeat purchases.
    pub actual: Vec<f64>,
    /// Expected customers: `sum_i P(X(T_i) = n)` for a new customer observed for `T_i`.
    pub expected: Vec<f64>,
}

/// Customers by number of repeat purchases `0, 1, ..., max_bin - 1` and `max_bin or more`,
/// actual and as the model expects them (each customer's `P(X(T_i) = n)` with her own age
/// `T_i`, summed). This is lifetimes' "period transactions" check computed exactly rather than
/// by simulation.
///
/// ```
/// use clv::models::BgNbd;
/// use clv::report::checks::period_transactions;
/// use clv::{CustomerTable, Rfm, TimeUnit};
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426, TimeUnit::Weeks).unwrap();
/// let t = CustomerTable::from_customers(&[Rfm::new(0, 0.0, 39.0, TimeUnit::Weeks).unwrap()]).unwrap();
/// let p = period_transactions(&m, &t, 7).unwrap();
/// assert_eq!(p.labels.last().unwrap(), "7+");
/// // REFERENCE.md: P(X(39) = 0) = 0.5737864
/// assert!((p.expected[0] - 0.5737864).abs() < 1e-6);
/// ```
pub fn period_transactions<M: PurchaseModel + ?Sized>(
    model: &M,
    table: &CustomerTable,
    max_bin: u32,
) -> Result<PeriodTransactions> {
    if max_bin == 0 {
        return Err(Error::invalid_argument(
            "max_bin",
            0,
            "needs at least one bin before the last",
        ));
    }
    if model
        .probability_of_purchases(0, Duration::new(1.0, model.time_unit()))
        .is_none()
    {
        return Err(Error::undefined(
            format!("{}'s expected customers by repeat purchases", model.name()),
            "the model has no closed-form P(X(t) = n)",
        ));
    }
    let bins = max_bin as usize + 1;
    let mut actual = vec![0.0; bins];
    // Customers with the same age share their probabilities.
    let mut by_age: HashMap<u64, f64> = HashMap::new();
    for i in 0..table.len() {
        let c = table.get(i);
        let w = table.weight(i);
        actual[(c.frequency as usize).min(max_bin as usize)] += w;
        *by_age.entry(c.age.to_bits()).or_insert(0.0) += w;
    }
    let unit = table.unit();
    let ages: Vec<(f64, f64)> = by_age
        .into_iter()
        .map(|(a, w)| (f64::from_bits(a), w))
        .collect();
    let expected = ages
        .par_iter()
        .map(|&(age, w)| {
            let mut row = vec![0.0; bins];
            let mut head = 0.0;
            for n in 0..max_bin {
                let p = model
                    .probability_of_purchases(n, Duration::new(age, unit))
                    .unwrap_or(f64::NAN);
                row[n as usize] = w * p;
                head += p;
            }
            row[max_bin as usize] = w * (1.0 - head).max(0.0);
            row
        })
        .reduce(
            || vec![0.0; bins],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let mut labels: Vec<String> = (0..max_bin).map(|n| n.to_string()).collect();
    labels.push(format!("{max_bin}+"));
    Ok(PeriodTransactions {
        labels,
        actual,
        expected,
    })
}

/// Holdout purchases against the model's conditional expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutComparison {
    /// Bin labels by calibration frequency: `"0"`, ..., `"{max}+"`.
    pub labels: Vec<String>,
    /// Customers in each bin.
    pub customers: Vec<f64>,
    /// Mean actual holdout purchases in each bin (0 for an empty bin).
    pub actual_mean: Vec<f64>,
    /// Mean expected holdout purchases in each bin.
    pub expected_mean: Vec<f64>,
    /// Per-customer expected holdout purchases, in table order.
    pub expected: Vec<f64>,
    /// Mean absolute error per customer, `mean |actual - expected|` (purchases).
    pub mae: f64,
    /// Root mean squared error per customer (purchases).
    pub rmse: f64,
    /// Total actual holdout purchases.
    pub total_actual: f64,
    /// Total expected holdout purchases.
    pub total_expected: f64,
}

impl HoldoutComparison {
    /// Relative error of the total, `(expected - actual) / actual` (0 when both are 0).
    pub fn aggregate_error(&self) -> f64 {
        if self.total_actual == 0.0 {
            if self.total_expected == 0.0 {
                0.0
            } else {
                f64::INFINITY
            }
        } else {
            (self.total_expected - self.total_actual) / self.total_actual
        }
    }
}

/// Compares `actual` holdout purchases (one per row of `table`, the calibration customers)
/// with the model's conditional expectation over the `holdout` length; bins by calibration
/// frequency `0..max_bin` and `max_bin+`. Row weights count as customers.
///
/// ```
/// use clv::models::BgNbd;
/// use clv::report::checks::holdout_comparison;
/// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426, TimeUnit::Weeks).unwrap();
/// let t = CustomerTable::from_customers(&[Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap()]).unwrap();
/// let h = holdout_comparison(&m, &t, ndarray::array![1.0].view(), Duration::weeks(39.0), 7).unwrap();
/// // REFERENCE.md: E[X(39) | x=2, t_x=30.43, T=38.86] = 1.226
/// assert!((h.expected[0] - 1.226).abs() < 1e-3);
/// assert!((h.mae - 0.226).abs() < 1e-3);
/// ```
pub fn holdout_comparison<M: PurchaseModel + ?Sized>(
    model: &M,
    table: &CustomerTable,
    actual: ArrayView1<'_, f64>,
    holdout: Duration,
    max_bin: u32,
) -> Result<HoldoutComparison> {
    if actual.len() != table.len() {
        return Err(Error::LengthMismatch {
            column: "holdout purchases".into(),
            expected: table.len(),
            actual: actual.len(),
        });
    }
    if !(holdout.amount > 0.0 && holdout.amount.is_finite()) {
        return Err(Error::invalid_argument(
            "holdout",
            holdout.amount,
            "holdout length must be positive",
        ));
    }
    let expected = model.expected_purchases_all(table, holdout).to_vec();
    let bins = max_bin as usize + 1;
    let (mut customers, mut sum_a, mut sum_e) = (vec![0.0; bins], vec![0.0; bins], vec![0.0; bins]);
    let (mut abs, mut sq, mut total_w, mut total_a, mut total_e) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..table.len() {
        let (a, e, w) = (actual[i], expected[i], table.weight(i));
        if !a.is_finite() || a < 0.0 {
            return Err(Error::invalid_value(
                i + 1,
                "holdout purchases",
                a,
                "must be a non-negative count",
            ));
        }
        if !e.is_finite() {
            return Err(Error::prediction(
                table.ids(),
                i,
                format!("the model's expected holdout purchases are {e}"),
            ));
        }
        let bin = (table.get(i).frequency as usize).min(max_bin as usize);
        customers[bin] += w;
        sum_a[bin] += w * a;
        sum_e[bin] += w * e;
        abs += w * (a - e).abs();
        sq += w * (a - e) * (a - e);
        total_w += w;
        total_a += w * a;
        total_e += w * e;
    }
    let mean = |s: &[f64]| -> Vec<f64> {
        s.iter()
            .zip(&customers)
            .map(|(v, &n)| if n > 0.0 { v / n } else { 0.0 })
            .collect()
    };
    let mut labels: Vec<String> = (0..max_bin).map(|n| n.to_string()).collect();
    labels.push(format!("{max_bin}+"));
    Ok(HoldoutComparison {
        labels,
        actual_mean: mean(&sum_a),
        expected_mean: mean(&sum_e),
        customers,
        expected,
        mae: abs / total_w,
        rmse: (sq / total_w).sqrt(),
        total_actual: total_a,
        total_expected: total_e,
    })
}

/// Expected cumulative repeat transactions of the customers of `table` at each of `times`,
/// measured from the end of the table's observation (calibration end) in `unit` (negative
/// times are before it): `sum_i E[X(tau + T_i)]` over customers whose first purchase, at
/// `-T_i`, comes before `tau`. This is the model's line of the tracking plot.
///
/// ```
/// use clv::models::BgNbd;
/// use clv::report::checks::expected_cumulative_repeat;
/// use clv::{CustomerTable, Rfm, TimeUnit};
/// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
/// let t = CustomerTable::from_customers(&[Rfm::new(0, 0.0, 10.0, TimeUnit::Weeks).unwrap()]).unwrap();
/// let e = expected_cumulative_repeat(&m, &t, &[-20.0, 42.0], TimeUnit::Weeks);
/// // Before the first purchase: nothing. 52 weeks after it: E[X(52)] = 1.444004 (REFERENCE.md).
/// assert_eq!(e[0], 0.0);
/// assert!((e[1] - 1.444004).abs() < 1e-5);
/// ```
pub fn expected_cumulative_repeat<M: PurchaseModel + ?Sized>(
    model: &M,
    table: &CustomerTable,
    times: &[f64],
    unit: crate::time::TimeUnit,
) -> Vec<f64> {
    let mut by_age: HashMap<u64, f64> = HashMap::new();
    let k = table.unit().in_units_of(unit);
    for i in 0..table.len() {
        *by_age.entry((table.age()[i] * k).to_bits()).or_insert(0.0) += table.weight(i);
    }
    let ages: Vec<(f64, f64)> = by_age
        .into_iter()
        .map(|(a, w)| (f64::from_bits(a), w))
        .collect();
    times
        .par_iter()
        .map(|&tau| {
            ages.iter()
                .filter(|(age, _)| tau + age > 0.0)
                .map(|&(age, w)| {
                    w * model.expected_purchases_new_customer(Duration::new(tau + age, unit))
                })
                .sum()
        })
        .collect()
}

/// A matrix of a model quantity over calibration frequency (rows `0..=max_frequency`) and
/// recency (columns: `cells` equal cells covering `[0, age]`, values at their centres), for a
/// customer of age `age`.
#[derive(Debug, Clone, PartialEq)]
pub struct RfmMatrix {
    /// Recency at the centre of each column, in the age's unit.
    pub recency: Vec<f64>,
    /// Frequency of each row.
    pub frequency: Vec<f64>,
    /// Values, `frequency x recency`. A customer without repeat purchases has recency 0
    /// whatever the column: row 0 repeats that value.
    pub values: Array2<f64>,
}

/// Evaluates `f` over the frequency x recency grid of customers of age `age` (see
/// [`RfmMatrix`]).
///
/// ```
/// use clv::models::{BgNbd, PurchaseModel};
/// use clv::report::checks::rfm_matrix;
/// use clv::Duration;
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426, clv::TimeUnit::Weeks).unwrap();
/// let grid = rfm_matrix(5, Duration::weeks(39.0), 10, |c| m.p_alive(c)).unwrap();
/// assert_eq!(grid.values.dim(), (6, 10));
/// // Recent buyers are more likely alive than customers silent for long.
/// assert!(grid.values[(5, 9)] > grid.values[(5, 0)]);
/// ```
pub fn rfm_matrix<F>(max_frequency: u32, age: Duration, cells: usize, f: F) -> Result<RfmMatrix>
where
    F: Fn(&Rfm) -> f64 + Sync,
{
    if cells == 0 || !(age.amount > 0.0 && age.amount.is_finite()) {
        return Err(Error::invalid_argument(
            "age",
            age.amount,
            "needs a positive age and at least one cell",
        ));
    }
    let width = age.amount / cells as f64;
    let recency: Vec<f64> = (0..cells).map(|j| (j as f64 + 0.5) * width).collect();
    let rows: Vec<Vec<f64>> = (0..=max_frequency)
        .into_par_iter()
        .map(|x| {
            recency
                .iter()
                .map(|&r| {
                    let r = if x == 0 { 0.0 } else { r };
                    Rfm::new(x, r, age.amount, age.unit).map_or(f64::NAN, |c| f(&c))
                })
                .collect()
        })
        .collect();
    let values = Array2::from_shape_fn((rows.len(), cells), |(i, j)| rows[i][j]);
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::numerical(
            "the frequency x recency grid",
            format!("a model quantity is {v}"),
        ));
    }
    Ok(RfmMatrix {
        recency,
        frequency: (0..=max_frequency).map(f64::from).collect(),
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::BgNbd;
    use crate::time::TimeUnit;
    use ndarray::array;

    fn model() -> BgNbd {
        BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap()
    }

    #[test]
    fn period_transactions_conserve_customers() {
        let t = CustomerTable::from_customers(&[
            Rfm::new(0, 0.0, 39.0, TimeUnit::Weeks).unwrap(),
            Rfm::new(3, 20.0, 30.0, TimeUnit::Weeks).unwrap(),
            Rfm::new(9, 20.0, 39.0, TimeUnit::Weeks).unwrap(),
        ])
        .unwrap();
        let p = period_transactions(&model(), &t, 7).unwrap();
        assert_eq!(p.actual, vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        let total: f64 = p.expected.iter().sum();
        assert!((total - 3.0).abs() < 1e-12);
        // Two customers of age 39 weeks: twice P(X(39) = 0) = 0.5737864 (REFERENCE.md) plus age 30.
        assert!(p.expected[0] > 2.0 * 0.5737864);
    }

    #[test]
    fn holdout_checks_lengths_and_values() {
        let t = CustomerTable::from_customers(&[Rfm::new(1, 2.0, 3.0, TimeUnit::Weeks).unwrap()])
            .unwrap();
        assert!(holdout_comparison(
            &model(),
            &t,
            array![1.0, 2.0].view(),
            Duration::weeks(1.0),
            3
        )
        .is_err());
        assert!(
            holdout_comparison(&model(), &t, array![-1.0].view(), Duration::weeks(1.0), 3).is_err()
        );
        let h =
            holdout_comparison(&model(), &t, array![0.0].view(), Duration::weeks(1.0), 3).unwrap();
        assert_eq!(h.customers, vec![0.0, 1.0, 0.0, 0.0]);
        assert!((h.mae - h.expected[0]).abs() < 1e-15);
        assert_eq!(h.aggregate_error(), f64::INFINITY);
    }

    #[test]
    fn cumulative_repeat_counts_each_customer_from_own_start() {
        // Ages 10 and 20 weeks: at tau = 0 the sum is E[X(10)] + E[X(20)].
        let m = model();
        let t = CustomerTable::from_customers(&[
            Rfm::new(0, 0.0, 10.0, TimeUnit::Weeks).unwrap(),
            Rfm::new(0, 0.0, 20.0, TimeUnit::Weeks).unwrap(),
        ])
        .unwrap();
        let e = expected_cumulative_repeat(&m, &t, &[-15.0, 0.0], TimeUnit::Weeks);
        let x = |w: f64| m.expected_purchases_new_customer(Duration::weeks(w));
        assert!((e[0] - x(5.0)).abs() < 1e-15);
        assert!((e[1] - (x(10.0) + x(20.0))).abs() < 1e-12);
        // The same in days.
        let d = expected_cumulative_repeat(&m, &t, &[0.0], TimeUnit::Days);
        assert!((d[0] - e[1]).abs() < 1e-12);
    }
}
