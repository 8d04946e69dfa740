"""mpmath reference values of the BG/NBD kernel for customers with very many purchases.

K(k, a, bx, tau) = c/(a-1) * [1 - 2F1(k, a-1; c; -tau)], c = a + bx - 1, at CDNOW's
a = 0.7929899, b = 2.4261667, r = 0.2425982 with x = 1500, 2000, 5000 (tests/special.rs,
`kernel_for_very_frequent_customers`). Run: python3 scripts/kernel_large_x.py (needs mpmath).
Also the case a property test found (large c, c - k large): k = 117.18..., a = 6.168..., tau = 1.80...
"""
from mpmath import mp, hyp2f1, mpf

mp.dps = 50
r, a, b = mpf("0.2425982"), mpf("0.7929899"), mpf("2.4261667")
for x in (1500, 2000, 5000):
    for tau in ("0.5", "1", "3", "20"):
        k, bx, t = r + x, b + x, mpf(tau)
        c = a + bx - 1
        K = c / (a - 1) * (1 - hyp2f1(k, a - 1, c, -t))
        print(f"({x}.0, {tau}, {mp.nstr(K, 17)}),")

k, a, c, t = mpf("117.18013278526445"), mpf("6.168436696006694"), mpf("659.5770744538102"), mpf("1.8022945487435154")
print("large c:", mp.nstr(c / (a - 1) * (1 - hyp2f1(k, a - 1, c, -t)), 17))
