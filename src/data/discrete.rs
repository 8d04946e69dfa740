//! Discrete-time purchase histories (BG/BB data): over `n` transaction opportunities after the
//! first purchase, a customer transacted at `x` of them, the last at opportunity `t_x`.
//!
//! * [`DiscreteHistory`] is one customer's validated `(x, t_x, n)`;
//! * [`DiscreteTable`] is many, with weights (a row can stand for many identical customers, as
//!   in the published donations data, `data/donations.csv`);
//! * [`summarize_discrete`] builds a table from a transaction log, cutting dates into
//!   [`CalendarPeriod`]s.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;

use crate::data::csv_fields::{check_weights, CsvTable};
use crate::data::periods::CalendarPeriod;
use crate::data::transactions::{for_each_transaction, TransactionLogOptions};
use crate::error::{Error, Result};

/// One customer's history in discrete time: `x` repeat transactions over `n` opportunities,
/// the last one at opportunity `t_x` (0 when `x = 0`).
///
/// ```
/// use clv::data::discrete::DiscreteHistory;
/// let h = DiscreteHistory::new(2, 4, 6).unwrap();
/// assert_eq!((h.frequency(), h.recency(), h.opportunities()), (2, 4, 6));
/// assert!(DiscreteHistory::new(3, 2, 6).is_err()); // three transactions in two opportunities
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DiscreteHistory {
    x: u32,
    t_x: u32,
    n: u32,
}

impl DiscreteHistory {
    /// A validated history: `x <= t_x <= n`, and `t_x = 0` exactly when `x = 0`.
    pub fn new(x: u32, t_x: u32, n: u32) -> Result<Self> {
        check_history(1, x, t_x, n)?;
        Ok(DiscreteHistory { x, t_x, n })
    }

    /// Repeat transactions `x`.
    pub fn frequency(&self) -> u32 {
        self.x
    }

    /// Opportunity of the last transaction `t_x` (0 without a repeat transaction).
    pub fn recency(&self) -> u32 {
        self.t_x
    }

    /// Number of opportunities observed after the first purchase, `n`.
    pub fn opportunities(&self) -> u32 {
        self.n
    }
}

fn check_history(row: usize, x: u32, t_x: u32, n: u32) -> Result<()> {
    if t_x > n {
        return Err(Error::invalid_value(
            row,
            "recency",
            t_x,
            format!("the last transaction's opportunity exceeds the {n} opportunities"),
        ));
    }
    if x > t_x {
        return Err(Error::invalid_value(
            row,
            "frequency",
            x,
            format!("more transactions than opportunities up to the last one ({t_x})"),
        ));
    }
    if x == 0 && t_x > 0 {
        return Err(Error::invalid_value(
            row,
            "recency",
            t_x,
            "must be 0 without a repeat transaction",
        ));
    }
    Ok(())
}

/// Column names of a discrete-history CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscreteColumns {
    /// Repeat transactions `x`.
    pub frequency: String,
    /// Opportunity of the last transaction `t_x`.
    pub recency: String,
    /// Opportunities `n`.
    pub periods: String,
    /// Number of customers with this row (optional: 1 each when the column is absent).
    pub weights: Option<String>,
}

impl Default for DiscreteColumns {
    /// `frequency,recency,periods,weights`, the layout of `data/donations.csv` (lifetimes').
    fn default() -> Self {
        DiscreteColumns {
            frequency: "frequency".into(),
            recency: "recency".into(),
            periods: "periods".into(),
            weights: Some("weights".into()),
        }
    }
}

/// Discrete-time histories with their weights (numbers of customers).
///
/// ```
/// use clv::data::discrete::DiscreteTable;
/// let donations = DiscreteTable::from_csv_path("data/donations.csv", &Default::default()).unwrap();
/// assert_eq!(donations.len(), 22);
/// assert_eq!(donations.total_weight(), 11104.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DiscreteTable {
    histories: Vec<DiscreteHistory>,
    weights: Vec<f64>,
    ids: Option<Vec<String>>,
}

impl DiscreteTable {
    /// A table of `histories`, each with its weight (finite, `>= 0`).
    pub fn new(histories: Vec<DiscreteHistory>, weights: Vec<f64>) -> Result<Self> {
        check_weights(histories.len(), &weights)?;
        Ok(DiscreteTable {
            histories,
            weights,
            ids: None,
        })
    }

    /// One row per customer, weight 1 each, with their ids.
    pub fn with_ids(ids: Vec<String>, histories: Vec<DiscreteHistory>) -> Result<Self> {
        if ids.len() != histories.len() {
            return Err(Error::LengthMismatch {
                column: "ids".into(),
                expected: histories.len(),
                actual: ids.len(),
            });
        }
        let mut t = DiscreteTable::new(histories, vec![1.0; ids.len()])?;
        t.ids = Some(ids);
        Ok(t)
    }

    /// Reads a CSV with a header (see [`DiscreteColumns`]).
    pub fn from_csv_path(path: impl AsRef<Path>, columns: &DiscreteColumns) -> Result<Self> {
        Self::from_csv(CsvTable::read_path(path.as_ref())?, columns)
    }

    /// Reads a CSV with a header from any reader.
    pub fn from_csv_reader<R: Read>(reader: R, columns: &DiscreteColumns) -> Result<Self> {
        Self::from_csv(CsvTable::read(reader, "discrete history CSV")?, columns)
    }

    fn from_csv(csv: CsvTable, columns: &DiscreteColumns) -> Result<Self> {
        let (cx, ct, cn) = (
            csv.column(&columns.frequency)?,
            csv.column(&columns.recency)?,
            csv.column(&columns.periods)?,
        );
        let cw = match &columns.weights {
            Some(w) => csv.optional_column(w),
            None => None,
        };
        let count = "a whole number >= 0";
        let mut histories = Vec::with_capacity(csv.rows.len());
        let mut weights = Vec::with_capacity(csv.rows.len());
        for i in 0..csv.rows.len() {
            let (x, t_x, n) = (
                csv.parse(i, cx, count)?,
                csv.parse(i, ct, count)?,
                csv.parse(i, cn, count)?,
            );
            check_history(i + 1, x, t_x, n)?;
            histories.push(DiscreteHistory { x, t_x, n });
            weights.push(match cw {
                Some(c) => csv.non_negative(i, c)?,
                None => 1.0,
            });
        }
        DiscreteTable::new(histories, weights)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.histories.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.histories.is_empty()
    }

    /// The histories, in row order.
    pub fn histories(&self) -> &[DiscreteHistory] {
        &self.histories
    }

    /// The weights, in row order.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Customer ids, when the table was built from a log.
    pub fn ids(&self) -> Option<&[String]> {
        self.ids.as_deref()
    }

    /// Number of customers (sum of the weights).
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// Rows and weights together.
    pub fn iter(&self) -> impl Iterator<Item = (&DiscreteHistory, f64)> + '_ {
        self.histories.iter().zip(self.weights.iter().copied())
    }

    /// Identical histories merged into one row with the sum of their weights, in order of
    /// first appearance (ids are dropped).
    ///
    /// ```
    /// use clv::data::discrete::{DiscreteHistory, DiscreteTable};
    /// let h = |x, t, n| DiscreteHistory::new(x, t, n).unwrap();
    /// let t = DiscreteTable::new(vec![h(0, 0, 6), h(1, 3, 6), h(0, 0, 6)], vec![1.0, 2.0, 4.0]).unwrap();
    /// let c = t.compressed();
    /// assert_eq!(c.histories(), [h(0, 0, 6), h(1, 3, 6)]);
    /// assert_eq!(c.weights(), [5.0, 2.0]);
    /// ```
    pub fn compressed(&self) -> DiscreteTable {
        let mut index: HashMap<DiscreteHistory, usize> = HashMap::new();
        let (mut histories, mut weights) = (Vec::new(), Vec::new());
        for (h, w) in self.iter() {
            let i = *index.entry(*h).or_insert_with(|| {
                histories.push(*h);
                weights.push(0.0);
                histories.len() - 1
            });
            weights[i] += w;
        }
        DiscreteTable {
            histories,
            weights,
            ids: None,
        }
    }
}

/// Summarises a transaction log into discrete-time histories.
///
/// Dates are cut into `period`s. A customer's first purchase period is opportunity 0; the
/// opportunities are the periods after it up to the period of `end` (by default the latest
/// transaction's), so `n = end period - first period`; `x` is the number of those periods with
/// a purchase (several purchases in one period count once) and `t_x` the last of them.
/// Transactions after `end` are ignored, and customers first seen after it left out. Rows are
/// in order of the customers' first line in the log; the log need not be sorted.
///
/// ```
/// use clv::data::discrete::summarize_discrete;
/// use clv::data::periods::CalendarPeriod;
/// use clv::data::transactions::TransactionLogOptions;
/// let log = "id,date\na,2019-03-01\na,2020-06-01\na,2020-07-01\na,2022-01-05\nb,2021-02-02\n";
/// let opts = TransactionLogOptions::new("id", "date");
/// let t = summarize_discrete(log.as_bytes(), &opts, CalendarPeriod::Year, None).unwrap();
/// let a = t.histories()[0];
/// assert_eq!((a.frequency(), a.recency(), a.opportunities()), (2, 3, 3));
/// ```
pub fn summarize_discrete<R: Read>(
    reader: R,
    options: &TransactionLogOptions,
    period: CalendarPeriod,
    end: Option<NaiveDate>,
) -> Result<DiscreteTable> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut customers: Vec<(String, Vec<i64>)> = Vec::new();
    let mut latest = i64::MIN;
    for_each_transaction(reader, options, |r| {
        let p = period.index(r.time.date());
        latest = latest.max(p);
        match index.get(r.customer) {
            Some(&i) => customers[i].1.push(p),
            None => {
                index.insert(r.customer.to_string(), customers.len());
                customers.push((r.customer.to_string(), vec![p]));
            }
        }
        Ok(())
    })?;
    if customers.is_empty() {
        return Err(Error::Empty {
            what: "transaction log".into(),
        });
    }
    let last = end.map_or(latest, |d| period.index(d));
    let (mut ids, mut histories) = (Vec::new(), Vec::new());
    for (id, mut periods) in customers {
        periods.retain(|&p| p <= last);
        periods.sort_unstable();
        periods.dedup();
        let Some(&first) = periods.first() else {
            continue;
        };
        let x = (periods.len() - 1) as u32;
        let t_x = (periods[periods.len() - 1] - first) as u32;
        let n = (last - first) as u32;
        histories.push(DiscreteHistory { x, t_x, n });
        ids.push(id);
    }
    DiscreteTable::with_ids(ids, histories)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_made_log_by_quarter_and_month() {
        // a: Q1 2024 (first), two purchases in Q2 (count once), one in Q4; b: first in Q3;
        // c: only after the end (left out); observation ends in Q4 2024.
        let log = "customer,date\n\
                   a,2024-01-15\n\
                   b,2024-08-01\n\
                   a,2024-04-02\n\
                   a,2024-06-30\n\
                   a,2024-11-11\n\
                   c,2025-02-01\n";
        let opts = TransactionLogOptions::new("customer", "date");
        let end = NaiveDate::from_ymd_opt(2024, 12, 31);
        let t = summarize_discrete(log.as_bytes(), &opts, CalendarPeriod::Quarter, end).unwrap();
        assert_eq!(t.ids().unwrap(), ["a", "b"]);
        let h = |x, t, n| DiscreteHistory::new(x, t, n).unwrap();
        assert_eq!(t.histories(), [h(2, 3, 3), h(0, 0, 1)]);
        let t = summarize_discrete(log.as_bytes(), &opts, CalendarPeriod::Month, end).unwrap();
        // a: Jan first; Apr (3), Jun (5), Nov (10); b: Aug first, n = 4
        assert_eq!(t.histories(), [h(3, 10, 11), h(0, 0, 4)]);
        // without an end: the latest transaction (2025-02, c's) sets it
        let t = summarize_discrete(log.as_bytes(), &opts, CalendarPeriod::Year, None).unwrap();
        assert_eq!(t.histories(), [h(0, 0, 1), h(0, 0, 1), h(0, 0, 0)]);
    }

    #[test]
    fn bad_rows_name_row_and_column() {
        let csv = "frequency,recency,periods,weights\n1,1,6,10\n2,1,6,3\n";
        let err = DiscreteTable::from_csv_reader(csv.as_bytes(), &Default::default()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidValue { row: 2, ref column, .. } if column == "frequency"),
            "{err}"
        );
        let csv = "frequency,recency,periods,weights\n1,1,6,-1\n";
        let err = DiscreteTable::from_csv_reader(csv.as_bytes(), &Default::default()).unwrap_err();
        assert!(err.to_string().contains("weights"), "{err}");
        let csv = "frequency,recency,weights\n1,1,1\n";
        let err = DiscreteTable::from_csv_reader(csv.as_bytes(), &Default::default()).unwrap_err();
        assert!(matches!(err, Error::MissingColumn { .. }), "{err}");
        let csv = "frequency,recency,periods\n1,x,6\n";
        let err = DiscreteTable::from_csv_reader(csv.as_bytes(), &Default::default()).unwrap_err();
        assert!(err.to_string().contains("\"x\""), "{err}");
    }
}
