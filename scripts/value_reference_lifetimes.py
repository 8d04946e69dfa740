"""Reference CLV figures for tests/value_cdnow.rs, computed with Python lifetimes 0.11.3.

lifetimes is an independent implementation of BG/NBD, Gamma-Gamma and of the
`customer_lifetime_value` convention (monthly steps of a fixed number of the data's units,
cash flow of month i divided by (1 + d)^i). Parameters are fixed to published values so the
figures do not depend on either optimiser:
  BG/NBD: BTYD's full-precision CDNOW estimates (REFERENCE.md): r, alpha, a, b below;
  Gamma-Gamma: note 025's p = 6.25, q = 3.74, gamma = 15.44.

Setup (lifetimes needs old pandas):
  python3 -m venv /tmp/lifetimes-venv
  /tmp/lifetimes-venv/bin/pip install lifetimes==0.11.3 pandas==1.5.3 numpy==1.26.4 scipy==1.11.4
Run from the crate root: /tmp/lifetimes-venv/bin/python scripts/value_reference_lifetimes.py
"""
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter

df = pd.read_csv("data/cdnow_summary.csv").set_index("ID")
x, tx, T, m = df["x"], df["t_x"], df["T"], df["zbar"]

bgf = BetaGeoFitter()
bgf.params_ = pd.Series(dict(r=0.2425982, alpha=4.4136842, a=0.7929899, b=2.4261667))
bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time  # what fit() sets
ggf = GammaGammaFitter()
ggf.params_ = pd.Series(dict(p=6.25, q=3.74, v=15.44))

spend = ggf.conditional_expected_average_profit(x, m)
for freq, label in [("W", "weekly data, month = 4.345 weeks"), ("D", "the same weeks read as days, month = 30 units")]:
    clv = ggf.customer_lifetime_value(bgf, x, tx, T, m, time=12, discount_rate=0.01, freq=freq)
    print(f"# freq={freq!r} ({label}), 12 months, 1% per month")
    print("customers 1..10:", [round(v, 6) for v in clv.iloc[:10]])
    top = clv.sort_values(ascending=False).head(5)
    print("top 5 (id, clv):", [(int(i), round(v, 6)) for i, v in top.items()])
    print("total:", round(clv.sum(), 4))
print("spend customers 1..3:", [round(v, 6) for v in spend.iloc[:3]])
print("E[X(52) | customer 1516]:", round(bgf.conditional_expected_number_of_purchases_up_to_time(52, 26, 30.86, 31), 6))

# Fitting both models with lifetimes, for comparison (not used in the tests):
fit_bg = BetaGeoFitter().fit(x, tx, T)
rep = x > 0
fit_gg = GammaGammaFitter().fit(x[rep], m[rep])
print("lifetimes fit BG/NBD:", fit_bg.params_.round(6).to_dict())
print("lifetimes fit Gamma-Gamma:", fit_gg.params_.round(6).to_dict())
