//! From scores to decisions: value x risk segments, RFM scores, cohorts, CLV against
//! acquisition cost, and historical against predictive value per group.
//!
//! Every analysis works on plain columns of the customer value table (ids, CLV, P(alive), ...)
//! gathered in a [`ScoreView`], so it does not depend on where the scores came from. Each
//! result renders as an aligned text table (`to_table_string`) and writes itself as CSV
//! (`write_csv`, atomically).
//!
//! * [`segments`]: four value x risk segments with per-segment count, share of value, means;
//! * [`rfm_scores`](mod@rfm_scores): the classic 1-5 recency, frequency, monetary quintile scores;
//! * [`cohorts`]: groups by month or quarter of first purchase, or by an attribute column, with
//!   30/60/90-day repeat rates and historical against predictive value;
//! * [`cac`]: CLV to acquisition-cost ratio per group, its reading, and the affordable CAC;
//!
//! and the indicators a business steers by:
//! * [`orders`]: every customer's orders (day and amount) read from the transaction log;
//! * [`churn`]: observed churn (no order in the last 30/60/90 days) beside model churn
//!   (1 - P(alive)), per acquisition cohort or value segment;
//! * [`revenue`]: revenue of first against repeat orders and from customers acquired before
//!   the period, per month or quarter;
//! * [`basket`]: average order value, first against repeat orders and by months of tenure;
//! * [`tiers`]: loyalty tiers by predicted CLV (Platinum / Gold / Silver / Standard);
//! * [`health`]: a 0-100 health score per customer and its distribution per group;
//! * [`privacy`]: keyed-hash pseudonyms for customer ids.
//!
//! Cohort lift (a group's mean CLV against the base's) is a column of the cohort and CAC
//! tables.
//!
//! ```
//! use clv::analysis::{segment_customers, ScoreView, SegmentOptions};
//! use ndarray::array;
//! let ids: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
//! let clv = array![100.0, 80.0, 5.0, 3.0, 1.0];
//! let p_alive = array![0.9, 0.2, 0.8, 0.1, 0.6];
//! let scores = ScoreView::new(&ids, clv.view(), p_alive.view()).unwrap();
//! let options = SegmentOptions::default().clv_quantile(0.6).unwrap();
//! let segmentation = segment_customers(&scores, &options).unwrap();
//! println!("{}", segmentation.summary.to_table_string());
//! ```

pub mod basket;
pub mod cac;
pub mod churn;
pub mod cohorts;
pub mod health;
pub mod orders;
pub mod privacy;
pub mod revenue;
pub mod rfm_scores;
pub mod segments;
pub mod tiers;

pub use basket::{aov_by_tenure, AovByTenure, AovRow, TenureCell};
pub use churn::{churn_table, segment_groups, ChurnOptions, ChurnRow, ChurnTable};
pub use health::{
    health_by_group, health_scores, read_extra_columns, ExtraColumn, HealthDistribution, HealthRow,
    HealthScores, HealthWeights,
};
pub use orders::{Order, OrderLog};
pub use privacy::Pseudonymizer;
pub use revenue::{revenue_split, RevenueRow, RevenueSplit};
pub use tiers::{loyalty_tiers, TierBy, TierOptions, TierRow, Tiers};

pub use cac::{cac_report, AcquisitionCosts, CacOptions, CacReading, CacRow, CacTable};
pub use cohorts::{
    attribute_groups, calendar_cohorts, cohort_table, read_attribute_csv, value_comparison,
    CohortOptions, CohortPeriod, CohortRow, CohortTable, GroupLabels, PurchaseDates,
    PurchaseHistory, RepeatRate, ValueComparison, ValueComparisonRow,
};
pub use rfm_scores::{rfm_scores, RfmScores};

pub use segments::{
    quantile, segment_customers, Segment, SegmentOptions, SegmentRow, SegmentSummary, Segmentation,
    ValueThreshold,
};

use std::path::Path;

use ndarray::{Array1, ArrayView1};

use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::value::{naive_value, ClvConfig, ValueTable};

/// The per-customer columns every analysis needs: ids, predicted lifetime value and
/// probability of being alive, all of the same length and validated.
///
/// Build it from the columns of a value table (`ValueTable::ids`, `clv`, `p_alive`) or from any
/// other source of scores.
#[derive(Debug, Clone, Copy)]
pub struct ScoreView<'a> {
    ids: &'a [String],
    clv: ArrayView1<'a, f64>,
    p_alive: ArrayView1<'a, f64>,
}

impl<'a> ScoreView<'a> {
    /// Checks that the columns have the same length, that there is at least one customer, that
    /// every CLV is finite and non-negative and every P(alive) lies in \[0, 1\]. Errors name the
    /// 1-based row, the column and the value.
    ///
    /// ```
    /// use clv::analysis::ScoreView;
    /// use ndarray::array;
    /// let ids = vec!["a".to_string()];
    /// let (clv, p) = (array![10.0], array![1.5]);
    /// let err = ScoreView::new(&ids, clv.view(), p.view()).unwrap_err();
    /// assert!(err.to_string().starts_with("row 1, column `p_alive`"));
    /// ```
    pub fn new(
        ids: &'a [String],
        clv: ArrayView1<'a, f64>,
        p_alive: ArrayView1<'a, f64>,
    ) -> Result<Self> {
        if ids.is_empty() {
            return Err(Error::Empty {
                what: "customer scores".into(),
            });
        }
        check_len("clv", ids.len(), clv.len())?;
        check_len("p_alive", ids.len(), p_alive.len())?;
        check_non_negative("clv", clv)?;
        for (i, &p) in p_alive.iter().enumerate() {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::invalid_value(
                    i + 1,
                    "p_alive",
                    p,
                    "a probability must be in [0, 1]",
                ));
            }
        }
        Ok(ScoreView { ids, clv, p_alive })
    }

    /// The ids, CLVs and P(alive) of a value table.
    ///
    /// ```
    /// use clv::analysis::ScoreView;
    /// use clv::value::ValueTable;
    /// let csv = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
    ///            7,2,30.43,38.86,22.35,0.9,0.1,1.5,24.66,35.1\n";
    /// let table = ValueTable::from_csv_reader(csv.as_bytes(), clv::TimeUnit::Weeks).unwrap();
    /// let scores = ScoreView::from_value_table(&table).unwrap();
    /// assert_eq!(scores.clv()[0], 35.1);
    /// ```
    pub fn from_value_table(table: &'a ValueTable) -> Result<Self> {
        ScoreView::new(&table.ids, table.clv.view(), table.p_alive.view())
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Always false: a score view holds at least one customer.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Customer ids, in row order.
    pub fn ids(&self) -> &'a [String] {
        self.ids
    }

    /// Predicted lifetime values.
    pub fn clv(&self) -> ArrayView1<'a, f64> {
        self.clv
    }

    /// Probabilities of being alive.
    pub fn p_alive(&self) -> ArrayView1<'a, f64> {
        self.p_alive
    }
}

/// RFM quintile scores ([`rfm_scores()`]) of the customers of a value table.
pub fn rfm_scores_of(table: &ValueTable) -> Result<RfmScores> {
    rfm_scores(
        &table.ids,
        table.frequency.view(),
        table.recency.view(),
        table.age.view(),
        table.monetary_value.view(),
    )
}

/// Each customer's historical run-rate value ([`naive_value`]) computed from the history
/// columns of a value table (frequency, recency, T, monetary value), over the horizon, margin
/// and discounting of `config`: the figure to set next to the table's predictive CLV in a
/// [`value_comparison`].
///
/// ```
/// use clv::analysis::naive_value_of;
/// use clv::value::{ClvConfig, Discount, ValueTable};
/// use clv::Duration;
/// let csv = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
///            7,4,6,8,10,0.9,0.1,1.5,24.66,35.1\n";
/// let table = ValueTable::from_csv_reader(csv.as_bytes(), clv::TimeUnit::Weeks).unwrap();
/// let config = ClvConfig::new(Duration::weeks(4.0), Duration::weeks(1.0), Discount::None, 1.0).unwrap();
/// // 10 per purchase, 4 purchases in 8 weeks, for 4 weeks.
/// assert_eq!(naive_value_of(&table, &config).unwrap()[0], 20.0);
/// ```
pub fn naive_value_of(table: &ValueTable, config: &ClvConfig) -> Result<Array1<f64>> {
    let customers = CustomerTable::new(
        table.ids.clone(),
        table.frequency.clone(),
        table.recency.clone(),
        table.age.clone(),
        table.unit,
    )?
    .with_monetary_value(table.monetary_value.clone())?;
    naive_value(&customers, config)
}

pub(crate) fn check_len(column: &str, expected: usize, actual: usize) -> Result<()> {
    if expected != actual {
        return Err(Error::LengthMismatch {
            column: column.into(),
            expected,
            actual,
        });
    }
    Ok(())
}

pub(crate) fn check_non_negative(column: &str, values: ArrayView1<'_, f64>) -> Result<()> {
    for (i, &v) in values.iter().enumerate() {
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::invalid_value(
                i + 1,
                column,
                v,
                "must be a finite, non-negative number",
            ));
        }
    }
    Ok(())
}

/// A small table of strings: rendered with aligned columns for the terminal, or as CSV.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns holding text, left-aligned on the terminal (the others hold numbers).
    pub text_columns: Vec<usize>,
}

impl TextTable {
    pub fn new(headers: &[&str]) -> Self {
        TextTable {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            text_columns: vec![0],
        }
    }

    /// Columns separated by two spaces; text columns (by default the first) left-aligned, the
    /// others right-aligned, a dashed line under the header.
    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut width: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (k, cell) in row.iter().enumerate().take(n) {
                width[k] = width[k].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (k, cell) in cells.iter().enumerate().take(n) {
                if k > 0 {
                    s.push_str("  ");
                }
                let pad = width[k] - cell.chars().count();
                if self.text_columns.contains(&k) {
                    s.push_str(cell);
                    s.extend(std::iter::repeat_n(' ', pad));
                } else {
                    s.extend(std::iter::repeat_n(' ', pad));
                    s.push_str(cell);
                }
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
            s
        };
        let mut out = line(&self.headers);
        let total: usize = width.iter().sum::<usize>() + 2 * n.saturating_sub(1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    /// Writes header and rows as CSV, atomically.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        crate::io::write_atomically(path, |w| {
            let mut wtr = csv::Writer::from_writer(w);
            wtr.write_record(&self.headers)?;
            for row in &self.rows {
                wtr.write_record(row)?;
            }
            wtr.flush().map_err(|e| Error::io(path, e))
        })
    }
}

/// Formats an optional number for a terminal table: `-` when absent.
pub(crate) fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) => format!("{x:.decimals$}"),
        None => "-".into(),
    }
}

/// Formats an optional share as a percentage with one decimal: `-` when absent.
pub(crate) fn fmt_pct(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{:.1}%", 100.0 * x),
        None => "-".into(),
    }
}

/// Formats an optional number for CSV: [`crate::io::format_number`], empty when absent.
pub(crate) fn csv_opt(v: Option<f64>) -> String {
    v.map(crate::io::format_number).unwrap_or_default()
}

/// Mean of `values` at `rows`; `None` for no rows.
pub(crate) fn mean_at(values: ArrayView1<'_, f64>, rows: &[usize]) -> Option<f64> {
    if rows.is_empty() {
        None
    } else {
        Some(rows.iter().map(|&i| values[i]).sum::<f64>() / rows.len() as f64)
    }
}
