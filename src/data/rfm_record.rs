//! One record of an RFM CSV: its columns found from the header, and its fields parsed and
//! checked, with errors that name the file's row, column and value. Shared by the reader of
//! whole tables ([`CustomerTable`](crate::CustomerTable)) and the reader of what the fits need
//! ([`DistinctRows`](crate::data::rfm_distinct::DistinctRows)).

use rayon::prelude::*;

use crate::data::rfm::{check_monetary, check_rfm, Column, RfmCsvOptions};
use crate::error::{Error, Result};
use crate::io::{field_str, Record};

/// Column positions and names of an RFM CSV, resolved from its header.
pub(crate) struct RfmLayout<'a> {
    pub(crate) options: &'a RfmCsvOptions,
    pub(crate) frequency: usize,
    pub(crate) recency: usize,
    pub(crate) age: usize,
    pub(crate) id: Option<usize>,
    pub(crate) monetary_value: Option<usize>,
    pub(crate) weights: Option<usize>,
    /// Whether ids are kept as strings; otherwise only their hashes, for the repeat check.
    pub(crate) keep_ids: bool,
}

impl<'a> RfmLayout<'a> {
    pub(crate) fn new(headers: &csv::StringRecord, options: &'a RfmCsvOptions) -> Result<Self> {
        let find = |name: &str| headers.iter().position(|h| h == name);
        let missing = |name: &str| Error::MissingColumn {
            column: name.to_string(),
            available: headers.iter().collect::<Vec<_>>().join(","),
        };
        let required = |name: &str| find(name).ok_or_else(|| missing(name));
        let optional = |spec: &Column| -> Result<Option<usize>> {
            match spec {
                Column::Required(name) => required(name).map(Some),
                Column::IfPresent(name) => Ok(find(name)),
                Column::Absent => Ok(None),
            }
        };
        Ok(RfmLayout {
            options,
            frequency: required(&options.frequency)?,
            recency: required(&options.recency)?,
            age: required(&options.age)?,
            id: optional(&options.id)?,
            monetary_value: optional(&options.monetary_value)?,
            weights: optional(&options.weights)?,
            keep_ids: true,
        })
    }
}

/// One record's values, parsed and checked.
pub(crate) struct RfmRecord<'r> {
    pub(crate) frequency: f64,
    pub(crate) recency: f64,
    pub(crate) age: f64,
    /// The mean spend, when the layout has the column.
    pub(crate) monetary_value: Option<f64>,
    /// The weight, when the layout has the column.
    pub(crate) weight: Option<f64>,
    /// The id (not empty), when the layout has the column.
    pub(crate) id: Option<&'r str>,
}

impl RfmLayout<'_> {
    /// Parses and validates one record, in the order (and with the messages) of the checks on
    /// a table: frequency, recency, T, their consistency, mean spend, weight, id. `row` is the
    /// record's 1-based row in the file, for the errors.
    pub(crate) fn read<'r>(&self, row: usize, record: &Record<'r>) -> Result<RfmRecord<'r>> {
        let options = self.options;
        let text = |i: usize, name: &str| field_str(row, name, record.get(i).unwrap_or(b""));
        let number = |i: usize, name: &str| match record.get(i).and_then(parse_whole) {
            Some(v) => Ok(v),
            None => parse_number(row, name, text(i, name)?),
        };
        let x = number(self.frequency, &options.frequency)?;
        let tx = number(self.recency, &options.recency)?;
        let age = number(self.age, &options.age)?;
        check_rfm(row, x, tx, age).map_err(|e| rename_column(e, options))?;
        let monetary_value = match self.monetary_value {
            Some(i) => {
                let name = options.monetary_value.name().unwrap_or("monetary_value");
                let m = number(i, name)?;
                check_monetary(row, m).map_err(|e| rename_column(e, options))?;
                Some(m)
            }
            None => None,
        };
        let weight = match self.weights {
            Some(i) => {
                let name = options.weights.name().unwrap_or("weights");
                let w = number(i, name)?;
                if !(w > 0.0 && w.is_finite()) {
                    return Err(Error::invalid_value(
                        row,
                        name,
                        w,
                        "weight must be a positive number",
                    ));
                }
                Some(w)
            }
            None => None,
        };
        let id = match self.id {
            Some(i) => {
                let name = options.id.name().unwrap_or("id");
                let id = text(i, name)?;
                if id.is_empty() {
                    return Err(Error::invalid_value(row, name, id, "missing customer id"));
                }
                Some(id)
            }
            None => None,
        };
        Ok(RfmRecord {
            frequency: x,
            recency: tx,
            age,
            monetary_value,
            weight,
            id,
        })
    }
}

/// The hash of an id that [`check_unique_ids`](crate::data::rfm::check_unique_ids) compares.
pub(crate) fn id_hash(id: &str) -> u64 {
    use std::hash::BuildHasher;
    std::hash::BuildHasherDefault::<crate::data::hash::FastHasher>::default()
        .hash_one(id.as_bytes())
}

/// The hashes that occur more than once in `hashes` (sorted, possibly repeated); empty when
/// all differ, which proves the ids distinct.
pub(crate) fn shared_hashes(hashes: &[u64]) -> Vec<u64> {
    let mut sorted = hashes.to_vec();
    sorted.par_sort_unstable();
    sorted
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect()
}

/// A field of 1 to 15 ASCII digits as the number it writes (exact: below 2^53), without the
/// UTF-8 check, trimming and decimal parsing of [`parse_number`], which gives the same value;
/// `None` for any other field. Whole-day and whole-week RFM files are mostly such fields.
#[inline]
pub(crate) fn parse_whole(raw: &[u8]) -> Option<f64> {
    if raw.is_empty() || raw.len() > 15 {
        return None;
    }
    let mut v = 0u64;
    for &b in raw {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v as f64)
}

/// Parses a number, naming row, column and value when it is not one.
pub(crate) fn parse_number(row: usize, column: &str, raw: &str) -> Result<f64> {
    if raw.is_empty() {
        return Err(Error::invalid_value(row, column, raw, "missing value"));
    }
    let v: f64 = raw
        .parse()
        .map_err(|_| Error::invalid_value(row, column, raw, "not a number"))?;
    if !v.is_finite() {
        return Err(Error::invalid_value(
            row,
            column,
            raw,
            "must be a finite number (NaN and infinity are not allowed)",
        ));
    }
    Ok(v)
}

/// Validation errors use lifetimes' column names; in a CSV read, report the file's names.
pub(crate) fn rename_column(e: Error, options: &RfmCsvOptions) -> Error {
    match e {
        Error::InvalidValue {
            row,
            column,
            value,
            problem,
        } => {
            let column = match column.as_str() {
                "frequency" => options.frequency.clone(),
                "recency" => options.recency.clone(),
                "T" => options.age.clone(),
                "monetary_value" => options
                    .monetary_value
                    .name()
                    .unwrap_or("monetary_value")
                    .to_string(),
                _ => column,
            };
            Error::InvalidValue {
                row,
                column,
                value,
                problem,
            }
        }
        other => other,
    }
}
