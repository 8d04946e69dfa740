//! One customer's RFM summary and the columnar table of many customers.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use ndarray::{Array1, ArrayView1};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::group::{DistinctCache, DistinctIndex, PairIndex};
pub(crate) use crate::data::rfm_record::parse_number;
use crate::data::rfm_record::{id_hash, shared_hashes, RfmLayout};
use crate::error::{Error, Result};
use crate::io::{push_csv_field, push_f64, CsvBytes, Record};
use crate::time::TimeUnit;

/// One customer's purchase history summarised as frequency, recency and age.
///
/// * `frequency` (x): number of *repeat* purchases (purchase periods after the first);
/// * `recency` (t_x): age of the customer at the last purchase, measured from the first one
///   (0 when there is no repeat purchase);
/// * `age` (T): age of the customer at the end of observation, measured from the first purchase.
///
/// The unit of `recency` and `age` travels with the value, so it cannot be mixed up.
///
/// ```
/// use clv::{Rfm, TimeUnit};
/// let c = Rfm::new(2, 30.43, 38.86, TimeUnit::Weeks).unwrap();
/// assert_eq!(c.frequency, 2);
/// assert!(Rfm::new(2, 40.0, 38.86, TimeUnit::Weeks).is_err()); // recency > T
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rfm {
    /// Number of repeat purchases x.
    pub frequency: u32,
    /// Time from first to last purchase, t_x.
    pub recency: f64,
    /// Time from first purchase to the end of observation, T.
    pub age: f64,
    /// Unit of `recency` and `age`.
    pub unit: TimeUnit,
}

impl Rfm {
    /// A validated RFM summary.
    ///
    /// Errors when a time is not finite, recency is negative or exceeds age, age is not positive,
    /// or recency is positive without a repeat purchase.
    pub fn new(frequency: u32, recency: f64, age: f64, unit: TimeUnit) -> Result<Self> {
        check_rfm(1, frequency as f64, recency, age)?;
        Ok(Rfm {
            frequency,
            recency,
            age,
            unit,
        })
    }

    /// The same customer with times expressed in `unit`.
    ///
    /// ```
    /// use clv::{Rfm, TimeUnit};
    /// let c = Rfm::new(1, 7.0, 14.0, TimeUnit::Days).unwrap().in_unit(TimeUnit::Weeks);
    /// assert_eq!((c.recency, c.age), (1.0, 2.0));
    /// ```
    pub fn in_unit(self, unit: TimeUnit) -> Self {
        let k = self.unit.in_units_of(unit);
        Rfm {
            frequency: self.frequency,
            recency: self.recency * k,
            age: self.age * k,
            unit,
        }
    }
}

/// Validates one customer's (x, t_x, T); `row` is used in the error.
pub(crate) fn check_rfm(row: usize, x: f64, t_x: f64, age: f64) -> Result<()> {
    if !x.is_finite() {
        return Err(Error::invalid_value(
            row,
            "frequency",
            x,
            "frequency must be a finite number",
        ));
    }
    if x < 0.0 {
        return Err(Error::invalid_value(
            row,
            "frequency",
            x,
            "frequency (repeat purchases) cannot be negative",
        ));
    }
    // whole: every float from 2^53 is; below, a cast and back (`fract` is a libm call per row)
    if x < 9_007_199_254_740_992.0 && (x as u64) as f64 != x {
        return Err(Error::invalid_value(
            row,
            "frequency",
            x,
            "frequency (repeat purchases) must be a whole number",
        ));
    }
    if x > f64::from(u32::MAX) {
        return Err(Error::invalid_value(
            row,
            "frequency",
            crate::error::number(x),
            format!(
                "frequency (repeat purchases) above the largest supported count, {}",
                u32::MAX
            ),
        ));
    }
    if !t_x.is_finite() {
        return Err(Error::invalid_value(
            row,
            "recency",
            t_x,
            "recency must be a finite number",
        ));
    }
    if t_x < 0.0 {
        return Err(Error::invalid_value(
            row,
            "recency",
            t_x,
            "recency cannot be negative",
        ));
    }
    if !age.is_finite() {
        return Err(Error::invalid_value(
            row,
            "T",
            age,
            "T (age) must be a finite number",
        ));
    }
    if age <= 0.0 {
        return Err(Error::invalid_value(
            row,
            "T",
            age,
            "T (age at the end of observation) must be positive",
        ));
    }
    if t_x > age {
        return Err(Error::invalid_value(
            row,
            "recency",
            t_x,
            format!("recency cannot exceed T = {age}"),
        ));
    }
    if x == 0.0 && t_x != 0.0 {
        return Err(Error::invalid_value(
            row,
            "recency",
            t_x,
            "recency must be 0 for a customer with no repeat purchase (frequency 0)",
        ));
    }
    Ok(())
}

pub(crate) fn check_monetary(row: usize, m: f64) -> Result<()> {
    if !m.is_finite() {
        return Err(Error::invalid_value(
            row,
            "monetary_value",
            m,
            "monetary value must be a finite number",
        ));
    }
    if m < 0.0 {
        return Err(Error::invalid_value(
            row,
            "monetary_value",
            m,
            "monetary value cannot be negative",
        ));
    }
    Ok(())
}

/// A validated, columnar table of customers: ids, RFM columns, optional mean spend and weights.
///
/// Rows keep the order they were given in. A weight `w` on a row means `w` identical customers
/// (as in compressed data sets such as the donations data); it defaults to 1.
///
/// ```
/// use clv::{CustomerTable, TimeUnit};
/// use ndarray::array;
/// let table = CustomerTable::new(
///     vec!["a".into(), "b".into()],
///     array![2.0, 0.0],
///     array![30.43, 0.0],
///     array![38.86, 38.86],
///     TimeUnit::Weeks,
/// ).unwrap();
/// assert_eq!(table.len(), 2);
/// assert_eq!(table.get(0).frequency, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerTable {
    ids: Vec<String>,
    frequency: Array1<f64>,
    recency: Array1<f64>,
    age: Array1<f64>,
    monetary_value: Option<Array1<f64>>,
    weights: Option<Array1<f64>>,
    unit: TimeUnit,
    /// The groupings of the rows by (x, t_x, T) and by (x, T), computed on first use.
    #[serde(skip)]
    distinct: DistinctCache,
}

impl CustomerTable {
    /// Builds a table from its columns, validating every row (see [`Rfm::new`]) and the ids
    /// (no duplicates).
    pub fn new(
        ids: Vec<String>,
        frequency: Array1<f64>,
        recency: Array1<f64>,
        age: Array1<f64>,
        unit: TimeUnit,
    ) -> Result<Self> {
        let n = ids.len();
        if n == 0 {
            return Err(Error::Empty {
                what: "customer table".into(),
            });
        }
        for (name, col) in [
            ("frequency", &frequency),
            ("recency", &recency),
            ("T", &age),
        ] {
            if col.len() != n {
                return Err(Error::LengthMismatch {
                    column: name.into(),
                    expected: n,
                    actual: col.len(),
                });
            }
        }
        for i in 0..n {
            check_rfm(i + 1, frequency[i], recency[i], age[i])?;
        }
        check_unique_ids(&ids)?;
        Ok(CustomerTable {
            ids,
            frequency,
            recency,
            age,
            monetary_value: None,
            weights: None,
            unit,
            distinct: DistinctCache::default(),
        })
    }

    /// Builds a table from customers (ids are `1..=n`).
    ///
    /// ```
    /// use clv::{CustomerTable, Rfm, TimeUnit};
    /// let t = CustomerTable::from_customers(&[Rfm::new(1, 2.0, 5.0, TimeUnit::Days).unwrap()]).unwrap();
    /// assert_eq!(t.unit(), TimeUnit::Days);
    /// ```
    pub fn from_customers(customers: &[Rfm]) -> Result<Self> {
        let unit = customers.first().map(|c| c.unit).unwrap_or(TimeUnit::Weeks);
        let cs: Vec<Rfm> = customers.iter().map(|c| c.in_unit(unit)).collect();
        CustomerTable::new(
            (1..=cs.len()).map(|i| i.to_string()).collect(),
            cs.iter().map(|c| c.frequency as f64).collect(),
            cs.iter().map(|c| c.recency).collect(),
            cs.iter().map(|c| c.age).collect(),
            unit,
        )
    }

    /// Rows already validated (distinct histories of validated tables), with empty ids and
    /// optional weights; no check is repeated.
    pub(crate) fn from_distinct(
        frequency: Vec<f64>,
        recency: Vec<f64>,
        age: Vec<f64>,
        weights: Option<Vec<f64>>,
        unit: TimeUnit,
    ) -> Self {
        CustomerTable {
            ids: vec![String::new(); frequency.len()],
            frequency: frequency.into(),
            recency: recency.into(),
            age: age.into(),
            monetary_value: None,
            weights: weights.map(Array1::from),
            unit,
            distinct: DistinctCache::default(),
        }
    }

    /// Each row's index among the distinct (x, t_x, T) and the distinct rows, computed on the
    /// first call and kept.
    pub(crate) fn distinct_index(&self) -> &Arc<DistinctIndex> {
        self.distinct.get_or_compute(self)
    }

    /// Each row's index among the distinct (x, T) and those pairs, computed on the first call
    /// and kept.
    pub(crate) fn pair_index(&self) -> &Arc<PairIndex> {
        self.distinct.pairs_or_compute(self)
    }

    /// Whether [`distinct_index`](Self::distinct_index) has been computed (by a fit, a
    /// compression or a per-distinct score), so that scoring through it costs no grouping.
    pub(crate) fn has_distinct_index(&self) -> bool {
        self.distinct.is_computed()
    }

    /// Adds the mean spend per repeat purchase: finite and not negative. A repeat customer may
    /// have 0 (free orders, full discounts); the Gamma-Gamma fit leaves such customers out.
    /// Customers with frequency 0 conventionally have 0 (their value is not used for fitting).
    pub fn with_monetary_value(mut self, monetary_value: Array1<f64>) -> Result<Self> {
        self.check_len("monetary_value", monetary_value.len())?;
        for (i, &m) in monetary_value.iter().enumerate() {
            check_monetary(i + 1, m)?;
        }
        self.monetary_value = Some(monetary_value);
        Ok(self)
    }

    /// Adds weights: a row of weight `w` stands for `w` identical customers. Weights must be
    /// finite and positive.
    pub fn with_weights(mut self, weights: Array1<f64>) -> Result<Self> {
        self.check_len("weights", weights.len())?;
        for (i, &w) in weights.iter().enumerate() {
            if !(w.is_finite() && w > 0.0) {
                return Err(Error::invalid_value(
                    i + 1,
                    "weights",
                    w,
                    "weight must be a positive number",
                ));
            }
        }
        self.weights = Some(weights);
        Ok(self)
    }

    fn check_len(&self, column: &str, actual: usize) -> Result<()> {
        if actual != self.len() {
            return Err(Error::LengthMismatch {
                column: column.into(),
                expected: self.len(),
                actual,
            });
        }
        Ok(())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Always false: an empty table cannot be built.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Customer ids, in row order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Repeat purchases x (whole numbers stored as `f64`).
    pub fn frequency(&self) -> ArrayView1<'_, f64> {
        self.frequency.view()
    }

    /// Recency t_x, in [`unit`](Self::unit).
    pub fn recency(&self) -> ArrayView1<'_, f64> {
        self.recency.view()
    }

    /// Age T, in [`unit`](Self::unit).
    pub fn age(&self) -> ArrayView1<'_, f64> {
        self.age.view()
    }

    /// Mean spend of the repeat purchases, if the table has it.
    pub fn monetary_value(&self) -> Option<ArrayView1<'_, f64>> {
        self.monetary_value.as_ref().map(|m| m.view())
    }

    /// Row weights, if any (`None` means every row weighs 1).
    pub fn weights(&self) -> Option<ArrayView1<'_, f64>> {
        self.weights.as_ref().map(|w| w.view())
    }

    /// Weight of row `i` (1 when the table has no weights).
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// Total number of customers (sum of weights).
    pub fn total_weight(&self) -> f64 {
        self.weights.as_ref().map_or(self.len() as f64, |w| w.sum())
    }

    /// The unit of recency and age.
    pub fn unit(&self) -> TimeUnit {
        self.unit
    }

    /// Row `i` as an [`Rfm`]. Panics if `i >= len()`, like slice indexing.
    pub fn get(&self, i: usize) -> Rfm {
        Rfm {
            frequency: self.frequency[i] as u32,
            recency: self.recency[i],
            age: self.age[i],
            unit: self.unit,
        }
    }

    /// Iterates over the rows as [`Rfm`]s.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Rfm> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// The same table with times expressed in `unit`.
    ///
    /// ```
    /// use clv::{CustomerTable, TimeUnit};
    /// use ndarray::array;
    /// let t = CustomerTable::new(vec!["a".into()], array![1.0], array![7.0], array![14.0], TimeUnit::Days).unwrap();
    /// assert_eq!(t.to_unit(TimeUnit::Weeks).age()[0], 2.0);
    /// ```
    pub fn to_unit(&self, unit: TimeUnit) -> CustomerTable {
        let k = self.unit.in_units_of(unit);
        let mut out = self.clone();
        if k != 1.0 {
            out.recency.mapv_inplace(|v| v * k);
            out.age.mapv_inplace(|v| v * k);
        }
        out.unit = unit;
        // the grouping is of the times in the old unit
        out.distinct = DistinctCache::default();
        out
    }

    /// Reads a table from a CSV file; see [`RfmCsvOptions`] for column names.
    ///
    /// ```
    /// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
    /// let opts = RfmCsvOptions::new(TimeUnit::Weeks)
    ///     .columns("ID", "x", "t_x", "T")
    ///     .monetary_value("zbar");
    /// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
    /// assert_eq!(cdnow.len(), 2357);
    /// ```
    pub fn from_csv_path(path: impl AsRef<Path>, options: &RfmCsvOptions) -> Result<Self> {
        let path = path.as_ref();
        let input = CsvBytes::from_path(path, options.delimiter)?;
        Self::from_csv_bytes(&input, options, 0).map_err(|e| match e {
            Error::Empty { .. } => Error::Empty {
                what: path.display().to_string(),
            },
            other => other,
        })
    }

    /// Reads a table from any CSV source; see [`RfmCsvOptions`].
    ///
    /// The whole input is read into memory first; large inputs without quoted fields are then
    /// parsed in parallel chunks. Errors name the row (1-based, the header not counted),
    /// column and value, whichever way the input was parsed.
    ///
    /// ```
    /// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
    /// let csv = "customer_id,frequency,recency,T,monetary_value\nA,2,30.43,38.86,22.35\nB,0,0,38.86,0\n";
    /// let t = CustomerTable::from_csv_reader(csv.as_bytes(), &RfmCsvOptions::new(TimeUnit::Weeks)).unwrap();
    /// assert_eq!(t.ids(), ["A", "B"]);
    ///
    /// let bad = "customer_id,frequency,recency,T\nA,2,-1,38.86\n";
    /// let err = CustomerTable::from_csv_reader(bad.as_bytes(), &RfmCsvOptions::new(TimeUnit::Weeks)).unwrap_err();
    /// assert_eq!(err.to_string(), "row 1, column `recency`: recency cannot be negative (value: \"-1\")");
    /// ```
    pub fn from_csv_reader<R: Read>(reader: R, options: &RfmCsvOptions) -> Result<Self> {
        Self::from_csv_bytes(
            &CsvBytes::from_reader(reader, options.delimiter)?,
            options,
            0,
        )
    }

    /// Parses `input`, its first record being row `rows_before + 1` of the file it comes from
    /// (errors, repeated ids included, name the file's rows).
    pub(crate) fn from_csv_bytes(
        input: &CsvBytes,
        options: &RfmCsvOptions,
        rows_before: usize,
    ) -> Result<Self> {
        Self::from_csv_bytes_with(input, options, rows_before, true)
    }

    /// [`from_csv_bytes`](Self::from_csv_bytes); without `keep_ids`, the ids are validated and
    /// checked for repeats through their hashes but not kept (every id of the table is empty),
    /// which saves a string per row to a reader that needs the numbers alone. Equal hashes
    /// (a repeat, or a collision) parse the input again keeping the ids, so that the check is
    /// exact and its error names the id.
    pub(crate) fn from_csv_bytes_with(
        input: &CsvBytes,
        options: &RfmCsvOptions,
        rows_before: usize,
        keep_ids: bool,
    ) -> Result<Self> {
        let headers = input.headers();
        if headers.iter().all(str::is_empty) {
            return Err(Error::Empty {
                what: "CSV input".into(),
            });
        }
        let mut layout = RfmLayout::new(headers, options)?;
        layout.keep_ids = keep_ids;
        let chunks = input.parse(
            |_, rows| RfmRows::with_capacity(rows, &layout),
            |rows, row, record| rows.push(&layout, rows_before + row, record),
        )?;
        let n: usize = chunks.iter().map(|c| c.frequency.len()).sum();
        if n == 0 {
            return Err(Error::Empty {
                what: "CSV input".into(),
            });
        }
        // concatenate chunk by chunk, freeing each as it is copied
        let mut all = RfmRows::with_capacity(n, &layout);
        for chunk in chunks {
            all.append(chunk);
        }
        if !keep_ids && !shared_hashes(&all.id_hashes).is_empty() {
            // a repeat or a collision: the exact check, which names the id
            return Self::from_csv_bytes_with(input, options, rows_before, true);
        }
        let ids = if !keep_ids {
            vec![String::new(); n]
        } else if layout.id.is_some() {
            all.ids
        } else {
            (rows_before + 1..=rows_before + n)
                .map(|i| i.to_string())
                .collect()
        };
        if keep_ids {
            check_unique_ids(&ids).map_err(|e| match e {
                Error::DuplicateId { id, first, second } => Error::DuplicateId {
                    id,
                    first: first + rows_before,
                    second: second + rows_before,
                },
                other => other,
            })?;
        }
        Ok(CustomerTable {
            ids,
            frequency: all.frequency.into(),
            recency: all.recency.into(),
            age: all.age.into(),
            monetary_value: layout.monetary_value.map(|_| all.monetary_value.into()),
            weights: layout.weights.map(|_| all.weights.into()),
            unit: options.unit,
            distinct: DistinctCache::default(),
        })
    }

    /// Writes the table as CSV with lifetimes' column names
    /// (`customer_id,frequency,recency,T[,monetary_value][,weights]`), atomically: the file is
    /// complete or untouched.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let columns = self.number_columns();
        let mut header = vec!["customer_id"];
        header.extend(columns.iter().map(|(name, _)| *name));
        crate::io::write_csv_rows(path.as_ref(), &header, self.len(), |i, line| {
            push_csv_field(line, &self.ids[i]);
            for (_, column) in &columns {
                line.push(b',');
                push_f64(line, column[i]);
            }
        })
    }

    /// The number columns of the files, with lifetimes' names, in order.
    fn number_columns(&self) -> Vec<(&'static str, &Array1<f64>)> {
        let mut columns = vec![
            ("frequency", &self.frequency),
            ("recency", &self.recency),
            ("T", &self.age),
        ];
        columns.extend(self.monetary_value.as_ref().map(|m| ("monetary_value", m)));
        columns.extend(self.weights.as_ref().map(|w| ("weights", w)));
        columns
    }

    /// Writes the table as a Parquet file with the columns of [`write_csv`](Self::write_csv)
    /// (ids as text, numbers as `Float64`), atomically.
    ///
    /// ```
    /// # #[cfg(feature = "parquet")] {
    /// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
    /// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T").monetary_value("zbar");
    /// let cdnow = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
    /// let path = std::env::temp_dir().join("clv-doc-rfm.parquet");
    /// cdnow.write_parquet(&path).unwrap();
    /// let back = CustomerTable::from_parquet_path(&path, &RfmCsvOptions::new(TimeUnit::Weeks)).unwrap();
    /// assert_eq!(back, cdnow);
    /// # }
    /// ```
    #[cfg(feature = "parquet")]
    pub fn write_parquet(&self, path: impl AsRef<Path>) -> Result<()> {
        let columns = self.number_columns();
        crate::data::parquet_tables::write_columns(
            path.as_ref(),
            "customer_id",
            &self.ids,
            &columns,
        )
    }

    /// Reads a table from a Parquet file with the columns a CSV file would have (see
    /// [`RfmCsvOptions`]; its delimiter does not apply), validated as the CSV would be: errors
    /// name the row (counting from 1), the column and the value.
    #[cfg(feature = "parquet")]
    pub fn from_parquet_path(path: impl AsRef<Path>, options: &RfmCsvOptions) -> Result<Self> {
        let path = path.as_ref();
        let text = crate::data::parquet_tables::CsvFromParquet::open(path)?;
        let mut options = options.clone();
        options.delimiter = b',';
        Self::from_csv_reader(text, &options).map_err(|e| match e {
            Error::Empty { .. } => Error::Empty {
                what: path.display().to_string(),
            },
            other => other,
        })
    }
}

/// Parsed rows of an RFM CSV (one parallel chunk, or the whole input).
struct RfmRows {
    ids: Vec<String>,
    /// Hashes of the ids ([`id_hash`]) when the layout does not keep them.
    id_hashes: Vec<u64>,
    frequency: Vec<f64>,
    recency: Vec<f64>,
    age: Vec<f64>,
    monetary_value: Vec<f64>,
    weights: Vec<f64>,
}

impl RfmRows {
    fn with_capacity(n: usize, layout: &RfmLayout) -> Self {
        let optional = |present: bool| if present { n } else { 0 };
        RfmRows {
            ids: Vec::with_capacity(optional(layout.id.is_some() && layout.keep_ids)),
            id_hashes: Vec::with_capacity(optional(layout.id.is_some() && !layout.keep_ids)),
            frequency: Vec::with_capacity(n),
            recency: Vec::with_capacity(n),
            age: Vec::with_capacity(n),
            monetary_value: Vec::with_capacity(optional(layout.monetary_value.is_some())),
            weights: Vec::with_capacity(optional(layout.weights.is_some())),
        }
    }

    fn append(&mut self, mut other: RfmRows) {
        self.ids.append(&mut other.ids);
        self.id_hashes.extend_from_slice(&other.id_hashes);
        self.frequency.extend_from_slice(&other.frequency);
        self.recency.extend_from_slice(&other.recency);
        self.age.extend_from_slice(&other.age);
        self.monetary_value.extend_from_slice(&other.monetary_value);
        self.weights.extend_from_slice(&other.weights);
    }

    /// Parses and validates one record ([`RfmLayout::read`]) and appends it.
    fn push(&mut self, layout: &RfmLayout, row: usize, record: &Record<'_>) -> Result<()> {
        let r = layout.read(row, record)?;
        self.monetary_value.extend(r.monetary_value);
        self.weights.extend(r.weight);
        if let Some(id) = r.id {
            if layout.keep_ids {
                self.ids.push(id.to_string());
            } else {
                self.id_hashes.push(id_hash(id));
            }
        }
        let (x, tx, age) = (r.frequency, r.recency, r.age);
        self.frequency.push(x);
        self.recency.push(tx);
        self.age.push(age);
        Ok(())
    }
}

/// The values of a column as a slice, copied only when they are not contiguous (a column given
/// to [`CustomerTable::new`] may have any stride).
pub(crate) fn contiguous<'a>(c: &'a ArrayView1<'_, f64>) -> std::borrow::Cow<'a, [f64]> {
    match c.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(c.to_vec()),
    }
}

/// Checks that no id occurs twice; the error names the first repeat in row order (1-based rows
/// of the id's first occurrence and of its repeat), as a row-by-row check would.
///
/// The ids are hashed in parallel and the hashes sorted in parallel: equal ids have equal
/// hashes, which become neighbours. Only ids whose hash occurs more than once (nearly always
/// none) are then compared as text, in row order. Much faster for millions of rows than a hash
/// map of strings.
pub(crate) fn check_unique_ids(ids: &[String]) -> Result<()> {
    use std::collections::HashMap;
    let hashes: Vec<u64> = ids.par_iter().map(|id| id_hash(id)).collect();
    let mut shared = shared_hashes(&hashes);
    if shared.is_empty() {
        return Ok(());
    }
    shared.dedup();
    // rows seen so far for each shared hash; the first id equal to an earlier one is the repeat
    let mut seen: HashMap<u64, Vec<usize>> = shared.into_iter().map(|h| (h, vec![])).collect();
    for (row, hash) in hashes.iter().enumerate() {
        if let Some(rows) = seen.get_mut(hash) {
            if let Some(&first) = rows.iter().find(|&&j| ids[j] == ids[row]) {
                return Err(Error::DuplicateId {
                    id: ids[row].clone(),
                    first: first + 1,
                    second: row + 1,
                });
            }
            rows.push(row);
        }
    }
    Ok(())
}

/// Whether an optional column is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The column must be in the header.
    Required(String),
    /// Read the column if the header has it.
    IfPresent(String),
    /// Do not read this column.
    Absent,
}

impl Column {
    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            Column::Required(n) | Column::IfPresent(n) => Some(n),
            Column::Absent => None,
        }
    }
}

/// How to read an RFM CSV: column names, time unit, delimiter.
///
/// The defaults are lifetimes' names: `customer_id, frequency, recency, T, monetary_value`
/// (`customer_id`, `monetary_value` and `weights` are read when present).
///
/// ```
/// use clv::{RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Days).columns("id", "x", "t_x", "T");
/// assert_eq!(opts.frequency, "x");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfmCsvOptions {
    /// Customer id column (ids default to the 1-based row number when absent).
    pub id: Column,
    /// Frequency (repeat purchases) column.
    pub frequency: String,
    /// Recency column.
    pub recency: String,
    /// Age (T) column.
    pub age: String,
    /// Mean spend column.
    pub monetary_value: Column,
    /// Weights column.
    pub weights: Column,
    /// Unit of recency and T in the file.
    pub unit: TimeUnit,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
}

impl RfmCsvOptions {
    /// lifetimes' column names, times in `unit`.
    pub fn new(unit: TimeUnit) -> Self {
        RfmCsvOptions {
            id: Column::IfPresent("customer_id".into()),
            frequency: "frequency".into(),
            recency: "recency".into(),
            age: "T".into(),
            monetary_value: Column::IfPresent("monetary_value".into()),
            weights: Column::IfPresent("weights".into()),
            unit,
            delimiter: b',',
        }
    }

    /// Sets the id, frequency, recency and age column names (the id becomes required).
    pub fn columns(mut self, id: &str, frequency: &str, recency: &str, age: &str) -> Self {
        self.id = Column::Required(id.into());
        self.frequency = frequency.into();
        self.recency = recency.into();
        self.age = age.into();
        self
    }

    /// Requires a mean-spend column of this name.
    pub fn monetary_value(mut self, name: &str) -> Self {
        self.monetary_value = Column::Required(name.into());
        self
    }

    /// Requires a weights column of this name.
    pub fn weights(mut self, name: &str) -> Self {
        self.weights = Column::Required(name.into());
        self
    }

    /// Sets the field delimiter.
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::rfm_record::parse_whole;

    #[test]
    fn whole_fields_parse_as_the_decimal_parser_does() {
        for raw in [
            "0",
            "7",
            "007",
            "123456789012345",
            "4294967296",
            "999999999999999",
        ] {
            let fast = parse_whole(raw.as_bytes());
            assert_eq!(fast, Some(parse_number(1, "x", raw).unwrap()), "{raw}");
        }
        // anything else goes to the full parser (and its errors)
        for raw in [
            "",
            " 7",
            "7 ",
            "+7",
            "-0",
            "7.0",
            "1e3",
            "1234567890123456",
            "\u{663}",
        ] {
            assert_eq!(parse_whole(raw.as_bytes()), None, "{raw}");
        }
    }

    /// A CSV of `n` valid customers (ids `c0..`), with a few whole and a few decimal times.
    fn customers(n: usize) -> String {
        let mut csv = String::from("customer_id,frequency,recency,T,monetary_value\n");
        for i in 0..n {
            let x = i % 4;
            let tx = if x == 0 { 0.0 } else { (i % 30) as f64 + 0.25 };
            csv.push_str(&format!("c{i},{x},{tx},{},{}\n", 40 + i % 7, 10 * x));
        }
        csv
    }

    fn read(csv: &str, chunk_bytes: usize, options: &RfmCsvOptions) -> Result<CustomerTable> {
        let input = CsvBytes::from_bytes(csv.as_bytes().to_vec(), options.delimiter)?
            .with_chunk_bytes(chunk_bytes);
        CustomerTable::from_csv_bytes(&input, options, 0)
    }

    #[test]
    fn parallel_chunks_read_the_same_table_and_errors_as_one_pass() {
        let options = RfmCsvOptions::new(TimeUnit::Days);
        let csv = customers(500);
        let whole = read(&csv, usize::MAX, &options).unwrap();
        assert_eq!(whole.len(), 500);
        assert_eq!(whole.ids()[499], "c499");
        assert_eq!(whole.recency()[5], 5.25);
        for chunk in [1, 100, 4096] {
            assert_eq!(read(&csv, chunk, &options).unwrap(), whole, "chunk {chunk}");
        }
        // without an id column, ids are the file's row numbers, whatever the chunks
        let no_ids: String = csv
            .lines()
            .map(|l| l.split_once(',').unwrap().1.to_string() + "\n")
            .collect();
        let t = read(&no_ids, 100, &options).unwrap();
        assert_eq!((t.ids()[0].as_str(), t.ids()[499].as_str()), ("1", "500"));
        // errors: a bad value in a late chunk, and a repeat spread over two chunks
        let bad = csv.replace("c400,0,0,", "c400,0,3,");
        let dup = csv.replace("c450,", "c20,");
        for chunk in [usize::MAX, 100] {
            let err = read(&bad, chunk, &options).unwrap_err();
            assert_eq!(
                err.to_string(),
                "row 401, column `recency`: recency must be 0 for a customer with no repeat \
                 purchase (frequency 0) (value: \"3\")"
            );
            let err = read(&dup, chunk, &options).unwrap_err();
            assert!(
                matches!(err, Error::DuplicateId { ref id, first: 21, second: 451 } if id == "c20"),
                "{err}"
            );
        }
    }

    #[test]
    fn the_first_repeated_id_in_row_order_is_reported() {
        let ids = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(check_unique_ids(&ids("a b c d")).is_ok());
        // "a" repeats first at row 5 but "b" already at row 4
        let err = check_unique_ids(&ids("a b c b a b")).unwrap_err();
        assert!(
            matches!(err, Error::DuplicateId { ref id, first: 2, second: 4 } if id == "b"),
            "{err}"
        );
        let many: Vec<String> = (0..100_000).map(|i| format!("id{i}")).collect();
        assert!(check_unique_ids(&many).is_ok());
        let mut repeated = many.clone();
        repeated[99_999] = "id77".into();
        repeated[60_000] = "id99".into(); // the earlier repeat
        let err = check_unique_ids(&repeated).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DuplicateId {
                    ref id,
                    first: 100,
                    second: 60_001,
                } if id == "id99"
            ),
            "{err}"
        );
    }
}
