//! End-to-end tests of where `clv` writes: never over an input, through links and special
//! files without replacing them, `-` for standard input and output, no temporary files left
//! behind, report directories that describe their own files, and bounded error messages.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;
use common::{clv, fails_with, ok, stdout};

const LOG: &str = "customer_id,date,amount\n\
                   a,2024-01-01,10\nb,2024-01-03,5\na,2024-01-04,20\na,2024-01-04,4\n\
                   a,2024-01-09,30\nb,2024-01-10,7\nc,2024-01-15,3\na,2024-01-16,12\n";

/// The RFM table of [`LOG`] in days (worked out by hand in tests/cli.rs).
const RFM: &str =
    "customer_id,frequency,recency,T,monetary_value\na,3,15,15,22\nb,1,7,13,7\nc,0,0,1,0\n";

fn summarize_to(dir: &Path, output: &str) -> std::process::Output {
    clv(
        &[
            "summarize",
            "log.csv",
            "-o",
            output,
            "--amount-column",
            "amount",
            "--unit",
            "days",
        ],
        dir,
    )
}

fn with_log() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log.csv"), LOG).unwrap();
    dir
}

/// Names in `dir` starting with a dot: the writer's temporary files.
fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = with_log();
    fails_with(
        &summarize_to(dir.path(), "log.csv"),
        &["is the input log.csv"],
    );
    // through another spelling and through a link too
    fails_with(
        &summarize_to(dir.path(), "./log.csv"),
        &["destroy the input"],
    );
    std::os::unix::fs::symlink("log.csv", dir.path().join("alias.csv")).unwrap();
    fails_with(
        &summarize_to(dir.path(), "alias.csv"),
        &["destroy the input"],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("log.csv")).unwrap(),
        LOG
    );
    std::fs::write(dir.path().join("rfm.csv"), RFM).unwrap();
    let fit = clv(
        &["fit", "rfm.csv", "--unit", "days", "-o", "rfm.csv"],
        dir.path(),
    );
    fails_with(&fit, &["is the input rfm.csv"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rfm.csv")).unwrap(),
        RFM
    );
    std::fs::copy(dir.path().join("log.csv"), dir.path().join("rfm_in.csv")).unwrap();
    std::fs::create_dir(dir.path().join("r")).unwrap();
    std::fs::rename(dir.path().join("rfm_in.csv"), dir.path().join("r/rfm.csv")).unwrap();
    let report = clv(&["report", "r/rfm.csv", "-o", "r"], dir.path());
    fails_with(&report, &["destroy the input"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r/rfm.csv")).unwrap(),
        LOG
    );
}

#[test]
fn a_symlinked_output_stays_a_link_and_its_target_is_written() {
    let dir = with_log();
    std::fs::write(dir.path().join("target.csv"), "old").unwrap();
    std::os::unix::fs::symlink("target.csv", dir.path().join("link.csv")).unwrap();
    ok(&summarize_to(dir.path(), "link.csv"));
    let meta = std::fs::symlink_metadata(dir.path().join("link.csv")).unwrap();
    assert!(meta.file_type().is_symlink());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("target.csv")).unwrap(),
        RFM
    );
    // a link to nothing is not replaced
    std::os::unix::fs::symlink("nowhere/x.csv", dir.path().join("dangling.csv")).unwrap();
    fails_with(
        &summarize_to(dir.path(), "dangling.csv"),
        &["dangling.csv", "link to nothing"],
    );
    assert!(std::fs::symlink_metadata(dir.path().join("dangling.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_fifo_output_is_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = with_log();
    let fifo = dir.path().join("pipe.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    ok(&summarize_to(dir.path(), "pipe.csv"));
    assert_eq!(reader.join().unwrap(), RFM);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(hidden_files(dir.path()).is_empty());
}

#[test]
fn dash_is_standard_output_and_standard_input() {
    let dir = with_log();
    let o = summarize_to(dir.path(), "-");
    ok(&o);
    assert_eq!(stdout(&o), RFM, "the table alone on stdout");
    assert!(!dir.path().join("-").exists());
    // /dev/stdout is written through, whatever it is
    let o = summarize_to(dir.path(), "/dev/stdout");
    ok(&o);
    assert!(stdout(&o).starts_with(RFM));
    assert!(std::fs::symlink_metadata("/dev/stdout").is_ok());
    // `-` as the input reads standard input
    let mut child = Command::new(env!("CARGO_BIN_EXE_clv"))
        .args([
            "summarize",
            "-",
            "-o",
            "rfm.csv",
            "--amount-column",
            "amount",
        ])
        .args(["--unit", "days"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(LOG.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    ok(&o);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rfm.csv")).unwrap(),
        RFM
    );
}

#[test]
fn a_terminated_run_ends_with_the_signal_code() {
    // clv blocks reading standard input; SIGTERM reaches the cleaning handler, which ends the
    // process with 128 + 15 (the unit tests of clv::io check that it removes temporary files)
    let dir = with_log();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clv"))
        .args(["summarize", "-", "-o", "rfm.csv", "--unit", "days"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"customer_id,date\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(hidden_files(dir.path()).is_empty());
}

#[test]
fn a_report_directory_keeps_no_file_of_an_earlier_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    std::fs::create_dir(&out).unwrap();
    for stale in ["index.html", "scores.csv", "old_plot.svg"] {
        std::fs::write(out.join(stale), "from another log").unwrap();
    }
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/CDNOW_sample.txt");
    // no amount column: this report has no scores.csv
    let o = clv(
        &[
            "report",
            log.to_str().unwrap(),
            "-o",
            "report",
            "--customer-column",
            "1",
            "--date-column",
            "2",
            "--separator",
            "whitespace",
            "--no-header",
            "--date-format",
            "yyyymmdd",
        ],
        dir.path(),
    );
    ok(&o);
    assert!(!out.join("scores.csv").exists());
    assert!(!out.join("old_plot.svg").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("CDNOW_sample.txt"));
    assert!(hidden_files(&out).is_empty());
}

#[test]
fn error_messages_quote_input_bounded_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // a megabyte header line without a newline, then a control sequence in an id
    std::fs::write(dir.path().join("long.csv"), "x".repeat(1 << 20)).unwrap();
    let o = clv(&["summarize", "long.csv", "-o", "r.csv"], dir.path());
    fails_with(&o, &["customer_id", "bytes in all"]);
    assert!(o.stderr.len() < 3000, "{} bytes", o.stderr.len());
    std::fs::write(
        dir.path().join("ctl.csv"),
        b"customer_id,date\na\x1b[2J\xff,2024-13-45\n",
    )
    .unwrap();
    let o = clv(&["summarize", "ctl.csv", "-o", "r.csv"], dir.path());
    fails_with(&o, &["row 2"]);
    assert!(!o.stderr.contains(&0x1b), "raw escape byte printed");
    let long_date = format!("customer_id,date\na,{}\n", "9".repeat(1 << 20));
    std::fs::write(dir.path().join("date.csv"), long_date).unwrap();
    let o = clv(&["summarize", "date.csv", "-o", "r.csv"], dir.path());
    fails_with(&o, &["date", "bytes in all"]);
    assert!(o.stderr.len() < 3000, "{} bytes", o.stderr.len());
}

#[test]
fn argument_errors_are_one_line_with_exit_code_1() {
    let dir = with_log();
    let o = clv(
        &["summarize", "log.csv", "-o", "r.csv", "--nonsense"],
        dir.path(),
    );
    fails_with(&o, &["--nonsense"]);
    assert_eq!(o.status.code(), Some(1));
    // negative rates and penalties: refused with the reason, not taken for an option
    std::fs::write(dir.path().join("rfm.csv"), RFM).unwrap();
    let o = clv(
        &[
            "fit",
            "rfm.csv",
            "--unit",
            "days",
            "-o",
            "m.json",
            "--penalizer",
            "-1",
        ],
        dir.path(),
    );
    fails_with(&o, &["--penalizer", "negative"]);
    assert!(
        !common::stderr(&o).contains("-- -1"),
        "advice that does not work"
    );
    // each option its own reason: a penalty is no discount rate
    assert!(
        !common::stderr(&o).contains("discount"),
        "{}",
        common::stderr(&o)
    );
    let o = clv(
        &[
            "predict",
            "m.json",
            "rfm.csv",
            "-o",
            "s.csv",
            "--discount-rate",
            "-0.5",
        ],
        dir.path(),
    );
    fails_with(&o, &["--discount-rate", "negative", "growth"]);
}
