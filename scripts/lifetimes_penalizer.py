#!/usr/bin/env python3
"""Python lifetimes 0.11.3 fits on CDNOW with and without its L2 penalizer.

Writes tests/fixtures/lifetimes_penalizer.json: BetaGeoFitter and ModifiedBetaGeoFitter fitted
on data/cdnow_summary.csv (x, t_x, T in weeks) with penalizer_coef 0, 0.001, 0.01, 0.1, and
ParetoNBDFitter with penalizer_coef 0, 0.01, 0.1. For each fit the fixture gives lifetimes'
own result (params_ in weeks, the objective it minimised) and, as a check that the optimiser
stopped at the optimum, the same objective re-minimised from there with a second-order method
("polished"). The JSON also states, from lifetimes' installed source, how each fitter rescales
time, what it minimises, where it starts and with which optimiser: the penalised estimates are
only reproducible with those conventions (the penalty acts on parameters in rescaled time).

Usage (from the crate root):  bash scripts/python-env.sh   (creates .venv with lifetimes)
                              .venv/bin/python scripts/lifetimes_penalizer.py
"""
import contextlib
import io
import json
import os
import warnings

import numpy as np
import pandas as pd
import scipy
import scipy.optimize as opt
import autograd
from autograd import grad, hessian

import lifetimes
from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import ConvergenceError

warnings.simplefilter("ignore")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "lifetimes_penalizer.json")
TOLS = [1e-10, 1e-9, 1e-8, 1e-7]  # tightest first; lifetimes raises ConvergenceError when
# BFGS reports "precision loss" (success False), so the first tolerance that succeeds is kept.
PARETO_TOL, PARETO_MAXITER, PARETO_SEED = 1e-10, 20000, 0

SOURCE_FACTS = {
    "common": "BaseFitter._fit (fitters/__init__.py): scipy.optimize.minimize(value_and_grad("
              "self._negative_log_likelihood), jac=True, method=None, tol=tol, x0=0.1*np.ones(4) "
              "if initial_params is None) -> method None without bounds is BFGS, tol sets BFGS gtol; "
              "raises ConvergenceError unless output.success. Default fit(tol=1e-7).",
    "BetaGeoFitter": {
        "time_scaling": "self._scale = _scale_time(T) = 1.0 / T.max() (utils._scale_time: 'Create a scalar "
                        "such that the maximum age is 1'); fits on recency*scale, T*scale; afterwards "
                        "params_['alpha'] /= self._scale",
        "parameters_optimised": "log(r), log(alpha*scale), log(a), log(b)",
        "objective": "-(weights * ll).sum() / weights.sum() + penalizer_coef * sum(params ** 2), "
                     "ll the per-customer BG/NBD log-likelihood in rescaled time, params = exp(log_params) "
                     "= (r, alpha*scale, a, b): MEAN negative log-likelihood plus L2 penalty on the "
                     "natural (not log) parameters with alpha in rescaled time",
        "start": "x0 = 0.1 * np.ones(4) in log space, i.e. r = alpha_scaled = a = b = exp(0.1)",
        "optimizer": "BFGS (scipy minimize method=None), autograd gradient, tol -> gtol",
    },
    "ModifiedBetaGeoFitter": {
        "time_scaling": "same as BetaGeoFitter: fit() calls super().fit(...), so scale = 1/max(T), "
                        "alpha un-scaled after the fit",
        "parameters_optimised": "log(r), log(alpha*scale), log(a), log(b)",
        "objective": "-(weights * (A_1 + A_2 + A_3 + logaddexp(A_4, 0))).sum() / weights.sum() + "
                     "penalizer_coef * sum(params ** 2), params = exp(log_params): MEAN NLL + L2 on natural "
                     "params in rescaled time",
        "start": "x0 = 0.1 * np.ones(4) (log space)",
        "optimizer": "BFGS, autograd gradient",
    },
    "ParetoNBDFitter": {
        "time_scaling": "self._scale = _scale_time(T) = 1/max(T); fits on recency*scale, T*scale; "
                        "afterwards params_['alpha'] /= scale and params_['beta'] /= scale",
        "parameters_optimised": "r, alpha*scale, s, beta*scale directly (no log transform); objective "
                                "returns inf when any param <= 0",
        "objective": "-(weights * conditional_log_likelihood).sum() / weights.mean() + penalizer_coef * "
                     "sum(np.asarray(params) ** 2): SUM of negative log-likelihoods when all weights are 1 "
                     "(divided by the MEAN weight, not the total), L2 penalty on natural params with "
                     "alpha, beta in rescaled time",
        "start": "x0 = np.random.normal(1.0, scale=0.05, size=4) (unseeded in lifetimes; this script "
                 "seeds numpy with %d), best of iterative_fitting=1 runs" % PARETO_SEED,
        "optimizer": "scipy minimize(method='Nelder-Mead', tol=tol, options maxiter=2000 by default), "
                     "no gradient; default fit(tol=1e-4); success is not checked",
    },
    "BetaGeoBetaBinomFitter": {
        "time_scaling": "none (discrete periods used as given: frequency, recency, n_periods cast to int)",
        "parameters_optimised": "log(alpha), log(beta), log(gamma), log(delta)",
        "objective": "-(_loglikelihood(params, ...) * weights).sum() / weights.sum() + penalizer_coef * "
                     "sum(params ** 2), params = exp(log_params): MEAN NLL + L2 on natural params; "
                     "_loglikelihood adds 1e-15 inside the log of the sum over the unobserved dropout "
                     "periods (B = 1e-15 * np.ones_like(T))",
        "start": "x0 = 0.1 * np.ones(4) (log space) via BaseFitter._fit",
        "optimizer": "BFGS, autograd gradient, default fit(tol=1e-7)",
    },
}


def load():
    df = pd.read_csv(os.path.join(ROOT, "data", "cdnow_summary.csv"))
    return df["x"].to_numpy(), df["t_x"].to_numpy(), df["T"].to_numpy()


def fit_bfgs_family(cls, pen, x, tx, T):
    for tol in TOLS:
        try:  # lifetimes prints the whole scipy result before raising: keep it quiet
            with contextlib.redirect_stdout(io.StringIO()):
                return cls(penalizer_coef=pen).fit(x, tx, T, tol=tol), tol
        except ConvergenceError:
            continue
    raise RuntimeError("no tolerance converged")


def polish_autograd(nll, theta0, args):
    """Re-minimise lifetimes' own objective by Newton steps (autograd gradient and Hessian)
    from its optimum, while the largest gradient component keeps shrinking."""
    f = lambda th: nll(th, *args)
    g, h = grad(f), hessian(f)
    th, gmax = np.array(theta0, dtype=float), float(np.max(np.abs(g(theta0))))
    for _ in range(20):
        cand = th - np.linalg.solve(h(th), g(th))
        gc = float(np.max(np.abs(g(cand))))
        if not gc < gmax:
            break
        th, gmax = cand, gc
    return th, float(f(th)), gmax


def bfgs_entry(cls, pen, x, tx, T):
    f, tol = fit_bfgs_family(cls, pen, x, tx, T)
    w = np.ones_like(tx, dtype=int)
    scale = f._scale
    args = (x, tx * scale, T * scale, w, pen)
    theta_lt = np.log(f.params_.values * np.array([1, scale, 1, 1]))
    theta_p, fun_p, gmax = polish_autograd(cls._negative_log_likelihood, theta_lt, args)
    p = np.exp(theta_p) / np.array([1, scale, 1, 1])
    n = len(x)
    ll_weeks = lambda prm: -n * float(cls._negative_log_likelihood(np.log(prm), x, tx, T, w, 0.0))
    names = ["r", "alpha", "a", "b"]
    return {
        "penalizer_coef": pen,
        "tol_used": tol,
        "scale": scale,
        "lifetimes_params": dict(zip(names, map(float, f.params_.values))),
        "lifetimes_objective": float(f._negative_log_likelihood_),
        "polished_params": dict(zip(names, map(float, p))),
        "polished_objective": fun_p,
        "polished_max_abs_gradient_log_params": gmax,
        "penalty_term_at_polished": float(pen * np.sum(np.exp(theta_p) ** 2)),
        "loglik_weeks_unpenalized_at_polished": ll_weeks(p),
        "loglik_weeks_unpenalized_at_lifetimes": ll_weeks(f.params_.values),
    }


def pareto_entry(pen, x, tx, T):
    np.random.seed(PARETO_SEED)
    f = ParetoNBDFitter(penalizer_coef=pen).fit(x, tx, T, tol=PARETO_TOL, maxiter=PARETO_MAXITER)
    scale = f._scale
    w = np.ones(len(x), dtype=np.int64)
    args = (x, tx * scale, T * scale, w, pen)
    sc = np.array([1, scale, 1, scale])
    nll = lambda th: ParetoNBDFitter._negative_log_likelihood(th, *args)
    th = f.params_.values * sc
    best = nll(th)
    for _ in range(10):  # Nelder-Mead restarts from the previous optimum until no progress
        res = opt.minimize(nll, th, method="Nelder-Mead",
                           options={"xatol": 1e-12, "fatol": 1e-11, "maxiter": 20000})
        if not res.fun < best:
            break
        th, best = res.x, res.fun
    lnll, e = (lambda lt: nll(np.exp(lt))), np.eye(4)  # gradient in log params, as for BG/MBG
    g = [(lnll(np.log(th) + 1e-5 * e[i]) - lnll(np.log(th) - 1e-5 * e[i])) / 2e-5 for i in range(4)]
    p = th / sc
    ll_weeks = lambda prm: float(ParetoNBDFitter._conditional_log_likelihood(prm, x, tx, T).sum())
    names = ["r", "alpha", "s", "beta"]
    return {
        "penalizer_coef": pen,
        "tol_used": PARETO_TOL,
        "maxiter": PARETO_MAXITER,
        "numpy_seed": PARETO_SEED,
        "scale": scale,
        "lifetimes_params": dict(zip(names, map(float, f.params_.values))),
        "lifetimes_objective": float(f._negative_log_likelihood_),
        "polished_params": dict(zip(names, map(float, p))),
        "polished_objective": float(nll(th)),
        "polished_max_abs_gradient_log_params_central_diff_h1e-5": float(np.max(np.abs(g))),
        "penalty_term_at_polished": float(pen * np.sum(th ** 2)),
        "loglik_weeks_unpenalized_at_polished": ll_weeks(p),
        "loglik_weeks_unpenalized_at_lifetimes": ll_weeks(f.params_.values),
    }


def main():
    x, tx, T = load()
    out = {
        "comment": "Generated by scripts/lifetimes_penalizer.py with lifetimes %s, numpy %s, scipy %s, "
                   "pandas %s, autograd %s on data/cdnow_summary.csv (x, t_x, T in weeks; 2357 customers). "
                   "params are lifetimes' params_ (weeks). 'objective' is what lifetimes minimises: in "
                   "rescaled time (T/max T) and penalised, see source_facts; loglik_weeks is the plain "
                   "log-likelihood in weeks (lifetimes' own formula, penalizer 0). BG/MBG fits try tol "
                   "%s and keep the first that lifetimes accepts (tol_used). 'polished' = the same "
                   "objective re-minimised from lifetimes' optimum (Newton steps with autograd gradient and "
                   "Hessian for BG/MBG; Nelder-Mead restarts (xatol 1e-12, fatol 1e-11) for Pareto/NBD); "
                   "max_abs_gradient is that of the objective in log parameters. Unpenalised, the rescaled-time "
                   "log-likelihood is loglik_weeks - sum(x) * log(scale) (sum(x) = 2457, max T = 38.86): BG/MBG "
                   "objective = -that / 2357 + penalty, Pareto/NBD objective = -that + penalty."
                   % (lifetimes.__version__, np.__version__, scipy.__version__, pd.__version__,
                      getattr(autograd, "__version__", "1.6.2"), TOLS),
        "source_facts": SOURCE_FACTS,
        "BetaGeoFitter": [bfgs_entry(BetaGeoFitter, pen, x, tx, T) for pen in [0.0, 0.001, 0.01, 0.1]],
        "ModifiedBetaGeoFitter": [bfgs_entry(ModifiedBetaGeoFitter, pen, x, tx, T)
                                  for pen in [0.0, 0.001, 0.01, 0.1]],
        "ParetoNBDFitter": [pareto_entry(pen, x, tx, T) for pen in [0.0, 0.01, 0.1]],
    }
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    for k in ["BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter"]:
        for e in out[k]:
            print(k, "pen", e["penalizer_coef"], "tol", e["tol_used"])
            print("   lifetimes", e["lifetimes_params"], e["lifetimes_objective"])
            print("   polished ", e["polished_params"], e["polished_objective"])
            print("   LL weeks (polished)", e["loglik_weeks_unpenalized_at_polished"],
                  "max|grad|", e.get("polished_max_abs_gradient_log_params",
                                     e.get("polished_max_abs_gradient_log_params_central_diff_h1e-5")))


if __name__ == "__main__":
    main()
