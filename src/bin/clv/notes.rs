//! Notes the commands print about customers a model treats apart.

use clv::CustomerTable;

/// The note on repeat customers whose mean spend is 0, when there are any: the Gamma-Gamma
/// fit leaves them out and their expected spend is the population mean.
pub fn zero_spend(table: &CustomerTable) -> Option<String> {
    zero_spend_count(clv::data::repeat_customers_without_spend(table))
}

/// [`zero_spend`] from the number of such customers.
pub fn zero_spend_count(n: f64) -> Option<String> {
    (n > 0.0).then(|| {
        format!(
            "{n:.0} repeat customers with a mean repeat spend of 0 (free orders) are left out of \
             the Gamma-Gamma fit, which needs positive spends; their expected spend is the \
             population mean"
        )
    })
}
