//! End to end: a small subscription log through `clv retention`.
mod common;

use common::{clv, fails_with, ok, stdout};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn subscription_log_to_retention_curves_and_value() {
    let o = clv(
        &[
            "retention",
            "tests/fixtures/subscriptions.csv",
            "--observed",
            "2024-06-30",
            "--margin",
            "0.8",
        ],
        &root(),
    );
    ok(&o);
    let out = stdout(&o);
    for cohort in ["2023-01", "2023-02", "2023-03"] {
        assert!(
            out.contains(&format!("== cohort {cohort} (60 subscriptions)")),
            "{out}"
        );
    }
    assert!(out.contains("units: months"), "{out}");
    assert_eq!(out.matches("sBG: alpha").count(), 3, "{out}");
    assert_eq!(out.matches("BdW: DERL").count(), 3, "{out}");
    assert!(out.contains("active base"), "{out}");
}

#[test]
fn help_explains_the_data_shape_and_units() {
    let o = clv(&["retention", "--help"], &root());
    ok(&o);
    // lines are wrapped to the terminal's width
    let out = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        out.contains("(customer, start, end or empty, price)"),
        "{out}"
    );
    assert!(out.contains("Units: periods"), "{out}");
    assert!(
        out.contains("The period of a renewal: year, quarter, month or week"),
        "{out}"
    );
}

#[test]
fn a_bad_date_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(
        &path,
        "customer,start,end,price\na,2024-01-01,,59\nb,2024-02-30,,59\n",
    )
    .unwrap();
    let o = clv(&["retention", path.to_str().unwrap()], dir.path());
    fails_with(&o, &["row 2", "start", "2024-02-30"]);
}
