"""Reference figures for the indicator tests (tests/indicators.rs) on the CDNOW sample.

Plain Python (standard library only), written independently of the Rust code, from
data/CDNOW_sample.txt (whitespace separated: master id, sample id, date YYYYMMDD, CDs,
dollars) and the scores in tests/fixtures/cdnow_scores.csv (written by `clv report` with its
defaults: BG/NBD + Gamma-Gamma fitted on the calibration period to 1997-09-30, 12-month
discounted CLV).

Conventions, as documented in src/analysis/: an order is one customer's purchases on one day,
amounts summed; the first order is the first day. A period's "existing" revenue comes from
customers whose first order is in an earlier period. Tenure month = floor(days since the
first order / 30.4375). Observed churn in a window of w days at the end E: among customers
with E - first >= w, the share with E - last >= w (orders after E dropped). Loyalty tiers:
customers sorted by CLV from the highest (ties in file order), the top round(n * 0.05) are
Platinum, up to round(n * 0.20) Gold, up to round(n * 0.50) Silver, the rest Standard.

Run from the crate root: python3 scripts/cdnow_indicators.py
"""
import csv
import math
from collections import defaultdict
from datetime import date


def read_orders(end=None):
    orders = defaultdict(lambda: defaultdict(float))  # id -> day -> amount
    for line in open("data/CDNOW_sample.txt"):
        f = line.split()
        if not f:
            continue
        d = f[2]
        day = date(int(d[:4]), int(d[4:6]), int(d[6:]))
        if end is not None and day > end:
            continue
        orders[f[1]][day] += float(f[4])
    return {k: sorted(v.items()) for k, v in orders.items()}


def month(d):
    return f"{d.year:04}-{d.month:02}"


def quarter(d):
    return f"{d.year:04}-Q{(d.month - 1) // 3 + 1}"


def revenue(orders, label):
    rows = defaultdict(lambda: [0.0, 0.0, 0.0])  # revenue, first-order, existing
    for days in orders.values():
        acquired = label(days[0][0])
        for k, (day, amount) in enumerate(days):
            r = rows[label(day)]
            r[0] += amount
            if k == 0:
                r[1] += amount
            if label(day) > acquired:
                r[2] += amount
    print("period revenue first_order_revenue existing_revenue existing_share")
    for p in sorted(rows):
        r = rows[p]
        print(p, f"{r[0]:.2f} {r[1]:.2f} {r[2]:.2f} {r[2] / r[0]:.6f}")


def aov(orders):
    first, repeat = [], []
    by_month = defaultdict(list)
    for days in orders.values():
        start = days[0][0]
        for k, (day, amount) in enumerate(days):
            (first if k == 0 else repeat).append(amount)
            by_month[math.floor((day - start).days / 30.4375)].append(amount)
    print(f"first orders {len(first)} aov {sum(first) / len(first):.6f}")
    print(f"repeat orders {len(repeat)} aov {sum(repeat) / len(repeat):.6f}")
    print("tenure_month orders aov")
    for m in sorted(by_month)[:4]:
        v = by_month[m]
        print(m, len(v), f"{sum(v) / len(v):.6f}")


def scores():
    with open("tests/fixtures/cdnow_scores.csv") as f:
        return [(r["customer_id"], float(r["clv"]), float(r["p_alive"])) for r in csv.DictReader(f)]


def churn(orders, end, scored):
    p_alive = {i: p for i, _, p in scored}
    groups = defaultdict(list)
    for cid, days in orders.items():
        groups[month(days[0][0])].append((days[0][0], days[-1][0], p_alive[cid]))
    print("cohort customers churn_30d churn_60d churn_90d (churned/observed) model_churn")
    for g in sorted(groups):
        cells = []
        for w in (30, 60, 90):
            obs = [c for c in groups[g] if (end - c[0]).days >= w]
            churned = [c for c in obs if (end - c[1]).days >= w]
            cells.append(f"{len(churned)}/{len(obs)}")
        model = sum(1 - c[2] for c in groups[g]) / len(groups[g])
        print(g, len(groups[g]), *cells, f"{model:.6f}")


def tiers(scored):
    n = len(scored)
    ranked = sorted(range(n), key=lambda i: -scored[i][1])  # stable: ties keep file order
    ends = [math.floor(n * c + 0.5) for c in (0.05, 0.20, 0.50)] + [n]
    total = sum(s[1] for s in scored)
    start = 0
    print("tier customers share_of_value mean_p_alive")
    for name, stop in zip(("Platinum", "Gold", "Silver", "Standard"), ends):
        members = [scored[i] for i in ranked[start:stop]]
        value = sum(m[1] for m in members)
        mean_p = sum(m[2] for m in members) / len(members)
        print(name, len(members), f"{value / total:.6f}", f"{mean_p:.6f}")
        start = stop


whole = read_orders()
print("== revenue per quarter, whole log to 1998-06-30")
revenue(whole, quarter)
print("== revenue per month")
revenue(whole, month)
print("== order value")
aov(whole)
scored = scores()
print("== churn per monthly cohort at the calibration end 1997-09-30")
cal = date(1997, 9, 30)
churn(read_orders(cal), cal, scored)
print("== loyalty tiers")
tiers(scored)
