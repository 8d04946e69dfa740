//! The models: one module each, owning its likelihood, gradient and predictions.
//!
//! Purchase-and-dropout models (BG/NBD, ...) implement [`PurchaseModel`], which is all the
//! value layer needs to turn them into lifetime values.

pub mod bdw;
pub mod bgbb;
pub mod bgnbd;
pub mod discrete;
pub mod gamma_gamma;
pub mod retention;
pub mod sbg;

pub use bgnbd::BgNbd;
pub use gamma_gamma::{frequency_spend_correlation, GammaGamma, SpendCorrelation};

use ndarray::{Array1, Array2};
use rayon::prelude::*;

use crate::data::{CustomerTable, Rfm};
use crate::time::{Duration, TimeUnit};

/// The trigamma function `psi_1(x) = d^2 ln Gamma(x) / dx^2` for `x > 0` (the analytic
/// Hessians of the likelihoods need it; statrs has none): the recurrence
/// `psi_1(x) = psi_1(x + 1) + 1 / x^2` up to `x >= 10`, then the asymptotic series
/// `1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1)` (Abramowitz & Stegun 6.4.12), whose first omitted
/// term is below 1e-16 relative there.
pub(crate) fn trigamma(x: f64) -> f64 {
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    // Bernoulli numbers B_2 .. B_16: 1/6, -1/30, 1/42, -1/30, 5/66, -691/2730, 7/6, -3617/510
    let series = z
        * (1.0 / 6.0
            + z * (-1.0 / 30.0
                + z * (1.0 / 42.0
                    + z * (-1.0 / 30.0
                        + z * (5.0 / 66.0
                            + z * (-691.0 / 2730.0 + z * (7.0 / 6.0 + z * (-3617.0 / 510.0))))))));
    acc + (1.0 + 0.5 / x + series) / x
}

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

    /// Discounted expected purchases of every customer of `table`:
    /// `sum_j factors[j] * (N(ends[j]) - N(ends[j-1]))`, with `N(t)` the expected cumulative
    /// purchases in the `t` after the end of observation ([`expected_purchases`](Self::expected_purchases)),
    /// `ends` ascending and `N(0) = 0`. The value layer multiplies it by spend and margin.
    ///
    /// The default goes through [`expected_purchases_curve`](Self::expected_purchases_curve);
    /// models override it when they can avoid the `customers x steps` matrix.
    ///
    /// Errors ([`Error::Model`](crate::Error::Model), naming the customer) when a cumulative
    /// expectation is not finite or decreases (beyond rounding), and
    /// ([`Error::InvalidArgument`](crate::Error::InvalidArgument)) when `ends` and `factors`
    /// differ in length.
    ///
    /// ```
    /// use clv::models::{BgNbd, PurchaseModel};
    /// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
    /// let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    /// let table = CustomerTable::from_customers(&[Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap()]).unwrap();
    /// let ends = [Duration::weeks(13.0), Duration::weeks(26.0), Duration::weeks(39.0)];
    /// // without discounting, the sum of the steps is the purchases over 39 weeks (FHL 2005: 1.226)
    /// let d = m.discounted_purchases(&table, &ends, &[1.0, 1.0, 1.0]).unwrap();
    /// assert!((d[0] - 1.226).abs() < 5e-4);
    /// ```
    fn discounted_purchases(
        &self,
        table: &CustomerTable,
        ends: &[Duration],
        factors: &[f64],
    ) -> crate::Result<Array1<f64>> {
        check_steps(ends, factors)?;
        let curve = self.expected_purchases_curve(table, ends);
        let mut out = Array1::zeros(table.len());
        for (i, row) in curve.outer_iter().enumerate() {
            out[i] = discounted_sum(row.iter().copied(), factors)
                .map_err(|(k, c, p)| decreasing_error(table, i, ends[k], c, p))?;
        }
        Ok(out)
    }
}

/// Checks that there is one discount factor per step end.
pub(crate) fn check_steps(ends: &[Duration], factors: &[f64]) -> crate::Result<()> {
    if ends.len() != factors.len() {
        return Err(crate::Error::invalid_argument(
            "factors",
            factors.len() as f64,
            format!("one discount factor per step end ({} ends)", ends.len()),
        ));
    }
    Ok(())
}

/// `sum_j factors[j] * max(N_j - N_{j-1}, 0)` of a cumulative curve `N_1, N_2, ...` (`N_0 = 0`);
/// `Err((j, N_j, N_{j-1}))` at the first value that is not finite or decreases beyond rounding.
pub(crate) fn discounted_sum(
    cumulative: impl Iterator<Item = f64>,
    factors: &[f64],
) -> std::result::Result<f64, (usize, f64, f64)> {
    let mut previous: f64 = 0.0;
    let mut total = 0.0;
    for (k, (c, &f)) in cumulative.zip(factors).enumerate() {
        // a tolerance for rounding in models whose expectation is a difference of terms
        if !c.is_finite() || c < previous - 1e-9 * previous.abs().max(1.0) {
            return Err((k, c, previous));
        }
        total += (c - previous).max(0.0) * f;
        previous = c;
    }
    Ok(total)
}

/// The error of a purchase model whose cumulative expectation is not finite or decreases.
pub(crate) fn decreasing_error(
    table: &CustomerTable,
    row: usize,
    end: Duration,
    cumulative: f64,
    previous: f64,
) -> crate::Error {
    crate::Error::Model(format!(
        "customer {:?} (row {}): the purchase model's expected cumulative purchases at {end} \
         is {cumulative} (previous step: {previous}); expected a finite, non-decreasing value",
        table.ids()[row],
        row + 1,
    ))
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
    fn discounted_purchases(
        &self,
        table: &CustomerTable,
        ends: &[Duration],
        factors: &[f64],
    ) -> crate::Result<Array1<f64>> {
        self.model.discounted_purchases(table, ends, factors)
    }
}

#[cfg(test)]
mod tests {
    use super::trigamma;
    use approx::assert_relative_eq;
    use std::f64::consts::PI;

    #[test]
    fn trigamma_closed_forms() {
        // psi_1(1) = pi^2/6, psi_1(1/2) = pi^2/2, psi_1(n + 1) = pi^2/6 - sum_{k<=n} 1/k^2
        // (Abramowitz & Stegun 6.4.2, 6.4.4, 6.4.6).
        assert_relative_eq!(trigamma(1.0), PI * PI / 6.0, max_relative = 1e-14);
        assert_relative_eq!(trigamma(0.5), PI * PI / 2.0, max_relative = 1e-14);
        let harmonic2: f64 = (1..=30).map(|k| 1.0 / (k * k) as f64).sum();
        assert_relative_eq!(
            trigamma(31.0),
            PI * PI / 6.0 - harmonic2,
            max_relative = 1e-12
        );
        // psi_1(x) ~ 1/x^2 as x -> 0 (the pole), ~ 1/x as x -> infinity
        assert_relative_eq!(trigamma(1e-8), 1e16, max_relative = 1e-7);
        assert_relative_eq!(trigamma(1e8), 1e-8, max_relative = 1e-7);
    }

    #[test]
    fn trigamma_is_the_derivative_of_digamma() {
        for x in [0.03, 0.7, 2.5, 9.9, 10.1, 55.0] {
            let h = 1e-5 * x;
            let fd = (statrs::function::gamma::digamma(x + h)
                - statrs::function::gamma::digamma(x - h))
                / (2.0 * h);
            assert_relative_eq!(trigamma(x), fd, max_relative = 1e-7);
        }
    }
}
