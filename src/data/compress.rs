//! Compression of a customer table: customers with identical (x, t_x, T) become one weighted row.

use crate::data::hash::FastMap;
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
#[derive(Debug, Clone, PartialEq)]
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
        let (x, tx, age) = (table.frequency(), table.recency(), table.age());
        let mut index: FastMap<(u64, u64, u64), usize> = FastMap::default();
        index.reserve(1024);
        let mut out = CompressedRfm {
            frequency: Vec::new(),
            recency: Vec::new(),
            age: Vec::new(),
            weight: Vec::new(),
        };
        for i in 0..table.len() {
            // +0.0 folds -0.0 into 0.0 so that both hash alike.
            let key = (
                (x[i] + 0.0).to_bits(),
                (tx[i] + 0.0).to_bits(),
                (age[i] + 0.0).to_bits(),
            );
            let w = table.weight(i);
            match index.get(&key) {
                Some(&j) => out.weight[j] += w,
                None => {
                    index.insert(key, out.frequency.len());
                    out.frequency.push(x[i]);
                    out.recency.push(tx[i]);
                    out.age.push(age[i]);
                    out.weight.push(w);
                }
            }
        }
        out
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
