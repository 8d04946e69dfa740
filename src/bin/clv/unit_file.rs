//! The time unit of an RFM file travels beside it: `clv summarize -o rfm.csv --unit days`
//! writes `rfm.csv.unit` holding `days`, and `clv fit` / `clv predict` read it, so that a
//! table in days is never fitted as weeks. `--unit` on the reading side must agree with it;
//! where neither says, the command warns loudly and assumes its default.

use std::path::{Path, PathBuf};

use clv::TimeUnit;

use crate::failure::{Context, Failure};
use crate::paths::is_standard;

/// The sidecar of `rfm`: the same path with `.unit` appended.
pub fn sidecar(rfm: &Path) -> PathBuf {
    let mut name = rfm.as_os_str().to_owned();
    name.push(".unit");
    PathBuf::from(name)
}

/// Writes the sidecar of an RFM file just written (not for standard output or special files,
/// where the unit is printed instead).
pub fn write(rfm: &Path, unit: TimeUnit) -> Result<(), Failure> {
    if is_standard(rfm) || !std::fs::metadata(rfm).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let path = sidecar(rfm);
    clv::io::write_atomically(&path, |w| {
        use std::io::Write;
        writeln!(w, "{unit}").map_err(|e| clv::Error::io(&path, e))
    })
    .context(format!("writing {}", path.display()))
}

/// The unit stated beside `rfm`, if any.
fn stated(rfm: &Path) -> Result<Option<TimeUnit>, Failure> {
    if is_standard(rfm) {
        return Ok(None);
    }
    let path = sidecar(rfm);
    match std::fs::read_to_string(&path) {
        Ok(text) => text.trim().parse::<TimeUnit>().map(Some).map_err(|e| {
            Failure::new(format!(
                "{}: {e} (it states the unit of {})",
                path.display(),
                rfm.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::new(format!("reading {}: {e}", path.display()))),
    }
}

/// The unit of recency and T in `rfm`: `--unit` (`given`) or the sidecar, which must agree;
/// else `fallback` with a warning to print (once the file is read) naming what was assumed
/// (`assumed` says why that unit, e.g. "the model's unit").
pub fn resolve(
    rfm: &Path,
    given: Option<TimeUnit>,
    fallback: TimeUnit,
    assumed: &str,
) -> Result<(TimeUnit, Option<String>), Failure> {
    match (given, stated(rfm)?) {
        (Some(g), Some(s)) if g != s => Err(Failure::new(format!(
            "--unit {g}, but {} says {} is in {s}; leave out --unit, or summarise again",
            sidecar(rfm).display(),
            rfm.display()
        ))),
        (Some(u), _) | (None, Some(u)) => Ok((u, None)),
        (None, None) => Ok((
            fallback,
            Some(format!(
                "warning: the time unit of recency and T in {} is not stated (no --unit, no {}): \
                 assuming {fallback} ({assumed}); if that is wrong, every prediction is wrong",
                crate::paths::shown(rfm),
                sidecar(rfm).display()
            )),
        )),
    }
}
