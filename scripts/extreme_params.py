"""mpmath reference values of the BG/NBD kernel at extreme parameters (issue 11).

K(k, a, bx, tau) = c/(a-1) * [1 - 2F1(k, a-1; c; -tau)], c = a + bx - 1: the expected purchases
in (T, T+t] of a BG/NBD customer alive at T (k = r + x, bx = b + x, tau = t/(alpha + T)).
Rows are arguments the probe grid of tests/extreme_params.rs reaches with each parameter at
1e-8 or 1e8; the test `extreme_kernel_matches_mpmath` compares with them.
Run: python3 scripts/extreme_params.py > tests/fixtures/bgnbd_kernel_extreme.csv (needs mpmath).
"""
import itertools
import signal
from mpmath import mp, hyp2f1, mpf

mp.dps = 80


def timeout(*_):
    raise TimeoutError


signal.signal(signal.SIGALRM, timeout)
print("k,a,bx,tau,K")
levels = ["1e-8", "0.79", "1e8"]
for k, a, bx, tau in itertools.product(["1e-8", "2.24", "1e8", "1e12"], levels, ["1e-8", "2.4", "1e8"],
                                       ["1e-4", "0.9", "1200", "1e6"]):
    K_ = mpf(k); A = mpf(a); B = mpf(bx); T = mpf(tau)
    c = A + B - 1
    signal.alarm(2)  # rows mpmath cannot do within 2 s get no reference
    try:
        v = c / (A - 1) * (1 - hyp2f1(K_, A - 1, c, -T, maxterms=10**6))
    except Exception:
        continue  # mpmath gives up or times out: no reference for this row
    finally:
        signal.alarm(0)
    print(f"{k},{a},{bx},{tau},{mp.nstr(v, 20)}")
