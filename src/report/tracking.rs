//! The actual line of the tracking plot: cumulative repeat transactions of the calibration
//! customers at the end of each week, read from the transaction log.
//!
//! The log is summarised once per week with the observation end at that week's end (and, after
//! the calibration end, with the calibration/holdout split): the sum of the frequencies (plus
//! the holdout purchases) is the cumulative number of repeat purchase periods so far, counted
//! with exactly the conventions of the customer table the model was fitted on. That costs one
//! pass over the log per point, so points are spaced so that there are at most
//! [`MAX_POINTS`].

use chrono::{Days, NaiveDate, NaiveDateTime};

use crate::data::transactions::{summarize_csv_reader, LogOrder, TransactionLogOptions};
use crate::error::{Error, Result};
use crate::time::TimeUnit;

use super::sections::TrackingActual;

/// Largest number of points of the tracking plot.
pub const MAX_POINTS: usize = 120;

/// Reads the weekly cumulative repeat transactions from `log` (the bytes of a text log read
/// with `options`), from `origin` (the earliest first purchase of the calibration customers)
/// to `observation_end`, for the customers of the calibration table ending at
/// `calibration_end`; `unit` is the table's unit. `progress(done, total)` is called after each
/// point.
pub fn tracking_from_log(
    log: &[u8],
    options: &TransactionLogOptions,
    origin: NaiveDate,
    calibration_end: NaiveDate,
    observation_end: NaiveDate,
    unit: TimeUnit,
    mut progress: impl FnMut(usize, usize),
) -> Result<TrackingActual> {
    if !(origin <= calibration_end && calibration_end < observation_end) {
        return Err(Error::invalid_argument(
            "calibration_end",
            calibration_end,
            format!("tracking needs first purchase {origin} <= calibration end < observation end {observation_end}"),
        ));
    }
    let span_days = (observation_end - origin).num_days() + 1;
    let weeks_total = (span_days as f64 / 7.0).ceil() as usize;
    let stride = weeks_total.div_ceil(MAX_POINTS).max(1);
    let mut ends: Vec<NaiveDate> = (1..)
        .map(|k: u64| origin + Days::new(7 * stride as u64 * k - 1))
        .take_while(|d| *d < observation_end)
        .collect();
    ends.push(observation_end);
    let period = options.summary.period;
    let at = |d: NaiveDate| -> NaiveDateTime { d.and_hms_opt(0, 0, 0).expect("midnight exists") };
    let cal_period = period.index(at(calibration_end));
    let mut cumulative = Vec::with_capacity(ends.len());
    for (k, &end) in ends.iter().enumerate() {
        let mut opts = options.clone();
        opts.summary.observation_end = Some(at(end));
        let split = period.index(at(end)) > cal_period;
        let total = count_repeats(log, &opts, split.then(|| at(calibration_end)))?;
        cumulative.push(total);
        progress(k + 1, ends.len());
    }
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

/// Repeat purchase periods up to the observation end of `options`, for customers first seen by
/// `calibration_end` if given (else by the observation end).
fn count_repeats(
    log: &[u8],
    options: &TransactionLogOptions,
    calibration_end: Option<NaiveDateTime>,
) -> Result<f64> {
    let run = |options: &TransactionLogOptions| summarize_csv_reader(log, options, calibration_end);
    let summary = match run(options) {
        Ok(s) => s,
        Err(Error::Empty { .. }) => return Ok(0.0),
        Err(first) => {
            // A log out of time order must be read keeping every transaction.
            let mut unordered = options.clone();
            unordered.summary.order = LogOrder::Unordered;
            match run(&unordered) {
                Ok(s) => s,
                Err(Error::Empty { .. }) => return Ok(0.0),
                Err(_) => return Err(first),
            }
        }
    };
    let t = &summary.table;
    let calibration: f64 = (0..t.len()).map(|i| t.weight(i) * t.frequency()[i]).sum();
    let holdout = summary.holdout.map_or(0.0, |h| h.purchases.sum());
    Ok(calibration + holdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_repeat_days_per_week() {
        // a buys on days 0, 3 (two orders), 8, 15; b on day 2 and 9; calibration ends day 9.
        let log = "id,date\na,2024-01-01\nb,2024-01-03\na,2024-01-04\na,2024-01-04\n\
                   a,2024-01-09\nb,2024-01-10\na,2024-01-16\n";
        let d = |day: u32| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
        let opts = TransactionLogOptions::new("id", "date").unit(TimeUnit::Weeks);
        let t = tracking_from_log(
            log.as_bytes(),
            &opts,
            d(1),
            d(10),
            d(16),
            TimeUnit::Weeks,
            |_, _| {},
        )
        .unwrap();
        // Week ends: Jan 7 (1 repeat: a on the 4th), Jan 14 (a 9th, b 10th: 3), Jan 16 (a 16th: 4).
        assert_eq!(t.cumulative, vec![1.0, 3.0, 4.0]);
        assert_eq!(t.weeks, vec![1.0, 2.0, 16.0 / 7.0]);
        assert!((t.since_calibration_end[0] - (-3.0 / 7.0)).abs() < 1e-12);
        assert!((t.calibration_end_week - 10.0 / 7.0).abs() < 1e-12);
    }
}
