//! End-to-end tests of `clv segment` on a small scores file whose tables can be checked by
//! hand, and of the segment and cohort sections of `clv report`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod common;
use common::{clv, fails_with, ok, stdout};

/// Six customers. CLVs 100, 80, 10, 5, 1, 0: their 0.6 quantile is the 4th smallest, 10
/// (h = 5 x 0.6 = 3), so a and b are high value. With P(alive) >= 0.5 as active:
/// a champion, b at risk, c and e potential, d and f dormant.
const SCORES: &str = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
a,4,30,35,50,0.9,0.1,2,50,100\n\
b,3,10,35,40,0.2,0.8,2,40,80\n\
c,1,5,30,20,0.8,0.2,0.5,20,10\n\
d,0,0,30,0,0.3,0.7,0.2,25,5\n\
e,0,0,20,0,0.6,0.4,0.1,10,1\n\
f,0,0,10,0,0.1,0.9,0,0,0\n";

/// a, c and e came through ads, b, d and f through search.
const CHANNELS: &str =
    "customer_id,channel,region\na,ads,n\nb,search,s\nc,ads,n\nd,search,n\ne,ads,s\nf,search,s\n";

/// First purchases: a Jan 5 (again Jan 20, after 15 days), b Jan 10 (never again), c Jan 25
/// (again Mar 10, after 45 days), d Feb 10 (again Feb 15), e Feb 20, f Mar 5. Observed to
/// Mar 15, 2024: the January cohort is observed 30 days in full, but c only 50 days.
const LOG: &str = "customer_id,date\n\
a,2024-01-05\nb,2024-01-10\na,2024-01-20\nc,2024-01-25\nd,2024-02-10\nd,2024-02-15\n\
e,2024-02-20\nf,2024-03-05\nc,2024-03-10\na,2024-03-20\n";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scores.csv"), SCORES).unwrap();
    std::fs::write(dir.path().join("channels.csv"), CHANNELS).unwrap();
    std::fs::write(dir.path().join("log.csv"), LOG).unwrap();
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn segments_counts_and_shares_by_hand() {
    let dir = setup();
    let o = clv(
        &[
            "segment",
            "scores.csv",
            "-o",
            "out",
            "--clv-quantile",
            "0.6",
        ],
        dir.path(),
    );
    ok(&o);
    let out = dir.path().join("out");
    // Total CLV 196: champions 100/196, at risk 80/196, potential 11/196, dormant 5/196.
    let segments = read(&out, "segments.csv");
    let rows: Vec<&str> = segments.lines().collect();
    assert_eq!(
        rows[0],
        "segment,customers,share_of_value,mean_clv,mean_p_alive,total_clv,action"
    );
    assert!(rows[1].starts_with(&format!("champions,1,{},100,0.9,100", 100.0 / 196.0)));
    assert!(rows[2].starts_with(&format!("at_risk,1,{},80,0.2,80", 80.0 / 196.0)));
    let potential = format!("potential,2,{},5.5,{},11", 11.0 / 196.0, (0.8 + 0.6) / 2.0);
    assert!(rows[3].starts_with(&potential), "{}", rows[3]);
    assert!(rows[4].starts_with("dormant,2,"), "{}", rows[4]);
    assert_eq!(
        read(&out, "customer_segments.csv"),
        "customer_id,segment\na,champions\nb,at_risk\nc,potential\nd,dormant\ne,potential\nf,dormant\n"
    );
    assert!(
        read(&out, "rfm_scores.csv").starts_with("customer_id,r_score,f_score,m_score,rfm_code\n")
    );
    // Without groups, no cohort or CAC file.
    assert!(!out.join("cohorts.csv").exists() && !out.join("cac.csv").exists());
    let text = stdout(&o);
    assert!(text.contains("high value: CLV > 10.00"), "{text}");
    assert!(text.contains("wrote out/segments.csv"), "{text}");

    // A fixed amount instead of a quantile: CLV > 50 is a and b too; > 5 adds c.
    let o = clv(&["segment", "scores.csv", "--clv-amount", "5"], dir.path());
    ok(&o);
    let line = stdout(&o)
        .lines()
        .find(|l| l.starts_with("champions"))
        .unwrap()
        .to_string();
    assert!(line.split_whitespace().nth(1) == Some("2"), "{line}");
}

#[test]
fn groups_by_an_attribute_with_cac() {
    let dir = setup();
    std::fs::write(dir.path().join("cac.csv"), "group,cac\nads,10\nsearch,20\n").unwrap();
    let o = clv(
        &[
            "segment",
            "scores.csv",
            "-o",
            "out",
            "--by",
            "channel",
            "--attributes",
            "channels.csv",
            "--cac",
            "cac.csv",
        ],
        dir.path(),
    );
    ok(&o);
    let out = dir.path().join("out");
    // ads: a, c, e with CLV 100 + 10 + 1 = 111, all P(alive) >= 0.5; search: b, d, f with 85,
    // none active. No transaction log, so no repeat-rate columns.
    let cohorts = read(&out, "cohorts.csv");
    let rows: Vec<&str> = cohorts.lines().collect();
    assert_eq!(
        rows[0],
        "channel,customers,mean_clv,total_clv,lift,mean_p_alive,share_active"
    );
    assert!(rows[1].starts_with("ads,3,37,111,"), "{}", rows[1]);
    assert!(rows[1].ends_with(",1"), "{}", rows[1]);
    assert!(
        rows[2].starts_with(&format!("search,3,{},85,", 85.0 / 3.0)),
        "{}",
        rows[2]
    );
    assert!(rows[2].ends_with(",0"), "{}", rows[2]);
    assert!(rows[3].starts_with("(all),6,"), "{}", rows[3]);
    // ads: 37 / 10 = 3.7, healthy, affordable 37 / 3; search: (85/3) / 20, thin.
    let cac = read(&out, "cac.csv");
    assert!(
        // lift: 37 against the mean of all six, 196 / 6.
        cac.contains(&format!(
            "ads,3,37,{},10,3.7,{},healthy",
            37.0 / (196.0 / 6.0) - 1.0,
            37.0 / 3.0
        )),
        "{cac}"
    );
    assert!(
        cac.contains(&format!(
            "search,3,{},{},20,{},",
            85.0 / 3.0,
            85.0 / 3.0 / (196.0 / 6.0) - 1.0,
            85.0 / 3.0 / 20.0
        )),
        "{cac}"
    );
    assert!(cac.trim_end().ends_with(",thin"), "{cac}");
    assert!(stdout(&o).contains("CLV against acquisition cost"));

    // Margin and target ratio: 0.5 x 37 = 18.5 per ads customer, affordable at 2x: 9.25.
    let o = clv(
        &[
            "segment",
            "scores.csv",
            "-o",
            "out2",
            "--by",
            "channel",
            "--attributes",
            "channels.csv",
            "--cac",
            "cac.csv",
            "--margin",
            "0.5",
            "--target-ratio",
            "2",
        ],
        dir.path(),
    );
    ok(&o);
    let cac = read(&dir.path().join("out2"), "cac.csv");
    // lift: the margin cancels, 18.5 against 0.5 x 196 / 6.
    let lift = 18.5 / (0.5 * 196.0 / 6.0) - 1.0;
    assert!(
        cac.contains(&format!("ads,3,18.5,{lift},10,1.85,9.25,thin")),
        "{cac}"
    );
}

#[test]
fn cohorts_from_a_log_with_repeat_rates_and_too_young_windows() {
    let dir = setup();
    std::fs::write(dir.path().join("cac.csv"), "group,cac\n2024-01,20\n").unwrap();
    let o = clv(
        &[
            "segment",
            "scores.csv",
            "-o",
            "out",
            "--transactions",
            "log.csv",
            "--observation-end",
            "2024-03-15",
            "--repeat-days",
            "30,60",
            "--cac",
            "cac.csv",
        ],
        dir.path(),
    );
    ok(&o);
    let cohorts = read(&dir.path().join("out"), "cohorts.csv");
    let rows: Vec<Vec<&str>> = cohorts.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0][7..],
        ["repeat_30d", "observed_30d", "repeat_60d", "observed_60d"]
    );
    // January (a, b, c): all observed 30 days, only a came back within them (c after 45
    // days): 1/3. For 60 days c (Jan 25 + 60 = Mar 25) is not observed in full: too young.
    assert_eq!(rows[1][..2], ["2024-01", "3"]);
    assert_eq!(
        rows[1][7..],
        [&(1.0f64 / 3.0).to_string() as &str, "3", "", "2"]
    );
    // February (d, e): e (Feb 20 + 30 = Mar 21) is not observed 30 days in full.
    assert_eq!(rows[2][..2], ["2024-02", "2"]);
    assert_eq!(rows[2][7..], ["", "1", "", "0"]);
    assert_eq!(rows[3][..2], ["2024-03", "1"]);
    let text = stdout(&o);
    assert!(text.contains("too young"), "{text}");
    // January's CLVs: 100 + 80 + 10 = 190, mean 190/3; CAC 20.
    let cac = read(&dir.path().join("out"), "cac.csv");
    assert!(
        cac.contains(&format!(
            "2024-01,3,{},{},20,",
            190.0 / 3.0,
            190.0 / 3.0 / (196.0 / 6.0) - 1.0
        )),
        "{cac}"
    );

    // Grouped by an attribute, the log still gives the repeat rates.
    let o = clv(
        &[
            "segment",
            "scores.csv",
            "-o",
            "out3",
            "--transactions",
            "log.csv",
            "--observation-end",
            "2024-03-15",
            "--by",
            "region",
            "--attributes",
            "channels.csv",
            "--repeat-days",
            "30",
        ],
        dir.path(),
    );
    ok(&o);
    // North: a, c, d, all observed 30 days; a (15 days) and d (5 days) came back: 2/3.
    let cohorts = read(&dir.path().join("out3"), "cohorts.csv");
    let north = cohorts.lines().find(|l| l.starts_with("n,")).unwrap();
    assert!(
        north.ends_with(&format!(",{},3", 2.0f64 / 3.0)),
        "{cohorts}"
    );
}

#[test]
fn bad_inputs_fail_with_one_clear_message_and_write_nothing() {
    let dir = setup();
    let by_channel = [
        "segment",
        "scores.csv",
        "-o",
        "out",
        "--by",
        "channel",
        "--attributes",
        "channels.csv",
        "--cac",
    ];
    std::fs::write(dir.path().join("neg.csv"), "group,cac\nads,10\nsearch,-4\n").unwrap();
    let args: Vec<&str> = by_channel.iter().copied().chain(["neg.csv"]).collect();
    fails_with(
        &clv(&args, dir.path()),
        &["neg.csv", "row 2", "cac", "-4", "positive"],
    );
    std::fs::write(dir.path().join("typo.csv"), "group,cac\nads,10\nsaerch,4\n").unwrap();
    let args: Vec<&str> = by_channel.iter().copied().chain(["typo.csv"]).collect();
    fails_with(
        &clv(&args, dir.path()),
        &[
            "typo.csv",
            "row 2",
            "saerch",
            "no customer is in this group",
            "search",
        ],
    );
    std::fs::write(dir.path().join("nocol.csv"), "channel,cost\nads,10\n").unwrap();
    let args: Vec<&str> = by_channel.iter().copied().chain(["nocol.csv"]).collect();
    fails_with(&clv(&args, dir.path()), &["nocol.csv", "group"]);
    assert!(!dir.path().join("out").exists());

    // CAC without any grouping.
    fails_with(
        &clv(&["segment", "scores.csv", "--cac", "neg.csv"], dir.path()),
        &["--cac needs groups", "--by", "--transactions"],
    );
    // A customer missing from the attribute file.
    std::fs::write(dir.path().join("few.csv"), "customer_id,channel\na,ads\n").unwrap();
    fails_with(
        &clv(
            &[
                "segment",
                "scores.csv",
                "--by",
                "channel",
                "--attributes",
                "few.csv",
            ],
            dir.path(),
        ),
        &["row 2", "customer_id", "\"b\"", "channel"],
    );
    // A bad date in the log names its line.
    std::fs::write(
        dir.path().join("badlog.csv"),
        "customer_id,date\na,2024-01-05\nb,05/01/2024\n",
    )
    .unwrap();
    fails_with(
        &clv(
            &["segment", "scores.csv", "--transactions", "badlog.csv"],
            dir.path(),
        ),
        &["badlog.csv", "row 3", "date", "05/01/2024"],
    );
    // Out-of-range thresholds.
    fails_with(
        &clv(
            &["segment", "scores.csv", "--clv-quantile", "1.5"],
            dir.path(),
        ),
        &["--clv-quantile", "1.5"],
    );
}

/// The CDNOW sample independently of the crate: each customer's distinct purchase days.
fn cdnow_days() -> BTreeMap<String, BTreeSet<String>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/CDNOW_sample.txt");
    let mut days: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 5 {
            days.entry(f[1].to_string())
                .or_default()
                .insert(f[2].to_string());
        }
    }
    days
}

fn day_number(yyyymmdd: &str) -> i64 {
    let d = chrono::NaiveDate::parse_from_str(yyyymmdd, "%Y%m%d").unwrap();
    d.signed_duration_since(chrono::NaiveDate::from_ymd_opt(1997, 1, 1).unwrap())
        .num_days()
}

#[test]
fn report_shows_segment_and_cohort_tables() {
    let dir = tempfile::tempdir().unwrap();
    let o = clv(&["report", "-o", "out", "--quiet"], dir.path());
    ok(&o);
    let out = dir.path().join("out");
    let html = read(&out, "index.html");
    for needle in [
        "Segments: value x risk",
        "<td>champions</td>",
        "<td>at risk: act now</td>",
        "share of value",
        "Acquisition cohorts",
        "repeat within 30 days",
        "repeat within 90 days",
        "<td>(all)</td><td class=\"num\">2357</td>",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle:?}");
    }
    for f in [
        "segments.svg",
        "segments.csv",
        "customer_segments.csv",
        "cohorts.csv",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // Every customer has a segment; the segment counts add up to the sample's 2,357.
    assert_eq!(read(&out, "customer_segments.csv").lines().count(), 2358);
    let total: usize = read(&out, "segments.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, 2357);

    // Cohort sizes and 30-day repeat rates counted here from the raw log: January 1997 is
    // the customers whose first purchase day is in January; a repeat is a second distinct
    // purchase day at most 30 days after the first.
    let days = cdnow_days();
    let mut size = [0usize; 3];
    let mut repeated = [0usize; 3];
    for d in days.values() {
        let mut it = d.iter();
        let first = it.next().unwrap();
        let month = first[4..6].parse::<usize>().unwrap() - 1;
        size[month] += 1;
        if let Some(second) = it.next() {
            if day_number(second) - day_number(first) <= 30 {
                repeated[month] += 1;
            }
        }
    }
    for (m, label) in ["1997-01", "1997-02", "1997-03"].iter().enumerate() {
        let rate = format!("{:.1}%", 100.0 * repeated[m] as f64 / size[m] as f64);
        let row = format!(
            "<tr><td class=\"num\">{label}</td><td class=\"num\">{}</td>",
            size[m]
        );
        let start = html
            .find(&row)
            .unwrap_or_else(|| panic!("no cohort row {row}"));
        let end = start + html[start..].find("</tr>").unwrap();
        let cells: Vec<&str> = html[start..end].split("<td class=\"num\">").collect();
        // cohort, customers, mean CLV, total CLV, lift, mean P(alive), share active, 30 days...
        assert_eq!(
            cells[8].trim_end_matches("</td>"),
            rate,
            "{label}: {}",
            &html[start..end]
        );
    }
}
