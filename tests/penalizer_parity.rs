//! `FitOptions::penalizer` is lifetimes 0.11.3's `penalizer_coef`: the same estimates for
//! BG/NBD and MBG/NBD on CDNOW. Reference values: `tests/fixtures/lifetimes_penalizer.json`,
//! written by `scripts/lifetimes_penalizer.py` (lifetimes 0.11.3's fit, then re-minimised on
//! lifetimes' own objective to a gradient of ~1e-16: the "polished" parameters).
//!
//! Pareto/NBD differs on purpose: lifetimes' `ParetoNBDFitter` penalises the *sum* of the
//! negative log-likelihood (it divides by the mean weight), BG/NBD and MBG/NBD the mean; the
//! crate uses the mean for every model, so lifetimes' Pareto/NBD `penalizer_coef = c` is this
//! crate's `penalizer = c / N`.

use clv::fit::{fit_kind, FitOptions};
use clv::models::PurchaseModelKind;
use clv::{CustomerTable, RfmCsvOptions, TimeUnit};

fn cdnow() -> CustomerTable {
    let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
    CustomerTable::from_csv_path(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_summary.csv"),
        &opts,
    )
    .unwrap()
}

fn fixture() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lifetimes_penalizer.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn check(fitter: &str, kind: PurchaseModelKind, names: [&str; 4]) {
    let table = cdnow();
    let fx = fixture();
    let runs = fx[fitter].as_array().unwrap();
    assert!(runs.len() >= 4);
    for run in runs {
        let c = run["penalizer_coef"].as_f64().unwrap();
        let fit = fit_kind(kind, &table, &FitOptions::default().penalizer(c)).unwrap();
        for (j, name) in names.iter().enumerate() {
            let want = run["polished_params"][name].as_f64().unwrap();
            let got = fit.report.params[j];
            assert!(
                ((got - want) / want).abs() < 1e-6,
                "{fitter} penalizer {c}: {name} {got} vs lifetimes {want}"
            );
        }
        let ll = run["loglik_weeks_unpenalized_at_polished"]
            .as_f64()
            .unwrap();
        assert!((fit.report.log_likelihood - ll).abs() < 1e-6 * ll.abs());
    }
}

#[test]
fn bgnbd_penalizer_is_lifetimes_penalizer_coef() {
    check(
        "BetaGeoFitter",
        PurchaseModelKind::BgNbd,
        ["r", "alpha", "a", "b"],
    );
}

#[test]
fn mbgnbd_penalizer_is_lifetimes_penalizer_coef() {
    check(
        "ModifiedBetaGeoFitter",
        PurchaseModelKind::MbgNbd,
        ["r", "alpha", "a", "b"],
    );
}
