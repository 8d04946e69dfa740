//! The contract every purchase model keeps, written once and run for every registered model
//! (as statrs runs the same checks on every distribution). A model added to the registry gets
//! all of these without a line here: the tests iterate `PurchaseModelKind::ALL`.

use approx::assert_relative_eq;
use clv::data::CompressedRfm;
use clv::fit::{fit_purchase_model, FitOptions};
use clv::models::{
    AnyPurchaseModel, FitPurchaseModel, KindVisitor, PurchaseModel, PurchaseModelKind,
    SimulatePurchases,
};
use clv::simulate::{Ages, Population};
use clv::{CustomerTable, Duration, Rfm, RfmCsvOptions, TimeUnit};

fn cdnow() -> CustomerTable {
    let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
    CustomerTable::from_csv_path(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_summary.csv"),
        &opts,
    )
    .unwrap()
}

/// Customers from no repeat purchase to very frequent ones, in weeks.
const CUSTOMERS: [(u32, f64, f64); 7] = [
    (0, 0.0, 38.86),
    (1, 2.0, 30.0),
    (2, 30.43, 38.86),
    (5, 20.0, 35.0),
    (26, 30.857, 31.0),
    (60, 38.0, 39.0),
    (200, 38.0, 40.0),
];

fn grid_table() -> CustomerTable {
    let rows: Vec<Rfm> = CUSTOMERS
        .iter()
        .map(|&(x, tx, t)| Rfm::new(x, tx, t, TimeUnit::Weeks).unwrap())
        .collect();
    CustomerTable::from_customers(&rows).unwrap()
}

fn each_model(check: impl Fn(PurchaseModelKind, &AnyPurchaseModel)) {
    for &kind in PurchaseModelKind::ALL {
        check(kind, &kind.reference());
    }
}

#[test]
fn probabilities_of_purchases_sum_to_one_and_their_mean_is_the_expectation() {
    each_model(|kind, m| {
        for t in [1.0, 39.0, 78.0] {
            let t = Duration::weeks(t);
            let Some(_) = m.probability_of_purchases(0, t) else {
                continue;
            };
            let (mut total, mut mean) = (0.0, 0.0);
            for n in 0..3000 {
                let p = m.probability_of_purchases(n, t).unwrap();
                assert!((0.0..=1.0).contains(&p), "{kind} P(X={n}) = {p}");
                total += p;
                mean += n as f64 * p;
            }
            assert_relative_eq!(total, 1.0, epsilon = 1e-9);
            let e = m.expected_purchases_new_customer(t);
            assert_relative_eq!(mean, e, max_relative = 1e-7);
        }
    });
}

/// The conditional distribution of future purchases given a history (the process part of the
/// prediction intervals): a distribution whose mean is the conditional expectation and whose
/// mass at 0 is `1 - P(alive) + P(alive) P(no purchase | alive)`, over customers from none to
/// very frequent and horizons from a day to 20 years.
#[test]
fn conditional_distributions_sum_to_one_and_their_mean_is_the_expectation() {
    each_model(|kind, m| {
        let mut pmf = Vec::new();
        for &(x, tx, t) in &CUSTOMERS {
            let c = Rfm::new(x, tx, t, TimeUnit::Weeks).unwrap();
            for h in [1.0 / 7.0, 13.0, 39.0, 104.0, 1040.0] {
                let h = Duration::weeks(h);
                m.conditional_pmf(&c, h, 1e-12, &mut pmf).unwrap();
                assert!(pmf.iter().all(|p| (0.0..=1.0).contains(p)), "{kind}");
                let total: f64 = pmf.iter().sum();
                assert!((total - 1.0).abs() < 1e-10, "{kind} {c:?} {h}: {total}");
                let mean: f64 = pmf.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
                let want = m.expected_purchases(&c, h);
                assert_relative_eq!(mean, want, max_relative = 1e-7, epsilon = 1e-10);
                assert!(pmf[0] >= 1.0 - m.p_alive(&c) - 1e-12, "{kind}");
            }
            m.conditional_pmf(&c, Duration::weeks(0.0), 1e-12, &mut pmf)
                .unwrap();
            assert_eq!(pmf, vec![1.0]);
            assert!(m
                .conditional_pmf(&c, Duration::weeks(-1.0), 1e-12, &mut pmf)
                .is_err());
        }
    });
}

#[test]
fn p_alive_is_a_probability_and_bulk_equals_one_by_one() {
    let table = grid_table();
    each_model(|kind, m| {
        let alive = m.p_alive_all(&table);
        let horizon = Duration::weeks(52.0);
        let expected = m.expected_purchases_all(&table, horizon);
        for (i, c) in table.iter().enumerate() {
            let p = m.p_alive(&c);
            assert!((0.0..=1.0).contains(&p), "{kind}: P(alive) = {p} for {c:?}");
            assert_relative_eq!(alive[i], p, max_relative = 1e-13);
            let e = m.expected_purchases(&c, horizon);
            assert!(e.is_finite() && e >= 0.0, "{kind}: E = {e} for {c:?}");
            assert_relative_eq!(expected[i], e, max_relative = 1e-12);
        }
    });
}

#[test]
fn scores_together_per_distinct_and_row_by_row_are_the_same_numbers() {
    // CDNOW repeats histories; its grouping is computed by the first per-distinct score (or a
    // fit) and kept, after which every model scores per distinct history: same bits
    let horizon = Duration::weeks(39.0);
    each_model(|kind, m| {
        let fresh = cdnow();
        let (p, e) = m.p_alive_and_expected_all(&fresh, horizon);
        assert_eq!(p, m.p_alive_all(&fresh), "{kind}");
        assert_eq!(e, m.expected_purchases_all(&fresh, horizon), "{kind}");
        let grouped = cdnow();
        let _ = clv::data::CompressedRfm::from_table(&grouped);
        let (pg, eg) = clv::value::alive_and_expected(m, &grouped, horizon);
        assert_eq!((pg, eg), (p, e), "{kind}");
    });
}

#[test]
fn the_same_population_in_days_and_in_weeks_gives_the_same_predictions() {
    let weeks = grid_table();
    let days = weeks.to_unit(TimeUnit::Days);
    each_model(|kind, m| {
        let h = Duration::weeks(26.0);
        let (aw, ad) = (m.p_alive_all(&weeks), m.p_alive_all(&days));
        let (ew, ed) = (
            m.expected_purchases_all(&weeks, h),
            m.expected_purchases_all(&days, Duration::days(182.0)),
        );
        for i in 0..weeks.len() {
            assert_relative_eq!(aw[i], ad[i], max_relative = 1e-10);
            assert_relative_eq!(ew[i], ed[i], max_relative = 1e-10);
        }
        // and a model re-expressed in days predicts the same for the same customers
        let ud = in_days(kind, m);
        for i in 0..weeks.len() {
            assert_relative_eq!(ud.p_alive(&days.get(i)), aw[i], max_relative = 1e-10);
        }
        assert_relative_eq!(
            ud.expected_purchases_new_customer(Duration::weeks(39.0)),
            m.expected_purchases_new_customer(Duration::weeks(39.0)),
            max_relative = 1e-10
        );
    });
}

fn in_days(kind: PurchaseModelKind, m: &AnyPurchaseModel) -> AnyPurchaseModel {
    let s = TimeUnit::Weeks.in_units_of(TimeUnit::Days);
    let p: Vec<f64> = m
        .params()
        .iter()
        .zip(m.time_scale_params())
        .map(|(&p, &t)| if t { p * s } else { p })
        .collect();
    kind.from_params(&p, TimeUnit::Days).unwrap()
}

#[test]
fn cumulative_expectations_do_not_decrease() {
    let table = grid_table();
    each_model(|kind, m| {
        let horizons: Vec<Duration> = (0..=40).map(|k| Duration::weeks(k as f64 * 5.0)).collect();
        let curve = m.expected_purchases_curve(&table, &horizons);
        for i in 0..table.len() {
            for k in 1..horizons.len() {
                assert!(
                    curve[[i, k]] >= curve[[i, k - 1]] - 1e-12,
                    "{kind}: row {i} decreases at {}",
                    horizons[k]
                );
            }
        }
        let mut previous = 0.0;
        for h in &horizons {
            let e = m.expected_purchases_new_customer(*h);
            assert!(e >= previous - 1e-12, "{kind}: E[X({h})] decreases");
            previous = e;
        }
    });
}

/// Central differences with a relative step of 1e-3 and Richardson extrapolation (error
/// O(h^4)): a larger step than `clv::fit::numerical_gradient`'s, because at the extreme points a
/// likelihood of frequent customers is ~1e3 and lnGamma's rounding (~1e-14 relative) would swamp
/// a smaller one.
fn numerical_gradient(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let h = 1e-3 * x[i].abs();
            let at = |d: f64| {
                let mut y = x.to_vec();
                y[i] += d;
                f(&y)
            };
            let d1 = (at(h) - at(-h)) / (2.0 * h);
            let d2 = (at(2.0 * h) - at(-2.0 * h)) / (4.0 * h);
            (4.0 * d1 - d2) / 3.0
        })
        .collect()
}

fn check_rows() -> CompressedRfm {
    CompressedRfm::from_table(&grid_table())
}

#[test]
fn analytic_gradients_and_hessians_match_finite_differences() {
    let data = check_rows();
    for &kind in PurchaseModelKind::ALL {
        let reference = kind.reference().params();
        let k = reference.len();
        // the published estimates, then extreme points: tiny and huge parameters
        let mut points = vec![reference.clone()];
        points.push(reference.iter().map(|p| p * 0.05).collect());
        points.push(reference.iter().map(|p| p * 20.0).collect());
        points.push(
            (0..k)
                .map(|j| if j % 2 == 0 { 0.02 } else { 50.0 })
                .collect(),
        );
        for p in points {
            let mut g = vec![0.0; k];
            let mut h = vec![0.0; k * k];
            let (v, has_hessian) = kind.log_likelihood(&data, &p, &mut g, Some(&mut h));
            assert!(v.is_finite(), "{kind} at {p:?}: {v}");
            let f = |q: &[f64]| kind.log_likelihood(&data, q, &mut vec![0.0; k], None).0;
            let num = numerical_gradient(f, &p);
            for j in 0..k {
                assert!(
                    (g[j] - num[j]).abs() <= 1e-6 * (1.0 + num[j].abs()),
                    "{kind} at {p:?}: d/d{j} {} vs {}",
                    g[j],
                    num[j]
                );
            }
            if has_hessian {
                for i in 0..k {
                    let gi = |q: &[f64]| {
                        let mut gg = vec![0.0; k];
                        kind.log_likelihood(&data, q, &mut gg, None);
                        gg[i]
                    };
                    let num = numerical_gradient(gi, &p);
                    for j in 0..k {
                        assert!(
                            (h[i * k + j] - num[j]).abs() <= 1e-5 * (1.0 + num[j].abs()),
                            "{kind} at {p:?}: H[{i}][{j}] {} vs {}",
                            h[i * k + j],
                            num[j]
                        );
                    }
                }
            }
        }
    }
}

/// Fits a model of `kind` as its concrete type (for the checks that need `fit_purchase_model`).
struct FitTwice<'a>(&'a CustomerTable);

impl KindVisitor for FitTwice<'_> {
    type Output = ();
    fn visit<M>(self)
    where
        M: FitPurchaseModel + SimulatePurchases + Into<AnyPurchaseModel>,
    {
        let t = self.0;
        let a = fit_purchase_model::<M>(t, &FitOptions::default(), None).unwrap();
        let b = fit_purchase_model::<M>(t, &FitOptions::default().compress(false), None).unwrap();
        let name = a.model.name();
        for (x, y) in a.report.params.iter().zip(&b.report.params) {
            assert_relative_eq!(*x, *y, max_relative = 1e-10);
        }
        assert_relative_eq!(
            a.report.log_likelihood,
            b.report.log_likelihood,
            max_relative = 1e-12
        );
        // the reported log-likelihood is that of the data as given (not of the rescaled data)
        let data = CompressedRfm::from_table(t);
        let ll = M::likelihood(&data);
        let mut g = vec![0.0; a.report.params.len()];
        let direct = clv::fit::LogLikelihood::value_and_gradient(&ll, &a.report.params, &mut g);
        assert_relative_eq!(a.report.log_likelihood, direct, max_relative = 1e-12);
        // at the optimum the gradient vanishes (relative to the number of customers)
        assert!(
            g.iter().all(|v| v.abs() < 1e-6 * t.len() as f64),
            "{name}: {g:?}"
        );
        // JSON round trip of the fitted model, bit for bit
        let any: AnyPurchaseModel = a.model.clone().into();
        let back: AnyPurchaseModel =
            serde_json::from_str(&serde_json::to_string(&any).unwrap()).unwrap();
        assert_eq!(back, any);
    }
}

#[test]
fn fit_with_and_without_compression_agree_and_report_the_data_likelihood() {
    let t = cdnow();
    for &kind in PurchaseModelKind::ALL {
        kind.visit(FitTwice(&t));
    }
}

#[test]
fn parameters_are_recovered_from_a_simulated_population() {
    for &kind in PurchaseModelKind::ALL {
        let truth = kind.reference();
        let population = Population::new(
            200_000,
            truth.clone(),
            Ages::Uniform {
                min: Duration::weeks(20.0),
                max: Duration::weeks(60.0),
            },
        )
        .unwrap()
        .seed(7);
        let table = population.rfm_table().unwrap();
        let fit = clv::fit::fit_kind(kind, &table, &FitOptions::default()).unwrap();
        let se = fit.report.std_errors.as_ref().expect("standard errors");
        for (j, (est, real)) in fit.report.params.iter().zip(truth.params()).enumerate() {
            assert!(
                (est - real).abs() < 4.0 * se[j],
                "{kind} parameter {}: {est} vs {real} (se {})",
                truth.param_names()[j],
                se[j]
            );
        }
    }
}

/// Horizons that are not a length of time ahead: negative, NaN, infinite.
const NOT_AHEAD: [f64; 4] = [-1.0, -1e300, f64::NAN, f64::INFINITY];

/// The one treatment of a horizon that is negative or not finite, the same in every model
/// (documented on [`PurchaseModel`]): the functions returning `Result` refuse it with a typed
/// error; those returning a number give 0 for a negative horizon (no time to buy) and NaN for a
/// NaN or infinite one, bulk and one-by-one alike; `probability_of_purchases` gives the
/// distribution of no time (1 at n = 0) for a negative horizon and `None` for a NaN or
/// infinite one.
#[test]
fn negative_and_non_finite_horizons_are_treated_alike_by_every_model() {
    let table = grid_table();
    each_model(|kind, m| {
        for t in NOT_AHEAD {
            let h = Duration::weeks(t);
            let negative = t < 0.0;
            let mut pmf = Vec::new();
            for (i, c) in table.iter().enumerate() {
                match m.conditional_pmf(&c, h, 1e-9, &mut pmf) {
                    Err(clv::Error::InvalidArgument { name, .. }) => assert_eq!(name, "horizon"),
                    other => panic!("{kind} pmf at {t}: {other:?}"),
                }
                let e = m.expected_purchases(&c, h);
                let bulk = m.expected_purchases_all(&table, h)[i];
                let curve = m.expected_purchases_curve(&table, &[Duration::weeks(1.0), h])[[i, 1]];
                for v in [e, bulk, curve] {
                    if negative {
                        assert_eq!(v, 0.0, "{kind} E[Y({t})] of customer {i}");
                    } else {
                        assert!(v.is_nan(), "{kind} E[Y({t})] of customer {i} = {v}");
                    }
                }
            }
            let new = m.expected_purchases_new_customer(h);
            assert!(
                if negative { new == 0.0 } else { new.is_nan() },
                "{kind} E[X({t})] = {new}"
            );
            match m.discounted_purchases(&table, &[Duration::weeks(1.0), h], &[1.0, 0.9]) {
                Err(clv::Error::InvalidArgument { .. }) => {}
                other => panic!("{kind} discounted purchases to {t}: {other:?}"),
            }
            if let Some(p1) = m.probability_of_purchases(0, Duration::weeks(1.0)) {
                assert!(p1 < 1.0, "{kind}");
                let (p0, p3) = (
                    m.probability_of_purchases(0, h),
                    m.probability_of_purchases(3, h),
                );
                if negative {
                    assert_eq!((p0, p3), (Some(1.0), Some(0.0)), "{kind} at {t}");
                } else {
                    assert_eq!((p0, p3), (None, None), "{kind} at {t}");
                }
            }
        }
    });
}
