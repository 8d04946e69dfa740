"""Reference figures for tests/analysis.rs: monthly acquisition cohorts of the CDNOW sample and
their repeat purchases within 30, 60 and 90 days of the first purchase.

Plain Python (standard library only), written independently of the Rust code: purchases are
read per distinct day (several on one day count as one), transactions after the calibration
end 1997-09-30 are dropped, and a customer repeated within w days when its second purchase
day is at most w days after the first. Every customer was acquired in Q1 1997, so all have
been observed for more than 90 days.

Run from the crate root: python3 scripts/cdnow_cohort_repeat_rates.py
"""
from datetime import date

END = date(1997, 9, 30)
days = {}
for line in open("data/CDNOW_sample.txt"):
    fields = line.split()
    d = fields[2]
    day = date(int(d[:4]), int(d[4:6]), int(d[6:]))
    if day <= END:
        days.setdefault(fields[1], set()).add(day)

cohorts = {}
for purchase_days in days.values():
    ordered = sorted(purchase_days)
    first = ordered[0]
    row = cohorts.setdefault(f"{first.year:04}-{first.month:02}", [0, 0, 0, 0])
    row[0] += 1
    if len(ordered) > 1:
        gap = (ordered[1] - first).days
        for k, window in enumerate((30, 60, 90)):
            if gap <= window:
                row[k + 1] += 1

print("cohort customers repeat_30d repeat_60d repeat_90d (counts)")
for cohort in sorted(cohorts):
    print(cohort, *cohorts[cohort])
