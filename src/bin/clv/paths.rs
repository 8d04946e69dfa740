//! Paths on the command line: `-` for standard input and output, and outputs that must not
//! replace an input.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use clv::data::transactions::{
    summarize_csv_reader, LogOrder, NaiveDateTime, Summary, TransactionLogOptions,
};

use crate::failure::{Context, Failure};

static MESSAGES_TO_STDERR: AtomicBool = AtomicBool::new(false);

/// Whether messages go to standard error, standard output holding data.
pub fn messages_to_stderr() -> bool {
    MESSAGES_TO_STDERR.load(Ordering::Relaxed)
}

/// Whether `path` is `-`, standard input or output.
pub fn is_standard(path: &Path) -> bool {
    path.as_os_str() == clv::io::STANDARD_STREAM
}

/// Whether `path` names a Parquet file (its extension is `parquet`, in any case).
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// An error for a `.parquet` path when clv is built without the `parquet` feature.
pub fn parquet_supported(path: &Path) -> Result<(), Failure> {
    if is_parquet(path) && !cfg!(feature = "parquet") {
        return Err(Failure::new(format!(
            "{}: Parquet files need clv built with the `parquet` feature",
            path.display()
        )));
    }
    Ok(())
}

/// How a path is named in messages: `standard input` for `-`.
pub fn shown(path: &Path) -> String {
    if is_standard(path) {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// The bytes of an input file, or of standard input for `-`.
pub fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    if is_standard(path) {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).context(format!("reading {}", path.display()))
}

/// The same file on disk (device and inode), through any link or spelling.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.is_file() && a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Refuses an output that is one of the inputs: writing it would destroy the input.
///
/// An output of `-` (standard output) sends the messages to standard error from then on.
pub fn refuse_input_as_output(output: &Path, inputs: &[&Path]) -> Result<(), Failure> {
    if is_standard(output) {
        MESSAGES_TO_STDERR.store(true, Ordering::Relaxed);
        return Ok(());
    }
    match inputs
        .iter()
        .find(|i| !is_standard(i) && same_file(output, i))
    {
        Some(input) => Err(Failure::new(format!(
            "the output {} is the input {}: writing it would destroy the input; choose another output",
            output.display(),
            input.display()
        ))),
        None => Ok(()),
    }
}

/// Summarises log bytes held in memory, reading them a second time as unordered when a
/// customer's transactions are out of time order; errors name the log `name`.
pub fn summarize_bytes(
    bytes: &[u8],
    options: &TransactionLogOptions,
    calibration_end: Option<NaiveDateTime>,
    name: &str,
) -> Result<Summary, Failure> {
    summarize_csv_reader(bytes, options, calibration_end).or_else(|first| {
        let mut unordered = options.clone();
        unordered.summary.order = LogOrder::Unordered;
        summarize_csv_reader(bytes, &unordered, calibration_end)
            .map_err(|_| first)
            .context(format!("reading {name}"))
    })
}
