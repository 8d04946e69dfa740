//! End-to-end tests of the `clv` binary: every subcommand on small data, and bad input that
//! must fail with one clear message and a non-zero exit.

use std::path::{Path, PathBuf};

mod common;
use common::{clv, fails_with, ok, simulated_log, stderr, stdout};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
        .display()
        .to_string()
}

/// Customer a buys on Jan 1, twice on Jan 4 (one purchase day), Jan 9 and Jan 16; b on Jan 3
/// and Jan 10; c only on Jan 15.
const LOG: &str = "customer_id,date,amount\n\
                   a,2024-01-01,10\nb,2024-01-03,5\na,2024-01-04,20\na,2024-01-04,4\n\
                   a,2024-01-09,30\nb,2024-01-10,7\nc,2024-01-15,3\na,2024-01-16,12\n";

#[test]
fn summarize_writes_lifetimes_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log.csv"), LOG).unwrap();
    let o = clv(
        &[
            "summarize",
            "log.csv",
            "-o",
            "rfm.csv",
            "--amount-column",
            "amount",
            "--unit",
            "days",
        ],
        dir.path(),
    );
    ok(&o);
    let rfm = std::fs::read_to_string(dir.path().join("rfm.csv")).unwrap();
    // By hand: a has repeat days Jan 4, 9, 16 (x = 3), last at day 15, observed to Jan 16 (T = 15),
    // mean repeat spend (24 + 30 + 12) / 3 = 22; b: x = 1, t_x = 7, T = 13, spend 7; c: T = 1.
    assert_eq!(
        rfm,
        "customer_id,frequency,recency,T,monetary_value\na,3,15,15,22\nb,1,7,13,7\nc,0,0,1,0\n"
    );
    assert!(stdout(&o).contains("8 transactions read, 3 customers"));
}

#[test]
fn summarize_with_calibration_end_writes_holdout_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log.csv"), LOG).unwrap();
    let o = clv(
        &[
            "summarize",
            "log.csv",
            "-o",
            "rfm.csv",
            "--amount-column",
            "amount",
            "--unit",
            "days",
            "--calibration-end",
            "2024-01-09",
        ],
        dir.path(),
    );
    ok(&o);
    let rfm = std::fs::read_to_string(dir.path().join("rfm.csv")).unwrap();
    // Calibration to Jan 9: a x = 2 (Jan 4, 9), t_x = 8, T = 8, spend 27; b x = 0, T = 6.
    // Holdout Jan 10-16 (7 days): a buys on the 16th (12), b on the 10th (7); c is not a
    // calibration customer.
    assert_eq!(
        rfm,
        "customer_id,frequency_cal,recency_cal,T_cal,monetary_value_cal,frequency_holdout,monetary_value_holdout,duration_holdout\n\
         a,2,8,8,27,1,12,7\nb,0,0,6,0,1,7,7\n"
    );
}

#[test]
fn summarize_bad_date_names_line_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("log.csv"),
        "customer_id,date\na,2024-01-01\nb,2024-13-01\n",
    )
    .unwrap();
    let o = clv(&["summarize", "log.csv", "-o", "rfm.csv"], dir.path());
    fails_with(&o, &["log.csv", "row 3", "date", "2024-13-01"]);
    assert!(!dir.path().join("rfm.csv").exists());
}

#[test]
fn fit_prints_parameters_and_writes_model() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(
        &[
            "fit",
            &data("cdnow_summary.csv"),
            "--columns",
            "ID,x,t_x,T,zbar",
            "-o",
            "model.json",
        ],
        dir.path(),
    );
    ok(&o);
    let out = stdout(&o);
    // REFERENCE.md: BTYD's r = 0.2425982, alpha = 4.4136842, LL = -9582.429, lifetimes'
    // standard error of r 0.0126; Gamma-Gamma p = 6.25, q = 3.74, LL = -4055.92.
    // the parameter table shows 5 significant digits: r and its standard error as published
    // to the 4 digits of the reference (the CSV's rounded t_x moves the 5th)
    let row = |name: &str| -> Vec<f64> {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} row in:\n{out}"));
        line.split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let r = row("r");
    assert!(
        (r[0] - 0.2425982).abs() < 5e-5 && (r[1] - 0.0126).abs() < 5e-5,
        "{r:?}"
    );
    assert!((row("alpha")[0] - 4.4136842).abs() < 5e-4, "{out}");
    for needle in [
        // The CSV rounds t_x to two decimals: LL within 0.01 of -9582.43 (REFERENCE.md).
        "log-likelihood -9582.4",
        "q                3.74",
        "log-likelihood -4055.9",
        "converged",
    ] {
        assert!(out.contains(needle), "fit output lacks {needle:?}:\n{out}");
    }
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("model.json")).unwrap())
            .unwrap();
    assert_eq!(model["purchase"]["model"]["type"], "bgnbd");
    assert_eq!(model["purchase"]["model"]["time_unit"], "weeks");
    assert!(model["spend"]["model"]["q"].as_f64().unwrap() > 1.0);
}

#[test]
fn fit_rejects_recency_beyond_t_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.csv"),
        "customer_id,frequency,recency,T\nA,2,10,20\nB,1,30,20\n",
    )
    .unwrap();
    let o = clv(&["fit", "bad.csv", "-o", "model.json"], dir.path());
    fails_with(&o, &["bad.csv", "row 2", "column `recency`", "\"30\""]);
    assert!(!dir.path().join("model.json").exists());
}

fn fitted_cdnow(dir: &Path) {
    ok(&clv(
        &[
            "fit",
            &data("cdnow_summary.csv"),
            "--columns",
            "ID,x,t_x,T,zbar",
            "-o",
            "model.json",
        ],
        dir,
    ));
}

#[test]
fn predict_writes_the_value_table() {
    let dir = tempfile::tempdir().unwrap();
    fitted_cdnow(dir.path());
    let o = clv(
        &[
            "predict",
            "model.json",
            &data("cdnow_summary.csv"),
            "--columns",
            "ID,x,t_x,T,zbar",
            "-o",
            "scores.csv",
            "--horizon",
            "52w",
            "--step",
            "4w",
            "--discount-rate",
            "0",
        ],
        dir.path(),
    );
    ok(&o);
    let scores = std::fs::read_to_string(dir.path().join("scores.csv")).unwrap();
    let mut lines = scores.lines();
    assert_eq!(
        lines.next().unwrap(),
        "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv"
    );
    assert_eq!(lines.clone().count(), 2357);
    // Customer 1516 (REFERENCE.md, BTYD): P(alive) = 0.9688523, E[X(52) | ...] = 25.75659.
    let row: Vec<f64> = lines
        .find(|l| l.starts_with("1516,"))
        .unwrap()
        .split(',')
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((row[4] - 0.9688523).abs() < 1e-4, "p_alive {}", row[4]);
    // The CSV has t_x = 30.86 where the reference used 30.857: a few 1e-3 apart.
    assert!(
        (row[6] - 25.75659).abs() < 5e-3,
        "expected purchases {}",
        row[6]
    );
    // Without discounting, CLV is expected purchases times expected spend.
    assert!((row[8] - row[6] * row[7]).abs() < 1e-9 * row[8]);
}

/// `--interval 0.9` adds the interval columns around each point prediction, writes the level
/// beside the file, and prints the totals with their intervals.
#[test]
fn predict_with_intervals_adds_the_interval_columns_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    fitted_cdnow(dir.path());
    let args = [
        "predict",
        "model.json",
        &data("cdnow_summary.csv"),
        "--columns",
        "ID,x,t_x,T,zbar",
        "-o",
        "scores.csv",
        "--horizon",
        "39w",
        "--step",
        "39w",
        "--discount-rate",
        "0",
        "--interval",
        "0.9",
    ];
    let o = clv(&args, dir.path());
    ok(&o);
    let out = stdout(&o);
    assert!(
        out.contains("total purchases over") && out.contains("90% interval"),
        "{out}"
    );
    assert!(out.contains("total CLV"), "{out}");
    let scores = std::fs::read_to_string(dir.path().join("scores.csv")).unwrap();
    let mut lines = scores.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let names = [
        "expected_purchases",
        "expected_purchases_low",
        "expected_purchases_high",
        "clv",
        "clv_low",
        "clv_high",
        "p_alive",
        "p_alive_low",
        "p_alive_high",
    ];
    let at: Vec<usize> = names.iter().map(|n| col(n)).collect();
    let mut rows = 0;
    for line in lines {
        let v: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        let get = |k: usize| v[at[k] - 1];
        // ordered ends; a count interval need not hold the mean (P(0) >= 0.9 gives [0, 0]
        // around a mean of 0.16), but a customer expected to buy at least once has an
        // upper end of at least 1; P(alive)'s interval holds the estimate
        for (low, high) in [(1, 2), (4, 5), (7, 8)] {
            assert!(get(low) <= get(high), "{line}");
        }
        if get(0) >= 1.0 {
            assert!(get(2) >= 1.0, "{line}");
        }
        assert!(
            get(7) <= get(6) + 1e-12 && get(6) <= get(8) + 1e-12,
            "{line}"
        );
        assert!(get(7) >= 0.0 && get(8) <= 1.0);
        rows += 1;
    }
    assert_eq!(rows, 2357);
    let notes = std::fs::read_to_string(dir.path().join("scores.csv.notes")).unwrap();
    assert!(notes.starts_with("interval level: 0.9"), "{notes}");
    // a level outside (0, 1) is refused with the option named
    let mut bad = args.to_vec();
    *bad.last_mut().unwrap() = "1.5";
    fails_with(&clv(&bad, dir.path()), &["--interval 1.5"]);
}

#[test]
fn predict_fails_clearly_on_bad_model_and_unit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.json"), "{\"format\": 3}").unwrap();
    let o = clv(
        &[
            "predict",
            "junk.json",
            &data("cdnow_summary.csv"),
            "-o",
            "s.csv",
        ],
        dir.path(),
    );
    fails_with(&o, &["junk.json", "not a clv model file"]);
    fitted_cdnow(dir.path());
    let o = clv(
        &[
            "predict",
            "model.json",
            &data("cdnow_summary.csv"),
            "-o",
            "s.csv",
            "--horizon",
            "52",
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no unit"), "{}", stderr(&o));
    assert!(!dir.path().join("s.csv").exists());
}

#[test]
fn simulate_rfm_and_transactions_round_trip_through_summarize() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(
        &[
            "simulate",
            "--customers",
            "300",
            "-o",
            "sim.csv",
            "--seed",
            "5",
        ],
        dir.path(),
    );
    ok(&o);
    let sim = std::fs::read_to_string(dir.path().join("sim.csv")).unwrap();
    assert!(sim.starts_with("customer_id,frequency,recency,T,monetary_value\n"));
    assert_eq!(sim.lines().count(), 301);

    let o = clv(
        &[
            "simulate",
            "--customers",
            "300",
            "--transactions",
            "-o",
            "log.csv",
            "--max-age",
            "10w",
        ],
        dir.path(),
    );
    ok(&o);
    assert!(
        stdout(&o).contains("--observation-end 2024-03-11"),
        "{}",
        stdout(&o)
    );
    // Every simulated customer first buys on 2024-01-01 and is 70 days old on 2024-03-11.
    let o = clv(
        &[
            "summarize",
            "log.csv",
            "-o",
            "rfm.csv",
            "--amount-column",
            "amount",
            "--unit",
            "days",
            "--observation-end",
            "2024-03-11",
        ],
        dir.path(),
    );
    ok(&o);
    let rfm = std::fs::read_to_string(dir.path().join("rfm.csv")).unwrap();
    assert_eq!(rfm.lines().count(), 301);
    assert!(rfm
        .lines()
        .skip(1)
        .all(|l| l.split(',').nth(3) == Some("70")));
}

#[test]
fn simulate_rejects_bad_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(
        &["simulate", "--bgnbd", "1,2,3", "-o", "sim.csv"],
        dir.path(),
    );
    fails_with(&o, &["--bgnbd", "4 comma-separated numbers"]);
    let o = clv(
        &["simulate", "--gamma-gamma", "6,0.5,15", "-o", "sim.csv"],
        dir.path(),
    );
    fails_with(&o, &["--gamma-gamma", "q > 1"]);
    assert!(!dir.path().join("sim.csv").exists());
}

#[test]
fn report_on_the_embedded_cdnow_sample() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(&["report", "-o", "out"], dir.path());
    ok(&o);
    let out = dir.path().join("out");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for needle in [
        "Fitted parameters",
        "Holdout validation",
        "Tracking: cumulative repeat transactions",
        "P(alive) by frequency and recency",
        "Distribution of customer lifetime value",
        "Top 20 customers by CLV",
        "weeks since 1997-01-01",
        "calibration end",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle:?}");
    }
    assert!(
        !html.contains("src=\"http"),
        "the page must be self-contained"
    );
    for f in [
        "frequency_histogram.svg",
        "calibration_vs_holdout.svg",
        "tracking_cumulative.svg",
        "tracking_weekly.svg",
        "p_alive_matrix.svg",
        "expected_purchases_matrix.svg",
        "clv_distribution.svg",
        "rfm.csv",
        "scores.csv",
        "model.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // Holdout purchases counted here independently: distinct (customer, day) pairs after
    // 1997-09-30 in the raw log.
    let log = std::fs::read_to_string(data("CDNOW_sample.txt")).unwrap();
    let days: std::collections::HashSet<(String, String)> = log
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 5 && f[2] > "19970930").then(|| (f[1].to_string(), f[2].to_string()))
        })
        .collect();
    let expected = format!("{} purchases", days.len());
    assert!(stdout(&o).contains(&expected), "{expected}: {}", stdout(&o));
    let rfm = std::fs::read_to_string(out.join("rfm.csv")).unwrap();
    assert_eq!(rfm.lines().count(), 2358);
}

#[test]
fn report_on_a_log_and_on_a_bad_log() {
    let dir = tempfile::tempdir().unwrap();
    simulated_log(dir.path());
    let o = clv(
        &[
            "report",
            "log.csv",
            "-o",
            "out",
            "--amount-column",
            "amount",
            "--calibration-end",
            "2024-03-31",
            "--observation-end",
            "2024-05-20",
            "--horizon",
            "30d",
            "--step",
            "10d",
        ],
        dir.path(),
    );
    ok(&o);
    let html = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(html.contains("Holdout validation") && html.contains("log.csv"));

    std::fs::write(
        dir.path().join("bad.csv"),
        "customer_id,date,amount\na,2024-01-01,ten\n",
    )
    .unwrap();
    let o = clv(
        &[
            "report",
            "bad.csv",
            "-o",
            "bad",
            "--amount-column",
            "amount",
        ],
        dir.path(),
    );
    fails_with(&o, &["bad.csv", "row 2", "amount", "ten"]);
    assert!(!dir.path().join("bad/index.html").exists());
}

#[test]
fn help_explains_options_with_units() {
    let o = clv(&["predict", "--help"], Path::new("."));
    ok(&o);
    let help = stdout(&o);
    for needle in [
        "--horizon",
        "52w",
        "--discount-rate",
        "per step",
        "--margin",
        "--unit",
    ] {
        assert!(help.contains(needle), "predict --help lacks {needle:?}");
    }
}

#[test]
fn report_model_auto_compares_every_model_and_overlays_them() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(&["report", "--model", "auto", "-o", "out"], dir.path());
    ok(&o);
    let out = stdout(&o);
    // REFERENCE.md: BG/NBD LL -9582.4, Pareto/NBD LL -9595.0 (here -9594.98, exact times
    // from the log rather than the summary's two decimals)
    for needle in [
        "model comparison:",
        "bgnbd",
        "mbgnbd",
        "pareto-nbd",
        "-9582.4",
        "-9594.9",
        "chosen:",
        "holdout RMSE",
    ] {
        assert!(
            out.contains(needle),
            "report output lacks {needle:?}:\n{out}"
        );
    }
    let csv = std::fs::read_to_string(dir.path().join("out/comparison.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.starts_with("model,parameters,log_likelihood,aic,bic,holdout_actual"));
    assert_eq!(csv.matches(",yes").count(), 1, "{csv}");
    let tracking = std::fs::read_to_string(dir.path().join("out/tracking_cumulative.svg")).unwrap();
    for name in ["BG/NBD expected", "MBG/NBD expected", "Pareto/NBD expected"] {
        assert!(tracking.contains(name), "tracking plot lacks {name}");
    }
    let html = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(html.contains("Which model? Comparison on evidence"));
    // an unknown model is a one-line error naming the registered ones
    let bad = clv(&["report", "--model", "nbd", "-o", "x"], dir.path());
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("pareto-nbd"), "{}", stderr(&bad));
}

/// The cells of the HTML table row of section `id` whose first cell is `first`.
fn html_row(html: &str, id: &str, first: &str) -> Vec<String> {
    let html = &html[html
        .find(&format!("<section id=\"{id}\">"))
        .expect("the section")..];
    let html = &html[..html.find("</section>").unwrap()];
    let start = [
        format!("<tr><td>{first}</td>"),
        format!("<tr><td class=\"num\">{first}</td>"),
    ]
    .iter()
    .find_map(|p| html.find(p.as_str()))
    .unwrap_or_else(|| panic!("no row {first:?}"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c[..c.find("</td>").unwrap()].to_string()
        })
        .collect()
}

/// `low to high` as numbers.
fn interval(cell: &str) -> (f64, f64) {
    let (low, high) = cell.split_once(" to ").expect("an interval cell");
    (low.parse().unwrap(), high.parse().unwrap())
}

#[test]
fn report_shows_intervals_of_the_holdout_the_tracking_and_each_group() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(&["report", "-o", "out", "--interval", "0.8"], dir.path());
    ok(&o);
    let html = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(html.contains("How sure? The holdout against its intervals"));
    // the holdout total: the interval brackets the expectation the holdout table reports, and
    // the verdict matches the actual total (1882 distinct customer-days after the calibration
    // end, counted independently in `report_on_the_embedded_cdnow_sample`)
    let row = html_row(&html, "holdout-intervals", "BG/NBD");
    let (expected, (low, high)) = (row[1].parse::<f64>().unwrap(), interval(&row[2]));
    assert!(low < expected && expected < high, "{row:?}");
    assert!(html.contains(&format!(
        "holdout purchases, expected</td><td class=\"num\">{expected:.1}"
    )));
    assert_eq!(row[5], "1882");
    let inside = low <= 1882.0 && 1882.0 <= high;
    assert_eq!(row[6], if inside { "yes" } else { "no" });
    let coverage: f64 = row[7].trim_end_matches('%').parse().unwrap();
    assert!((50.0..=100.0).contains(&coverage), "{row:?}");
    assert!(html.contains("80% prediction interval"));
    // the band on the tracking plot
    let svg = std::fs::read_to_string(dir.path().join("out/tracking_cumulative.svg")).unwrap();
    assert!(svg.contains("80% forecast interval (BG/NBD)") && svg.contains("<polygon"));
    // each segment's and cohort's total CLV sits inside its interval, and the cohorts' last
    // row (all customers) is the base's total
    let total: f64 = html_row(&html, "cohorts", "(all)")[3].parse().unwrap();
    for first in [
        "champions",
        "potential",
        "dormant",
        "1997-01",
        "1997-02",
        "1997-03",
        "(all)",
    ] {
        let cohort = first.starts_with("199") || first == "(all)";
        let row = html_row(&html, if cohort { "cohorts" } else { "segments" }, first);
        let k = if cohort { 3 } else { 6 };
        let value: f64 = row[k].parse().unwrap();
        let (low, high) = interval(&row[k + 1]);
        assert!(low < value && value < high, "{first}: {row:?}");
    }
    assert!(stdout(&o).contains(&format!(
        "total CLV over 12 months: {total:.2}, 80% interval"
    )));
    // without intervals, none of it; a level outside (0, 1) is refused before any work
    let plain = clv(&["report", "-o", "plain", "--no-intervals"], dir.path());
    ok(&plain);
    let html = std::fs::read_to_string(dir.path().join("plain/index.html")).unwrap();
    assert!(!html.contains("How sure?") && !html.contains("interval</th>"));
    fails_with(
        &clv(&["report", "-o", "bad", "--interval", "1.5"], dir.path()),
        &["--interval 1.5", "(0, 1)"],
    );
    assert!(!dir.path().join("bad").exists());
}
