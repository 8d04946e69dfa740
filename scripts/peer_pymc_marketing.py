#!/usr/bin/env python3
"""Times PyMC-Marketing (MAP fits, flat priors) on an RFM CSV as compare_lifetimes.py times
lifetimes, and writes its figures as JSON for scripts/compare_peers.py.

Usage (normally through scripts/compare_peers.sh, in the venv of scripts/requirements-pymc.txt):
    python scripts/peer_pymc_marketing.py --input customers.csv --peer-json pymc.json

Stages, each timed apart: read the CSV (pandas), BG/NBD fit (`BetaGeoModel`, priors on r,
alpha, a, b all `HalfFlat`, so that the MAP is the maximum-likelihood estimate), Gamma-Gamma fit
(`GammaGammaModel` on repeat buyers, its default `HalfFlat` priors), P(alive) with the expected
purchases over 30 days for every customer, and the 12-month CLV (lifetimes' convention: time
unit "D", 1% discount per month). Model building and the compilation of pytensor's functions
are part of the fit, as a user meets them; the stages after the fits reuse what they compiled.
"""
import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
import pymc
import pymc_marketing
from pymc_extras.prior import Prior
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

HORIZON_DAYS = 30
CLV_MONTHS = 12
DISCOUNT_PER_MONTH = 0.01


def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def point(idata, name):
    """The MAP estimate of `name` (one chain, one draw)."""
    return float(idata.posterior[name].values.reshape(-1)[0])


def run(path):
    seconds = {}
    df, seconds["read CSV"] = timed(lambda: pd.read_csv(path, dtype={"customer_id": str}))
    flat = {name: Prior("HalfFlat") for name in ["r", "alpha", "a", "b"]}
    bg = BetaGeoModel(data=df[["customer_id", "frequency", "recency", "T"]], model_config=flat)
    _, seconds["fit BG/NBD"] = timed(lambda: (bg.build_model(), bg.fit(method="map", progressbar=False)))
    repeat = df[df["frequency"] > 0][["customer_id", "frequency", "monetary_value"]]
    gg = GammaGammaModel(data=repeat)
    _, seconds["fit Gamma-Gamma"] = timed(lambda: (gg.build_model(), gg.fit(method="map", progressbar=False)))
    seconds["whole process: read CSV + fit both"] = (
        seconds["read CSV"] + seconds["fit BG/NBD"] + seconds["fit Gamma-Gamma"]
    )

    def alive_and_expected():
        data = df[["customer_id", "frequency", "recency", "T"]]
        p = bg.expected_probability_alive(data=data)
        e = bg.expected_purchases(data=data, future_t=HORIZON_DAYS)
        return np.asarray(p).reshape(-1), np.asarray(e).reshape(-1)

    (p_alive, expected), seconds["P(alive) + expected purchases"] = timed(alive_and_expected)

    def clv():
        data = df[["customer_id", "frequency", "recency", "T", "monetary_value"]].copy()
        v = gg.expected_customer_lifetime_value(
            transaction_model=bg, data=data, future_t=CLV_MONTHS,
            discount_rate=DISCOUNT_PER_MONTH, time_unit="D",
        )
        return np.asarray(v).reshape(-1)

    values, seconds["12-month CLV"] = timed(clv)
    return {
        "version": f"PyMC-Marketing {pymc_marketing.__version__}",
        "customers": len(df),
        "seconds": seconds,
        "bgnbd": [point(bg.idata, n) for n in ["r", "alpha", "a", "b"]],
        "gamma_gamma": [point(gg.idata, n) for n in ["p", "q", "v"]],
        "sum_p_alive": float(np.sum(p_alive)),
        "sum_expected_purchases_30_days": float(np.sum(expected)),
        "sum_clv_12_months": float(np.sum(values)),
        "note": f"MAP through pymc {pymc.__version__} find_MAP (L-BFGS-B), flat priors",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--peer-json", required=True)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    out = run(args.input)
    print(json.dumps(out["seconds"]))
    with open(args.peer_json, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
