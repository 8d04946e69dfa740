#!/usr/bin/env python3
"""BG/BB reference values with mpmath, and Python lifetimes 0.11.3's BG/BB fit on the donations.

Writes tests/fixtures/bgbb_reference.json. Model (Fader, Hardie & Shang 2010, "Customer-Base
Analysis in a Discrete-Time Noncontractual Setting"): at each of n transaction opportunities a
living customer first dies with probability theta ~ Beta(gamma, delta), else transacts with
probability p ~ Beta(alpha, beta). Closed forms (FHS 2010 eqs. 5, 7, 8, 11, 13 and the DERT
expression with 2F1(1, delta+n+1; gamma+delta+n+1; 1/(1+d))):
  L(x, t_x, n) = B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
                 + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) B(g+1, d+t_x+i)/B(g,d)
  P(alive at n+1) = B(a+x, b+n-x)/B(a,b) B(g, d+n+1)/B(g,d) / L
  E[X(n)] = a/(a+b) d/(g-1) [1 - G(g+d)/G(g+d+n) G(1+d+n)/G(1+d)]
  E[X(n, n+m) | x,t_x,n] = B(a+x+1, b+n-x)/B(a,b) d/(g-1) G(g+d)/G(1+d)
                           [G(1+d+n)/G(g+d+n) - G(1+d+n+m)/G(g+d+n+m)] / L
  P(X(n)=x) = C(n,x) B(a+x,b+n-x)/B(a,b) B(g,d+n)/B(g,d)
              + sum_{i=x}^{n-1} C(i,x) B(a+x,b+i-x)/B(a,b) B(g+1,d+i)/B(g,d)
  DERT(d) = B(a+x+1,b+n-x)/B(a,b) B(g,d+n+1)/(B(g,d)(1+d)) 2F1(1, d+n+1; g+d+n+1; 1/(1+d)) / L
(a, b, g, d = alpha, beta, gamma, delta; in DERT the discount rate is called disc below).
Independent evaluations ('quad'), from the model's definition:
  L: p^x (1-p)^{n-x} (1-theta)^n + sum_i p^x (1-p)^{t_x-x+i} theta (1-theta)^{t_x+i} integrated over
     the two Beta densities with mpmath.quad;
  pmf: sum of L over all 2^n purchase sequences with x purchases;
  E[X(n)]: E[p] sum_{t=1}^n E[(1-theta)^t];  conditional: sum_{t=n+1}^{n+m} E[p (alive at t) | data];
  DERT: sum_{t>n} E[p (alive at t) | data] (1+disc)^{-(t-n)} summed until the terms are below 1e-45
  (the first period after n is discounted once: FHS's convention).
Parameters are the binary doubles nearest to the published decimals.

Usage (from the crate root):  bash scripts/python-env.sh && .venv/bin/pip install mpmath==1.3.0
                              .venv/bin/python scripts/bgbb_reference.py
"""
import itertools
import json
import os
import sys
import warnings

import mpmath as mp
import numpy as np
import pandas as pd
import lifetimes
from lifetimes import BetaGeoBetaBinomFitter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mp_reference_common import s30, pair, e_beta, worst_gaps, write_json  # noqa: E402
from lifetimes_penalizer import polish_autograd  # noqa: E402

warnings.simplefilter("ignore")
mp.mp.dps = 40
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "bgbb_reference.json")
PUBLISHED = (1.204, 0.750, 0.657, 2.783)
NAMES = ["alpha", "beta", "gamma", "delta"]
LL_CUSTOMERS = [(0, 0, 6), (1, 1, 6), (2, 4, 6), (3, 4, 6), (4, 5, 6), (6, 6, 6), (0, 0, 1), (3, 7, 10)]
ALIVE = [((0, 0, 6), 0.11), ((2, 4, 6), 0.59), ((6, 6, 6), 0.93)]
COND = [((0, 0, 6), 0.1302169), ((4, 5, 6), 3.627858)]
DERT_CUSTOMERS, DISC = [(0, 0, 6), (3, 4, 6), (6, 6, 6)], 0.1


def B(u, v):
    return mp.beta(u, v)


# ---------- closed forms ----------
def lik_closed(p, x, tx, n):
    a, b, g, d = p
    s = B(a + x, b + n - x) / B(a, b) * B(g, d + n) / B(g, d)
    s += mp.fsum(B(a + x, b + tx - x + i) / B(a, b) * B(g + 1, d + tx + i) / B(g, d) for i in range(n - tx))
    return s


def p_alive_closed(p, x, tx, n):
    a, b, g, d = p
    return B(a + x, b + n - x) / B(a, b) * B(g, d + n + 1) / B(g, d) / lik_closed(p, x, tx, n)


def uncond_exp_closed(p, n):
    a, b, g, d = p
    return a / (a + b) * d / (g - 1) * (1 - mp.gamma(g + d) / mp.gamma(g + d + n) * mp.gamma(1 + d + n) / mp.gamma(1 + d))


def cond_exp_closed(p, x, tx, n, m):
    a, b, g, d = p
    k = B(a + x + 1, b + n - x) / B(a, b) * d / (g - 1) * mp.gamma(g + d) / mp.gamma(1 + d)
    return k * (mp.gamma(1 + d + n) / mp.gamma(g + d + n) - mp.gamma(1 + d + n + m) / mp.gamma(g + d + n + m)) \
        / lik_closed(p, x, tx, n)


def pmf_closed(p, n, x):
    a, b, g, d = p
    s = mp.binomial(n, x) * B(a + x, b + n - x) / B(a, b) * B(g, d + n) / B(g, d)
    s += mp.fsum(mp.binomial(i, x) * B(a + x, b + i - x) / B(a, b) * B(g + 1, d + i) / B(g, d) for i in range(x, n))
    return s


def dert_closed(p, x, tx, n, disc):
    a, b, g, d = p
    disc = mp.mpf(disc)
    h = mp.hyp2f1(1, d + n + 1, g + d + n + 1, 1 / (1 + disc))
    return (B(a + x + 1, b + n - x) / B(a, b) * B(g, d + n + 1) / (B(g, d) * (1 + disc)) * h
            / lik_closed(p, x, tx, n))


# ---------- independent evaluations ----------
def lik_quad(p, x, tx, n):
    a, b, g, d = p
    ep = lambda k, m: e_beta(a, b, lambda q: q ** k * (1 - q) ** m)
    alive = ep(x, n - x) * e_beta(g, d, lambda q: (1 - q) ** n)
    dead = mp.fsum(ep(x, tx - x + i) * e_beta(g, d, lambda q, i=i: q * (1 - q) ** (tx + i)) for i in range(n - tx))
    return alive + dead


def p_alive_quad(p, x, tx, n):
    a, b, g, d = p
    num = e_beta(a, b, lambda q: q ** x * (1 - q) ** (n - x)) * e_beta(g, d, lambda q: (1 - q) ** (n + 1))
    return num / lik_quad(p, x, tx, n)


def surv_ratio(g, d, t):
    """E[(1-theta)^t] = B(g, d+t)/B(g, d) as a product (no Beta function)."""
    return mp.fprod((d + j) / (g + d + j) for j in range(t))


def uncond_exp_sum(p, n):
    a, b, g, d = p
    return a / (a + b) * mp.fsum(surv_ratio(g, d, t) for t in range(1, n + 1))


def cond_exp_sum(p, x, tx, n, m):
    a, b, g, d = p
    w = B(a + x + 1, b + n - x) / B(a, b)
    return w * mp.fsum(surv_ratio(g, d, t) for t in range(n + 1, n + m + 1)) / lik_closed(p, x, tx, n)


def dert_sum(p, x, tx, n, disc):
    a, b, g, d = p
    disc = mp.mpf(disc)
    w = B(a + x + 1, b + n - x) / B(a, b)
    term, total, t = surv_ratio(g, d, n + 1) / (1 + disc), mp.mpf(0), n + 1
    while term > mp.mpf("1e-45") * (total or 1):
        total += term
        term *= (d + t) / (g + d + t) / (1 + disc)
        t += 1
    return w * total / lik_closed(p, x, tx, n), t


def pmf_enum(p, n, x):
    """Sum of the sequence likelihood over all 2^n sequences with x purchases."""
    total = mp.mpf(0)
    for seq in itertools.product([0, 1], repeat=n):
        if sum(seq) == x:
            tx = max((i + 1 for i, s in enumerate(seq) if s), default=0)
            total += lik_closed(p, x, tx, n)
    return total


# ---------- lifetimes ----------
def donations():
    df = pd.read_csv(os.path.join(ROOT, "data", "donations.csv"))
    return df["frequency"].to_numpy(), df["recency"].to_numpy(), df["periods"].to_numpy(), df["weights"].to_numpy()


def arr(*v):
    """lifetimes' BG/BB methods need arrays (they call .max() on n - t_x - 1)."""
    return [np.array([u]) for u in v]


def lifetimes_model(pf, fitted):
    fitted.params_ = pd.Series(list(pf), index=NAMES)
    return fitted


def fit_block():
    f, r, n, w = donations()
    fit = BetaGeoBetaBinomFitter().fit(f, r, n, weights=w, tol=1e-10)
    theta0 = np.log(fit.params_.values)
    th, obj, gmax = polish_autograd(BetaGeoBetaBinomFitter._negative_log_likelihood, theta0, (f, r, n, w, 0.0))
    res = {"fit": "BetaGeoBetaBinomFitter().fit(frequency, recency, periods, weights=weights, tol=1e-10)",
           "n_customers": int(w.sum())}
    for key, prm in [("lifetimes", fit.params_.values), ("polished", np.exp(th))]:
        p = [mp.mpf(float(v)) for v in prm]
        ll = mp.fsum(int(wi) * mp.log(lik_closed(p, int(fi), int(ri), int(ni))) for fi, ri, ni, wi in zip(f, r, n, w))
        res[key] = {"params": dict(zip(NAMES, map(float, prm))), "loglik_mpmath": float(ll), "loglik_30": s30(ll)}
    res["lifetimes"]["loglik_lifetimes_with_1e-15"] = -float(fit._negative_log_likelihood_) * int(w.sum())
    res["polished"]["max_abs_gradient_log_params"] = gmax
    pub = [mp.mpf(v) for v in PUBLISHED]
    ll = mp.fsum(int(wi) * mp.log(lik_closed(pub, int(fi), int(ri), int(ni))) for fi, ri, ni, wi in zip(f, r, n, w))
    res["loglik_at_published_params"] = float(ll)
    res["published"] = {"params": dict(zip(NAMES, PUBLISHED)), "loglik": -33225.6}
    return res, fit


def published_block(fitted):
    pf = PUBLISHED
    p = [mp.mpf(v) for v in pf]
    lt = lifetimes_model(pf, fitted)
    lt_ll = lambda x, tx, n: float(BetaGeoBetaBinomFitter._loglikelihood(np.array(pf), *arr(x, tx, n))[0])
    out = {"params": dict(zip(NAMES, pf))}
    out["loglik"] = [dict(x=x, t_x=tx, n=n, **pair(mp.log(lik_closed(p, x, tx, n)), mp.log(lik_quad(p, x, tx, n)), lt_ll(x, tx, n)))
                     for x, tx, n in LL_CUSTOMERS]
    out["p_alive_next"] = [dict(x=x, t_x=tx, n=n, published=pub, **pair(p_alive_closed(p, x, tx, n), p_alive_quad(p, x, tx, n),
                                                                  lt.conditional_probability_alive(1, *arr(x, tx, n))[0]))
                           for (x, tx, n), pub in ALIVE]
    out["uncond_expected_n10"] = dict(published=3.179805, **pair(uncond_exp_closed(p, 10), uncond_exp_sum(p, 10)))
    out["cond_expected_next_10"] = [dict(x=x, t_x=tx, n=n, published=pub, **pair(cond_exp_closed(p, x, tx, n, 10), cond_exp_sum(p, x, tx, n, 10),
                                                                           lt.conditional_expected_number_of_purchases_up_to_time(10, *arr(x, tx, n))[0]))
                                    for (x, tx, n), pub in COND]
    lt_pmf = lt.expected_number_of_transactions_in_first_n_periods(6)["model"] / fitted.data["weights"].sum()
    out["pmf_n6"] = {str(x): pair(pmf_closed(p, 6, x), pmf_enum(p, 6, x), lt_pmf.loc[x]) for x in range(7)}
    out["pmf_n6_sum"] = s30(mp.fsum(pmf_closed(p, 6, x) for x in range(7)))
    derts = []
    for x, tx, n in DERT_CUSTOMERS:
        val, terms = dert_sum(p, x, tx, n, DISC)
        derts.append(dict(x=x, t_x=tx, n=n, disc=DISC, series_terms=terms, **pair(dert_closed(p, x, tx, n, DISC), val)))
    out["dert"] = derts
    return out


def at_mle_block(fit):
    """The published figures were computed at FHS's unrounded estimates: the same quantities at
    the MLE (polished) show how much of a gap to them is parameter rounding."""
    p = [mp.mpf(v) for v in fit["polished"]["params"].values()]
    return {"params": fit["polished"]["params"],
            "uncond_expected_n10": float(uncond_exp_closed(p, 10)),
            "cond_expected_next_10": [dict(x=x, t_x=tx, n=n, value=float(cond_exp_closed(p, x, tx, n, 10)))
                                      for (x, tx, n), _ in COND],
            "p_alive_next": [dict(x=x, t_x=tx, n=n, value=float(p_alive_closed(p, x, tx, n))) for (x, tx, n), _ in ALIVE]}


def main():
    fit, fitted = fit_block()
    out = {
        "comment": "Generated by scripts/bgbb_reference.py with mpmath %s (40 digits), lifetimes %s, numpy %s. "
                   "data/donations.csv (frequency, recency, periods, weights; 11104 donors, n = 6). Entries: value "
                   "(float of the closed form), closed_form and quad (30 digits; 'quad' = the independent evaluation "
                   "named in the script docstring: Beta-density quadrature, sequence enumeration or direct series), "
                   "quad_rel_diff, lifetimes (BetaGeoBetaBinomFitter with params_ set) and the published figure "
                   "(FHS 2010) where there is one. Likelihoods are of the observed sequence (no binomial "
                   "coefficient), as in FHS 2010 and lifetimes; lifetimes adds 1e-15 inside the log of the "
                   "dropout sum. DERT: discount rate per period disc = 0.1, first period after n discounted once."
                   % (mp.__version__, lifetimes.__version__, np.__version__),
        "fit": fit,
        "published_params": published_block(fitted),
        "at_mle": at_mle_block(fit),
    }
    write_json(OUT, out)
    print("largest independent vs closed-form relative gaps:", worst_gaps(out))
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
