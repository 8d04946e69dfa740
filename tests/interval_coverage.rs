//! Prediction intervals checked by their coverage on populations drawn from the models
//! themselves (known parameters, calibration and holdout from the same customers), for every
//! registered purchase model: per-customer coverage of the holdout purchases, the randomised
//! probability integral transform (Czado, Gneiting & Held 2009) of each customer's holdout
//! count against the uniform distribution, and the coverage of the total's interval over 50
//! populations. Fixed seeds; `cargo run --release --example intervals` prints the same table.

use clv::fit::{fit_purchase_model, FitOptions, Fitted};
use clv::models::{FitPurchaseModel, KindVisitor, PurchaseModelKind};
use clv::simulate::{Ages, CalibrationHoldout, Population};
use clv::value::interval::{ks_uniform_p_value, Predictive, SigmaPoints};
use clv::value::{ClvConfig, Discount};
use clv::Duration;

const LEVELS: [f64; 3] = [0.8, 0.9, 0.95];

fn config() -> ClvConfig {
    let h = Duration::weeks(39.0);
    ClvConfig::new(h, h, Discount::None, 1.0).unwrap()
}

fn population<M: FitPurchaseModel + Into<clv::models::AnyPurchaseModel>>(
    n: usize,
    seed: u64,
) -> CalibrationHoldout {
    let ages = Ages::Uniform {
        min: Duration::weeks(26.0),
        max: Duration::weeks(52.0),
    };
    Population::new(n, M::reference(), ages)
        .unwrap()
        .seed(seed)
        .calibration_holdout(Duration::weeks(39.0))
        .unwrap()
}

fn fit<M: FitPurchaseModel>(split: &CalibrationHoldout) -> Fitted<M> {
    fit_purchase_model::<M>(&split.calibration, &FitOptions::default(), None).unwrap()
}

/// Share of customers whose holdout purchases fall in their interval, at each level.
struct PerCustomer;

impl KindVisitor for PerCustomer {
    type Output = Vec<f64>;
    fn visit<M>(self) -> Vec<f64>
    where
        M: FitPurchaseModel + clv::models::SimulatePurchases + Into<clv::models::AnyPurchaseModel>,
    {
        let split = population::<M>(20_000, 11);
        let fitted = fit::<M>(&split);
        LEVELS
            .iter()
            .map(|&level| {
                let p = Predictive::new(&fitted, &split.calibration, &config(), level).unwrap();
                p.coverage(split.holdout_purchases.as_slice().unwrap())
            })
            .collect()
    }
}

#[test]
fn per_customer_purchase_intervals_cover_at_least_their_level() {
    for &kind in PurchaseModelKind::ALL {
        let coverage = kind.visit(PerCustomer);
        for (level, c) in LEVELS.iter().zip(&coverage) {
            println!("{kind}: {level} interval covers {c:.4}");
            // discrete counts cover at least the level (less 2 standard errors of sampling at
            // N = 20,000), and absorb at most 70% of the nominal misses (the 97% at 0.9)
            assert!(
                *c >= level - 0.005 && *c <= level + 0.7 * (1.0 - level),
                "{kind}: the {level} intervals cover {c}"
            );
        }
    }
}

struct Pit;

impl KindVisitor for Pit {
    type Output = f64;
    fn visit<M>(self) -> f64
    where
        M: FitPurchaseModel + clv::models::SimulatePurchases + Into<clv::models::AnyPurchaseModel>,
    {
        let split = population::<M>(20_000, 23);
        let fitted = fit::<M>(&split);
        let points = SigmaPoints::new(&fitted).unwrap();
        let actual = split.holdout_purchases.to_vec();
        let u = points
            .randomized_pit(&split.calibration, &actual, Duration::weeks(39.0), 5)
            .unwrap();
        ks_uniform_p_value(&u)
    }
}

#[test]
fn randomised_pit_of_holdout_counts_is_uniform() {
    for &kind in PurchaseModelKind::ALL {
        let p = kind.visit(Pit);
        println!("{kind}: KS p-value of the randomised PIT {p:.4}");
        assert!(p > 0.01, "{kind}: randomised PIT not uniform, KS p = {p}");
    }
}

struct Totals;

impl KindVisitor for Totals {
    type Output = Vec<usize>;
    fn visit<M>(self) -> Vec<usize>
    where
        M: FitPurchaseModel + clv::models::SimulatePurchases + Into<clv::models::AnyPurchaseModel>,
    {
        let mut covered = vec![0; LEVELS.len()];
        for seed in 0..50 {
            let split = population::<M>(5_000, 2000 + seed);
            let fitted = fit::<M>(&split);
            let p = Predictive::new(&fitted, &split.calibration, &config(), 0.9).unwrap();
            let total = p.total(None).purchases;
            let truth = split.holdout_purchases.sum();
            for (k, &level) in LEVELS.iter().enumerate() {
                let z = normal_quantile(0.5 + level / 2.0);
                if (truth - total.expected).abs() <= z * total.sd {
                    covered[k] += 1;
                }
            }
        }
        covered
    }
}

fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

#[test]
fn total_intervals_cover_the_truth_in_about_their_share_of_50_populations() {
    // 99% binomial acceptance bands for 50 populations (the 40-49 at 0.9)
    let bands = [(33, 47), (40, 49), (44, 50)];
    for &kind in PurchaseModelKind::ALL {
        let covered = kind.visit(Totals);
        for ((level, c), (lo, hi)) in LEVELS.iter().zip(&covered).zip(bands) {
            println!("{kind}: {level} total interval covers the truth in {c} of 50");
            assert!(
                (lo..=hi).contains(c),
                "{kind}: the {level} total interval covered {c} of 50"
            );
        }
    }
}
