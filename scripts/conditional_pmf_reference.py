#!/usr/bin/env python3
"""Reference values for the conditional distribution of future purchases,
P(Y(T, T+t] = n | x, t_x, T), of BG/NBD, MBG/NBD and Pareto/NBD, computed with mpmath from the
process description (not from the crate, and not from any published pmf formula).

Writes tests/fixtures/conditional_pmf.json. Time unit: weeks. For each model, customer
(x, t_x, T) and horizon t the fixture holds the pmf for n = 0..N, where N is the first n at which
the remaining mass 1 - sum_{k<=n} P(k) drops below 1e-15, or 40 if that comes first.

Method (mp.dps = 30). P(Y = n | history) = E[P(history, Y = n | latent)] / E[P(history | latent)],
the expectations over the priors lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b) (BG/NBD, MBG/NBD),
mu ~ Gamma(s, rate beta) (Pareto/NBD). Given the latent parameters, with Pois(j; m) the Poisson
probability and N(t) the Poisson(lambda) count in a window of length t:

 BG/NBD (dropout with probability p right after each repeat purchase):
   P(history | lambda, p) = lambda^x e^{-lambda T} (1-p)^x                       [alive at T]
                          + 1{x>0} lambda^x e^{-lambda t_x} p (1-p)^{x-1}        [dead after t_x]
   alive at T, the process restarts (memoryless):
   P(Y = n | alive) = (1-p)^n Pois(n; lambda t) + 1{n>0} p (1-p)^{n-1} P(N(t) >= n)
   P(history, Y = n) = [alive term] P(Y = n | alive) + 1{n=0} [dead term]
 MBG/NBD (Batislam et al. 2007: also a dropout chance right after the first purchase, at time 0):
   as BG/NBD with the alive term lambda^x e^{-lambda T} (1-p)^{x+1} and the dead term
   lambda^x e^{-lambda t_x} p (1-p)^x for every x (for x = 0: dropped at time 0).
 Pareto/NBD (exponential lifetime tau with rate mu):
   P(history) = lambda^x e^{-(lambda+mu) T} + int_{t_x}^T lambda^x e^{-lambda u} mu e^{-mu u} du
   P(history, Y = n) = lambda^x e^{-(lambda+mu)(T+t)} (lambda t)^n / n!                [alive at T+t]
                     + int_0^t lambda^x e^{-lambda (T+u)} (lambda u)^n / n! mu e^{-mu (T+u)} du
                     + 1{n=0} [dead term of P(history)]                      [death at T+u, u<t]

Integration. The Gamma integral over lambda (and, for Pareto/NBD, over mu) is closed form:
E[lambda^k e^{-lambda c}] = alpha^r G(r+k) / (G(r) (alpha+c)^{r+k}), E[mu e^{-mu c}] =
s beta^s / (beta+c)^{s+1}; P(N(t) >= n) averaged against lambda^x e^{-lambda T} is the alive
term minus the first n terms of its Poisson expansion. What is left is one 1-D integral per
quantity, done with mpmath.quad (tanh-sinh): over p against the Beta density for BG/NBD and
MBG/NBD, over the death time u for Pareto/NBD.

Checks, stored in the fixture and printed:
 * BG/NBD, MBG/NBD: the p-integrals against the same expressions with the Beta integrals done in
   closed form (Beta functions), n <= N;
 * Pareto/NBD: the per-n tanh-sinh integrals against one Gauss-Legendre pass that yields every n;
 * the pmf continued to n where the mass left is < 1e-25 (closed Beta forms, resp. Gauss-Legendre)
   sums to 1, and its mean equals the published conditional expectation: BG/NBD: Fader, Hardie &
   Lee (2005) eq. 10; MBG/NBD: the same with b+x+1 and the MBG/NBD P(alive); Pareto/NBD: the
   conditional expectation and the 2F1 likelihood of Fader, Hardie & Lee's 2005 note "A Note on
   Deriving the Pareto/NBD Model and Related Expressions";
 * Python lifetimes 0.11.3 where it has a conditional pmf: only
   ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time (Hardie's note 028, eq. 16).
   Its BetaGeoFitter and ModifiedBetaGeoFitter have only the unconditional
   probability_of_n_purchases_up_to_time, so the BG/NBD and MBG/NBD entries carry no lifetimes
   values. The lifetimes values and the max abs difference to mpmath are stored per case.

Parameters are the binary doubles nearest to the decimals (what the crate's f64 tests use).

Usage (from the crate root):  bash scripts/python-env.sh
                              .venv/bin/python scripts/conditional_pmf_reference.py
(about 6 CPU-minutes; prints one line of checks per case.)
"""
import os
import sys
import warnings

import mpmath as mp
import numpy as np
import pandas as pd
import lifetimes
from lifetimes import ParetoNBDFitter
from mpmath.calculus.quadrature import GaussLegendre

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mp_reference_common import quad, e_beta, write_json  # noqa: E402

warnings.simplefilter("ignore")
mp.mp.dps = 30
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "conditional_pmf.json")

BGNBD = dict(r=0.2425982, alpha=4.4136842, a=0.7929899, b=2.4261667)  # FHL 2005, CDNOW
PARETO = dict(r=0.553, alpha=10.578, s=0.606, beta=11.669)  # FHL 2005 note, CDNOW
MBGNBD = dict(r=0.525, alpha=6.183, a=0.891, b=1.614)  # BTYDplus MBG/NBD, CDNOW
CUSTOMERS = [(0, 0.0, 38.86), (1, 2.0, 30.0), (2, 30.43, 38.86), (5, 20.0, 35.0),
             (26, 30.857, 31.0), (60, 38.0, 39.0)]
HORIZONS = [1.0, 13.0, 39.0, 104.0]
N_MAX, STOP_MASS, FULL_MASS = 40, mp.mpf("1e-15"), mp.mpf("1e-25")


def mpf_params(d):
    return {k: mp.mpf(float(v)) for k, v in d.items()}


def gamma_moment(r, al, k, c):
    """E[lambda^k e^{-lambda c}] for lambda ~ Gamma(r, rate al)."""
    return mp.exp(r * mp.log(al) + mp.loggamma(r + k) - mp.loggamma(r) - (r + k) * mp.log(al + c))


def poisson_coeffs(r, al, x, T, t, n_max):
    """C_j = E[lambda^x e^{-lambda T} Pois(j; lambda t)], j = 0..n_max, by recurrence."""
    c = [gamma_moment(r, al, x, T + t)]
    z = t / (al + T + t)
    for j in range(1, n_max + 1):
        c.append(c[-1] * (r + x + j - 1) * z / j)
    return c


# ---------- BG/NBD and MBG/NBD ----------
class BgFamily:
    """One customer and horizon. shift = 0 for BG/NBD, 1 for MBG/NBD (one more dropout chance:
    the one right after the first purchase)."""

    def __init__(self, pars, shift, x, tx, T, t, n_max):
        self.r, self.al, self.a, self.b = pars["r"], pars["alpha"], pars["a"], pars["b"]
        self.shift, self.x = shift, x
        self.A = gamma_moment(self.r, self.al, x, T)  # alive-at-T factor, lambda part
        self.D = gamma_moment(self.r, self.al, x, tx)  # dead-after-t_x factor, lambda part
        self.has_dead = shift == 1 or x > 0
        self.C = poisson_coeffs(self.r, self.al, x, T, t, n_max)
        self.tail = [self.A]  # tail[n] = A - sum_{j<n} C_j: lambda part of alive and N(t) >= n
        for cj in self.C[:-1]:
            self.tail.append(self.tail[-1] - cj)

    # p-integrands (given p, after the lambda integral)
    def den_p(self, p):
        k = self.x + self.shift
        out = self.A * (1 - p) ** k
        if self.has_dead:
            out += self.D * p * (1 - p) ** (k - 1)
        return out

    def num_p(self, n, p):
        k = self.x + self.shift
        out = self.C[n] * (1 - p) ** (k + n)
        if n > 0:
            out += self.tail[n] * p * (1 - p) ** (k + n - 1)
        elif self.has_dead:
            out += self.D * p * (1 - p) ** (k - 1)
        return out

    # the same with the Beta integrals in closed form: E[p^i (1-p)^j] = B(a+i, b+j)/B(a, b)
    def eb(self, i, j):
        return mp.beta(self.a + i, self.b + j) / mp.beta(self.a, self.b)

    def den_closed(self):
        k = self.x + self.shift
        out = self.A * self.eb(0, k)
        if self.has_dead:
            out += self.D * self.eb(1, k - 1)
        return out

    def num_closed(self, n, tail_n, c_n):
        k = self.x + self.shift
        out = c_n * self.eb(0, k + n)
        if n > 0:
            out += tail_n * self.eb(1, k + n - 1)
        elif self.has_dead:
            out += self.D * self.eb(1, k - 1)
        return out

    def pmf_quad(self, n_max):
        den = e_beta(self.a, self.b, self.den_p)
        return [e_beta(self.a, self.b, lambda p, n=n: self.num_p(n, p)) / den
                for n in range(n_max + 1)]

    def pmf_closed_full(self, x, T, t):
        """Closed-Beta pmf continued until the mass left is < FULL_MASS (for sum and mean)."""
        den = self.den_closed()
        z = t / (self.al + T + t)
        out, c, tail, n = [], gamma_moment(self.r, self.al, x, T + t), self.A, 0
        while True:
            out.append(self.num_closed(n, tail, c) / den)
            tail -= c
            n += 1
            c = c * (self.r + x + n - 1) * z / n
            if n > 5 and 1 - mp.fsum(out) < FULL_MASS and out[-1] < FULL_MASS:
                return out


def bg_mean_published(pars, shift, x, tx, T, t):
    """FHL 2005 eq. 10 (shift 0); MBG/NBD: b+x -> b+x+1 and the MBG/NBD P(alive) (shift 1)."""
    r, al, a, b = pars["r"], pars["alpha"], pars["a"], pars["b"]
    bb = b + x + shift  # posterior Beta(a, bb) of p given alive
    z = t / (al + T + t)
    e_alive = (a + bb - 1) / (a - 1) * (
        1 - ((al + T) / (al + T + t)) ** (r + x) * mp.hyp2f1(r + x, bb, a + bb - 1, z))
    ratio = ((al + T) / (al + tx)) ** (r + x)
    if shift == 0:
        p_alive = 1 / (1 + (a / (b + x - 1) * ratio if x > 0 else 0))
    else:
        p_alive = 1 / (1 + a / (b + x) * ratio)
    return e_alive * p_alive


# ---------- Pareto/NBD ----------
class Pareto:
    def __init__(self, pars, x, tx, T, t):
        self.r, self.al, self.s, self.be = pars["r"], pars["alpha"], pars["s"], pars["beta"]
        self.x, self.tx, self.T, self.t = x, tx, T, t

    def mu_surv(self, c):  # E[e^{-mu c}]
        return (self.be / (self.be + c)) ** self.s

    def mu_death(self, c):  # E[mu e^{-mu c}]
        return self.s * self.be ** self.s / (self.be + c) ** (self.s + 1)

    def alive_hist(self):
        return gamma_moment(self.r, self.al, self.x, self.T) * self.mu_surv(self.T)

    def dead_hist(self):
        if self.T == self.tx:
            return mp.mpf(0)
        return quad(lambda u: gamma_moment(self.r, self.al, self.x, u) * self.mu_death(u),
                    [self.tx, self.T])

    def alive_future(self, n):
        lam = gamma_moment(self.r, self.al, self.x + n, self.T + self.t)
        return lam * self.t ** n / mp.factorial(n) * self.mu_surv(self.T + self.t)

    def death_term(self, n, u):
        lg = (self.r * mp.log(self.al) + mp.loggamma(self.r + self.x + n) - mp.loggamma(self.r)
              - (self.r + self.x + n) * mp.log(self.al + self.T + u) - mp.loggamma(n + 1))
        pw = u ** n if n > 0 else 1
        return mp.exp(lg) * pw * self.mu_death(self.T + u)

    def death_future(self, n):
        pts = [0, self.t / 4, self.t / 2, self.t]
        return quad(lambda u: self.death_term(n, u), pts)

    def pmf_quad(self, n_max):
        dead = self.dead_hist()
        den = self.alive_hist() + dead
        out = []
        for n in range(n_max + 1):
            v = self.alive_future(n) + self.death_future(n) + (dead if n == 0 else 0)
            out.append(v / den)
        return out, dead

    def pmf_gl_full(self, dead):
        """Every n at once: Gauss-Legendre over the death time u on 16 pieces of [0, t], the
        u-integrand for all n by recurrence; continued until the mass left is < FULL_MASS."""
        gl = GaussLegendre(mp.mp)
        nodes = []
        edges = [self.t * k / 16 for k in range(17)]
        for lo, hi in zip(edges, edges[1:]):
            nodes += gl.get_nodes(lo, hi, 6, mp.mp.prec + 20)
        vals = [w * gamma_moment(self.r, self.al, self.x, self.T + u) * self.mu_death(self.T + u)
                for u, w in nodes]
        den = self.alive_hist() + dead
        out, n, alive = [], 0, self.alive_future(0)
        zt = self.t / (self.al + self.T + self.t)
        while True:
            out.append((alive + mp.fsum(vals) + (dead if n == 0 else 0)) / den)
            n += 1
            alive *= (self.r + self.x + n - 1) * zt / n
            vals = [v * (self.r + self.x + n - 1) * u / ((self.al + self.T + u) * n)
                    for v, (u, _) in zip(vals, nodes)]
            if n > 5 and 1 - mp.fsum(out) < FULL_MASS and out[-1] < FULL_MASS:
                return out

    def p_alive_published(self):
        """P(alive at T) from the 2F1 likelihood (FHL 2005 Pareto/NBD note, eqs. 18-20)."""
        r, al, s, be, x = self.r, self.al, self.s, self.be, self.x
        rsx = r + s + x
        if al >= be:
            hi, second = al, s + 1
        else:
            hi, second = be, r + x
        d = abs(al - be)

        def piece(c):
            return mp.hyp2f1(rsx, second, rsx + 1, d / (hi + c)) / (hi + c) ** rsx

        a0 = piece(self.tx) - piece(self.T)
        alive = 1 / ((al + self.T) ** (r + x) * (be + self.T) ** s)
        return alive / (alive + s / rsx * a0)

    def mean_published(self):
        """E[Y(T, T+t] | x, t_x, T] = (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive)."""
        r, al, s, be, x, T, t = self.r, self.al, self.s, self.be, self.x, self.T, self.t
        return ((r + x) * (be + T) / ((al + T) * (s - 1))
                * (1 - ((be + T) / (be + T + t)) ** (s - 1)) * self.p_alive_published())


# ---------- driver ----------
def cut(pmf):
    """pmf truncated at the first n where the mass left is < STOP_MASS (at most N_MAX)."""
    acc = mp.mpf(0)
    for n, v in enumerate(pmf):
        acc += v
        if 1 - acc < STOP_MASS:
            return pmf[:n + 1], 1 - acc
    return pmf, 1 - acc


def max_rel(a, b):
    return max(float(abs(u - v) / abs(v)) if v != 0 else float(abs(u - v)) for u, v in zip(a, b))


def moments(pmf):
    return mp.fsum(pmf), mp.fsum(n * v for n, v in enumerate(pmf))


def case_entry(x, tx, T, t, pmf, rest, check, mean_pub, full):
    tot, mean = moments(full)
    return {"x": x, "t_x": tx, "T": T, "t": t, "pmf": [float(v) for v in pmf],
            "remaining_mass": float(rest),
            "check": {"independent_max_rel_diff": check, "full_n": len(full) - 1,
                      "full_sum_minus_1": float(tot - 1), "mean_published": float(mean_pub),
                      "mean_rel_diff": float(abs(mean - mean_pub) / mean_pub)}}


def run_bg(name, pars_d, shift):
    pars = mpf_params(pars_d)
    cases = []
    for x, tx, T in CUSTOMERS:
        for t in HORIZONS:
            m = BgFamily(pars, shift, x, mp.mpf(tx), mp.mpf(T), mp.mpf(t), N_MAX)
            pmf, rest = cut(m.pmf_quad(N_MAX))
            full = m.pmf_closed_full(x, mp.mpf(T), mp.mpf(t))
            chk = max_rel(pmf, full[:len(pmf)])
            mean_pub = bg_mean_published(pars, shift, x, mp.mpf(tx), mp.mpf(T), mp.mpf(t))
            cases.append(case_entry(x, tx, T, t, pmf, rest, chk, mean_pub, full))
            report(name, cases[-1])
    return {"params": pars_d, "lifetimes": None, "cases": cases}


def lifetimes_pareto(pars_d, n, t, x, tx, T):
    f = ParetoNBDFitter()
    f.params_ = pd.Series(pars_d)
    try:
        v = f.conditional_probability_of_n_purchases_up_to_time(n, t, x, tx, T)
        return float(v)
    except Exception as e:  # noqa: BLE001 (recorded as a string in the fixture)
        return "error: %s" % type(e).__name__


def run_pareto(pars_d):
    pars = mpf_params(pars_d)
    cases = []
    for x, tx, T in CUSTOMERS:
        for t in HORIZONS:
            m = Pareto(pars, x, mp.mpf(tx), mp.mpf(T), mp.mpf(t))
            raw, dead = m.pmf_quad(N_MAX)
            pmf, rest = cut(raw)
            full = m.pmf_gl_full(dead)
            p_alive = m.alive_hist() / (m.alive_hist() + dead)
            chk = max_rel(pmf, full[:len(pmf)])
            e = case_entry(x, tx, T, t, pmf, rest, chk, m.mean_published(), full)
            e["check"]["p_alive_rel_diff"] = float(abs(p_alive - m.p_alive_published())
                                                   / m.p_alive_published())
            lt = [lifetimes_pareto(pars_d, n, t, x, tx, T) for n in range(len(pmf))]
            e["lifetimes"] = lt
            diffs = [abs(u - v) for u, v in zip(e["pmf"], lt) if isinstance(v, float)]
            e["lifetimes_max_abs_diff"] = (max(diffs) if diffs and all(np.isfinite(diffs))
                                           else "nan/inf or error in lifetimes")
            cases.append(e)
            report("pareto_nbd", e)
    return {"params": pars_d,
            "lifetimes": "ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time",
            "cases": cases}


def report(name, e):
    c = e["check"]
    print("%-10s x=%2d t_x=%7.3f T=%6.2f t=%5.0f N=%2d rest=%.1e indep=%.1e sum-1=%.1e "
          "mean=%.1e %s" % (name, e["x"], e["t_x"], e["T"], e["t"], len(e["pmf"]) - 1,
                            e["remaining_mass"], c["independent_max_rel_diff"],
                            c["full_sum_minus_1"], c["mean_rel_diff"],
                            "lt=%s" % e.get("lifetimes_max_abs_diff", "")), flush=True)


def main():
    out = {
        "description": "P(Y(T,T+t] = n | x, t_x, T) for n = 0..N (N: first n with remaining mass "
                       "< 1e-15, at most 40), by mpmath (dps 30) from the process description; "
                       "time unit weeks. Written by scripts/conditional_pmf_reference.py.",
        "lifetimes_version": lifetimes.__version__, "mpmath_version": mp.__version__,
        "models": {},
    }
    out["models"]["bgnbd"] = run_bg("bgnbd", BGNBD, 0)
    out["models"]["bgnbd"]["lifetimes"] = ("none: lifetimes 0.11.3 BetaGeoFitter has no "
                                           "conditional pmf")
    out["models"]["mbgnbd"] = run_bg("mbgnbd", MBGNBD, 1)
    out["models"]["mbgnbd"]["lifetimes"] = ("none: lifetimes 0.11.3 ModifiedBetaGeoFitter has no "
                                            "conditional pmf")
    out["models"]["pareto_nbd"] = run_pareto(PARETO)
    write_json(OUT, out)
    print("wrote", os.path.relpath(OUT, ROOT))


if __name__ == "__main__":
    main()
