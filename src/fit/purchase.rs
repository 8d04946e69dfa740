//! The one fit path of every purchase model: compression, time rescaling, starting values
//! typed as the model, the optimiser, and the mapping back to the table's unit.

use crate::data::{CompressedRfm, CustomerTable};
use crate::error::{Error, Result};
use crate::fit::{maximize, FitOptions, Fitted};
use crate::models::purchase::scale_time_params;
use crate::models::{AnyPurchaseModel, FitPurchaseModel, KindVisitor, PurchaseModelKind};
use crate::optim::LogLikelihood;

/// Fitting, for every purchase model (linfa's `Fit`): `BgNbd::fit(&table, &options)`.
///
/// ```
/// use clv::fit::{Fit, FitOptions};
/// use clv::models::MbgNbd;
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let fit = MbgNbd::fit(&cdnow, &FitOptions::default()).unwrap();
/// // REFERENCE.md (BTYDplus): r 0.525, alpha 6.183, a 0.891, b 1.614
/// assert!((fit.model.alpha() - 6.183).abs() < 5e-3);
/// ```
pub trait Fit: FitPurchaseModel {
    /// Fits the model by maximum likelihood to `table` (see [`fit_purchase_model`]).
    fn fit(table: &CustomerTable, options: &FitOptions) -> Result<Fitted<Self>> {
        fit_purchase_model(table, options, None)
    }

    /// [`fit`](Self::fit) from the starting values of `start` (in any unit).
    fn fit_from(table: &CustomerTable, options: &FitOptions, start: &Self) -> Result<Fitted<Self>> {
        fit_purchase_model(table, options, Some(start))
    }
}

impl<M: FitPurchaseModel> Fit for M {}

/// Fits a model of the registered `kind` to `table`.
///
/// ```
/// use clv::fit::{fit_kind, FitOptions};
/// use clv::models::{PurchaseModel, PurchaseModelKind};
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let kind: PurchaseModelKind = "bgnbd".parse().unwrap();
/// let fit = fit_kind(kind, &cdnow, &FitOptions::default()).unwrap();
/// assert_eq!(fit.model.name(), "BG/NBD");
/// ```
pub fn fit_kind(
    kind: PurchaseModelKind,
    table: &CustomerTable,
    options: &FitOptions,
) -> Result<Fitted<AnyPurchaseModel>> {
    struct FitVisitor<'a>(&'a CustomerTable, &'a FitOptions);
    impl KindVisitor for FitVisitor<'_> {
        type Output = Result<Fitted<AnyPurchaseModel>>;
        fn visit<M>(self) -> Self::Output
        where
            M: FitPurchaseModel + crate::models::SimulatePurchases + Into<AnyPurchaseModel>,
        {
            Ok(fit_purchase_model::<M>(self.0, self.1, None)?.map(Into::into))
        }
    }
    kind.visit(FitVisitor(table, options))
}

/// Fits a purchase model to `table` by maximum likelihood.
///
/// * a table that cannot identify the parameters (no repeat purchase at all) is an
///   [`Error::Unidentified`](crate::Error::Unidentified), not a "converged" starting point;
/// * identical customers are merged into weighted rows (unless `options.compress` is off);
/// * times are rescaled so that the oldest customer has age 1, as Python lifetimes 0.11.3 does
///   (so that `options.penalizer` is its `penalizer_coef` and gives its estimates), and the
///   parameters in units of time with them;
/// * the start is `start` (in any unit) or the model's [`FitPurchaseModel::default_start`];
/// * the estimates, their covariance and the log-likelihood are mapped back to the table's
///   unit (a continuous-time likelihood is a density of `x` purchase times, so rescaling times
///   by `s` adds `ln(s) sum_i w_i x_i` to it).
///
/// ```
/// use clv::fit::{fit_purchase_model, FitOptions};
/// use clv::models::{BgNbd, PurchaseModel};
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let fit = fit_purchase_model::<BgNbd>(&cdnow, &FitOptions::default(), None).unwrap();
/// assert!((fit.model.r() - 0.243).abs() < 5e-4);
/// assert!((fit.report.log_likelihood + 9582.43).abs() < 0.01);
/// ```
pub fn fit_purchase_model<M: FitPurchaseModel>(
    table: &CustomerTable,
    options: &FitOptions,
    start: Option<&M>,
) -> Result<Fitted<M>> {
    options.check()?;
    crate::data::check_identified(table)?;
    let reference = M::reference();
    let name = reference.name();
    let data = compressed(table, options.compress);
    let max_age = data.age.iter().cloned().fold(0.0, f64::max);
    if !(max_age > 0.0 && max_age.is_finite()) {
        return Err(Error::undefined(
            format!("the {name} fit"),
            "every customer has age T = 0 (or the table is empty)",
        ));
    }
    let scale = 1.0 / max_age;
    let time_scale = reference.time_scale_params();
    let scaled = CompressedRfm {
        recency: data.recency.iter().map(|v| v * scale).collect(),
        age: data.age.iter().map(|v| v * scale).collect(),
        frequency: data.frequency.clone(),
        weight: data.weight.clone(),
    };
    let initial = match start {
        Some(m) => scale_time_params(&m.in_unit(table.unit()).params(), time_scale, scale),
        None => sample_start::<M>(name, &scaled, options).unwrap_or_else(M::default_start),
    };
    let likelihood = M::likelihood(&scaled);
    let mut report = maximize(name, &likelihood, &initial, options).map_err(|e| match e {
        Error::NotConverged {
            model,
            reason,
            iterations,
            params,
            log_likelihood,
            gradient_norm,
        } => Error::NotConverged {
            model,
            reason,
            iterations,
            params: scale_time_params(&params, time_scale, 1.0 / scale),
            log_likelihood,
            gradient_norm,
        },
        other => other,
    })?;
    report.params = scale_time_params(&report.params, time_scale, 1.0 / scale);
    if let Some(cov) = &mut report.covariance {
        let k = time_scale.len();
        for i in 0..k {
            for j in 0..k {
                let f = |t: bool| if t { 1.0 / scale } else { 1.0 };
                cov[[i, j]] *= f(time_scale[i]) * f(time_scale[j]);
            }
        }
        report.std_errors = Some(cov.diag().mapv(f64::sqrt));
    }
    let weighted_x: f64 = data
        .frequency
        .iter()
        .zip(&data.weight)
        .map(|(x, w)| x * w)
        .sum();
    report.log_likelihood += scale.ln() * weighted_x;
    let model = M::from_params(&report.params, table.unit())?;
    Ok(Fitted { model, report })
}

/// Distinct rows of the sample whose fit starts the fit of a large table ([`sample_start`]).
const START_SAMPLE: usize = 20_000;

/// On a table of many distinct rows, the fit of an evenly spaced sample of [`START_SAMPLE`] of
/// them (with their weights, from the model's default start), so that the fit of all rows
/// starts near the optimum; `None` for a smaller table, or when the sample's fit fails (the
/// default start then), and for models without an analytic Hessian. On 1M whole-day customers
/// (186k distinct rows) that takes BG/NBD from 7 Newton iterations to 3, for a sample fit
/// costing about one evaluation on all rows; with the unevaluated last polishing step, the fit
/// of all rows makes 4 evaluations (`cargo run --release --example fit_profile`).
fn sample_start<M: FitPurchaseModel>(
    name: &str,
    rows: &CompressedRfm,
    options: &FitOptions,
) -> Option<Vec<f64>> {
    let n = rows.len();
    if n < 4 * START_SAMPLE {
        return None;
    }
    let stride = n / START_SAMPLE;
    let pick = |c: &[f64]| c.iter().step_by(stride).copied().collect::<Vec<f64>>();
    let sample = CompressedRfm {
        frequency: pick(&rows.frequency),
        recency: pick(&rows.recency),
        age: pick(&rows.age),
        weight: pick(&rows.weight),
    };
    if sample.frequency.iter().all(|&x| x == 0.0) {
        return None;
    }
    // Newton's method only: started near the optimum, L-BFGS (models without an analytic
    // Hessian, Pareto/NBD) stalled in its line search, 437 evaluations at 1M against 47 from
    // the default start
    let likelihood = M::likelihood(&sample);
    let start = M::default_start();
    let k = start.len();
    let (mut grad, mut hess) = (vec![0.0; k], vec![0.0; k * k]);
    likelihood.value_gradient_hessian(&start, &mut grad, &mut hess)?;
    let report = maximize(name, &likelihood, &start, options).ok()?;
    report
        .params
        .iter()
        .all(|p| p.is_finite() && *p > 0.0)
        .then_some(report.params)
}

/// The table as weighted rows: merged by (x, t_x, T) when `compress`, one row each otherwise.
fn compressed(table: &CustomerTable, compress: bool) -> CompressedRfm {
    if compress {
        CompressedRfm::from_table(table)
    } else {
        CompressedRfm {
            frequency: table.frequency().to_vec(),
            recency: table.recency().to_vec(),
            age: table.age().to_vec(),
            weight: (0..table.len()).map(|i| table.weight(i)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{BgNbd, MbgNbd, ParetoNbd};
    use crate::simulate::{Ages, Population};
    use crate::time::{Duration, TimeUnit};

    /// Many distinct rows (continuous ages), times rescaled to 1 as the fit does.
    fn rows(truth: AnyPurchaseModel) -> CompressedRfm {
        let ages = Ages::Uniform {
            min: Duration::weeks(20.0),
            max: Duration::weeks(60.0),
        };
        let table = Population::new(5 * START_SAMPLE, truth, ages)
            .unwrap()
            .seed(3)
            .rfm_table()
            .unwrap();
        let rows = CompressedRfm::from_table(&table);
        let scale = 1.0 / rows.age.iter().cloned().fold(0.0, f64::max);
        CompressedRfm {
            recency: rows.recency.iter().map(|v| v * scale).collect(),
            age: rows.age.iter().map(|v| v * scale).collect(),
            ..rows
        }
    }

    fn starts_from_its_sample_and_converges_where_the_default_start_does<M>(truth: M)
    where
        M: FitPurchaseModel + Into<AnyPurchaseModel>,
    {
        let rows = rows(truth.into());
        assert!(
            rows.len() >= 4 * START_SAMPLE,
            "{} distinct rows",
            rows.len()
        );
        let options = FitOptions::default();
        let name = M::reference().name();
        let start = sample_start::<M>(name, &rows, &options).expect("a sample start");
        assert_ne!(start, M::default_start());
        let likelihood = M::likelihood(&rows);
        let from_sample = maximize(name, &likelihood, &start, &options).unwrap();
        let from_default = maximize(name, &likelihood, &M::default_start(), &options).unwrap();
        assert!(from_sample.iterations < from_default.iterations, "{name}");
        for (a, b) in from_sample.params.iter().zip(&from_default.params) {
            assert!((a - b).abs() <= 1e-8 * b.abs(), "{name}: {a} vs {b}");
        }
        // fewer rows than four samples: the default start
        let few = CompressedRfm {
            frequency: rows.frequency[..START_SAMPLE].to_vec(),
            recency: rows.recency[..START_SAMPLE].to_vec(),
            age: rows.age[..START_SAMPLE].to_vec(),
            weight: rows.weight[..START_SAMPLE].to_vec(),
        };
        assert_eq!(sample_start::<M>(name, &few, &options), None);
    }

    #[test]
    fn a_large_table_starts_from_the_fit_of_its_sample() {
        let bgnbd = BgNbd::new(0.24, 4.41, 0.79, 2.43, TimeUnit::Weeks).unwrap();
        starts_from_its_sample_and_converges_where_the_default_start_does(bgnbd);
        let mbgnbd = MbgNbd::new(0.53, 6.18, 0.89, 1.61, TimeUnit::Weeks).unwrap();
        starts_from_its_sample_and_converges_where_the_default_start_does(mbgnbd);
        // L-BFGS fits (no analytic Hessian) keep the default start
        let pareto = ParetoNbd::new(0.55, 10.58, 0.61, 11.67, TimeUnit::Weeks).unwrap();
        let rows = rows(pareto.into());
        assert!(rows.len() >= 4 * START_SAMPLE);
        let options = FitOptions::default();
        assert_eq!(
            sample_start::<ParetoNbd>("Pareto/NBD", &rows, &options),
            None
        );
    }
}
