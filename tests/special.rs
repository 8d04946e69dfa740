//! Tests of `clv::special` against mpmath fixtures (`scripts/hyp2f1_fixtures.py`, 40-digit
//! arithmetic, each value cross-checked there by a second method) and edge cases.

use clv::models::bgnbd::bgnbd_expected_alive;
use clv::special::hyp2f1;
use clv::Error;

struct Row {
    case: String,
    args: [f64; 4],
    expected: f64,
    /// Relative condition number of the value with respect to its inputs (hyp2f1.csv only).
    condition: f64,
}

fn read_fixture(name: &str) -> Vec<Row> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).expect("fixture file");
    reader
        .records()
        .map(|rec| {
            let rec = rec.expect("fixture row");
            let num = |i: usize| rec[i].parse::<f64>().expect("number");
            Row {
                case: rec[0].to_string(),
                args: [num(1), num(2), num(3), num(4)],
                expected: num(5),
                condition: rec.get(6).map_or(1.0, |s| s.parse().expect("number")),
            }
        })
        .collect()
}

fn rel_err(got: f64, expected: f64) -> f64 {
    if expected == 0.0 {
        got.abs()
    } else {
        ((got - expected) / expected).abs()
    }
}

/// Relative tolerance for a 2F1 fixture row.
///
/// 1e-13 everywhere the value is well conditioned, except `large_params` (1e-12: the gamma
/// factors of the transformations have `ln Γ` of arguments up to ~500, about 2600, one unit in
/// the last place of which is 4.5e-13 relative after `exp`). Rows whose value is ill conditioned
/// (`condition` = sum over the four inputs of |v dF/dv| / |F|, computed by the fixture script)
/// get `4e-16 * condition`: rounding any input by half an ulp (1.1e-16) already moves the exact
/// value by about `1.1e-16 * condition`, so this is the accuracy a backward-stable algorithm
/// can promise (e.g. a terminating series evaluated next to one of its roots).
///
/// Known limitation, tested at 1e-10: large `a`, `b` with `c - a` and `c - b` both large and
/// negative at moderate negative `z` (fixture `2F1(20.5, 30.25; 10.75; -0.5) = -9.05e-10`):
/// the direct, Euler and both Pfaff series all alternate with terms ~1e7 times the value.
fn hyp2f1_tolerance(row: &Row) -> f64 {
    let [a, b, c, z] = row.args;
    let base: f64 = match row.case.as_str() {
        "series" | "near_one" | "terminating" | "negative_z" | "integer_cab"
        | "negative_params" => 1e-13,
        "large_params" if z < 0.0 && c - a < -5.0 && c - b < -5.0 => 1e-10,
        "large_params" => 1e-12,
        other => panic!("unknown fixture case {other}"),
    };
    base.max(4e-16 * row.condition)
}

#[test]
fn hyp2f1_matches_mpmath_fixtures() {
    let rows = read_fixture("hyp2f1.csv");
    assert!(rows.len() > 1000);
    let mut worst = std::collections::BTreeMap::<String, (f64, [f64; 4])>::new();
    let mut failures = Vec::new();
    for row in &rows {
        let [a, b, c, z] = row.args;
        let got = hyp2f1(a, b, c, z).unwrap_or_else(|e| panic!("{a} {b} {c} {z}: {e}"));
        let err = rel_err(got, row.expected);
        let entry = worst.entry(row.case.clone()).or_insert((0.0, row.args));
        if err > entry.0 {
            *entry = (err, row.args);
        }
        if err.is_nan() || err > hyp2f1_tolerance(row) {
            failures.push(format!(
                "{}: 2F1({a}, {b}; {c}; {z}) = {got}, mpmath {} (rel. err {err:.1e})",
                row.case, row.expected
            ));
        }
    }
    for (case, (err, args)) in &worst {
        eprintln!("hyp2f1 {case}: worst rel. err {err:.2e} at {args:?}");
    }
    assert!(
        failures.is_empty(),
        "{} rows out of tolerance:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn kernel_matches_mpmath_fixtures() {
    let rows = read_fixture("bgnbd_kernel.csv");
    assert!(rows.len() > 150);
    let mut worst = std::collections::BTreeMap::<String, (f64, [f64; 4])>::new();
    let mut failures = Vec::new();
    for row in &rows {
        let [k, a, bx, tau] = row.args;
        let got = bgnbd_expected_alive(k, a, bx, tau)
            .unwrap_or_else(|e| panic!("{k} {a} {bx} {tau}: {e}"));
        let err = rel_err(got, row.expected);
        let entry = worst.entry(row.case.clone()).or_insert((0.0, row.args));
        if err > entry.0 {
            *entry = (err, row.args);
        }
        if err.is_nan() || err > 1e-12 {
            failures.push(format!(
                "{}: K({k}, {a}, {bx}, {tau}) = {got}, mpmath {} (rel. err {err:.1e})",
                row.case, row.expected
            ));
        }
    }
    for (case, (err, args)) in &worst {
        eprintln!("kernel {case}: worst rel. err {err:.2e} at {args:?}");
    }
    assert!(
        failures.is_empty(),
        "{} rows out of tolerance:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn assert_invalid_argument(result: clv::Result<f64>, name: &str) {
    match result {
        Err(Error::InvalidArgument { name: got, .. }) => assert_eq!(got, name),
        other => panic!("expected InvalidArgument for `{name}`, got {other:?}"),
    }
}

#[test]
fn hyp2f1_rejects_invalid_arguments() {
    assert_invalid_argument(hyp2f1(1.0, 1.0, 2.0, 1.0), "z");
    assert_invalid_argument(hyp2f1(1.0, 1.0, 2.0, 1.5), "z");
    assert_invalid_argument(hyp2f1(f64::NAN, 1.0, 2.0, 0.5), "a");
    assert_invalid_argument(hyp2f1(1.0, f64::INFINITY, 2.0, 0.5), "b");
    assert_invalid_argument(hyp2f1(1.0, 1.0, 2.0, f64::NEG_INFINITY), "z");
    // c a pole and the series does not terminate first
    assert_invalid_argument(hyp2f1(1.5, 1.0, 0.0, 0.5), "c");
    assert_invalid_argument(hyp2f1(1.5, 1.0, -2.0, 0.5), "c");
    assert_invalid_argument(hyp2f1(-3.0, 1.0, -2.0, 0.5), "c");
}

#[test]
fn hyp2f1_terminating_before_a_pole_of_c() {
    // F(-2, b; -2; z) = 1 + b z + b (b + 1) / 2 z^2 (the defining series, three terms)
    let b = 0.7;
    for z in [0.3, -4.0, 0.9] {
        let expected = 1.0 + b * z + b * (b + 1.0) / 2.0 * z * z;
        let got = hyp2f1(-2.0, b, -2.0, z).unwrap();
        assert!((got - expected).abs() <= 1e-15 * expected.abs(), "z = {z}");
    }
}

/// Closed forms. Tolerance 3e-14: for z > 1/2 the value comes from the connection formula,
/// whose four gamma factors are each good to ~4e-15 (ln Γ of arguments shifted to >= 10).
#[test]
fn hyp2f1_elementary_cases() {
    // A&S 15.1.3: F(1, 1; 2; z) = -ln(1 - z) / z
    for z in [-1e6f64, -3.0, -0.4, 0.2, 0.5, 0.7, 0.9, 0.999999] {
        let expected = -(-z).ln_1p() / z;
        let got = hyp2f1(1.0, 1.0, 2.0, z).unwrap();
        assert!(
            (got / expected - 1.0).abs() < 1e-14,
            "z = {z}: {got} vs {expected}"
        );
    }
    // A&S 15.1.8: F(a, b; b; z) = (1 - z)^-a
    for (a, z) in [(0.3, 0.95f64), (2.5, -7.0), (-1.7, 0.6)] {
        let expected = (1.0 - z).powf(-a);
        let got = hyp2f1(a, 1.25, 1.25, z).unwrap();
        assert!((got / expected - 1.0).abs() < 3e-14, "a = {a}, z = {z}");
    }
    // A&S 15.1.6: F(1/2, 1/2; 3/2; z^2) = arcsin(z) / z
    for z in [0.1f64, 0.8, 0.999] {
        let expected = z.asin() / z;
        let got = hyp2f1(0.5, 0.5, 1.5, z * z).unwrap();
        assert!(
            (got / expected - 1.0).abs() < 3e-14,
            "z = {z}: {:e}",
            got / expected - 1.0
        );
    }
    assert_eq!(hyp2f1(3.0, -2.5, 1.5, 0.0).unwrap(), 1.0);
}

#[test]
fn kernel_rejects_invalid_arguments() {
    assert_invalid_argument(bgnbd_expected_alive(0.0, 1.0, 1.0, 1.0), "k");
    assert_invalid_argument(bgnbd_expected_alive(1.0, -1.0, 1.0, 1.0), "a");
    assert_invalid_argument(bgnbd_expected_alive(1.0, 1.0, f64::NAN, 1.0), "bx");
    assert_invalid_argument(bgnbd_expected_alive(1.0, 1.0, 1.0, -1e-3), "tau");
    assert_invalid_argument(bgnbd_expected_alive(1.0, 1.0, 1.0, f64::INFINITY), "tau");
}

#[test]
fn kernel_edge_cases() {
    // K(tau = 0) = 0
    assert_eq!(bgnbd_expected_alive(2.3, 0.8, 3.1, 0.0).unwrap(), 0.0);
    // Small tau: K = k tau - k (k + 1) a tau^2 / (2 (a + bx)) + O(tau^3), the first two terms of
    // the power series of c/(a-1) [1 - 2F1(k, a-1; c; -tau)] with c = a + bx - 1.
    for (k, a, bx) in [(0.25, 0.79, 2.4), (12.0, 1.0, 0.3), (3.0, 0.3, 0.5)] {
        let tau = 1e-8;
        let series = k * tau - k * (k + 1.0) * a * tau * tau / (2.0 * (a + bx));
        let got = bgnbd_expected_alive(k, a, bx, tau).unwrap();
        assert!(
            (got / series - 1.0).abs() < 1e-11,
            "k = {k}, a = {a}, bx = {bx}"
        );
    }
    // a = 1 is a removable singularity: continuity across it, on every evaluation route.
    for (k, bx, tau) in [
        (0.5, 2.0, 0.5),
        (5.0, 7.0, 20.0),
        (0.7, 1.9, 1e4),
        (100.2, 102.4, 50.0),
    ] {
        let at_one = bgnbd_expected_alive(k, 1.0, bx, tau).unwrap();
        for a in [1.0 - 1e-14, 1.0 + 1e-14] {
            let near = bgnbd_expected_alive(k, a, bx, tau).unwrap();
            assert!(
                (near / at_one - 1.0).abs() < 1e-12,
                "k = {k}, bx = {bx}, tau = {tau}, a = {a}"
            );
        }
    }
    // c = a + bx - 1 = 0 exactly, and c < 0: finite, positive, increasing in tau.
    for (a, bx) in [(0.5, 0.5), (0.25, 0.5)] {
        let mut last = 0.0;
        for tau in [1e-3, 0.1, 1.0, 10.0, 1e3, 1e5] {
            let k = bgnbd_expected_alive(0.3, a, bx, tau).unwrap();
            assert!(
                k.is_finite() && k > last,
                "a = {a}, bx = {bx}, tau = {tau}: {k}"
            );
            last = k;
        }
    }
}

/// Fader, Hardie & Lee (2005) / REFERENCE.md: with the CDNOW BG/NBD parameters,
/// E[X(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226 (published to 3 decimals), and for
/// customer 1516 (x = 26, t_x = 30.857, T = 31) P(alive) = 0.9688523, E[X(52) | ...] = 25.75659.
/// Times are whole days / 7, so t_x = 30.857 is 216/7 weeks; the published figures use the
/// unrounded value (30.857 itself moves P(alive) by 3e-6). The parameters are given to 7-8
/// digits, hence the 5e-7 tolerance on P(alive).
#[test]
fn kernel_reproduces_published_bgnbd_conditional_expectations() {
    let (r, alpha, a, b) = (0.2425982, 4.4136842, 0.7929899, 2.4261667);
    let conditional = |x: f64, t_x: f64, big_t: f64, t: f64| {
        let p_alive =
            1.0 / (1.0 + a / (b + x - 1.0) * ((alpha + big_t) / (alpha + t_x)).powf(r + x));
        let k = bgnbd_expected_alive(r + x, a, b + x, t / (alpha + big_t)).unwrap();
        (p_alive, p_alive * k)
    };
    let (_, e) = conditional(2.0, 30.43, 38.86, 39.0);
    assert!((e - 1.226).abs() < 5e-4, "{e}");
    let (p, e) = conditional(26.0, 216.0 / 7.0, 31.0, 52.0);
    assert!((p - 0.9688523).abs() < 5e-7, "{p}");
    // mpmath at 30 digits with these same inputs gives 25.7565377; the published figure comes
    // from more precise parameters, so only its first 6 digits are a test of the kernel.
    assert!((e - 25.75659).abs() < 1e-4, "{e}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // A fixed seed: CI must not go red on a case no earlier run saw (random seeds found the
        // large-c overflow now pinned in `kernel_for_very_frequent_customers`).
        #![proptest_config(ProptestConfig {
            cases: 2000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(20261122),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Bounds that follow from K = E_p[(1 - (1 + p tau)^-k) / p] with p ~ Beta(a, bx):
        /// 0 < K <= k tau (since 1 - (1+y)^-k <= k y), K increasing in tau, and
        /// K < E[1/p] = c/(a-1) when a > 1. Checked over the whole domain, across every
        /// evaluation route (log-uniform arguments).
        #[test]
        fn kernel_bounds_and_monotonicity(
            lk in -3.0f64..6.5, la in -3.0f64..2.0, lbx in -3.0f64..6.5, ltau in -9.0f64..9.5,
        ) {
            let (k, a, bx, tau) = (lk.exp(), la.exp(), lbx.exp(), ltau.exp());
            let v = bgnbd_expected_alive(k, a, bx, tau).unwrap();
            prop_assert!(v.is_finite() && v > 0.0, "K = {v}");
            prop_assert!(v <= k * tau * (1.0 + 1e-12), "K = {v} > k tau = {}", k * tau);
            let v2 = bgnbd_expected_alive(k, a, bx, tau * 1.01).unwrap();
            prop_assert!(v2 >= v * (1.0 - 1e-12), "not increasing: {v} then {v2}");
            if a > 1.0 {
                prop_assert!(v <= (a + bx - 1.0) / (a - 1.0) * (1.0 + 1e-12));
            }
        }
    }
}

/// Customers with thousands of purchases: the kernel must stay finite and exact (the route
/// through 2F1's connection formulas overflowed Gamma(c) here). Reference values: mpmath at
/// 50 digits, `scripts/kernel_large_x.py`, CDNOW's BG/NBD parameters.
#[test]
#[allow(clippy::excessive_precision)] // mpmath's 17 significant digits, as printed
fn kernel_for_very_frequent_customers() {
    let (r, a, b) = (0.2425982, 0.7929899, 2.4261667);
    let reference = [
        (1500.0, 0.5, 634.6735947996688),
        (1500.0, 1.0, 1118.5270989886112),
        (1500.0, 3.0, 2410.1178341273634),
        (1500.0, 20.0, 6368.4211231258688),
        (2000.0, 0.5, 846.15753887408369),
        (2000.0, 1.0, 1491.1986372162335),
        (2000.0, 3.0, 3212.9617557594011),
        (2000.0, 20.0, 8489.2704964451407),
        (5000.0, 0.5, 2115.0610066542052),
        (5000.0, 1.0, 3727.2273966759585),
        (5000.0, 3.0, 8030.0240641395261),
        (5000.0, 20.0, 21214.363958395075),
    ];
    for (x, tau, want) in reference {
        let got = bgnbd_expected_alive(r + x, a, b + x, tau).unwrap();
        assert!(
            ((got - want) / want).abs() < 1e-13,
            "x={x} tau={tau}: {got} vs {want}"
        );
    }
    // Found by the property test below: large c with c - k large overflowed Gamma(c) in 2F1.
    let got = bgnbd_expected_alive(
        117.18013278526445,
        6.168436696006694,
        654.40863775780351,
        1.8022945487435154,
    )
    .unwrap();
    assert!(((got - 97.050284081660795) / got).abs() < 1e-13, "{got}");
    // a = 1 exactly and a just above 1 agree (removable singularity), far out in tau.
    let at_one = bgnbd_expected_alive(2000.0, 1.0, 2003.0, 5.0).unwrap();
    let near_one = bgnbd_expected_alive(2000.0, 1.0 + 1e-9, 2003.0, 5.0).unwrap();
    assert!(((at_one - near_one) / at_one).abs() < 1e-8);
}

/// Runs `f` on a thread and fails the test if it does not return within a minute (the bug
/// was an endless loop, so a hang must show as a failure, not stall the suite).
fn returns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the evaluation returns (bounded work)")
}

#[test]
fn huge_parameters_give_bounded_work_and_a_value_or_an_error() {
    // 1.5 - 1e16 is a "negative integer" in floating point: the Euler-transformed series
    // terminates only after 1e16 terms; it must be refused with the limit named, not looped
    let r = returns(|| hyp2f1(1e16, -0.5, 1.5, -0.1));
    match r {
        Ok(v) => assert!(v.is_finite(), "{v}"),
        Err(e) => assert!(e.to_string().contains("beyond the"), "{e}"),
    }
    for k in [1e10, 1e13, 1e16, 1e18] {
        let r = returns(move || bgnbd_expected_alive(k, 0.5, 2.0, 0.1));
        match r {
            Ok(v) => assert!(v.is_finite() && v >= 0.0, "k = {k}: {v}"),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
