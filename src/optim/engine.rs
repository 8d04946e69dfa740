//! The optimisation engine: the objective on the log scale and the driver that runs argmin's
//! solvers on it (damped Newton with an analytic Hessian, L-BFGS otherwise), polishes the
//! optimum and estimates the covariance.

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, Array2};

use super::newton::DampedNewton;
use super::{invert_spd, FitOptions, FitReport, LogLikelihood, StopReason, Termination};
use crate::error::{Error, Result};

/// A point on the log scale with the objective's value and gradient there.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

/// The objective argmin minimises: mean negative log-likelihood plus penalty, over log-params.
pub(super) struct Objective<'a, L: LogLikelihood> {
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
pub(super) struct Second {
    pub(super) value: f64,
    pub(super) grad: Vec<f64>,
    pub(super) hess: Array2<f64>,
}

/// Why [`Objective::second`] has no answer.
#[derive(Debug, PartialEq)]
pub(super) enum NoSecond {
    /// The model has no analytic Hessian.
    Unsupported,
    /// The objective is not finite there.
    NotFinite,
}

impl<L: LogLikelihood> Objective<'_, L> {
    /// Value, gradient and Hessian of the objective at `log_params` from the model's analytic
    /// Hessian, by the chain rule from the natural scale:
    /// `d2 f / du_i du_j = -(H_ij p_i p_j + [i = j] g_i p_i) / W + [i = j] 4 c p_i^2`.
    pub(super) fn second(&self, log_params: &[f64]) -> std::result::Result<Second, NoSecond> {
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

pub(super) fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Maximises `ll` from `initial` (natural scale).
///
/// Runs damped Newton when the model has an analytic Hessian, L-BFGS otherwise (and when
/// Newton stalls), both under argmin's `Executor`. Returns an [`Error::NotConverged`] with the
/// last iterate when the optimiser stops for any reason other than convergence (iteration
/// limit, no improving step away from a stationary point, a non-finite likelihood).
///
/// ```
/// use clv::fit::{maximize, FitOptions, LogLikelihood};
/// /// An exponential sample: the rate's MLE is n / sum.
/// struct Exp(Vec<f64>);
/// impl LogLikelihood for Exp {
///     fn param_names(&self) -> &'static [&'static str] { &["rate"] }
///     fn value_and_gradient(&self, p: &[f64], g: &mut [f64]) -> f64 {
///         let (n, s) = (self.0.len() as f64, self.0.iter().sum::<f64>());
///         g[0] = n / p[0] - s;
///         n * p[0].ln() - p[0] * s
///     }
///     fn total_weight(&self) -> f64 { self.0.len() as f64 }
/// }
/// let fit = maximize("exponential", &Exp(vec![0.5, 1.5, 2.0]), &[3.0], &FitOptions::default()).unwrap();
/// assert!((fit.params[0] - 0.75).abs() < 1e-9);
/// ```
pub fn maximize<L: LogLikelihood>(
    model: &str,
    ll: &L,
    initial: &[f64],
    options: &FitOptions,
) -> Result<FitReport> {
    check_start(model, ll.param_names(), initial)?;
    options.check()?;
    let objective = Objective {
        ll,
        penalizer: options.penalizer,
        weight: ll.total_weight(),
        cache: Mutex::new(None),
        evaluations: Mutex::new(0),
    };
    let log_start: Vec<f64> = initial.iter().map(|p| p.ln()).collect();
    if let Some(report) = run_newton(&objective, &log_start, options) {
        return Ok(report);
    }
    // Newton failed or does not apply (no analytic Hessian, a region where the Hessian is far
    // from definite, an iteration limit, a non-finite likelihood): L-BFGS from the start.
    run_lbfgs(model, &objective, log_start, options)
}

/// Checks that the start has one positive, finite value per parameter.
fn check_start(model: &str, names: &[&str], start: &[f64]) -> Result<()> {
    if start.len() != names.len() {
        return Err(Error::invalid_argument(
            "initial",
            start.len(),
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
    Ok(())
}

/// Damped Newton under argmin's `Executor`, then the polish; `None` when the model has no
/// analytic Hessian or Newton did not converge.
fn run_newton<L: LogLikelihood>(
    objective: &Objective<'_, L>,
    log_start: &[f64],
    options: &FitOptions,
) -> Option<FitReport> {
    // the first evaluation tells whether the model has a Hessian, and is Newton's first point
    let first = objective.second(log_start).ok()?;
    let run = Executor::new(
        objective,
        DampedNewton::new(options.tolerance).starting_at(first),
    )
    .configure(|s| s.param(log_start.to_vec()).max_iters(options.max_iters))
    .run()
    .ok()?;
    let converged = matches!(
        run.state().get_termination_reason(),
        Some(TerminationReason::SolverConverged)
    );
    let iterations = run.state().get_iter();
    let x = run.state().get_param()?.clone();
    let at = run.solver.last()?;
    if !converged {
        return None;
    }
    let (x, at) = polish_analytic(objective, x, at);
    let gradient_norm = norm(&at.grad);
    if gradient_norm > options.tolerance {
        return None;
    }
    let weight = objective.weight;
    let params: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    let penalty: f64 = params.iter().map(|p| options.penalizer * p * p).sum();
    let log_likelihood = -(at.value - penalty) * weight;
    if !log_likelihood.is_finite() {
        return None;
    }
    let covariance = covariance_from(&at.hess, &x, weight);
    Some(objective.report(
        params,
        log_likelihood,
        iterations,
        Termination::Newton,
        gradient_norm,
        covariance,
    ))
}

/// L-BFGS (Moré-Thuente line search) under argmin's `Executor`, then the polish.
fn run_lbfgs<L: LogLikelihood>(
    model: &str,
    objective: &Objective<'_, L>,
    log_start: Vec<f64>,
    options: &FitOptions,
) -> Result<FitReport> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(options.tolerance)?
        .with_tolerance_cost(0.0)?;
    let run = Executor::new(objective, solver)
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
            Ok(at) => polish_analytic(objective, log_best, at).0,
            Err(_) => polish(objective, log_best),
        }
    };
    let params: Vec<f64> = log_best.iter().map(|v| v.exp()).collect();
    let (gradient_norm, log_likelihood) = match objective.evaluate(&log_best) {
        Ok((_, g)) => {
            let mut grad = vec![0.0; params.len()];
            (
                norm(&g),
                objective.ll.value_and_gradient(&params, &mut grad),
            )
        }
        Err(_) => (f64::NAN, f64::NAN),
    };
    // L-BFGS may stop on a failed line search once it is at the optimum to machine precision;
    // that is convergence, anything else is not.
    let termination = match reason {
        TerminationReason::SolverConverged => Some(Termination::Lbfgs),
        TerminationReason::MaxItersReached => None,
        _ if gradient_norm <= options.tolerance.max(1e-7) => {
            Some(Termination::LbfgsLineSearchAtOptimum)
        }
        _ => None,
    };
    let Some(termination) = termination.filter(|_| log_likelihood.is_finite()) else {
        return Err(Error::NotConverged {
            model: model.to_string(),
            reason: stop_reason(&reason, log_likelihood),
            iterations,
            params,
            log_likelihood,
            gradient_norm,
        });
    };
    let weight = objective.weight;
    let covariance = match objective.second(&log_best) {
        Ok(at) => covariance_from(&at.hess, &log_best, weight),
        Err(_) => {
            hessian(objective, &log_best).and_then(|h| covariance_from(&h, &log_best, weight))
        }
    };
    Ok(objective.report(
        params,
        log_likelihood,
        iterations,
        termination,
        gradient_norm,
        covariance,
    ))
}

impl<L: LogLikelihood> Objective<'_, L> {
    /// The report of a converged fit at `params`.
    fn report(
        &self,
        params: Vec<f64>,
        log_likelihood: f64,
        iterations: u64,
        termination: Termination,
        gradient_norm: f64,
        covariance: Option<Array2<f64>>,
    ) -> FitReport {
        FitReport {
            param_names: self
                .ll
                .param_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            params,
            log_likelihood,
            n_customers: self.weight,
            iterations,
            evaluations: *self.evaluations.lock().unwrap(),
            termination,
            gradient_norm,
            std_errors: covariance.as_ref().map(|c| c.diag().mapv(f64::sqrt)),
            covariance,
        }
    }
}

/// The typed reason of an L-BFGS run that did not converge.
fn stop_reason(reason: &TerminationReason, log_likelihood: f64) -> StopReason {
    match reason {
        _ if !log_likelihood.is_finite() => StopReason::NotFinite,
        TerminationReason::MaxItersReached => StopReason::MaxIterations,
        TerminationReason::SolverExit(m) if m.contains("not finite") => StopReason::NotFinite,
        TerminationReason::SolverExit(m) if m.to_lowercase().contains("line search") => {
            StopReason::NoImprovement
        }
        TerminationReason::SolverExit(m) => StopReason::Solver(m.clone()),
        other => StopReason::Solver(other.text().to_string()),
    }
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

/// Largest polishing step (on the log scale, so a relative change of the parameters) that is
/// taken without evaluating the likelihood at its end: so close to the optimum, an evaluation
/// could only confirm a decrease of the order of rounding. A Newton step from a point that near
/// leaves an error of the order of its square, so the estimates are then exact to rounding.
const UNCHECKED_STEP: f64 = 1e-9;

/// Plain Newton steps with the analytic Hessian from a point near the optimum, while they
/// improve: Newton reaches the optimum to machine precision, so that equivalent data
/// (compressed or not, other row order) gives the same estimates to ~1e-10.
///
/// A step below [`UNCHECKED_STEP`] is the last one and is taken unevaluated: the value,
/// gradient and Hessian returned are those of the point before it (they differ by the order
/// of the step times the gradient, below rounding). On a converged BG/NBD fit this saves the
/// two or three evaluations that used to confirm steps of 1e-11 to 1e-14.
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
        if step.iter().all(|s| s.abs() < UNCHECKED_STEP) {
            x = candidate;
            break;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

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
                -n * crate::special::trigamma(p[0]),
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
                assert_eq!(newton.termination, Termination::Newton);
                assert_ne!(lbfgs.termination, Termination::Newton);
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
    fn a_polishing_step_of_rounding_size_is_taken_without_an_evaluation() {
        let ll = GammaSample {
            data: vec![0.5, 1.5, 2.0, 0.25, 0.75, 3.0],
            analytic: true,
        };
        let optimum = maximize("gamma", &ll, &[1.0, 1.0], &FitOptions::default()).unwrap();
        let objective = Objective {
            ll: &ll,
            penalizer: 0.0,
            weight: ll.total_weight(),
            cache: Mutex::new(None),
            evaluations: Mutex::new(0),
        };
        let evaluations = || *objective.evaluations.lock().unwrap();
        // 1e-11 off the optimum on the log scale: one Newton step, below UNCHECKED_STEP
        let near: Vec<f64> = optimum.params.iter().map(|p| p.ln() + 1e-11).collect();
        let at = objective.second(&near).unwrap();
        assert_eq!(evaluations(), 1);
        let (x, _) = polish_analytic(&objective, near.clone(), at);
        assert_eq!(evaluations(), 1, "the small step is not evaluated");
        for (j, p) in optimum.params.iter().enumerate() {
            assert_ne!(x[j], near[j], "the step is taken");
            assert_relative_eq!(x[j].exp(), *p, max_relative = 1e-13);
        }
        // a step above UNCHECKED_STEP is evaluated before it is taken
        let far: Vec<f64> = optimum.params.iter().map(|p| p.ln() + 1e-4).collect();
        let at = objective.second(&far).unwrap();
        let before = evaluations();
        let _ = polish_analytic(&objective, far, at);
        assert!(evaluations() > before);
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
