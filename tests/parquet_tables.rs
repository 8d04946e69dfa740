//! RFM tables and scores in Parquet (issue 13): round trips, the CSV's checks and errors, and
//! `clv summarize`/`fit`/`predict` choosing Parquet by the `.parquet` extension.
#![cfg(all(feature = "parquet", feature = "cli"))]

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use clv::data::parquet_tables::CsvFromParquet;
use clv::models::{BgNbd, GammaGamma};
use clv::value::{value_table, ClvConfig, ValueTable};
use clv::{CustomerTable, RfmCsvOptions, TimeUnit};

mod common;
use common::{clv, ok, simulated_log};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
        .display()
        .to_string()
}

fn cdnow() -> CustomerTable {
    let opts = RfmCsvOptions::new(TimeUnit::Weeks)
        .columns("ID", "x", "t_x", "T")
        .monetary_value("zbar");
    CustomerTable::from_csv_path(data("cdnow_summary.csv"), &opts).unwrap()
}

fn write_batch(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn text_of(path: &Path) -> String {
    use std::io::Read;
    let mut text = String::new();
    CsvFromParquet::open(path)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn customer_tables_round_trip_with_the_csv_column_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rfm.parquet");
    let table = cdnow();
    table.write_parquet(&path).unwrap();
    let back = CustomerTable::from_parquet_path(&path, &RfmCsvOptions::new(TimeUnit::Weeks));
    assert_eq!(back.unwrap(), table);
    assert!(text_of(&path).starts_with("customer_id,frequency,recency,T,monetary_value\n"));
    // with weights, and ids that need quoting in CSV
    let ids = vec!["a,1".to_string(), "b \"2\"".to_string()];
    let weighted = CustomerTable::new(
        ids,
        ndarray::array![1.0, 0.0],
        ndarray::array![0.1, 0.0],
        ndarray::array![2.0 / 3.0, 1.0],
        TimeUnit::Days,
    )
    .unwrap()
    .with_weights(ndarray::array![3.0, 1.0])
    .unwrap();
    weighted.write_parquet(&path).unwrap();
    let opts = RfmCsvOptions::new(TimeUnit::Days).weights("weights");
    assert_eq!(
        CustomerTable::from_parquet_path(&path, &opts).unwrap(),
        weighted
    );
}

#[test]
fn scores_round_trip_with_extra_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    let table = cdnow();
    let bgnbd = BgNbd::new(0.243, 4.414, 0.793, 2.426, TimeUnit::Weeks).unwrap();
    let spend = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let config = ClvConfig::lifetimes(TimeUnit::Weeks, 12, 0.01).unwrap();
    let scores = value_table(&bgnbd, &spend, &table, &config).unwrap();
    scores.write_parquet(&path).unwrap();
    assert_eq!(
        ValueTable::read_parquet(&path, TimeUnit::Weeks).unwrap(),
        scores
    );
    let low = scores.clv.mapv(|v| v / 2.0);
    scores
        .write_parquet_with(&path, &[("clv_low", &low)])
        .unwrap();
    let text = text_of(&path);
    let header = text.lines().next().unwrap();
    assert!(header.ends_with(",clv,clv_low"), "{header}");
    let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(first[10].parse::<f64>().unwrap(), scores.clv[0] / 2.0);
    let short = low.slice(ndarray::s![..3]).to_owned();
    let err = scores.write_parquet_with(&path, &[("clv_low", &short)]);
    assert!(err.unwrap_err().to_string().contains("clv_low"));
}

#[test]
fn parquet_values_are_checked_as_the_csv_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rfm.parquet");
    let opts = RfmCsvOptions::new(TimeUnit::Weeks);
    let ids = || Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef;
    // integer frequencies and single-precision times are read as written
    write_batch(
        &path,
        vec![
            ("customer_id", ids()),
            ("frequency", Arc::new(Int64Array::from(vec![2, 0, 1]))),
            (
                "recency",
                Arc::new(Float32Array::from(vec![30.1, 0.0, 0.5])),
            ),
            ("T", Arc::new(Float64Array::from(vec![38.0, 10.0, 1.0]))),
        ],
    );
    let t = CustomerTable::from_parquet_path(&path, &opts).unwrap();
    assert_eq!(t.frequency().to_vec(), [2.0, 0.0, 1.0]);
    assert_eq!(t.recency().to_vec(), [30.1, 0.0, 0.5]);
    // a negative recency on row 2
    let recency = Arc::new(Float64Array::from(vec![1.0, -1.0, 0.5])) as ArrayRef;
    let frequency = || Arc::new(Float64Array::from(vec![1.0, 1.0, 1.0])) as ArrayRef;
    let age = || Arc::new(Float64Array::from(vec![2.0, 2.0, 2.0])) as ArrayRef;
    let write_recency = |recency: ArrayRef| {
        write_batch(
            &path,
            vec![
                ("customer_id", ids()),
                ("frequency", frequency()),
                ("recency", recency),
                ("T", age()),
            ],
        )
    };
    write_recency(recency);
    let err = CustomerTable::from_parquet_path(&path, &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 2, column `recency`: recency cannot be negative (value: \"-1\")"
    );
    // a null is a missing value, named by row and column
    let recency = Arc::new(Float64Array::from(vec![Some(1.0), Some(0.5), None])) as ArrayRef;
    write_recency(recency);
    let err = CustomerTable::from_parquet_path(&path, &opts).unwrap_err();
    assert!(
        err.to_string().starts_with("row 3, column `recency`"),
        "{err}"
    );
    // a type the CSV cannot hold, and a missing column
    let flags = Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef;
    write_batch(
        &path,
        vec![
            ("customer_id", ids()),
            ("frequency", frequency()),
            ("recency", flags),
            ("T", age()),
        ],
    );
    let err = CustomerTable::from_parquet_path(&path, &opts).unwrap_err();
    assert!(err.to_string().contains("recency"), "{err}");
    assert!(err.to_string().contains("Boolean"), "{err}");
    write_batch(
        &path,
        vec![("customer_id", ids()), ("frequency", frequency())],
    );
    let err = CustomerTable::from_parquet_path(&path, &opts).unwrap_err();
    assert!(err.to_string().contains("recency"), "{err}");
}

#[test]
fn summarize_fit_and_predict_read_and_write_parquet_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let log = data("CDNOW_master.txt");
    for rfm in ["rfm.csv", "rfm.parquet"] {
        ok(&clv(
            &[
                "summarize",
                &log,
                "--separator",
                "whitespace",
                "--amount-column",
                "dollar_value",
                "-o",
                rfm,
            ],
            dir.path(),
        ));
    }
    let opts = RfmCsvOptions::new(TimeUnit::Weeks).monetary_value("monetary_value");
    let from_csv = CustomerTable::from_csv_path(dir.path().join("rfm.csv"), &opts).unwrap();
    let from_parquet =
        CustomerTable::from_parquet_path(dir.path().join("rfm.parquet"), &opts).unwrap();
    assert_eq!(from_parquet, from_csv);
    for (rfm, model) in [("rfm.csv", "csv.json"), ("rfm.parquet", "parquet.json")] {
        ok(&clv(&["fit", rfm, "-o", model], dir.path()));
    }
    let params = |name: &str| {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(name)).unwrap()).unwrap();
        (v["purchase"].to_string(), v["spend"].to_string())
    };
    assert_eq!(params("parquet.json"), params("csv.json"));
    let run_with = |model: &str, rfm: &str, out: &str, more: &[&str]| {
        let mut args = vec!["predict", model, rfm, "-o", out];
        args.extend_from_slice(more);
        ok(&clv(&args, dir.path()));
    };
    let run = |rfm: &str, out: &str, more: &[&str]| run_with("csv.json", rfm, out, more);
    // chunked scoring (a tiny chunk: several record batches) and scoring with intervals
    run("rfm.csv", "scores.csv", &[]);
    run("rfm.parquet", "scores.parquet", &["--chunk-bytes", "4096"]);
    let read = |name: &str| {
        let path = dir.path().join(name);
        if name.ends_with(".parquet") {
            ValueTable::read_parquet(path, TimeUnit::Weeks).unwrap()
        } else {
            ValueTable::read_csv(path, TimeUnit::Weeks).unwrap()
        }
    };
    assert_eq!(read("scores.parquet"), read("scores.csv"));
    run("rfm.csv", "low.csv", &["--interval", "0.9"]);
    run("rfm.parquet", "low.parquet", &["--interval", "0.9"]);
    let csv = std::fs::read_to_string(dir.path().join("low.csv")).unwrap();
    assert_eq!(text_of(&dir.path().join("low.parquet")), csv);
    assert!(dir.path().join("low.parquet.notes").exists());
    // scores without a spend model: the same columns and numbers in either format
    ok(&clv(
        &[
            "fit",
            "rfm.parquet",
            "--spend-model",
            "none",
            "-o",
            "nospend.json",
        ],
        dir.path(),
    ));
    run_with("nospend.json", "rfm.csv", "p.csv", &[]);
    run_with(
        "nospend.json",
        "rfm.parquet",
        "p.parquet",
        &["--chunk-bytes", "4096"],
    );
    let csv = std::fs::read_to_string(dir.path().join("p.csv")).unwrap();
    assert!(csv.starts_with(
        "customer_id,frequency,recency,T,p_alive,churn_probability,expected_purchases\n"
    ));
    assert_eq!(csv.lines().count(), from_csv.len() + 1);
    assert_eq!(text_of(&dir.path().join("p.parquet")), csv);
}

/// The simulated log at `dir/log.csv` (customer_id, date, amount) rewritten as `dir/log.parquet`
/// with the same column names: ids and dates as text, amounts as `Float64`.
fn log_as_parquet(dir: &Path) {
    let mut rdr = csv::Reader::from_path(dir.join("log.csv")).unwrap();
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["customer_id", "date", "amount"]
    );
    let (mut ids, mut dates, mut amounts) = (vec![], vec![], vec![]);
    for r in rdr.records() {
        let r = r.unwrap();
        ids.push(r[0].to_string());
        dates.push(r[1].to_string());
        amounts.push(r[2].parse::<f64>().unwrap());
    }
    write_batch(
        &dir.join("log.parquet"),
        vec![
            ("customer_id", Arc::new(StringArray::from(ids)) as ArrayRef),
            ("date", Arc::new(StringArray::from(dates))),
            ("amount", Arc::new(Float64Array::from(amounts))),
        ],
    );
}

#[test]
fn summarize_report_and_segment_read_a_parquet_log_and_write_a_parquet_holdout_table() {
    let dir = tempfile::tempdir().unwrap();
    simulated_log(dir.path());
    log_as_parquet(dir.path());
    let split = [
        "--amount-column",
        "amount",
        "--calibration-end",
        "2024-03-31",
    ];
    for (log, out) in [("log.csv", "cal.csv"), ("log.parquet", "cal.parquet")] {
        let mut args = vec!["summarize", log, "-o", out];
        args.extend_from_slice(&split);
        ok(&clv(&args, dir.path()));
    }
    let csv = std::fs::read_to_string(dir.path().join("cal.csv")).unwrap();
    assert!(csv.starts_with(
        "customer_id,frequency_cal,recency_cal,T_cal,monetary_value_cal,frequency_holdout,\
         monetary_value_holdout,duration_holdout\n"
    ));
    assert_eq!(text_of(&dir.path().join("cal.parquet")), csv);
    // `clv fit` reads the calibration columns of the Parquet table as of the CSV one
    for (rfm, model) in [("cal.csv", "csv.json"), ("cal.parquet", "parquet.json")] {
        ok(&clv(
            &["fit", rfm, "-o", model, "--unit", "weeks"],
            dir.path(),
        ));
    }
    // the same models, fitted on files of different names
    let model = |path: &Path| {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(path)).unwrap()).unwrap();
        (v["purchase"].to_string(), v["spend"].to_string())
    };
    assert_eq!(model("parquet.json".as_ref()), model("csv.json".as_ref()));

    for (log, out) in [("log.csv", "out_csv"), ("log.parquet", "out_parquet")] {
        let mut args = vec![
            "report",
            log,
            "-o",
            out,
            "--horizon",
            "30d",
            "--step",
            "10d",
        ];
        args.extend_from_slice(&split);
        ok(&clv(&args, dir.path()));
    }
    for file in ["rfm.csv", "scores.csv"] {
        let read = |out: &str| std::fs::read_to_string(dir.path().join(out).join(file)).unwrap();
        assert_eq!(read("out_parquet"), read("out_csv"), "{file}");
    }
    let report_model = |out: &str| model(&Path::new(out).join("model.json"));
    assert_eq!(report_model("out_parquet"), report_model("out_csv"));
    let html = std::fs::read_to_string(dir.path().join("out_parquet/index.html")).unwrap();
    assert!(html.contains("Holdout validation") && html.contains("log.parquet"));

    // `clv segment --transactions`: cohorts, repeat rates and indicators from either log
    for (log, out) in [("log.csv", "seg_csv"), ("log.parquet", "seg_parquet")] {
        let args = [
            "segment",
            "out_csv/scores.csv",
            "-o",
            out,
            "--transactions",
            log,
            "--amount-column",
            "amount",
        ];
        ok(&clv(&args, dir.path()));
    }
    let mut files: Vec<_> = std::fs::read_dir(dir.path().join("seg_csv"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert!(files.iter().any(|f| f == "cohorts.csv"), "{files:?}");
    for file in &files {
        let read = |out: &str| std::fs::read(dir.path().join(out).join(file)).unwrap();
        assert_eq!(read("seg_parquet"), read("seg_csv"), "{file:?}");
    }
}
