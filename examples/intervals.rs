//! How good are the prediction intervals? Their coverage, measured.
//!
//! 1. For every registered purchase model, populations drawn from the model itself (known
//!    parameters; calibration ages uniform in 26-52 weeks, then a 39-week holdout of the same
//!    customers): the share of customers whose holdout purchases fall in their 80%, 90% and 95%
//!    intervals, the Kolmogorov-Smirnov p-value of the randomised PIT, and over 50 populations
//!    how often the total's interval covers the true holdout total.
//! 2. CDNOW (calibration 39 weeks, holdout 39 weeks): the same per-customer coverage, and
//!    whether the actual holdout total (1,882) falls in the total's interval.
//!
//! Run with `cargo run --release --example intervals` (the tests in
//! `tests/interval_coverage.rs` check the same figures with the same seeds).

use clv::data::transactions::{
    calibration_holdout_csv, DateFormat, NaiveDate, TransactionLogOptions,
};
use clv::fit::{fit_purchase_model, FitOptions};
use clv::models::{AnyPurchaseModel, FitPurchaseModel, KindVisitor, PurchaseModelKind};
use clv::simulate::{Ages, CalibrationHoldout, Population};
use clv::value::interval::{ks_uniform_p_value, Predictive, SigmaPoints};
use clv::value::{ClvConfig, Discount};
use clv::{Duration, TimeUnit};

const LEVELS: [f64; 3] = [0.8, 0.9, 0.95];

fn config(horizon: Duration) -> ClvConfig {
    ClvConfig::new(horizon, horizon, Discount::None, 1.0).expect("valid")
}

fn draw<M: FitPurchaseModel + Into<AnyPurchaseModel>>(n: usize, seed: u64) -> CalibrationHoldout {
    let ages = Ages::Uniform {
        min: Duration::weeks(26.0),
        max: Duration::weeks(52.0),
    };
    Population::new(n, M::reference(), ages)
        .and_then(|p| p.seed(seed).calibration_holdout(Duration::weeks(39.0)))
        .expect("valid population")
}

/// One model's row of the table.
struct Row {
    customers: Vec<f64>,
    pit_p: f64,
    totals: Vec<usize>,
    z_sd: f64,
}

struct Study;

impl KindVisitor for Study {
    type Output = clv::Result<Row>;
    fn visit<M>(self) -> clv::Result<Row>
    where
        M: FitPurchaseModel + clv::models::SimulatePurchases + Into<AnyPurchaseModel>,
    {
        let h = Duration::weeks(39.0);
        let split = draw::<M>(20_000, 11);
        let fitted = fit_purchase_model::<M>(&split.calibration, &FitOptions::default(), None)?;
        let actual = split.holdout_purchases.to_vec();
        let customers = LEVELS
            .iter()
            .map(|&l| {
                Ok(Predictive::new(&fitted, &split.calibration, &config(h), l)?.coverage(&actual))
            })
            .collect::<clv::Result<Vec<_>>>()?;
        let split = draw::<M>(20_000, 23);
        let fitted = fit_purchase_model::<M>(&split.calibration, &FitOptions::default(), None)?;
        let u = SigmaPoints::new(&fitted)?.randomized_pit(
            &split.calibration,
            &split.holdout_purchases.to_vec(),
            h,
            5,
        )?;
        let (totals, z_sd) = total_coverage::<M>()?;
        Ok(Row {
            customers,
            pit_p: ks_uniform_p_value(&u),
            totals,
            z_sd,
        })
    }
}

/// Over 50 populations of 5,000: how often each level's total interval covers the truth, and
/// the standard deviation of `(truth - expected) / sd` (1 when the spread is right).
fn total_coverage<M>() -> clv::Result<(Vec<usize>, f64)>
where
    M: FitPurchaseModel + Into<AnyPurchaseModel>,
{
    let h = Duration::weeks(39.0);
    let mut covered = vec![0; LEVELS.len()];
    let mut z2 = 0.0;
    for seed in 0..50 {
        let split = draw::<M>(5_000, 2000 + seed);
        let fitted = fit_purchase_model::<M>(&split.calibration, &FitOptions::default(), None)?;
        let total = Predictive::new(&fitted, &split.calibration, &config(h), 0.9)?
            .total(None)
            .purchases;
        let z = (split.holdout_purchases.sum() - total.expected) / total.sd;
        z2 += z * z / 50.0;
        for (k, &level) in LEVELS.iter().enumerate() {
            if z.abs() <= normal_quantile(0.5 + level / 2.0) {
                covered[k] += 1;
            }
        }
    }
    Ok((covered, z2.sqrt()))
}

fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

fn cdnow() -> clv::Result<()> {
    let options = TransactionLogOptions::new(1, 2)
        .amount(4)
        .whitespace()
        .no_header()
        .date_format(DateFormat::Compact)
        .unit(TimeUnit::Weeks);
    let end = NaiveDate::from_ymd_opt(1997, 9, 30).expect("valid date");
    let (calibration, holdout) = calibration_holdout_csv("data/CDNOW_sample.txt", &options, end)?;
    let actual = holdout.purchases.to_vec();
    println!(
        "\nCDNOW, calibration to {end}, holdout {} ({:.0} actual purchases)",
        holdout.duration,
        holdout.purchases.sum()
    );
    println!(
        "{:<12} {:>8} {:>8} {:>8}   total: expected, 90% interval, actual inside?",
        "model", "80%", "90%", "95%"
    );
    for &kind in PurchaseModelKind::ALL {
        let fitted = clv::fit::fit_kind(kind, &calibration, &FitOptions::default())?;
        let mut row = format!("{:<12}", kind.name());
        let mut total = None;
        for &level in &LEVELS {
            let p = Predictive::new(&fitted, &calibration, &config(holdout.duration), level)?;
            row += &format!(" {:>8.4}", p.coverage(&actual));
            if level == 0.9 {
                total = Some(p.total(None).purchases);
            }
        }
        let t = total.expect("the 0.9 level");
        let sum = holdout.purchases.sum();
        println!(
            "{row}   {:.1}, [{:.1}, {:.1}], {}",
            t.expected,
            t.low,
            t.high,
            if t.contains(sum) {
                "yes"
            } else {
                "NO: the model misses the holdout total"
            }
        );
    }
    Ok(())
}

fn main() -> clv::Result<()> {
    println!("Simulated populations (fixed seeds), holdout 39 weeks");
    println!(
        "{:<12} {:>8} {:>8} {:>8} {:>9}   {:>22} {:>9}",
        "model", "80%", "90%", "95%", "PIT KS p", "totals in 50 (80/90/95)", "sd of z"
    );
    for &kind in PurchaseModelKind::ALL {
        let r = kind.visit(Study)?;
        println!(
            "{:<12} {:>8.4} {:>8.4} {:>8.4} {:>9.4}   {:>22} {:>9.3}",
            kind.name(),
            r.customers[0],
            r.customers[1],
            r.customers[2],
            r.pit_p,
            format!("{}/{}/{}", r.totals[0], r.totals[1], r.totals[2]),
            r.z_sd
        );
    }
    cdnow()
}
