//! Small helpers for the discrete-time CSV readers: columns by header name and fields parsed
//! with errors that name the row, column and value.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// A CSV file read whole, with its header.
pub(crate) struct CsvTable {
    pub(crate) headers: Vec<String>,
    /// Data rows; row `i` is data row `i + 1` (the header not counted).
    pub(crate) rows: Vec<csv::StringRecord>,
}

impl CsvTable {
    /// Reads a CSV with a header from `reader`; `what` names it in an empty-input error.
    pub(crate) fn read<R: Read>(reader: R, what: &str) -> Result<Self> {
        let mut r = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
        let rows = r.records().collect::<std::result::Result<Vec<_>, _>>()?;
        if rows.is_empty() {
            return Err(Error::Empty { what: what.into() });
        }
        Ok(CsvTable { headers, rows })
    }

    /// Reads the CSV file at `path`.
    pub(crate) fn read_path(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::read(std::io::BufReader::new(file), &path.display().to_string())
    }

    /// Position of the column named `name`.
    pub(crate) fn column(&self, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::MissingColumn {
                column: name.into(),
                available: self.headers.join(","),
            })
    }

    /// Position of the column named `name`, if there is one.
    pub(crate) fn optional_column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The text of data row `row` (0-based) in column `col`.
    pub(crate) fn text(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).unwrap_or("")
    }

    /// Field `col` of data row `row` (0-based) parsed as `T`; errors name the 1-based row.
    pub(crate) fn parse<T: std::str::FromStr>(
        &self,
        row: usize,
        col: usize,
        what: &str,
    ) -> Result<T> {
        let raw = self.text(row, col);
        raw.parse().map_err(|_| {
            Error::invalid_value(row + 1, &self.headers[col], raw, format!("not {what}"))
        })
    }

    /// Field `col` of data row `row` as a finite number `>= 0`.
    pub(crate) fn non_negative(&self, row: usize, col: usize) -> Result<f64> {
        let v: f64 = self.parse(row, col, "a number")?;
        if !(v.is_finite() && v >= 0.0) {
            let raw = self.text(row, col);
            return Err(Error::invalid_value(
                row + 1,
                &self.headers[col],
                raw,
                "must be a finite number >= 0",
            ));
        }
        Ok(v)
    }
}

/// Weights of `rows` rows: as many as rows, each finite and `>= 0`.
pub(crate) fn check_weights(rows: usize, weights: &[f64]) -> Result<()> {
    if rows != weights.len() {
        return Err(Error::LengthMismatch {
            column: "weights".into(),
            expected: rows,
            actual: weights.len(),
        });
    }
    if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        return Err(Error::invalid_value(
            i + 1,
            "weights",
            weights[i],
            "must be finite and >= 0",
        ));
    }
    Ok(())
}
