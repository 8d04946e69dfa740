//! The models: one module each, owning its likelihood, gradient and predictions.
//!
//! Purchase-and-dropout models (BG/NBD, ...) implement [`PurchaseModel`], which is all the
//! value layer needs to turn them into lifetime values.

pub mod bgnbd;
pub mod gamma_gamma;

pub use bgnbd::BgNbd;
pub use gamma_gamma::{frequency_spend_correlation, GammaGamma, SpendCorrelation};

use ndarray::{Array1, Array2};
use rayon::prelude::*;

use crate::data::{CustomerTable, Rfm};
use crate::time::{Duration, TimeUnit};

/// A fitted model of how many purchases customers make and when they drop out.
///
/// Times in [`Rfm`] and [`Duration`] carry their unit; implementations convert them to the
/// unit the model was fitted in, so a weekly model can be asked about days.
pub trait PurchaseModel: Sync {
    /// The unit of time the parameters are expressed in.
    fn time_unit(&self) -> TimeUnit;

    /// Probability that the customer is still active at the end of observation.
    fn p_alive(&self, customer: &Rfm) -> f64;

    /// Expected number of purchases in the `horizon` after the end of observation, given the
    /// customer's history (the conditional expectation).
    fn expected_purchases(&self, customer: &Rfm, horizon: Duration) -> f64;

    /// Expected number of repeat purchases in the first `t` of a new customer's life
    /// (the unconditional expectation E\[X(t)\]).
    fn expected_purchases_new_customer(&self, t: Duration) -> f64;

    /// Probability that the customer has churned (`1 - p_alive`).
    fn churn_probability(&self, customer: &Rfm) -> f64 {
        1.0 - self.p_alive(customer)
    }

    /// [`p_alive`](Self::p_alive) for every customer of `table`, in row order.
    fn p_alive_all(&self, table: &CustomerTable) -> Array1<f64> {
        let v: Vec<f64> = (0..table.len())
            .into_par_iter()
            .map(|i| self.p_alive(&table.get(i)))
            .collect();
        Array1::from(v)
    }

    /// [`churn_probability`](Self::churn_probability) for every customer of `table`.
    fn churn_probability_all(&self, table: &CustomerTable) -> Array1<f64> {
        self.p_alive_all(table).mapv(|p| 1.0 - p)
    }

    /// [`expected_purchases`](Self::expected_purchases) for every customer of `table`.
    fn expected_purchases_all(&self, table: &CustomerTable, horizon: Duration) -> Array1<f64> {
        let v: Vec<f64> = (0..table.len())
            .into_par_iter()
            .map(|i| self.expected_purchases(&table.get(i), horizon))
            .collect();
        Array1::from(v)
    }

    /// Expected cumulative purchases after the end of observation at each of `horizons`
    /// (ascending), for every customer: a `customers x horizons` matrix. The value layer
    /// differences its columns to get the purchases in each step.
    fn expected_purchases_curve(
        &self,
        table: &CustomerTable,
        horizons: &[Duration],
    ) -> Array2<f64> {
        let rows: Vec<f64> = (0..table.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let c = table.get(i);
                horizons
                    .iter()
                    .map(move |&h| self.expected_purchases(&c, h))
            })
            .collect();
        Array2::from_shape_vec((table.len(), horizons.len()), rows).expect("shape matches")
    }
}

/// A fitted purchase model predicts like the model itself.
impl<M: PurchaseModel> PurchaseModel for crate::fit::Fitted<M> {
    fn time_unit(&self) -> TimeUnit {
        self.model.time_unit()
    }
    fn p_alive(&self, customer: &Rfm) -> f64 {
        self.model.p_alive(customer)
    }
    fn expected_purchases(&self, customer: &Rfm, horizon: Duration) -> f64 {
        self.model.expected_purchases(customer, horizon)
    }
    fn expected_purchases_new_customer(&self, t: Duration) -> f64 {
        self.model.expected_purchases_new_customer(t)
    }
    fn p_alive_all(&self, table: &CustomerTable) -> Array1<f64> {
        self.model.p_alive_all(table)
    }
    fn expected_purchases_all(&self, table: &CustomerTable, horizon: Duration) -> Array1<f64> {
        self.model.expected_purchases_all(table, horizon)
    }
    fn expected_purchases_curve(
        &self,
        table: &CustomerTable,
        horizons: &[Duration],
    ) -> Array2<f64> {
        self.model.expected_purchases_curve(table, horizons)
    }
}
