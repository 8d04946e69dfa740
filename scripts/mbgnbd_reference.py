#!/usr/bin/env python3
"""MBG/NBD reference values with mpmath, and Python lifetimes 0.11.3's MBG/NBD fit on CDNOW.

Writes tests/fixtures/mbgnbd_reference.json. Model (Batislam, Denizel & Filiztekin 2007, with
Wagner & Hoppe's 2008 erratum; the form BTYDplus and lifetimes' ModifiedBetaGeoFitter use): a
customer can drop out right after the first purchase and after every repeat purchase, with
probability p ~ Beta(a, b); purchases are Poisson(lambda), lambda ~ Gamma(r, alpha). Given
(lambda, p):
  L = lambda^x e^{-lambda T} (1-p)^{x+1} + lambda^x e^{-lambda t_x} p (1-p)^x
  E[X(t)] = (1-p)/p (1 - e^{-lambda p t});  alive at T: E[X(T, T+t)] = (1 - e^{-lambda p t}) / p
  P(X(t) = n) = (1-p)^{n+1} NB(n) + p (1-p)^n P(NB >= n)   (NB: Poisson count N(t) given lambda)
Closed forms (Beta and 2F1 functions, as in Batislam et al. / Wagner & Hoppe):
  L = B(a, b+x+1)/B(a,b) G(r+x) a^r/(G(r) (alpha+T)^{r+x}) + B(a+1, b+x)/B(a,b) G(r+x) a^r/(G(r) (alpha+t_x)^{r+x})
  P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^{r+x})
  E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]
  E[X(T,T+t) | x, t_x, T] = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^{r+x} 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] P(alive)
  P(X(t)=n) = B(a, b+n+1)/B(a,b) NB(n; t) + B(a+1, b+n)/B(a,b) (1 - sum_{j<n} NB(j; t))
The independent evaluation ('quad') integrates the (lambda, p) expressions above over the Gamma
and Beta densities with mpmath.quad (1-D integrals: the mixing factorises), without Beta-function
identities or 2F1. The pmf is also summed over n = 0..N_SUM: its total must be 1 and its mean
E[X(t)]. Parameters are the binary doubles nearest to the decimals.

Usage (from the crate root):  bash scripts/python-env.sh && .venv/bin/pip install mpmath==1.3.0
                              .venv/bin/python scripts/mbgnbd_reference.py
"""
import json
import os
import sys
import warnings

import mpmath as mp
import numpy as np
import pandas as pd
import lifetimes
from lifetimes import ModifiedBetaGeoFitter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mp_reference_common import s30, rel, pair, quad, e_beta, worst_gaps, write_json  # noqa: E402
from lifetimes_penalizer import bfgs_entry, load  # noqa: E402

warnings.simplefilter("ignore")
mp.mp.dps = 40
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "mbgnbd_reference.json")
PUBLISHED = (0.525, 6.183, 0.891, 1.614)  # BTYDplus MBG/NBD on CDNOW (REFERENCE.md)
CUSTOMERS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (26, 30.857, 31.0), (221, 103.42857, 103.57143),
             (1, 0.5, 40.0)]
COND_T, UNCOND_T, PMF_T, PMF_N, N_SUM = [39.0, 52.0], [1.0, 39.0, 52.0, 78.0], 39.0, range(6), 2500


# ---------- closed forms ----------
def loglik_closed(p, x, tx, T):
    r, al, a, b = p
    nb = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al)
    t1 = mp.beta(a, b + x + 1) / mp.beta(a, b) * mp.exp(nb - (r + x) * mp.log(al + T))
    t2 = mp.beta(a + 1, b + x) / mp.beta(a, b) * mp.exp(nb - (r + x) * mp.log(al + tx))
    return mp.log(t1 + t2)


def p_alive_closed(p, x, tx, T):
    r, al, a, b = p
    return 1 / (1 + a / (b + x) * ((al + T) / (al + tx)) ** (r + x))


def uncond_exp_closed(p, t):
    r, al, a, b = p
    return b / (a - 1) * (1 - (al / (al + t)) ** r * mp.hyp2f1(r, b + 1, a + b, t / (al + t)))


def cond_exp_closed(p, x, tx, T, t):
    r, al, a, b = p
    h = mp.hyp2f1(r + x, b + x + 1, a + b + x, t / (al + T + t))
    return (a + b + x) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * h) * p_alive_closed(p, x, tx, T)


def nb_pmf(p, n, t):
    r, al = p[0], p[1]
    return mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (al / (al + t)) ** r * (t / (al + t)) ** n


def pmf_closed(p, n, t):
    r, al, a, b = p
    tail = 1 - mp.fsum(nb_pmf(p, j, t) for j in range(n))
    return (mp.beta(a, b + n + 1) / mp.beta(a, b) * nb_pmf(p, n, t)
            + mp.beta(a + 1, b + n) / mp.beta(a, b) * tail)


# ---------- independent: integrate over the Gamma and Beta densities ----------
def e_beta_p(p, g, shift=0):
    """E[g(p)] for p ~ Beta(a, b + shift)."""
    return e_beta(p[2], p[3] + shift, g)


def e_gamma_pow_exp(p, x, T):
    """E[lambda^x exp(-lambda T)] for lambda ~ Gamma(r, alpha), by quadrature."""
    r, al = p[0], p[1]
    k = r + x - 1
    mode = max(k, mp.mpf(1) / 2) / (al + T)
    c = r * mp.log(al) - mp.loggamma(r)
    if k < 0:  # lambda = v^(1/(r+x)) removes the lambda^k singularity at 0
        m = 1 / (r + x)
        f = lambda v: m * mp.exp(-v ** m * (al + T) + c) if v > 0 else m * mp.exp(c)
        return quad(f, [0, mode ** (r + x) / 4, mode ** (r + x), (4 * mode) ** (r + x), (16 * mode) ** (r + x), mp.inf])
    f = lambda lam: mp.exp(k * mp.log(lam) - lam * (al + T) + c) if lam > 0 else mp.mpf(0)
    return quad(f, [0, mode / 4, mode, 4 * mode, 16 * mode, mp.inf])


def loglik_quad(p, x, tx, T):
    alive = e_beta_p(p, lambda q: (1 - q) ** (x + 1)) * e_gamma_pow_exp(p, x, T)
    dead = e_beta_p(p, lambda q: q * (1 - q) ** x) * e_gamma_pow_exp(p, x, tx)
    return mp.log(alive + dead)


def p_alive_quad(p, x, tx, T):
    alive = e_beta_p(p, lambda q: (1 - q) ** (x + 1)) * e_gamma_pow_exp(p, x, T)
    return alive / mp.exp(loglik_quad(p, x, tx, T))


def uncond_exp_quad(p, t):
    r, al = p[0], p[1]
    return e_beta_p(p, lambda q: (1 - q) / q * -mp.expm1(-r * mp.log1p(q * t / al)))


def cond_exp_quad(p, x, tx, T, t):
    """P(alive) E[(1 - e^{-lambda p t})/p | alive], lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+1)."""
    r, al = p[0], p[1]
    g = lambda q: -mp.expm1(-(r + x) * mp.log1p(q * t / (al + T))) / q
    return p_alive_quad(p, x, tx, T) * e_beta_p(p, g, shift=x + 1)


def pmf_quad(p, n, t):
    nb = nb_pmf(p, n, t)
    tail = 1 - mp.fsum(nb_pmf(p, j, t) for j in range(n))
    return e_beta_p(p, lambda q: (1 - q) ** (n + 1) * nb + q * (1 - q) ** n * tail)


def pmf_sums(p, t, nmax):
    """sum_{n<=nmax} P(X(t)=n) and sum n P(X(t)=n), by recurrences in n."""
    r, al, a, b = p
    z = t / (al + t)
    nb = (al / (al + t)) ** r
    w1, w2 = mp.beta(a, b + 1) / mp.beta(a, b), mp.beta(a + 1, b) / mp.beta(a, b)
    tail, total, mean = mp.mpf(1), mp.mpf(0), mp.mpf(0)
    for n in range(nmax + 1):
        pn = w1 * nb + w2 * tail
        total += pn
        mean += n * pn
        tail -= nb
        nb *= (r + n) / (n + 1) * z
        w1 *= (b + n + 1) / (a + b + n + 1)
        w2 *= (b + n) / (a + b + n + 1)
    return total, mean, pn


# ---------- lifetimes ----------
def lifetimes_model(pf):
    f = ModifiedBetaGeoFitter()
    f.params_ = pd.Series(list(pf), index=["r", "alpha", "a", "b"])
    return f


def lifetimes_loglik(pf, x, tx, T):
    arr = lambda v: np.array([v], dtype=float)
    return -float(ModifiedBetaGeoFitter._negative_log_likelihood(
        np.log(np.array(pf)), np.array([x]), arr(tx), arr(T), np.array([1]), 0.0))


def customer_block(pf, p, lt, x, tx, T):
    blk = {"x": x, "t_x": tx, "T": T,
           "loglik": pair(loglik_closed(p, x, tx, T), loglik_quad(p, x, tx, T), lifetimes_loglik(pf, x, tx, T)),
           "p_alive": pair(p_alive_closed(p, x, tx, T), p_alive_quad(p, x, tx, T),
                           lt.conditional_probability_alive(x, tx, T)[0]),
           "cond_expected": {}}
    for t in COND_T:
        with np.errstate(all="ignore"):
            lt_ce = lt.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)
        blk["cond_expected"][repr(t)] = pair(cond_exp_closed(p, x, tx, T, t), cond_exp_quad(p, x, tx, T, t), lt_ce)
    return blk


def published_block():
    pf, p = PUBLISHED, [mp.mpf(v) for v in PUBLISHED]
    lt = lifetimes_model(pf)
    blk = {"params": dict(zip(["r", "alpha", "a", "b"], pf)),
           "customers": [customer_block(pf, p, lt, *c) for c in CUSTOMERS],
           "uncond_expected": {repr(t): pair(uncond_exp_closed(p, t), uncond_exp_quad(p, t),
                                             lt.expected_number_of_purchases_up_to_time(t)) for t in UNCOND_T},
           "pmf_t39": {str(n): pair(pmf_closed(p, n, PMF_T), pmf_quad(p, n, PMF_T),
                                    lt.probability_of_n_purchases_up_to_time(PMF_T, n)) for n in PMF_N}}
    total, mean, last = pmf_sums(p, mp.mpf(PMF_T), N_SUM)
    e39 = uncond_exp_closed(p, PMF_T)
    blk["pmf_t39_checks"] = {"n_max": N_SUM, "sum_pmf": s30(total), "sum_pmf_minus_1": float(total - 1),
                             "mean_of_pmf": s30(mean), "uncond_expected_39": s30(e39),
                             "mean_rel_diff": rel(mean, e39), "pmf_at_n_max": float(last)}
    return blk


def fit_block():
    x, tx, T = load()
    e = bfgs_entry(ModifiedBetaGeoFitter, 0.0, x, tx, T)
    df = pd.DataFrame({"x": x, "t_x": tx, "T": T})
    pats = df.groupby(["x", "t_x", "T"]).size()
    res = {}
    for key in ["lifetimes_params", "polished_params"]:
        p = [mp.mpf(v) for v in e[key].values()]
        ll = mp.fsum(int(w) * loglik_closed(p, int(xx), float(tt), float(TT)) for (xx, tt, TT), w in pats.items())
        res[key] = {"params": e[key], "loglik_mpmath": float(ll), "loglik_mpmath_30": s30(ll)}
    res["tol_used"] = e["tol_used"]
    res["lifetimes_loglik_weeks"] = e["loglik_weeks_unpenalized_at_lifetimes"]
    res["polished_max_abs_gradient_log_params"] = e["polished_max_abs_gradient_log_params"]
    pub = [mp.mpf(v) for v in PUBLISHED]
    ll_pub = mp.fsum(int(w) * loglik_closed(pub, int(xx), float(tt), float(TT)) for (xx, tt, TT), w in pats.items())
    res["loglik_at_published_params"] = float(ll_pub)
    return res


def main():
    out = {
        "comment": "Generated by scripts/mbgnbd_reference.py with mpmath %s (40 digits), lifetimes %s, numpy %s. "
                   "Time in weeks; data/cdnow_summary.csv. Entries: value (float of the closed form), "
                   "closed_form and quad (30 digits; quad = mixing integrals over the Gamma and Beta densities, "
                   "see the script docstring), quad_rel_diff, lifetimes (ModifiedBetaGeoFitter with params_ set). "
                   "fit: ModifiedBetaGeoFitter().fit on CDNOW (BFGS, lifetimes rescales T to max 1; params in "
                   "weeks) and the same objective polished by Newton steps; log-likelihoods in weeks."
                   % (mp.__version__, lifetimes.__version__, np.__version__),
        "published": published_block(),
        "fit": fit_block(),
    }
    write_json(OUT, out)
    print("largest quad vs closed-form relative gaps:", worst_gaps(out))
    json.dump({"fit": out["fit"], "pmf_t39_checks": out["published"]["pmf_t39_checks"]}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
