//! Revenue from existing against new customers, per calendar month or quarter.
//!
//! Per period of the order day: revenue of first orders (the customer's first day) against
//! repeat orders, and the revenue of customers *acquired before the period* (first order in
//! an earlier period) with its share of the period's revenue: the figure practitioners quote
//! ("two thirds of an online shop's revenue comes from existing customers"). Repeat orders of
//! customers acquired within the period count as repeat revenue but not as existing-customer
//! revenue. Orders are days, as in [`OrderLog`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::orders::OrderLog;
use super::{csv_opt, fmt_pct, CohortPeriod, TextTable};
use crate::error::Result;

/// The revenue of one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueRow {
    /// Period label (`1997-01` or `1997-Q1`), or `(all)`.
    pub period: String,
    /// Orders in the period.
    pub orders: usize,
    /// Customers with an order in the period.
    pub customers: usize,
    /// Of them, customers whose first order is in the period.
    pub new_customers: usize,
    /// Revenue of all orders.
    pub revenue: f64,
    /// Revenue of first orders.
    pub first_order_revenue: f64,
    /// Revenue of repeat orders.
    pub repeat_order_revenue: f64,
    /// Revenue of customers acquired before the period.
    pub existing_customer_revenue: f64,
    /// `existing_customer_revenue / revenue`; `None` when the revenue is 0.
    pub existing_share: Option<f64>,
}

/// Revenue split per period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueSplit {
    /// Calendar period of the rows.
    pub period: CohortPeriod,
    /// One row per period with an order, in time order.
    pub rows: Vec<RevenueRow>,
    /// All periods together (`customers` counts each customer once).
    pub overall: RevenueRow,
}

#[derive(Default)]
struct Acc {
    orders: usize,
    customers: usize,
    new_customers: usize,
    revenue: f64,
    first: f64,
    existing: f64,
}

impl Acc {
    fn row(&self, period: String) -> RevenueRow {
        RevenueRow {
            period,
            orders: self.orders,
            customers: self.customers,
            new_customers: self.new_customers,
            revenue: self.revenue,
            first_order_revenue: self.first,
            repeat_order_revenue: self.revenue - self.first,
            existing_customer_revenue: self.existing,
            existing_share: (self.revenue > 0.0).then(|| self.existing / self.revenue),
        }
    }
}

impl RevenueSplit {
    pub(crate) fn table(&self, for_terminal: bool) -> TextTable {
        let mut t = TextTable::new(&[
            "period",
            "orders",
            "customers",
            "new_customers",
            "revenue",
            "first_order_revenue",
            "repeat_order_revenue",
            "existing_customer_revenue",
            "existing_share",
        ]);
        for r in self.rows.iter().chain(std::iter::once(&self.overall)) {
            let money = |v: f64| {
                if for_terminal {
                    format!("{v:.2}")
                } else {
                    crate::io::format_number(v)
                }
            };
            t.rows.push(vec![
                r.period.clone(),
                r.orders.to_string(),
                r.customers.to_string(),
                r.new_customers.to_string(),
                money(r.revenue),
                money(r.first_order_revenue),
                money(r.repeat_order_revenue),
                money(r.existing_customer_revenue),
                if for_terminal {
                    fmt_pct(r.existing_share)
                } else {
                    csv_opt(r.existing_share)
                },
            ]);
        }
        t
    }

    /// The table aligned for a terminal, `(all)` last.
    pub fn to_table_string(&self) -> String {
        let mut s = self.table(true).render();
        s.push_str(
            "existing: customers acquired before the period; first/repeat: the customer's first \
             order day or a later one\n",
        );
        s
    }

    /// Writes the table as CSV, atomically (shares as fractions).
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }
}

/// Revenue of first and repeat orders, and of customers acquired before the period, for
/// every `period` with an order. The log must carry amounts.
///
/// ```
/// use chrono::NaiveDate;
/// use clv::analysis::{revenue_split, CohortPeriod, OrderLog};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = [("a", d(1, 5), Some(10.0)), ("a", d(2, 1), Some(30.0)), ("b", d(2, 9), Some(20.0))];
/// let split = revenue_split(&OrderLog::from_transactions(log, None).unwrap(), CohortPeriod::Month).unwrap();
/// let feb = &split.rows[1];
/// assert_eq!((feb.revenue, feb.first_order_revenue, feb.existing_customer_revenue), (50.0, 20.0, 30.0));
/// assert_eq!(feb.existing_share, Some(0.6));
/// ```
pub fn revenue_split(log: &OrderLog, period: CohortPeriod) -> Result<RevenueSplit> {
    log.require_amounts("the revenue split")?;
    let mut per: BTreeMap<String, Acc> = BTreeMap::new();
    let mut all = Acc::default();
    for (_, orders) in log.customers() {
        let acquired = period.label(orders[0].date);
        let mut last_label: Option<String> = None;
        for (k, o) in orders.iter().enumerate() {
            let label = period.label(o.date);
            let existing = label > acquired;
            let acc = per.entry(label.clone()).or_default();
            acc.orders += 1;
            acc.revenue += o.amount;
            all.orders += 1;
            all.revenue += o.amount;
            if k == 0 {
                acc.first += o.amount;
                all.first += o.amount;
            }
            if existing {
                acc.existing += o.amount;
                all.existing += o.amount;
            }
            if last_label.as_ref() != Some(&label) {
                acc.customers += 1;
                if !existing {
                    acc.new_customers += 1;
                }
                last_label = Some(label);
            }
        }
        all.customers += 1;
        all.new_customers += 1;
    }
    Ok(RevenueSplit {
        period,
        rows: per.into_iter().map(|(label, acc)| acc.row(label)).collect(),
        overall: all.row("(all)".into()),
    })
}
