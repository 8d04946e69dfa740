"""Independent mpmath evaluation of the BG/NBD figures used in tests/bgnbd_reference.rs.

Shows which parameter set each published figure of REFERENCE.md was computed with:
P(X(t)=n) figures use the 3-decimal estimates printed in FHL 2005, the expectations use BTYD's
full-precision estimates. Run: python3 scripts/bgnbd_reference_check.py (needs mpmath).
"""
from mpmath import mp, hyp2f1, beta, gamma, factorial

mp.dps = 30


def expected_new(t, r, al, a, b):
    z = t / (al + t)
    return (a + b - 1) / (a - 1) * (1 - (al / (al + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def conditional(t, x, tx, T, r, al, a, b):
    z = t / (al + T + t)
    k = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    p_alive = 1 / (1 + (x > 0) * a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))
    return k * p_alive, p_alive


def pmf(x, t, r, al, a, b):
    p1 = beta(a, b + x) / beta(a, b) * gamma(r + x) / (gamma(r) * factorial(x)) * (al / (al + t)) ** r * (t / (al + t)) ** x
    if x == 0:
        return p1
    s = sum(gamma(r + j) / (gamma(r) * factorial(j)) * (t / (al + t)) ** j for j in range(x))
    return p1 + beta(a + 1, b + x - 1) / beta(a, b) * (1 - (al / (al + t)) ** r * s)


full = (0.2425982, 4.4136842, 0.7929899, 2.4261667)
rounded = (0.243, 4.414, 0.793, 2.426)
for name, p in [("full precision", full), ("3 decimals", rounded)]:
    print(name)
    print("  E[X(t)] t=0.1429,1,3,31.8571,32,78,52:", [mp.nstr(expected_new(t, *p), 12) for t in (0.1429, 1, 3, 31.8571, 32, 78, 52)])
    print("  E[X(39)|2,30.43,38.86]:", mp.nstr(conditional(39, 2, 30.43, 38.86, *p)[0], 12))
    print("  customer 1516 (t_x=216/7):", [mp.nstr(v, 12) for v in conditional(52, 26, mp.mpf(216) / 7, 31, *p)])
    print("  P(X(39)=0), P(X(2)=10):", mp.nstr(pmf(0, 39, *p), 12), mp.nstr(pmf(10, 2, *p), 12))
