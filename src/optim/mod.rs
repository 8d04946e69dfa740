//! The optimisation engine every maximum-likelihood fit runs on (a leaf module: models
//! implement [`LogLikelihood`], [`crate::fit`] drives them; it depends on neither).
//!
//! * [`LogLikelihood`]: what a model gives the driver (its log-likelihood and analytic gradient,
//!   and its Hessian where it has one);
//! * [`maximize`]: the driver. It minimises the mean negative log-likelihood over the logarithms
//!   of the parameters (all parameters of these models are positive) under argmin's `Executor`:
//!   a damped Newton solver (an argmin `Solver`) when the model has an analytic Hessian,
//!   argmin's L-BFGS with the Moré-Thuente line search otherwise, then a polish to machine
//!   precision and the covariance of the estimates (delta method from the log scale);
//! * [`FitOptions`] (checked before any fitting), [`FitReport`] with a typed [`Termination`],
//!   [`StopReason`] for fits that do not converge, and [`Fitted`]: a model with its report.

mod engine;
pub(crate) mod linalg;
mod newton;
pub(crate) mod reduce;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

pub use engine::maximize;
pub(crate) use linalg::invert_spd;
pub use linalg::numerical_gradient;

/// A log-likelihood over positive parameters with its analytic gradient.
pub trait LogLikelihood: Sync {
    /// Parameter names, in the order of the parameter vector.
    fn param_names(&self) -> &'static [&'static str];

    /// Total weighted log-likelihood at `params` (natural scale, every entry > 0); writes the
    /// gradient with respect to `params` into `grad` (same length).
    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64;

    /// The total weight (number of customers) the log-likelihood sums over.
    fn total_weight(&self) -> f64;

    /// Total log-likelihood at `params` with its gradient (into `grad`) and its Hessian (into
    /// `hess`, row-major `k x k`, with respect to the natural-scale parameters), for models
    /// that have an analytic Hessian; `None` (the default) when they do not.
    ///
    /// With a Hessian the driver runs Newton's method, which needs a handful of evaluations
    /// where L-BFGS needs dozens, and takes the covariance from it; without one it uses
    /// L-BFGS and finite differences of the gradient.
    fn value_gradient_hessian(
        &self,
        params: &[f64],
        grad: &mut [f64],
        hess: &mut [f64],
    ) -> Option<f64> {
        let _ = (params, grad, hess);
        None
    }
}

/// Options of a maximum-likelihood fit, checked before any fitting starts.
///
/// ```
/// let opts = clv::fit::FitOptions::default().penalizer(0.001).max_iters(200);
/// assert_eq!(opts.max_iters, 200);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// L2 penalty `penalizer * sum(params^2)` added to the mean negative log-likelihood, on
    /// the parameters of the data rescaled so that the oldest customer has age 1: Python
    /// lifetimes 0.11.3's `penalizer_coef`, which gives the same estimates. 0 for plain
    /// maximum likelihood.
    pub penalizer: f64,
    /// Maximum number of iterations of the optimiser.
    pub max_iters: u64,
    /// Convergence tolerance on the norm of the gradient of the mean negative log-likelihood
    /// with respect to the log-parameters.
    pub tolerance: f64,
    /// Merge customers with identical data into weighted rows before fitting (the same
    /// estimates, less work). On by default.
    pub compress: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            penalizer: 0.0,
            max_iters: 1000,
            tolerance: 1e-10,
            compress: true,
        }
    }
}

impl FitOptions {
    /// Sets the L2 penalty coefficient.
    pub fn penalizer(mut self, penalizer: f64) -> Self {
        self.penalizer = penalizer;
        self
    }
    /// Sets the maximum number of iterations.
    pub fn max_iters(mut self, max_iters: u64) -> Self {
        self.max_iters = max_iters;
        self
    }
    /// Sets the gradient-norm tolerance.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }
    /// Sets whether identical customers are merged before fitting.
    pub fn compress(mut self, compress: bool) -> Self {
        self.compress = compress;
        self
    }

    /// Checks the options: a non-negative finite penalizer, a positive tolerance.
    ///
    /// ```
    /// use clv::fit::FitOptions;
    /// assert!(FitOptions::default().penalizer(-1.0).check().is_err());
    /// assert!(FitOptions::default().check().is_ok());
    /// ```
    pub fn check(&self) -> crate::Result<()> {
        if !(self.penalizer >= 0.0 && self.penalizer.is_finite()) {
            return Err(crate::Error::invalid_argument(
                "penalizer",
                self.penalizer,
                "must be a finite number >= 0",
            ));
        }
        if self.tolerance.is_nan() || self.tolerance <= 0.0 {
            return Err(crate::Error::invalid_argument(
                "tolerance",
                self.tolerance,
                "must be > 0",
            ));
        }
        Ok(())
    }
}

/// How the optimiser reached the estimate of a successful fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Termination {
    /// Newton's method with the model's analytic Hessian reached the gradient tolerance.
    Newton,
    /// L-BFGS reached the gradient tolerance.
    Lbfgs,
    /// L-BFGS's line search could not improve further, at a point whose gradient is within
    /// the tolerance (convergence to machine precision).
    LbfgsLineSearchAtOptimum,
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Termination::Newton => "converged (Newton's method)",
            Termination::Lbfgs => "converged (L-BFGS)",
            Termination::LbfgsLineSearchAtOptimum => {
                "converged (L-BFGS; the line search could not improve further)"
            }
        })
    }
}

/// Why an optimiser stopped without converging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum StopReason {
    /// The iteration limit was reached.
    MaxIterations,
    /// No step decreased the objective (a line search or the Newton damping gave up) away
    /// from a stationary point.
    NoImprovement,
    /// The log-likelihood was not finite at the last iterate.
    NotFinite,
    /// The optimiser reported an error (its message).
    Solver(String),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::MaxIterations => f.write_str("the iteration limit was reached"),
            StopReason::NoImprovement => f.write_str("no step improved the likelihood"),
            StopReason::NotFinite => f.write_str("the log-likelihood is not finite"),
            StopReason::Solver(m) => write!(f, "the optimiser failed ({m})"),
        }
    }
}

/// What a fit found and how it got there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Parameter names, in order.
    pub param_names: Vec<String>,
    /// Estimated parameters (natural scale).
    pub params: Vec<f64>,
    /// Total log-likelihood at the estimate (without the penalty).
    pub log_likelihood: f64,
    /// Number of customers (sum of weights).
    pub n_customers: f64,
    /// Iterations of the optimiser.
    pub iterations: u64,
    /// Evaluations of the log-likelihood and gradient.
    pub evaluations: u64,
    /// How the optimiser converged.
    pub termination: Termination,
    /// Norm of the objective's gradient (mean scale, log-parameters) at the estimate.
    pub gradient_norm: f64,
    /// Standard errors of the parameters (natural scale), when the Hessian is positive definite.
    pub std_errors: Option<Array1<f64>>,
    /// Covariance matrix of the parameters (natural scale), when the Hessian is positive definite.
    pub covariance: Option<Array2<f64>>,
}

impl FitReport {
    /// Akaike information criterion, `2k - 2 LL`.
    pub fn aic(&self) -> f64 {
        2.0 * self.params.len() as f64 - 2.0 * self.log_likelihood
    }

    /// Bayesian information criterion, `k ln(n) - 2 LL`, with `n` the number of customers.
    ///
    /// ```
    /// # use clv::fit::{FitReport, Termination};
    /// let r = FitReport { param_names: vec!["p".into()], params: vec![1.0], log_likelihood: -10.0,
    ///     n_customers: 100.0, iterations: 1, evaluations: 1, termination: Termination::Newton,
    ///     gradient_norm: 0.0, std_errors: None, covariance: None };
    /// assert!((r.bic() - (100f64.ln() + 20.0)).abs() < 1e-12);
    /// ```
    pub fn bic(&self) -> f64 {
        self.params.len() as f64 * self.n_customers.ln() - 2.0 * self.log_likelihood
    }
}

/// A fitted model together with the report of its fit.
///
/// It predicts like the model (it implements the model traits by forwarding), but it does not
/// dereference to it: the estimates are read with [`model`](Self::model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted<M> {
    /// The model with its estimated parameters.
    pub model: M,
    /// How the fit went: log-likelihood, iterations, standard errors, covariance.
    pub report: FitReport,
}

impl<M> Fitted<M> {
    /// The model with its estimated parameters.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The report of the fit.
    pub fn report(&self) -> &FitReport {
        &self.report
    }

    /// The same fit with the model converted (for example into a registry enum).
    pub fn map<N>(self, f: impl FnOnce(M) -> N) -> Fitted<N> {
        Fitted {
            model: f(self.model),
            report: self.report,
        }
    }
}
