//! Historical (naive) value: what the observed data says without a model, to set next to the
//! predictive lifetime value.

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::time::{Duration, TimeUnit};
use crate::value::config::ClvConfig;

/// The business rule of thumb "average order value x purchase frequency x average lifespan",
/// computed from the observed repeat purchases of a customer table.
///
/// With `x`, `t_x`, `T`, `m` each customer's repeat purchases, recency, age and mean repeat
/// spend, and `w` the row weights:
/// * `average_order_value = sum(w x m) / sum(w x)`: mean value of a repeat order;
/// * `purchase_rate = sum(w x) / sum(w T)`: repeat orders per customer per unit of time;
/// * `average_lifespan`: by default the mean observed active span `sum(w t_x) / sum(w)`
///   (first to last purchase; 0 for one-time buyers, so it understates the true lifespan of
///   customers still active), or a lifespan you supply;
/// * `value_per_customer = average_order_value * purchase_rate * average_lifespan`.
///
/// First purchases are left out throughout: the RFM summary carries only the mean of the repeat
/// purchases, which is also all the predictive value counts. No churn, no discounting, no margin.
///
/// ```
/// use clv::{CustomerTable, Duration, TimeUnit};
/// use clv::value::HistoricalValue;
/// use ndarray::array;
/// let t = CustomerTable::new(vec!["a".into(), "b".into()], array![2.0, 0.0], array![6.0, 0.0],
///     array![10.0, 10.0], TimeUnit::Weeks).unwrap().with_monetary_value(array![15.0, 0.0]).unwrap();
/// let h = HistoricalValue::from_table(&t).unwrap();
/// assert_eq!(h.average_order_value, 15.0);
/// assert_eq!(h.purchase_rate, 0.1); // 2 orders over 20 customer-weeks
/// assert_eq!(h.average_lifespan, Duration::weeks(3.0));
/// assert!((h.value_per_customer - 4.5).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoricalValue {
    /// Mean value of a repeat order.
    pub average_order_value: f64,
    /// Repeat orders per customer per `unit`.
    pub purchase_rate: f64,
    /// Unit of `purchase_rate` (the table's).
    pub unit: TimeUnit,
    /// Lifespan the value is computed over.
    pub average_lifespan: Duration,
    /// `average_order_value * purchase_rate * average_lifespan`.
    pub value_per_customer: f64,
    /// Number of customers (sum of weights).
    pub n_customers: f64,
}

impl HistoricalValue {
    /// The rule of thumb with the observed mean active span as lifespan.
    pub fn from_table(table: &CustomerTable) -> Result<Self> {
        let (sw, swt) = (0..table.len()).fold((0.0, 0.0), |(a, b), i| {
            let w = table.weight(i);
            (a + w, b + w * table.recency()[i])
        });
        Self::with_lifespan(table, Duration::new(swt / sw, table.unit()))
    }

    /// The rule of thumb with a lifespan you supply (for example the horizon of the predictive
    /// value, to compare like with like). Errors when the lifespan is negative or not finite,
    /// the table has no monetary values, or nobody made a repeat purchase.
    pub fn with_lifespan(table: &CustomerTable, lifespan: Duration) -> Result<Self> {
        if !(lifespan.amount >= 0.0 && lifespan.amount.is_finite()) {
            return Err(Error::invalid_argument(
                "lifespan",
                lifespan.amount,
                "must be a finite, non-negative duration",
            ));
        }
        let m = table.monetary_value().ok_or_else(|| Error::MissingColumn {
            column: "monetary_value".into(),
            available: "customer_id,frequency,recency,T (the historical value needs mean spends)"
                .into(),
        })?;
        let (x, age) = (table.frequency(), table.age());
        let (mut sw, mut swx, mut swxm, mut swt) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..table.len() {
            let w = table.weight(i);
            sw += w;
            swx += w * x[i];
            swxm += w * x[i] * m[i];
            swt += w * age[i];
        }
        if swx == 0.0 {
            return Err(Error::undefined(
                "the average order value",
                "no repeat purchases in the table",
            ));
        }
        let average_order_value = swxm / swx;
        let purchase_rate = swx / swt;
        let unit = table.unit();
        Ok(HistoricalValue {
            average_order_value,
            purchase_rate,
            unit,
            average_lifespan: lifespan,
            value_per_customer: average_order_value * purchase_rate * lifespan.in_unit(unit),
            n_customers: sw,
        })
    }
}

/// Each customer's naive "run-rate" value over the configured horizon: the customer keeps
/// buying at the observed repeat rate `x / T` for the whole horizon, at the observed mean spend
/// `m`, with the configuration's margin and discounting:
/// `margin * m * (x / T) * sum_i (t_i - t_{i-1}) * discount(t_i)`.
/// One-time buyers get 0. Compare with [`lifetime_value`](crate::value::lifetime_value), which
/// lets customers churn and shrinks their spend towards the population mean.
///
/// ```
/// use clv::{CustomerTable, Duration, TimeUnit};
/// use clv::value::{naive_value, ClvConfig, Discount};
/// use ndarray::array;
/// let t = CustomerTable::new(vec!["a".into()], array![4.0], array![6.0], array![8.0], TimeUnit::Weeks)
///     .unwrap().with_monetary_value(array![10.0]).unwrap();
/// let config = ClvConfig::new(Duration::days(28.0), Duration::weeks(1.0), Discount::None, 1.0).unwrap();
/// assert_eq!(naive_value(&t, &config).unwrap()[0], 10.0 * 0.5 * 4.0);
/// ```
pub fn naive_value(table: &CustomerTable, config: &ClvConfig) -> Result<Array1<f64>> {
    config.validate()?;
    let m = table.monetary_value().ok_or_else(|| Error::MissingColumn {
        column: "monetary_value".into(),
        available: "customer_id,frequency,recency,T (the historical value needs mean spends)"
            .into(),
    })?;
    let unit = table.unit();
    let mut previous = 0.0;
    let mut discounted_time = 0.0;
    for t in config.step_ends() {
        let end = t.in_unit(unit);
        discounted_time += (end - previous) * config.discount_factor(t);
        previous = end;
    }
    let (x, age) = (table.frequency(), table.age());
    Ok(Array1::from_shape_fn(table.len(), |i| {
        config.margin * m[i] * x[i] / age[i] * discounted_time
    }))
}
