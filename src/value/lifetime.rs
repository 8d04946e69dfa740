//! Discounted lifetime value of each customer.

use ndarray::Array1;

use crate::data::CustomerTable;
use crate::error::Result;
use crate::models::{PurchaseModel, SpendModel};
use crate::value::config::ClvConfig;

/// Discounted expected number of purchases of every customer over the configured horizon:
/// `sum_i (N(t_i) - N(t_{i-1})) * discount(t_i)` with `N` the model's expected cumulative
/// purchases after the end of observation (see [`ClvConfig`]). Margin and spend are not applied.
///
/// Errors when the configuration is invalid or the model returns a non-finite or decreasing
/// cumulative expectation (naming the customer).
///
/// ```
/// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
/// use clv::models::PurchaseModel;
/// use clv::value::{discounted_purchases, ClvConfig, Discount};
///
/// /// A customer who buys 2 times a week for ever.
/// struct Steady;
/// impl PurchaseModel for Steady {
///     fn name(&self) -> &'static str { "steady" }
///     fn param_names(&self) -> &'static [&'static str] { &[] }
///     fn time_scale_params(&self) -> &'static [bool] { &[] }
///     fn params(&self) -> Vec<f64> { vec![] }
///     fn time_unit(&self) -> TimeUnit { TimeUnit::Weeks }
///     fn p_alive(&self, _: &Rfm) -> f64 { 1.0 }
///     fn expected_purchases(&self, _: &Rfm, h: Duration) -> f64 { 2.0 * h.in_unit(TimeUnit::Weeks) }
///     fn expected_purchases_new_customer(&self, t: Duration) -> f64 { 2.0 * t.in_unit(TimeUnit::Weeks) }
/// }
/// let table = CustomerTable::from_customers(&[Rfm::new(3, 5.0, 10.0, TimeUnit::Weeks).unwrap()]).unwrap();
/// let config = ClvConfig::new(Duration::weeks(2.0), Duration::weeks(1.0), Discount::PerStep(1.0), 1.0).unwrap();
/// // 2 purchases in week 1 at 1/2, 2 in week 2 at 1/4
/// assert_eq!(discounted_purchases(&Steady, &table, &config).unwrap()[0], 1.5);
/// ```
pub fn discounted_purchases<M: PurchaseModel + ?Sized>(
    purchase: &M,
    table: &CustomerTable,
    config: &ClvConfig,
) -> Result<Array1<f64>> {
    config.validate()?;
    purchase.discounted_purchases(table, &config.step_ends(), &config.discount_factors())
}

/// Lifetime value of every customer of `table`, in row order: `margin * E[spend | x, mbar] *`
/// [`discounted_purchases`], with the Gamma-Gamma conditional expected spend. The discounted
/// purchases are computed once per distinct (x, t_x, T) (see
/// [`DistinctHistories`](crate::value::DistinctHistories)).
///
/// Errors when the table has no monetary values, the configuration is invalid or the purchase
/// model gives non-finite values.
///
/// ```
/// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
/// use clv::models::{GammaGamma, PurchaseModel};
/// use clv::value::{lifetime_value, ClvConfig, Discount};
/// use ndarray::array;
///
/// struct Steady;
/// impl PurchaseModel for Steady {
///     fn name(&self) -> &'static str { "steady" }
///     fn param_names(&self) -> &'static [&'static str] { &[] }
///     fn time_scale_params(&self) -> &'static [bool] { &[] }
///     fn params(&self) -> Vec<f64> { vec![] }
///     fn time_unit(&self) -> TimeUnit { TimeUnit::Weeks }
///     fn p_alive(&self, _: &Rfm) -> f64 { 1.0 }
///     fn expected_purchases(&self, _: &Rfm, h: Duration) -> f64 { h.in_unit(TimeUnit::Weeks) }
///     fn expected_purchases_new_customer(&self, t: Duration) -> f64 { t.in_unit(TimeUnit::Weeks) }
/// }
/// let table = CustomerTable::from_customers(&[Rfm::new(0, 0.0, 10.0, TimeUnit::Weeks).unwrap()])
///     .unwrap()
///     .with_monetary_value(array![0.0])
///     .unwrap();
/// let spend = GammaGamma::new(6.0, 3.0, 10.0).unwrap(); // population mean 30
/// let config = ClvConfig::new(Duration::weeks(4.0), Duration::weeks(1.0), Discount::None, 0.5).unwrap();
/// assert_eq!(lifetime_value(&Steady, &spend, &table, &config).unwrap()[0], 0.5 * 30.0 * 4.0);
/// ```
pub fn lifetime_value<M: PurchaseModel + ?Sized, S: SpendModel + ?Sized>(
    purchase: &M,
    spend: &S,
    table: &CustomerTable,
    config: &ClvConfig,
) -> Result<Array1<f64>> {
    let expected_spend = spend.expected_spend_all(table)?;
    let purchases = crate::value::score::discounted_by_distinct(purchase, table, config)?;
    Ok(purchases * expected_spend * config.margin)
}
