//! Customer tables and scores in Parquet files (cargo feature `parquet`): the columns of their
//! CSV files, under the same names.
//!
//! Reading turns each record batch into the CSV text of its rows ([`CsvFromParquet`]), which
//! the CSV readers then validate: a Parquet table is read exactly as the CSV with the same
//! columns would be, with the same checks and the same errors (the row, counting from 1,
//! the column and the value; a null is a missing value). Column types understood: text,
//! integers and floating point. Writing stores the ids as text and every number as a
//! `Float64`, atomically.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use ndarray::Array1;
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;
use parquet::arrow::ArrowWriter;

use crate::data::parquet::{open_with_names, parquet_error};

use crate::error::{Error, Result};
use crate::io::{push_csv_field, push_f64};

/// Whether `path` names a Parquet file (its extension is `parquet`, in any case).
///
/// ```
/// use clv::data::parquet_tables::is_parquet;
/// assert!(is_parquet("scores.PARQUET".as_ref()) && !is_parquet("scores.csv".as_ref()));
/// ```
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// A Parquet table read as the CSV text of its rows (header first), a record batch at a
/// time: memory holds one batch, not the file.
///
/// ```
/// # #[cfg(feature = "parquet")] {
/// use std::io::Read;
/// use clv::data::parquet_tables::CsvFromParquet;
/// use clv::{CustomerTable, TimeUnit};
/// use ndarray::array;
/// let dir = std::env::temp_dir().join("clv-doc-parquet-csv");
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("rfm.parquet");
/// let t = CustomerTable::new(vec!["a, b".into()], array![1.0], array![0.5], array![2.0], TimeUnit::Weeks).unwrap();
/// t.write_parquet(&path).unwrap();
/// let mut text = String::new();
/// CsvFromParquet::open(&path).unwrap().read_to_string(&mut text).unwrap();
/// assert_eq!(text, "customer_id,frequency,recency,T\n\"a, b\",1,0.5,2\n");
/// # }
/// ```
pub struct CsvFromParquet {
    path: std::path::PathBuf,
    batches: ParquetRecordBatchReader,
    names: Vec<String>,
    text: Vec<u8>,
    at: usize,
    next_row: usize,
}

impl CsvFromParquet {
    /// Opens the Parquet file at `path`; its header line is the first text read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (builder, names) = open_with_names(path)?;
        let batches = builder
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| parquet_error(path, e))?;
        let mut text = Vec::new();
        for (k, name) in names.iter().enumerate() {
            if k > 0 {
                text.push(b',');
            }
            push_csv_field(&mut text, name);
        }
        text.push(b'\n');
        Ok(CsvFromParquet {
            path: path.to_path_buf(),
            batches,
            names,
            text,
            at: 0,
            next_row: 1,
        })
    }

    /// Replaces the text by the CSV lines of the next batch; false at the end of the file.
    fn next_batch(&mut self) -> Result<bool> {
        let Some(batch) = self.batches.next() else {
            return Ok(false);
        };
        let batch = batch.map_err(|e| parquet_error(&self.path, e))?;
        self.text.clear();
        self.at = 0;
        let columns: Vec<Field<'_>> = batch
            .columns()
            .iter()
            .zip(&self.names)
            .map(|(c, name)| field(c, name, self.next_row))
            .collect::<Result<_>>()?;
        for i in 0..batch.num_rows() {
            for (k, c) in columns.iter().enumerate() {
                if k > 0 {
                    self.text.push(b',');
                }
                c(i, &mut self.text);
            }
            self.text.push(b'\n');
        }
        self.next_row += batch.num_rows();
        Ok(true)
    }
}

impl Read for CsvFromParquet {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.text.len() {
            match self.next_batch() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e.to_string())),
            }
        }
        let n = buf.len().min(self.text.len() - self.at);
        buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Writes the field of row `i` of a column (nothing for a null).
type Field<'a> = Box<dyn Fn(usize, &mut Vec<u8>) + 'a>;

macro_rules! integers {
    ($column:expr, $($t:ty),*) => {
        $(if let Some(a) = $column.as_primitive_opt::<$t>() {
            return Ok(Box::new(move |i, out: &mut Vec<u8>| {
                if a.is_valid(i) {
                    out.extend_from_slice(itoa::Buffer::new().format(a.value(i)).as_bytes());
                }
            }));
        })*
    };
}

/// The CSV writer of `column` (named `name`, its first row being `first_row` of the file).
fn field<'a>(column: &'a ArrayRef, name: &str, first_row: usize) -> Result<Field<'a>> {
    if let Some(a) = column.as_string_opt::<i32>() {
        return Ok(Box::new(move |i, out| {
            if a.is_valid(i) {
                push_csv_field(out, a.value(i));
            }
        }));
    }
    if let Some(a) = column.as_string_opt::<i64>() {
        return Ok(Box::new(move |i, out| {
            if a.is_valid(i) {
                push_csv_field(out, a.value(i));
            }
        }));
    }
    if let Some(a) = column.as_string_view_opt() {
        return Ok(Box::new(move |i, out| {
            if a.is_valid(i) {
                push_csv_field(out, a.value(i));
            }
        }));
    }
    if let Some(a) = column.as_primitive_opt::<Float64Type>() {
        return Ok(Box::new(move |i, out| {
            if a.is_valid(i) {
                push_f64(out, a.value(i));
            }
        }));
    }
    if let Some(a) = column.as_primitive_opt::<Float32Type>() {
        return Ok(Box::new(move |i, out| {
            if a.is_valid(i) {
                out.extend_from_slice(ryu::Buffer::new().format(a.value(i)).as_bytes());
            }
        }));
    }
    integers!(
        column, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
        UInt64Type
    );
    Err(Error::invalid_value(
        first_row,
        name,
        format!("{:?}", column.data_type()),
        "unsupported Parquet column type (expected text, integers or floating point)",
    ))
}

/// The record batch of `ids` (a text column named `id_name`) and the number columns
/// (`Float64`); `path` names the file in errors.
pub(crate) fn record_batch(
    path: &Path,
    id_name: &str,
    ids: &[String],
    columns: &[(&str, &Array1<f64>)],
) -> Result<RecordBatch> {
    let mut arrays: Vec<(&str, ArrayRef)> =
        vec![(id_name, Arc::new(StringArray::from_iter_values(ids)))];
    for (name, c) in columns {
        arrays.push((
            name,
            Arc::new(Float64Array::from_iter_values(c.iter().copied())),
        ));
    }
    RecordBatch::try_from_iter(arrays).map_err(|e| parquet_error(path, e))
}

/// Writes the batches `next` gives, until `None`, to a Parquet file at `path`, atomically (the
/// file is complete or untouched); no batch at all is [`Error::Empty`].
pub(crate) fn write_batches(
    path: &Path,
    mut next: impl FnMut() -> Result<Option<RecordBatch>>,
) -> Result<()> {
    crate::io::write_atomically(path, |w| {
        let Some(first) = next()? else {
            return Err(Error::Empty {
                what: format!("the scores for {}", path.display()),
            });
        };
        let mut writer =
            ArrowWriter::try_new(w, first.schema(), None).map_err(|e| parquet_error(path, e))?;
        writer.write(&first).map_err(|e| parquet_error(path, e))?;
        while let Some(batch) = next()? {
            writer.write(&batch).map_err(|e| parquet_error(path, e))?;
        }
        writer.close().map_err(|e| parquet_error(path, e))?;
        Ok(())
    })
}

/// Writes `ids` (a text column named `id_name`) and the number columns to a Parquet file at
/// `path`, atomically (the file is complete or untouched).
pub(crate) fn write_columns(
    path: &Path,
    id_name: &str,
    ids: &[String],
    columns: &[(&str, &Array1<f64>)],
) -> Result<()> {
    let mut batch = Some(record_batch(path, id_name, ids, columns)?);
    write_batches(path, || Ok(batch.take()))
}
