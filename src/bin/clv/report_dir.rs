//! The output directory of `clv report`: never one of the inputs, and never a page that
//! describes other data than the files beside it.

use std::path::Path;

use crate::failure::{Context, Failure};
use crate::paths::refuse_input_as_output;

/// The files `clv report` writes besides its plots; `index.html` is written last.
const REPORT_FILES: [&str; 8] = [
    "index.html",
    "rfm.csv",
    "rfm.csv.unit",
    "model.json",
    "scores.csv",
    "segments.csv",
    "customer_segments.csv",
    "cohorts.csv",
];

/// Refuses a directory where a file the report writes is one of `inputs`.
pub fn refuse_inputs(dir: &Path, inputs: &[&Path]) -> Result<(), Failure> {
    if crate::paths::is_standard(dir) {
        return Err(Failure::new(
            "-o -: a report is a directory of files and cannot go to standard output",
        ));
    }
    for name in REPORT_FILES {
        refuse_input_as_output(&dir.join(name), inputs)?;
    }
    Ok(())
}

/// Creates `dir`, or clears a previous report from it: its page first (so that an interrupted
/// run leaves no page describing other files), then the files a report writes and its plots.
/// Other files are left alone.
pub fn prepare(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).context(format!("creating {}", dir.display()))?;
    let page = dir.join("index.html");
    let had_report = page.exists();
    for name in REPORT_FILES {
        remove_if_there(&dir.join(name))?;
    }
    if had_report {
        let entries = std::fs::read_dir(dir).context(format!("reading {}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "svg") {
                remove_if_there(&path)?;
            }
        }
    }
    Ok(())
}

fn remove_if_there(path: &Path) -> Result<(), Failure> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Failure::new(format!(
            "removing the old {}: {e}",
            path.display()
        ))),
        _ => Ok(()),
    }
}
