//! Pareto/NBD and MBG/NBD predictions against high-precision values: the fixtures written by
//! `scripts/pareto_nbd_reference.py` and `scripts/mbgnbd_reference.py` (mpmath at 40 digits, each
//! value computed twice, by the closed form and by numerical integration or enumeration); the
//! values below are copied from `tests/fixtures/pareto_nbd_reference.json` and
//! `tests/fixtures/mbgnbd_reference.json`.

#![allow(clippy::excessive_precision)] // the fixtures' digits, as the script printed them
use clv::models::{MbgNbd, ParetoNbd, PurchaseModel};
use clv::{Duration, Rfm, TimeUnit};

#[test]
fn pareto_nbd_unconditional_expectations_and_pmf() {
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
    // the note's values at t = 1, 39, 52, 78 (pareto_nbd_reference.json, mpmath)
    for (t, want) in [
        (1.0, 0.050979843245991),
        (39.0, 1.213002844281016),
        (52.0, 1.4729968033751073),
        (78.0, 1.9093981293136855),
    ] {
        let got = m.expected_purchases_new_customer(Duration::weeks(t));
        assert!(
            ((got - want) / want).abs() < 1e-12,
            "E[X({t})] {got} vs {want}"
        );
    }
    let pmf = [
        0.5936250316,
        0.1655629473,
        0.08248718412,
        0.04903995364,
        0.03169570674,
        0.02148482836,
    ];
    for (n, want) in pmf.iter().enumerate() {
        let got = m
            .probability_of_purchases(n as u32, Duration::weeks(39.0))
            .unwrap();
        assert!((got - want).abs() < 1e-9, "P(X(39)={n}) {got} vs {want}");
    }
}

#[test]
fn pareto_nbd_customers() {
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
    // (x, t_x, T): log-likelihood, P(alive), E[X(39)], E[X(52)] (pareto_nbd_reference.json)
    let rows = [
        (
            (0, 0.0, 38.86),
            -0.52104629408089037,
            0.2952866046,
            0.1070814682,
            0.1362010059,
        ),
        (
            (2, 30.43, 38.86),
            -9.5542832451504057,
            0.8691675592,
            1.455123193,
            1.850826721,
        ),
        (
            (26, 30.857, 31.0),
            -39.131624745690632,
            0.9978720349,
            20.11608473,
            25.45728166,
        ),
    ];
    for ((x, tx, t), ll, alive, e39, e52) in rows {
        let c = Rfm::new(x, tx, t, TimeUnit::Weeks).unwrap();
        assert!((m.log_likelihood_customer(&c) - ll).abs() < 1e-10 * ll.abs().max(1.0));
        assert!((m.p_alive(&c) - alive).abs() < 1e-9);
        for (h, want) in [(39.0, e39), (52.0, e52)] {
            let got = m.expected_purchases(&c, Duration::weeks(h));
            assert!(((got - want) / want).abs() < 1e-8, "{x}: {got} vs {want}");
        }
    }
    // the finiteness customers at r 0.5143, alpha 2.8845, s 0.2856, beta 14.1087
    let f = ParetoNbd::new(0.5143, 2.8845, 0.2856, 14.1087, TimeUnit::Weeks).unwrap();
    for ((x, tx, t), want) in [
        ((221, 103.42857, 103.57143), 0.999596052317938097),
        ((254, 97.14286, 97.28571), 0.999558226123010753),
        ((161, 94.71429, 98.0), 0.749487752258107127),
        ((204, 98.57143, 99.42857), 0.994255079637896095),
    ] {
        let got = f.p_alive(&Rfm::new(x, tx, t, TimeUnit::Weeks).unwrap());
        assert!((got - want).abs() < 1e-12, "{x}: {got} vs {want}");
    }
}

#[test]
fn pareto_nbd_dert() {
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap();
    for ((x, tx, t), want) in [
        ((0, 0.0, 38.86), 0.45827256367789204),
        ((2, 30.43, 38.86), 6.227436430928459),
        ((26, 30.857, 31.0), 82.719737626702),
    ] {
        let c = Rfm::new(x, tx, t, TimeUnit::Weeks).unwrap();
        let got = m.dert(&c, 0.15 / 52.0, TimeUnit::Weeks).unwrap();
        assert!(((got - want) / want).abs() < 1e-9, "{x}: {got} vs {want}");
    }
}

#[test]
fn mbgnbd_customers_and_expectations() {
    let m = MbgNbd::new(0.525, 6.183, 0.891, 1.614, TimeUnit::Weeks).unwrap();
    let rows = [
        (
            (0, 0.0, 38.86),
            -0.5398374635310146,
            0.3897350809,
            0.1540127467,
            0.1977058174,
        ),
        (
            (2, 30.43, 38.86),
            -9.485551314533932,
            0.7062022651,
            1.262960623,
            1.597216631,
        ),
        (
            (26, 30.857, 31.0),
            -38.32205289797125,
            0.9654946468,
            19.44928238,
            24.00214540,
        ),
        (
            (1, 0.5, 40.0),
            -4.250796631615945,
            0.1333566033,
            0.1443004725,
            0.1836445291,
        ),
    ];
    for ((x, tx, t), ll, alive, e39, e52) in rows {
        let c = Rfm::new(x, tx, t, TimeUnit::Weeks).unwrap();
        assert!((m.log_likelihood_customer(&c) - ll).abs() < 1e-10 * ll.abs().max(1.0));
        assert!((m.p_alive(&c) - alive).abs() < 1e-9);
        for (h, want) in [(39.0, e39), (52.0, e52)] {
            let got = m.expected_purchases(&c, Duration::weeks(h));
            assert!(((got - want) / want).abs() < 1e-8, "{x}: {got} vs {want}");
        }
    }
    for (t, want) in [
        (1.0, 0.05308479526),
        (39.0, 1.182953666),
        (52.0, 1.419723758),
        (78.0, 1.804757578),
    ] {
        let got = m.expected_purchases_new_customer(Duration::weeks(t));
        assert!(
            ((got - want) / want).abs() < 1e-9,
            "E[X({t})] {got} vs {want}"
        );
    }
    let pmf = [
        0.5824731895,
        0.1827830773,
        0.08689482567,
        0.04857044295,
        0.02977414856,
    ];
    for (n, want) in pmf.iter().enumerate() {
        let got = m.probability_of_purchases(n as u32, Duration::weeks(39.0));
        assert!((got - want).abs() < 1e-9, "P(X(39)={n}) {got} vs {want}");
    }
}
