//! Pieces shared by the discrete-time (BG/BB) and contractual (sBG, BdW) models: the fit
//! result, and log-Beta ratios with their derivatives.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::error::{Error, Result};
use crate::optim::FitReport;
use crate::special::ln_gamma_ratio;

/// A discrete-time or contractual model fitted by maximum likelihood, with the fit's report.
///
/// Predictions are called on the model: `fit.model.p_alive(...)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscreteFit<M> {
    /// The model with its estimated parameters.
    pub model: M,
    /// How the fit went: log-likelihood, standard errors, covariance.
    pub report: FitReport,
}

impl<M> DiscreteFit<M> {
    /// Total log-likelihood at the estimate.
    pub fn log_likelihood(&self) -> f64 {
        self.report.log_likelihood
    }

    /// Standard errors of the parameters, in the model's parameter order, when the Hessian at
    /// the estimate is positive definite.
    pub fn std_errors(&self) -> Option<Vec<f64>> {
        self.report.std_errors.as_ref().map(|s| s.to_vec())
    }
}

/// Validates that every parameter is positive and finite (`model` names them in the error).
pub(crate) fn check_positive(model: &str, names: &[&str], values: &[f64]) -> Result<()> {
    for (name, &v) in names.iter().zip(values) {
        if !(v > 0.0 && v.is_finite()) {
            return Err(Error::invalid_argument(
                *name,
                v,
                format!("{model} parameters must be positive and finite"),
            ));
        }
    }
    Ok(())
}

/// `ln B(a + i, b + j) - ln B(a, b)` and its derivatives in `a` and `b`, for fixed offsets:
/// `d/da = psi(a + i) - psi(a + b + i + j) - psi(a) + psi(a + b)` (and likewise in `b`).
///
/// `base` holds `psi(a)`, `psi(b)`, `psi(a + b)` and `ln B(a, b)`, computed once per
/// evaluation by [`BetaBase::new`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct BetaBase {
    a: f64,
    b: f64,
    psi_a: f64,
    psi_b: f64,
    psi_ab: f64,
    ln_b: f64,
}

impl BetaBase {
    pub(crate) fn new(a: f64, b: f64) -> Self {
        BetaBase {
            a,
            b,
            psi_a: digamma(a),
            psi_b: digamma(b),
            psi_ab: digamma(a + b),
            ln_b: ln_gamma(a) + ln_gamma_ratio(b, a + b).0,
        }
    }

    /// `(ln B(a+i, b+j) - ln B(a, b), d/da, d/db)`; offsets `i`, `j` are real, `>= 0`.
    pub(crate) fn ratio(&self, i: f64, j: f64) -> (f64, f64, f64) {
        let (a, b) = (self.a + i, self.b + j);
        let psi_sum = digamma(a + b);
        (
            self.ln_ratio(i, j),
            digamma(a) - psi_sum - self.psi_a + self.psi_ab,
            digamma(b) - psi_sum - self.psi_b + self.psi_ab,
        )
    }

    /// `ln B(a+i, b+j) - ln B(a, b)` without derivatives, as
    /// `ln G(a+i) + [ln G(b+j) - ln G(a+b+i+j)] - ln B(a, b)`: the bracket is a log-gamma
    /// ratio, accurate when `j` is large (long tenures, many opportunities), where the two
    /// log-gammas are large and close.
    pub(crate) fn ln_ratio(&self, i: f64, j: f64) -> f64 {
        let (a, b) = (self.a + i, self.b + j);
        ln_gamma(a) + ln_gamma_ratio(b, a + b).0 - self.ln_b
    }
}

/// Whether a likelihood can be evaluated at `p` (an optimiser's trial step can overflow or
/// underflow a parameter); if not, fills `grad` with NaN, which the fit driver rejects.
pub(crate) fn out_of_range(p: &[f64], grad: &mut [f64]) -> bool {
    if p.iter().all(|v| v.is_finite() && *v > 0.0) {
        return false;
    }
    grad.fill(f64::NAN);
    true
}

/// `ln(sum exp(terms))` with the gradient of the sum's log, each term given as
/// `(ln value, gradient)`.
pub(crate) fn log_sum_exp<const K: usize>(terms: &[(f64, [f64; K])]) -> (f64, [f64; K]) {
    let max = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    let mut grad = [0.0; K];
    for (ln, g) in terms {
        let w = (ln - max).exp();
        sum += w;
        for k in 0..K {
            grad[k] += w * g[k];
        }
    }
    for g in &mut grad {
        *g /= sum;
    }
    (max + sum.ln(), grad)
}
