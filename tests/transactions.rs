//! Transaction logs to customer tables: the CDNOW check on real data, the conventions on small
//! hand-worked logs, and every kind of bad input.

use clv::data::transactions::{
    calibration_holdout_csv, summarize_csv, summarize_csv_detailed, summarize_csv_reader,
    summarize_transactions, DateFormat, LogOrder, NaiveDate, Period, RefundPolicy, SummaryOptions,
    Transaction, TransactionLogOptions,
};
use clv::{CustomerTable, Error, RfmCsvOptions, TimeUnit};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// CDNOW_sample.txt: master id, sample id, YYYYMMDD, number of CDs, dollar value.
fn cdnow_options() -> TransactionLogOptions {
    TransactionLogOptions::new(1, 2)
        .amount(4)
        .whitespace()
        .no_header()
        .date_format(DateFormat::Compact)
        .unit(TimeUnit::Weeks)
        .observation_end(date(1997, 9, 30))
        .first_purchase_between(date(1997, 1, 1), date(1997, 3, 31))
}

/// REFERENCE.md: "CDNOW_sample.txt summarised per day ..., with time in days / 7 and the
/// calibration period ending 1997-09-30, gives cdnow_summary.csv to its two decimals".
#[test]
fn cdnow_sample_reproduces_the_published_summary() {
    let ours = summarize_csv("data/CDNOW_sample.txt", &cdnow_options()).unwrap();
    let published = CustomerTable::from_csv_path(
        "data/cdnow_summary.csv",
        &RfmCsvOptions::new(TimeUnit::Weeks)
            .columns("ID", "x", "t_x", "T")
            .monetary_value("zbar"),
    )
    .unwrap();
    assert_eq!(ours.len(), 2357);
    assert_eq!(ours.unit(), TimeUnit::Weeks);
    // Sample ids ("0001") appear in the log in increasing order, as the published ids ("1").
    let as_number = |t: &CustomerTable| {
        t.ids()
            .iter()
            .map(|s| s.parse::<u32>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(as_number(&ours), as_number(&published));
    let tol = 0.005 + 1e-9;
    let m = ours.monetary_value().unwrap();
    let zbar = published.monetary_value().unwrap();
    for i in 0..ours.len() {
        let id = &ours.ids()[i];
        assert_eq!(ours.frequency()[i], published.frequency()[i], "x of {id}");
        assert!(
            (ours.recency()[i] - published.recency()[i]).abs() <= tol,
            "t_x of {id}"
        );
        assert!(
            (ours.age()[i] - published.age()[i]).abs() <= tol,
            "T of {id}"
        );
        assert!(
            (m[i] - zbar[i]).abs() <= tol,
            "zbar of {id}: {} vs {}",
            m[i],
            zbar[i]
        );
    }
    // 946 repeat buyers (REFERENCE.md, Gamma-Gamma section).
    assert_eq!(ours.frequency().iter().filter(|&&x| x > 0.0).count(), 946);
}

#[test]
fn cdnow_holdout_counts_every_later_purchase_day() {
    let mut opts = cdnow_options();
    opts.summary.observation_end = None;
    let (table, holdout) =
        calibration_holdout_csv("data/CDNOW_sample.txt", &opts, date(1997, 9, 30)).unwrap();
    assert_eq!(table.len(), 2357);
    // The sample ends on 1998-06-30: 273 days after 1997-09-30.
    let last = date(1998, 6, 30);
    assert_eq!(
        holdout.duration.amount,
        (last - date(1997, 9, 30)).num_days() as f64 / 7.0
    );
    // Independent count of distinct (customer, day) pairs after the calibration end, straight
    // from the text.
    let text = std::fs::read_to_string("data/CDNOW_sample.txt").unwrap();
    let mut days = std::collections::BTreeSet::new();
    let mut spend = 0.0;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f[2] > "19970930" {
            days.insert((f[1].to_string(), f[2].to_string()));
            spend += f[4].parse::<f64>().unwrap();
        }
    }
    assert_eq!(holdout.purchases.sum(), days.len() as f64);
    assert!((holdout.spend.as_ref().unwrap().sum() - spend).abs() < 1e-6);
    // Customer 1 (the first four lines): 1997-08-02 in calibration, 1997-12-12 in holdout.
    assert_eq!(holdout.purchases[0], 1.0);
    assert_eq!(table.frequency()[0], 2.0);
}

fn read(log: &str, opts: &TransactionLogOptions) -> clv::Result<CustomerTable> {
    summarize_csv_reader(log.as_bytes(), opts, None).map(|s| s.table)
}

/// Worked by hand: periods of a day, weeks as the unit, end on the 15th.
#[test]
fn conventions_on_a_small_log() {
    let log = "id,when,value\n\
               a,2024-01-01T09:00:00,10\n\
               a,2024-01-01T18:30:00,5\n\
               b,2024-01-02,4\n\
               a,2024-01-08 10:00,30\n\
               b,2024-01-16,100\n\
               a,2024-01-15T23:59:59,20\n";
    let opts = TransactionLogOptions::new("id", "when")
        .amount("value")
        .unit(TimeUnit::Weeks)
        .observation_end(date(2024, 1, 15));
    let s = summarize_csv_reader(log.as_bytes(), &opts, None).unwrap();
    let t = &s.table;
    assert_eq!(t.ids(), ["a", "b"]);
    // a: purchase days 1, 8, 15: x = 2, t_x = 14 days, T = 14 days; repeat spend (30 + 20) / 2.
    // b: day 2 only (the 16th is after the end): x = 0, T = 13 days.
    assert_eq!(t.frequency().to_vec(), [2.0, 0.0]);
    assert_eq!(t.recency().to_vec(), [2.0, 0.0]);
    assert_eq!(t.age().to_vec(), [2.0, 13.0 / 7.0]);
    assert_eq!(t.monetary_value().unwrap().to_vec(), [25.0, 0.0]);
    assert_eq!(s.stats.after_observation_end, 1);
    assert_eq!(s.stats.transactions, 6);

    // Hourly periods, in days, up to the last hour of the 15th: a's 09:00 and 18:30 purchases
    // are now two.
    let hourly = opts
        .clone()
        .period(Period::Hour)
        .unit(TimeUnit::Days)
        .observation_end(date(2024, 1, 15).and_hms_opt(23, 0, 0).unwrap());
    let t = read(log, &hourly).unwrap();
    assert_eq!(t.frequency()[0], 3.0);
    assert_eq!(t.recency()[0], (14.0 * 24.0 + 23.0 - 9.0) / 24.0);
    assert_eq!(t.monetary_value().unwrap()[0], (5.0 + 30.0 + 20.0) / 3.0);

    // Weekly periods (Monday to Sunday): Jan 1 and 8 and 15 2024 are Mondays.
    let weekly = opts
        .clone()
        .period(Period::Week)
        .observation_end(date(2024, 1, 21));
    let t = read(log, &weekly).unwrap();
    assert_eq!(t.frequency().to_vec(), [2.0, 1.0]);
    assert_eq!(t.recency().to_vec(), [2.0, 2.0]);
    assert_eq!(t.age().to_vec(), [2.0, 2.0]);
}

#[test]
fn default_end_is_the_last_transaction_and_customers_new_at_the_end_are_counted() {
    let log = "c,d\nx,20240101\ny,20240105\nx,20240103\ny,20240105\nz,20240105\n";
    let s =
        summarize_csv_reader(log.as_bytes(), &TransactionLogOptions::new("c", "d"), None).unwrap();
    assert_eq!(s.table.ids(), ["x"]);
    assert_eq!(s.table.age().to_vec(), [4.0]);
    assert_eq!(s.table.monetary_value(), None);
    assert_eq!(s.stats.first_seen_at_end, 2);
    assert_eq!(s.stats.customers_seen, 3);
}

#[test]
fn out_of_order_file_is_read_again_and_gives_the_sorted_answer() {
    let dir = tempfile::tempdir().unwrap();
    let sorted = "c,d,v\na,2024-01-01,1\nb,2024-01-02,2\na,2024-01-03,3\nb,2024-01-03,4\na,2024-01-03,5\nb,2024-01-09,6\na,2024-01-10,7\n";
    let shuffled = "c,d,v\na,2024-01-10,7\nb,2024-01-03,4\na,2024-01-03,3\nb,2024-01-09,6\na,2024-01-01,1\nb,2024-01-02,2\na,2024-01-03,5\n";
    let opts = TransactionLogOptions::new("c", "d").amount("v");
    std::fs::write(dir.path().join("s.csv"), sorted).unwrap();
    std::fs::write(dir.path().join("u.csv"), shuffled).unwrap();
    let a = summarize_csv_detailed(dir.path().join("s.csv"), &opts, None).unwrap();
    let b = summarize_csv_detailed(dir.path().join("u.csv"), &opts, None).unwrap();
    assert!(!a.stats.sorted_in_memory);
    assert!(b.stats.sorted_in_memory);
    // Row order is first appearance, so compare by id.
    assert_eq!(b.table.ids(), ["a", "b"]);
    assert_eq!(a.table, b.table);
    // a: days 1, 3, 10 => x 2, t_x 9, T 9, mean repeat (3+5, 7) = 7.5.
    assert_eq!(a.table.monetary_value().unwrap()[0], 7.5);
    // A reader cannot be re-read: out of order is an error naming the line, unless Unordered.
    let err = read(shuffled, &opts).unwrap_err().to_string();
    assert!(
        err.contains("row 4") && err.contains("not in time order"),
        "{err}"
    );
    let unordered = opts
        .clone()
        .summary(opts.summary.clone().order(LogOrder::Unordered));
    assert_eq!(read(shuffled, &unordered).unwrap(), a.table);
}

#[test]
fn in_memory_transactions_agree_with_text() {
    let t = |id: &str, d: u32, v: f64| Transaction {
        customer_id: id.into(),
        time: date(2024, 1, d).into(),
        amount: Some(v),
    };
    let table = summarize_transactions(
        [
            t("a", 1, 1.0),
            t("b", 2, 2.0),
            t("a", 3, 3.0),
            t("a", 10, 7.0),
        ],
        &SummaryOptions::new(),
    )
    .unwrap();
    let text = read(
        "c,d,v\na,2024-01-01,1\nb,2024-01-02,2\na,2024-01-03,3\na,2024-01-10,7\n",
        &TransactionLogOptions::new("c", "d").amount("v"),
    )
    .unwrap();
    assert_eq!(table, text);
}

#[test]
fn refunds_are_netted_when_asked() {
    let log = "c,d,v\na,2024-01-01,50\na,2024-01-02,-10\na,2024-01-05,40\na,2024-01-06,-15\na,2024-01-09,30\na,2024-01-09,-5\nb,2024-01-03,9\n";
    let opts = TransactionLogOptions::new("c", "d")
        .amount("v")
        .refunds(RefundPolicy::Net);
    let t = read(log, &opts).unwrap();
    // Refund days are not purchases: a bought on days 1, 5, 9; repeat spend (40-15) and (30-5).
    assert_eq!(t.frequency()[0], 2.0);
    assert_eq!(t.recency()[0], 8.0);
    assert_eq!(t.monetary_value().unwrap()[0], 25.0);
    // The same refund order within a day does not matter.
    let swapped = log.replace(
        "a,2024-01-09,30\na,2024-01-09,-5",
        "a,2024-01-09,-5\na,2024-01-09,30",
    );
    assert_eq!(read(&swapped, &opts).unwrap(), t);
}

/// Asserts that reading `log` fails with an InvalidValue on `line` carrying `value`, and that
/// the message shows both.
fn assert_bad_line(log: &str, opts: &TransactionLogOptions, line: usize, value: &str) {
    let err = read(log, opts).unwrap_err();
    let msg = err.to_string();
    match &err {
        Error::InvalidValue { row, value: v, .. } => {
            assert_eq!((*row, v.as_str()), (line, value), "{msg}");
        }
        other => panic!("expected InvalidValue, got {other:?}"),
    }
    assert!(
        msg.contains(&format!("row {line}")) && msg.contains(&format!("{value:?}")),
        "{msg}"
    );
}

fn opts_cdv() -> TransactionLogOptions {
    TransactionLogOptions::new("c", "d").amount("v")
}

#[test]
fn unparseable_date_names_line_and_value() {
    assert_bad_line(
        "c,d,v\na,2024-01-01,1\na,2024-02-30,1\n",
        &opts_cdv(),
        3,
        "2024-02-30",
    );
    assert_bad_line("c,d,v\na,01/02/2024,1\n", &opts_cdv(), 2, "01/02/2024");
    let custom = opts_cdv().date_format(DateFormat::Custom("%d/%m/%Y".into()));
    assert_bad_line(
        "c,d,v\na,01/02/2024,1\na,2024-01-01,2\n",
        &custom,
        3,
        "2024-01-01",
    );
}

#[test]
fn missing_date_names_line() {
    assert_bad_line("c,d,v\na,2024-01-01,1\nb,,1\n", &opts_cdv(), 3, "");
}

#[test]
fn unparseable_amount_names_line_and_value() {
    assert_bad_line(
        "c,d,v\na,2024-01-01,1\na,2024-01-02,12,50\na,2024-01-03,$3\n",
        &opts_cdv(),
        4,
        "$3",
    );
    assert_bad_line("c,d,v\na,2024-01-01,NaN\n", &opts_cdv(), 2, "NaN");
}

#[test]
fn missing_amount_names_line() {
    assert_bad_line("c,d,v\na,2024-01-01,1\na,2024-01-02\n", &opts_cdv(), 3, "");
}

#[test]
fn missing_id_names_line() {
    assert_bad_line(
        "c,d,v\na,2024-01-01,1\n  ,2024-01-02,3\n",
        &opts_cdv(),
        3,
        "",
    );
    let ws = TransactionLogOptions::new(2, 0).whitespace().no_header();
    // Whitespace-separated: a line with too few fields has no id.
    assert_bad_line("20240101 1 a\n20240102 2\n", &ws, 2, "");
}

#[test]
fn negative_amount_names_line_and_value() {
    assert_bad_line(
        "c,d,v\na,2024-01-01,1\na,2024-01-02,-4.5\n",
        &opts_cdv(),
        3,
        "-4.5",
    );
}

#[test]
fn refund_before_any_purchase_names_line() {
    let net = opts_cdv().refunds(RefundPolicy::Net);
    let err = read(
        "c,d,v\na,2024-01-01,1\nb,2024-01-02,-3\nb,2024-01-04,3\n",
        &net,
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { row: 3, .. }), "{err}");
    assert!(
        err.to_string()
            .contains("refund before any purchase of customer \"b\""),
        "{err}"
    );
}

#[test]
fn empty_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("none.csv", ""),
        ("header.csv", "c,d,v\n"),
        ("blank.csv", "c,d,v\n\n\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let err = summarize_csv(&path, &opts_cdv()).unwrap_err();
        assert!(matches!(err, Error::Empty { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn header_without_the_named_columns_is_an_error() {
    let err = read("customer,date,value\na,2024-01-01,1\n", &opts_cdv()).unwrap_err();
    match &err {
        Error::MissingColumn { column, available } => {
            assert_eq!(column, "c");
            assert_eq!(available, "customer,date,value");
        }
        other => panic!("{other:?}"),
    }
    let by_name_without_header = TransactionLogOptions::new("c", "d").no_header();
    assert!(matches!(
        read("a,2024-01-01\n", &by_name_without_header),
        Err(Error::MissingColumn { .. })
    ));
}

#[test]
fn file_that_does_not_exist_names_the_path() {
    let err = summarize_csv("data/no_such_log.csv", &opts_cdv()).unwrap_err();
    assert!(err.to_string().contains("no_such_log.csv"), "{err}");
}

#[test]
fn observation_end_before_all_data_is_an_error_not_an_empty_table() {
    let opts = opts_cdv().observation_end(date(2000, 1, 1));
    let err = read("c,d,v\na,2024-01-01,1\n", &opts).unwrap_err();
    assert!(matches!(err, Error::Empty { .. }), "{err:?}");
}

#[test]
fn semicolons_quotes_and_custom_dates() {
    let log = "\"cust\";\"ts\";\"eur\"\n\"x;1\";\"03/01/2024 10:00\";\"1.5\"\n\"x;1\";\"05/01/2024 11:00\";\"2.5\"\n";
    let opts = TransactionLogOptions::new("cust", "ts")
        .amount("eur")
        .delimiter(b';')
        .date_format(DateFormat::Custom("%d/%m/%Y %H:%M".into()));
    let t = read(log, &opts).unwrap();
    assert_eq!(t.ids(), ["x;1"]);
    assert_eq!(
        (
            t.frequency()[0],
            t.recency()[0],
            t.monetary_value().unwrap()[0]
        ),
        (1.0, 2.0, 2.5)
    );
}

#[cfg(feature = "parquet")]
mod parquet_input {
    use super::*;
    use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
    use clv::data::parquet::{
        calibration_holdout_parquet, summarize_parquet, summarize_parquet_detailed,
    };
    use clv::data::transactions::{NaiveDateTime, TransactionTable};
    use std::sync::Arc;

    fn write(path: &std::path::Path, columns: Vec<(&str, ArrayRef)>) {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let file = std::fs::File::create(path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// CDNOW_sample.txt fields: sample id, date (YYYYMMDD), dollar value.
    fn cdnow_columns() -> (Vec<String>, Vec<String>, Vec<f64>) {
        let text = std::fs::read_to_string("data/CDNOW_sample.txt").unwrap();
        let mut out = (vec![], vec![], vec![]);
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            out.0.push(f[1].to_string());
            out.1.push(f[2].to_string());
            out.2.push(f[4].parse().unwrap());
        }
        out
    }

    fn days_since_epoch(yyyymmdd: &str) -> i32 {
        let d = NaiveDate::parse_from_str(yyyymmdd, "%Y%m%d").unwrap();
        (d - date(1970, 1, 1)).num_days() as i32
    }

    #[test]
    fn cdnow_as_parquet_gives_the_same_table_as_the_text_file() {
        let (ids, dates, values) = cdnow_columns();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cdnow.parquet");
        write(
            &path,
            vec![
                ("id", Arc::new(StringArray::from(ids.clone())) as ArrayRef),
                (
                    "day",
                    Arc::new(Date32Array::from(
                        dates
                            .iter()
                            .map(|d| days_since_epoch(d))
                            .collect::<Vec<_>>(),
                    )),
                ),
                ("value", Arc::new(Float64Array::from(values.clone()))),
            ],
        );
        let text = summarize_csv("data/CDNOW_sample.txt", &cdnow_options()).unwrap();
        let mut opts = cdnow_options();
        opts.customer = "id".into();
        opts.time = "day".into();
        opts.amount = Some("value".into());
        assert_eq!(summarize_parquet(&path, &opts).unwrap(), text);

        // Integer ids and YYYYMMDD text dates: the same summary, ids without leading zeros.
        let path2 = dir.path().join("cdnow2.parquet");
        write(
            &path2,
            vec![
                (
                    "id",
                    Arc::new(Int64Array::from(
                        ids.iter()
                            .map(|i| i.parse::<i64>().unwrap())
                            .collect::<Vec<_>>(),
                    )) as ArrayRef,
                ),
                ("day", Arc::new(StringArray::from(dates))),
                ("value", Arc::new(Float64Array::from(values))),
            ],
        );
        let t2 = summarize_parquet(&path2, &opts).unwrap();
        assert_eq!(t2.ids()[0], "1");
        assert_eq!(t2.frequency(), text.frequency());
        assert_eq!(t2.age(), text.age());
        let mut no_end = opts.clone();
        no_end.summary.observation_end = None;
        let (cal, holdout) =
            calibration_holdout_parquet(&path, &no_end, date(1997, 9, 30)).unwrap();
        let mut no_end_text = cdnow_options();
        no_end_text.summary.observation_end = None;
        let (cal_text, holdout_text) =
            calibration_holdout_csv("data/CDNOW_sample.txt", &no_end_text, date(1997, 9, 30))
                .unwrap();
        assert_eq!((cal, holdout), (cal_text, holdout_text));

        // Parsed once into a transaction table (what `clv report` does): the same rows as the
        // text file's table, and the same summaries as the summariser's.
        let parquet_log = TransactionTable::from_parquet_path(&path, &no_end).unwrap();
        let text_log = TransactionTable::read(
            std::fs::File::open("data/CDNOW_sample.txt").unwrap(),
            &no_end_text,
        )
        .unwrap();
        let rows = |t: &TransactionTable| -> Vec<(u64, String, NaiveDateTime, Option<f64>)> {
            t.records()
                .map(|r| (r.line, r.customer.to_string(), r.time, r.amount))
                .collect()
        };
        assert_eq!(parquet_log.len(), 6919);
        assert_eq!(rows(&parquet_log), rows(&text_log));
        let cal_end = Some(date(1997, 9, 30).into());
        assert_eq!(
            parquet_log.summary(cal_end).unwrap(),
            summarize_parquet_detailed(&path, &no_end, cal_end).unwrap()
        );
        assert_eq!(parquet_log.summary(None).unwrap().table, {
            let mut o = opts.clone();
            o.summary.observation_end = None;
            summarize_parquet(&path, &o).unwrap()
        });
    }

    #[test]
    fn parquet_null_amount_and_bad_date_name_the_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.parquet");
        write(
            &path,
            vec![
                (
                    "c",
                    Arc::new(StringArray::from(vec!["a", "a", "b"])) as ArrayRef,
                ),
                (
                    "d",
                    Arc::new(StringArray::from(vec![
                        "2024-01-01",
                        "2024-01-05",
                        "2024-13-01",
                    ])),
                ),
                (
                    "v",
                    Arc::new(Float64Array::from(vec![Some(1.0), None, Some(2.0)])),
                ),
            ],
        );
        let err = summarize_parquet(&path, &opts_cdv()).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidValue { row: 2, column, .. } if column == "v"),
            "{err}"
        );
        let no_amount = TransactionLogOptions::new("c", "d");
        let err = summarize_parquet(&path, &no_amount).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidValue { row: 3, value, .. } if value == "2024-13-01"),
            "{err}"
        );
        let missing = TransactionLogOptions::new("customer", "d");
        assert!(matches!(
            summarize_parquet(&path, &missing),
            Err(Error::MissingColumn { .. })
        ));
        // the transaction table refuses the same rows with the same errors
        let err = TransactionTable::from_parquet_path(&path, &opts_cdv()).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidValue { row: 2, column, .. } if column == "v"),
            "{err}"
        );
        let err = TransactionTable::from_parquet_path(&path, &no_amount).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidValue { row: 3, value, .. } if value == "2024-13-01"),
            "{err}"
        );
        assert!(matches!(
            TransactionTable::from_parquet_path(&path, &missing),
            Err(Error::MissingColumn { .. })
        ));
    }
}

#[test]
fn a_holdout_of_other_customers_is_not_written() {
    let log = "id,date,amount\na,2024-01-01,1\na,2024-01-09,2\nb,2024-01-02,3\n";
    let opts = TransactionLogOptions::new("id", "date").amount("amount");
    let s = summarize_csv_reader(log.as_bytes(), &opts, Some(date(2024, 1, 5).into())).unwrap();
    let (table, holdout) = (s.table, s.holdout.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cal.csv");
    std::fs::write(&path, "left as it was\n").unwrap();
    let mut short_purchases = holdout.clone();
    short_purchases.purchases = ndarray::array![1.0];
    let mut short_spend = holdout.clone();
    short_spend.spend = Some(ndarray::array![2.0, 0.0, 5.0]);
    for (h, column, actual) in [
        (&short_purchases, "frequency_holdout", 1),
        (&short_spend, "monetary_value_holdout", 3),
    ] {
        let err = h.write_csv(&table, &path).unwrap_err();
        assert!(
            matches!(&err, Error::LengthMismatch { column: c, expected: 2, actual: n } if c == column && *n == actual),
            "{err}"
        );
        #[cfg(feature = "parquet")]
        {
            let parquet = dir.path().join("cal.parquet");
            let err = h.write_parquet(&table, &parquet).unwrap_err();
            assert!(matches!(&err, Error::LengthMismatch { .. }), "{err}");
            assert!(!parquet.exists());
        }
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "left as it was\n");
    // the matching holdout replaces the file whole; in days (the options' default unit): a is
    // 4 days old at the calibration end, b 3, and the holdout runs to the last day, 2024-01-09
    holdout.write_csv(&table, &path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "customer_id,frequency_cal,recency_cal,T_cal,monetary_value_cal,frequency_holdout,\
         monetary_value_holdout,duration_holdout\na,0,0,4,0,1,2,4\nb,0,0,3,0,0,0,4\n"
    );
}
