"""Helpers shared by the mpmath reference scripts (pareto_nbd_reference.py, mbgnbd_reference.py,
bgbb_reference.py, sbg_reference.py): number formatting for the JSON fixtures and a scaled quad."""
import json

import mpmath as mp
import numpy as np


def s30(v):
    """v to 30 significant digits, never in exponent-free padding."""
    return mp.nstr(v, 30, min_fixed=-mp.inf, max_fixed=mp.inf)


def jf(v):
    """A JSON-safe float: NaN and infinities become strings."""
    v = float(v)
    return v if np.isfinite(v) else str(v)


def rel(a, b):
    """Relative gap |a - b| / |b| (absolute when b is 0)."""
    return float(abs(a - b) / abs(b)) if b != 0 else float(abs(a - b))


def pair(closed, independent, lt=None):
    """Fixture entry: closed form (value and 30 digits), an independent evaluation (integral or
    series), their relative gap, and optionally lifetimes' double-precision value."""
    out = {"value": float(closed), "closed_form": s30(closed), "quad": s30(independent),
           "quad_rel_diff": rel(independent, closed)}
    if lt is not None:
        out["lifetimes"] = jf(lt)
    return out


def quad(f, pts):
    """mp.quad with the integrand scaled to O(1) first: tanh-sinh stops on an absolute error
    estimate, so a tiny integrand (1e-47) would otherwise come back with 20 digits, not 40."""
    fin = [v for v in pts if v != mp.inf]
    vals = []
    for v in fin + [(u + w) / 2 for u, w in zip(fin, fin[1:])]:
        try:
            fv = abs(f(v))
        except (ZeroDivisionError, ValueError):
            continue
        if mp.isfinite(fv):
            vals.append(fv)
    scale = max(vals, default=0) or 1
    return scale * mp.quad(lambda u: f(u) / scale, pts, maxdegree=10)


def e_beta(u, v, fn):
    """E[fn(q)] for q ~ Beta(u, v), by quadrature of the density on [0, 1/2] and [1/2, 1] with
    q = w^(1/u) on the first half and 1 - q = w^(1/v) on the second, which takes the density's
    endpoint singularities (u < 1 or v < 1) out of the integrand."""
    u, v = mp.mpf(u), mp.mpf(v)
    lb = mp.log(mp.beta(u, v))
    half = mp.mpf(1) / 2

    def lower(w):  # q = w^(1/u): q^(u-1) dq = dw / u
        q = w ** (1 / u)
        return fn(q) * mp.exp((v - 1) * mp.log1p(-q) - lb) / u

    def upper(w):  # 1 - q = w^(1/v)
        q1 = w ** (1 / v)
        return fn(1 - q1) * mp.exp((u - 1) * mp.log1p(-q1) - lb) / v

    return quad(lower, [0, half ** u]) + quad(upper, [0, half ** v])


def worst_gaps(out, k=3):
    """The k largest quad_rel_diff entries of a fixture tree, with their paths."""
    found = []

    def walk(o, path):
        if isinstance(o, dict):
            if "quad_rel_diff" in o:
                found.append((o["quad_rel_diff"], path))
            for key, v in o.items():
                walk(v, path + "/" + key)
        elif isinstance(o, list):
            for i, v in enumerate(o):
                walk(v, path + "/" + str(i))
    walk(out, "")
    return sorted(found, reverse=True)[:k]


def write_json(path, out):
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
