//! Churn per acquisition cohort or per value segment, two ways side by side.
//!
//! * **Observed**: among the customers of a group observed for at least `w` days (first order
//!   at least `w` days before the end of observation), the share with no order in the last `w`
//!   days, i.e. whose last order is `w` or more days before the end. A group with too few
//!   customers observed that long is "too young" for the window (as for the repeat rates of
//!   the [`cohort_table`](super::cohort_table)).
//! * **Model-based**: the group's mean churn probability `1 - P(alive)` from the scores, the
//!   expected share of its customers who have already left for good.
//!
//! The two measure different things (a pause of 90 days is not a departure), but a cohort
//! whose observed churn runs far above its model churn is leaving faster than the model
//! believes. Use the same end of observation for the log as for the scores.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cohorts::{push_window_cells, window_share};
use super::orders::OrderLog;
use super::{check_len, fmt_pct, GroupLabels, RepeatRate, ScoreView, Segmentation, TextTable};
use crate::error::{Error, Result};

/// Options of the churn table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnOptions {
    /// Windows of inactivity, in days. Default 30, 60, 90.
    pub windows_days: Vec<u32>,
    /// A window's observed churn is reported only when at least this share of the group has
    /// been observed for the whole window (and at least one customer). Default 1, right for
    /// acquisition cohorts; segments mix customers of every age, so use a small share there.
    pub min_observed_share: f64,
}

impl Default for ChurnOptions {
    fn default() -> Self {
        ChurnOptions {
            windows_days: vec![30, 60, 90],
            min_observed_share: 1.0,
        }
    }
}

impl ChurnOptions {
    fn validate(&self) -> Result<()> {
        if !(self.min_observed_share > 0.0 && self.min_observed_share <= 1.0) {
            return Err(Error::invalid_argument(
                "min_observed_share",
                self.min_observed_share,
                "must be in (0, 1]",
            ));
        }
        if let Some(&w) = self.windows_days.iter().find(|&&w| w == 0) {
            return Err(Error::invalid_argument(
                "windows_days",
                f64::from(w),
                "a window must be at least one day",
            ));
        }
        Ok(())
    }
}

/// Churn of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnRow {
    /// Group label.
    pub group: String,
    /// Customers in the group.
    pub customers: usize,
    /// Observed churn per window: the share without an order in the window, among those
    /// observed that long ([`RepeatRate`] holds a share and the customers it is over).
    pub observed: Vec<RepeatRate>,
    /// Mean `1 - P(alive)` of the group.
    pub model_churn: f64,
}

/// Observed and model churn per group.
#[derive(Debug, Clone, PartialEq)]
pub struct ChurnTable {
    /// What the groups are (first column header).
    pub grouping: String,
    /// Windows in days.
    pub windows_days: Vec<u32>,
    /// One row per group, in ascending label order.
    pub rows: Vec<ChurnRow>,
    /// All customers together (`(all)`).
    pub overall: ChurnRow,
    /// The last day of the log.
    pub observation_end: NaiveDate,
}

impl ChurnTable {
    pub(crate) fn table(&self, for_terminal: bool) -> TextTable {
        let mut headers = vec![self.grouping.clone(), "customers".into()];
        for w in &self.windows_days {
            headers.push(format!("churn_{w}d"));
            if !for_terminal {
                headers.push(format!("observed_{w}d"));
            }
        }
        headers.push("model_churn".into());
        let mut t = TextTable {
            headers,
            rows: Vec::new(),
            text_columns: vec![0],
        };
        for r in self.rows.iter().chain(std::iter::once(&self.overall)) {
            let mut cells = vec![r.group.clone(), r.customers.to_string()];
            for rate in &r.observed {
                push_window_cells(&mut cells, *rate, for_terminal);
            }
            cells.push(if for_terminal {
                fmt_pct(Some(r.model_churn))
            } else {
                crate::io::format_number(r.model_churn)
            });
            t.rows.push(cells);
        }
        t
    }

    /// The table aligned for a terminal, `(all)` last, with a line saying what the columns
    /// are.
    pub fn to_table_string(&self) -> String {
        let mut s = self.table(true).render();
        s.push_str(&format!(
            "churn_Nd: no order in the N days up to {}, among customers observed for N days; \
             model_churn: mean 1 - P(alive)\n",
            self.observation_end
        ));
        s
    }

    /// Writes the table as CSV, atomically: per window the observed churn (`churn_Nd`, empty
    /// when too young) and the customers it is over (`observed_Nd`), then `model_churn`.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }
}

/// Observed churn within each window beside model churn, per group of `groups` (one label per
/// customer of `scores`). Every customer of `scores` must be in `log` (an error names the first
/// one missing).
///
/// ```
/// use chrono::NaiveDate;
/// use clv::analysis::{churn_table, ChurnOptions, GroupLabels, OrderLog, ScoreView};
/// use ndarray::array;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// // a last ordered 10 days before the end, b 50 days before.
/// let log = [("a", d(1, 1), None), ("a", d(3, 21), None), ("b", d(2, 10), None)];
/// let orders = OrderLog::from_transactions(log, Some(d(3, 31))).unwrap();
/// let ids = vec!["a".to_string(), "b".to_string()];
/// let (clv, p) = (array![10.0, 5.0], array![0.9, 0.3]);
/// let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
/// let groups = GroupLabels { name: "all".into(), labels: vec!["x".into(), "x".into()] };
/// let options = ChurnOptions { windows_days: vec![30], ..Default::default() };
/// let t = churn_table(&scores, &groups, &orders, &options).unwrap();
/// assert_eq!(t.rows[0].observed[0].rate(), Some(0.5)); // b churned
/// assert!((t.rows[0].model_churn - 0.4).abs() < 1e-12); // (0.1 + 0.7) / 2
/// ```
pub fn churn_table(
    scores: &ScoreView<'_>,
    groups: &GroupLabels,
    log: &OrderLog,
    options: &ChurnOptions,
) -> Result<ChurnTable> {
    options.validate()?;
    check_len("group labels", scores.len(), groups.labels.len())?;
    let orders = log.aligned(scores.ids())?;
    let end = log.observation_end();
    let first_last: Vec<(NaiveDate, NaiveDate)> = orders
        .iter()
        .map(|o| (o[0].date, o[o.len() - 1].date))
        .collect();
    let p_alive = scores.p_alive();
    let row = |group: String, members: &[usize]| -> ChurnRow {
        let observed = options
            .windows_days
            .iter()
            .map(|&w| {
                let w = i64::from(w);
                window_share(
                    members,
                    |i| (end - first_last[i].0).num_days() >= w,
                    |i| (end - first_last[i].1).num_days() >= w,
                    options.min_observed_share,
                )
            })
            .collect();
        let model_churn =
            members.iter().map(|&i| 1.0 - p_alive[i]).sum::<f64>() / members.len() as f64;
        ChurnRow {
            group,
            customers: members.len(),
            observed,
            model_churn,
        }
    };
    let rows = groups
        .groups()
        .into_iter()
        .map(|(g, m)| row(g, &m))
        .collect();
    let everyone: Vec<usize> = (0..scores.len()).collect();
    Ok(ChurnTable {
        grouping: groups.name.clone(),
        windows_days: options.windows_days.clone(),
        rows,
        overall: row("(all)".into(), &everyone),
        observation_end: end,
    })
}

/// The customers' segments as group labels (`champions`, `at_risk`, ...), to pass to
/// [`churn_table`] or [`health_by_group`](super::health_by_group).
pub fn segment_groups(segmentation: &Segmentation) -> GroupLabels {
    GroupLabels {
        name: "segment".into(),
        labels: segmentation
            .segments
            .iter()
            .map(|s| s.name().to_string())
            .collect(),
    }
}
