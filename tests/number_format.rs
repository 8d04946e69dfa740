//! Numbers in the crate's CSV files: the shortest text that reads back to the same `f64`,
//! in scientific notation for extreme magnitudes (issue 11: a 1e300 amount was written as a
//! 301-digit decimal).

use clv::value::ValueTable;
use clv::{CustomerTable, RfmCsvOptions, TimeUnit};

const VALUE_CSV: &str = "customer_id,frequency,recency,T,monetary_value,p_alive,\
churn_probability,expected_purchases,expected_spend,clv\n\
a,2,30.43,38.86,1e300,1e-300,1,1.5e-7,24.66,35.1\n";

fn read_back(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn value_table_extremes_are_short_and_read_back_bit_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("values.csv");
    let t = ValueTable::from_csv_reader(VALUE_CSV.as_bytes(), TimeUnit::Weeks).unwrap();
    t.write_csv(&path).unwrap();
    let text = read_back(&path);
    let row = text.lines().nth(1).unwrap();
    assert_eq!(row, "a,2,30.43,38.86,1e300,1e-300,1,1.5e-7,24.66,35.1");
    let back = ValueTable::read_csv(&path, TimeUnit::Weeks).unwrap();
    assert_eq!(back.monetary_value[0].to_bits(), 1e300f64.to_bits());
    assert_eq!(back.p_alive[0].to_bits(), 1e-300f64.to_bits());
    assert_eq!(back.expected_purchases[0].to_bits(), 1.5e-7f64.to_bits());
}

#[test]
fn customer_table_extreme_spend_is_short_and_reads_back_bit_exactly() {
    let csv = "customer_id,frequency,recency,T,monetary_value\nx,3,20,40,1e300\ny,1,2,40,3e-310\n";
    let options = RfmCsvOptions::new(TimeUnit::Weeks).monetary_value("monetary_value");
    let t = CustomerTable::from_csv_reader(csv.as_bytes(), &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rfm.csv");
    t.write_csv(&path).unwrap();
    let text = read_back(&path);
    assert!(text.contains(",1e300"), "{text}");
    assert!(text.contains(",3e-310"), "{text}");
    assert!(text.len() < 200, "{} bytes:\n{text}", text.len());
    let back = CustomerTable::from_csv_path(&path, &options).unwrap();
    let m = back.monetary_value().unwrap();
    assert_eq!(m[0].to_bits(), 1e300f64.to_bits());
    assert_eq!(m[1].to_bits(), 3e-310f64.to_bits());
}
