//! MBG/NBD on CDNOW against the published figures (REFERENCE.md: Batislam et al. 2007 form as
//! fitted by BTYDplus, r 0.525, alpha 6.183, a 0.891, b 1.614).

use clv::fit::{Fit, FitOptions};
use clv::models::{BgNbd, MbgNbd, PurchaseModel};
use clv::{CustomerTable, Rfm, RfmCsvOptions, TimeUnit};

fn cdnow() -> CustomerTable {
    let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
    CustomerTable::from_csv_path(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_summary.csv"),
        &opts,
    )
    .unwrap()
}

#[test]
fn cdnow_estimates_match_btydplus() {
    let fit = MbgNbd::fit(&cdnow(), &FitOptions::default()).unwrap();
    let m = &fit.model;
    // the published figures have 3 decimals
    for (got, want) in [
        (m.r(), 0.525),
        (m.alpha(), 6.183),
        (m.a(), 0.891),
        (m.b(), 1.614),
    ] {
        assert!((got - want).abs() <= 5e-4, "{got} vs {want}");
    }
    assert_eq!(m.time_unit(), TimeUnit::Weeks);
    assert!(fit.report.std_errors.is_some());
}

#[test]
fn customers_without_repeat_purchases_are_not_all_alive() {
    // BG/NBD gives P(alive) = 1 to every customer with x = 0 by construction (REFERENCE.md);
    // MBG/NBD does not, and the longer such a customer has been silent, the lower it is.
    let mbg = MbgNbd::new(0.525, 6.183, 0.891, 1.614, TimeUnit::Weeks).unwrap();
    let bg = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    let young = Rfm::new(0, 0.0, 5.0, TimeUnit::Weeks).unwrap();
    let old = Rfm::new(0, 0.0, 38.0, TimeUnit::Weeks).unwrap();
    assert_eq!(bg.p_alive(&old), 1.0);
    let (py, po) = (mbg.p_alive(&young), mbg.p_alive(&old));
    assert!(po < py && py < 1.0 && po > 0.0, "{py} {po}");
    // at T = 0 nothing has been observed but the first purchase: P(alive) = 1 - E[p] = b/(a+b)
    // (the chance of not dropping out at the first purchase)
    let new = Rfm::new(0, 0.0, 1e-12, TimeUnit::Weeks).unwrap();
    assert!((mbg.p_alive(&new) - 1.614 / (0.891 + 1.614)).abs() < 1e-9);
}
