//! Unit tests of the BG/NBD family's likelihood derivatives and grouped predictions.

use super::likelihood::BetaGeoData;
use super::*;
use crate::optim::numerical_gradient;
use crate::optim::LogLikelihood;
use approx::assert_relative_eq;

fn data(rows: &[(f64, f64, f64)], d: f64) -> BetaGeoData {
    let c = CompressedRfm {
        frequency: rows.iter().map(|r| r.0).collect(),
        recency: rows.iter().map(|r| r.1).collect(),
        age: rows.iter().map(|r| r.2).collect(),
        weight: vec![1.0; rows.len()],
    };
    BetaGeoData::new(&c, d)
}

/// Customers from no repeat purchase to 200 (note 027's extreme), for derivative checks.
const CHECK_ROWS: [(f64, f64, f64); 5] = [
    (0.0, 0.0, 38.0),
    (1.0, 2.0, 30.0),
    (5.0, 20.0, 35.0),
    (26.0, 30.857, 31.0),
    (200.0, 38.0, 40.0),
];

#[test]
fn gradient_matches_finite_differences() {
    for shift in [0.0, 1.0] {
        let d = data(&CHECK_ROWS, shift);
        for p in [
            [0.2425982, 4.4136842, 0.7929899, 2.4261667],
            [0.25, 4.0, 0.8, 2.5],
            [3.0, 0.05, 0.01, 0.02],   // extreme: tiny alpha, a, b
            [0.01, 500.0, 50.0, 80.0], // extreme: large alpha, a, b
            [12.0, 1.0, 1.0, 1.0],
        ] {
            let mut g = [0.0; 4];
            d.value_and_gradient(&p, &mut g);
            let num = numerical_gradient(
                |q| {
                    let mut gg = [0.0; 4];
                    d.value_and_gradient(q, &mut gg)
                },
                &p,
            );
            for j in 0..4 {
                assert_relative_eq!(g[j], num[j], max_relative = 1e-6, epsilon = 1e-7);
            }
        }
    }
}

#[test]
fn hessian_matches_finite_differences_of_the_gradient() {
    for shift in [0.0, 1.0] {
        let d = data(&CHECK_ROWS, shift);
        for p in [
            [0.2425982, 4.4136842, 0.7929899, 2.4261667],
            [3.0, 0.05, 0.01, 0.02],
            [0.01, 500.0, 50.0, 80.0],
            [12.0, 1.0, 1.0, 1.0],
        ] {
            let (mut g, mut h) = ([0.0; 4], [0.0; 16]);
            let v = d.value_gradient_hessian(&p, &mut g, &mut h).unwrap();
            let mut g0 = [0.0; 4];
            assert_eq!(v, d.value_and_gradient(&p, &mut g0));
            assert_eq!(g, g0);
            for i in 0..4 {
                let num = numerical_gradient(
                    |q| {
                        let mut gg = [0.0; 4];
                        d.value_and_gradient(q, &mut gg);
                        gg[i]
                    },
                    &p,
                );
                for j in 0..4 {
                    // the differences of a gradient lose ~6 digits to rounding at alpha = 0.05
                    assert!(
                        (h[4 * i + j] - num[j]).abs() <= 1e-5 * (1.0 + num[j].abs()),
                        "{p:?} ({i}, {j}): {} vs {}",
                        h[4 * i + j],
                        num[j]
                    );
                }
            }
        }
    }
}

/// The grouped discounted sum equals the per-customer sum over the expectation curve
/// (the trait's default route), also for a table in another unit and for frequencies
/// beyond the tabulated ones.
#[test]
fn discounted_purchases_match_the_curve() {
    let opts = crate::RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
    let weekly = CustomerTable::from_csv_path(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_summary.csv"),
        &opts,
    )
    .unwrap();
    let big = CustomerTable::from_customers(&[
        Rfm::new(1100, 30.0, 38.0, TimeUnit::Weeks).unwrap(),
        Rfm::new(3, 1.0, 38.0, TimeUnit::Weeks).unwrap(),
    ])
    .unwrap();
    let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    let ends: Vec<Duration> = (1..=6).map(|i| Duration::days(30.0 * i as f64)).collect();
    let factors: Vec<f64> = (1..=6).map(|i| 1.01f64.powi(-i)).collect();
    for table in [weekly.clone(), weekly.to_unit(TimeUnit::Days), big] {
        let fast = m.discounted_purchases(&table, &ends, &factors).unwrap();
        let curve = m.expected_purchases_curve(&table, &ends);
        let alive = m.p_alive_all(&table);
        for i in 0..table.len() {
            assert_eq!(alive[i], m.p_alive(&table.get(i)));
            let mut want = 0.0;
            for k in 0..ends.len() {
                let prev = if k == 0 { 0.0 } else { curve[[i, k - 1]] };
                want += (curve[[i, k]] - prev) * factors[k];
            }
            assert_relative_eq!(fast[i], want, max_relative = 1e-12, epsilon = 1e-300);
        }
    }
    assert!(m
        .discounted_purchases(&weekly, &ends, &factors[1..])
        .is_err());
    let none = m.discounted_purchases(&weekly, &[], &[]).unwrap();
    assert!(none.iter().all(|&v| v == 0.0));
}
