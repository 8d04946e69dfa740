//! The transaction log parsed once (`TransactionTable`): everything derived from it equals
//! what the text readers give, and the tracking series equals the old method of one summary
//! of the whole text per tracking point.
#![cfg(feature = "report")]

use chrono::{Days, NaiveDate, NaiveDateTime};
use clv::analysis::{OrderLog, PurchaseHistory};
use clv::data::transactions::{
    for_each_transaction, summarize_csv_reader, DateFormat, LogOrder, Period, RefundPolicy,
    Summary, TransactionLogOptions, TransactionTable,
};
use clv::report::sections::TrackingActual;
use clv::report::tracking::{tracking_from_table, MAX_POINTS};
use clv::{Error, Result, TimeUnit};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap()
}

/// The tracking series as it was computed before the table: the whole text summarised once per
/// point, the observation end at the point and, past the calibration end, split there (kept
/// as it was, as the reference).
fn tracking_per_point(
    log: &[u8],
    options: &TransactionLogOptions,
    origin: NaiveDate,
    calibration_end: NaiveDate,
    observation_end: NaiveDate,
    unit: TimeUnit,
) -> Result<TrackingActual> {
    let span_days = (observation_end - origin).num_days() + 1;
    let weeks_total = (span_days as f64 / 7.0).ceil() as usize;
    let stride = weeks_total.div_ceil(MAX_POINTS).max(1);
    let mut ends: Vec<NaiveDate> = (1..)
        .map(|k: u64| origin + Days::new(7 * stride as u64 * k - 1))
        .take_while(|d| *d < observation_end)
        .collect();
    ends.push(observation_end);
    let period = options.summary.period;
    let cal_period = period.index(midnight(calibration_end));
    let mut cumulative = Vec::with_capacity(ends.len());
    for &end in &ends {
        let mut opts = options.clone();
        opts.summary.observation_end = Some(midnight(end));
        let split = period.index(midnight(end)) > cal_period;
        cumulative.push(count_repeats(
            log,
            &opts,
            split.then(|| midnight(calibration_end)),
        )?);
    }
    let days = |d: NaiveDate| (d - origin).num_days() as f64;
    Ok(TrackingActual {
        origin: origin.to_string(),
        weeks: ends.iter().map(|&d| (days(d) + 1.0) / 7.0).collect(),
        since_calibration_end: ends
            .iter()
            .map(|&d| (d - calibration_end).num_days() as f64 / unit.days())
            .collect(),
        cumulative,
        calibration_end_week: (days(calibration_end) + 1.0) / 7.0,
    })
}

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
    Ok(calibration + summary.holdout.map_or(0.0, |h| h.purchases.sum()))
}

/// The summary of the text as the CLI made it: read again as unordered after a failure.
fn summarize_text(
    log: &[u8],
    options: &TransactionLogOptions,
    calibration_end: Option<NaiveDateTime>,
) -> Result<Summary> {
    summarize_csv_reader(log, options, calibration_end).or_else(|first| {
        let unordered = options
            .clone()
            .summary(options.summary.clone().order(LogOrder::Unordered));
        summarize_csv_reader(log, &unordered, calibration_end).map_err(|_| first)
    })
}

/// The report's origin: the calibration end minus the longest T.
fn origin(summary: &Summary, calibration_end: NaiveDate) -> NaiveDate {
    let t = &summary.table;
    let max_age = t.age().iter().fold(0.0f64, |m, &v| m.max(v));
    calibration_end - Days::new((max_age * t.unit().days()).round() as u64)
}

/// Checks the table against the text: summary (with and without the split), tracking, order
/// log and purchase history.
fn check_against_text(
    text: &[u8],
    options: &TransactionLogOptions,
    calibration_end: NaiveDate,
    observation_end: NaiveDate,
) -> TrackingActual {
    let cal = Some(midnight(calibration_end));
    let table = TransactionTable::read(text, options).unwrap();
    let summary = summarize_text(text, options, cal).unwrap();
    assert_eq!(table.summary(cal).unwrap(), summary);
    assert_eq!(
        table.summary(None).unwrap(),
        summarize_text(text, options, None).unwrap()
    );
    let start = origin(&summary, calibration_end);
    let unit = options.summary.unit;
    let expected =
        tracking_per_point(text, options, start, calibration_end, observation_end, unit).unwrap();
    let tracking = tracking_from_table(&table, start, calibration_end, observation_end, unit);
    assert_eq!(tracking.unwrap(), expected);
    check_orders_and_history(text, options, &table);
    expected
}

fn check_orders_and_history(
    text: &[u8],
    options: &TransactionLogOptions,
    table: &TransactionTable,
) {
    let mut pairs = Vec::new();
    for_each_transaction(text, options, |r| {
        pairs.push((r.customer.to_string(), r.time.date()));
        Ok(())
    })
    .unwrap();
    let end = options.summary.observation_end.map(|t| t.date());
    for end in [None, end, pairs.get(pairs.len() / 2).map(|p| p.1)] {
        assert_eq!(
            PurchaseHistory::from_table(table, end).unwrap(),
            PurchaseHistory::from_transactions(pairs.clone(), end).unwrap()
        );
        let orders = OrderLog::read(text, options, end).map_err(|e| e.to_string());
        let from_table = OrderLog::from_table(table, end).map_err(|e| e.to_string());
        assert_eq!(from_table, orders);
    }
}

fn cdnow_sample_options() -> TransactionLogOptions {
    TransactionLogOptions::new(1, 2)
        .amount(4)
        .whitespace()
        .no_header()
        .date_format(DateFormat::Compact)
        .unit(TimeUnit::Weeks)
        .observation_end(midnight(d(1998, 6, 30)))
        .first_purchase_between(midnight(d(1997, 1, 1)), midnight(d(1997, 3, 31)))
}

#[test]
fn the_cdnow_sample_tracks_as_one_summary_per_point() {
    let text = std::fs::read("data/CDNOW_sample.txt").unwrap();
    let t = check_against_text(
        &text,
        &cdnow_sample_options(),
        d(1997, 9, 30),
        d(1998, 6, 30),
    );
    assert_eq!(t.cumulative.len(), 78);
    // Distinct customer-days after each customer's first, counted with awk from the file: 2,457
    // to the calibration end (week 39; FHL 2005's figure), 4,339 by week 78.
    assert_eq!(t.cumulative[38], 2457.0);
    assert_eq!(t.cumulative[77], 4339.0);
}

#[test]
fn the_cdnow_master_log_tracks_as_one_summary_per_point() {
    let text = std::fs::read("data/CDNOW_master.txt").unwrap();
    let options = TransactionLogOptions::new("customer_id", "date")
        .amount("dollar_value")
        .whitespace()
        .date_format(DateFormat::Compact)
        .unit(TimeUnit::Weeks);
    check_against_text(&text, &options, d(1997, 9, 30), d(1998, 6, 30));
}

/// Refunds, free orders, rows out of order, same-day purchases, customers first seen on or
/// after the calibration end (2024-01-10), a transaction after the observation end.
const SMALL: &str = "id,date,amount\n\
    a,2024-01-01,10\n\
    b,2024-01-02,5\n\
    a,2024-01-03,0\n\
    a,2024-01-03,4\n\
    c,2024-01-05,7\n\
    b,2024-01-04,-2\n\
    a,2024-01-02,3\n\
    f,2024-01-10,6\n\
    d,2024-01-20,8\n\
    d,2024-01-25,8\n\
    b,2024-01-15,6\n\
    b,2024-01-16,-1\n\
    c,2024-01-12,2\n\
    f,2024-01-22,1\n\
    a,2024-01-28,5\n\
    a,2024-01-29,0\n\
    c,2024-01-28,-1\n\
    e,2024-02-10,1\n";

fn small_options(refunds: RefundPolicy) -> TransactionLogOptions {
    TransactionLogOptions::new("id", "date")
        .amount("amount")
        .unit(TimeUnit::Days)
        .refunds(refunds)
        .observation_end(midnight(d(2024, 1, 31)))
}

#[test]
fn a_small_log_tracks_as_one_summary_per_point_under_each_refund_policy() {
    let (cal, end) = (d(2024, 1, 10), d(2024, 1, 31));
    for refunds in [RefundPolicy::Net, RefundPolicy::Drop] {
        let options = small_options(refunds);
        let t = check_against_text(SMALL.as_bytes(), &options, cal, end);
        // By hand, at Jan 7, 14, 21, 28, 31: a repeats on the 2nd and 3rd (week 1), on the 28th
        // and 29th; b and c have no repeat by the 10th, then c on the 12th, b on the 15th; d
        // and f (first seen on or after the 10th) never count; refunds are no purchases under
        // either policy.
        assert_eq!(t.cumulative, [2.0, 3.0, 4.0, 5.0, 6.0], "{refunds:?}");
        let cohort = options
            .clone()
            .first_purchase_between(midnight(d(2024, 1, 1)), midnight(d(2024, 1, 4)));
        let t = check_against_text(SMALL.as_bytes(), &cohort, cal, end);
        // Without c (first seen on the 5th).
        assert_eq!(t.cumulative, [2.0, 2.0, 3.0, 4.0, 5.0], "{refunds:?}");
        for period in [Period::Week, Period::Hour] {
            check_against_text(SMALL.as_bytes(), &options.clone().period(period), cal, end);
        }
    }
    // Refused refunds: the same error, at the same line, either way.
    let options = small_options(RefundPolicy::Reject);
    let text_error = summarize_csv_reader(SMALL.as_bytes(), &options, None).unwrap_err();
    let table_error = TransactionTable::read(SMALL.as_bytes(), &options).unwrap_err();
    assert_eq!(table_error.to_string(), text_error.to_string());
    assert!(table_error.to_string().contains("row 7"), "{table_error}");
}

#[test]
fn a_log_without_amounts_tracks_as_one_summary_per_point() {
    let text: String = SMALL
        .lines()
        .filter(|l| !l.contains(",-"))
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    let options = TransactionLogOptions::new("id", "date");
    let t = check_against_text(text.as_bytes(), &options, d(2024, 1, 10), d(2024, 2, 10));
    // At Jan 7, 14, 21, 28, Feb 4 and 10: e (first seen on Feb 10) does not count.
    assert_eq!(t.cumulative, [2.0, 3.0, 4.0, 5.0, 6.0, 6.0]);
}

#[test]
fn bad_lines_are_the_errors_of_the_text_readers() {
    let options = small_options(RefundPolicy::Net);
    for bad in [
        "id,date,amount\na,2024-01-01,10\nb,2024-13-01,5\n",
        "id,date,amount\na,2024-01-01,10\n,2024-01-02,5\n",
        "id,date,amount\na,2024-01-01,ten\n",
        "id,day,amount\na,2024-01-01,10\n",
    ] {
        let text = summarize_csv_reader(bad.as_bytes(), &options, None).unwrap_err();
        let table = TransactionTable::read(bad.as_bytes(), &options).unwrap_err();
        assert_eq!(table.to_string(), text.to_string());
    }
    // A refund before any purchase is found when summarising, as from the text.
    let early = "id,date,amount\na,2024-01-01,-3\na,2024-01-02,10\nb,2024-01-03,4\n";
    let table = TransactionTable::read(early.as_bytes(), &options).unwrap();
    let text = summarize_text(early.as_bytes(), &options, None).unwrap_err();
    assert_eq!(
        table.summary(None).unwrap_err().to_string(),
        text.to_string()
    );
    assert!(text.to_string().contains("row 2"), "{text}");
}

#[test]
fn the_purchase_history_reads_ids_and_days_by_name_and_by_position() {
    let csv = "date,customer_id\n2024-01-03T10:00:00,a\n20240105,b\n2024-01-09,a\n";
    let options = TransactionLogOptions::new("customer_id", "date");
    let table = TransactionTable::read(csv.as_bytes(), &options).unwrap();
    let h = PurchaseHistory::from_table(&table, None).unwrap();
    assert_eq!(h.ids(), ["a", "b"]);
    assert_eq!(h.get("a").unwrap().days_to_second_purchase(), Some(6));
    assert_eq!(h.observation_end(), d(2024, 1, 9));
    check_orders_and_history(csv.as_bytes(), &options, &table);

    // CDNOW layout: whitespace, no header, sample id in field 1, YYYYMMDD in field 2.
    let cdnow = "00001 1 19970101 1 11.77\n\n00002 2 19970112 1 12.00\n00001 1 19970120 2 20.5\n";
    let options = TransactionLogOptions::new(1, 2)
        .whitespace()
        .no_header()
        .date_format(DateFormat::Compact);
    let table = TransactionTable::read(cdnow.as_bytes(), &options).unwrap();
    let h = PurchaseHistory::from_table(&table, Some(d(1997, 1, 15))).unwrap();
    // The purchase of Jan 20 is after the observation end.
    assert_eq!(h.get("1").unwrap().second_purchase, None);
    assert_eq!(h.get("2").unwrap().first_purchase, d(1997, 1, 12));
    check_orders_and_history(cdnow.as_bytes(), &options, &table);
}

#[test]
fn orders_and_history_of_the_table_equal_those_of_the_text() {
    let sample = std::fs::read("data/CDNOW_sample.txt").unwrap();
    let options = cdnow_sample_options();
    let table = TransactionTable::read(&sample[..], &options).unwrap();
    check_orders_and_history(&sample, &options, &table);
    let orders = OrderLog::from_table(&table, Some(d(1998, 6, 30))).unwrap();
    // FHL's sample: 2,357 customers, 6,919 transactions on 6,696 distinct customer-days (awk).
    assert_eq!(orders.ids().len(), 2357);
    assert_eq!(table.len(), 6919);
    let days: usize = orders.customers().map(|(_, o)| o.len()).sum();
    assert_eq!(days, 6696);
    // A refund: an order amount must be non-negative, from the text as from the table.
    let options = small_options(RefundPolicy::Net);
    let table = TransactionTable::read(SMALL.as_bytes(), &options).unwrap();
    let from_table = OrderLog::from_table(&table, None).unwrap_err().to_string();
    let from_text = OrderLog::read(SMALL.as_bytes(), &options, None).unwrap_err();
    assert_eq!(from_table, from_text.to_string());
    assert!(from_table.contains("row 7"), "{from_table}");
}
