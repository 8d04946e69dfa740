//! Damped Newton's method as an argmin [`Solver`], for models with an analytic Hessian.
//!
//! Each iteration solves `(H + mu I) s = g` and takes the step when it decreases the objective
//! (Levenberg-Marquardt damping: `mu` is raised until it does, lowered after each success).
//! Argmin's `Executor` counts the iterations and applies the iteration limit; the solver ends
//! the run as converged when the gradient norm reaches the tolerance, and as stalled when no
//! damping gives a decrease.

use argmin::core::{
    Error as ArgminError, IterState, Problem, Solver, TerminationReason, TerminationStatus, KV,
};
use ndarray::{Array1, Array2};

use super::engine::{norm, Objective, Second};
use super::invert_spd;
use super::LogLikelihood;

/// The state argmin carries between Newton iterations (parameters and gradient as `Vec<f64>`).
pub(super) type NewtonState = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

/// Largest Newton step on the log scale (a factor of e^3 ~ 20 on a parameter): far from the
/// optimum the quadratic model is only a guide.
const MAX_LOG_STEP: f64 = 3.0;

/// How often the damping may be raised within one iteration before the solver gives up.
const MAX_DAMPING_TRIES: usize = 40;

/// The damped Newton solver. The last second-order evaluation is kept so that each accepted
/// trial point is not evaluated again.
pub(super) struct DampedNewton {
    tolerance: f64,
    mu: f64,
    scale: f64,
    at: Option<Second>,
    stalled: bool,
}

impl DampedNewton {
    pub(super) fn new(tolerance: f64) -> Self {
        DampedNewton {
            tolerance,
            mu: 0.0,
            scale: 1.0,
            at: None,
            stalled: false,
        }
    }

    /// The same solver with the second-order evaluation at the starting point already made
    /// (it is not made again).
    pub(super) fn starting_at(mut self, at: Second) -> Self {
        self.at = Some(at);
        self
    }

    /// The second-order evaluation at the last accepted point.
    pub(super) fn last(self) -> Option<Second> {
        self.at
    }

    fn raise(&self) -> f64 {
        if self.mu == 0.0 {
            1e-3 * self.scale
        } else {
            self.mu * 10.0
        }
    }

    /// The damped step from `x` at `at`, or `None` when `H + mu I` is not positive definite.
    fn step(&self, x: &[f64], at: &Second) -> Option<Vec<f64>> {
        let k = x.len();
        let mut h: Array2<f64> = at.hess.clone();
        for i in 0..k {
            h[[i, i]] += self.mu;
        }
        let inv = invert_spd(&h)?;
        let mut step = inv.dot(&Array1::from(at.grad.clone()));
        let biggest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        if biggest > MAX_LOG_STEP {
            step *= MAX_LOG_STEP / biggest;
        }
        Some(x.iter().zip(step.iter()).map(|(a, s)| a - s).collect())
    }
}

fn second<L: LogLikelihood>(
    problem: &mut Problem<&Objective<'_, L>>,
    x: &[f64],
) -> Result<Second, ArgminError> {
    problem.problem("hessian_count", |o| {
        o.second(x)
            .map_err(|e| ArgminError::msg(format!("{e:?} at {x:?}")))
    })
}

impl<'a, L: LogLikelihood> Solver<&'a Objective<'a, L>, NewtonState> for DampedNewton {
    fn name(&self) -> &str {
        "damped Newton"
    }

    fn init(
        &mut self,
        problem: &mut Problem<&'a Objective<'a, L>>,
        mut state: NewtonState,
    ) -> Result<(NewtonState, Option<KV>), ArgminError> {
        let x = state
            .take_param()
            .ok_or_else(|| ArgminError::msg("damped Newton needs a starting point"))?;
        let at = match self.at.take() {
            Some(at) => at,
            None => second(problem, &x)?,
        };
        self.scale = (0..x.len())
            .map(|i| at.hess[[i, i]].abs())
            .fold(1e-8, f64::max);
        let state = state.param(x).cost(at.value).gradient(at.grad.clone());
        self.at = Some(at);
        Ok((state, None))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<&'a Objective<'a, L>>,
        mut state: NewtonState,
    ) -> Result<(NewtonState, Option<KV>), ArgminError> {
        let x = state.take_param().expect("set by init");
        let at = self.at.take().expect("set by init");
        let grad_norm = norm(&at.grad);
        for _ in 0..MAX_DAMPING_TRIES {
            let Some(candidate) = self.step(&x, &at) else {
                self.mu = self.raise();
                continue;
            };
            match second(problem, &candidate) {
                Ok(next)
                    if next.value < at.value
                        || (next.value <= at.value + 1e-13 * at.value.abs()
                            && norm(&next.grad) < grad_norm) =>
                {
                    self.mu = if self.mu > 1e-9 * self.scale {
                        self.mu / 10.0
                    } else {
                        0.0
                    };
                    let state = state
                        .param(candidate)
                        .cost(next.value)
                        .gradient(next.grad.clone());
                    self.at = Some(next);
                    return Ok((state, None));
                }
                _ => self.mu = self.raise(),
            }
        }
        self.stalled = true;
        let state = state.param(x);
        self.at = Some(at);
        Ok((state, None))
    }

    fn terminate(&mut self, state: &NewtonState) -> TerminationStatus {
        if self.stalled {
            return TerminationStatus::Terminated(TerminationReason::SolverExit(
                "no damped Newton step decreases the objective".into(),
            ));
        }
        match state.get_gradient() {
            Some(g) if norm(g) <= self.tolerance => {
                TerminationStatus::Terminated(TerminationReason::SolverConverged)
            }
            _ => TerminationStatus::NotTerminated,
        }
    }
}
