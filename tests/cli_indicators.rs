//! End-to-end tests of the indicators in `clv segment` (tiers, health, churn, revenue split,
//! order value, pseudonyms) on a small log checked by hand (the same as tests/indicators.rs),
//! and of their sections in `clv report`.

use std::path::Path;

mod common;
use common::{clv, fails_with, ok, stdout};

/// Four customers; P(alive) a 0.9, b 0.2, c 0.6, d 0.8; CLV 100, 10, 30, 20.
const SCORES: &str = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
a,2,15.14,16.57,25,0.9,0.1,3,25,100\n\
b,0,0,14.43,0,0.2,0.8,0.1,30,10\n\
c,1,2.14,10.71,20,0.6,0.4,1,18,30\n\
d,0,0,5.14,0,0.8,0.2,0.5,40,20\n";

/// a: Jan 5 (10 + 5), Feb 10 (30), Apr 20 (20); b: Jan 20 (40); c: Feb 15 (10), Mar 1 (20);
/// d: Mar 25 (50); observed to Apr 30, 2024.
const LOG: &str = "customer_id,date,amount\n\
a,2024-01-05,10\nb,2024-01-20,40\na,2024-02-10,30\nc,2024-03-01,20\na,2024-01-05,5\n\
c,2024-02-15,10\nd,2024-03-25,50\na,2024-04-20,20\n";

const ATTRIBUTES: &str = "customer_id,nps,channel\na,10,ads\nb,0,ads\nc,5,web\nd,5,web\n";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scores.csv"), SCORES).unwrap();
    std::fs::write(dir.path().join("log.csv"), LOG).unwrap();
    std::fs::write(dir.path().join("attr.csv"), ATTRIBUTES).unwrap();
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn segment(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "segment",
        "scores.csv",
        "-o",
        "out",
        "--transactions",
        "log.csv",
        "--amount-column",
        "amount",
        "--observation-end",
        "2024-04-30",
    ];
    args.extend_from_slice(extra);
    clv(&args, dir)
}

#[test]
fn segment_prints_and_writes_every_indicator() {
    let dir = setup();
    let o = segment(dir.path(), &["--revenue-period", "month"]);
    ok(&o);
    let out = dir.path().join("out");
    // Revenue in February: a's repeat (30, acquired in January) and c's first order (10).
    let revenue = read(&out, "revenue.csv");
    assert!(
        revenue.contains("\n2024-02,2,2,1,40,10,30,30,0.75\n"),
        "{revenue}"
    );
    assert!(
        revenue.contains("\n(all),7,4,4,185,115,70,70,"),
        "{revenue}"
    );
    // March cohort (d, 36 days observed): churned for 30 days, too young for 60 and 90.
    let churn = read(&out, "churn_by_cohort.csv");
    assert!(
        churn.starts_with("cohort_month,customers,churn_30d,observed_30d,churn_60d,observed_60d,churn_90d,observed_90d,model_churn\n"),
        "{churn}"
    );
    assert!(churn.contains("\n2024-03,1,1,1,,0,,0,"), "{churn}");
    // January (a, b): b churned; model churn (0.1 + 0.8) / 2.
    assert!(
        churn.contains("\n2024-01,2,0.5,2,0.5,2,0.5,2,0.45"),
        "{churn}"
    );
    // First orders 15, 40, 10, 50; repeats 30, 20, 20.
    let aov = read(&out, "aov.csv");
    assert!(
        aov.contains(&format!("\n(all),4,28.75,3,{},", 70.0 / 3.0)),
        "{aov}"
    );
    // 4 customers: round(0.2) = 0 Platinum, Gold 1 (a), Silver 1 (c), Standard 2.
    let tiers = read(&out, "tiers.csv");
    let counts: Vec<&str> = tiers
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(counts, ["0", "1", "1", "2"], "{tiers}");
    assert_eq!(
        read(&out, "customer_tiers.csv"),
        "customer_id,tier\na,Gold\nb,Standard\nc,Silver\nd,Standard\n"
    );
    assert!(read(&out, "health.csv").starts_with("customer_id,health,alive,recency,expected\na,"));
    assert!(read(&out, "health_by_segment.csv").starts_with("segment,customers,mean,"));
    assert!(read(&out, "churn_by_segment.csv").starts_with("segment,customers,churn_30d"));
    assert!(read(&out, "aov_by_tenure.csv").starts_with("cohort,tenure_month,orders,revenue,aov\n"));
    assert!(read(&out, "segments.csv")
        .lines()
        .next()
        .unwrap()
        .ends_with(",action"));
    // Cohort lift: mean CLV 40; January (a, b) 55: +37.5%.
    let text = stdout(&o);
    for needle in [
        "Churn by acquisition cohort, observed and model",
        "Churn by segment",
        "Revenue from existing and new customers",
        "Average order value by tenure",
        "Loyalty tiers by predicted CLV",
        "Health score (0-100) by segment",
        "protect and involve",
        "+37.5%",
        "too young",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

#[test]
fn health_weights_and_attribute_columns() {
    let dir = setup();
    // Only the NPS column counts: scaled a 1, b 0, c 0.5, d 0.5.
    let o = segment(
        dir.path(),
        &[
            "--attributes",
            "attr.csv",
            "--health-weights",
            "alive=0,recency=0,expected=0",
            "--health-column",
            "nps=1",
        ],
    );
    ok(&o);
    let health = read(&dir.path().join("out"), "health.csv");
    let scores: Vec<&str> = health
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(scores, ["100", "0", "50", "50"], "{health}");
    assert!(health.starts_with("customer_id,health,alive,recency,expected,nps\n"));

    let o = segment(dir.path(), &["--health-column", "nps=1"]);
    fails_with(&o, &["--health-column", "--attributes"]);
    let o = segment(dir.path(), &["--health-weights", "alive=x"]);
    fails_with(&o, &["--health-weights", "\"x\""]);
    let o = segment(dir.path(), &["--tiers", "Top=80%,Mid=40%,Rest"]);
    fails_with(&o, &["tiers", "more than 1"]);
}

#[test]
fn tiers_by_amount() {
    let dir = setup();
    let o = segment(
        dir.path(),
        &["--tiers", "VIP=50,Regular=20,Other", "--tiers-by", "amount"],
    );
    ok(&o);
    assert_eq!(
        read(&dir.path().join("out"), "customer_tiers.csv"),
        "customer_id,tier\na,VIP\nb,Other\nc,Regular\nd,Regular\n"
    );
}

#[test]
fn bad_amounts_name_the_line() {
    let dir = setup();
    std::fs::write(
        dir.path().join("log.csv"),
        "customer_id,date,amount\na,2024-01-05,10\nb,2024-01-20,-4\n",
    )
    .unwrap();
    let o = segment(dir.path(), &[]);
    fails_with(&o, &["log.csv", "row 3", "amount", "-4"]);
}

fn hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn pseudonyms_replace_ids_in_every_per_customer_file() {
    let dir = setup();
    ok(&segment(dir.path(), &["--pseudonymize", "secret key"]));
    let out = dir.path().join("out");
    let ids_of = |name: &str| -> Vec<String> {
        read(&out, name)
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    let files = [
        "customer_segments.csv",
        "rfm_scores.csv",
        "customer_tiers.csv",
        "health.csv",
    ];
    let first = ids_of(files[0]);
    assert_eq!(first.len(), 4);
    assert!(first.iter().all(|id| hex64(id)), "{first:?}");
    for f in &files[1..] {
        assert_eq!(ids_of(f), first, "{f}");
    }
    // The same key from a file gives the same pseudonyms; another key others.
    std::fs::write(dir.path().join("key"), "secret key").unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    ok(&segment(dir.path(), &["--pseudonymize-key-file", "key"]));
    assert_eq!(ids_of("customer_tiers.csv"), first);
    ok(&segment(dir.path(), &["--pseudonymize", "other"]));
    let other = ids_of("customer_tiers.csv");
    assert!(other.iter().all(|id| !first.contains(id)));
    let o = segment(dir.path(), &["--pseudonymize", ""]);
    fails_with(&o, &["pseudonymize"]);
}

#[test]
fn report_has_a_section_and_plot_per_indicator() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(&["report", "-o", "rep"], dir.path());
    ok(&o);
    let rep = dir.path().join("rep");
    let html = read(&rep, "index.html");
    for id in ["churn", "revenue", "order-value", "tiers", "health"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    for svg in [
        "churn_by_cohort.svg",
        "revenue_split.svg",
        "aov_by_tenure.svg",
    ] {
        assert!(read(&rep, svg).contains("<svg"), "{svg}");
    }
    assert!(html.contains("win back before they go"));
    // CDNOW: every customer was acquired in Q1 1997, so from Q2 on all revenue is from
    // existing customers (scripts/cdnow_indicators.py).
    let revenue = read(&rep, "revenue.csv");
    assert!(revenue.contains("\n1997-Q2,"), "{revenue}");
    let q2 = revenue.lines().find(|l| l.starts_with("1997-Q2")).unwrap();
    assert!(q2.ends_with(",1"), "{q2}");
    assert!(rep.join("churn_by_cohort.csv").exists());
}
