//! Pareto/NBD on CDNOW against the published figures (REFERENCE.md: Fader, Hardie & Lee 2005;
//! the BTYD walkthrough).

use clv::fit::{Fit, FitOptions};
use clv::models::{ParetoNbd, PurchaseModel};
use clv::{CustomerTable, Duration, Rfm, RfmCsvOptions, TimeUnit};

fn cdnow() -> CustomerTable {
    let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
    CustomerTable::from_csv_path(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_summary.csv"),
        &opts,
    )
    .unwrap()
}

fn published() -> ParetoNbd {
    ParetoNbd::new(0.553, 10.578, 0.606, 11.669, TimeUnit::Weeks).unwrap()
}

#[test]
fn cdnow_estimates_and_log_likelihood_match_the_paper() {
    let fit = ParetoNbd::fit(&cdnow(), &FitOptions::default()).unwrap();
    let m = &fit.model;
    for (got, want) in [
        (m.r(), 0.553),
        (m.alpha(), 10.578),
        (m.s(), 0.606),
        (m.beta(), 11.669),
    ] {
        assert!(
            (got - want).abs() <= 5e-4 * want.max(1.0),
            "{got} vs {want}"
        );
    }
    // LL = -9595.0 to one decimal
    assert!(
        (fit.report.log_likelihood + 9595.0).abs() < 0.05,
        "{}",
        fit.report.log_likelihood
    );
    assert!(fit.report.std_errors.is_some());
}

#[test]
fn cdnow_predictions_match_the_paper() {
    let m = published();
    // E[X(52)] = 1.473434 (BTYD walkthrough, at the published 3-decimal estimates)
    let e52 = m.expected_purchases_new_customer(Duration::weeks(52.0));
    assert!((e52 - 1.473434).abs() < 5e-4, "{e52}");
    // customer 1516: x = 26, t_x = 30.857 (216/7 weeks), T = 31: E[X(52) | ...] = 25.45647,
    // P(alive) = 0.997874
    let c = Rfm::new(26, 216.0 / 7.0, 31.0, TimeUnit::Weeks).unwrap();
    let p = m.p_alive(&c);
    assert!((p - 0.997874).abs() < 2e-5, "{p}");
    let e = m.expected_purchases(&c, Duration::weeks(52.0));
    assert!((e - 25.45647).abs() < 2e-3, "{e}");
}

#[test]
fn very_frequent_customers_have_a_finite_p_alive() {
    // REFERENCE.md: these gave NaN in another library.
    let m = ParetoNbd::new(0.5143, 2.8845, 0.2856, 14.1087, TimeUnit::Weeks).unwrap();
    for (x, tx, t) in [
        (221, 103.42857, 103.57143),
        (254, 97.14286, 97.28571),
        (161, 94.71429, 98.0),
        (204, 98.57143, 99.42857),
    ] {
        let c = Rfm::new(x, tx, t, TimeUnit::Weeks).unwrap();
        let p = m.p_alive(&c);
        assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{x}: {p}");
        let e = m.expected_purchases(&c, Duration::weeks(52.0));
        assert!(e.is_finite() && e > 0.0, "{x}: {e}");
        assert!(m.log_likelihood_customer(&c).is_finite());
    }
}
