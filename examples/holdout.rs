//! Calibration/holdout validation on the CDNOW transaction log: fit BG/NBD on the first 39
//! weeks, predict each customer's purchases in the next 39, and compare with what happened.
//!
//! Run with `cargo run --release --example holdout`.

use clv::data::transactions::{
    calibration_holdout_csv, DateFormat, NaiveDate, TransactionLogOptions,
};
use clv::fit::{Fit, FitOptions};
use clv::models::{BgNbd, PurchaseModel};
use clv::TimeUnit;

fn main() -> Result<(), clv::Error> {
    // CDNOW_sample.txt: whitespace-separated, no header; columns master id, customer id,
    // date (YYYYMMDD), number of CDs, dollars. Purchases on the same day count as one.
    let options = TransactionLogOptions::new(1, 2)
        .amount(4)
        .whitespace()
        .no_header()
        .date_format(DateFormat::Compact)
        .unit(TimeUnit::Weeks);
    let calibration_end = NaiveDate::from_ymd_opt(1997, 9, 30).expect("valid date");
    let (calibration, holdout) =
        calibration_holdout_csv("data/CDNOW_sample.txt", &options, calibration_end)?;
    println!(
        "{} customers; calibration to {calibration_end}, holdout of {:.1} {}",
        calibration.len(),
        holdout.duration.amount,
        holdout.duration.unit
    );

    // Fit on the calibration period only.
    let fit = BgNbd::fit(&calibration, &FitOptions::default())?;
    println!(
        "BG/NBD: r = {:.4}, alpha = {:.4}, a = {:.4}, b = {:.4} (log-likelihood {:.2})",
        fit.model.r(),
        fit.model.alpha(),
        fit.model.a(),
        fit.model.b(),
        fit.report.log_likelihood
    );

    // Each customer's expected purchases over the holdout, given her calibration history.
    let predicted = fit.expected_purchases_all(&calibration, holdout.duration);
    let actual = &holdout.purchases;
    let n = calibration.len() as f64;
    let mae = (&predicted - actual).mapv(f64::abs).sum() / n;
    println!(
        "\nholdout purchases: {:.0} actual, {:.1} predicted ({:+.1}%); mean absolute error {:.3} per customer",
        actual.sum(),
        predicted.sum(),
        100.0 * (predicted.sum() / actual.sum() - 1.0),
        mae
    );

    // The classic check: mean holdout purchases by number of calibration repeat purchases.
    println!(
        "\n{:>22} {:>10} {:>8} {:>10}",
        "calibration purchases", "customers", "actual", "predicted"
    );
    for x in 0..=7 {
        let rows: Vec<usize> = (0..calibration.len())
            .filter(|&i| {
                let f = calibration.frequency()[i] as usize;
                if x < 7 {
                    f == x
                } else {
                    f >= 7
                }
            })
            .collect();
        let mean =
            |v: &ndarray::Array1<f64>| rows.iter().map(|&i| v[i]).sum::<f64>() / rows.len() as f64;
        let label = if x < 7 { x.to_string() } else { "7+".into() };
        println!(
            "{label:>22} {:>10} {:>8.3} {:>10.3}",
            rows.len(),
            mean(actual),
            mean(&predicted)
        );
    }
    Ok(())
}
