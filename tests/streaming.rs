//! Streamed reading, fitting and scoring give what the whole-table path gives: `FitData` from
//! chunks fits the same estimates, `write_scores` writes the same bytes as
//! `ValueTable::write_csv`, and `clv fit` / `clv predict` with tiny chunks write the same files
//! as with one chunk.

use std::path::Path;

use clv::data::RfmChunks;
use clv::fit::{Fit, FitData, FitOptions};
use clv::models::{BgNbd, GammaGamma, ParetoNbd};
use clv::simulate::{Ages, Population, Recording};
use clv::value::{value_table, write_scores, ClvConfig};
use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};

mod common;
use common::{clv, ok};

/// 3000 customers with whole-day times (so that histories repeat) written as an RFM CSV.
fn drawn(dir: &Path) -> (std::path::PathBuf, RfmCsvOptions, CustomerTable) {
    let ages = Ages::Uniform {
        min: Duration::days(1.0),
        max: Duration::days(200.0),
    };
    let truth = BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks).unwrap();
    let table = Population::new(3000, truth, ages)
        .unwrap()
        .seed(7)
        .spend(GammaGamma::new(6.0, 4.0, 15.0).unwrap())
        .recording(Recording::WholeDays)
        .rfm_table()
        .unwrap();
    let path = dir.join("customers.csv");
    table.write_csv(&path).unwrap();
    let options = RfmCsvOptions::new(TimeUnit::Days).monetary_value("monetary_value");
    let read = CustomerTable::from_csv_path(&path, &options).unwrap();
    (path, options, read)
}

#[test]
fn fits_on_streamed_fit_data_equal_fits_on_the_whole_table() {
    let dir = tempfile::tempdir().unwrap();
    let (path, options, table) = drawn(dir.path());
    let fit = FitOptions::default();
    let chunks = |bytes| RfmChunks::from_path(&path, &options, bytes).unwrap();
    for (chunk_bytes, direct) in [
        (1_000, false),
        (1 << 20, false),
        (1_000, true),
        (1 << 20, true),
    ] {
        // through tables of rows, or straight from the bytes (as `clv fit` reads)
        let data = if direct {
            FitData::from_rfm_chunks(chunks(chunk_bytes)).unwrap()
        } else {
            FitData::from_chunks(chunks(chunk_bytes)).unwrap()
        };
        assert_eq!(data.customers(), table.len());
        assert!(data.distinct() < table.len(), "whole days repeat histories");
        let bg = data.fit_purchase::<BgNbd>(&fit).unwrap();
        let whole = BgNbd::fit(&table, &fit).unwrap();
        assert_eq!(bg.model, whole.model, "{chunk_bytes} bytes a chunk");
        assert_eq!(bg.report.log_likelihood, whole.report.log_likelihood);
        assert_eq!(bg.report.n_customers, whole.report.n_customers);
        let pareto = data.fit_purchase::<ParetoNbd>(&fit).unwrap();
        assert_eq!(pareto.model, ParetoNbd::fit(&table, &fit).unwrap().model);
        let gg = data.fit_spend(&fit).unwrap();
        assert_eq!(gg.model, GammaGamma::fit(&table, &fit).unwrap().model);
        assert_eq!(
            data.repeat_customers_without_spend(),
            clv::data::repeat_customers_without_spend(&table)
        );
    }
}

#[test]
fn streamed_scores_are_the_bytes_of_the_whole_value_table() {
    let dir = tempfile::tempdir().unwrap();
    let (path, options, table) = drawn(dir.path());
    let bgnbd = BgNbd::fit(&table, &FitOptions::default()).unwrap().model;
    let spend = GammaGamma::fit(&table, &FitOptions::default())
        .unwrap()
        .model;
    let config = ClvConfig::lifetimes(TimeUnit::Days, 12, 0.01).unwrap();
    let whole = value_table(&bgnbd, &spend, &table, &config).unwrap();
    let expected = dir.path().join("whole.csv");
    whole.write_csv(&expected).unwrap();
    let expected = std::fs::read(&expected).unwrap();
    for chunk_bytes in [500, 20_000, 1 << 20] {
        let out = dir.path().join(format!("streamed-{chunk_bytes}.csv"));
        let chunks = RfmChunks::from_path(&path, &options, chunk_bytes).unwrap();
        let done = write_scores(
            chunks,
            &out,
            |t| value_table(&bgnbd, &spend, t, &config),
            |_| (),
        )
        .unwrap();
        assert_eq!(done.customers, table.len());
        assert!(
            (chunk_bytes < 20_000) == (done.chunks > 5),
            "{} chunks",
            done.chunks
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            expected,
            "{chunk_bytes} bytes a chunk"
        );
        assert!((done.total_clv - whole.total_clv()).abs() <= 1e-9 * whole.total_clv());
    }
}

#[test]
fn cli_fit_and_predict_with_tiny_chunks_write_the_files_of_one_chunk() {
    let dir = tempfile::tempdir().unwrap();
    drawn(dir.path());
    let run = |args: &[&str]| ok(&clv(args, dir.path()));
    let small = ["--unit", "days", "--chunk-bytes", "700"];
    run(&[&["fit", "customers.csv", "-o", "one.json", "--unit", "days"][..]].concat());
    run(&[&["fit", "customers.csv", "-o", "many.json"][..], &small].concat());
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(read("one.json"), read("many.json"));
    run(&[
        "fit",
        "customers.csv",
        "-o",
        "nospend.json",
        "--unit",
        "days",
        "--spend-model",
        "none",
    ]);
    for model in ["one.json", "nospend.json"] {
        run(&[
            "predict",
            model,
            "customers.csv",
            "-o",
            "one.csv",
            "--unit",
            "days",
        ]);
        run(&[
            &["predict", model, "customers.csv", "-o", "many.csv"][..],
            &small,
        ]
        .concat());
        assert_eq!(read("one.csv"), read("many.csv"), "{model}");
        assert_eq!(
            String::from_utf8(read("many.csv")).unwrap().lines().count(),
            3001
        );
    }
}
