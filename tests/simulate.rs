//! Synthetic populations: reproducibility, agreement of the transaction log with the RFM table,
//! agreement with the model's closed forms, and recovery of the parameters they were drawn from.

use std::collections::BTreeMap;

use clv::fit::{Fit, FitOptions};
use clv::models::{BgNbd, GammaGamma, PurchaseModel};
use clv::simulate::{Ages, Population, Recording, Transaction};
use clv::{Duration, TimeUnit};

fn bgnbd() -> BgNbd {
    // Close to the CDNOW estimates (FHL 2005), in weeks.
    BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks).unwrap()
}

fn spend() -> GammaGamma {
    // Close to the CDNOW Gamma-Gamma estimates (Fader & Hardie 2013).
    GammaGamma::new(6.0, 4.0, 15.0).unwrap()
}

fn cohorts() -> Ages {
    Ages::Uniform {
        min: Duration::weeks(20.0),
        max: Duration::weeks(52.0),
    }
}

#[test]
fn same_seed_same_population_whatever_the_thread_count() {
    let p = Population::new(10_000, bgnbd(), cohorts())
        .unwrap()
        .seed(42)
        .spend(spend());
    let default = p.rfm_table().unwrap();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| p.rfm_table().unwrap());
    assert_eq!(default, single);
    let other = p.clone().seed(43).rfm_table().unwrap();
    assert_ne!(default.frequency(), other.frequency());
}

/// Summarises a transaction log as lifetimes does: per customer, frequency = purchases after the
/// first, recency = last - first, T = end - first, monetary value = mean of the repeat amounts.
fn summarise(log: &[Transaction], end: f64) -> BTreeMap<u64, (f64, f64, f64, f64)> {
    let mut by_customer: BTreeMap<u64, Vec<&Transaction>> = BTreeMap::new();
    for t in log {
        by_customer.entry(t.customer).or_default().push(t);
    }
    by_customer
        .into_iter()
        .map(|(c, ts)| {
            let first = ts[0].time;
            let last = ts[ts.len() - 1].time;
            let x = (ts.len() - 1) as f64;
            let repeat: f64 = ts[1..].iter().map(|t| t.amount).sum();
            let m = if x > 0.0 { repeat / x } else { 0.0 };
            (c, (x, last - first, end - first, m))
        })
        .collect()
}

#[test]
fn transaction_log_summarises_to_the_rfm_table() {
    for recording in [Recording::Continuous, Recording::WholeDays] {
        let p = Population::new(20_000, bgnbd(), cohorts())
            .unwrap()
            .seed(3)
            .spend(spend())
            .recording(recording);
        let table = p.rfm_table().unwrap();
        let log = p.transactions();
        let end = p.observation_end().amount;
        assert!(log.iter().all(|t| t.time <= end && t.amount > 0.0));
        // time order within each customer
        assert!(log
            .windows(2)
            .all(|w| w[0].customer != w[1].customer || w[0].time <= w[1].time));
        let summary = summarise(&log, end);
        assert_eq!(summary.len(), table.len());
        let m = table.monetary_value().unwrap();
        for (i, (&c, &(x, t_x, age, mv))) in summary.iter().enumerate() {
            assert_eq!(c, (i + 1) as u64);
            assert_eq!(table.ids()[i], c.to_string());
            assert_eq!(x, table.frequency()[i]);
            let tol = 1e-9 * end;
            assert!((t_x - table.recency()[i]).abs() <= tol, "row {i}");
            assert!((age - table.age()[i]).abs() <= tol, "row {i}");
            assert!((mv - m[i]).abs() <= 1e-9 * m[i].max(1.0), "row {i}");
        }
        if recording == Recording::WholeDays {
            assert_eq!(table.unit(), TimeUnit::Days);
            for v in table.recency().iter().chain(table.age().iter()) {
                assert_eq!(v.fract(), 0.0);
            }
            // ages 20..52 weeks in whole days
            assert!(table.age().iter().all(|&t| (140.0..364.0).contains(&t)));
        }
    }
}

/// Mean and standard error of the mean.
fn mean_and_se(v: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = v.clone().count() as f64;
    let mean = v.clone().sum::<f64>() / n;
    let var = v.map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

#[test]
fn one_cohort_matches_the_closed_form_moments() {
    // For a single cohort of age T, the frequency is X(T): its mean is E[X(T)] (FHL 2005 eq. 9)
    // and its share of zeros P(X(T) = 0) (eq. 8); both are checked against the published CDNOW
    // figures in tests/bgnbd_reference.rs. Tolerance: 4 standard errors of the sample mean.
    let m = bgnbd();
    let t = Duration::weeks(39.0);
    let table = Population::new(200_000, m, Ages::Fixed(t))
        .unwrap()
        .seed(11)
        .rfm_table()
        .unwrap();
    let (mean, se) = mean_and_se(table.frequency().iter().copied());
    let expected = m.expected_purchases_new_customer(t);
    assert!(
        (mean - expected).abs() < 4.0 * se,
        "{mean} vs {expected} (se {se})"
    );
    let (zeros, se0) = mean_and_se(
        table
            .frequency()
            .iter()
            .map(|&x| if x == 0.0 { 1.0 } else { 0.0 }),
    );
    let p0 = m.probability_of_purchases(0, t);
    assert!((zeros - p0).abs() < 4.0 * se0, "{zeros} vs {p0} (se {se0})");
}

#[test]
fn fitting_a_drawn_population_recovers_its_parameters() {
    let truth = bgnbd();
    let gg = spend();
    let table = Population::new(200_000, truth, cohorts())
        .unwrap()
        .seed(2024)
        .spend(gg)
        .rfm_table()
        .unwrap();
    let fit = BgNbd::fit(&table, &FitOptions::default()).unwrap();
    let se = fit.report.std_errors.clone().unwrap();
    for (j, t) in truth.params().iter().enumerate() {
        let est = fit.report.params[j];
        assert!(
            (est - t).abs() < 4.0 * se[j],
            "{}: {est} vs {t} (se {})",
            fit.report.param_names[j],
            se[j]
        );
    }
    let spend_fit = GammaGamma::fit(&table, &FitOptions::default()).unwrap();
    let se = spend_fit.report.std_errors.clone().unwrap();
    for (j, t) in [gg.p(), gg.q(), gg.gamma()].iter().enumerate() {
        let est = spend_fit.report.params[j];
        assert!(
            (est - t).abs() < 4.0 * se[j],
            "{}: {est} vs {t} (se {})",
            spend_fit.report.param_names[j],
            se[j]
        );
    }
}
