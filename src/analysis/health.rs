//! Customer health score, 0 to 100: one number summing up the transactional signals, with
//! weights the user can change, and optional behavioural columns (logins, email opens,
//! satisfaction or NPS) from an attribute file.
//!
//! # Definition
//! Each component lies in \[0, 1\] (1 = healthy):
//! * **alive** = P(alive);
//! * **recency** = `min(1, typical gap / current gap)`: the current gap is the time since the
//!   last purchase, `T - t_x`, the typical gap the customer's own mean inter-purchase time
//!   `t_x / x`. Within its usual rhythm a customer scores 1; twice as long as usual, 0.5;
//! * **expected** = `min(1, expected rate / past rate)`: the expected purchases per unit of
//!   time over the horizon of the scores (`expected_purchases / horizon`) against the past
//!   rate of repeat purchases `x / T`. Keeping up the past rate (or more) scores 1;
//! * **extras**: each behavioural column min-max scaled over the customers (a constant column
//!   scores 0.5 everywhere).
//!
//! Customers without a repeat purchase have no rhythm of their own: they are measured against
//! the base's pooled figures, inter-purchase time `sum t_x / sum x` and rate `sum x / sum T`
//! (and score 0 on both when nobody has repeated). The score is
//! `100 * sum_k w_k c_k / sum_k w_k`; default weights 0.4 alive, 0.3 recency, 0.3 expected.

use std::collections::HashMap;
use std::path::Path;

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use super::cohorts::attribute_map_from_reader;
use super::segments::quantile;
use super::{check_len, GroupLabels, TextTable};
use crate::error::{Error, Result};
use crate::time::Duration;
use crate::value::ValueTable;

/// Weights of the transactional components (non-negative; they need not sum to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HealthWeights {
    /// Weight of P(alive). Default 0.4.
    pub alive: f64,
    /// Weight of recency against the customer's rhythm. Default 0.3.
    pub recency: f64,
    /// Weight of expected against past purchase rate. Default 0.3.
    pub expected: f64,
}

impl Default for HealthWeights {
    fn default() -> Self {
        HealthWeights {
            alive: 0.4,
            recency: 0.3,
            expected: 0.3,
        }
    }
}

/// A behavioural column, one value per customer of the scores, and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraColumn {
    /// Column name.
    pub name: String,
    /// Weight (non-negative).
    pub weight: f64,
    /// One finite value per customer, in the row order of the scores; higher is healthier.
    pub values: Vec<f64>,
}

/// Reads the numeric `columns` (name, weight) of an attribute file (`customer_id` plus the
/// columns) for the customers `ids`; errors name the customer's row in `ids`, the column and
/// the value for a missing customer or a value that is not a finite number.
pub fn read_extra_columns(
    path: impl AsRef<Path>,
    ids: &[String],
    columns: &[(String, f64)],
) -> Result<Vec<ExtraColumn>> {
    let path = path.as_ref();
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    columns
        .iter()
        .map(|(name, weight)| {
            let map = attribute_map_from_reader(&text[..], name)?;
            extra_column(name, *weight, ids, &map)
        })
        .collect()
}

fn extra_column(
    name: &str,
    weight: f64,
    ids: &[String],
    map: &HashMap<String, String>,
) -> Result<ExtraColumn> {
    let values = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let text = map.get(id).ok_or_else(|| {
                Error::invalid_value(i + 1, "customer_id", id, "not in the attribute file")
            })?;
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    Error::invalid_value(
                        i + 1,
                        name,
                        text,
                        format!("customer {id}: not a finite number"),
                    )
                })
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok(ExtraColumn {
        name: name.into(),
        weight,
        values,
    })
}

/// Every customer's health score and its components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthScores {
    /// Customer ids, in the row order of the scores.
    pub ids: Vec<String>,
    /// The score, 0 to 100.
    pub score: Vec<f64>,
    /// The alive component (P(alive)).
    pub alive: Vec<f64>,
    /// The recency component.
    pub recency: Vec<f64>,
    /// The expected-rate component.
    pub expected: Vec<f64>,
    /// Each extra column scaled to \[0, 1\], with its name.
    pub extras: Vec<(String, Vec<f64>)>,
    /// The weights used.
    pub weights: HealthWeights,
}

impl HealthScores {
    /// Writes `customer_id,health,alive,recency,expected` and one column per extra, one row
    /// per customer, atomically.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut headers = vec!["customer_id", "health", "alive", "recency", "expected"];
        headers.extend(self.extras.iter().map(|e| e.0.as_str()));
        let mut t = TextTable::new(&headers);
        for i in 0..self.ids.len() {
            let mut row = vec![
                self.ids[i].clone(),
                crate::io::format_number(self.score[i]),
                crate::io::format_number(self.alive[i]),
                crate::io::format_number(self.recency[i]),
                crate::io::format_number(self.expected[i]),
            ];
            row.extend(self.extras.iter().map(|e| crate::io::format_number(e.1[i])));
            t.rows.push(row);
        }
        t.write_csv(path.as_ref())
    }
}

fn check_weight(name: &str, w: f64) -> Result<()> {
    if w.is_finite() && w >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            name,
            w,
            "a weight must be a finite, non-negative number",
        ))
    }
}

/// `min(1, num / den)` for `den > 0`; 1 whenever `num >= den` (so a gap of 0 scores 1).
fn capped_ratio(num: f64, den: f64) -> f64 {
    if num >= den {
        1.0
    } else {
        num / den
    }
}

/// The health score of every customer of `table`, whose expected purchases are over `horizon`.
///
/// ```
/// use clv::analysis::{health_scores, HealthWeights};
/// use clv::value::ValueTable;
/// use clv::Duration;
/// let csv = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
///            a,4,20,25,10,0.8,0.2,4,10,40\n";
/// let table = ValueTable::from_csv_reader(csv.as_bytes(), clv::TimeUnit::Weeks).unwrap();
/// let h = health_scores(&table, Duration::weeks(50.0), &HealthWeights::default(), &[]).unwrap();
/// // gap 5 weeks within the rhythm of 5 weeks: recency 1; rate 4/50 against 4/25: 0.5.
/// assert_eq!((h.recency[0], h.expected[0]), (1.0, 0.5));
/// assert!((h.score[0] - 100.0 * (0.4 * 0.8 + 0.3 + 0.3 * 0.5)).abs() < 1e-9);
/// ```
pub fn health_scores(
    table: &ValueTable,
    horizon: Duration,
    weights: &HealthWeights,
    extra: &[ExtraColumn],
) -> Result<HealthScores> {
    check_weight("alive weight", weights.alive)?;
    check_weight("recency weight", weights.recency)?;
    check_weight("expected weight", weights.expected)?;
    let h = horizon.in_unit(table.unit);
    if !(h.is_finite() && h > 0.0) {
        return Err(Error::invalid_option(
            "horizon",
            horizon,
            "must be a positive duration",
        ));
    }
    let n = table.len();
    let mut total_w = weights.alive + weights.recency + weights.expected;
    for e in extra {
        check_weight(&e.name, e.weight)?;
        check_len(&e.name, n, e.values.len())?;
        total_w += e.weight;
    }
    if total_w <= 0.0 {
        return Err(Error::invalid_argument(
            "weights",
            total_w,
            "at least one weight must be positive",
        ));
    }
    let (x, tx, age) = (&table.frequency, &table.recency, &table.age);
    let (sum_x, sum_tx, sum_t) = (x.sum(), tx.sum(), age.sum());
    let mut alive = Vec::with_capacity(n);
    let mut recency = Vec::with_capacity(n);
    let mut expected = Vec::with_capacity(n);
    for i in 0..n {
        let (typical, rate) = if x[i] > 0.0 {
            (Some(tx[i] / x[i]), x[i] / age[i])
        } else {
            ((sum_x > 0.0).then(|| sum_tx / sum_x), sum_x / sum_t)
        };
        let gap = (age[i] - tx[i]).max(0.0);
        alive.push(table.p_alive[i]);
        recency.push(typical.map_or(0.0, |ipt| capped_ratio(ipt, gap)));
        let e = table.expected_purchases[i] / h;
        expected.push(if rate > 0.0 {
            capped_ratio(e, rate)
        } else {
            0.0
        });
    }
    let extras: Vec<(String, Vec<f64>)> = extra
        .iter()
        .map(|e| (e.name.clone(), min_max(e.values.as_slice().into())))
        .collect();
    let score = (0..n)
        .map(|i| {
            let mut s = weights.alive * alive[i]
                + weights.recency * recency[i]
                + weights.expected * expected[i];
            for (e, (_, scaled)) in extra.iter().zip(&extras) {
                s += e.weight * scaled[i];
            }
            100.0 * s / total_w
        })
        .collect();
    Ok(HealthScores {
        ids: table.ids.clone(),
        score,
        alive,
        recency,
        expected,
        extras,
        weights: *weights,
    })
}

/// Min-max scaling to \[0, 1\]; a constant column gives 0.5.
fn min_max(v: ArrayView1<'_, f64>) -> Vec<f64> {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    v.iter()
        .map(|&x| if hi > lo { (x - lo) / (hi - lo) } else { 0.5 })
        .collect()
}

/// The distribution of the health score in one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthRow {
    /// Group label.
    pub group: String,
    /// Customers.
    pub customers: usize,
    /// Mean score.
    pub mean: f64,
    /// Lower quartile, median and upper quartile (type 7 quantiles, see
    /// [`quantile`]).
    pub quartiles: [f64; 3],
    /// Customers scoring below 25, 25 to below 50, 50 to below 75, and 75 or more.
    pub bands: [usize; 4],
}

/// Health score distribution per group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthDistribution {
    /// What the groups are.
    pub grouping: String,
    /// One row per group, in ascending label order.
    pub rows: Vec<HealthRow>,
    /// All customers (`(all)`).
    pub overall: HealthRow,
}

impl HealthDistribution {
    pub(crate) fn table(&self, for_terminal: bool) -> TextTable {
        let mut t = TextTable::new(&[
            self.grouping.as_str(),
            "customers",
            "mean",
            "p25",
            "median",
            "p75",
            "below_25",
            "25_to_50",
            "50_to_75",
            "75_plus",
        ]);
        for r in self.rows.iter().chain(std::iter::once(&self.overall)) {
            let f = |v: f64| {
                if for_terminal {
                    format!("{v:.1}")
                } else {
                    crate::io::format_number(v)
                }
            };
            let mut cells = vec![r.group.clone(), r.customers.to_string(), f(r.mean)];
            cells.extend(r.quartiles.iter().map(|&q| f(q)));
            cells.extend(r.bands.iter().map(|b| b.to_string()));
            t.rows.push(cells);
        }
        t
    }

    /// The table aligned for a terminal, `(all)` last.
    pub fn to_table_string(&self) -> String {
        self.table(true).render()
    }

    /// Writes the table as CSV, atomically.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }
}

/// Mean, quartiles and bands of the health score per group of `groups` (one label per
/// customer of `health`).
pub fn health_by_group(health: &HealthScores, groups: &GroupLabels) -> Result<HealthDistribution> {
    check_len("group labels", health.score.len(), groups.labels.len())?;
    let row = |group: String, members: &[usize]| -> Result<HealthRow> {
        let v: ndarray::Array1<f64> = members.iter().map(|&i| health.score[i]).collect();
        let mut bands = [0usize; 4];
        for &s in &v {
            bands[((s / 25.0).floor() as usize).min(3)] += 1;
        }
        Ok(HealthRow {
            group,
            customers: members.len(),
            mean: v.sum() / v.len() as f64,
            quartiles: [
                quantile(v.view(), 0.25)?,
                quantile(v.view(), 0.5)?,
                quantile(v.view(), 0.75)?,
            ],
            bands,
        })
    };
    let rows = groups
        .groups()
        .into_iter()
        .map(|(g, m)| row(g, &m))
        .collect::<Result<Vec<_>>>()?;
    let everyone: Vec<usize> = (0..health.score.len()).collect();
    Ok(HealthDistribution {
        grouping: groups.name.clone(),
        rows,
        overall: row("(all)".into(), &everyone)?,
    })
}
