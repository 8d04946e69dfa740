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

    /// The first two moments of a customer's future purchase values given her history (the
    /// process uncertainty of spend in [`crate::value::interval`]). Errors
    /// ([`Error::Undefined`](crate::Error::Undefined)) for a model without them (this default)
    /// or where they are infinite.
    fn spend_moments(&self, frequency: u32, monetary_value: f64) -> Result<SpendMoments> {
        let _ = (frequency, monetary_value);
        Err(crate::Error::undefined(
            format!("the {} moments of future spend", self.name()),
            "the model does not provide them",
        ))
    }
}

/// Moments of a customer's future purchase values `z_1, z_2, ...` given her history: they are
/// exchangeable but not independent (they share the customer's unknown spend level).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpendMoments {
    /// `E[z_i]`, the conditional expected spend per purchase.
    pub mean: f64,
    /// `E[z_i^2]`.
    pub square: f64,
    /// `E[z_i z_j]` for two different purchases `i != j`.
    pub cross: f64,
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
    fn spend_moments(&self, frequency: u32, monetary_value: f64) -> Result<SpendMoments> {
        self.model.spend_moments(frequency, monetary_value)
    }
}
