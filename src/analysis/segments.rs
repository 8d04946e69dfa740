//! Value x risk segments: where each customer stands by predicted value and churn risk.
//!
//! A customer is *high value* when its CLV is strictly above the value threshold (by default
//! the 0.8 quantile of all CLVs, so roughly the top fifth), and *likely active* when its
//! P(alive) is at least the activity level (by default 0.5, so churn risk `1 - P(alive)` at
//! most one half). The four combinations:
//!
//! | | likely active | at risk / likely gone |
//! |---|---|---|
//! | **high value** | champions | at risk: act now |
//! | **low value** | potential | dormant |
//!
//! Each segment carries its recommended action ([`Segment::action`]), so that the table is a
//! decision matrix: protect and involve the champions, spend on winning back the high-value
//! customers at risk before they go, develop the potential ones, automate the dormant ones.

use std::path::Path;

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use super::{csv_opt, fmt_opt, fmt_pct, mean_at, ScoreView, TextTable};
use crate::error::{Error, Result};

/// One of the four value x risk segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// High value and likely active: protect them.
    Champions,
    /// High value but likely churning: win them back now.
    AtRisk,
    /// Low value, likely active: room to grow.
    Potential,
    /// Low value and likely gone: spend little.
    Dormant,
}

impl Segment {
    /// The four segments in reporting order.
    pub const ALL: [Segment; 4] = [
        Segment::Champions,
        Segment::AtRisk,
        Segment::Potential,
        Segment::Dormant,
    ];

    /// Short machine-readable name, as written in CSV files (`champions`, `at_risk`,
    /// `potential`, `dormant`).
    pub fn name(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::AtRisk => "at_risk",
            Segment::Potential => "potential",
            Segment::Dormant => "dormant",
        }
    }

    /// Human label for reports.
    ///
    /// ```
    /// assert_eq!(clv::analysis::Segment::AtRisk.label(), "at risk: act now");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::AtRisk => "at risk: act now",
            Segment::Potential => "potential",
            Segment::Dormant => "dormant",
        }
    }

    /// The recommended action for the segment: `protect and involve` (champions), `win back
    /// before they go` (at risk), `develop` (potential), `automate` (dormant).
    ///
    /// ```
    /// assert_eq!(clv::analysis::Segment::Dormant.action(), "automate");
    /// ```
    pub fn action(self) -> &'static str {
        match self {
            Segment::Champions => "protect and involve",
            Segment::AtRisk => "win back before they go",
            Segment::Potential => "develop",
            Segment::Dormant => "automate",
        }
    }

    /// The segment of a customer from its two flags.
    pub fn from_flags(high_value: bool, likely_active: bool) -> Self {
        match (high_value, likely_active) {
            (true, true) => Segment::Champions,
            (true, false) => Segment::AtRisk,
            (false, true) => Segment::Potential,
            (false, false) => Segment::Dormant,
        }
    }
}

/// How the high-value threshold on CLV is set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ValueThreshold {
    /// The `q` quantile of all customers' CLVs (see [`quantile`] for the definition).
    Quantile(f64),
    /// A fixed amount of CLV, in the currency of the scores.
    Amount(f64),
}

/// Thresholds of the value x risk segmentation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SegmentOptions {
    /// High value means CLV strictly above this threshold. Default: the 0.8 quantile.
    pub value_threshold: ValueThreshold,
    /// Likely active means P(alive) at or above this level. Default 0.5.
    pub active_level: f64,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            value_threshold: ValueThreshold::Quantile(0.8),
            active_level: 0.5,
        }
    }
}

impl SegmentOptions {
    /// High value = CLV above the `q` quantile; `q` must lie in \[0, 1\].
    ///
    /// ```
    /// use clv::analysis::SegmentOptions;
    /// assert!(SegmentOptions::default().clv_quantile(0.9).is_ok());
    /// assert!(SegmentOptions::default().clv_quantile(1.5).is_err());
    /// ```
    pub fn clv_quantile(mut self, q: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::invalid_argument(
                "clv_quantile",
                q,
                "a quantile must be in [0, 1]",
            ));
        }
        self.value_threshold = ValueThreshold::Quantile(q);
        Ok(self)
    }

    /// High value = CLV above a fixed `amount` (finite, non-negative).
    pub fn clv_amount(mut self, amount: f64) -> Result<Self> {
        if !(amount.is_finite() && amount >= 0.0) {
            return Err(Error::invalid_argument(
                "clv_amount",
                amount,
                "must be a finite, non-negative amount",
            ));
        }
        self.value_threshold = ValueThreshold::Amount(amount);
        Ok(self)
    }

    /// Likely active = P(alive) at or above `level`, in \[0, 1\].
    pub fn active_level(mut self, level: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&level) {
            return Err(Error::invalid_argument(
                "active_level",
                level,
                "a probability level must be in [0, 1]",
            ));
        }
        self.active_level = level;
        Ok(self)
    }

    fn validate(&self) -> Result<()> {
        match self.value_threshold {
            ValueThreshold::Quantile(q) => {
                SegmentOptions::default().clv_quantile(q)?;
            }
            ValueThreshold::Amount(a) => {
                SegmentOptions::default().clv_amount(a)?;
            }
        }
        SegmentOptions::default().active_level(self.active_level)?;
        Ok(())
    }
}

/// The `q` quantile of `values` by linear interpolation between order statistics (R's type 7,
/// NumPy's default `linear`): with the values sorted as `x[0] <= ... <= x[n-1]` and
/// `h = (n - 1) q`, the quantile is `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`.
///
/// Errors when `values` is empty or holds a NaN, or `q` is outside \[0, 1\].
///
/// ```
/// use ndarray::array;
/// let x = array![5.0, 1.0, 3.0, 2.0, 4.0];
/// assert_eq!(clv::analysis::quantile(x.view(), 0.8).unwrap(), 4.2); // h = 3.2
/// assert_eq!(clv::analysis::quantile(x.view(), 0.5).unwrap(), 3.0);
/// ```
pub fn quantile(values: ArrayView1<'_, f64>, q: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&q) {
        return Err(Error::invalid_argument(
            "q",
            q,
            "a quantile must be in [0, 1]",
        ));
    }
    if values.is_empty() {
        return Err(Error::Empty {
            what: "values for a quantile".into(),
        });
    }
    if let Some(i) = values.iter().position(|v| v.is_nan()) {
        return Err(Error::invalid_value(i + 1, "value", "NaN", "not a number"));
    }
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(quantile_of_sorted(&sorted, q))
}

/// [`quantile`] of values already sorted ascending, without the checks (0 when empty).
pub(crate) fn quantile_of_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    if frac == 0.0 {
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}

/// Per-segment figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    /// The segment.
    pub segment: Segment,
    /// Number of customers in it.
    pub customers: usize,
    /// Sum of their CLVs.
    pub total_clv: f64,
    /// Their share of the total predicted value; `None` when the total is 0.
    pub share_of_value: Option<f64>,
    /// Mean CLV; `None` for an empty segment.
    pub mean_clv: Option<f64>,
    /// Mean P(alive); `None` for an empty segment.
    pub mean_p_alive: Option<f64>,
}

/// The segment table: one row per segment (all four, empty ones included) and the thresholds
/// that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentSummary {
    /// Rows in the order of [`Segment::ALL`].
    pub rows: Vec<SegmentRow>,
    /// The CLV above which a customer is high value (resolved from a quantile if need be).
    pub clv_threshold: f64,
    /// The P(alive) at or above which a customer is likely active.
    pub active_level: f64,
    /// All customers.
    pub customers: usize,
    /// Total predicted value of all customers.
    pub total_clv: f64,
}

impl SegmentSummary {
    /// The row of `segment`.
    pub fn row(&self, segment: Segment) -> &SegmentRow {
        self.rows
            .iter()
            .find(|r| r.segment == segment)
            .expect("every segment has a row")
    }

    fn table(&self, for_terminal: bool) -> TextTable {
        let mut t = TextTable::new(&[
            "segment",
            "customers",
            "share_of_value",
            "mean_clv",
            "mean_p_alive",
            "total_clv",
            "action",
        ]);
        t.text_columns.push(6);
        for r in &self.rows {
            t.rows.push(if for_terminal {
                vec![
                    r.segment.label().to_string(),
                    r.customers.to_string(),
                    fmt_pct(r.share_of_value),
                    fmt_opt(r.mean_clv, 2),
                    fmt_opt(r.mean_p_alive, 3),
                    format!("{:.2}", r.total_clv),
                    r.segment.action().to_string(),
                ]
            } else {
                vec![
                    r.segment.name().to_string(),
                    r.customers.to_string(),
                    csv_opt(r.share_of_value),
                    csv_opt(r.mean_clv),
                    csv_opt(r.mean_p_alive),
                    crate::io::format_number(r.total_clv),
                    r.segment.action().to_string(),
                ]
            });
        }
        t
    }

    /// The table aligned for a terminal, followed by a line stating the thresholds.
    ///
    /// ```
    /// use clv::analysis::{segment_customers, ScoreView, SegmentOptions};
    /// use ndarray::array;
    /// let ids = vec!["a".to_string(), "b".to_string()];
    /// let (clv, p) = (array![10.0, 0.0], array![0.9, 0.1]);
    /// let s = segment_customers(&ScoreView::new(&ids, clv.view(), p.view()).unwrap(),
    ///                           &SegmentOptions::default()).unwrap();
    /// let text = s.summary.to_table_string();
    /// assert!(text.lines().nth(2).unwrap().starts_with("champions"));
    /// ```
    pub fn to_table_string(&self) -> String {
        let mut s = self.table(true).render();
        s.push_str(&format!(
            "high value: CLV > {:.2}; likely active: P(alive) >= {}; {} customers, total CLV {:.2}\n",
            self.clv_threshold, self.active_level, self.customers, self.total_clv
        ));
        s
    }

    /// Writes the table as CSV (columns `segment,customers,share_of_value,mean_clv,
    /// mean_p_alive,total_clv,action`; shares as fractions, empty cells for undefined means),
    /// atomically.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }
}

/// Every customer's segment and the summary table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segmentation {
    /// Customer ids, in input order.
    pub ids: Vec<String>,
    /// Each customer's segment, in input order.
    pub segments: Vec<Segment>,
    /// The per-segment table.
    pub summary: SegmentSummary,
}

impl Segmentation {
    /// Row indices of the customers of `segment`, in input order.
    pub fn members(&self, segment: Segment) -> Vec<usize> {
        (0..self.segments.len())
            .filter(|&i| self.segments[i] == segment)
            .collect()
    }

    /// Writes one row per customer, `customer_id,segment`, atomically.
    pub fn write_customers_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut t = TextTable::new(&["customer_id", "segment"]);
        for (id, s) in self.ids.iter().zip(&self.segments) {
            t.rows.push(vec![id.clone(), s.name().to_string()]);
        }
        t.write_csv(path.as_ref())
    }
}

/// Places every customer in one of the four [`Segment`]s and summarises each segment.
///
/// ```
/// use clv::analysis::{segment_customers, ScoreView, Segment, SegmentOptions};
/// use ndarray::array;
/// let ids: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
/// let clv = array![100.0, 60.0, 10.0, 0.0];
/// let p_alive = array![0.9, 0.3, 0.7, 0.2];
/// let scores = ScoreView::new(&ids, clv.view(), p_alive.view()).unwrap();
/// let options = SegmentOptions::default().clv_amount(50.0).unwrap();
/// let s = segment_customers(&scores, &options).unwrap();
/// assert_eq!(s.segments, [Segment::Champions, Segment::AtRisk, Segment::Potential, Segment::Dormant]);
/// assert_eq!(s.summary.row(Segment::Champions).share_of_value, Some(100.0 / 170.0));
/// ```
pub fn segment_customers(scores: &ScoreView<'_>, options: &SegmentOptions) -> Result<Segmentation> {
    options.validate()?;
    let clv = scores.clv();
    let p_alive = scores.p_alive();
    let clv_threshold = match options.value_threshold {
        ValueThreshold::Quantile(q) => quantile(clv, q)?,
        ValueThreshold::Amount(a) => a,
    };
    let segments: Vec<Segment> = clv
        .iter()
        .zip(p_alive.iter())
        .map(|(&v, &p)| Segment::from_flags(v > clv_threshold, p >= options.active_level))
        .collect();
    let total_clv: f64 = clv.sum();
    let rows = Segment::ALL
        .iter()
        .map(|&segment| {
            let members: Vec<usize> = (0..segments.len())
                .filter(|&i| segments[i] == segment)
                .collect();
            let seg_total: f64 = members.iter().map(|&i| clv[i]).sum();
            SegmentRow {
                segment,
                customers: members.len(),
                total_clv: seg_total,
                share_of_value: (total_clv > 0.0).then(|| seg_total / total_clv),
                mean_clv: mean_at(clv, &members),
                mean_p_alive: mean_at(p_alive, &members),
            }
        })
        .collect();
    Ok(Segmentation {
        ids: scores.ids().to_vec(),
        segments,
        summary: SegmentSummary {
            rows,
            clv_threshold,
            active_level: options.active_level,
            customers: scores.len(),
            total_clv,
        },
    })
}
