//! The classic RFM quintile scores: 1 to 5 for recency, frequency and monetary value,
//! 5 being the best fifth of customers.
//!
//! Definitions used for scoring:
//! * **recency** is the time since the last purchase, `T - t_x` (for a customer without a
//!   repeat purchase, the time since the first one); the *smallest* is best;
//! * **frequency** is the number of repeat purchases `x`; the largest is best;
//! * **monetary** is the mean spend of the repeat purchases; the largest is best.
//!
//! Each score is `1 + floor(5 * w / n)`, where `n` is the number of customers and `w` the
//! number of customers strictly *worse* on that measure. The worst customer always scores 1;
//! equal values always get the same score (the score of the lowest rank in the tie, as
//! `rank(method = "min")` would give), so when a value is shared by many customers, as
//! `x = 0` often is, some scores are skipped rather than identical customers being split
//! arbitrarily between two scores.

use std::path::Path;

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use super::{check_len, check_non_negative, TextTable};
use crate::error::{Error, Result};

/// RFM scores of every customer, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmScores {
    /// Customer ids.
    pub ids: Vec<String>,
    /// Recency scores, 5 = most recent purchase.
    pub recency: Vec<u8>,
    /// Frequency scores, 5 = most repeat purchases.
    pub frequency: Vec<u8>,
    /// Monetary scores, 5 = highest mean spend.
    pub monetary: Vec<u8>,
}

impl RfmScores {
    /// The three scores of customer `i` as the usual code, e.g. `"545"`.
    pub fn code(&self, i: usize) -> String {
        format!(
            "{}{}{}",
            self.recency[i], self.frequency[i], self.monetary[i]
        )
    }

    /// Writes `customer_id,r_score,f_score,m_score,rfm_code`, one row per customer,
    /// atomically.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut t = TextTable::new(&["customer_id", "r_score", "f_score", "m_score", "rfm_code"]);
        for i in 0..self.ids.len() {
            t.rows.push(vec![
                self.ids[i].clone(),
                self.recency[i].to_string(),
                self.frequency[i].to_string(),
                self.monetary[i].to_string(),
                self.code(i),
            ]);
        }
        t.write_csv(path.as_ref())
    }
}

/// Scores "higher is better" `values` 1..=5 by `1 + floor(5 * (strictly smaller) / n)`.
fn quintile_scores(values: &[f64]) -> Vec<u8> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut scores = vec![0u8; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // `start` customers are strictly smaller than this tie group.
        let score = 1 + (5 * start) / n;
        for &i in &order[start..end] {
            scores[i] = score as u8;
        }
        start = end;
    }
    scores
}

/// Computes RFM quintile scores from each customer's repeat purchases `frequency` (x),
/// `recency` (t_x), age `T` and mean repeat spend `monetary_value` (times in one unit).
///
/// Errors name the row, column and value when a column has another length, a value is
/// negative or not finite, or recency exceeds age.
///
/// ```
/// use clv::analysis::rfm_scores;
/// use ndarray::array;
/// let ids: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
/// let x = array![0.0, 1.0, 2.0, 3.0, 4.0];
/// let t_x = array![0.0, 10.0, 20.0, 30.0, 38.0];
/// let age = array![40.0, 40.0, 40.0, 40.0, 40.0];
/// let m = array![0.0, 10.0, 20.0, 30.0, 40.0];
/// let s = rfm_scores(&ids, x.view(), t_x.view(), age.view(), m.view()).unwrap();
/// assert_eq!(s.code(0), "111");
/// assert_eq!(s.code(4), "555");
/// ```
pub fn rfm_scores<'a>(
    ids: &[String],
    frequency: ArrayView1<'a, f64>,
    recency: ArrayView1<'a, f64>,
    age: ArrayView1<'a, f64>,
    monetary_value: ArrayView1<'a, f64>,
) -> Result<RfmScores> {
    if ids.is_empty() {
        return Err(Error::Empty {
            what: "customers for RFM scores".into(),
        });
    }
    for (name, col) in [
        ("frequency", frequency),
        ("recency", recency),
        ("T", age),
        ("monetary_value", monetary_value),
    ] {
        check_len(name, ids.len(), col.len())?;
        check_non_negative(name, col)?;
    }
    for i in 0..ids.len() {
        if recency[i] > age[i] {
            return Err(Error::invalid_value(
                i + 1,
                "recency",
                recency[i],
                format!("recency cannot exceed T = {}", age[i]),
            ));
        }
    }
    // Higher is better for every measure after negating time since last purchase.
    let since_last: Vec<f64> = (0..ids.len()).map(|i| -(age[i] - recency[i])).collect();
    Ok(RfmScores {
        ids: ids.to_vec(),
        recency: quintile_scores(&since_last),
        frequency: quintile_scores(&frequency.to_vec()),
        monetary: quintile_scores(&monetary_value.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_values_give_two_per_score() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quintile_scores(&v), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn ties_share_the_lowest_score_of_their_ranks() {
        // 6 zeros: 0 below; 1.0: 6 of 10 below -> 1 + 3 = 4; 2.0: 8 below -> 5.
        let v = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
        assert_eq!(quintile_scores(&v), [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    }
}
