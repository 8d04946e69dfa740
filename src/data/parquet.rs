//! Transaction logs in Parquet files (cargo feature `parquet`), with the same options and
//! conventions as text logs ([`crate::data::transactions`]).
//!
//! Column types understood:
//! * customer id: text (`Utf8`, `LargeUtf8`, `Utf8View`) or integers (written in decimal);
//! * time: `Date32`, `Date64`, `Timestamp` of any unit (its time zone, if any, is ignored: the
//!   stored instant is read as UTC), or text parsed with [`TransactionLogOptions::date_format`];
//! * amount: floating point, integers, or `Decimal128`.
//!
//! Errors name the 1-based row of the file (as `row`) and the value; a null is a missing value.
//! [`TransactionLogOptions::separator`] and [`TransactionLogOptions::has_header`] do not apply.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use chrono::NaiveDateTime;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use crate::data::rfm::CustomerTable;
use crate::data::transactions::{
    summarize_with, DateFormat, Holdout, Layout, RowSink, Summary, TransactionLogOptions,
    TransactionTable,
};
use crate::error::{Error, Result};

/// Summarises a Parquet transaction log into a customer table.
///
/// ```
/// # #[cfg(feature = "parquet")] {
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
/// use clv::data::parquet::summarize_parquet;
/// use clv::data::transactions::TransactionLogOptions;
///
/// let dir = std::env::temp_dir().join("clv-doc-parquet");
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("log.parquet");
/// let batch = RecordBatch::try_from_iter([
///     ("customer", Arc::new(StringArray::from(vec!["a", "a", "b"])) as ArrayRef),
///     ("day", Arc::new(Date32Array::from(vec![19_723, 19_730, 19_731])) as ArrayRef),
///     ("amount", Arc::new(Float64Array::from(vec![10.0, 20.0, 5.0])) as ArrayRef),
/// ]).unwrap();
/// let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
/// w.write(&batch).unwrap();
/// w.close().unwrap();
///
/// let opts = TransactionLogOptions::new("customer", "day").amount("amount");
/// let table = summarize_parquet(&path, &opts).unwrap();
/// assert_eq!(table.ids(), ["a"]);
/// assert_eq!((table.frequency()[0], table.recency()[0], table.age()[0]), (1.0, 7.0, 8.0));
/// # }
/// ```
pub fn summarize_parquet(
    path: impl AsRef<Path>,
    options: &TransactionLogOptions,
) -> Result<CustomerTable> {
    Ok(summarize_parquet_detailed(path, options, None)?.table)
}

/// Splits a Parquet log at `calibration_end`; see
/// [`calibration_holdout_csv`](crate::data::transactions::calibration_holdout_csv).
pub fn calibration_holdout_parquet(
    path: impl AsRef<Path>,
    options: &TransactionLogOptions,
    calibration_end: impl Into<NaiveDateTime>,
) -> Result<(CustomerTable, Holdout)> {
    let s = summarize_parquet_detailed(path, options, Some(calibration_end.into()))?;
    let holdout = s
        .holdout
        .ok_or_else(|| Error::undefined("the holdout", "no calibration end was given"))?;
    Ok((s.table, holdout))
}

/// Summarises a Parquet log, with an optional calibration/holdout split, returning the table,
/// the holdout part and counts.
pub fn summarize_parquet_detailed(
    path: impl AsRef<Path>,
    options: &TransactionLogOptions,
    calibration_end: Option<NaiveDateTime>,
) -> Result<Summary> {
    let path = path.as_ref();
    summarize_with(path, options, calibration_end, |s| read(path, options, s))
}

impl TransactionTable {
    /// Parses a Parquet log (columns as [`summarize_parquet`] reads them) into a transaction
    /// table: every row, validated as the summariser validates it, errors naming the 1-based
    /// row (data rows: a text log's line numbers count its header), the column and the value.
    /// The summary of the table is what
    /// [`summarize_parquet_detailed`] gives on the same file.
    ///
    /// ```
    /// # #[cfg(feature = "parquet")] {
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray};
    /// use clv::data::transactions::{TransactionLogOptions, TransactionTable};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("log.parquet");
    /// let batch = RecordBatch::try_from_iter([
    ///     ("customer", Arc::new(StringArray::from(vec!["a", "b", "a"])) as ArrayRef),
    ///     ("day", Arc::new(Date32Array::from(vec![19_723, 19_725, 19_730])) as ArrayRef),
    /// ]).unwrap();
    /// let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
    /// w.write(&batch).unwrap();
    /// w.close().unwrap();
    ///
    /// let log = TransactionTable::from_parquet_path(&path, &TransactionLogOptions::new("customer", "day")).unwrap();
    /// assert_eq!((log.len(), log.ids()), (3, &["a".to_string(), "b".to_string()][..]));
    /// assert_eq!(log.summary(None).unwrap().table.frequency().to_vec(), [1.0, 0.0]);
    /// # }
    /// ```
    pub fn from_parquet_path(
        path: impl AsRef<Path>,
        options: &TransactionLogOptions,
    ) -> Result<TransactionTable> {
        let path = path.as_ref();
        TransactionTable::collect(options, |sink| read(path, options, sink))
    }
}

pub(crate) fn parquet_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        path,
        std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    )
}

/// The reader builder of the Parquet file at `path` and its column names, in file order.
pub(crate) fn open_with_names(
    path: &Path,
) -> Result<(ParquetRecordBatchReaderBuilder<File>, Vec<String>)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_error(path, e))?;
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    Ok((builder, names))
}

/// Reads every row of the Parquet log at `path` into `sink`, in file order.
fn read(path: &Path, options: &TransactionLogOptions, sink: &mut impl RowSink) -> Result<()> {
    let (builder, names) = open_with_names(path)?;
    let layout = Layout::resolve(options, Some(&names))?;
    sink.set_labels(&layout.labels);
    let mut wanted = vec![layout.customer, layout.time];
    wanted.extend(layout.amount);
    wanted.sort_unstable();
    wanted.dedup();
    let position = |i: usize| wanted.binary_search(&i).unwrap_or_default();
    let (c_pos, t_pos, a_pos) = (
        position(layout.customer),
        position(layout.time),
        layout.amount.map(position),
    );
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted.iter().copied());
    let reader = builder
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| parquet_error(path, e))?;
    let mut first_row = 1u64;
    let mut id_buf = String::new();
    for batch in reader {
        let batch: RecordBatch = batch.map_err(|e| parquet_error(path, e))?;
        let ids = IdColumn::new(batch.column(c_pos), &layout.labels.customer)?;
        let times = TimeColumn::new(
            batch.column(t_pos),
            &layout.labels.time,
            &options.date_format,
        )?;
        let amounts = a_pos
            .map(|p| AmountColumn::new(batch.column(p), &layout.labels.amount))
            .transpose()?;
        for i in 0..batch.num_rows() {
            let row = first_row + i as u64;
            let id = ids.get(i, row, &mut id_buf)?;
            let seconds = times.get(i, row)?;
            let amount = amounts.as_ref().map(|a| a.get(i, row)).transpose()?;
            sink.push_at(row, id, seconds, amount)?;
        }
        first_row += batch.num_rows() as u64;
    }
    Ok(())
}

fn unsupported(column: &str, array: &ArrayRef, what: &str) -> Error {
    Error::invalid_value(
        0,
        column,
        format!("{:?}", array.data_type()),
        format!("a Parquet column of this type cannot be read as {what}"),
    )
}

/// The customer id column: text, or integers written in decimal.
struct IdColumn<'a> {
    array: &'a ArrayRef,
    label: &'a str,
    text: bool,
}

impl<'a> IdColumn<'a> {
    fn new(array: &'a ArrayRef, label: &'a str) -> Result<Self> {
        let text = array.as_string_opt::<i32>().is_some()
            || array.as_string_opt::<i64>().is_some()
            || array.as_string_view_opt().is_some();
        let int = array.as_primitive_opt::<Int64Type>().is_some()
            || array.as_primitive_opt::<Int32Type>().is_some()
            || array.as_primitive_opt::<UInt64Type>().is_some()
            || array.as_primitive_opt::<UInt32Type>().is_some();
        if !(text || int) {
            return Err(unsupported(label, array, "customer ids"));
        }
        Ok(IdColumn { array, label, text })
    }

    fn get<'b>(&'b self, i: usize, row: u64, buf: &'b mut String) -> Result<&'b str> {
        let missing = || Error::invalid_value(row as usize, self.label, "", "missing customer id");
        let a = self.array;
        if a.is_null(i) {
            return Err(missing());
        }
        let id: &str = if self.text {
            if let Some(s) = a.as_string_opt::<i32>() {
                s.value(i)
            } else if let Some(s) = a.as_string_opt::<i64>() {
                s.value(i)
            } else {
                a.as_string_view().value(i)
            }
        } else {
            use std::fmt::Write;
            buf.clear();
            let _ = if let Some(v) = a.as_primitive_opt::<Int64Type>() {
                write!(buf, "{}", v.value(i))
            } else if let Some(v) = a.as_primitive_opt::<Int32Type>() {
                write!(buf, "{}", v.value(i))
            } else if let Some(v) = a.as_primitive_opt::<UInt64Type>() {
                write!(buf, "{}", v.value(i))
            } else {
                write!(buf, "{}", a.as_primitive::<UInt32Type>().value(i))
            };
            buf.as_str()
        };
        let id = id.trim();
        if id.is_empty() {
            return Err(missing());
        }
        Ok(id)
    }
}

struct TimeColumn<'a> {
    array: &'a ArrayRef,
    label: &'a str,
    format: &'a DateFormat,
}

const DAY: i64 = 86_400;

impl<'a> TimeColumn<'a> {
    fn new(array: &'a ArrayRef, label: &'a str, format: &'a DateFormat) -> Result<Self> {
        let c = TimeColumn {
            array,
            label,
            format,
        };
        // Check the type once, on a probe that does not depend on the values.
        if c.seconds_of(None).is_none() {
            return Err(unsupported(label, array, "times"));
        }
        Ok(c)
    }

    /// Seconds since the epoch of row `i`; with `None`, only whether the type is supported.
    fn seconds_of(&self, i: Option<usize>) -> Option<Result<i64, String>> {
        let a = self.array;
        let i_ = i.unwrap_or(0);
        macro_rules! prim {
            ($t:ty, $f:expr) => {
                if let Some(v) = a.as_primitive_opt::<$t>() {
                    return Some(if i.is_none() {
                        Ok(0)
                    } else {
                        Ok($f(v.value(i_) as i64))
                    });
                }
            };
        }
        prim!(Date32Type, |d: i64| d * DAY);
        prim!(Date64Type, |ms: i64| ms.div_euclid(1000));
        prim!(TimestampSecondType, |s: i64| s);
        prim!(TimestampMillisecondType, |v: i64| v.div_euclid(1_000));
        prim!(TimestampMicrosecondType, |v: i64| v.div_euclid(1_000_000));
        prim!(TimestampNanosecondType, |v: i64| v
            .div_euclid(1_000_000_000));
        let text = if let Some(s) = a.as_string_opt::<i32>() {
            i.map(|i| s.value(i))
        } else if let Some(s) = a.as_string_opt::<i64>() {
            i.map(|i| s.value(i))
        } else if let Some(s) = a.as_string_view_opt() {
            i.map(|i| s.value(i))
        } else {
            return None;
        };
        Some(match text {
            None => Ok(0),
            Some(t) => self.format.parse_seconds(t.trim().as_bytes()),
        })
    }

    fn get(&self, i: usize, row: u64) -> Result<i64> {
        if self.array.is_null(i) {
            return Err(Error::invalid_value(
                row as usize,
                self.label,
                "",
                "missing date",
            ));
        }
        match self.seconds_of(Some(i)) {
            Some(Ok(s)) => Ok(s),
            Some(Err(why)) => {
                let value = arrow_value(self.array, i);
                Err(Error::invalid_value(row as usize, self.label, value, why))
            }
            None => Err(unsupported(self.label, self.array, "times")),
        }
    }
}

fn arrow_value(array: &ArrayRef, i: usize) -> String {
    if let Some(s) = array.as_string_opt::<i32>() {
        s.value(i).to_string()
    } else if let Some(s) = array.as_string_opt::<i64>() {
        s.value(i).to_string()
    } else if let Some(s) = array.as_string_view_opt() {
        s.value(i).to_string()
    } else {
        format!("{:?}", array.slice(i, 1))
    }
}

struct AmountColumn<'a> {
    array: &'a ArrayRef,
    label: &'a str,
}

impl<'a> AmountColumn<'a> {
    fn new(array: &'a ArrayRef, label: &'a str) -> Result<Self> {
        let c = AmountColumn { array, label };
        if c.value(0, true).is_none() {
            return Err(unsupported(label, array, "amounts"));
        }
        Ok(c)
    }

    fn value(&self, i: usize, probe: bool) -> Option<f64> {
        let a = self.array;
        macro_rules! prim {
            ($t:ty) => {
                if let Some(v) = a.as_primitive_opt::<$t>() {
                    return Some(if probe { 0.0 } else { v.value(i) as f64 });
                }
            };
        }
        prim!(Float64Type);
        prim!(Float32Type);
        prim!(Int64Type);
        prim!(Int32Type);
        prim!(UInt64Type);
        prim!(UInt32Type);
        if let Some(v) = a.as_primitive_opt::<Decimal128Type>() {
            if probe {
                return Some(0.0);
            }
            return Some(v.value(i) as f64 / 10f64.powi(i32::from(v.scale())));
        }
        None
    }

    fn get(&self, i: usize, row: u64) -> Result<f64> {
        if self.array.is_null(i) {
            return Err(Error::invalid_value(
                row as usize,
                self.label,
                "",
                "missing amount",
            ));
        }
        let v = self
            .value(i, false)
            .ok_or_else(|| unsupported(self.label, self.array, "amounts"))?;
        if !v.is_finite() {
            return Err(Error::invalid_value(
                row as usize,
                self.label,
                v,
                "amount must be a finite number",
            ));
        }
        Ok(v)
    }
}
