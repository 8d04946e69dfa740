#!/usr/bin/env python3
"""Reference values for the BG/BB conditional distribution of future transactions,
P(X* = k | x, t_x, n) for k = 0..n*, where X* counts the transactions in opportunities
n+1 .. n+n*, computed with mpmath from the model's definition (not from the crate and not from
any published closed form of this distribution).

Writes tests/fixtures/bgbb_conditional_pmf.json.

Model (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time noncontractual
setting", Marketing Science 29(6); the conventions of src/models/bgbb.rs and BgBb::simulate):
p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta), independent. At each opportunity t = 1, 2, ...
an alive customer first dies (for good) with probability theta; if still alive she transacts with
probability p. The data (x, t_x, n): x transactions in opportunities 1..n, the last at t_x.

Given (p, theta), the probability of one purchase sequence with summary (x, t_x, n) is
  L(p, theta) = p^x (1-p)^(n-x) (1-theta)^n                                  [alive through n]
              + sum_{i=0}^{n-t_x-1} p^x (1-p)^(t_x-x+i) theta (1-theta)^(t_x+i)
                                                   [died at the start of opportunity t_x+i+1]
(the number of sequences with that summary does not depend on (p, theta) and cancels in the
ratio below). The joint probability of the sequence and X* = k, by conditioning on whether and
when she dies after n: alive through n, then death at the start of opportunity n+j
(j = 1..n*, k ~ Binomial(j-1, p) transactions before it) or no death up to n+n*
(k ~ Binomial(n*, p)); a customer dead by n makes no more transactions:
  J_k(p, theta) = p^x (1-p)^(n-x) (1-theta)^n
                    [ sum_{j=1}^{n*} (1-theta)^(j-1) theta C(j-1,k) p^k (1-p)^(j-1-k)
                      + (1-theta)^(n*) C(n*,k) p^k (1-p)^(n*-k) ]
                  + 1{k=0} [dead terms of L].
Then P(X* = k | x, t_x, n) = E[J_k] / E[L], the expectations over the product prior: two 2-D
integrals over (p, theta) in [0,1]^2.

Three evaluations:
 A (the fixture values; mp.dps = 30): E[J_k] and E[L] expanded term by term into Beta
   functions, E[p^a (1-p)^b theta^c (1-theta)^d] = B(alpha+a, beta+b)/B(alpha,beta) *
   B(gamma+c, delta+d)/B(gamma,delta) (mpmath.beta), for the two formulas above. This is the
   exact integral of our own polynomial integrand.
 B (check of every value; mp.dps = 40): a dynamic programme over opportunities that follows the
   simulation rule literally (at each opportunity: die with theta, else transact with p, the
   history's purchases at opportunities 1..x-1 and t_x; a death only counts after t_x), carried
   out symbolically on polynomials in p, 1-p, theta, 1-theta with exact integer coefficients,
   then integrated monomial by monomial with the Beta moments as rising factorials
   (alpha)_a (beta)_b / (alpha+beta)_(a+b), no Gamma or Beta function. It checks the two
   formulas above (history likelihood and future conditioning) against the process.
 C (check of a subset, or of all with --quad-all; mp.dps = 30): mpmath.quad (tanh-sinh) over
   [0,1] x [0,1] of the same dynamic programme evaluated numerically at (p, theta). Each axis is
   split at 1/2 and substituted (q = w^(1/alpha) on [0, 1/2], 1 - q = w^(1/beta) on [1/2, 1],
   likewise for theta), which removes the Beta densities' endpoint singularities; each integrand
   is scaled to O(1) before quad (its stopping rule is absolute). One quadrature per
   (parameters, history) gives every horizon and k at once (the integrand values are cached).
   2-D quad costs 60-100 s per (parameters, history) here (75,000-100,000 integrand
   evaluations), so by default it runs on QUAD_SUBSET (6 of the 18 pairs, two per parameter
   set, with all 3 horizons each: 114 of the 342 values); --quad-all runs all 18 (~25 min).

Checks printed (and stored per case under "check"): A vs B (max relative difference), A vs C
where computed, |sum_k P(k) - 1|, and |sum_k k P(k) - E[X*]| with E[X*] the conditional
expectation of FHS 2010 eq. 13,
  E[X*] = B(alpha+x+1, beta+n-x)/B(alpha,beta) * delta/(gamma-1) * G(gamma+delta)/G(1+delta)
          * [G(1+delta+n)/G(gamma+delta+n) - G(1+delta+n+n*)/G(gamma+delta+n+n*)] / E[L]
(only as a check; it is not used for the values). No case has gamma = 1.

Cases: parameters (alpha, beta, gamma, delta) = FHS 2010's donations estimates
(1.204, 0.750, 0.657, 2.783), (0.5, 2.0, 1.5, 4.0), (20, 5, 0.3, 30); histories (x, t_x, n) =
(0,0,6), (2,4,6), (6,6,6), (3,5,10), (1,1,3), (0,0,1); horizons n* = 1, 5, 10; k = 0..n*.
Parameters are the binary doubles nearest to the decimals (what the crate's f64 tests use).

Fixture layout: {"source": ..., "mpmath_version": ..., "params_order": ["alpha", "beta",
"gamma", "delta"], "summary": {the largest check gaps}, "cases": [{"params": [alpha, beta,
gamma, delta], "x", "t_x", "n", "horizon", "pmf": [P(0), ..., P(n*)] (floats, the double
nearest to the 30-digit value), "pmf_30": [the same as 30-digit decimal strings],
"check": {dp_exact_max_rel_diff, sum_minus_1, mean, mean_eq13, mean_minus_eq13 and, where quad
ran, quad_max_rel_diff, quad_max_abs_diff}}]}.

Usage (from the crate root; only mpmath is needed, scripts/requirements-fixtures.txt):
    python3 -m venv /work/venv-mp && /work/venv-mp/bin/pip install -r scripts/requirements-fixtures.txt
    /work/venv-mp/bin/python scripts/bgbb_conditional_pmf_reference.py [--quad-all]
(the repository's .venv from scripts/python-env.sh also has mpmath 1.3.0; numpy is not needed,
hence s30/write_json are repeated here rather than imported from mp_reference_common). About
8 minutes (6 CPU-minutes) with the default quad subset, nearly all of it in quad; the last
run agreed to: B vs A 4e-31, C vs A 7e-27 relative, |sum - 1| 2e-31, |mean - eq. 13| 1e-29.
"""
import json
import os
import sys
import time

import mpmath as mp

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "bgbb_conditional_pmf.json")

PARAMS = [(1.204, 0.750, 0.657, 2.783), (0.5, 2.0, 1.5, 4.0), (20.0, 5.0, 0.3, 30.0)]
HISTORIES = [(0, 0, 6), (2, 4, 6), (6, 6, 6), (3, 5, 10), (1, 1, 3), (0, 0, 1)]
HORIZONS = [1, 5, 10]
# (parameter index, history) pairs checked by 2-D quad by default
QUAD_SUBSET = [(0, (0, 0, 6)), (0, (3, 5, 10)), (1, (2, 4, 6)), (1, (6, 6, 6)),
               (2, (3, 5, 10)), (2, (1, 1, 3))]


def s30(v):
    """v to 30 significant digits (as mp_reference_common.s30, which needs numpy)."""
    return mp.nstr(v, 30, min_fixed=-mp.inf, max_fixed=mp.inf)


def write_json(path, out):
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


def mpf_params(pr):
    return [mp.mpf(float(v)) for v in pr]


# ---------- A: Beta-function expansion of the lifetime/binomial formulas (dps 30) ----------
class BetaMoments:
    def __init__(self, pr):
        self.a, self.b, self.g, self.d = pr
        self.bab, self.bgd = mp.beta(self.a, self.b), mp.beta(self.g, self.d)
        self.cache = {}

    def p(self, i, j):  # E[p^i (1-p)^j]
        key = ("p", i, j)
        if key not in self.cache:
            self.cache[key] = mp.beta(self.a + i, self.b + j) / self.bab
        return self.cache[key]

    def t(self, i, j):  # E[theta^i (1-theta)^j]
        key = ("t", i, j)
        if key not in self.cache:
            self.cache[key] = mp.beta(self.g + i, self.d + j) / self.bgd
        return self.cache[key]


def pmf_expansion(pr, x, tx, n, horizon):
    m = BetaMoments(pr)
    alive = m.p(x, n - x) * m.t(0, n)
    dead = mp.fsum(m.p(x, tx - x + i) * m.t(1, tx + i) for i in range(n - tx))
    den = alive + dead
    out = []
    for k in range(horizon + 1):
        terms = [mp.binomial(j - 1, k) * m.p(x + k, n - x + j - 1 - k) * m.t(1, n + j - 1)
                 for j in range(k + 1, horizon + 1)]  # death at the start of n+j, j-1 >= k
        terms.append(mp.binomial(horizon, k) * m.p(x + k, n - x + horizon - k) * m.t(0, n + horizon))
        if k == 0:
            terms.append(dead)
        out.append(mp.fsum(terms) / den)
    return out, den


# ---------- B: symbolic dynamic programme over opportunities (dps 40) ----------
# A polynomial is a dict {(a, b, c, d): integer coefficient} for p^a (1-p)^b theta^c (1-theta)^d.
def pmul(poly, mono):
    out = {}
    for key, c in poly.items():
        nk = tuple(u + v for u, v in zip(key, mono))
        out[nk] = out.get(nk, 0) + c
    return out


def padd(*polys):
    out = {}
    for poly in polys:
        for key, c in poly.items():
            out[key] = out.get(key, 0) + c
    return {k: c for k, c in out.items() if c != 0}


P, Q, TH, S = (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)  # p, 1-p, theta, 1-theta


def dp_symbolic(x, tx, n, horizon):
    """Polynomials of the history probability (alive at n, dead by n) and, for every horizon
    h <= horizon, the joint probability of the history and k future transactions."""
    purchases = set(range(1, x)) | ({tx} if x > 0 else set())
    alive, dead = {(0, 0, 0, 0): 1}, {}
    for t in range(1, n + 1):
        if t > tx:  # dying at t <= t_x contradicts the purchase at t_x
            dead = padd(dead, pmul(alive, TH))
        alive = pmul(alive, S)
        alive = pmul(alive, P if t in purchases else Q)
    al = [alive]  # al[k]: alive after the current opportunity with k future transactions
    de = [dead]  # de[k]: dead, k future transactions (dead by n: k = 0)
    joint = {}
    for h in range(1, horizon + 1):
        de = [padd(de[k] if k < len(de) else {}, pmul(al[k], TH) if k < len(al) else {})
              for k in range(h)] + [{}]
        surv = [pmul(a, S) for a in al]
        al = [padd(pmul(surv[k], Q) if k < len(surv) else {},
                   pmul(surv[k - 1], P) if k >= 1 else {}) for k in range(h + 1)]
        joint[h] = [padd(al[k], de[k]) for k in range(h + 1)]
    return padd(alive, dead), joint


def rising_ratio(u, v, i, j):
    """E[q^i (1-q)^j] for q ~ Beta(u, v) = (u)_i (v)_j / (u+v)_(i+j), as products."""
    num = mp.fprod(u + s for s in range(i)) * mp.fprod(v + s for s in range(j))
    return num / mp.fprod(u + v + s for s in range(i + j))


def integrate_poly(poly, pr):
    a, b, g, d = pr
    return mp.fsum(c * rising_ratio(a, b, ka, kb) * rising_ratio(g, d, kc, kd)
                   for (ka, kb, kc, kd), c in poly.items())


def pmf_dp_exact(pr, x, tx, n):
    hist, joint = dp_symbolic(x, tx, n, max(HORIZONS))
    den = integrate_poly(hist, pr)
    return {h: [integrate_poly(poly, pr) / den for poly in joint[h]] for h in HORIZONS}


# ---------- C: 2-D mpmath.quad of the numeric dynamic programme (dps 30) ----------
def dp_numeric(p, th, x, tx, n, horizon):
    """[history probability, joint probabilities for h in HORIZONS, k = 0..h (flattened)]."""
    purchases = set(range(1, x)) | ({tx} if x > 0 else set())
    alive, dead = mp.mpf(1), mp.mpf(0)
    for t in range(1, n + 1):
        if t > tx:
            dead += alive * th
        alive *= 1 - th
        alive *= p if t in purchases else 1 - p
    out = [alive + dead]
    al, de = [alive], [dead]
    q, s = 1 - p, 1 - th
    for h in range(1, horizon + 1):
        de = [de[k] + al[k] * th if k < len(al) else de[k] for k in range(len(de))] + [mp.mpf(0)]
        al = [s * ((al[k] * q if k < len(al) else 0) + (al[k - 1] * p if k >= 1 else 0))
              for k in range(h + 1)]
        if h in HORIZONS:
            out += [u + v for u, v in zip(al, de)]
    return out


def axis_pieces(u, v):
    """The two halves of [0, 1] for a Beta(u, v) variable: (map w -> (q, density * dq/dw), w_max)."""
    lb = mp.log(mp.beta(u, v))
    half = mp.mpf(1) / 2
    cache_lo, cache_hi = {}, {}

    def lower(w):  # q = w^(1/u): q^(u-1) dq = dw / u
        if w not in cache_lo:
            q = w ** (1 / u)
            cache_lo[w] = (q, mp.exp((v - 1) * mp.log1p(-q) - lb) / u)
        return cache_lo[w]

    def upper(w):  # 1 - q = w^(1/v)
        if w not in cache_hi:
            q1 = w ** (1 / v)
            cache_hi[w] = (1 - q1, mp.exp((u - 1) * mp.log1p(-q1) - lb) / v)
        return cache_hi[w]

    return [(lower, half ** u), (upper, half ** v)]


def pmf_quad(pr, x, tx, n):
    a, b, g, d = pr
    pieces = [(pp, tp) for pp in axis_pieces(a, b) for tp in axis_pieces(g, d)]
    horizon = max(HORIZONS)
    cache = {}

    def vec(ip, w1, w2):
        key = (ip, w1, w2)
        if key not in cache:
            (pmap, _), (tmap, _) = pieces[ip]
            p, jp = pmap(w1)
            th, jt = tmap(w2)
            jac = jp * jt
            cache[key] = [jac * v for v in dp_numeric(p, th, x, tx, n, horizon)]
        return cache[key]

    n_out = 1 + sum(h + 1 for h in HORIZONS)

    def integral(idx, scales):
        total = mp.mpf(0)
        for ip, ((_, w1max), (_, w2max)) in enumerate(pieces):
            sc = scales[ip][idx] or 1
            total += sc * mp.quad(lambda w1, w2: vec(ip, w1, w2)[idx] / sc, [0, w1max], [0, w2max])
        return total

    # scale to O(1): the history probability by its value at each piece's centre, then every
    # quantity by its largest value at the nodes met by the history probability's quadrature
    centre = [vec(ip, w1max / 2, w2max / 2) for ip, ((_, w1max), (_, w2max)) in enumerate(pieces)]
    integrals = [integral(0, [[abs(c[0])] for c in centre])]
    scales = [[mp.mpf(0)] * n_out for _ in pieces]
    for key, v in cache.items():
        row = scales[key[0]]
        for idx in range(n_out):
            row[idx] = max(row[idx], abs(v[idx]))
    integrals += [integral(idx, scales) for idx in range(1, n_out)]
    den, rest = integrals[0], integrals[1:]
    out, pos = {}, 0
    for h in HORIZONS:
        out[h] = [v / den for v in rest[pos:pos + h + 1]]
        pos += h + 1
    return out, len(cache)


# ---------- FHS 2010 eq. 13 (check only) ----------
def mean_eq13(pr, x, tx, n, horizon):
    a, b, g, d = pr
    B, G = mp.beta, mp.gamma
    lik = B(a + x, b + n - x) / B(a, b) * B(g, d + n) / B(g, d) + mp.fsum(
        B(a + x, b + tx - x + i) / B(a, b) * B(g + 1, d + tx + i) / B(g, d) for i in range(n - tx))
    return (B(a + x + 1, b + n - x) / B(a, b) * d / (g - 1) * G(g + d) / G(1 + d)
            * (G(1 + d + n) / G(g + d + n) - G(1 + d + n + horizon) / G(g + d + n + horizon)) / lik)


def max_rel(u, v):
    return max(float(abs(s - t) / abs(t)) if t != 0 else float(abs(s - t)) for s, t in zip(u, v))


def max_abs(u, v):
    return max(float(abs(s - t)) for s, t in zip(u, v))


def main():
    quad_all = "--quad-all" in sys.argv[1:]
    t_start = time.time()
    cases = []
    worst = {"dp_rel": 0.0, "quad_rel": 0.0, "quad_abs": 0.0, "sum": 0.0, "mean": 0.0}
    for ip, pr_f in enumerate(PARAMS):
        for x, tx, n in HISTORIES:
            with mp.workdps(40):
                prb = mpf_params(pr_f)
                dp_vals = pmf_dp_exact(prb, x, tx, n)
            quad_vals = None
            if quad_all or (ip, (x, tx, n)) in QUAD_SUBSET:
                t0 = time.time()
                with mp.workdps(30):
                    quad_vals, n_eval = pmf_quad(mpf_params(pr_f), x, tx, n)
                print("  quad: %d integrand evaluations, %.0f s" % (n_eval, time.time() - t0),
                      flush=True)
            for h in HORIZONS:
                with mp.workdps(30):
                    pr = mpf_params(pr_f)
                    pmf, _ = pmf_expansion(pr, x, tx, n, h)
                    total = mp.fsum(pmf)
                    mean = mp.fsum(k * v for k, v in enumerate(pmf))
                    m13 = mean_eq13(pr, x, tx, n, h)
                    check = {
                        "dp_exact_max_rel_diff": max_rel(dp_vals[h], pmf),
                        "sum_minus_1": float(total - 1),
                        "mean": s30(mean),
                        "mean_eq13": s30(m13),
                        "mean_minus_eq13": float(mean - m13),
                    }
                    if quad_vals is not None:
                        check["quad_max_rel_diff"] = max_rel(quad_vals[h], pmf)
                        check["quad_max_abs_diff"] = max_abs(quad_vals[h], pmf)
                worst["dp_rel"] = max(worst["dp_rel"], check["dp_exact_max_rel_diff"])
                worst["sum"] = max(worst["sum"], abs(check["sum_minus_1"]))
                worst["mean"] = max(worst["mean"], abs(check["mean_minus_eq13"]))
                if quad_vals is not None:
                    worst["quad_rel"] = max(worst["quad_rel"], check["quad_max_rel_diff"])
                    worst["quad_abs"] = max(worst["quad_abs"], check["quad_max_abs_diff"])
                cases.append({"params": list(pr_f), "x": x, "t_x": tx, "n": n, "horizon": h,
                              "pmf": [float(v) for v in pmf], "pmf_30": [s30(v) for v in pmf],
                              "check": check})
                print("params=%s x=%d t_x=%d n=%2d n*=%2d  dp=%.1e  quad=%s  sum-1=%.1e  "
                      "mean-eq13=%.1e  P(0)=%.6g"
                      % (pr_f, x, tx, n, h, check["dp_exact_max_rel_diff"],
                         "%.1e" % check["quad_max_rel_diff"] if quad_vals is not None else "-",
                         check["sum_minus_1"], check["mean_minus_eq13"], float(pmf[0])),
                      flush=True)
    n_values = sum(len(c["pmf"]) for c in cases)
    n_quad = sum(len(c["pmf"]) for c in cases if "quad_max_rel_diff" in c["check"])
    out = {
        "source": "scripts/bgbb_conditional_pmf_reference.py: BG/BB P(X* = k | x, t_x, n), k = "
                  "0..horizon, X* = transactions in opportunities n+1..n+horizon; ratio of "
                  "2-D integrals over the Beta(alpha,beta) x Beta(gamma,delta) prior of the "
                  "process's joint probability (death first, then a transaction, at each "
                  "opportunity), by term-by-term Beta-function expansion at 30 digits. Checked "
                  "against a symbolic dynamic programme over opportunities at 40 digits (all "
                  "values) and 2-D mpmath.quad (%d of %d values); sums and means against FHS "
                  "2010 eq. 13 under 'check'. Not derived from any closed form of the pmf."
                  % (n_quad, n_values),
        "mpmath_version": mp.__version__,
        "params_order": ["alpha", "beta", "gamma", "delta"],
        "summary": {"n_cases": len(cases), "n_values": n_values, "n_values_quad": n_quad,
                    "max_dp_exact_rel_diff": worst["dp_rel"],
                    "max_quad_rel_diff": worst["quad_rel"],
                    "max_quad_abs_diff": worst["quad_abs"],
                    "max_abs_sum_minus_1": worst["sum"],
                    "max_abs_mean_minus_eq13": worst["mean"]},
        "cases": cases,
    }
    write_json(OUT, out)
    print("wrote %s: %d cases, %d values (%d also by quad) in %.0f s"
          % (os.path.relpath(OUT, ROOT), len(cases), n_values, n_quad, time.time() - t_start))
    print("largest: dp-vs-expansion rel %.2e, quad-vs-expansion rel %.2e (abs %.2e), "
          "|sum-1| %.2e, |mean-eq13| %.2e" % (worst["dp_rel"], worst["quad_rel"],
                                              worst["quad_abs"], worst["sum"], worst["mean"]))


if __name__ == "__main__":
    main()
