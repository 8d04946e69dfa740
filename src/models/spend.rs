//! The spend-model trait: how much a customer spends per purchase.

use ndarray::Array1;

use crate::data::CustomerTable;
use crate::error::Result;

/// A model of the value of a customer's purchases (Gamma-Gamma now), as the value layer and
/// the report use it.
///
/// ```
/// use clv::models::{GammaGamma, SpendModel};
/// let gg = GammaGamma::new(6.0, 3.0, 10.0).unwrap();
/// let spend: &dyn SpendModel = &gg;
/// assert_eq!(spend.name(), "Gamma-Gamma");
/// assert_eq!(spend.population_mean_spend().unwrap(), 30.0);
/// ```
pub trait SpendModel: Sync {
    /// The model's name as printed.
    fn name(&self) -> &'static str;

    /// The parameter names, in the order of [`params`](Self::params).
    fn param_names(&self) -> &'static [&'static str];

    /// The parameters.
    fn params(&self) -> Vec<f64>;

    /// Mean spend per purchase of the population: what a customer without repeat purchases is
    /// expected to spend.
    fn population_mean_spend(&self) -> Result<f64>;

    /// Expected mean spend per purchase of a customer with `frequency` repeat purchases of mean
    /// value `monetary_value`.
    fn expected_spend(&self, frequency: u32, monetary_value: f64) -> Result<f64>;

    /// [`expected_spend`](Self::expected_spend) of every row of `table`, in row order.
    fn expected_spend_all(&self, table: &CustomerTable) -> Result<Array1<f64>>;
}

impl<S: SpendModel> SpendModel for crate::optim::Fitted<S> {
    fn name(&self) -> &'static str {
        self.model.name()
    }
    fn param_names(&self) -> &'static [&'static str] {
        self.model.param_names()
    }
    fn params(&self) -> Vec<f64> {
        self.model.params()
    }
    fn population_mean_spend(&self) -> Result<f64> {
        self.model.population_mean_spend()
    }
    fn expected_spend(&self, frequency: u32, monetary_value: f64) -> Result<f64> {
        self.model.expected_spend(frequency, monetary_value)
    }
    fn expected_spend_all(&self, table: &CustomerTable) -> Result<Array1<f64>> {
        self.model.expected_spend_all(table)
    }
}
