//! The BG/BB prediction intervals checked as the continuous-time models' are
//! (`tests/interval_coverage.rs`): on populations drawn from the model with known parameters
//! (FHS 2010's donations estimates), calibration over `n` opportunities and a holdout of the
//! next `n*` drawn from the same customers by a simulator written here from the model's
//! definition, the per-customer coverage of the holdout transactions, the randomised PIT
//! against the uniform distribution, and the coverage of the total's interval over 50
//! populations. Fixed seeds.

use clv::data::discrete::{DiscreteHistory, DiscreteTable};
use clv::data::periods::Periods;
use clv::fit::FitOptions;
use clv::models::bgbb::BgBb;
use clv::value::interval::{ks_uniform_p_value, DiscretePredictive};
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution};

const LEVELS: [f64; 3] = [0.8, 0.9, 0.95];
const CALIBRATION: u32 = 8;
const HOLDOUT: u32 = 8;

/// Calibration histories over `CALIBRATION` opportunities and holdout transactions over the
/// next `HOLDOUT`: at each opportunity an alive customer first dies with probability theta,
/// then transacts with probability p (FHS 2010).
fn population(customers: usize, seed: u64) -> (DiscreteTable, Vec<f64>) {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
    let p_dist = Beta::new(1.204, 0.750).unwrap();
    let theta_dist = Beta::new(0.657, 2.783).unwrap();
    let mut histories = Vec::with_capacity(customers);
    let mut holdout = Vec::with_capacity(customers);
    for _ in 0..customers {
        let (p, theta): (f64, f64) = (p_dist.sample(&mut rng), theta_dist.sample(&mut rng));
        let (mut x, mut t_x, mut later) = (0, 0, 0.0);
        for t in 1..=CALIBRATION + HOLDOUT {
            if rng.random::<f64>() < theta {
                break;
            }
            if rng.random::<f64>() < p {
                if t <= CALIBRATION {
                    x += 1;
                    t_x = t;
                } else {
                    later += 1.0;
                }
            }
        }
        histories.push(DiscreteHistory::new(x, t_x, CALIBRATION).unwrap());
        holdout.push(later);
    }
    let table = DiscreteTable::new(histories, vec![1.0; customers]).unwrap();
    (table, holdout)
}

fn predictive(table: &DiscreteTable, level: f64) -> DiscretePredictive {
    let fit = BgBb::fit(table, &FitOptions::default()).unwrap();
    DiscretePredictive::new(&fit, table, Periods(HOLDOUT), level).unwrap()
}

#[test]
fn bgbb_intervals_cover_their_level_and_the_pit_is_uniform() {
    let (table, holdout) = population(20_000, 31);
    for level in LEVELS {
        let c = predictive(&table, level).coverage(&holdout);
        println!("BG/BB: {level} interval covers {c:.4}");
        // as for the continuous-time models: at least the level less 2 standard errors, at
        // most 70% of the nominal misses absorbed by the discreteness
        assert!(
            c >= level - 0.005 && c <= level + 0.7 * (1.0 - level),
            "the {level} intervals cover {c}"
        );
    }
    let (table, holdout) = population(20_000, 37);
    let u = predictive(&table, 0.9).randomized_pit(&holdout, 5);
    let p = ks_uniform_p_value(&u);
    println!("BG/BB: KS p-value of the randomised PIT {p:.4}");
    assert!(p > 0.01, "randomised PIT not uniform, KS p = {p}");
}

#[test]
fn bgbb_total_intervals_cover_the_truth_in_about_their_share_of_50_populations() {
    use statrs::distribution::{ContinuousCDF, Normal};
    let mut covered = [0; 3];
    for seed in 0..50 {
        let (table, holdout) = population(5_000, 4000 + seed);
        let total = predictive(&table, 0.9).total(None).purchases;
        let truth: f64 = holdout.iter().sum();
        for (k, level) in LEVELS.iter().enumerate() {
            let z = Normal::standard().inverse_cdf(0.5 + level / 2.0);
            if (truth - total.expected).abs() <= z * total.sd {
                covered[k] += 1;
            }
        }
    }
    // the 99% binomial acceptance bands of tests/interval_coverage.rs
    for ((level, c), (lo, hi)) in LEVELS
        .iter()
        .zip(covered)
        .zip([(33, 47), (40, 49), (44, 50)])
    {
        println!("BG/BB: {level} total interval covers the truth in {c} of 50");
        assert!(
            (lo..=hi).contains(&c),
            "the {level} total interval covered {c} of 50"
        );
    }
}
