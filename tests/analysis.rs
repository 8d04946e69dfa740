//! Segments, RFM scores, cohorts, CLV/CAC and value comparisons on small hand-checkable data,
//! plus a cross-check of the purchase history on the CDNOW log against the published summary.

use std::collections::HashMap;

use approx::assert_relative_eq;
use chrono::NaiveDate;
use clv::analysis::*;
use clv::Error;
use ndarray::{array, Array1};

fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("c{i}")).collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

// ---------------------------------------------------------------- segments

/// CLV 1..10; P(alive) 0.9 for odd CLVs, 0.3 for even ones, except CLV 9 (0.5, exactly the
/// level: counts as active).
fn ten_customers() -> (Vec<String>, Array1<f64>, Array1<f64>) {
    let clv = Array1::from_iter((1..=10).map(f64::from));
    let p = Array1::from_iter((1..=10).map(|v| match v {
        9 => 0.5,
        v if v % 2 == 1 => 0.9,
        _ => 0.3,
    }));
    (ids(10), clv, p)
}

#[test]
fn default_segments_by_hand() {
    let (ids, clv, p) = ten_customers();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let s = segment_customers(&scores, &SegmentOptions::default()).unwrap();
    // Type-7 0.8 quantile of 1..10: h = 9 * 0.8 = 7.2, x[7] + 0.2 (x[8] - x[7]) = 8.2.
    assert_relative_eq!(s.summary.clv_threshold, 8.2, max_relative = 1e-15);
    // High value: 9 (P = 0.5, active) and 10 (P = 0.3).
    assert_eq!(s.segments[8], Segment::Champions);
    assert_eq!(s.segments[9], Segment::AtRisk);
    assert_eq!(s.members(Segment::Potential), [0, 2, 4, 6]); // CLV 1, 3, 5, 7
    assert_eq!(s.members(Segment::Dormant), [1, 3, 5, 7]); // CLV 2, 4, 6, 8
    let total = 55.0;
    let champions = s.summary.row(Segment::Champions);
    assert_eq!(champions.customers, 1);
    assert_eq!(champions.share_of_value, Some(9.0 / total));
    assert_eq!(champions.mean_p_alive, Some(0.5));
    let potential = s.summary.row(Segment::Potential);
    assert_eq!(potential.customers, 4);
    assert_eq!(potential.total_clv, 16.0);
    assert_eq!(potential.mean_clv, Some(4.0));
    assert_relative_eq!(potential.mean_p_alive.unwrap(), 0.9, max_relative = 1e-15);
    let dormant = s.summary.row(Segment::Dormant);
    assert_eq!(dormant.mean_clv, Some(5.0));
    assert_eq!(dormant.share_of_value, Some(20.0 / total));
    let shares: f64 = s
        .summary
        .rows
        .iter()
        .map(|r| r.share_of_value.unwrap())
        .sum();
    assert_relative_eq!(shares, 1.0, max_relative = 1e-15);
}

#[test]
fn clv_equal_to_the_threshold_is_not_high_value() {
    let (ids, clv, p) = ten_customers();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let options = SegmentOptions::default().clv_amount(9.0).unwrap();
    let s = segment_customers(&scores, &options).unwrap();
    assert_eq!(s.summary.row(Segment::Champions).customers, 0);
    assert_eq!(s.summary.row(Segment::Champions).mean_clv, None);
    assert_eq!(s.segments[9], Segment::AtRisk);
    // Active level 0.95: nobody is active.
    let options = SegmentOptions::default().active_level(0.95).unwrap();
    let s = segment_customers(&scores, &options).unwrap();
    assert_eq!(s.summary.row(Segment::Dormant).customers, 8);
    assert_eq!(s.summary.row(Segment::AtRisk).customers, 2);
}

#[test]
fn many_zero_clvs_do_not_make_everyone_high_value() {
    // 0.8 quantile of (0, 0, 0, 0, 0, 0, 0, 0, 0, 50) is 0; only the customer above it is high.
    let ids = ids(10);
    let mut clv = Array1::zeros(10);
    clv[9] = 50.0;
    let p = Array1::from_elem(10, 0.6);
    let s = segment_customers(
        &ScoreView::new(&ids, clv.view(), p.view()).unwrap(),
        &SegmentOptions::default(),
    )
    .unwrap();
    assert_eq!(s.summary.clv_threshold, 0.0);
    assert_eq!(s.summary.row(Segment::Champions).customers, 1);
    assert_eq!(s.summary.row(Segment::Potential).customers, 9);
    // All CLVs zero: shares are undefined, not NaN.
    let zero = Array1::zeros(10);
    let s = segment_customers(
        &ScoreView::new(&ids, zero.view(), p.view()).unwrap(),
        &SegmentOptions::default(),
    )
    .unwrap();
    assert!(s.summary.rows.iter().all(|r| r.share_of_value.is_none()));
}

#[test]
fn bad_scores_are_errors_naming_row_column_value() {
    let ids = ids(3);
    let (clv, p) = (array![1.0, f64::NAN, 2.0], array![0.5, 0.5, 0.5]);
    let err = ScoreView::new(&ids, clv.view(), p.view()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { row: 2, column, .. } if column == "clv"),
        "{err}"
    );
    let (clv, p) = (array![1.0, 2.0], array![0.5, 0.5]);
    assert!(matches!(
        ScoreView::new(&ids, clv.view(), p.view()),
        Err(Error::LengthMismatch {
            expected: 3,
            actual: 2,
            ..
        })
    ));
    assert!(SegmentOptions::default().clv_quantile(-0.1).is_err());
    assert!(SegmentOptions::default().active_level(f64::NAN).is_err());
}

#[test]
fn segment_table_and_csv() {
    let (ids, clv, p) = ten_customers();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let s = segment_customers(&scores, &SegmentOptions::default()).unwrap();
    let text = s.summary.to_table_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("segment"));
    assert!(lines[3].starts_with("at risk: act now"));
    // 10 of 55 = 18.2 %, mean CLV 10, mean P(alive) 0.3.
    assert!(lines[3].contains("18.2%") && lines[3].contains("10.00") && lines[3].contains("0.300"));
    assert!(text.contains("CLV > 8.20"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segments.csv");
    s.summary.write_csv(&path).unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next().unwrap(),
        "segment,customers,share_of_value,mean_clv,mean_p_alive,total_clv,action"
    );
    assert_eq!(rows.next().unwrap().split(',').next(), Some("champions"));
    let customers = dir.path().join("customers.csv");
    s.write_customers_csv(&customers).unwrap();
    let csv = std::fs::read_to_string(&customers).unwrap();
    assert_eq!(csv.lines().nth(10), Some("c10,at_risk"));
}

// ---------------------------------------------------------------- RFM scores

#[test]
fn rfm_scores_by_hand() {
    // Five customers, T = 20 for all. Time since last purchase T - t_x: 20, 2, 10, 2, 5, so
    // the two at 2 tie for best (3 customers worse: 1 + floor(15 / 5) = 4), 5 has 2 worse ->
    // 3, 10 has 1 worse -> 2, 20 none -> 1.
    let ids = ids(5);
    let x = array![0.0, 3.0, 1.0, 3.0, 7.0];
    let t_x = array![0.0, 18.0, 10.0, 18.0, 15.0];
    let age = Array1::from_elem(5, 20.0);
    let m = array![0.0, 12.0, 30.0, 12.0, 25.0];
    let s = rfm_scores(&ids, x.view(), t_x.view(), age.view(), m.view()).unwrap();
    assert_eq!(s.recency, [1, 4, 2, 4, 3]);
    // x: 0 (none worse) -> 1; 1 (1 worse) -> 2; 3, 3 (2 worse) -> 3; 7 (4 worse) -> 5.
    assert_eq!(s.frequency, [1, 3, 2, 3, 5]);
    // m: 0 -> 1; 12, 12 (1 worse) -> 2; 25 (3 worse) -> 4; 30 (4 worse) -> 5.
    assert_eq!(s.monetary, [1, 2, 5, 2, 4]);
    assert_eq!(s.code(4), "354");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rfm.csv");
    s.write_csv(&path).unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    assert_eq!(csv.lines().nth(2), Some("c2,4,3,2,432"));
}

#[test]
fn rfm_scores_reject_recency_above_age() {
    let ids = ids(2);
    let err = rfm_scores(
        &ids,
        array![1.0, 1.0].view(),
        array![5.0, 12.0].view(),
        array![10.0, 10.0].view(),
        array![3.0, 3.0].view(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { row: 2, .. }), "{err}");
}

// ---------------------------------------------------------------- cohorts

/// Six customers, observation ending 1997-04-30:
/// * January: a (second purchase after 10 days), b (after 45), c (none);
/// * February: d (after 80 days, 1997-02-01 -> 1997-04-22), e (none);
/// * April: f (first purchase 1997-04-10: 20 days observed).
fn small_log() -> Vec<(&'static str, NaiveDate)> {
    vec![
        ("a", date(1997, 1, 2)),
        ("b", date(1997, 1, 15)),
        ("a", date(1997, 1, 12)),
        ("a", date(1997, 1, 2)), // same day: not a repeat
        ("c", date(1997, 1, 31)),
        ("b", date(1997, 3, 1)),
        ("d", date(1997, 2, 1)),
        ("e", date(1997, 2, 28)),
        ("d", date(1997, 4, 22)),
        ("f", date(1997, 4, 10)),
        ("a", date(1997, 5, 3)), // after the end of observation: ignored
    ]
}

fn small_scores() -> (Vec<String>, Array1<f64>, Array1<f64>) {
    let ids = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
    (
        ids,
        array![40.0, 20.0, 0.0, 30.0, 6.0, 10.0],
        array![0.9, 0.6, 0.2, 0.8, 0.4, 1.0],
    )
}

#[test]
fn purchase_history_by_hand() {
    let h = PurchaseHistory::from_transactions(small_log(), Some(date(1997, 4, 30))).unwrap();
    assert_eq!(h.ids(), ["a", "b", "c", "d", "e", "f"]);
    assert_eq!(h.get("a").unwrap().days_to_second_purchase(), Some(10));
    assert_eq!(h.get("b").unwrap().days_to_second_purchase(), Some(45));
    assert_eq!(h.get("c").unwrap().second_purchase, None);
    assert_eq!(h.get("d").unwrap().days_to_second_purchase(), Some(80));
    // Without an end, the last date of the log (1997-05-03) is the end.
    let all = PurchaseHistory::from_transactions(small_log(), None).unwrap();
    assert_eq!(all.observation_end(), date(1997, 5, 3));
    // Out of order: the earliest date is the first purchase.
    let h = PurchaseHistory::from_transactions(
        [
            ("z", date(1997, 3, 1)),
            ("z", date(1997, 1, 1)),
            ("z", date(1997, 2, 1)),
        ],
        None,
    )
    .unwrap();
    assert_eq!(h.get("z").unwrap().first_purchase, date(1997, 1, 1));
    assert_eq!(h.get("z").unwrap().second_purchase, Some(date(1997, 2, 1)));
    assert!(matches!(
        PurchaseHistory::from_transactions(Vec::<(&str, NaiveDate)>::new(), None),
        Err(Error::Empty { .. })
    ));
}

#[test]
fn monthly_cohorts_by_hand() {
    let h = PurchaseHistory::from_transactions(small_log(), Some(date(1997, 4, 30))).unwrap();
    let (ids, clv, p) = small_scores();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let groups = calendar_cohorts(&ids, &h, CohortPeriod::Month).unwrap();
    assert_eq!(
        groups.labels,
        ["1997-01", "1997-01", "1997-01", "1997-02", "1997-02", "1997-04"]
    );
    let t = cohort_table(&scores, &groups, Some(&h), &CohortOptions::default()).unwrap();
    assert_eq!(t.rows.len(), 3);

    let jan = &t.rows[0];
    assert_eq!((jan.group.as_str(), jan.customers), ("1997-01", 3));
    assert_eq!(jan.total_clv, 60.0);
    assert_eq!(jan.mean_clv, 20.0);
    assert_relative_eq!(jan.mean_p_alive, 1.7 / 3.0, max_relative = 1e-15);
    assert_eq!(jan.share_active, 2.0 / 3.0);
    // Observed 118, 105, 89 days: all three for 30 and 60 days, only a and b for 90.
    assert_eq!(
        jan.repeat[0],
        RepeatRate::Rate {
            rate: 1.0 / 3.0,
            observed: 3
        }
    );
    assert_eq!(
        jan.repeat[1],
        RepeatRate::Rate {
            rate: 2.0 / 3.0,
            observed: 3
        }
    );
    assert_eq!(
        jan.repeat[2],
        RepeatRate::TooYoung {
            observed: 2,
            customers: 3
        }
    );

    // February: observed 88 and 61 days; d repeated after 80 days.
    let feb = &t.rows[1];
    assert_eq!(feb.repeat[0].rate(), Some(0.0));
    assert_eq!(feb.repeat[1].rate(), Some(0.0));
    assert_eq!(
        feb.repeat[2],
        RepeatRate::TooYoung {
            observed: 0,
            customers: 2
        }
    );

    // April: 20 days observed, too young for every window.
    let apr = &t.rows[2];
    assert!(apr.repeat.iter().all(|r| r.rate().is_none()));

    assert_eq!(t.overall.customers, 6);
    assert_eq!(t.overall.total_clv, 106.0);
    // All customers, 30 days: a..e observed (f is not), only a repeated: not all observed.
    assert_eq!(
        t.overall.repeat[0],
        RepeatRate::TooYoung {
            observed: 5,
            customers: 6
        }
    );

    // Accepting groups where 2/3 were observed gives January's 90-day rate over a and b,
    // who both came back within 90 days.
    let lenient = CohortOptions {
        min_observed_share: 0.6,
        ..Default::default()
    };
    let t = cohort_table(&scores, &groups, Some(&h), &lenient).unwrap();
    assert_eq!(
        t.rows[0].repeat[2],
        RepeatRate::Rate {
            rate: 1.0,
            observed: 2
        }
    );
    assert_eq!(
        t.overall.repeat[0],
        RepeatRate::Rate {
            rate: 0.2,
            observed: 5
        }
    );

    let text = t.to_table_string();
    assert!(text.lines().nth(4).unwrap().contains("too young"), "{text}");
    assert!(text.contains("(all)"));
}

#[test]
fn quarterly_cohorts_and_csv() {
    let h = PurchaseHistory::from_transactions(small_log(), Some(date(1997, 4, 30))).unwrap();
    let (ids, clv, p) = small_scores();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let groups = calendar_cohorts(&ids, &h, CohortPeriod::Quarter).unwrap();
    let t = cohort_table(&scores, &groups, Some(&h), &CohortOptions::default()).unwrap();
    assert_eq!(
        t.rows.iter().map(|r| r.group.as_str()).collect::<Vec<_>>(),
        ["1997-Q1", "1997-Q2"]
    );
    assert_eq!(t.rows[0].customers, 5);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cohorts.csv");
    t.write_csv(&path).unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "cohort_quarter,customers,mean_clv,total_clv,lift,mean_p_alive,share_active,\
         repeat_30d,observed_30d,repeat_60d,observed_60d,repeat_90d,observed_90d"
    );
    // Q1 (a..e), 30 days: only a repeated, 1/5; 60 days: a and b, 2/5 (all five observed at
    // least 61 days); 90 days: only a and b observed -> too young.
    assert!(lines[1].starts_with("1997-Q1,5,19.2,96,"), "{}", lines[1]);
    assert!(lines[1].ends_with(",0.2,5,0.4,5,,2"), "{}", lines[1]);
    assert_eq!(lines.len(), 4); // header, two quarters, (all)
}

#[test]
fn attribute_groups_join_by_id() {
    let (ids, clv, p) = small_scores();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let csv = "customer_id,channel,region\na,search,n\nb,social,s\nc,search,n\nd,,s\ne,social,n\nf,search,s\n";
    let map = cohorts::attribute_map_from_reader(csv.as_bytes(), "channel").unwrap();
    let groups = attribute_groups(&ids, &map, "channel").unwrap();
    // Without purchase history: no repeat columns.
    let t = cohort_table(&scores, &groups, None, &CohortOptions::default()).unwrap();
    assert!(t.windows_days.is_empty());
    let names: Vec<&str> = t.rows.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(names, ["(blank)", "search", "social"]);
    assert_eq!(t.rows[1].customers, 3);
    assert_eq!(t.rows[1].total_clv, 50.0); // a + c + f
    assert_eq!(t.rows[2].mean_p_alive, 0.5); // b, e
    assert!(t
        .to_table_string()
        .lines()
        .next()
        .unwrap()
        .starts_with("channel"));

    // A customer missing from the attribute file is an error naming it.
    let mut partial: HashMap<String, String> = map.clone();
    partial.remove("e");
    let err = attribute_groups(&ids, &partial, "channel").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { row: 5, value, .. } if value == "e"),
        "{err}"
    );
    // So is a customer missing from the transaction log.
    let h = PurchaseHistory::from_transactions([("a", date(1997, 1, 1))], None).unwrap();
    let err = calendar_cohorts(&ids, &h, CohortPeriod::Month).unwrap_err();
    assert!(err.to_string().contains("\"b\""), "{err}");
    // And a missing column or a duplicate id in the attribute file.
    assert!(matches!(
        cohorts::attribute_map_from_reader(csv.as_bytes(), "segment"),
        Err(Error::MissingColumn { .. })
    ));
    let dup = "customer_id,channel\na,x\na,y\n";
    assert!(matches!(
        cohorts::attribute_map_from_reader(dup.as_bytes(), "channel"),
        Err(Error::DuplicateId {
            first: 1,
            second: 2,
            ..
        })
    ));
}

// ---------------------------------------------------------------- CLV / CAC

fn channel_groups() -> GroupLabels {
    GroupLabels {
        name: "channel".into(),
        labels: ["search", "search", "social", "tv", "tv", "tv"]
            .map(String::from)
            .to_vec(),
    }
}

#[test]
fn cac_ratios_readings_and_affordable_cost() {
    let ids = ids(6);
    // Means: search 60, social 12, tv 100.
    let clv = array![80.0, 40.0, 12.0, 90.0, 100.0, 110.0];
    let p = Array1::from_elem(6, 0.5);
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let costs =
        AcquisitionCosts::from_csv_reader("group,cac\nsearch,20\nsocial,15\n".as_bytes()).unwrap();
    let options = CacOptions {
        margin: 0.5,
        target_ratio: 3.0,
    };
    let t = cac_report(&scores, &channel_groups(), &costs, &options).unwrap();
    // search: 0.5 * 60 / 20 = 1.5; social: 0.5 * 12 / 15 = 0.4; tv: no cost.
    assert_eq!(t.rows[0].mean_value, 30.0);
    assert_eq!(t.rows[0].ratio, Some(1.5));
    assert_eq!(t.rows[0].reading, Some(CacReading::Thin));
    assert_eq!(t.rows[0].max_affordable_cac, 10.0);
    assert_eq!(t.rows[1].ratio, Some(0.4));
    assert_eq!(t.rows[1].reading, Some(CacReading::LosesMoney));
    assert_eq!(t.rows[2].cac, None);
    assert_eq!(t.rows[2].reading, None);
    assert_eq!(t.rows[2].max_affordable_cac, 50.0 / 3.0);
    let text = t.to_table_string();
    assert!(text.contains("loses money on each customer"));
    assert!(text.contains("no CAC given"));

    // Readings at the edges of the usual 3-5 band.
    assert_eq!(CacReading::of(0.999), CacReading::LosesMoney);
    assert_eq!(CacReading::of(1.0), CacReading::Thin);
    assert_eq!(CacReading::of(2.999), CacReading::Thin);
    assert_eq!(CacReading::of(5.001), CacReading::UnderInvesting);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cac.csv");
    t.write_csv(&path).unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    // lift against the mean of all six, 0.5 x 432 / 6 = 36 (the margin cancels).
    let search = format!("search,2,30,{},20,1.5,10,thin", 30.0 / 36.0 - 1.0);
    assert_eq!(csv.lines().nth(1), Some(search.as_str()));
    let tv = format!("tv,3,50,{},,,", 50.0 / 36.0 - 1.0);
    assert!(csv.lines().nth(3).unwrap().starts_with(&tv));
}

#[test]
fn cac_file_errors_name_the_problem() {
    let ids = ids(6);
    let clv = Array1::from_elem(6, 10.0);
    let p = Array1::from_elem(6, 0.5);
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let costs =
        AcquisitionCosts::from_csv_reader("group,cac\nsearch,20\nradio,5\n".as_bytes()).unwrap();
    let err = cac_report(&scores, &channel_groups(), &costs, &CacOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { row: 2, value, .. } if value == "radio"),
        "{err}"
    );
    let dup = AcquisitionCosts::from_csv_reader("group,cac\na,1\na,2\n".as_bytes()).unwrap_err();
    assert!(matches!(dup, Error::InvalidValue { row: 2, .. }), "{dup}");
    let zero = AcquisitionCosts::from_csv_reader("group,cac\na,0\n".as_bytes()).unwrap_err();
    assert!(zero.to_string().contains("positive"), "{zero}");
    let text = AcquisitionCosts::from_csv_reader("group,cac\na,ten\n".as_bytes()).unwrap_err();
    assert!(text.to_string().contains("\"ten\""), "{text}");
    let bad_margin = CacOptions {
        margin: 1.5,
        target_ratio: 3.0,
    };
    assert!(cac_report(
        &scores,
        &channel_groups(),
        &AcquisitionCosts { costs: vec![] },
        &bad_margin
    )
    .is_err());
}

// ---------------------------------------------------------------- historical vs predictive

#[test]
fn historical_against_predictive_by_hand() {
    let groups = channel_groups();
    let historical = array![50.0, 30.0, 0.0, 10.0, 20.0, 30.0];
    let predictive = array![30.0, 10.0, 6.0, 20.0, 20.0, 20.0];
    let v = value_comparison(&groups, historical.view(), predictive.view()).unwrap();
    assert_eq!(v.rows[0].mean_historical, 40.0);
    assert_eq!(v.rows[0].mean_predictive, 20.0);
    assert_eq!(v.rows[0].predictive_to_historical, Some(0.5));
    assert_eq!(v.rows[1].predictive_to_historical, None); // social: no history
    assert_eq!(v.rows[2].predictive_to_historical, Some(1.0));
    assert_eq!(v.overall.total_historical, 140.0);
    assert_eq!(v.overall.total_predictive, 106.0);
    let text = v.to_table_string();
    assert!(text.lines().last().unwrap().starts_with("(all)"));
    let err = value_comparison(&groups, historical.view(), array![1.0].view()).unwrap_err();
    assert!(matches!(err, Error::LengthMismatch { .. }));
}

// ---------------------------------------------------------------- CDNOW

/// The first and second purchase days read from the CDNOW log agree with the published RFM
/// summary (`data/cdnow_summary.csv`, REFERENCE.md): with the calibration ending 1997-09-30,
/// a customer has a second purchase exactly when x > 0, T (weeks) is the days from the first
/// purchase to the end over 7, and for x = 1 the recency t_x is the days to the second
/// purchase over 7 (both to the file's two decimals).
#[test]
fn cdnow_purchase_history_matches_the_published_summary() {
    let text = std::fs::read_to_string("data/CDNOW_sample.txt").unwrap();
    let log = text.lines().map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let d = NaiveDate::parse_from_str(f[2], "%Y%m%d").unwrap();
        (f[1].trim_start_matches('0').to_string(), d)
    });
    let end = date(1997, 9, 30);
    let h = PurchaseHistory::from_transactions(log, Some(end)).unwrap();
    assert_eq!(h.ids().len(), 2357);

    let mut rdr = csv::Reader::from_path("data/cdnow_summary.csv").unwrap();
    let mut checked_x1 = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let d = h.get(&rec[0]).unwrap();
        let (x, t_x, age): (f64, f64, f64) = (
            rec[1].parse().unwrap(),
            rec[2].parse().unwrap(),
            rec[3].parse().unwrap(),
        );
        assert_eq!(d.second_purchase.is_some(), x > 0.0, "customer {}", &rec[0]);
        let observed_weeks = (end - d.first_purchase).num_days() as f64 / 7.0;
        assert!((observed_weeks - age).abs() < 0.006, "customer {}", &rec[0]);
        if x == 1.0 {
            let weeks = d.days_to_second_purchase().unwrap() as f64 / 7.0;
            assert!((weeks - t_x).abs() < 0.006, "customer {}", &rec[0]);
            checked_x1 += 1;
        }
    }
    assert!(checked_x1 > 400);

    // Everyone was acquired in Q1 1997 (REFERENCE.md), so there are exactly three monthly
    // cohorts, and by the end of 1997-09-30 all of them are old enough for 90 days.
    let ids = h.ids().to_vec();
    let groups = calendar_cohorts(&ids, &h, CohortPeriod::Month).unwrap();
    let clv = Array1::from_elem(ids.len(), 1.0);
    let p = Array1::from_elem(ids.len(), 0.5);
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let t = cohort_table(&scores, &groups, Some(&h), &CohortOptions::default()).unwrap();
    let names: Vec<&str> = t.rows.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(names, ["1997-01", "1997-02", "1997-03"]);
    assert_eq!(t.rows.iter().map(|r| r.customers).sum::<usize>(), 2357);
    // Counts from scripts/cdnow_cohort_repeat_rates.py (independent plain-Python count):
    // customers, then repeaters within 30, 60, 90 days.
    let reference = [
        (781, [137, 212, 232]),
        (857, [159, 229, 260]),
        (719, [114, 160, 195]),
    ];
    for (row, (n, repeaters)) in t.rows.iter().zip(reference) {
        assert_eq!(row.customers, n, "{}", row.group);
        for (rate, k) in row.repeat.iter().zip(repeaters) {
            let expected = RepeatRate::Rate {
                rate: k as f64 / n as f64,
                observed: n,
            };
            assert_eq!(*rate, expected, "{}", row.group);
        }
    }
}
