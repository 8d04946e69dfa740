//! Average order value by tenure: does the basket grow with seniority?
//!
//! Per acquisition cohort (month or quarter of the first order) and for all customers: the
//! mean value of first orders against repeat orders, and the mean order value by *tenure
//! month*, `floor(days since the first order / 30.4375)` (month 0 holds the first order and
//! the repeats of the first 30 days). Orders are days, as in [`OrderLog`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::orders::OrderLog;
use super::{csv_opt, fmt_opt, CohortPeriod, TextTable};
use crate::error::Result;
use crate::time::TimeUnit;

/// First against repeat orders of one cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AovRow {
    /// Cohort label, or `(all)`.
    pub cohort: String,
    /// Customers (each has one first order).
    pub customers: usize,
    /// Mean value of the first orders.
    pub first_aov: f64,
    /// Repeat orders.
    pub repeat_orders: usize,
    /// Mean value of the repeat orders; `None` without any.
    pub repeat_aov: Option<f64>,
    /// `repeat_aov / first_aov`; `None` when either is undefined or the first is 0.
    pub repeat_to_first: Option<f64>,
}

/// Orders of one cohort in one tenure month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenureCell {
    /// Cohort label, or `(all)`.
    pub cohort: String,
    /// Whole months (30.4375 days) since the customer's first order.
    pub tenure_month: u32,
    /// Orders.
    pub orders: usize,
    /// Their revenue.
    pub revenue: f64,
    /// `revenue / orders`.
    pub aov: f64,
}

/// Average order value by tenure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AovByTenure {
    /// Calendar period of the cohorts.
    pub period: CohortPeriod,
    /// First against repeat orders per cohort, in label order, then `(all)`.
    pub first_vs_repeat: Vec<AovRow>,
    /// Per cohort (label order, then `(all)`), one cell per tenure month with an order.
    pub by_tenure: Vec<TenureCell>,
}

#[derive(Default, Clone, Copy)]
struct Sum {
    n: usize,
    total: f64,
}

impl Sum {
    fn add(&mut self, v: f64) {
        self.n += 1;
        self.total += v;
    }
    fn mean(self) -> Option<f64> {
        (self.n > 0).then(|| self.total / self.n as f64)
    }
}

impl AovByTenure {
    pub(crate) fn first_table(&self, for_terminal: bool) -> TextTable {
        let mut t = TextTable::new(&[
            "cohort",
            "customers",
            "first_aov",
            "repeat_orders",
            "repeat_aov",
            "repeat_to_first",
        ]);
        for r in &self.first_vs_repeat {
            t.rows.push(if for_terminal {
                vec![
                    r.cohort.clone(),
                    r.customers.to_string(),
                    format!("{:.2}", r.first_aov),
                    r.repeat_orders.to_string(),
                    fmt_opt(r.repeat_aov, 2),
                    fmt_opt(r.repeat_to_first, 3),
                ]
            } else {
                vec![
                    r.cohort.clone(),
                    r.customers.to_string(),
                    crate::io::format_number(r.first_aov),
                    r.repeat_orders.to_string(),
                    csv_opt(r.repeat_aov),
                    csv_opt(r.repeat_to_first),
                ]
            });
        }
        t
    }

    pub(crate) fn tenure_table(&self, for_terminal: bool, cohort: Option<&str>) -> TextTable {
        let mut t = TextTable::new(&["cohort", "tenure_month", "orders", "revenue", "aov"]);
        for c in self
            .by_tenure
            .iter()
            .filter(|c| cohort.is_none_or(|k| c.cohort == k))
        {
            let f = |v: f64| {
                if for_terminal {
                    format!("{v:.2}")
                } else {
                    crate::io::format_number(v)
                }
            };
            t.rows.push(vec![
                c.cohort.clone(),
                c.tenure_month.to_string(),
                c.orders.to_string(),
                f(c.revenue),
                f(c.aov),
            ]);
        }
        t
    }

    /// The first-against-repeat table, then the tenure months of all customers together
    /// (the per-cohort months are in the CSV of [`write_tenure_csv`](Self::write_tenure_csv)).
    pub fn to_table_string(&self) -> String {
        let mut s = self.first_table(true).render();
        s.push_str(
            "first_aov: mean first-order value; repeat_to_first: repeat AOV / first AOV\n\n",
        );
        s.push_str(&self.tenure_table(true, Some("(all)")).render());
        s.push_str("tenure_month: whole months (30.4375 days) since the first order\n");
        s
    }

    /// Writes the first-against-repeat table as CSV, atomically.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.first_table(false).write_csv(path.as_ref())
    }

    /// Writes every cohort's tenure months as CSV (`cohort,tenure_month,orders,revenue,aov`),
    /// atomically.
    pub fn write_tenure_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.tenure_table(false, None).write_csv(path.as_ref())
    }
}

/// First against repeat order value and order value by tenure month, per cohort of `period`
/// and for all customers. The log must carry amounts.
///
/// ```
/// use chrono::NaiveDate;
/// use clv::analysis::{aov_by_tenure, CohortPeriod, OrderLog};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = [("a", d(1, 5), Some(10.0)), ("a", d(3, 1), Some(30.0)), ("b", d(1, 9), Some(20.0))];
/// let aov = aov_by_tenure(&OrderLog::from_transactions(log, None).unwrap(), CohortPeriod::Month).unwrap();
/// let all = aov.first_vs_repeat.last().unwrap();
/// assert_eq!((all.first_aov, all.repeat_aov), (15.0, Some(30.0)));
/// // a's repeat came 56 days after the first order: tenure month 1.
/// assert_eq!(aov.by_tenure[1].tenure_month, 1);
/// ```
pub fn aov_by_tenure(log: &OrderLog, period: CohortPeriod) -> Result<AovByTenure> {
    log.require_amounts("the order value by tenure")?;
    // cohort -> (first, repeat, tenure month -> sum)
    type Cohort = (Sum, Sum, BTreeMap<u32, Sum>);
    let mut cohorts: BTreeMap<String, Cohort> = BTreeMap::new();
    let mut all: Cohort = Default::default();
    let month_days = TimeUnit::Months.days();
    for (_, orders) in log.customers() {
        let first = orders[0].date;
        let c = cohorts.entry(period.label(first)).or_default();
        for (k, o) in orders.iter().enumerate() {
            let month = ((o.date - first).num_days() as f64 / month_days).floor() as u32;
            for acc in [&mut *c, &mut all] {
                if k == 0 {
                    acc.0.add(o.amount);
                } else {
                    acc.1.add(o.amount);
                }
                acc.2.entry(month).or_default().add(o.amount);
            }
        }
    }
    let mut first_vs_repeat = Vec::new();
    let mut by_tenure = Vec::new();
    for (label, (first, repeat, months)) in cohorts
        .into_iter()
        .chain(std::iter::once(("(all)".to_string(), all)))
    {
        let first_aov = first.mean().unwrap_or(0.0);
        let repeat_aov = repeat.mean();
        first_vs_repeat.push(AovRow {
            cohort: label.clone(),
            customers: first.n,
            first_aov,
            repeat_orders: repeat.n,
            repeat_aov,
            repeat_to_first: repeat_aov
                .filter(|_| first_aov > 0.0)
                .map(|r| r / first_aov),
        });
        for (month, s) in months {
            by_tenure.push(TenureCell {
                cohort: label.clone(),
                tenure_month: month,
                orders: s.n,
                revenue: s.total,
                aov: s.total / s.n as f64,
            });
        }
    }
    Ok(AovByTenure {
        period,
        first_vs_repeat,
        by_tenure,
    })
}
