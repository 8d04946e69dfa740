//! Fuzzing of every parser of user files, as a property test: inputs are the seed corpus in
//! `tests/fuzz_corpus/` (cut from `data/`) mutated by random byte edits, insertions, cuts and
//! splices. Every input must give a value or an error, never a panic or a hang, and a value
//! must hold only finite numbers. `scripts/fuzz.sh` runs it longer (`PROPTEST_CASES`).

use std::path::Path;

use clv::analysis::{read_attribute_csv, AcquisitionCosts};
use clv::data::transactions::{summarize_csv_reader, DateFormat, TransactionLogOptions};
use clv::value::ValueTable;
use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
use proptest::prelude::*;

fn seed(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus")
        .join(name);
    std::fs::read(path).unwrap()
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Cut(usize, usize),
    Repeat(usize, usize, usize),
}

/// Bytes that matter to the parsers, and any byte.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        prop::sample::select(b",;\t \n\r\"-.0123456789eE+naifNI:TZ/#\xff\x00".to_vec()),
        any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), byte()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), prop::collection::vec(byte(), 1..12))
            .prop_map(|(i, v)| Edit::Insert(i, v)),
        (any::<usize>(), 0usize..200).prop_map(|(i, n)| Edit::Cut(i, n)),
        (any::<usize>(), 1usize..40, 1usize..50).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Set(i, b) if !bytes.is_empty() => bytes[i % len] = *b,
            Edit::Set(..) => {}
            Edit::Insert(i, v) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, v.iter().copied());
            }
            Edit::Cut(i, n) => {
                let at = i % (bytes.len() + 1);
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Repeat(i, n, k) => {
                let at = i % (bytes.len() + 1);
                let end = (at + n).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                for _ in 0..*k {
                    bytes.splice(end..end, piece.iter().copied());
                }
            }
        }
    }
    bytes
}

fn inputs(seeds: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(seeds),
        prop::collection::vec(edit(), 0..8),
    )
        .prop_map(|(name, edits)| mutate(seed(name), &edits))
}

fn table_is_finite(t: &CustomerTable) {
    for col in [t.frequency(), t.recency(), t.age()] {
        assert!(col.iter().all(|v| v.is_finite()));
    }
    if let Some(m) = t.monetary_value() {
        assert!(m.iter().all(|v| v.is_finite() && *v >= 0.0));
    }
}

/// Inputs per parser: `PROPTEST_CASES`, or 256 in the ordinary test run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn rfm_csv(bytes in inputs(&["rfm.csv", "rfm_cdnow.csv"])) {
        for options in [
            RfmCsvOptions::new(TimeUnit::Weeks),
            RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T").monetary_value("zbar"),
        ] {
            if let Ok(t) = CustomerTable::from_csv_reader(&bytes[..], &options) {
                table_is_finite(&t);
            }
        }
    }

    #[test]
    fn transaction_log(bytes in inputs(&["log.csv", "log_cdnow.txt"])) {
        let csv = TransactionLogOptions::new("customer_id", "date").amount("amount");
        let cdnow = TransactionLogOptions::new(1, 2)
            .amount(4)
            .whitespace()
            .no_header()
            .date_format(DateFormat::Compact);
        for options in [csv, cdnow] {
            if let Ok(s) = summarize_csv_reader(&bytes[..], &options, None) {
                table_is_finite(&s.table);
            }
        }
    }

    #[test]
    fn scores_csv(bytes in inputs(&["rfm.csv"])) {
        let _ = ValueTable::from_csv_reader(&bytes[..], TimeUnit::Weeks);
    }

    #[test]
    fn model_json(bytes in inputs(&["model.json"])) {
        if let Ok(m) = serde_json::from_slice::<clv::fit::Fitted<clv::models::BgNbd>>(&bytes) {
            let _ = format!("{m:?}");
        }
        let _ = serde_json::from_slice::<clv::fit::Fitted<clv::models::GammaGamma>>(&bytes);
    }

    #[test]
    fn attribute_and_cost_files(bytes in inputs(&["attributes.csv", "costs.csv"])) {
        let _ = AcquisitionCosts::from_csv_reader(&bytes[..]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_attribute_csv(&path, "channel");
    }
}
