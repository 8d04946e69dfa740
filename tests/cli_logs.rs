//! End-to-end tests of real transaction logs: free orders, refunds, the time unit carried
//! from `summarize` to `fit` and `predict`, scoring without a spend model, and the full CDNOW
//! master log through `clv report`.

use std::path::Path;

mod common;
use common::{clv, fails_with, ok, stderr, stdout};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
        .display()
        .to_string()
}

/// The minimal case: customer a's repeat order is free.
const FREE: &str =
    "customer_id,date,amount\na,2024-01-01,10\na,2024-02-01,0\nb,2024-01-05,5\nb,2024-03-01,6\n";

fn in_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn a_free_repeat_order_is_summarised_and_reported() {
    let dir = in_dir(&[("z.csv", FREE)]);
    let o = clv(
        &[
            "summarize",
            "z.csv",
            "-o",
            "r.csv",
            "--amount-column",
            "amount",
            "--unit",
            "days",
        ],
        dir.path(),
    );
    ok(&o);
    let rfm = std::fs::read_to_string(dir.path().join("r.csv")).unwrap();
    // a: one repeat day (Feb 1, day 31) with 0 spent; b: one repeat day (Mar 1, day 56) at 6
    assert_eq!(
        rfm,
        "customer_id,frequency,recency,T,monetary_value\na,1,31,60,0\nb,1,56,56,6\n"
    );
    assert!(
        stdout(&o).contains("1 repeat customers with a mean repeat spend of 0"),
        "{}",
        stdout(&o)
    );
}

const REFUND: &str = "customer_id,date,amount\na,2024-01-01,10\na,2024-01-08,20\na,2024-01-08,-5\nb,2024-01-03,5\nb,2024-01-10,7\nc,2024-01-15,3\n";

#[test]
fn refunds_are_refused_netted_or_dropped_as_the_cli_option_says() {
    let dir = in_dir(&[("log.csv", REFUND)]);
    let run = |policy: Option<&str>| {
        let mut args = vec![
            "summarize",
            "log.csv",
            "-o",
            "r.csv",
            "--amount-column",
            "amount",
        ];
        args.extend(["--unit", "days"]);
        if let Some(p) = policy {
            args.extend(["--refunds", p]);
        }
        clv(&args, dir.path())
    };
    let refused = run(None);
    fails_with(&refused, &["row 4", "--refunds net", "--refunds drop"]);
    assert!(
        !stderr(&refused).contains("RefundPolicy"),
        "library advice in the CLI"
    );
    ok(&run(Some("net")));
    let rfm = std::fs::read_to_string(dir.path().join("r.csv")).unwrap();
    assert!(
        rfm.contains("\na,1,7,14,15\n"),
        "20 - 5 = 15 on Jan 8: {rfm}"
    );
    let dropped = run(Some("drop"));
    ok(&dropped);
    assert!(stdout(&dropped).contains("1 refunds (negative amounts) left out"));
    let rfm = std::fs::read_to_string(dir.path().join("r.csv")).unwrap();
    assert!(rfm.contains("\na,1,7,14,20\n"), "{rfm}");
}

/// The CDNOW sample summarised in days (unless `extra` gives `--unit`) to its calibration end
/// (1997-09-30).
fn cdnow_in_days(dir: &Path, extra: &[&str]) {
    let log = data("CDNOW_sample.txt");
    let mut args = vec!["summarize", log.as_str(), "-o", "rfm.csv"];
    args.extend([
        "--customer-column",
        "1",
        "--date-column",
        "2",
        "--separator",
    ]);
    args.extend(["whitespace", "--no-header", "--date-format", "yyyymmdd"]);
    args.extend(["--observation-end", "1997-09-30"]);
    if !extra.contains(&"--unit") {
        args.extend(["--unit", "days"]);
    }
    args.extend(extra);
    ok(&clv(&args, dir));
}

#[test]
fn the_time_unit_travels_from_summarize_to_fit_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    cdnow_in_days(dir.path(), &["--amount-column", "4"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rfm.csv.unit")).unwrap(),
        "days\n"
    );
    let fit = clv(&["fit", "rfm.csv", "-o", "model.json"], dir.path());
    ok(&fit);
    assert!(stdout(&fit).contains("times in days"), "{}", stdout(&fit));
    assert!(!stderr(&fit).contains("warning"), "{}", stderr(&fit));
    // a contradicting --unit is refused, not obeyed
    let weeks = clv(
        &["fit", "rfm.csv", "--unit", "weeks", "-o", "m2.json"],
        dir.path(),
    );
    fails_with(&weeks, &["--unit weeks", "rfm.csv.unit", "days"]);
    let predict = clv(
        &["predict", "model.json", "rfm.csv", "-o", "s.csv"],
        dir.path(),
    );
    ok(&predict);
    assert!(
        !stderr(&predict).contains("warning"),
        "{}",
        stderr(&predict)
    );
    // without the sidecar, the unit is not known: a loud warning says what is assumed
    std::fs::remove_file(dir.path().join("rfm.csv.unit")).unwrap();
    let blind = clv(&["fit", "rfm.csv", "-o", "m3.json"], dir.path());
    ok(&blind);
    assert!(
        stderr(&blind).contains("warning: the time unit of recency and T in rfm.csv is not stated"),
        "{}",
        stderr(&blind)
    );
}

/// The total of the `clv` column of a scores file.
fn total_clv(scores: &Path) -> f64 {
    let text = std::fs::read_to_string(scores).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == "clv").unwrap();
    lines
        .map(|l| l.split(',').nth(k).unwrap().parse::<f64>().unwrap())
        .sum()
}

/// Issue 11's reproduction on the CDNOW sample: summarised in days, fitted without `--unit`
/// and scored, it must give the CLV of the same log summarised in weeks over the same
/// 12-month horizon (the same model in other units), not that of day counts read as weeks.
#[test]
fn days_summarised_then_fitted_without_unit_value_customers_as_weeks_do() {
    let (days, weeks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut totals = vec![];
    for (dir, unit) in [(&days, "days"), (&weeks, "weeks")] {
        cdnow_in_days(dir.path(), &["--amount-column", "4", "--unit", unit]);
        ok(&clv(&["fit", "rfm.csv", "-o", "model.json"], dir.path()));
        let p = clv(
            &[
                "predict",
                "model.json",
                "rfm.csv",
                "-o",
                "s.csv",
                "--horizon",
                "12months",
            ],
            dir.path(),
        );
        ok(&p);
        assert!(!stderr(&p).contains("warning"), "{}", stderr(&p));
        totals.push(total_clv(&dir.path().join("s.csv")));
    }
    let (d, w) = (totals[0], totals[1]);
    assert!(d > 0.0 && ((d - w) / w).abs() < 1e-4, "days {d}, weeks {w}");
    // the silent failure this guards against: the day counts fitted as weeks
    std::fs::remove_file(days.path().join("rfm.csv.unit")).unwrap();
    let o = clv(
        &["fit", "rfm.csv", "--unit", "weeks", "-o", "m.json"],
        days.path(),
    );
    ok(&o);
    let p = clv(
        &["predict", "m.json", "rfm.csv", "-o", "s2.csv"],
        days.path(),
    );
    ok(&p);
    let wrong = total_clv(&days.path().join("s2.csv"));
    assert!(
        ((wrong - w) / w).abs() > 0.1,
        "days read as weeks: {wrong}, weeks {w}"
    );
}

#[test]
fn predict_without_a_spend_model_scores_purchases_and_leaves_clv_out() {
    let dir = tempfile::tempdir().unwrap();
    cdnow_in_days(dir.path(), &[]);
    ok(&clv(&["fit", "rfm.csv", "-o", "model.json"], dir.path()));
    let o = clv(
        &["predict", "model.json", "rfm.csv", "-o", "s.csv"],
        dir.path(),
    );
    ok(&o);
    assert!(stdout(&o).contains("no CLV column because model.json has no spend model"));
    let scores = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
    let mut lines = scores.lines();
    assert_eq!(
        lines.next(),
        Some("customer_id,frequency,recency,T,p_alive,churn_probability,expected_purchases")
    );
    assert_eq!(lines.count(), 2357);
}

#[test]
fn a_table_without_repeat_purchases_is_not_fitted() {
    let rfm = "customer_id,frequency,recency,T\na,0,0,10\nb,0,0,20\nc,0,0,30\n";
    let dir = in_dir(&[("rfm.csv", rfm)]);
    let o = clv(
        &["fit", "rfm.csv", "--unit", "weeks", "-o", "model.json"],
        dir.path(),
    );
    fails_with(
        &o,
        &["cannot identify", "no customer made a repeat purchase"],
    );
    assert!(!dir.path().join("model.json").exists());
}

#[test]
fn the_cdnow_master_log_goes_through_report_with_its_free_orders_reported() {
    let dir = tempfile::tempdir().unwrap();
    let log = data("CDNOW_master.txt");
    let o = clv(
        &[
            "report",
            &log,
            "-o",
            "report",
            "--separator",
            "whitespace",
            "--amount-column",
            "dollar_value",
            "--date-format",
            "yyyymmdd",
            "--calibration-end",
            "1997-09-30",
            "--observation-end",
            "1998-06-30",
        ],
        dir.path(),
    );
    ok(&o);
    let page = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    assert!(
        page.contains("repeat customers with a mean spend of 0"),
        "the page reports the free-order customers"
    );
    assert!(stdout(&o).contains("repeat customers with a mean repeat spend of 0"));
    assert!(dir.path().join("report/scores.csv").exists());
}
