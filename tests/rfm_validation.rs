//! Every kind of bad RFM input is an error naming row, column and value; nothing is dropped.

use clv::data::CompressedRfm;
use clv::{CustomerTable, Error, Rfm, RfmCsvOptions, TimeUnit};
use ndarray::array;

fn read(csv: &str) -> Result<CustomerTable, Error> {
    CustomerTable::from_csv_reader(csv.as_bytes(), &RfmCsvOptions::new(TimeUnit::Weeks))
}

fn expect_invalid(csv: &str, row: usize, column: &str, value: &str, problem: &str) {
    match read(csv) {
        Err(Error::InvalidValue {
            row: r,
            column: c,
            value: v,
            problem: p,
        }) => {
            assert_eq!((r, c.as_str(), v.as_str()), (row, column, value), "{p}");
            assert!(
                p.contains(problem),
                "problem {p:?} should mention {problem:?}"
            );
        }
        other => panic!("expected an InvalidValue error, got {other:?}"),
    }
}

const HEADER: &str = "customer_id,frequency,recency,T,monetary_value\n";

#[test]
fn each_bad_value_is_named() {
    let ok = "a,1,2,5,10\n";
    expect_invalid(
        &format!("{HEADER}{ok}b,1,,5,10\n"),
        2,
        "recency",
        "",
        "missing",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,one,2,5,10\n"),
        2,
        "frequency",
        "one",
        "not a number",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,1,NaN,5,10\n"),
        2,
        "recency",
        "NaN",
        "finite",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,1,2,inf,10\n"),
        2,
        "T",
        "inf",
        "finite",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,-1,2,5,10\n"),
        2,
        "frequency",
        "-1",
        "negative",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,1.5,2,5,10\n"),
        2,
        "frequency",
        "1.5",
        "whole number",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,1,-2,5,10\n"),
        2,
        "recency",
        "-2",
        "negative",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,1,6,5,10\n"),
        2,
        "recency",
        "6",
        "exceed T",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,1,0,0,10\n"),
        2,
        "T",
        "0",
        "positive",
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,0,3,5,0\n"),
        2,
        "recency",
        "3",
        "frequency 0",
    );
    // a repeat customer's mean spend of 0 (free orders) is data; a negative one is not
    let free = format!("{HEADER}{ok}b,2,3,5,0\n");
    assert!(
        CustomerTable::from_csv_reader(free.as_bytes(), &RfmCsvOptions::new(TimeUnit::Weeks))
            .is_ok()
    );
    expect_invalid(
        &format!("{HEADER}{ok}b,2,3,5,-4\n"),
        2,
        "monetary_value",
        "-4",
        "cannot be negative",
    );
    expect_invalid(
        &format!("{HEADER}{ok},2,3,5,4\n"),
        2,
        "customer_id",
        "",
        "missing customer id",
    );
}

#[test]
fn the_file_s_own_column_names_are_reported() {
    let csv = "ID,x,t_x,T\n1,2,40,38.86\n";
    let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T");
    let err = CustomerTable::from_csv_reader(csv.as_bytes(), &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 1, column `t_x`: recency cannot exceed T = 38.86 (value: \"40\")"
    );
}

#[test]
fn duplicate_ids_empty_input_and_missing_columns() {
    let err = read(&format!("{HEADER}a,1,2,5,10\nb,0,0,5,0\na,1,2,5,10\n")).unwrap_err();
    assert!(
        matches!(err, Error::DuplicateId { ref id, first: 1, second: 3 } if id == "a"),
        "{err}"
    );
    assert!(matches!(read(HEADER).unwrap_err(), Error::Empty { .. }));
    assert!(matches!(read("").unwrap_err(), Error::Empty { .. }));
    let err = read("customer_id,frequency,T\na,1,5\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing column `recency` (header has: customer_id,frequency,T)"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.csv");
    std::fs::write(&path, HEADER).unwrap();
    let err =
        CustomerTable::from_csv_path(&path, &RfmCsvOptions::new(TimeUnit::Weeks)).unwrap_err();
    assert!(err.to_string().contains("empty.csv is empty"), "{err}");
    let err = CustomerTable::from_csv_path(
        dir.path().join("nope.csv"),
        &RfmCsvOptions::new(TimeUnit::Weeks),
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope.csv"), "{err}");
}

#[test]
fn a_weighted_file_reads_and_every_row_is_kept() {
    let csv = "frequency,recency,T,weights\n0,0,6,3464\n1,1,6,1091\n";
    let t = read(csv).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t.ids(), ["1", "2"]);
    assert_eq!(t.total_weight(), 3464.0 + 1091.0);
    expect_invalid(
        "frequency,recency,T,weights\n0,0,6,0\n",
        1,
        "weights",
        "0",
        "positive",
    );
}

#[test]
fn programmatic_construction_is_validated_too() {
    let err = CustomerTable::new(
        vec!["a".into()],
        array![1.0],
        array![3.0],
        array![2.0],
        TimeUnit::Days,
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { row: 1, .. }), "{err}");
    let err = CustomerTable::new(
        vec!["a".into(), "b".into()],
        array![1.0],
        array![1.0],
        array![2.0],
        TimeUnit::Days,
    )
    .unwrap_err();
    assert!(matches!(err, Error::LengthMismatch { .. }), "{err}");
    assert!(Rfm::new(0, 0.0, -1.0, TimeUnit::Days).is_err());
    assert!(Rfm::new(3, f64::NAN, 4.0, TimeUnit::Days).is_err());
}

#[test]
fn csv_round_trip_and_compression_keep_every_customer() {
    let t = read(&format!(
        "{HEADER}a,1,2,5,10\nb,0,0,5,0\nc,1,2,5,12.5\nd,0,0,5,0\n"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rfm.csv");
    t.write_csv(&path).unwrap();
    let back = CustomerTable::from_csv_path(&path, &RfmCsvOptions::new(TimeUnit::Weeks)).unwrap();
    assert_eq!(back, t);
    let c = CompressedRfm::from_table(&t);
    assert_eq!(c.len(), 2);
    assert_eq!(c.total_weight(), 4.0);
}
