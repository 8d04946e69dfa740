//! Compression of a customer table: customers with identical (x, t_x, T) become one weighted row.

use crate::data::rfm::CustomerTable;

/// Unique (x, t_x, T) rows with their total weight, in order of first appearance.
///
/// Likelihoods are sums over customers, so a sum over unique rows times their weights is the
/// same number with less work: real data (whole-day times, a few cohorts) repeats a lot.
///
/// ```
/// use clv::{CustomerTable, TimeUnit};
/// use clv::data::CompressedRfm;
/// use ndarray::array;
/// let t = CustomerTable::new(
///     vec!["a".into(), "b".into(), "c".into()],
///     array![0.0, 0.0, 1.0], array![0.0, 0.0, 2.0], array![5.0, 5.0, 5.0], TimeUnit::Weeks,
/// ).unwrap();
/// let c = CompressedRfm::from_table(&t);
/// assert_eq!(c.len(), 2);
/// assert_eq!(c.weight, vec![2.0, 1.0]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompressedRfm {
    /// Repeat purchases x of each unique row.
    pub frequency: Vec<f64>,
    /// Recency t_x of each unique row.
    pub recency: Vec<f64>,
    /// Age T of each unique row.
    pub age: Vec<f64>,
    /// Number of customers (sum of their weights) in each unique row.
    pub weight: Vec<f64>,
}

impl CompressedRfm {
    /// Compresses `table` (its weights, if any, are summed).
    pub fn from_table(table: &CustomerTable) -> Self {
        let index = table.distinct_index();
        let group_of = &index.group_of;
        let mut weight = vec![0.0; index.table.len()];
        match table.weights() {
            // summed in row order, as customers are met
            Some(w) => group_of
                .iter()
                .zip(w)
                .for_each(|(&g, &w)| weight[g as usize] += w),
            None => group_of.iter().for_each(|&g| weight[g as usize] += 1.0),
        }
        CompressedRfm {
            frequency: index.table.frequency().to_vec(),
            recency: index.table.recency().to_vec(),
            age: index.table.age().to_vec(),
            weight,
        }
    }

    /// Number of unique rows.
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// Total number of customers.
    pub fn total_weight(&self) -> f64 {
        self.weight.iter().sum()
    }
}
