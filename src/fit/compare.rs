//! Which purchase model? Every registered model fitted to the same calibration data and
//! compared on evidence: log-likelihood, parameters, AIC, BIC and, with a holdout, the errors of
//! each model's conditional forecast of the holdout purchases.

use ndarray::ArrayView1;
use serde::Serialize;

use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::fit::{FitOptions, Fitted};
use crate::models::{AnyPurchaseModel, PurchaseModel, PurchaseModelKind};
use crate::time::Duration;

/// Holdout errors of one model's conditional expectation of each customer's holdout purchases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HoldoutErrors {
    /// Holdout purchases, actual (weighted sum).
    pub total_actual: f64,
    /// Holdout purchases, expected (weighted sum of the conditional expectations).
    pub total_expected: f64,
    /// Mean absolute error per customer.
    pub mae: f64,
    /// Root mean squared error per customer.
    pub rmse: f64,
}

impl HoldoutErrors {
    /// `(expected - actual) / actual` of the totals.
    pub fn aggregate_error(&self) -> f64 {
        (self.total_expected - self.total_actual) / self.total_actual
    }

    /// The errors of `model` against `actual` purchases in the `length` after each customer's
    /// calibration period.
    pub fn of(
        model: &dyn PurchaseModel,
        table: &CustomerTable,
        actual: ArrayView1<'_, f64>,
        length: Duration,
    ) -> Result<HoldoutErrors> {
        if actual.len() != table.len() {
            return Err(Error::LengthMismatch {
                column: "holdout purchases".into(),
                expected: table.len(),
                actual: actual.len(),
            });
        }
        let expected = model.expected_purchases_all(table, length);
        let (mut ta, mut te, mut abs, mut sq, mut w) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for i in 0..table.len() {
            let (a, e, wi) = (actual[i], expected[i], table.weight(i));
            if !e.is_finite() {
                return Err(Error::prediction(
                    table.ids(),
                    i,
                    format!("{}'s expected holdout purchases are {e}", model.name()),
                ));
            }
            ta += wi * a;
            te += wi * e;
            abs += wi * (e - a).abs();
            sq += wi * (e - a) * (e - a);
            w += wi;
        }
        Ok(HoldoutErrors {
            total_actual: ta,
            total_expected: te,
            mae: abs / w,
            rmse: (sq / w).sqrt(),
        })
    }
}

/// One model of a [`Comparison`].
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The model's kind.
    pub kind: PurchaseModelKind,
    /// The fit, or why it failed (a model that does not converge is reported, not hidden).
    pub fit: std::result::Result<Fitted<AnyPurchaseModel>, String>,
    /// The holdout errors, when a holdout was given and the fit succeeded.
    pub holdout: Option<HoldoutErrors>,
}

/// Every candidate with the one chosen and why.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The candidates, in registration order.
    pub candidates: Vec<Candidate>,
    /// Index of the chosen candidate.
    pub chosen: usize,
    /// Why it was chosen, in a sentence.
    pub reason: String,
}

impl Comparison {
    /// The chosen fit.
    pub fn chosen_fit(&self) -> &Fitted<AnyPurchaseModel> {
        self.candidates[self.chosen]
            .fit
            .as_ref()
            .expect("the chosen candidate converged")
    }

    /// The comparison as a table: header and rows (model, parameters, log-likelihood, AIC, BIC,
    /// and the holdout columns when there is a holdout), for printing and CSV.
    pub fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let with_holdout = self.candidates.iter().any(|c| c.holdout.is_some());
        let mut header: Vec<String> = ["model", "parameters", "log_likelihood", "aic", "bic"]
            .map(String::from)
            .to_vec();
        if with_holdout {
            header.extend(
                [
                    "holdout_actual",
                    "holdout_expected",
                    "holdout_error_pct",
                    "mae",
                    "rmse",
                ]
                .map(String::from),
            );
        }
        header.push("chosen".into());
        let rows = self
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = vec![c.kind.key().to_string()];
                match &c.fit {
                    Ok(f) => {
                        let r = &f.report;
                        row.push(r.params.len().to_string());
                        row.push(format!("{:.3}", r.log_likelihood));
                        row.push(format!("{:.2}", r.aic()));
                        row.push(format!("{:.2}", r.bic()));
                    }
                    Err(e) => {
                        row.extend([String::new(), format!("failed: {e}"), "".into(), "".into()])
                    }
                }
                if with_holdout {
                    match &c.holdout {
                        Some(h) => row.extend([
                            format!("{:.0}", h.total_actual),
                            format!("{:.1}", h.total_expected),
                            format!("{:+.2}", 100.0 * h.aggregate_error()),
                            format!("{:.4}", h.mae),
                            format!("{:.4}", h.rmse),
                        ]),
                        None => row.extend(std::iter::repeat_n(String::new(), 5)),
                    }
                }
                row.push(if i == self.chosen { "yes" } else { "" }.into());
                row
            })
            .collect();
        (header, rows)
    }
}

/// Fits every model of `kinds` to `table` and chooses one.
///
/// With a holdout (`(purchases, length)`: each customer's purchases in the `length` after the
/// calibration period) the choice is the smallest per-customer holdout RMSE, the evidence a
/// forecast is judged by; without one, the smallest BIC (which penalises parameters more than
/// AIC at these sample sizes). Errors only when no model could be fitted.
///
/// ```
/// use clv::fit::{compare::compare_models, FitOptions};
/// use clv::models::PurchaseModelKind;
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let c = compare_models(&cdnow, PurchaseModelKind::ALL, &FitOptions::default(), None).unwrap();
/// assert_eq!(c.candidates.len(), PurchaseModelKind::ALL.len());
/// assert!(c.reason.contains("BIC"));
/// ```
pub fn compare_models(
    table: &CustomerTable,
    kinds: &[PurchaseModelKind],
    options: &FitOptions,
    holdout: Option<(ArrayView1<'_, f64>, Duration)>,
) -> Result<Comparison> {
    let mut candidates = Vec::with_capacity(kinds.len());
    for &kind in kinds {
        let fit = crate::fit::fit_kind(kind, table, options).map_err(|e| e.to_string());
        let holdout = match (&fit, holdout) {
            (Ok(f), Some((actual, length))) => {
                Some(HoldoutErrors::of(&f.model, table, actual, length)?)
            }
            _ => None,
        };
        candidates.push(Candidate { kind, fit, holdout });
    }
    let score = |c: &Candidate| -> Option<f64> {
        let f = c.fit.as_ref().ok()?;
        match (holdout, c.holdout) {
            (Some(_), Some(h)) => Some(h.rmse),
            _ => Some(f.report.bic()),
        }
    };
    let chosen = (0..candidates.len())
        .filter_map(|i| score(&candidates[i]).map(|s| (i, s)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
        .ok_or_else(|| {
            let why: Vec<String> = candidates
                .iter()
                .filter_map(|c| c.fit.as_ref().err().map(|e| format!("{}: {e}", c.kind)))
                .collect();
            Error::undefined(
                "the model comparison",
                format!("no model could be fitted ({})", why.join("; ")),
            )
        })?;
    let c = &candidates[chosen];
    let reason = match c.holdout {
        Some(h) => format!(
            "{} has the smallest per-customer holdout RMSE ({:.4} purchases; holdout total {:.1} \
             expected vs {:.0} actual)",
            c.kind.name(),
            h.rmse,
            h.total_expected,
            h.total_actual
        ),
        None => format!(
            "{} has the smallest BIC ({:.2}); no holdout was given",
            c.kind.name(),
            c.fit.as_ref().map(|f| f.report.bic()).unwrap_or(f64::NAN)
        ),
    };
    Ok(Comparison {
        candidates,
        chosen,
        reason,
    })
}
