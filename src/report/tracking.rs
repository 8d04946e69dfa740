//! The actual line of the tracking plot: cumulative repeat transactions of the calibration
//! customers at the end of each week, derived from the log parsed once.
//!
//! At each point the count is what the customer table summarised with the observation end at
//! that point would give (the sum of the frequencies, plus the holdout purchases after the
//! calibration end): the cumulative number of repeat purchase periods so far, counted with
//! exactly the conventions of the customer table the model was fitted on
//! ([`TransactionTable::repeat_purchases_at`], one sweep for every point). Points are spaced
//! so that there are at most [`MAX_POINTS`].

use chrono::{Days, NaiveDate, NaiveDateTime};

use crate::data::transactions::TransactionTable;
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::models::{PurchaseModel, WithParams};
use crate::optim::Fitted;
use crate::time::{Duration, TimeUnit};
use crate::value::interval::Predictive;
use crate::value::{ClvConfig, Discount};

use super::sections::TrackingActual;

/// Largest number of points of the tracking plot.
pub const MAX_POINTS: usize = 120;

/// The last day of each point: every `stride` weeks from `origin` (so that there are at most
/// [`MAX_POINTS`]), and `observation_end`.
fn point_ends(origin: NaiveDate, observation_end: NaiveDate) -> Vec<NaiveDate> {
    let span_days = (observation_end - origin).num_days() + 1;
    let weeks_total = (span_days as f64 / 7.0).ceil() as usize;
    let stride = weeks_total.div_ceil(MAX_POINTS).max(1);
    let mut ends: Vec<NaiveDate> = (1..)
        .map(|k: u64| origin + Days::new(7 * stride as u64 * k - 1))
        .take_while(|d| *d < observation_end)
        .collect();
    ends.push(observation_end);
    ends
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

/// The weekly cumulative repeat transactions of `log` (a transaction log parsed once, with
/// its options), from `origin` (the earliest first purchase of the calibration customers) to
/// `observation_end`, for the customers of the calibration table ending at `calibration_end`;
/// `unit` is the table's unit.
///
/// ```
/// use clv::data::transactions::{NaiveDate, TransactionLogOptions, TransactionTable};
/// use clv::report::tracking::tracking_from_table;
/// use clv::TimeUnit;
/// let log = "id,date\na,2024-01-01\nb,2024-01-03\na,2024-01-04\na,2024-01-09\nb,2024-01-10\n";
/// let log = TransactionTable::read(log.as_bytes(), &TransactionLogOptions::new("id", "date")).unwrap();
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let t = tracking_from_table(&log, d(1), d(8), d(10), TimeUnit::Weeks).unwrap();
/// // The week to Jan 7 (a's repeat on the 4th), then to Jan 10 (a on the 9th, b on the 10th).
/// assert_eq!(t.cumulative, [1.0, 3.0]);
/// ```
pub fn tracking_from_table(
    log: &TransactionTable,
    origin: NaiveDate,
    calibration_end: NaiveDate,
    observation_end: NaiveDate,
    unit: TimeUnit,
) -> Result<TrackingActual> {
    if !(origin <= calibration_end && calibration_end < observation_end) {
        return Err(Error::invalid_argument(
            "calibration_end",
            calibration_end,
            format!("tracking needs first purchase {origin} <= calibration end < observation end {observation_end}"),
        ));
    }
    let ends = point_ends(origin, observation_end);
    let at: Vec<NaiveDateTime> = ends.iter().map(|&d| midnight(d)).collect();
    let cumulative = log.repeat_purchases_at(midnight(calibration_end), &at)?;
    let days = |d: NaiveDate| (d - origin).num_days() as f64;
    let per_unit = unit.days();
    Ok(TrackingActual {
        origin: origin.to_string(),
        weeks: ends.iter().map(|&d| (days(d) + 1.0) / 7.0).collect(),
        since_calibration_end: ends
            .iter()
            .map(|&d| (d - calibration_end).num_days() as f64 / per_unit)
            .collect(),
        cumulative,
        calibration_end_week: (days(calibration_end) + 1.0) / 7.0,
    })
}

/// Largest number of points of the tracking band (each costs one [`Predictive`] of the base).
pub const MAX_BAND_POINTS: usize = 24;

/// The forecast of the tracking plot after the calibration end, with its prediction interval:
/// the calibration customers' repeat purchases up to the calibration end (known) plus the
/// total of their purchases since then, predicted from each customer's history.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingBand {
    /// The level of the interval, e.g. 0.9.
    pub level: f64,
    /// Each point in weeks since the tracking's origin; the first is the calibration end.
    pub weeks: Vec<f64>,
    /// Expected cumulative repeat transactions at each point.
    pub expected: Vec<f64>,
    /// Lower end of the interval at each point.
    pub low: Vec<f64>,
    /// Upper end of the interval at each point.
    pub high: Vec<f64>,
}

/// The band of `tracking` after the calibration end under the fitted `purchase` model of
/// `table` (the calibration customers), at `level`, at up to [`MAX_BAND_POINTS`] of the
/// tracking's points (the last always among them).
///
/// Errors when the tracking has no point after the calibration end, or when the intervals
/// cannot be built (see [`Predictive::new`]).
pub fn tracking_band<M>(
    purchase: &Fitted<M>,
    table: &CustomerTable,
    tracking: &TrackingActual,
    level: f64,
) -> Result<TrackingBand>
where
    M: PurchaseModel + WithParams + Send,
{
    let after: Vec<usize> = (0..tracking.weeks.len())
        .filter(|&k| tracking.since_calibration_end[k] > 0.0)
        .collect();
    if after.is_empty() {
        return Err(Error::invalid_argument(
            "tracking",
            tracking.weeks.len(),
            "no tracking point after the calibration end to forecast",
        ));
    }
    let stride = after.len().div_ceil(MAX_BAND_POINTS);
    let mut chosen: Vec<usize> = after.iter().copied().step_by(stride).collect();
    if chosen.last() != after.last() {
        chosen.extend(after.last());
    }
    let known: f64 = (0..table.len())
        .map(|i| table.weight(i) * table.frequency()[i])
        .sum();
    let mut band = TrackingBand {
        level,
        weeks: vec![tracking.calibration_end_week],
        expected: vec![known],
        low: vec![known],
        high: vec![known],
    };
    for k in chosen {
        let horizon = Duration::new(tracking.since_calibration_end[k], table.unit());
        let config = ClvConfig::new(horizon, horizon, Discount::None, 1.0)?;
        let total = Predictive::new(purchase, table, &config, level)?
            .total(None)
            .purchases;
        band.weeks.push(tracking.weeks[k]);
        band.expected.push(known + total.expected);
        band.low.push(known + total.low);
        band.high.push(known + total.high);
    }
    Ok(band)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_starts_at_the_known_repeats_and_adds_the_conditional_forecast() {
        use crate::fit::{Fit, FitOptions};
        use crate::models::{BgNbd, PurchaseModel};
        let opts = crate::data::RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
        let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
        let fit = BgNbd::fit(&cdnow, &FitOptions::default()).unwrap();
        let since = vec![-13.0, 0.0, 13.0, 26.0, 39.0];
        let tracking = TrackingActual {
            origin: "1997-01-01".into(),
            weeks: since.iter().map(|s| s + 39.0).collect(),
            since_calibration_end: since,
            cumulative: vec![1000.0, 2457.0, 3000.0, 3500.0, 4000.0],
            calibration_end_week: 39.0,
        };
        let band = tracking_band(&fit, &cdnow, &tracking, 0.9).unwrap();
        // FHL 2005: the 2,357 customers made 2,457 repeat purchases in the calibration period
        assert_eq!(band.weeks, vec![39.0, 52.0, 65.0, 78.0]);
        assert_eq!(
            (band.low[0], band.expected[0], band.high[0]),
            (2457.0, 2457.0, 2457.0)
        );
        let conditional: f64 = fit
            .model
            .expected_purchases_all(&cdnow, Duration::weeks(39.0))
            .sum();
        // (the predictive mean sums the conditional distribution: equal to 1e-8)
        approx::assert_relative_eq!(band.expected[3], 2457.0 + conditional, max_relative = 1e-8);
        for k in 1..4 {
            assert!(band.low[k] < band.expected[k] && band.expected[k] < band.high[k]);
            assert!(band.expected[k] > band.expected[k - 1]);
            assert!(band.high[k] - band.low[k] > band.high[k - 1] - band.low[k - 1]);
        }
        let mut before = tracking.clone();
        before.since_calibration_end = vec![-13.0, 0.0, -1.0, -2.0, -3.0];
        assert!(tracking_band(&fit, &cdnow, &before, 0.9).is_err());
    }

    #[test]
    fn counts_repeat_days_per_week() {
        // a buys on days 0, 3 (two orders), 8, 15; b on day 2 and 9; calibration ends day 9.
        let log = "id,date\na,2024-01-01\nb,2024-01-03\na,2024-01-04\na,2024-01-04\n\
                   a,2024-01-09\nb,2024-01-10\na,2024-01-16\n";
        let d = |day: u32| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
        let opts = crate::data::transactions::TransactionLogOptions::new("id", "date")
            .unit(TimeUnit::Weeks);
        let log = TransactionTable::read(log.as_bytes(), &opts).unwrap();
        let t = tracking_from_table(&log, d(1), d(10), d(16), TimeUnit::Weeks).unwrap();
        // Week ends: Jan 7 (1 repeat: a on the 4th), Jan 14 (a 9th, b 10th: 3), Jan 16 (a 16th: 4).
        assert_eq!(t.cumulative, vec![1.0, 3.0, 4.0]);
        assert_eq!(t.weeks, vec![1.0, 2.0, 16.0 / 7.0]);
        assert!((t.since_calibration_end[0] - (-3.0 / 7.0)).abs() < 1e-12);
        assert!((t.calibration_end_week - 10.0 / 7.0).abs() < 1e-12);
    }
}
