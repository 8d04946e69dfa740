//! The indicators (churn, revenue split, order value by tenure, tiers, health, lift, segment
//! actions, pseudonyms) on small logs checked by hand, and on CDNOW against the independent
//! count of scripts/cdnow_indicators.py.

use approx::assert_relative_eq;
use chrono::NaiveDate;
use clv::analysis::*;
use clv::value::ValueTable;
use clv::{Duration, Error, TimeUnit};
use ndarray::{array, Array1};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).unwrap()
}

/// a: Jan 5 (10 + 5, one order of 15), Feb 10 (30), Apr 20 (20); b: Jan 20 (40);
/// c: Feb 15 (10), Mar 1 (20); d: Mar 25 (50). Observed to Apr 30, 2024.
fn small_log() -> OrderLog {
    let log = [
        ("a", d(1, 5), Some(10.0)),
        ("b", d(1, 20), Some(40.0)),
        ("a", d(2, 10), Some(30.0)),
        ("c", d(3, 1), Some(20.0)),
        ("a", d(1, 5), Some(5.0)),
        ("c", d(2, 15), Some(10.0)),
        ("d", d(3, 25), Some(50.0)),
        ("a", d(4, 20), Some(20.0)),
        ("a", d(5, 2), Some(99.0)), // after the end: left out
    ];
    OrderLog::from_transactions(log, Some(d(4, 30))).unwrap()
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- orders

#[test]
fn orders_are_days_with_amounts_summed() {
    let log = small_log();
    assert_eq!(log.ids(), ["a", "b", "c", "d"]);
    let a: Vec<(NaiveDate, f64)> = log
        .get("a")
        .unwrap()
        .iter()
        .map(|o| (o.date, o.amount))
        .collect();
    assert_eq!(a, [(d(1, 5), 15.0), (d(2, 10), 30.0), (d(4, 20), 20.0)]);
    assert_eq!(log.get("c").unwrap()[0].date, d(2, 15)); // sorted
    assert!(log.has_amounts());
}

#[test]
fn bad_orders_are_errors_naming_row_column_value() {
    let err = OrderLog::from_transactions([("a", d(1, 1), Some(-3.0))], None).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { row: 1, column, .. } if column == "amount"),
        "{err}"
    );
    let err =
        OrderLog::from_transactions([("a", d(1, 1), Some(1.0)), ("", d(1, 2), Some(1.0))], None)
            .unwrap_err();
    assert!(
        err.to_string().starts_with("row 2, column `customer_id`"),
        "{err}"
    );
    let mixed = [("a", d(1, 1), Some(1.0)), ("b", d(1, 2), None)];
    assert!(OrderLog::from_transactions(mixed, None).is_err());
    let none: [(&str, NaiveDate, Option<f64>); 0] = [];
    assert!(matches!(
        OrderLog::from_transactions(none, None),
        Err(Error::Empty { .. })
    ));
    // Without amounts the revenue indicators refuse the log.
    let no_amounts = OrderLog::from_transactions([("a", d(1, 1), None)], None).unwrap();
    let err = revenue_split(&no_amounts, CohortPeriod::Month).unwrap_err();
    assert!(err.to_string().contains("amount"), "{err}");
    assert!(aov_by_tenure(&no_amounts, CohortPeriod::Month).is_err());
}

#[test]
fn order_log_reads_a_text_log_and_names_bad_lines() {
    use clv::data::transactions::TransactionLogOptions;
    let csv = "customer_id,date,amount\na,2024-01-03,5\na,2024-01-03,7\nb,2024-01-09,1\n";
    let options = TransactionLogOptions::new("customer_id", "date").amount("amount");
    let log = OrderLog::read(csv.as_bytes(), &options, None).unwrap();
    assert_eq!(log.get("a").unwrap()[0].amount, 12.0);
    assert_eq!(log.observation_end(), d(1, 9));
    let bad = "customer_id,date,amount\na,2024-01-03,5\nb,2024-01-09,-1\n";
    let err = OrderLog::read(bad.as_bytes(), &options, None).unwrap_err();
    assert!(
        err.to_string().starts_with("row 3, column `amount`"),
        "{err}"
    );
}

// ---------------------------------------------------------------- revenue

#[test]
fn revenue_split_by_month_and_quarter_by_hand() {
    let log = small_log();
    let s = revenue_split(&log, CohortPeriod::Month).unwrap();
    let periods: Vec<&str> = s.rows.iter().map(|r| r.period.as_str()).collect();
    assert_eq!(periods, ["2024-01", "2024-02", "2024-03", "2024-04"]);
    // Jan: first orders of a (15) and b (40).
    let jan = &s.rows[0];
    assert_eq!(
        (jan.orders, jan.customers, jan.new_customers, jan.revenue),
        (2, 2, 2, 55.0)
    );
    assert_eq!(
        (jan.first_order_revenue, jan.existing_customer_revenue),
        (55.0, 0.0)
    );
    assert_eq!(jan.existing_share, Some(0.0));
    // Feb: a's repeat (30, acquired in Jan: existing) and c's first order (10).
    let feb = &s.rows[1];
    assert_eq!(
        (
            feb.revenue,
            feb.first_order_revenue,
            feb.repeat_order_revenue
        ),
        (40.0, 10.0, 30.0)
    );
    assert_eq!((feb.customers, feb.new_customers), (2, 1));
    assert_eq!(feb.existing_share, Some(0.75));
    // Mar: c's repeat (20, acquired in Feb) and d's first (50).
    assert_eq!(s.rows[2].existing_share, Some(20.0 / 70.0));
    // Apr: a's repeat only.
    assert_eq!(s.rows[3].existing_share, Some(1.0));
    let all = &s.overall;
    assert_eq!((all.orders, all.customers, all.revenue), (7, 4, 185.0));
    assert_eq!(
        (all.first_order_revenue, all.repeat_order_revenue),
        (115.0, 70.0)
    );
    assert_eq!(all.existing_share, Some(70.0 / 185.0));

    // By quarter everyone was acquired in Q1: its repeats are not from existing customers.
    let q = revenue_split(&log, CohortPeriod::Quarter).unwrap();
    assert_eq!(q.rows[0].period, "2024-Q1");
    assert_eq!(
        (q.rows[0].revenue, q.rows[0].repeat_order_revenue),
        (165.0, 50.0)
    );
    assert_eq!(q.rows[0].existing_share, Some(0.0));
    assert_eq!(
        (q.rows[1].revenue, q.rows[1].existing_share),
        (20.0, Some(1.0))
    );

    let text = s.to_table_string();
    assert!(
        text.lines().nth(3).unwrap().starts_with("2024-02"),
        "{text}"
    );
    assert!(text.contains("75.0%"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("revenue.csv");
    s.write_csv(&path).unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.starts_with("period,orders,customers,new_customers,revenue,first_order_revenue,repeat_order_revenue,existing_customer_revenue,existing_share\n"));
    assert!(csv.contains("\n2024-02,2,2,1,40,10,30,30,0.75\n"), "{csv}");
}

// ---------------------------------------------------------------- order value

#[test]
fn order_value_first_repeat_and_tenure_by_hand() {
    let aov = aov_by_tenure(&small_log(), CohortPeriod::Month).unwrap();
    let cohorts: Vec<&str> = aov
        .first_vs_repeat
        .iter()
        .map(|r| r.cohort.as_str())
        .collect();
    assert_eq!(cohorts, ["2024-01", "2024-02", "2024-03", "(all)"]);
    // January: first orders 15 and 40, repeats 30 and 20.
    let jan = &aov.first_vs_repeat[0];
    assert_eq!(
        (
            jan.customers,
            jan.first_aov,
            jan.repeat_orders,
            jan.repeat_aov
        ),
        (2, 27.5, 2, Some(25.0))
    );
    assert_eq!(jan.repeat_to_first, Some(25.0 / 27.5));
    // March: d never came back.
    assert_eq!(aov.first_vs_repeat[2].repeat_aov, None);
    assert_eq!(aov.first_vs_repeat[2].repeat_to_first, None);
    let all = &aov.first_vs_repeat[3];
    assert_eq!((all.first_aov, all.repeat_aov), (28.75, Some(70.0 / 3.0)));
    // Tenure: a's Feb 10 is 36 days after Jan 5 (month 1), Apr 20 is 106 days (month 3);
    // c's repeat 15 days after (month 0).
    let months: Vec<(u32, usize, f64)> = aov
        .by_tenure
        .iter()
        .filter(|c| c.cohort == "(all)")
        .map(|c| (c.tenure_month, c.orders, c.aov))
        .collect();
    assert_eq!(months, [(0, 5, 27.0), (1, 1, 30.0), (3, 1, 20.0)]);
    let dir = tempfile::tempdir().unwrap();
    aov.write_tenure_csv(dir.path().join("t.csv")).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    assert!(
        csv.starts_with("cohort,tenure_month,orders,revenue,aov\n2024-01,0,2,55,27.5\n"),
        "{csv}"
    );
    assert!(aov.to_table_string().contains("(all)"));
}

// ---------------------------------------------------------------- churn

/// P(alive) a 0.9, b 0.2, c 0.6, d 0.8.
fn small_scores() -> (Vec<String>, Array1<f64>, Array1<f64>) {
    (
        ids(&["a", "b", "c", "d"]),
        array![100.0, 10.0, 30.0, 20.0],
        array![0.9, 0.2, 0.6, 0.8],
    )
}

#[test]
fn churn_per_cohort_by_hand() {
    let log = small_log();
    let (ids, clv, p) = small_scores();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    let history = PurchaseHistory::from_transactions(
        log.customers().map(|(id, o)| (id.to_string(), o[0].date)),
        Some(log.observation_end()),
    )
    .unwrap();
    let groups = calendar_cohorts(&ids, &history, CohortPeriod::Month).unwrap();
    let options = ChurnOptions {
        windows_days: vec![30, 60],
        ..Default::default()
    };
    let t = churn_table(&scores, &groups, &log, &options).unwrap();
    // Days to Apr 30 since the first / last order: a 116 / 10, b 101 / 101, c 75 / 60,
    // d 36 / 36.
    let jan = &t.rows[0];
    assert_eq!(jan.group, "2024-01");
    assert_eq!(
        jan.observed[0],
        RepeatRate::Rate {
            rate: 0.5,
            observed: 2
        }
    ); // b
    assert_eq!(
        jan.observed[1],
        RepeatRate::Rate {
            rate: 0.5,
            observed: 2
        }
    );
    assert_relative_eq!(jan.model_churn, (0.1 + 0.8) / 2.0, epsilon = 1e-12);
    // c: last order exactly 60 days before the end: churned for 60 days too.
    assert_eq!(t.rows[1].observed[1].rate(), Some(1.0));
    // d: observed 36 days, too young for 60.
    assert_eq!(t.rows[2].observed[0].rate(), Some(1.0));
    assert_eq!(
        t.rows[2].observed[1],
        RepeatRate::TooYoung {
            observed: 0,
            customers: 1
        }
    );
    // All: 3 of 4 churned for 30 days; for 60 days d is not observed, so with the default
    // (everyone observed) the whole base is too young, and with half it is 2 of 3.
    assert_eq!(t.overall.observed[0].rate(), Some(0.75));
    assert_eq!(t.overall.observed[1].rate(), None);
    let half = ChurnOptions {
        min_observed_share: 0.5,
        ..options.clone()
    };
    let t2 = churn_table(&scores, &groups, &log, &half).unwrap();
    assert_eq!(
        t2.overall.observed[1],
        RepeatRate::Rate {
            rate: 2.0 / 3.0,
            observed: 3
        }
    );

    let text = t.to_table_string();
    assert!(text.contains("too young"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    t.write_csv(dir.path().join("churn.csv")).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("churn.csv")).unwrap();
    assert!(
        csv.starts_with(
            "cohort_month,customers,churn_30d,observed_30d,churn_60d,observed_60d,model_churn\n"
        ),
        "{csv}"
    );
    assert!(csv.contains("\n2024-03,1,1,1,,0,"), "{csv}");
}

#[test]
fn churn_per_segment_and_errors() {
    let log = small_log();
    let (ids, clv, p) = small_scores();
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    // CLV > 50 is high value: a champion; b dormant (0.2), c and d potential.
    let seg = segment_customers(
        &scores,
        &SegmentOptions::default().clv_amount(50.0).unwrap(),
    )
    .unwrap();
    let groups = segment_groups(&seg);
    let options = ChurnOptions {
        windows_days: vec![30],
        min_observed_share: 1e-9,
    };
    let t = churn_table(&scores, &groups, &log, &options).unwrap();
    let by: Vec<(&str, Option<f64>)> = t
        .rows
        .iter()
        .map(|r| (r.group.as_str(), r.observed[0].rate()))
        .collect();
    assert_eq!(
        by,
        [
            ("champions", Some(0.0)),
            ("dormant", Some(1.0)),
            ("potential", Some(1.0))
        ]
    );
    assert_relative_eq!(t.rows[2].model_churn, (0.4 + 0.2) / 2.0, epsilon = 1e-12);
    // A scored customer missing from the log.
    let more = vec!["a".to_string(), "zz".to_string()];
    let (c2, p2) = (array![1.0, 1.0], array![0.5, 0.5]);
    let s2 = ScoreView::new(&more, c2.view(), p2.view()).unwrap();
    let g2 = GroupLabels {
        name: "g".into(),
        labels: vec!["x".into(), "x".into()],
    };
    let err = churn_table(&s2, &g2, &log, &options).unwrap_err();
    assert!(
        err.to_string().starts_with("row 2, column `customer_id`"),
        "{err}"
    );
    let bad = ChurnOptions {
        windows_days: vec![0],
        ..Default::default()
    };
    assert!(churn_table(&scores, &groups, &log, &bad).is_err());
}

// ---------------------------------------------------------------- tiers

#[test]
fn tiers_by_share_and_amount_by_hand() {
    // CLV 10, 9, ..., 1 (customer k has CLV 11 - k), P(alive) = CLV / 10.
    let ids: Vec<String> = (1..=10).map(|k| format!("c{k}")).collect();
    let clv = Array1::from_iter((1..=10).rev().map(f64::from));
    let p = clv.mapv(|v| v / 10.0);
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    // 10 customers: round(0.5) = 1 Platinum, round(2) = 2 so 1 Gold, round(5) = 5 so 3 Silver.
    let t = loyalty_tiers(&scores, &TierOptions::default()).unwrap();
    let counts: Vec<(&str, usize)> = t
        .rows
        .iter()
        .map(|r| (r.tier.as_str(), r.customers))
        .collect();
    assert_eq!(
        counts,
        [("Platinum", 1), ("Gold", 1), ("Silver", 3), ("Standard", 5)]
    );
    assert_eq!(t.rows[0].share_of_value, Some(10.0 / 55.0));
    assert_eq!(t.rows[2].mean_clv, Some(7.0)); // 8, 7, 6
    assert_eq!(t.rows[2].min_clv, Some(6.0));
    assert_relative_eq!(t.rows[3].mean_p_alive.unwrap(), 0.3, epsilon = 1e-12);
    assert_eq!(t.tier[0], 0);
    assert_eq!(t.tier[9], 3);
    // By amount: CLV >= 8 VIP, >= 3 Regular, the rest Other.
    let by_amount = TierOptions::parse("VIP=8,Regular=3,Other", TierBy::Amount).unwrap();
    let t = loyalty_tiers(&scores, &by_amount).unwrap();
    let counts: Vec<usize> = t.rows.iter().map(|r| r.customers).collect();
    assert_eq!(counts, [3, 5, 2]);
    assert_eq!(t.rows[1].share_of_customers, 0.5);
    // Empty tiers are listed.
    let t = loyalty_tiers(
        &scores,
        &TierOptions::parse("Top=100,Rest", TierBy::Amount).unwrap(),
    )
    .unwrap();
    assert_eq!((t.rows[0].customers, t.rows[0].mean_clv), (0, None));
    let dir = tempfile::tempdir().unwrap();
    t.write_customers_csv(dir.path().join("c.csv")).unwrap();
    assert!(std::fs::read_to_string(dir.path().join("c.csv"))
        .unwrap()
        .starts_with("customer_id,tier\nc1,Rest\n"));
    // Bad specifications.
    assert!(TierOptions::parse("A=3,B=5,C", TierBy::Amount).is_err()); // increasing
    assert!(TierOptions::parse("A,B", TierBy::Share).is_err());
    assert!(TierOptions::parse("A=x,B", TierBy::Share).is_err());
    assert!(TierOptions::parse("A=0,B", TierBy::Share).is_err());
    let pct =
        TierOptions::parse("Platinum=5%,Gold=15%,Silver=30%,Standard", TierBy::Share).unwrap();
    assert_eq!(pct.names(), TierOptions::default().names());
}

// ---------------------------------------------------------------- health

const HEALTH_SCORES: &str = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
a,4,20,25,10,0.8,0.2,4,10,40\n\
b,2,10,30,10,0.3,0.7,0.5,10,5\n\
c,0,0,10,0,1.0,0,1,10,10\n";

#[test]
fn health_score_by_hand() {
    let table = ValueTable::from_csv_reader(HEALTH_SCORES.as_bytes(), TimeUnit::Weeks).unwrap();
    let horizon = Duration::weeks(50.0);
    let h = health_scores(&table, horizon, &HealthWeights::default(), &[]).unwrap();
    // a: rhythm 20/4 = 5 weeks, gap 5: recency 1; rate 4/25 against 4/50 expected: 0.5.
    // b: rhythm 5, gap 20: 0.25; rate 2/30 against 0.5/50: 0.15.
    // c: no repeat: pooled rhythm 30/6 = 5, gap 10: 0.5; pooled rate 6/65 against 1/50.
    assert_eq!(h.recency, [1.0, 0.25, 0.5]);
    assert_relative_eq!(h.expected[1], 0.15, epsilon = 1e-12);
    assert_relative_eq!(h.expected[2], 0.02 / (6.0 / 65.0), epsilon = 1e-12);
    assert_relative_eq!(h.score[0], 77.0, epsilon = 1e-9);
    assert_relative_eq!(h.score[1], 24.0, epsilon = 1e-9);
    let c = 100.0 * (0.4 + 0.3 * 0.5 + 0.3 * 0.02 / (6.0 / 65.0));
    assert_relative_eq!(h.score[2], c, epsilon = 1e-9);

    // An NPS column (10, 0, 5: scaled 1, 0, 0.5) with weight 0.5 on top.
    let nps = ExtraColumn {
        name: "nps".into(),
        weight: 0.5,
        values: vec![10.0, 0.0, 5.0],
    };
    let h2 = health_scores(&table, horizon, &HealthWeights::default(), &[nps]).unwrap();
    assert_relative_eq!(h2.score[0], 100.0 * (0.77 + 0.5) / 1.5, epsilon = 1e-9);
    assert_relative_eq!(h2.score[1], 100.0 * 0.24 / 1.5, epsilon = 1e-9);
    // Only P(alive) counts when the other weights are 0.
    let only = HealthWeights {
        alive: 1.0,
        recency: 0.0,
        expected: 0.0,
    };
    assert_eq!(
        health_scores(&table, horizon, &only, &[]).unwrap().score,
        [80.0, 30.0, 100.0]
    );

    // Distribution per group: a, b in x (77, 24), c in y.
    let groups = GroupLabels {
        name: "segment".into(),
        labels: vec!["x".into(), "x".into(), "y".into()],
    };
    let dist = health_by_group(&h, &groups).unwrap();
    let x = &dist.rows[0];
    assert_relative_eq!(x.mean, 50.5, epsilon = 1e-9);
    assert_relative_eq!(x.quartiles[0], 24.0 + 0.25 * 53.0, epsilon = 1e-9);
    assert_eq!(x.bands, [1, 0, 0, 1]);
    assert_eq!(dist.overall.customers, 3);
    assert!(dist.to_table_string().starts_with("segment"));

    // Errors: negative weight, all weights 0, wrong length, zero horizon.
    let neg = HealthWeights {
        alive: -1.0,
        ..Default::default()
    };
    assert!(health_scores(&table, horizon, &neg, &[]).is_err());
    let zero = HealthWeights {
        alive: 0.0,
        recency: 0.0,
        expected: 0.0,
    };
    assert!(health_scores(&table, horizon, &zero, &[]).is_err());
    let short = ExtraColumn {
        name: "x".into(),
        weight: 1.0,
        values: vec![1.0],
    };
    assert!(matches!(
        health_scores(&table, horizon, &HealthWeights::default(), &[short]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(health_scores(&table, Duration::weeks(0.0), &HealthWeights::default(), &[]).is_err());
}

#[test]
fn health_extra_columns_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attr.csv");
    std::fs::write(&path, "customer_id,logins,nps\na,3,9\nb,1,x\nc,2,7\n").unwrap();
    let ids = ids(&["a", "b", "c"]);
    let cols = read_extra_columns(&path, &ids, &[("logins".into(), 0.2)]).unwrap();
    assert_eq!(cols[0].values, [3.0, 1.0, 2.0]);
    let err = read_extra_columns(&path, &ids, &[("nps".into(), 0.2)]).unwrap_err();
    assert!(err.to_string().starts_with("row 2, column `nps`"), "{err}");
    assert!(err.to_string().contains("\"x\""), "{err}");
    let missing = vec!["zz".to_string()];
    assert!(read_extra_columns(&path, &missing, &[("logins".into(), 0.2)]).is_err());
}

// ---------------------------------------------------------------- lift, actions

#[test]
fn cohort_and_cac_tables_carry_the_lift() {
    let ids = ids(&["a", "b", "c", "d"]);
    let (clv, p) = (array![150.0, 90.0, 40.0, 20.0], array![0.9, 0.9, 0.9, 0.9]);
    let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
    // Mean 75: fairs (a, b) mean 120, +60%; web (c, d) mean 30, -60%.
    let groups = GroupLabels {
        name: "channel".into(),
        labels: vec!["fairs".into(), "fairs".into(), "web".into(), "web".into()],
    };
    let t = cohort_table(&scores, &groups, None, &CohortOptions::default()).unwrap();
    assert_relative_eq!(t.rows[0].lift.unwrap(), 0.6, epsilon = 1e-12);
    assert_relative_eq!(t.rows[1].lift.unwrap(), -0.6, epsilon = 1e-12);
    assert_eq!(t.overall.lift, Some(0.0));
    assert!(t.to_table_string().contains("+60.0%"));
    let costs = AcquisitionCosts {
        costs: vec![("fairs".into(), 30.0)],
    };
    let options = CacOptions {
        margin: 0.5,
        ..Default::default()
    };
    let c = cac_report(&scores, &groups, &costs, &options).unwrap();
    assert_relative_eq!(c.rows[0].lift.unwrap(), 0.6, epsilon = 1e-12); // margin cancels
    assert!(c.to_table_string().contains("-60.0%"));
}

#[test]
fn segment_table_carries_the_actions() {
    let actions: Vec<&str> = Segment::ALL.iter().map(|s| s.action()).collect();
    assert_eq!(
        actions,
        [
            "protect and involve",
            "win back before they go",
            "develop",
            "automate"
        ]
    );
    let ids = ids(&["a", "b"]);
    let (clv, p) = (array![10.0, 0.0], array![0.9, 0.1]);
    let s = segment_customers(
        &ScoreView::new(&ids, clv.view(), p.view()).unwrap(),
        &SegmentOptions::default(),
    )
    .unwrap();
    let text = s.summary.to_table_string();
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .ends_with("protect and involve"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    s.summary.write_csv(dir.path().join("s.csv")).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
    assert!(
        csv.lines().next().unwrap().ends_with(",total_clv,action"),
        "{csv}"
    );
    assert!(csv.lines().nth(4).unwrap().ends_with(",automate"), "{csv}");
}

// ---------------------------------------------------------------- pseudonyms

#[test]
fn pseudonyms_are_rfc_4231_hmac_sha256_and_stable() {
    // RFC 4231, test case 1: key 20 bytes of 0x0b, data "Hi There".
    let p = Pseudonymizer::new(&[0x0b; 20]).unwrap();
    assert_eq!(
        p.pseudonym("Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    let mut v = ids(&["42", "43", "42"]);
    p.apply(&mut v);
    assert_eq!(v[0], v[2]);
    assert_ne!(v[0], v[1]);
    assert_eq!(v[0].len(), 64);
    let other = Pseudonymizer::new(b"another key").unwrap();
    assert_ne!(other.pseudonym("42"), v[0]);
    assert!(!format!("{p:?}").contains("11"));
}

// ---------------------------------------------------------------- CDNOW

fn cdnow_orders(end: Option<NaiveDate>) -> OrderLog {
    use clv::data::transactions::{DateFormat, TransactionLogOptions};
    let options = TransactionLogOptions::new(1, 2)
        .amount(4)
        .whitespace()
        .no_header()
        .date_format(DateFormat::Compact);
    let file = std::fs::File::open("data/CDNOW_sample.txt").unwrap();
    OrderLog::read(file, &options, end).unwrap()
}

/// The scores `clv report` writes with its defaults on the CDNOW sample (BG/NBD and
/// Gamma-Gamma fitted to 1997-09-30, 12-month discounted CLV).
fn cdnow_scores() -> ValueTable {
    ValueTable::read_csv("tests/fixtures/cdnow_scores.csv", TimeUnit::Weeks).unwrap()
}

/// Revenue per quarter and order value, from scripts/cdnow_indicators.py (an independent
/// plain-Python count over the whole log to 1998-06-30).
#[test]
fn cdnow_revenue_split_and_order_value() {
    let log = cdnow_orders(None);
    let q = revenue_split(&log, CohortPeriod::Quarter).unwrap();
    // (period, revenue, first-order revenue, existing-customer share)
    let reference = [
        ("1997-Q1", 112498.61, 77759.95, 0.0),
        ("1997-Q2", 33629.63, 0.0, 1.0),
        ("1997-Q3", 26987.31, 0.0, 1.0),
        ("1997-Q4", 28109.27, 0.0, 1.0),
        ("1998-Q1", 24886.58, 0.0, 1.0),
        ("1998-Q2", 17980.54, 0.0, 1.0),
    ];
    assert_eq!(q.rows.len(), reference.len());
    for (row, (p, revenue, first, share)) in q.rows.iter().zip(reference) {
        assert_eq!(row.period, p);
        assert!(
            (row.revenue - revenue).abs() < 0.006,
            "{p}: {}",
            row.revenue
        );
        assert!((row.first_order_revenue - first).abs() < 0.006, "{p}");
        assert!((row.existing_share.unwrap() - share).abs() < 1e-9, "{p}");
    }
    // By month, February and March have January (and February) customers coming back.
    let m = revenue_split(&log, CohortPeriod::Month).unwrap();
    assert!((m.rows[1].existing_share.unwrap() - 0.173215).abs() < 5e-7);
    assert!((m.rows[2].existing_share.unwrap() - 0.245215).abs() < 5e-7);

    let aov = aov_by_tenure(&log, CohortPeriod::Month).unwrap();
    let all = aov.first_vs_repeat.last().unwrap();
    assert_eq!((all.customers, all.repeat_orders), (2357, 4339));
    assert!(
        (all.first_aov - 32.991069).abs() < 5e-7,
        "{}",
        all.first_aov
    );
    assert!((all.repeat_aov.unwrap() - 38.334176).abs() < 5e-7);
    let months: Vec<(u32, usize)> = aov
        .by_tenure
        .iter()
        .filter(|c| c.cohort == "(all)")
        .take(4)
        .map(|c| (c.tenure_month, c.orders))
        .collect();
    assert_eq!(months, [(0, 2949), (1, 419), (2, 298), (3, 267)]);
    let m0 = aov.by_tenure.iter().find(|c| c.cohort == "(all)").unwrap();
    assert!((m0.aov - 35.472489).abs() < 5e-7);
}

/// Observed churn per monthly cohort at the scores' end (1997-09-30) and the model churn from
/// the scores, from scripts/cdnow_indicators.py.
#[test]
fn cdnow_churn_by_cohort_observed_and_model() {
    let end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
    let log = cdnow_orders(None).up_to(end).unwrap();
    let scores = cdnow_scores();
    let view = ScoreView::from_value_table(&scores).unwrap();
    let history = log.purchase_history().unwrap();
    let groups = calendar_cohorts(&scores.ids, &history, CohortPeriod::Month).unwrap();
    let t = churn_table(&view, &groups, &log, &ChurnOptions::default()).unwrap();
    // (cohort, customers, churned in 30 / 60 / 90 days, model churn)
    let reference = [
        ("1997-01", 781, [729, 692, 654], 0.195610),
        ("1997-02", 857, [796, 750, 711], 0.189447),
        ("1997-03", 719, [664, 618, 583], 0.173289),
    ];
    for (row, (g, n, churned, model)) in t.rows.iter().zip(reference) {
        assert_eq!((row.group.as_str(), row.customers), (g, n));
        for (rate, k) in row.observed.iter().zip(churned) {
            assert_eq!(
                *rate,
                RepeatRate::Rate {
                    rate: k as f64 / n as f64,
                    observed: n
                },
                "{g}"
            );
        }
        assert!(
            (row.model_churn - model).abs() < 5e-7,
            "{g}: {}",
            row.model_churn
        );
    }
}

/// Loyalty tiers of the CDNOW scores, from scripts/cdnow_indicators.py.
#[test]
fn cdnow_loyalty_tiers() {
    let scores = cdnow_scores();
    let view = ScoreView::from_value_table(&scores).unwrap();
    let t = loyalty_tiers(&view, &TierOptions::default()).unwrap();
    // (customers, share of value, mean P(alive))
    let reference = [
        (118, 0.421306, 0.789093),
        (353, 0.291201, 0.635617),
        (708, 0.140544, 0.757219),
        (1178, 0.146949, 0.902955),
    ];
    for (row, (n, share, p)) in t.rows.iter().zip(reference) {
        assert_eq!(row.customers, n, "{}", row.tier);
        assert!(
            (row.share_of_value.unwrap() - share).abs() < 5e-7,
            "{}",
            row.tier
        );
        assert!((row.mean_p_alive.unwrap() - p).abs() < 5e-7, "{}", row.tier);
    }
}
