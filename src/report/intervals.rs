//! The report's answers to "how sure?": the holdout total against its prediction interval,
//! each customer's coverage, and the interval of the base's total value.
//!
//! The intervals themselves come from [`Predictive`]; these builders only lay them out, and
//! say plainly when the actual figure falls outside.

use ndarray::ArrayView1;

use crate::error::{Error, Result};
use crate::time::{Duration, TimeUnit};
use crate::value::interval::{Predictive, TotalInterval};

use super::Section;

/// One model's predictive distributions of the holdout purchases of the calibration customers.
#[derive(Debug, Clone, Copy)]
pub struct HoldoutPredictive<'a> {
    /// The model's name.
    pub model: &'a str,
    /// Its predictive distributions over the holdout length.
    pub predictive: &'a Predictive,
}

/// `low to high` of an interval.
pub fn interval_text(t: &TotalInterval, digits: usize) -> String {
    format!("{:.digits$} to {:.digits$}", t.low, t.high)
}

/// The holdout section's interval table: for each model, the total holdout purchases with its
/// interval, whether the actual total `holdout_purchases.sum()` is inside, and the share of
/// customers whose own holdout purchases are inside their own interval.
///
/// Errors when there is no model, or a predictive does not have one customer per holdout count.
///
/// ```
/// use clv::fit::{Fit, FitOptions};
/// use clv::models::BgNbd;
/// use clv::report::intervals::{holdout_intervals, HoldoutPredictive};
/// use clv::value::interval::Predictive;
/// use clv::value::{ClvConfig, Discount};
/// use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
/// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// let fit = BgNbd::fit(&cdnow, &FitOptions::default()).unwrap();
/// let h = Duration::weeks(39.0);
/// let config = ClvConfig::new(h, h, Discount::None, 1.0).unwrap();
/// let p = Predictive::new(&fit, &cdnow, &config, 0.9).unwrap();
/// let actual = ndarray::Array1::<f64>::zeros(cdnow.len()); // nobody bought: far outside
/// let s = holdout_intervals(&[HoldoutPredictive { model: "BG/NBD", predictive: &p }], actual.view(), h, TimeUnit::Weeks).unwrap();
/// assert!(s.blocks.len() >= 2);
/// ```
pub fn holdout_intervals(
    models: &[HoldoutPredictive<'_>],
    holdout_purchases: ArrayView1<'_, f64>,
    holdout_length: Duration,
    unit: TimeUnit,
) -> Result<Section> {
    let Some(first) = models.first() else {
        return Err(Error::invalid_argument(
            "models",
            0,
            "the holdout intervals need a model",
        ));
    };
    let actual_counts = holdout_purchases.to_vec();
    let actual: f64 = actual_counts.iter().sum();
    let level = 100.0 * first.predictive.level();
    let mut rows = Vec::with_capacity(models.len());
    let mut verdicts = Vec::with_capacity(models.len());
    for m in models {
        if m.predictive.len() != actual_counts.len() {
            return Err(Error::invalid_argument(
                "holdout purchases",
                actual_counts.len(),
                format!(
                    "{} has {} customers, the holdout counts {}",
                    m.model,
                    m.predictive.len(),
                    actual_counts.len()
                ),
            ));
        }
        let total = m.predictive.total(None).purchases;
        let inside = total.contains(actual);
        let coverage = m.predictive.coverage(&actual_counts);
        rows.push(vec![
            m.model.to_string(),
            format!("{:.1}", total.expected),
            interval_text(&total, 1),
            format!("{:.1}", total.sd),
            format!("{:.1}", total.parameter_sd),
            format!("{actual:.0}"),
            if inside { "yes" } else { "no" }.to_string(),
            format!("{:.1}%", 100.0 * coverage),
        ]);
        verdicts.push(verdict(m.model, &total, actual, coverage));
    }
    let length = format!("{:.1} {unit}", holdout_length.in_unit(unit));
    let mut s = Section::new("holdout-intervals", "How sure? The holdout against its intervals")
        .paragraph(format!(
            "Each model's {level:.0}% prediction interval of the total purchases of the calibration \
             customers in the {length} holdout, from the calibration data only. It counts both the \
             uncertainty of the fitted parameters (sigma points of their covariance) and each \
             customer's own randomness; customers share the parameters, so the interval does not \
             shrink like 1/sqrt(N). Per-customer coverage is the share of customers whose holdout \
             purchases fall in their own {level:.0}% interval; counts are discrete, so a calibrated \
             model covers at least {level:.0}%."
        ))
        .table(
            [
                "model",
                "expected",
                "interval",
                "sd",
                "of which parameters",
                "actual",
                "actual inside",
                "per-customer coverage",
            ]
            .iter()
            .map(|h| h.to_string())
            .collect(),
            rows,
        );
    for v in verdicts {
        s = s.paragraph(v);
    }
    Ok(s)
}

/// One sentence saying whether the model's intervals held, and if not, that it failed.
fn verdict(model: &str, total: &TotalInterval, actual: f64, coverage: f64) -> String {
    let level = total.level;
    let total_part = if total.contains(actual) {
        format!(
            "{model}: the actual total {actual:.0} is inside the interval {}",
            interval_text(total, 1)
        )
    } else {
        format!(
            "{model} fails the total check: the actual {actual:.0} is outside its {:.0}% interval {}, \
             so the model's aggregate forecast is off by more than its own uncertainty (a change \
             in the business, seasonality, or a model that does not fit this base)",
            100.0 * level,
            interval_text(total, 1)
        )
    };
    let customer_part = if coverage >= level {
        format!(
            "; {:.1}% of customers are inside their own interval (at least the nominal {:.0}%).",
            100.0 * coverage,
            100.0 * level
        )
    } else {
        format!(
            "; only {:.1}% of customers are inside their own interval, below the nominal {:.0}%: \
             the per-customer intervals are too narrow for this base.",
            100.0 * coverage,
            100.0 * level
        )
    };
    total_part + &customer_part
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(low: f64, high: f64) -> TotalInterval {
        TotalInterval {
            level: 0.9,
            expected: (low + high) / 2.0,
            sd: (high - low) / 3.29,
            parameter_sd: 1.0,
            low,
            high,
        }
    }

    #[test]
    fn a_total_outside_its_interval_is_called_a_failure() {
        let v = verdict("BG/NBD", &interval(1486.8, 1820.0), 1882.0, 0.93);
        assert!(v.contains("BG/NBD fails the total check"), "{v}");
        assert!(
            v.contains("1882 is outside its 90% interval 1486.8 to 1820.0"),
            "{v}"
        );
        assert!(v.contains("93.0% of customers"), "{v}");
        let ok = verdict("MBG/NBD", &interval(1500.0, 1900.0), 1882.0, 0.85);
        assert!(ok.contains("inside the interval 1500.0 to 1900.0"), "{ok}");
        assert!(
            ok.contains("only 85.0%") && ok.contains("too narrow"),
            "{ok}"
        );
    }
}
