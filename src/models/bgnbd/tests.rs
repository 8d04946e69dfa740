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

/// A table of at least `8 * T_TABLE` rows takes `ln(alpha + t)` from a table for whole t below
/// `T_TABLE`: each row must get the value the single-customer formula computes, bit for bit,
/// whether its times are whole and tabulated, whole and too large, or fractional (a wrong
/// index or a rounded lookup would change the bits).
#[test]
fn tabulated_logs_of_times_give_the_single_customer_p_alive() {
    let n = 8 * T_TABLE + 100;
    let row = |i: usize| {
        let age = match i % 4 {
            0 => (i % T_TABLE).max(1) as f64,
            1 => (T_TABLE + i) as f64,
            2 => (i % 500) as f64 + 0.25,
            _ => T_TABLE as f64 - 1.0,
        };
        let x = (i % 7) as u32;
        let t_x = if x == 0 {
            0.0
        } else {
            (age - (i % 3) as f64).max(0.0)
        };
        Rfm::new(x, t_x, age, TimeUnit::Days).unwrap()
    };
    let table = CustomerTable::from_customers(&(0..n).map(row).collect::<Vec<_>>()).unwrap();
    let weekly = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    let daily = crate::models::MbgNbd::new(0.5, 30.0, 0.8, 2.5, TimeUnit::Days).unwrap();
    let (alive_w, alive_d) = (weekly.p_alive_all(&table), daily.p_alive_all(&table));
    for i in 0..n {
        let c = table.get(i);
        assert_eq!(alive_w[i], weekly.p_alive(&c), "row {i}: {c:?}");
        assert_eq!(alive_d[i], daily.p_alive(&c), "row {i}: {c:?}");
    }
}

/// A table keeps its (x, T) grouping; a table converted to another unit must not reuse the
/// grouping (and kernels) of its times in the old unit.
#[test]
fn the_kept_pair_grouping_is_the_tables_own() {
    let c = |x, t, age| Rfm::new(x, t, age, TimeUnit::Days).unwrap();
    let daily = CustomerTable::from_customers(&[
        c(2, 30.0, 70.0),
        c(0, 0.0, 70.0),
        c(2, 40.0, 70.0),
        c(5, 60.0, 91.0),
    ])
    .unwrap();
    let m = BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667, TimeUnit::Weeks).unwrap();
    let horizon = Duration::weeks(4.0);
    let first = m.expected_purchases_all(&daily, horizon);
    assert_eq!(daily.pair_index().pairs.len(), 3);
    assert_eq!(daily.pair_index().group_of, [0, 1, 0, 2]);
    // the second call reads the kept grouping, and gives the same numbers
    assert_eq!(m.expected_purchases_all(&daily, horizon), first);
    let weekly = daily.to_unit(TimeUnit::Weeks);
    let fresh = CustomerTable::from_customers(
        &(0..daily.len())
            .map(|i| daily.get(i).in_unit(TimeUnit::Weeks))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(
        m.expected_purchases_all(&weekly, horizon),
        m.expected_purchases_all(&fresh, horizon)
    );
    for i in 0..daily.len() {
        let want = m.expected_purchases(&daily.get(i), horizon);
        assert_relative_eq!(first[i], want, max_relative = 1e-14);
    }
}

#[test]
fn logs_summed_per_weight_equal_the_sum_of_each_rows_log_likelihood() {
    // several chunks of the parallel sum; weights of 1, small whole numbers, whole numbers
    // beyond the per-weight products, and fractions (which take a log each)
    let n = 3 * crate::optim::reduce::CHUNK + 101;
    let rows: Vec<(f64, f64, f64)> = (0..n)
        .map(|i| {
            let x = (i % 9) as f64;
            let age = 20.0 + (i % 37) as f64;
            (
                x,
                if x > 0.0 {
                    age * (i % 5) as f64 / 5.0
                } else {
                    0.0
                },
                age,
            )
        })
        .collect();
    let weight: Vec<f64> = (0..n)
        .map(|i| match i % 7 {
            0 => 2.5,
            1 => 40.0 + (i % 3) as f64,
            2 | 3 => 1.0,
            _ => (i % 31) as f64,
        })
        .collect();
    let c = CompressedRfm {
        frequency: rows.iter().map(|r| r.0).collect(),
        recency: rows.iter().map(|r| r.1).collect(),
        age: rows.iter().map(|r| r.2).collect(),
        weight: weight.clone(),
    };
    for d in [0.0, 1.0] {
        let data = BetaGeoData::new(&c, d);
        let (r, alpha, a, b) = (0.24, 4.41, 0.79, 2.43);
        let m = Params { r, alpha, a, b, d };
        let direct: f64 = rows
            .iter()
            .zip(&weight)
            .map(|(&(x, tx, age), &w)| {
                let tx = ((alpha + tx).ln(), alpha + tx);
                let age = ((alpha + age).ln(), 1.0 / (alpha + age));
                w * row_log_likelihood(&m, &XTerms::new(&m, x), x, tx, age, alpha.ln()).0
            })
            .sum();
        let v = data.value_and_gradient(&[r, alpha, a, b], &mut [0.0; 4]);
        assert_relative_eq!(v, direct, max_relative = 1e-13);
    }
}
