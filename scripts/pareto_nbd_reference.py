#!/usr/bin/env python3
"""Pareto/NBD reference values with mpmath, cross-checked against Python lifetimes 0.11.3.

Writes tests/fixtures/pareto_nbd_reference.json. Every quantity is computed twice at 40 digits:
  closed form: Fader, Hardie & Lee (2005), "A Note on Deriving the Pareto/NBD Model and Related
    Expressions" (the 2F1 likelihood, P(alive), E[X(t)], conditional E[X(t)], the pmf), and
    Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves" (DERT with Tricomi's U);
  integral: from the model's definition (Schmittlein, Morrison & Colombo 1987), integrating over
    the latent lifetime tau with mpmath.quad after the Gamma mixing of lambda and mu:
      L = G(r+x)/G(r) a^r b^s [ (a+T)^-(r+x) (b+T)^-s + s Int_{t_x}^T (a+tau)^-(r+x) (b+tau)^-(s+1) dtau ]
      P(X(t)=n) = NB(n; t) (b/(b+t))^s + Int_0^t NB(n; tau) s b^s (b+tau)^-(s+1) dtau
      E[X(t)] = Int_0^t (r/a) (b/(b+u))^s du
      E[X(T,T+t) | x,t_x,T] = P(alive) (r+x)/(a+T) Int_0^t ((b+T)/(b+T+u))^s du
      DERT(delta) = P(alive) (r+x)/(a+T) Int_0^inf exp(-delta u) ((b+T)/(b+T+u))^s du
  (a = alpha, b = beta; NB(n; t) the Poisson-Gamma pmf). Fixture values are the closed form;
  'quad_rel_diff' is the relative gap to the integral. Inputs are the binary doubles nearest to
  the decimals given (mpf(float)), so a Rust f64 test evaluates at exactly the same point.

Usage (from the crate root):  bash scripts/python-env.sh && .venv/bin/pip install mpmath==1.3.0
                              .venv/bin/python scripts/pareto_nbd_reference.py
"""
import json
import os
import sys
import warnings

import mpmath as mp
import numpy as np
import pandas as pd
import lifetimes
from lifetimes import ParetoNBDFitter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mp_reference_common import s30, pair, quad, worst_gaps, write_json  # noqa: E402

warnings.simplefilter("ignore")
mp.mp.dps = 40
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "pareto_nbd_reference.json")

PARAM_SETS = {
    "published": (0.553, 10.578, 0.606, 11.669),  # FHL 2005 CDNOW estimates (alpha < beta)
    "finiteness": (0.5143, 2.8845, 0.2856, 14.1087),  # REFERENCE.md NaN case (alpha < beta)
    "extreme": (3.0, 0.5, 0.05, 200.0),  # alpha << beta, s small
    "alpha_gt_beta": (0.553, 11.669, 0.606, 10.578),  # published with alpha, beta swapped
    "alpha_eq_beta": (0.553, 11.0, 0.606, 11.0),
    "alpha_near_beta": (0.553, 11.0, 0.606, 11.000000001),
}
CUSTOMERS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (26, 30.857, 31.0), (221, 103.42857, 103.57143),
             (1, 0.5, 40.0)]
FINITENESS = [(221, 103.42857, 103.57143), (254, 97.14286, 97.28571), (161, 94.71429, 98.0),
              (204, 98.57143, 99.42857)]
COND_T = [39.0, 52.0]
UNCOND_T = [1.0, 39.0, 52.0, 78.0]
PMF_T, PMF_N = 39.0, range(6)
DERT_CUSTOMERS = CUSTOMERS[:3]
DERT_DELTAS = {"0.15/52": 0.15 / 52, "0.01": 0.01, "ln(1.15)/52": float(np.log(1.15) / 52)}


def mpf4(p):
    return [mp.mpf(v) for v in p]


def split_points(lo, hi, k=12):
    """lo, hi and k points between them packed geometrically towards lo (integrands that fall
    steeply from lo need the nodes there)."""
    if hi <= lo:
        return [lo, hi]
    w = hi - lo
    return [lo] + [lo + w * mp.mpf(10) ** (-j) for j in range(k, 0, -1)] + [hi]


# ---------- closed forms (FHL 2005 note) ----------
def log_a0_term(p, x, t):
    """log of 2F1(...)/(max(a,b) + t)^(r+s+x), the two A_0 pieces (note eqs. for a>=b, a<=b)."""
    r, a, s, b = p
    if a >= b:
        c2, m, z = s + 1, a, (a - b) / (a + t)
    else:
        c2, m, z = r + x, b, (b - a) / (b + t)
    return mp.log(mp.hyp2f1(r + s + x, c2, r + s + x + 1, z)) - (r + s + x) * mp.log(m + t)


def loglik_closed(p, x, tx, T):
    r, a, s, b = p
    a0 = mp.exp(log_a0_term(p, x, tx)) - mp.exp(log_a0_term(p, x, T))
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(a) + s * mp.log(b)
    return head + mp.log((a + T) ** (-(r + x)) * (b + T) ** (-s) + s / (r + s + x) * a0)


def loglik_quad(p, x, tx, T):
    r, a, s, b = p
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(a) + s * mp.log(b)
    f = lambda tau: s * (a + tau) ** (-(r + x)) * (b + tau) ** (-(s + 1))
    integral = quad(f, split_points(mp.mpf(tx), mp.mpf(T))) if T > tx else 0
    return head + mp.log((a + T) ** (-(r + x)) * (b + T) ** (-s) + integral)


def alive_log_numer(p, x, T):
    r, a, s, b = p
    return (mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(a) + s * mp.log(b)
            - (r + x) * mp.log(a + T) - s * mp.log(b + T))


def p_alive(p, x, tx, T, ll):
    return mp.exp(alive_log_numer(p, x, T) - ll)


def cond_exp_closed(p, x, T, t, palive):
    r, a, s, b = p
    return palive * (r + x) * (b + T) / ((a + T) * (s - 1)) * (1 - ((b + T) / (b + T + t)) ** (s - 1))


def cond_exp_quad(p, x, T, t, palive):
    r, a, s, b = p
    return palive * (r + x) / (a + T) * quad(lambda u: ((b + T) / (b + T + u)) ** s, [0, t])


def uncond_exp_closed(p, t):
    r, a, s, b = p
    return r * b / (a * (s - 1)) * (1 - (b / (b + t)) ** (s - 1))


def uncond_exp_quad(p, t):
    r, a, s, b = p
    return quad(lambda u: r / a * (b / (b + u)) ** s, [0, t])


def nb_pmf(p, n, t):
    r, a = p[0], p[1]
    return mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (a / (a + t)) ** r * (t / (a + t)) ** n


def pmf_closed(p, n, t):
    r, a, s, b = p
    if a >= b:
        b1 = mp.hyp2f1(r + s, s + 1, r + s + n + 1, (a - b) / a) / a ** (r + s)
        b2 = lambda i: mp.hyp2f1(r + s + i, s + 1, r + s + n + 1, (a - b) / (a + t)) / (a + t) ** (r + s + i)
    else:
        b1 = mp.hyp2f1(r + s, r + n, r + s + n + 1, (b - a) / b) / b ** (r + s)
        b2 = lambda i: mp.hyp2f1(r + s + i, r + n, r + s + n + 1, (b - a) / (b + t)) / (b + t) ** (r + s + i)
    tail = mp.fsum(mp.gamma(r + s + i) / mp.gamma(r + s) * t ** i / mp.factorial(i) * b2(i)
                   for i in range(n + 1))
    return (nb_pmf(p, n, t) * (b / (b + t)) ** s
            + a ** r * b ** s * mp.beta(r + n, s + 1) / mp.beta(r, s) * (b1 - tail))


def pmf_quad(p, n, t):
    r, a, s, b = p
    f = lambda tau: nb_pmf(p, n, tau) * s * b ** s * (b + tau) ** (-(s + 1))
    return nb_pmf(p, n, t) * (b / (b + t)) ** s + quad(f, [0, t / 2, t])


def dert_closed(p, x, tx, T, delta, ll):
    r, a, s, b = p
    d = mp.mpf(delta)
    return mp.exp(r * mp.log(a) + s * mp.log(b) + (s - 1) * mp.log(d) + mp.loggamma(r + x + 1)
                  + mp.log(mp.hyperu(s, s, d * (b + T))) - mp.loggamma(r) - (r + x + 1) * mp.log(a + T) - ll)


def dert_quad(p, x, tx, T, delta, palive):
    r, a, s, b = p
    d = mp.mpf(delta)
    f = lambda u: mp.exp(-d * u) * ((b + T) / (b + T + u)) ** s
    return palive * (r + x) / (a + T) * quad(f, [0, 10, 100, 1000, 10000, mp.inf])


# ---------- lifetimes ----------
def lifetimes_model(pf):
    f = ParetoNBDFitter()
    f.params_ = pd.Series(list(pf), index=["r", "alpha", "s", "beta"])
    return f


def customer_block(pf, p, lt, x, tx, T):
    llc, llq = loglik_closed(p, x, tx, T), loglik_quad(p, x, tx, T)
    pa_c, pa_q = p_alive(p, x, tx, T, llc), p_alive(p, x, tx, T, llq)
    with np.errstate(all="ignore"):
        lt_ll = lt._conditional_log_likelihood(pf, x, tx, T)
        lt_pa = lt.conditional_probability_alive(x, tx, T)
    blk = {"x": x, "t_x": tx, "T": T, "loglik": pair(llc, llq, lt_ll), "p_alive": pair(pa_c, pa_q, lt_pa),
           "cond_expected": {}}
    for t in COND_T:
        with np.errstate(all="ignore"):
            lt_ce = lt.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)
        blk["cond_expected"][repr(t)] = pair(cond_exp_closed(p, x, T, t, pa_c), cond_exp_quad(p, x, T, t, pa_q), lt_ce)
    return blk


def param_block(name, pf):
    p, lt = mpf4(pf), lifetimes_model(pf)
    blk = {"params": dict(zip(["r", "alpha", "s", "beta"], pf)),
           "customers": [customer_block(pf, p, lt, *c) for c in CUSTOMERS],
           "uncond_expected": {repr(t): pair(uncond_exp_closed(p, t), uncond_exp_quad(p, t),
                                             lt.expected_number_of_purchases_up_to_time(t)) for t in UNCOND_T}}
    pmf = {}
    for n in PMF_N:
        with np.errstate(all="ignore"):
            lt_pmf = lt.conditional_probability_of_n_purchases_up_to_time(n, PMF_T, 0, 0.0, 0.0)
        pmf[str(n)] = pair(pmf_closed(p, n, PMF_T), pmf_quad(p, n, PMF_T), lt_pmf)
    blk["pmf_t39"] = pmf
    print(name, "done", flush=True)
    return blk


def total_loglik(pf, patterns, with_quad):
    p = mpf4(pf)
    c = mp.fsum(w * loglik_closed(p, x, tx, T) for (x, tx, T), w in patterns)
    if not with_quad:
        return c, None
    q = mp.fsum(w * loglik_quad(p, x, tx, T) for (x, tx, T), w in patterns)
    return c, q


def newton_mle(theta0, patterns):
    """Maximise the closed-form total log-likelihood (weeks) in log parameters by Newton steps
    with central finite differences at 30 digits (h = 1e-9)."""
    mp.mp.dps = 30
    f = lambda th: total_loglik([mp.exp(v) for v in th], patterns, False)[0]
    th, h, e = [mp.mpf(v) for v in theta0], mp.mpf("1e-9"), mp.eye(4)
    for it in range(6):
        f0 = f(th)
        fp = [f([th[j] + h * e[i, j] for j in range(4)]) for i in range(4)]
        fm = [f([th[j] - h * e[i, j] for j in range(4)]) for i in range(4)]
        g = mp.matrix([(fp[i] - fm[i]) / (2 * h) for i in range(4)])
        H = mp.matrix(4, 4)
        for i in range(4):
            H[i, i] = (fp[i] - 2 * f0 + fm[i]) / h ** 2
            for j in range(i + 1, 4):
                pp = f([th[k] + h * (e[i, k] + e[j, k]) for k in range(4)])
                pm = f([th[k] + h * (e[i, k] - e[j, k]) for k in range(4)])
                mp_ = f([th[k] - h * (e[i, k] - e[j, k]) for k in range(4)])
                mm = f([th[k] - h * (e[i, k] + e[j, k]) for k in range(4)])
                H[i, j] = H[j, i] = (pp - pm - mp_ + mm) / (4 * h * h)
        step = mp.lu_solve(H, g)
        th = [th[k] - step[k] for k in range(4)]
        gmax = max(abs(v) for v in g)
        print("newton", it, mp.nstr(f0, 20), mp.nstr(gmax, 5), flush=True)
        if gmax < mp.mpf("1e-14"):
            break
    mp.mp.dps = 40
    return [mp.exp(v) for v in th], float(gmax)


def cdnow_block():
    df = pd.read_csv(os.path.join(ROOT, "data", "cdnow_summary.csv"))
    grouped = df.groupby(["x", "t_x", "T"]).size()
    patterns = [((int(x), float(tx), float(T)), int(w)) for (x, tx, T), w in grouped.items()]
    pub = PARAM_SETS["published"]
    c, q = total_loglik(pub, patterns, True)
    lt = lifetimes_model(pub)
    lt_ll = float(lt._conditional_log_likelihood(pub, df.x.to_numpy(), df.t_x.to_numpy(), df["T"].to_numpy()).sum())
    np.random.seed(0)
    fit = ParetoNBDFitter().fit(df.x, df.t_x, df["T"], tol=1e-10, maxiter=20000)
    mle_lt = [float(v) for v in fit.params_.values]
    c_lt = total_loglik(mle_lt, patterns, False)[0]
    mle_mp, gmax = newton_mle([mp.log(v) for v in mle_lt], patterns)
    c_mp = total_loglik(mle_mp, patterns, False)[0]
    names = ["r", "alpha", "s", "beta"]
    return {
        "n_customers": int(len(df)), "n_patterns": len(patterns),
        "loglik_published": pair(c, q, lt_ll),
        "lifetimes_mle": {"fit": "ParetoNBDFitter().fit(x, t_x, T, tol=1e-10, maxiter=20000) after "
                                 "np.random.seed(0)", "params": dict(zip(names, mle_lt)),
                          "loglik": {"value": float(c_lt), "closed_form": s30(c_lt),
                                     "lifetimes": -float(fit._negative_log_likelihood_) - 2457 * float(np.log(38.86))}},
        "mpmath_mle": {"method": "Newton on the closed-form total log-likelihood in log params, 30 digits, "
                                 "central differences h=1e-9, started at lifetimes' MLE",
                       "params": dict(zip(names, map(float, mle_mp))),
                       "params_30": dict(zip(names, map(s30, mle_mp))),
                       "max_abs_gradient_log_params": gmax,
                       "loglik": {"value": float(c_mp), "closed_form": s30(c_mp)}},
    }


def finiteness_block():
    pf = PARAM_SETS["finiteness"]
    p, lt = mpf4(pf), lifetimes_model(pf)
    rows = []
    for x, tx, T in FINITENESS:
        llc, llq = loglik_closed(p, x, tx, T), loglik_quad(p, x, tx, T)
        with np.errstate(all="ignore"):
            lt_pa = lt.conditional_probability_alive(x, tx, T)
        rows.append({"x": x, "t_x": tx, "T": T, "p_alive": pair(p_alive(p, x, tx, T, llc), p_alive(p, x, tx, T, llq), lt_pa),
                     "loglik": pair(llc, llq)})
    return {"params": dict(zip(["r", "alpha", "s", "beta"], pf)), "customers": rows}


def dert_block():
    pf = PARAM_SETS["published"]
    p = mpf4(pf)
    out = []
    for x, tx, T in DERT_CUSTOMERS:
        ll = loglik_closed(p, x, tx, T)
        pa = p_alive(p, x, tx, T, ll)
        out.append({"x": x, "t_x": tx, "T": T, "dert": {
            k: dict(delta=d, **pair(dert_closed(p, x, tx, T, d, ll), dert_quad(p, x, tx, T, d, pa)))
            for k, d in DERT_DELTAS.items()}})
    return {"params": dict(zip(["r", "alpha", "s", "beta"], pf)),
            "definition": "DERT(delta) = Int_0^inf exp(-delta u) E[transaction rate at T+u | x, t_x, T] du, "
                          "continuous discounting at rate delta per week (FHL 2005 RFM/CLV eq. with Tricomi "
                          "U(s, s; delta (beta + T))); multiply by the margin per transaction for value",
            "customers": out}


def published_checks(mle):
    """REFERENCE.md's BTYD walkthrough figures, at the rounded published params and at the MLE.
    Customer 1516 is (26, 30.857, 31) with t_x = 216/7 weeks; the CSV rounds it to 30.86."""
    rows = []
    for label, pf in [("published", PARAM_SETS["published"]), ("mpmath_mle", mle)]:
        p = mpf4(pf)
        row = {"params": label, "uncond_expected_52": float(uncond_exp_closed(p, 52.0)), "customer_1516": []}
        for tx in [30.857, 30.86]:
            ll = loglik_closed(p, 26, tx, 31.0)
            pa = p_alive(p, 26, tx, 31.0, ll)
            row["customer_1516"].append({"t_x": tx, "p_alive": float(pa),
                                         "cond_expected_52": float(cond_exp_closed(p, 26, 31.0, 52.0, pa))})
        rows.append(row)
    return {"published": {"uncond_expected_52": 1.473434, "customer_1516_cond_expected_52": 25.45647,
                          "customer_1516_p_alive": 0.997874}, "computed": rows}


def main():
    out = {
        "comment": "Generated by scripts/pareto_nbd_reference.py with mpmath %s (40 digits), lifetimes %s, "
                   "numpy %s. Time in weeks. Each entry: value (float of the closed form), closed_form and "
                   "quad (30 significant digits; quad integrates over the latent lifetime, see the script "
                   "docstring), quad_rel_diff, and lifetimes (ParetoNBDFitter with params_ set; NaN/inf as "
                   "strings). pmf_t39 is the unconditional P(X(39) = n); lifetimes' value for it is "
                   "conditional_probability_of_n_purchases_up_to_time(n, 39, 0, 0, 0)."
                   % (mp.__version__, lifetimes.__version__, np.__version__),
        "param_sets": {k: param_block(k, v) for k, v in PARAM_SETS.items()},
        "finiteness": finiteness_block(),
        "dert": dert_block(),
        "cdnow": cdnow_block(),
    }
    out["published_checks"] = published_checks(list(out["cdnow"]["mpmath_mle"]["params"].values()))
    write_json(OUT, out)
    summarize(out)


def summarize(out):
    print("largest quad vs closed-form relative gaps:", worst_gaps(out))
    json.dump({k: out[k] for k in ["finiteness", "dert", "cdnow", "published_checks"]}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
