//! Messages name what the user wrote: dates, options, lines and columns of the user's file,
//! never the crate's internal period counts or the columns of a table it built (issue 11,
//! "Messages with internal numbers").

mod common;
use common::{clv, fails_with};

const LOG: &str =
    "customer_id,date,amount\na,2024-01-01,10\na,2024-02-01,3\nb,2024-01-05,5\nb,2024-03-01,6\n";

fn summarize(log: &str, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log.csv"), log).unwrap();
    let mut args = vec!["summarize", "log.csv", "-o", "rfm.csv"];
    args.extend_from_slice(extra);
    let o = clv(&args, dir.path());
    assert!(
        !dir.path().join("rfm.csv").exists(),
        "an output was written"
    );
    o
}

/// The stderr of a failed run, for checking what it must not say.
fn stderr_of(o: &std::process::Output) -> String {
    common::stderr(o)
}

#[test]
fn a_calibration_end_after_the_log_names_both_dates_not_a_day_count() {
    // before: "invalid argument `calibration_end` = 92" (days from the latest transaction)
    let o = summarize(LOG, &["--calibration-end", "2024-06-01"]);
    fails_with(&o, &["--calibration-end", "2024-06-01", "2024-03-01"]);
    let err = stderr_of(&o);
    assert!(
        !err.contains("= 92") && !err.contains("calibration_end"),
        "{err}"
    );
}

#[test]
fn a_calibration_end_after_the_observation_end_names_both_dates() {
    // before: "`calibration_end` = 31: ... 2024-01-01 00:00:00 ... 2023-12-01 00:00:00"
    let o = summarize(
        LOG,
        &[
            "--calibration-end",
            "2024-01-01",
            "--observation-end",
            "2023-12-01",
        ],
    );
    fails_with(&o, &["--calibration-end", "= 2024-01-01", "2023-12-01"]);
    let err = stderr_of(&o);
    assert!(!err.contains("= 31") && !err.contains("00:00:00"), "{err}");
}

#[test]
fn weekly_periods_keep_the_given_date_and_name_the_week() {
    let o = summarize(
        LOG,
        &["--calibration-end", "2024-03-01", "--period", "week"],
    );
    // the latest transaction (2024-03-01, a Friday) is in the week starting Monday 2024-02-26
    fails_with(
        &o,
        &[
            "--calibration-end` = 2024-03-01",
            "week starting 2024-02-26",
        ],
    );
}

#[test]
fn a_reversed_cohort_names_the_two_options_and_dates() {
    // before: "invalid argument `first_purchase_between` = 60: ..."
    let o = summarize(
        LOG,
        &[
            "--first-purchase-from",
            "2024-03-01",
            "--first-purchase-to",
            "2024-01-01",
        ],
    );
    fails_with(
        &o,
        &[
            "--first-purchase-from",
            "--first-purchase-to",
            "2024-03-01 to 2024-01-01",
        ],
    );
    let err = stderr_of(&o);
    assert!(
        !err.contains("= 60") && !err.contains("first_purchase_between"),
        "{err}"
    );
}

#[test]
fn a_spend_sum_overflow_names_the_log_line_and_its_amount_column() {
    // customer a's three amounts sum beyond f64::MAX; before: "row 2, column
    // `monetary_value`" (a row of the table being built, a column the log does not have)
    let log = "customer_id,date,spent\nb,2024-01-05,5\na,2024-01-01,1e308\n\
               a,2024-02-01,1e308\na,2024-03-01,1e308\n";
    let o = summarize(log, &["--amount-column", "spent"]);
    fails_with(&o, &["row 5", "column `spent`", "customer \"a\""]);
    let err = stderr_of(&o);
    assert!(
        !err.contains("monetary_value") && !err.contains("row 2"),
        "{err}"
    );
}
