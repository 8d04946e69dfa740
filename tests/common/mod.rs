//! Helpers shared by the end-to-end tests of the `clv` binary.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `clv` binary with `args` in `dir`.
pub fn clv(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clv"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the clv binary runs")
}

/// The run's standard output.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The run's standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the run succeeded, showing its output otherwise.
pub fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "clv failed:\nstdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

/// A failure is one `error: ...` line naming `needles`, with no panic.
pub fn fails_with(o: &Output, needles: &[&str]) {
    assert!(
        !o.status.success(),
        "clv should have failed; stdout: {}",
        stdout(o)
    );
    let err = stderr(o);
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(!err.contains("panicked"), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
}

/// `clv simulate` writes `dir/log.csv`: the transactions of 400 customers acquired over 10
/// weeks from 2024-01-01 and observed to 2024-05-20 (columns customer_id, date, amount).
pub fn simulated_log(dir: &Path) {
    ok(&clv(
        &[
            "simulate",
            "--customers",
            "400",
            "--transactions",
            "-o",
            "log.csv",
            "--max-age",
            "20w",
            "--min-age",
            "10w",
        ],
        dir,
    ));
}
