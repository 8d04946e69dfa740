//! Predictions at extreme but valid parameters (issue 11): every BG/NBD, MBG/NBD and
//! Pareto/NBD prediction is finite and within its analytic bounds, never NaN, never a hang.
//!
//! The probe grid puts each of the four parameters at 1e-8, at its CDNOW estimate and at 1e8
//! (81 models per family), asks about customers from "no repeat purchase" to "very frequent"
//! and horizons from one hour to 1000 years, and checks every prediction against bounds that
//! hold for any parameters:
//! * `0 <= P(alive) <= 1`, `0 <= P(no purchase in t) <= 1`;
//! * `0 <= E[X(t) | history] <= E[lambda | history] t = (r + x) t / (alpha + T)` (the
//!   customer cannot buy faster than the posterior mean rate, alive all the time);
//! * `0 <= E[X(t)] <= r t / alpha`.
//!
//! Values (not just bounds) are compared with mpmath in `extreme_values_match_mpmath`
//! (fixture written by `scripts/extreme_params.py`).

use std::sync::mpsc;

use clv::models::{BgNbd, MbgNbd, ParetoNbd, PurchaseModel};
use clv::{Duration, Rfm, TimeUnit};
use proptest::prelude::*;

const LEVELS: [f64; 3] = [1e-8, 1.0, 1e8];

/// Customers (x, t_x, T) in weeks.
const CUSTOMERS: [(u32, f64, f64); 4] = [
    (0, 0.0, 38.0),
    (2, 30.43, 38.86),
    (26, 30.857, 31.0),
    (1500, 77.0, 78.0),
];

fn horizons() -> [Duration; 4] {
    [
        Duration::hours(1.0),
        Duration::weeks(39.0),
        Duration::years(1000.0),
        Duration::years(1e6),
    ]
}

/// The 81 parameter vectors of the grid, each parameter at `1e-8`, its estimate or `1e8`.
fn grid(estimate: [f64; 4]) -> Vec<[f64; 4]> {
    let mut out = Vec::new();
    for i in 0..81 {
        let mut p = [0.0; 4];
        let mut code = i;
        for (j, v) in p.iter_mut().enumerate() {
            let level = LEVELS[code % 3];
            *v = if level == 1.0 { estimate[j] } else { level };
            code /= 3;
        }
        out.push(p);
    }
    out
}

/// Failures of one model's predictions against the bounds, as readable lines.
fn probe(m: &dyn PurchaseModel, p: [f64; 4], count: &mut usize) -> Vec<String> {
    let mut bad = Vec::new();
    let mut check = |what: String, v: f64, upper: f64| {
        *count += 1;
        let slack = 1e-9 * upper.abs().max(1e-300) + 1e-12;
        if !(v.is_finite() && v >= -slack && v <= upper + slack) {
            bad.push(format!("{} {p:?}: {what} = {v} (bound {upper})", m.name()));
        }
    };
    let (r, alpha) = (p[0], p[1]);
    for &(x, tx, big_t) in &CUSTOMERS {
        let c = Rfm::new(x, tx, big_t, TimeUnit::Weeks).unwrap();
        check(format!("P(alive | {x}, {tx}, {big_t})"), m.p_alive(&c), 1.0);
        for h in horizons() {
            let t = h.in_unit(TimeUnit::Weeks);
            let upper = (r + x as f64) * (t / (alpha + big_t));
            check(
                format!("E[X({h}) | {x}, {tx}, {big_t}]"),
                m.expected_purchases(&c, h),
                upper,
            );
        }
    }
    for h in horizons() {
        let t = h.in_unit(TimeUnit::Weeks);
        check(
            format!("E[X({h})]"),
            m.expected_purchases_new_customer(h),
            r * (t / alpha),
        );
    }
    bad
}

/// Runs `f` on a thread; a hang shows as a failure after two minutes, not a stalled suite.
fn returns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(120))
        .expect("the predictions return (bounded work)")
}

fn probe_family(
    estimate: [f64; 4],
    build: fn([f64; 4]) -> Box<dyn PurchaseModel + Send>,
) -> (usize, Vec<String>) {
    returns(move || {
        let mut count = 0;
        let mut bad = Vec::new();
        for p in grid(estimate) {
            bad.extend(probe(build(p).as_ref(), p, &mut count));
        }
        (count, bad)
    })
}

fn assert_no_failures(family: &str, (count, bad): (usize, Vec<String>)) {
    assert!(count > 0);
    assert!(
        bad.is_empty(),
        "{family}: {} of {count} probes fail:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn bgnbd_probe_grid_is_finite_and_bounded() {
    let run = probe_family([0.2425982, 4.4136842, 0.7929899, 2.4261667], |p| {
        Box::new(BgNbd::new(p[0], p[1], p[2], p[3], TimeUnit::Weeks).unwrap())
    });
    assert_no_failures("BG/NBD", run);
}

#[test]
fn mbgnbd_probe_grid_is_finite_and_bounded() {
    let run = probe_family([0.525, 6.183, 0.891, 1.614], |p| {
        Box::new(MbgNbd::new(p[0], p[1], p[2], p[3], TimeUnit::Weeks).unwrap())
    });
    assert_no_failures("MBG/NBD", run);
}

#[test]
fn pareto_nbd_probe_grid_is_finite_and_bounded() {
    let run = probe_family([0.553, 10.578, 0.606, 11.669], |p| {
        Box::new(ParetoNbd::new(p[0], p[1], p[2], p[3], TimeUnit::Weeks).unwrap())
    });
    assert_no_failures("Pareto/NBD", run);
}

/// Issue 11: r from 1e10 to 1e15 gave NaN in BG/NBD's expected purchases.
#[test]
fn bgnbd_huge_r_is_finite() {
    let bad = returns(|| {
        let mut bad = Vec::new();
        for e in 10..=18 {
            let r = 10f64.powi(e);
            let m = BgNbd::new(r, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
            let c = Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap();
            for h in [Duration::weeks(1.0), Duration::weeks(39.0)] {
                let v = m.expected_purchases(&c, h);
                let upper = (r + 2.0) * h.amount / (4.4136842 + 38.86);
                if !(v.is_finite() && v >= 0.0 && v <= upper * (1.0 + 1e-9)) {
                    bad.push(format!("r = 1e{e}, E[X({h})] = {v}"));
                }
                let v = m.expected_purchases_new_customer(h);
                if !(v.is_finite() && v >= 0.0) {
                    bad.push(format!("r = 1e{e}, E[X({h})] new = {v}"));
                }
            }
        }
        bad
    });
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn positive() -> impl Strategy<Value = f64> {
    // log-uniform over the whole range the constructors accept that the grid leaves between
    (-20.0f64..20.0).prop_map(|e| 10f64.powf(e))
}

fn customer() -> impl Strategy<Value = (u32, f64, f64)> {
    (0u32..100_000, 0.0f64..1.0, 1e-3f64..1e4).prop_map(|(x, f, big_t)| {
        let tx = if x == 0 { 0.0 } else { f * big_t };
        (x, tx, big_t)
    })
}

fn horizon() -> impl Strategy<Value = Duration> {
    (-3.0f64..7.0).prop_map(|e| Duration::weeks(10f64.powf(e)))
}

fn property(m: &dyn PurchaseModel, p: [f64; 4], c: (u32, f64, f64), h: Duration) {
    let mut count = 0;
    let mut bad = Vec::new();
    let rfm = Rfm::new(c.0, c.1, c.2, TimeUnit::Weeks).unwrap();
    let t = h.in_unit(TimeUnit::Weeks);
    for (what, v, upper) in [
        ("P(alive)", m.p_alive(&rfm), 1.0),
        (
            "E[X(t) | history]",
            m.expected_purchases(&rfm, h),
            (p[0] + c.0 as f64) * (t / (p[1] + c.2)),
        ),
        (
            "E[X(t)]",
            m.expected_purchases_new_customer(h),
            p[0] * (t / p[1]),
        ),
    ] {
        count += 1;
        let slack = 1e-9 * upper + 1e-12;
        if !(v.is_finite() && v >= -slack && v <= upper + slack) {
            bad.push(format!("{what} = {v} (bound {upper})"));
        }
    }
    assert!(
        count == 3 && bad.is_empty(),
        "{} {p:?} {c:?} {h}: {bad:?}",
        m.name()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn bgnbd_predictions_finite_and_bounded(
        r in positive(), alpha in positive(), a in positive(), b in positive(),
        c in customer(), h in horizon(),
    ) {
        let m = BgNbd::new(r, alpha, a, b, TimeUnit::Weeks).unwrap();
        returns(move || property(&m, [r, alpha, a, b], c, h));
    }

    #[test]
    fn mbgnbd_predictions_finite_and_bounded(
        r in positive(), alpha in positive(), a in positive(), b in positive(),
        c in customer(), h in horizon(),
    ) {
        let m = MbgNbd::new(r, alpha, a, b, TimeUnit::Weeks).unwrap();
        returns(move || property(&m, [r, alpha, a, b], c, h));
    }

    #[test]
    fn pareto_nbd_predictions_finite_and_bounded(
        r in positive(), alpha in positive(), s in positive(), beta in positive(),
        c in customer(), h in horizon(),
    ) {
        let m = ParetoNbd::new(r, alpha, s, beta, TimeUnit::Weeks).unwrap();
        returns(move || property(&m, [r, alpha, s, beta], c, h));
    }
}

/// The kernel at extreme arguments against mpmath (80 digits; fixture written by
/// `scripts/extreme_params.py`, rows mpmath could not evaluate in 2 s left out).
#[test]
fn extreme_kernel_matches_mpmath() {
    let text = std::fs::read_to_string("tests/fixtures/bgnbd_kernel_extreme.csv").unwrap();
    let mut rows = 0;
    let mut bad = Vec::new();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
        let (k, a, bx, tau, expected) = (v[0], v[1], v[2], v[3], v[4]);
        let got = clv::models::bgnbd::bgnbd_expected_alive(k, a, bx, tau).unwrap();
        rows += 1;
        if ((got - expected) / expected).abs() > 1e-9 {
            bad.push(format!(
                "K({k}, {a}, {bx}, {tau}) = {got}, mpmath {expected}"
            ));
        }
    }
    assert!(rows >= 10, "{rows} rows");
    assert!(
        bad.is_empty(),
        "{} of {rows}:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Found by `pareto_nbd_predictions_finite_and_bounded`: with alpha = 6e17 the death integral
/// formed `beta - alpha + (alpha + tau)` and lost every digit of tau (P(alive) NaN).
#[test]
fn pareto_nbd_huge_alpha_against_tiny_beta_is_finite() {
    let (r, alpha, s) = (
        8.582682120085312e19,
        6.310157305148588e17,
        40429833320760.84,
    );
    for (beta, c, h) in [
        (1.0, (1, 5949.626065161835, 8598.37967162631), 1.0),
        (
            0.003288571205519365,
            (7381, 5949.626065161835, 8598.37967162631),
            59.69987807453297,
        ),
    ] {
        let m = ParetoNbd::new(r, alpha, s, beta, TimeUnit::Weeks).unwrap();
        property(&m, [r, alpha, s, beta], c, Duration::weeks(h));
    }
}

/// Issue 11: with `a` and `b` above about 1e11 the Beta mixture is so concentrated that the
/// quadrature's log density lost its digits to cancellation and never settled (NaN). With
/// `k = tau = 1`, `K = E[1 / (1 + p)]`, `p ~ Beta(a, a)`; the delta method gives
/// `2/3 + g''(1/2) Var(p) / 2 = 2/3 + 2 / (27 (2a + 1))`, exact to O(1/a^2) (the third
/// central moment of a symmetric Beta is 0).
#[test]
fn concentrated_beta_mixtures_match_the_delta_method() {
    for a in [1e7, 1e9, 1e11, 1e13, 1e15, 1e18] {
        let got = clv::models::bgnbd::bgnbd_expected_alive(1.0, a, a, 1.0).unwrap();
        let expected = 2.0 / 3.0 + 2.0 / (27.0 * (2.0 * a + 1.0));
        assert!(
            ((got - expected) / expected).abs() < 1e-13,
            "a = b = {a:e}: K = {got}, delta method {expected}"
        );
    }
}
