//! Contractual data: how many periods each subscription lasted, right-censored when it is
//! still active.
//!
//! Time is counted in renewals: a subscriber acquired at period 0 who renewed `k` times has a
//! tenure of `k` periods. A subscription that *churned* after `k` renewals was lost at the
//! `(k + 1)`-th renewal opportunity; one that is still *active* after `k` renewals is
//! right-censored there. [`Tenures`] holds such rows with weights; a cohort's survivor counts
//! per period (as in Fader & Hardie 2007, `data/sbg_retention.csv`) convert into it with
//! [`Tenures::from_survivors`].

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::data::csv_fields::{check_weights, CsvTable};
use crate::data::periods::Periods;
use crate::error::{Error, Result};

/// One subscription's observed tenure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tenure {
    renewals: u32,
    churned: bool,
}

impl Tenure {
    /// Lost at the renewal after `renewals` renewals (`P(T = renewals + 1)`).
    pub fn churned(renewals: Periods) -> Self {
        Tenure {
            renewals: renewals.get(),
            churned: true,
        }
    }

    /// Still active after `renewals` renewals (censored: `S(renewals)`).
    pub fn active(renewals: Periods) -> Self {
        Tenure {
            renewals: renewals.get(),
            churned: false,
        }
    }

    /// Renewals made.
    pub fn renewals(&self) -> Periods {
        Periods(self.renewals)
    }

    /// Whether the subscription ended (otherwise it is censored).
    pub fn is_churned(&self) -> bool {
        self.churned
    }
}

/// Subscriptions' tenures with weights (numbers of subscribers).
///
/// ```
/// use clv::data::retention::Tenures;
/// // 1000 customers; 631, 468 still active at the start of years 1 and 2
/// let t = Tenures::from_survivors(&[1000.0, 631.0, 468.0]).unwrap();
/// assert_eq!(t.total_weight(), 1000.0);
/// assert_eq!(t.len(), 3); // churned at renewals 0 and 1, censored at 2
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tenures {
    rows: Vec<Tenure>,
    weights: Vec<f64>,
}

impl Tenures {
    /// Rows with their weights (finite, `>= 0`).
    pub fn new(rows: Vec<Tenure>, weights: Vec<f64>) -> Result<Self> {
        check_weights(rows.len(), &weights)?;
        Ok(Tenures { rows, weights })
    }

    /// A cohort followed period by period: `survivors[t]` subscribers active at the start of
    /// period `t` (`survivors[0]` acquired), non-increasing. The `survivors[t-1] - survivors[t]`
    /// lost at period `t` churned after `t - 1` renewals; the last count is censored.
    pub fn from_survivors(survivors: &[f64]) -> Result<Self> {
        let Some(&last) = survivors.last() else {
            return Err(Error::Empty {
                what: "survivor counts".into(),
            });
        };
        for (t, &s) in survivors.iter().enumerate() {
            if !(s.is_finite() && s >= 0.0) || (t > 0 && s > survivors[t - 1]) {
                return Err(Error::invalid_value(
                    t + 1,
                    "survivors",
                    s,
                    "counts must be finite, >= 0 and non-increasing",
                ));
            }
        }
        let mut rows = Vec::new();
        let mut weights = Vec::new();
        for t in 1..survivors.len() {
            rows.push(Tenure::churned(Periods(t as u32 - 1)));
            weights.push(survivors[t - 1] - survivors[t]);
        }
        rows.push(Tenure::active(Periods(survivors.len() as u32 - 1)));
        weights.push(last);
        Tenures::new(rows, weights)
    }

    /// Appends one row.
    pub fn push(&mut self, tenure: Tenure, weight: f64) -> Result<()> {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(Error::invalid_argument(
                "weight",
                weight,
                "must be finite and >= 0",
            ));
        }
        self.rows.push(tenure);
        self.weights.push(weight);
        Ok(())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows.
    pub fn rows(&self) -> &[Tenure] {
        &self.rows
    }

    /// The weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Rows with their weights.
    pub fn iter(&self) -> impl Iterator<Item = (&Tenure, f64)> + '_ {
        self.rows.iter().zip(self.weights.iter().copied())
    }

    /// Number of subscriptions (sum of the weights).
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// The longest observed tenure (renewals).
    pub fn max_renewals(&self) -> Periods {
        Periods(self.rows.iter().map(|r| r.renewals).max().unwrap_or(0))
    }

    /// Subscribers active at the start of periods `0..=max_renewals` (Kaplan-Meier with
    /// censoring: the product of observed retention rates, times the cohort size), for comparing
    /// with a model's survival curve.
    pub fn kaplan_meier(&self) -> Vec<f64> {
        let max = self.max_renewals().get() as usize;
        // at risk at renewal opportunity t (t = 1..=max): rows with renewals >= t - 1 and not
        // censored at t - 1; lost there: churned with renewals = t - 1
        let mut churned = vec![0.0; max + 1];
        let mut leaving = vec![0.0; max + 1];
        for (r, w) in self.iter() {
            leaving[r.renewals as usize] += w;
            if r.churned {
                churned[r.renewals as usize] += w;
            }
        }
        let mut at_risk = self.total_weight();
        let mut s = vec![1.0; max + 1];
        for t in 1..=max {
            let hazard = if at_risk > 0.0 {
                churned[t - 1] / at_risk
            } else {
                0.0
            };
            s[t] = s[t - 1] * (1.0 - hazard);
            at_risk -= leaving[t - 1];
        }
        s
    }

    /// Identical rows merged, weights summed, in order of first appearance.
    pub fn compressed(&self) -> Tenures {
        let mut index: HashMap<Tenure, usize> = HashMap::new();
        let mut out = Tenures::default();
        for (r, w) in self.iter() {
            let i = *index.entry(*r).or_insert_with(|| {
                out.rows.push(*r);
                out.weights.push(0.0);
                out.rows.len() - 1
            });
            out.weights[i] += w;
        }
        out
    }
}

/// Survivor counts of several cohorts per period, as in `data/sbg_retention.csv`: a column
/// of periods (`0, 1, 2, ...`) and one column of counts per cohort.
///
/// ```
/// use clv::data::retention::SurvivorCurves;
/// let c = SurvivorCurves::from_csv_path("data/sbg_retention.csv", "year").unwrap();
/// assert_eq!(c.cohorts(), ["regular", "high_end"]);
/// assert_eq!(c.counts("regular").unwrap()[..3], [1000.0, 631.0, 468.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivorCurves {
    names: Vec<String>,
    counts: Vec<Vec<f64>>,
}

impl SurvivorCurves {
    /// Reads a CSV whose column `period` numbers the periods from 0 consecutively; every other
    /// column is a cohort.
    pub fn from_csv_path(path: impl AsRef<Path>, period: &str) -> Result<Self> {
        Self::from_csv(CsvTable::read_path(path.as_ref())?, period)
    }

    /// The same from any reader.
    pub fn from_csv_reader<R: Read>(reader: R, period: &str) -> Result<Self> {
        Self::from_csv(CsvTable::read(reader, "survivor counts CSV")?, period)
    }

    fn from_csv(csv: CsvTable, period: &str) -> Result<Self> {
        let pc = csv.column(period)?;
        let cols: Vec<usize> = (0..csv.headers.len()).filter(|&c| c != pc).collect();
        let mut counts = vec![Vec::with_capacity(csv.rows.len()); cols.len()];
        for i in 0..csv.rows.len() {
            let t: u32 = csv.parse(i, pc, "a whole number")?;
            if t as usize != i {
                return Err(Error::invalid_value(
                    i + 1,
                    period,
                    t,
                    format!("periods must be 0, 1, 2, ... in order (expected {i})"),
                ));
            }
            for (k, &c) in cols.iter().enumerate() {
                counts[k].push(csv.non_negative(i, c)?);
            }
        }
        let names = cols.iter().map(|&c| csv.headers[c].clone()).collect();
        let curves = SurvivorCurves { names, counts };
        for name in &curves.names {
            Tenures::from_survivors(curves.counts(name).expect("own cohort")).map_err(
                |e| match e {
                    Error::InvalidValue {
                        row,
                        value,
                        problem,
                        ..
                    } => Error::InvalidValue {
                        row,
                        column: name.clone(),
                        value,
                        problem,
                    },
                    other => other,
                },
            )?;
        }
        Ok(curves)
    }

    /// The cohorts' names, in column order.
    pub fn cohorts(&self) -> &[String] {
        &self.names
    }

    /// A cohort's counts per period.
    pub fn counts(&self, cohort: &str) -> Option<&[f64]> {
        let i = self.names.iter().position(|n| n == cohort)?;
        Some(&self.counts[i])
    }

    /// A cohort's tenures observed up to period `last` (the survivors then censored).
    pub fn tenures(&self, cohort: &str, last: Periods) -> Result<Tenures> {
        let counts = self.counts(cohort).ok_or_else(|| Error::MissingColumn {
            column: cohort.into(),
            available: self.names.join(","),
        })?;
        let end = (last.get() as usize).min(counts.len() - 1);
        Tenures::from_survivors(&counts[..=end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaplan_meier_of_a_cohort_is_its_survivor_share() {
        let t = Tenures::from_survivors(&[1000.0, 631.0, 468.0, 382.0]).unwrap();
        let km = t.kaplan_meier();
        for (s, want) in km.iter().zip([1.0, 0.631, 0.468, 0.382]) {
            assert!((s - want).abs() < 1e-12);
        }
    }

    #[test]
    fn increasing_counts_are_rejected_with_their_row() {
        let err = Tenures::from_survivors(&[10.0, 8.0, 9.0]).unwrap_err();
        assert!(matches!(err, Error::InvalidValue { row: 3, .. }), "{err}");
        let csv = "year,a\n0,10\n2,8\n";
        let err = SurvivorCurves::from_csv_reader(csv.as_bytes(), "year").unwrap_err();
        assert!(matches!(err, Error::InvalidValue { row: 2, .. }), "{err}");
        let csv = "year,a\n0,10\n1,12\n";
        let err = SurvivorCurves::from_csv_reader(csv.as_bytes(), "year").unwrap_err();
        assert!(err.to_string().contains("`a`"), "{err}");
    }
}
