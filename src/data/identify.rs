//! Checks of a customer table before a model is fitted to it: can the data determine the
//! parameters at all, and which customers a spend model has to leave out.

use crate::data::rfm::CustomerTable;
use crate::error::{Error, Result};

/// Errors with [`Error::Unidentified`] when `table` cannot identify a purchase model: when no
/// customer made a repeat purchase, the likelihood of BG/NBD (and of every model of repeat
/// purchases) is flat in the dropout parameters and maximal at a purchase rate of 0, so an
/// optimiser "converges" wherever it started. Fit front ends call this first.
///
/// ```
/// use clv::{CustomerTable, TimeUnit};
/// let ids = vec!["a".to_string(), "b".to_string()];
/// let none = CustomerTable::new(ids, vec![0.0, 0.0].into(), vec![0.0, 0.0].into(), vec![5.0, 8.0].into(), TimeUnit::Weeks).unwrap();
/// let err = clv::data::check_identified(&none).unwrap_err();
/// assert!(err.to_string().contains("no customer made a repeat purchase"));
/// ```
pub fn check_identified(table: &CustomerTable) -> Result<()> {
    let x = table.frequency();
    if x.iter().all(|&x| x == 0.0) {
        return Err(Error::Unidentified {
            reason: format!(
                "no customer made a repeat purchase (frequency is 0 for all {} rows), so the \
                 purchase rate and the dropout cannot be estimated; use a longer observation \
                 period or check the summary's period and customer id column",
                table.len()
            ),
        });
    }
    Ok(())
}

/// Number of repeat customers (frequency > 0) whose mean spend is 0 (free orders, full
/// discounts), weights counted: the Gamma-Gamma fit leaves them out and predicts the
/// population mean spend for them. 0 when the table has no monetary values.
///
/// ```
/// use clv::{CustomerTable, TimeUnit};
/// let ids = vec!["a".to_string(), "b".to_string(), "c".to_string()];
/// let t = CustomerTable::new(ids, vec![2.0, 1.0, 0.0].into(), vec![4.0, 3.0, 0.0].into(), vec![5.0, 8.0, 8.0].into(), TimeUnit::Weeks)
///     .unwrap()
///     .with_monetary_value(vec![10.0, 0.0, 0.0].into())
///     .unwrap();
/// assert_eq!(clv::data::repeat_customers_without_spend(&t), 1.0);
/// ```
pub fn repeat_customers_without_spend(table: &CustomerTable) -> f64 {
    let Some(m) = table.monetary_value() else {
        return 0.0;
    };
    let x = table.frequency();
    (0..table.len())
        .filter(|&i| x[i] > 0.0 && m[i] <= 0.0)
        .map(|i| table.weight(i))
        .sum()
}
