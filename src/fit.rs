//! The maximum-likelihood driver shared by every model.
//!
//! A model exposes its log-likelihood and analytic gradient through [`LogLikelihood`]; this
//! module maximises it with argmin's L-BFGS (Moré-Thuente line search) over the logarithms of the
//! parameters (all parameters of these models are positive), then estimates the covariance of the
//! estimates from the Hessian at the optimum (finite differences of the analytic gradient, delta
//! method from the log scale to the natural scale).

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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

/// Options of a maximum-likelihood fit.
///
/// ```
/// let opts = clv::fit::FitOptions::default().penalizer(0.001).max_iters(200);
/// assert_eq!(opts.max_iters, 200);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Starting parameters (natural scale); each model has a default.
    pub initial: Option<Vec<f64>>,
    /// L2 penalty `penalizer * sum(params^2)` added to the mean negative log-likelihood
    /// (lifetimes' `penalizer_coef`). 0 for plain maximum likelihood.
    pub penalizer: f64,
    /// Maximum number of L-BFGS iterations.
    pub max_iters: u64,
    /// Convergence tolerance on the norm of the gradient of the mean negative log-likelihood
    /// with respect to the log-parameters.
    pub tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            initial: None,
            penalizer: 0.0,
            max_iters: 1000,
            tolerance: 1e-10,
        }
    }
}

impl FitOptions {
    /// Sets the starting parameters.
    pub fn initial(mut self, params: Vec<f64>) -> Self {
        self.initial = Some(params);
        self
    }
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
    /// L-BFGS iterations.
    pub iterations: u64,
    /// Evaluations of the log-likelihood and gradient.
    pub evaluations: u64,
    /// Why the optimiser stopped.
    pub termination: String,
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
}

/// A point on the log scale with the objective's value and gradient there.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

/// The objective argmin minimises: mean negative log-likelihood plus penalty, over log-params.
struct Objective<'a, L: LogLikelihood> {
    ll: &'a L,
    penalizer: f64,
    weight: f64,
    /// The last evaluation: argmin asks for cost and gradient at the same point separately.
    cache: Mutex<Option<Evaluation>>,
    evaluations: Mutex<u64>,
}

impl<L: LogLikelihood> Objective<'_, L> {
    fn evaluate(
        &self,
        log_params: &[f64],
    ) -> std::result::Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Some((p, v, g)) = self.cache.lock().unwrap().as_ref() {
            if p.as_slice() == log_params {
                return Ok((*v, g.clone()));
            }
        }
        let params: Vec<f64> = log_params.iter().map(|v| v.exp()).collect();
        let mut grad = vec![0.0; params.len()];
        let ll = self.ll.value_and_gradient(&params, &mut grad);
        let mut value = -ll / self.weight;
        for (g, &p) in grad.iter_mut().zip(&params) {
            // chain rule to log scale; penalty p^2 has derivative 2 p^2 in log p.
            *g = -*g * p / self.weight + 2.0 * self.penalizer * p * p;
            value += self.penalizer * p * p;
        }
        if !value.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(argmin::core::Error::msg(format!(
                "log-likelihood is not finite at parameters {params:?}"
            )));
        }
        *self.evaluations.lock().unwrap() += 1;
        *self.cache.lock().unwrap() = Some((log_params.to_vec(), value, grad.clone()));
        Ok((value, grad))
    }
}

/// The objective's value, gradient and Hessian on the log scale at one point.
#[derive(Clone)]
struct Second {
    value: f64,
    grad: Vec<f64>,
    hess: Array2<f64>,
}

/// Why [`Objective::second`] has no answer.
#[derive(Debug, PartialEq)]
enum NoSecond {
    /// The model has no analytic Hessian.
    Unsupported,
    /// The objective is not finite there.
    NotFinite,
}

impl<L: LogLikelihood> Objective<'_, L> {
    /// Value, gradient and Hessian of the objective at `log_params` from the model's analytic
    /// Hessian, by the chain rule from the natural scale:
    /// `d2 f / du_i du_j = -(H_ij p_i p_j + [i = j] g_i p_i) / W + [i = j] 4 c p_i^2`.
    fn second(&self, log_params: &[f64]) -> std::result::Result<Second, NoSecond> {
        let k = log_params.len();
        let params: Vec<f64> = log_params.iter().map(|v| v.exp()).collect();
        let mut grad = vec![0.0; k];
        let mut h = vec![0.0; k * k];
        let ll = self
            .ll
            .value_gradient_hessian(&params, &mut grad, &mut h)
            .ok_or(NoSecond::Unsupported)?;
        *self.evaluations.lock().unwrap() += 1;
        let (w, c) = (self.weight, self.penalizer);
        let mut value = -ll / w;
        let mut hess = Array2::<f64>::zeros((k, k));
        for i in 0..k {
            for j in 0..k {
                hess[[i, j]] = -h[i * k + j] * params[i] * params[j] / w;
            }
            hess[[i, i]] += -grad[i] * params[i] / w + 4.0 * c * params[i] * params[i];
        }
        for (g, &p) in grad.iter_mut().zip(&params) {
            *g = -*g * p / w + 2.0 * c * p * p;
            value += c * p * p;
        }
        if !value.is_finite()
            || grad.iter().any(|g| !g.is_finite())
            || hess.iter().any(|v| !v.is_finite())
        {
            return Err(NoSecond::NotFinite);
        }
        *self.cache.lock().unwrap() = Some((log_params.to_vec(), value, grad.clone()));
        Ok(Second { value, grad, hess })
    }
}

impl<L: LogLikelihood> CostFunction for &Objective<'_, L> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        self.evaluate(p).map(|(v, _)| v)
    }
}

impl<L: LogLikelihood> Gradient for &Objective<'_, L> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Self::Param) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        self.evaluate(p).map(|(_, g)| g)
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Maximises `ll` from `initial` (natural scale; `options.initial` overrides it).
///
/// Returns an [`Error::NotConverged`] with the last iterate when L-BFGS stops for any reason
/// other than convergence (iteration limit, a failed line search far from a stationary point,
/// a non-finite likelihood).
pub fn maximize<L: LogLikelihood>(
    model: &str,
    ll: &L,
    initial: &[f64],
    options: &FitOptions,
) -> Result<FitReport> {
    let names = ll.param_names();
    let start = options.initial.as_deref().unwrap_or(initial);
    if start.len() != names.len() {
        return Err(Error::invalid_argument(
            "initial",
            start.len() as f64,
            format!(
                "{model} has {} parameters ({})",
                names.len(),
                names.join(", ")
            ),
        ));
    }
    for (name, &p) in names.iter().zip(start) {
        if !(p > 0.0 && p.is_finite()) {
            return Err(Error::invalid_argument(
                *name,
                p,
                "initial parameters must be positive and finite",
            ));
        }
    }
    if !(options.penalizer >= 0.0 && options.penalizer.is_finite()) {
        return Err(Error::invalid_argument(
            "penalizer",
            options.penalizer,
            "must be >= 0",
        ));
    }
    if options.tolerance.is_nan() || options.tolerance <= 0.0 {
        return Err(Error::invalid_argument(
            "tolerance",
            options.tolerance,
            "must be > 0",
        ));
    }
    let weight = ll.total_weight();
    let objective = Objective {
        ll,
        penalizer: options.penalizer,
        weight,
        cache: Mutex::new(None),
        evaluations: Mutex::new(0),
    };
    let log_start: Vec<f64> = start.iter().map(|p| p.ln()).collect();

    // Newton's method when the model has an analytic Hessian: a handful of evaluations.
    if let Ok(first) = objective.second(&log_start) {
        if let Some((x, iterations, at)) = newton(
            &objective,
            log_start.clone(),
            first,
            options.tolerance,
            options.max_iters,
        ) {
            let (x, at) = polish_analytic(&objective, x, at);
            let gradient_norm = norm(&at.grad);
            if gradient_norm <= options.tolerance {
                let params: Vec<f64> = x.iter().map(|v| v.exp()).collect();
                let penalty: f64 = params.iter().map(|p| options.penalizer * p * p).sum();
                let log_likelihood = -(at.value - penalty) * weight;
                if log_likelihood.is_finite() {
                    let covariance = covariance_from(&at.hess, &x, weight);
                    let evaluations = *objective.evaluations.lock().unwrap();
                    return Ok(FitReport {
                        param_names: names.iter().map(|s| s.to_string()).collect(),
                        params,
                        log_likelihood,
                        n_customers: weight,
                        iterations,
                        evaluations,
                        termination: format!(
                            "converged (Newton's method, gradient norm {gradient_norm:.1e})"
                        ),
                        gradient_norm,
                        std_errors: covariance.as_ref().map(|c| c.diag().mapv(f64::sqrt)),
                        covariance,
                    });
                }
            }
        }
        // Newton failed (a region where the Hessian is far from definite, an iteration limit,
        // a non-finite likelihood): L-BFGS from the start, as for models without a Hessian.
    }

    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(options.tolerance)?
        .with_tolerance_cost(0.0)?;
    let run = Executor::new(&objective, solver)
        .configure(|s| s.param(log_start.clone()).max_iters(options.max_iters))
        .run();

    let (log_best, iterations, reason) = match run {
        Ok(res) => {
            let st = res.state();
            let best = st
                .get_best_param()
                .or_else(|| st.get_param())
                .cloned()
                .unwrap_or(log_start.clone());
            let reason = st
                .get_termination_reason()
                .cloned()
                .unwrap_or(TerminationReason::SolverExit("not terminated".into()));
            (best, st.get_iter(), reason)
        }
        Err(e) => (
            objective
                .cache
                .lock()
                .unwrap()
                .as_ref()
                .map_or(log_start.clone(), |c| c.0.clone()),
            0,
            TerminationReason::SolverExit(e.to_string()),
        ),
    };
    let log_best = if matches!(reason, TerminationReason::MaxItersReached) {
        log_best
    } else {
        match objective.second(&log_best) {
            Ok(at) => polish_analytic(&objective, log_best, at).0,
            Err(_) => polish(&objective, log_best),
        }
    };
    let params: Vec<f64> = log_best.iter().map(|v| v.exp()).collect();
    let (gradient_norm, log_likelihood) = match objective.evaluate(&log_best) {
        Ok((_, g)) => {
            let mut grad = vec![0.0; params.len()];
            (norm(&g), ll.value_and_gradient(&params, &mut grad))
        }
        Err(_) => (f64::NAN, f64::NAN),
    };
    // L-BFGS may stop on a failed line search once it is at the optimum to machine precision;
    // that is convergence, anything else is not.
    let converged = matches!(reason, TerminationReason::SolverConverged)
        || (!matches!(reason, TerminationReason::MaxItersReached)
            && gradient_norm <= options.tolerance.max(1e-7));
    if !converged || !log_likelihood.is_finite() {
        return Err(Error::NotConverged {
            model: model.to_string(),
            reason: reason.text().to_string(),
            iterations,
            params,
            log_likelihood,
            gradient_norm,
        });
    }
    let covariance = match objective.second(&log_best) {
        Ok(at) => covariance_from(&at.hess, &log_best, weight),
        Err(_) => {
            hessian(&objective, &log_best).and_then(|h| covariance_from(&h, &log_best, weight))
        }
    };
    let evaluations = *objective.evaluations.lock().unwrap();
    let std_errors = covariance.as_ref().map(|c| c.diag().mapv(f64::sqrt));
    Ok(FitReport {
        param_names: names.iter().map(|s| s.to_string()).collect(),
        params,
        log_likelihood,
        n_customers: weight,
        iterations,
        evaluations,
        termination: match reason {
            TerminationReason::SolverConverged => reason.text().to_string(),
            // accepted above because the gradient is at the tolerance: say so, and why it stopped
            _ => format!(
                "converged (gradient norm {gradient_norm:.1e}; the line search could not improve further)"
            ),
        },
        gradient_norm,
        std_errors,
        covariance,
    })
}

/// Hessian of the mean objective on the log scale at `x`, by central differences of the
/// analytic gradient (symmetrised).
fn hessian<L: LogLikelihood>(objective: &Objective<'_, L>, x: &[f64]) -> Option<Array2<f64>> {
    let k = x.len();
    let h = 1e-5;
    let mut hess = Array2::<f64>::zeros((k, k));
    for j in 0..k {
        let mut up = x.to_vec();
        let mut down = x.to_vec();
        up[j] += h;
        down[j] -= h;
        let gu = objective.evaluate(&up).ok()?.1;
        let gd = objective.evaluate(&down).ok()?.1;
        for i in 0..k {
            hess[[i, j]] = (gu[i] - gd[i]) / (2.0 * h);
        }
    }
    Some((&hess + &hess.t()) / 2.0)
}

/// Largest Newton step on the log scale (a factor of e^3 ~ 20 on a parameter): far from the
/// optimum the quadratic model is only a guide.
const MAX_LOG_STEP: f64 = 3.0;

/// Damped Newton's method (Levenberg-Marquardt damping `H + mu I`, raised until the step
/// decreases the objective, lowered after each success) from `x`, where the objective's
/// second-order evaluation is `at`. Returns the first point whose gradient norm is at most
/// `tolerance`, with the number of iterations and its evaluation; `None` when it gets stuck
/// or runs out of iterations.
fn newton<L: LogLikelihood>(
    objective: &Objective<'_, L>,
    mut x: Vec<f64>,
    mut at: Second,
    tolerance: f64,
    max_iters: u64,
) -> Option<(Vec<f64>, u64, Second)> {
    let k = x.len();
    let scale = (0..k).map(|i| at.hess[[i, i]].abs()).fold(1e-8, f64::max);
    let mut mu = 0.0f64;
    for iteration in 0..max_iters {
        let grad_norm = norm(&at.grad);
        if grad_norm <= tolerance {
            return Some((x, iteration, at));
        }
        let mut accepted = false;
        for _ in 0..40 {
            let mut h = at.hess.clone();
            for i in 0..k {
                h[[i, i]] += mu;
            }
            let raise = |mu: f64| if mu == 0.0 { 1e-3 * scale } else { mu * 10.0 };
            let Some(inv) = invert_spd(&h) else {
                mu = raise(mu);
                continue;
            };
            let mut step = inv.dot(&Array1::from(at.grad.clone()));
            let biggest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
            if biggest > MAX_LOG_STEP {
                step *= MAX_LOG_STEP / biggest;
            }
            let candidate: Vec<f64> = x.iter().zip(step.iter()).map(|(a, s)| a - s).collect();
            match objective.second(&candidate) {
                Ok(next)
                    if next.value < at.value
                        || (next.value <= at.value + 1e-13 * at.value.abs()
                            && norm(&next.grad) < grad_norm) =>
                {
                    x = candidate;
                    at = next;
                    mu = if mu > 1e-9 * scale { mu / 10.0 } else { 0.0 };
                    accepted = true;
                    break;
                }
                _ => mu = raise(mu),
            }
        }
        if !accepted {
            return None;
        }
    }
    (norm(&at.grad) <= tolerance).then_some((x, max_iters, at))
}

/// Plain Newton steps with the analytic Hessian from a point near the optimum, while they
/// improve: Newton reaches the optimum to machine precision, so that equivalent data
/// (compressed or not, other row order) gives the same estimates to ~1e-10.
fn polish_analytic<L: LogLikelihood>(
    objective: &Objective<'_, L>,
    mut x: Vec<f64>,
    mut at: Second,
) -> (Vec<f64>, Second) {
    for _ in 0..8 {
        let Some(inv) = invert_spd(&at.hess) else {
            break;
        };
        let step = inv.dot(&Array1::from(at.grad.clone()));
        let candidate: Vec<f64> = x.iter().zip(step.iter()).map(|(a, s)| a - s).collect();
        match objective.second(&candidate) {
            Ok(next)
                if next.value <= at.value + 1e-12 * at.value.abs()
                    && norm(&next.grad) <= norm(&at.grad) =>
            {
                x = candidate;
                at = next;
                if step.iter().all(|s| s.abs() < 1e-13) {
                    break;
                }
            }
            _ => break,
        }
    }
    (x, at)
}

/// Newton steps with a finite-difference Hessian from the L-BFGS solution, for models without
/// an analytic Hessian. The Hessian is computed once and reused (L-BFGS stops close to the
/// optimum, where it barely changes, so each step still shrinks the gradient by orders of
/// magnitude); see [`polish_analytic`] for why.
fn polish<L: LogLikelihood>(objective: &Objective<'_, L>, start: Vec<f64>) -> Vec<f64> {
    let mut x = start;
    let Ok((mut value, mut grad)) = objective.evaluate(&x) else {
        return x;
    };
    let Some(inv) = hessian(objective, &x).and_then(|h| invert_spd(&h)) else {
        return x;
    };
    for _ in 0..8 {
        let step = inv.dot(&Array1::from(grad.clone()));
        let candidate: Vec<f64> = x.iter().zip(step.iter()).map(|(xi, s)| xi - s).collect();
        match objective.evaluate(&candidate) {
            Ok((v, g2)) if v <= value + 1e-12 * value.abs() && norm(&g2) <= norm(&grad) => {
                x = candidate;
                value = v;
                grad = g2;
                if step.iter().all(|s| s.abs() < 1e-13) {
                    break;
                }
            }
            _ => break,
        }
    }
    x
}

/// Covariance of the natural-scale parameters from the Hessian `hess` of the mean objective
/// on the log scale at `log_best`: inverse of the total Hessian, then the delta method.
fn covariance_from(hess: &Array2<f64>, log_best: &[f64], weight: f64) -> Option<Array2<f64>> {
    let k = log_best.len();
    let mut cov = invert_spd(&(hess * weight))?;
    let p: Vec<f64> = log_best.iter().map(|v| v.exp()).collect();
    for i in 0..k {
        for j in 0..k {
            cov[[i, j]] *= p[i] * p[j];
        }
    }
    Some(cov)
}

/// Inverse of a symmetric positive-definite matrix by Cholesky; `None` when it is not
/// positive definite.
pub(crate) fn invert_spd(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[[i, m]] * l[[j, m]]).sum();
            if i == j {
                let d = a[[i, i]] - s;
                if d.is_nan() || d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[[i, i]] = d.sqrt();
            } else {
                l[[i, j]] = (a[[i, j]] - s) / l[[j, j]];
            }
        }
    }
    // inverse of L (lower triangular), then A^-1 = L^-T L^-1
    let mut linv = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        linv[[i, i]] = 1.0 / l[[i, i]];
        for j in 0..i {
            let s: f64 = (j..i).map(|m| l[[i, m]] * linv[[m, j]]).sum();
            linv[[i, j]] = -s / l[[i, i]];
        }
    }
    Some(linv.t().dot(&linv))
}

/// Central finite-difference gradient of `f` at `x` (for tests of analytic gradients).
///
/// ```
/// let g = clv::fit::numerical_gradient(|p| p[0] * p[0] + 3.0 * p[1], &[2.0, 1.0]);
/// assert!((g[0] - 4.0).abs() < 1e-6 && (g[1] - 3.0).abs() < 1e-6);
/// ```
pub fn numerical_gradient(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let h = 1e-6 * x[i].abs().max(1e-3);
            let mut up = x.to_vec();
            let mut down = x.to_vec();
            up[i] += h;
            down[i] -= h;
            // Richardson extrapolation of two central differences for ~1e-10 accuracy.
            let d1 = (f(&up) - f(&down)) / (2.0 * h);
            up[i] = x[i] + 2.0 * h;
            down[i] = x[i] - 2.0 * h;
            let d2 = (f(&up) - f(&down)) / (4.0 * h);
            (4.0 * d1 - d2) / 3.0
        })
        .collect()
}

/// A fitted model together with the report of its fit.
///
/// `Fitted<M>` dereferences to `M`, so predictions can be called on it directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted<M> {
    /// The model with its estimated parameters.
    pub model: M,
    /// How the fit went: log-likelihood, iterations, standard errors, covariance.
    pub report: FitReport,
}

impl<M> std::ops::Deref for Fitted<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use ndarray::array;

    #[test]
    fn spd_inverse() {
        let a = array![[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]];
        let inv = invert_spd(&a).unwrap();
        let eye = a.dot(&inv);
        for i in 0..3 {
            for j in 0..3 {
                assert_relative_eq!(eye[[i, j]], if i == j { 1.0 } else { 0.0 }, epsilon = 1e-12);
            }
        }
        assert!(invert_spd(&array![[1.0, 2.0], [2.0, 1.0]]).is_none());
    }

    /// Gamma(shape k, rate 1) sample log-likelihood in k and a scale: exact MLE known in closed
    /// form for the scale, so the driver's answer can be checked.
    struct Exponential {
        data: Vec<f64>,
    }
    impl LogLikelihood for Exponential {
        fn param_names(&self) -> &'static [&'static str] {
            &["rate"]
        }
        fn value_and_gradient(&self, p: &[f64], g: &mut [f64]) -> f64 {
            let n = self.data.len() as f64;
            let s: f64 = self.data.iter().sum();
            g[0] = n / p[0] - s;
            n * p[0].ln() - p[0] * s
        }
        fn total_weight(&self) -> f64 {
            self.data.len() as f64
        }
    }

    #[test]
    fn exponential_mle_and_standard_error() {
        let ll = Exponential {
            data: vec![0.5, 1.5, 2.0, 0.25, 0.75],
        };
        let fit = maximize("exponential", &ll, &[1.0], &FitOptions::default()).unwrap();
        // MLE rate = n / sum = 5 / 5 = 1.0; Fisher information n / rate^2 gives SE = rate / sqrt(n).
        let ll = Exponential {
            data: vec![0.5, 1.5, 2.0, 0.25, 0.75, 1.0],
        };
        let fit2 = maximize("exponential", &ll, &[3.0], &FitOptions::default()).unwrap();
        assert_relative_eq!(fit.params[0], 1.0, max_relative = 1e-8);
        assert_relative_eq!(fit2.params[0], 6.0 / 6.0, max_relative = 1e-8);
        assert_relative_eq!(
            fit2.std_errors.unwrap()[0],
            1.0 / 6f64.sqrt(),
            max_relative = 1e-5
        );
    }

    /// A Gamma(shape, rate) sample: two parameters, curved likelihood, analytic Hessian
    /// optional, so that both driver paths (Newton with the analytic Hessian; L-BFGS with
    /// finite differences) can be compared on one problem.
    struct GammaSample {
        data: Vec<f64>,
        analytic: bool,
    }
    impl LogLikelihood for GammaSample {
        fn param_names(&self) -> &'static [&'static str] {
            &["shape", "rate"]
        }
        // ln L = n k ln(b) - n lnG(k) + (k - 1) sum ln x - b sum x
        fn value_and_gradient(&self, p: &[f64], g: &mut [f64]) -> f64 {
            use statrs::function::gamma::{digamma, ln_gamma};
            let n = self.data.len() as f64;
            let (sl, s) = (
                self.data.iter().map(|x| x.ln()).sum::<f64>(),
                self.data.iter().sum::<f64>(),
            );
            g[0] = n * p[1].ln() - n * digamma(p[0]) + sl;
            g[1] = n * p[0] / p[1] - s;
            n * p[0] * p[1].ln() - n * ln_gamma(p[0]) + (p[0] - 1.0) * sl - p[1] * s
        }
        fn value_gradient_hessian(&self, p: &[f64], g: &mut [f64], h: &mut [f64]) -> Option<f64> {
            if !self.analytic {
                return None;
            }
            let n = self.data.len() as f64;
            h.copy_from_slice(&[
                -n * crate::models::trigamma(p[0]),
                n / p[1],
                n / p[1],
                -n * p[0] / (p[1] * p[1]),
            ]);
            Some(self.value_and_gradient(p, g))
        }
        fn total_weight(&self) -> f64 {
            self.data.len() as f64
        }
    }

    #[test]
    fn newton_and_lbfgs_paths_agree() {
        let data: Vec<f64> = (1..=40)
            .map(|i| 0.3 + (i as f64 * 0.7).sin().abs() * 4.0)
            .collect();
        let fit = |analytic, start: &[f64], penalizer| {
            let ll = GammaSample {
                data: data.clone(),
                analytic,
            };
            let opts = FitOptions::default().penalizer(penalizer);
            maximize("gamma", &ll, start, &opts).unwrap()
        };
        for penalizer in [0.0, 0.01] {
            for start in [[1.0, 1.0], [30.0, 0.01]] {
                let newton = fit(true, &start, penalizer);
                let lbfgs = fit(false, &start, penalizer);
                assert!(
                    newton.termination.contains("Newton"),
                    "{}",
                    newton.termination
                );
                assert!(
                    !lbfgs.termination.contains("Newton"),
                    "{}",
                    lbfgs.termination
                );
                assert!(newton.evaluations < lbfgs.evaluations);
                for j in 0..2 {
                    assert_relative_eq!(newton.params[j], lbfgs.params[j], max_relative = 1e-10);
                    let (a, b) = (
                        newton.std_errors.as_ref().unwrap()[j],
                        lbfgs.std_errors.as_ref().unwrap()[j],
                    );
                    // finite differences of the gradient are accurate to ~1e-8
                    assert_relative_eq!(a, b, max_relative = 1e-6);
                }
                assert_relative_eq!(
                    newton.log_likelihood,
                    lbfgs.log_likelihood,
                    max_relative = 1e-13
                );
            }
        }
    }

    #[test]
    fn newton_iteration_limit_is_an_error() {
        let ll = GammaSample {
            data: vec![0.5, 1.5, 2.0, 0.25, 0.75],
            analytic: true,
        };
        let err = maximize(
            "gamma",
            &ll,
            &[50.0, 0.01],
            &FitOptions::default().max_iters(1),
        )
        .unwrap_err();
        assert!(matches!(err, Error::NotConverged { .. }), "{err}");
    }

    #[test]
    fn iteration_limit_is_an_error() {
        let ll = Exponential {
            data: vec![0.001, 0.002],
        };
        let err = maximize(
            "exponential",
            &ll,
            &[1e-6],
            &FitOptions::default().max_iters(1),
        )
        .unwrap_err();
        assert!(matches!(err, Error::NotConverged { .. }), "{err}");
    }
}
