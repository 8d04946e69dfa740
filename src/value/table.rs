//! The customer value table: every customer scored in one call, and its CSV form.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::data::rfm::{check_rfm, check_unique_ids, parse_number};
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::io::{field_str, push_csv_field, push_f64, CsvBytes, Record};
use crate::models::{PurchaseModel, SpendModel};
use crate::time::TimeUnit;
use crate::value::config::ClvConfig;
use crate::value::score::PurchaseScores;

/// The CSV header of a value table, in order.
pub const VALUE_TABLE_COLUMNS: [&str; 10] = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "p_alive",
    "churn_probability",
    "expected_purchases",
    "expected_spend",
    "clv",
];

/// Every customer's history and scores, in input order.
///
/// `expected_purchases` is the conditional expected number of purchases over the
/// configuration's horizon (undiscounted), `expected_spend` the Gamma-Gamma conditional mean
/// spend per purchase, `clv` the discounted lifetime value over the horizon (see
/// [`lifetime_value`](crate::value::lifetime_value)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueTable {
    /// Customer ids.
    pub ids: Vec<String>,
    /// Repeat purchases x.
    pub frequency: Array1<f64>,
    /// Recency t_x, in `unit`.
    pub recency: Array1<f64>,
    /// Age T, in `unit`.
    pub age: Array1<f64>,
    /// Observed mean spend of the repeat purchases (0 for customers without any).
    pub monetary_value: Array1<f64>,
    /// Probability of being alive at the end of observation.
    pub p_alive: Array1<f64>,
    /// `1 - p_alive`.
    pub churn_probability: Array1<f64>,
    /// Expected purchases over the horizon.
    pub expected_purchases: Array1<f64>,
    /// Expected mean spend per purchase.
    pub expected_spend: Array1<f64>,
    /// Discounted lifetime value over the horizon (margin applied).
    pub clv: Array1<f64>,
    /// Unit of `recency` and `age`.
    pub unit: TimeUnit,
}

/// Scores every customer of `table` with a purchase model and the Gamma-Gamma spend model over
/// the horizon and discounting of `config`. Rows stay in input order.
///
/// Errors when the table has no monetary values, the configuration is invalid, or a model
/// returns a non-finite value.
///
/// ```
/// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
/// use clv::models::{GammaGamma, PurchaseModel};
/// use clv::value::{value_table, ClvConfig, Discount};
/// use ndarray::array;
///
/// struct Steady;
/// impl PurchaseModel for Steady {
///     fn name(&self) -> &'static str { "steady" }
///     fn param_names(&self) -> &'static [&'static str] { &[] }
///     fn time_scale_params(&self) -> &'static [bool] { &[] }
///     fn params(&self) -> Vec<f64> { vec![] }
///     fn time_unit(&self) -> TimeUnit { TimeUnit::Weeks }
///     fn p_alive(&self, _: &Rfm) -> f64 { 1.0 }
///     fn expected_purchases(&self, _: &Rfm, h: Duration) -> f64 { h.in_unit(TimeUnit::Weeks) }
///     fn expected_purchases_new_customer(&self, t: Duration) -> f64 { t.in_unit(TimeUnit::Weeks) }
/// }
/// let table = CustomerTable::from_customers(&[
///     Rfm::new(2, 5.0, 10.0, TimeUnit::Weeks).unwrap(),
///     Rfm::new(0, 0.0, 10.0, TimeUnit::Weeks).unwrap(),
/// ]).unwrap().with_monetary_value(array![20.0, 0.0]).unwrap();
/// let spend = GammaGamma::new(6.0, 3.0, 10.0).unwrap();
/// let config = ClvConfig::new(Duration::weeks(4.0), Duration::weeks(1.0), Discount::None, 1.0).unwrap();
/// let scores = value_table(&Steady, &spend, &table, &config).unwrap();
/// assert_eq!(scores.expected_purchases[0], 4.0);
/// assert_eq!(scores.clv[1], 4.0 * 30.0);
/// ```
pub fn value_table<M: PurchaseModel + ?Sized, S: SpendModel + ?Sized>(
    purchase: &M,
    spend: &S,
    table: &CustomerTable,
    config: &ClvConfig,
) -> Result<ValueTable> {
    config.validate()?;
    let expected_spend = spend.expected_spend_all(table)?;
    // each distinct (x, t_x, T) scored once, the results scattered back to the customers
    let PurchaseScores {
        p_alive,
        expected_purchases,
        discounted,
    } = PurchaseScores::by_distinct(purchase, table, config)?;
    let clv = &discounted * &expected_spend * config.margin;
    for (i, (&p, &e)) in p_alive.iter().zip(&expected_purchases).enumerate() {
        if !(0.0..=1.0).contains(&p) || !e.is_finite() || e < 0.0 {
            return Err(Error::prediction(
                table.ids(),
                i,
                format!(
                    "the purchase model gives P(alive) = {p} and expected purchases = {e}; \
                     expected a probability and a finite, non-negative count"
                ),
            ));
        }
    }
    let monetary_value = table
        .monetary_value()
        .map(|m| m.to_owned())
        .unwrap_or_else(|| Array1::zeros(table.len()));
    Ok(ValueTable {
        ids: table.ids().to_vec(),
        frequency: table.frequency().to_owned(),
        recency: table.recency().to_owned(),
        age: table.age().to_owned(),
        monetary_value,
        churn_probability: p_alive.mapv(|p| 1.0 - p),
        p_alive,
        expected_purchases,
        expected_spend,
        clv,
        unit: table.unit(),
    })
}

impl ValueTable {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no customers (a table built by [`value_table`] never is).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Sum of the customers' lifetime values.
    pub fn total_clv(&self) -> f64 {
        self.clv.sum()
    }

    /// Row indices of the `n` customers with the highest CLV, highest first (ties keep input
    /// order).
    ///
    /// ```
    /// # use clv::value::ValueTable;
    /// # let csv = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
    /// # a,1,1,2,5,0.5,0.5,1,5,10\nb,1,1,2,5,0.5,0.5,1,5,30\nc,1,1,2,5,0.5,0.5,1,5,20\n";
    /// # let t = ValueTable::from_csv_reader(csv.as_bytes(), clv::TimeUnit::Weeks).unwrap();
    /// assert_eq!(t.top_by_clv(2), vec![1, 2]);
    /// ```
    pub fn top_by_clv(&self, n: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.sort_by(|&a, &b| self.clv[b].total_cmp(&self.clv[a]));
        idx.truncate(n);
        idx
    }

    /// Writes the table as CSV with the columns of [`VALUE_TABLE_COLUMNS`], atomically (the
    /// file is complete or untouched). Numbers are written in their shortest exact form.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.write_csv_with(path, &[])
    }

    /// [`write_csv`](Self::write_csv) with `extra` columns (name, one value per customer)
    /// after the table's own, e.g. the interval ends of [`crate::value::interval`].
    ///
    /// Errors when an extra column does not have one value per customer.
    pub fn write_csv_with(
        &self,
        path: impl AsRef<Path>,
        extra: &[(&str, &Array1<f64>)],
    ) -> Result<()> {
        self.check_extra(extra)?;
        let columns = self.numeric_columns();
        let mut header: Vec<&str> = VALUE_TABLE_COLUMNS.to_vec();
        header.extend(extra.iter().map(|(name, _)| *name));
        crate::io::write_csv_rows(path.as_ref(), &header, self.len(), |i, line| {
            push_csv_field(line, &self.ids[i]);
            for column in columns.iter().copied().chain(extra.iter().map(|(_, c)| *c)) {
                line.push(b',');
                push_f64(line, column[i]);
            }
        })
    }

    /// Writes the table as a Parquet file with the columns of [`write_csv`](Self::write_csv)
    /// (ids as text, numbers as `Float64`), atomically.
    ///
    /// ```
    /// # #[cfg(feature = "parquet")] {
    /// use clv::value::ValueTable;
    /// let csv = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
    ///            7,2,30.43,38.86,22.35,0.9,0.1,1.5,24.66,35.1\n";
    /// let t = ValueTable::from_csv_reader(csv.as_bytes(), clv::TimeUnit::Weeks).unwrap();
    /// let path = std::env::temp_dir().join("clv-doc-scores.parquet");
    /// t.write_parquet(&path).unwrap();
    /// assert_eq!(ValueTable::read_parquet(&path, clv::TimeUnit::Weeks).unwrap(), t);
    /// # }
    /// ```
    #[cfg(feature = "parquet")]
    pub fn write_parquet(&self, path: impl AsRef<Path>) -> Result<()> {
        self.write_parquet_with(path, &[])
    }

    /// [`write_parquet`](Self::write_parquet) with `extra` columns after the table's own, as
    /// [`write_csv_with`](Self::write_csv_with).
    #[cfg(feature = "parquet")]
    pub fn write_parquet_with(
        &self,
        path: impl AsRef<Path>,
        extra: &[(&str, &Array1<f64>)],
    ) -> Result<()> {
        let path = path.as_ref();
        let mut batch = Some(self.record_batch(path, extra)?);
        crate::data::parquet_tables::write_batches(path, || Ok(batch.take()))
    }

    /// The table (and `extra` columns) as one Arrow record batch; `path` names the file in
    /// errors.
    #[cfg(feature = "parquet")]
    pub(crate) fn record_batch(
        &self,
        path: &Path,
        extra: &[(&str, &Array1<f64>)],
    ) -> Result<arrow_array::RecordBatch> {
        self.check_extra(extra)?;
        let mut columns: Vec<(&str, &Array1<f64>)> = VALUE_TABLE_COLUMNS[1..]
            .iter()
            .copied()
            .zip(self.numeric_columns())
            .collect();
        columns.extend_from_slice(extra);
        crate::data::parquet_tables::record_batch(path, VALUE_TABLE_COLUMNS[0], &self.ids, &columns)
    }

    /// Reads a table from a Parquet file with the columns of [`write_csv`](Self::write_csv),
    /// validated as [`read_csv`](Self::read_csv) validates the CSV (errors name the row,
    /// counting from 1, the column and the value).
    #[cfg(feature = "parquet")]
    pub fn read_parquet(path: impl AsRef<Path>, unit: TimeUnit) -> Result<Self> {
        let path = path.as_ref();
        let text = crate::data::parquet_tables::CsvFromParquet::open(path)?;
        Self::from_csv_reader(text, unit).map_err(|e| match e {
            Error::Empty { .. } => Error::Empty {
                what: path.display().to_string(),
            },
            other => other,
        })
    }

    /// An error unless every extra column has one value per customer.
    fn check_extra(&self, extra: &[(&str, &Array1<f64>)]) -> Result<()> {
        match extra.iter().find(|(_, c)| c.len() != self.len()) {
            Some((name, c)) => Err(Error::invalid_argument(
                *name,
                c.len(),
                format!(
                    "an extra column needs one value per customer ({})",
                    self.len()
                ),
            )),
            None => Ok(()),
        }
    }

    /// Appends row `i` as a CSV line without its line end.
    pub(crate) fn push_csv_row(&self, i: usize, line: &mut Vec<u8>) {
        push_csv_field(line, &self.ids[i]);
        for column in self.numeric_columns() {
            line.push(b',');
            push_f64(line, column[i]);
        }
    }

    /// The rows `rows` (in that order) as a table of their own.
    ///
    /// ```
    /// # use clv::value::ValueTable;
    /// # let csv = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
    /// # a,1,1,2,5,0.5,0.5,1,5,10\nb,1,1,2,5,0.5,0.5,1,5,30\nc,1,1,2,5,0.5,0.5,1,5,20\n";
    /// # let t = ValueTable::from_csv_reader(csv.as_bytes(), clv::TimeUnit::Weeks).unwrap();
    /// let top = t.select(&t.top_by_clv(2));
    /// assert_eq!(top.ids, ["b", "c"]);
    /// ```
    pub fn select(&self, rows: &[usize]) -> ValueTable {
        let pick = |c: &Array1<f64>| rows.iter().map(|&i| c[i]).collect::<Array1<f64>>();
        ValueTable {
            ids: rows.iter().map(|&i| self.ids[i].clone()).collect(),
            frequency: pick(&self.frequency),
            recency: pick(&self.recency),
            age: pick(&self.age),
            monetary_value: pick(&self.monetary_value),
            p_alive: pick(&self.p_alive),
            churn_probability: pick(&self.churn_probability),
            expected_purchases: pick(&self.expected_purchases),
            expected_spend: pick(&self.expected_spend),
            clv: pick(&self.clv),
            unit: self.unit,
        }
    }

    /// The rows of `self` followed by those of `other` (same unit).
    pub fn concat(&self, other: &ValueTable) -> ValueTable {
        let join = |a: &Array1<f64>, b: &Array1<f64>| a.iter().chain(b).copied().collect();
        ValueTable {
            ids: self.ids.iter().chain(&other.ids).cloned().collect(),
            frequency: join(&self.frequency, &other.frequency),
            recency: join(&self.recency, &other.recency),
            age: join(&self.age, &other.age),
            monetary_value: join(&self.monetary_value, &other.monetary_value),
            p_alive: join(&self.p_alive, &other.p_alive),
            churn_probability: join(&self.churn_probability, &other.churn_probability),
            expected_purchases: join(&self.expected_purchases, &other.expected_purchases),
            expected_spend: join(&self.expected_spend, &other.expected_spend),
            clv: join(&self.clv, &other.clv),
            unit: self.unit,
        }
    }

    fn numeric_columns(&self) -> [&Array1<f64>; 9] {
        [
            &self.frequency,
            &self.recency,
            &self.age,
            &self.monetary_value,
            &self.p_alive,
            &self.churn_probability,
            &self.expected_purchases,
            &self.expected_spend,
            &self.clv,
        ]
    }

    /// Reads a table written by [`write_csv`](Self::write_csv); recency and T are in `unit`
    /// (the CSV does not record it). Columns are found by name, in any order; every value is
    /// validated (RFM consistency, probabilities in \[0, 1\], non-negative counts and values,
    /// unique ids) and errors name the row, column and value.
    pub fn read_csv(path: impl AsRef<Path>, unit: TimeUnit) -> Result<Self> {
        let path = path.as_ref();
        Self::from_csv_bytes(&CsvBytes::from_path(path, b',')?, unit).map_err(|e| match e {
            Error::Empty { .. } => Error::Empty {
                what: path.display().to_string(),
            },
            other => other,
        })
    }

    /// Reads a value table from any CSV source; see [`read_csv`](Self::read_csv).
    ///
    /// ```
    /// use clv::value::ValueTable;
    /// let csv = "customer_id,frequency,recency,T,monetary_value,p_alive,churn_probability,expected_purchases,expected_spend,clv\n\
    ///            7,2,30.43,38.86,22.35,0.9,0.1,1.5,24.66,35.1\n";
    /// let t = ValueTable::from_csv_reader(csv.as_bytes(), clv::TimeUnit::Weeks).unwrap();
    /// assert_eq!(t.ids, ["7"]);
    /// let bad = csv.replace("0.9,0.1", "1.9,0.1");
    /// let err = ValueTable::from_csv_reader(bad.as_bytes(), clv::TimeUnit::Weeks).unwrap_err();
    /// assert!(err.to_string().starts_with("row 1, column `p_alive`"));
    /// ```
    pub fn from_csv_reader<R: Read>(reader: R, unit: TimeUnit) -> Result<Self> {
        Self::from_csv_bytes(&CsvBytes::from_reader(reader, b',')?, unit)
    }

    fn from_csv_bytes(input: &CsvBytes, unit: TimeUnit) -> Result<Self> {
        let headers = input.headers();
        let mut pos = [0usize; 10];
        for (k, name) in VALUE_TABLE_COLUMNS.iter().enumerate() {
            pos[k] =
                headers
                    .iter()
                    .position(|h| h == *name)
                    .ok_or_else(|| Error::MissingColumn {
                        column: name.to_string(),
                        available: headers.iter().collect::<Vec<_>>().join(","),
                    })?;
        }
        let chunks = input.parse(ValueRows::new, |rows, row, record| {
            rows.push(&pos, row, record)
        })?;
        let n: usize = chunks.iter().map(|c| c.ids.len()).sum();
        if n == 0 {
            return Err(Error::Empty {
                what: "value table CSV".into(),
            });
        }
        let mut ids = Vec::with_capacity(n);
        let mut cols: [Vec<f64>; 9] = std::array::from_fn(|_| Vec::with_capacity(n));
        for mut chunk in chunks {
            ids.append(&mut chunk.ids);
            for (all, part) in cols.iter_mut().zip(&chunk.cols) {
                all.extend_from_slice(part);
            }
        }
        check_unique_ids(&ids)?;
        let [frequency, recency, age, monetary_value, p_alive, churn_probability, expected_purchases, expected_spend, clv] =
            cols.map(Array1::from);
        Ok(ValueTable {
            ids,
            frequency,
            recency,
            age,
            monetary_value,
            p_alive,
            churn_probability,
            expected_purchases,
            expected_spend,
            clv,
            unit,
        })
    }
}

/// Parsed rows of a value table CSV (one parallel chunk, or the whole input).
struct ValueRows {
    ids: Vec<String>,
    cols: [Vec<f64>; 9],
    /// Ids seen so far with their rows, kept when rows are read in order (not in parallel
    /// chunks) so that a repeated id is reported at its row, before later rows' errors.
    seen: Option<HashMap<String, usize>>,
}

impl ValueRows {
    fn new(sequential: bool, rows: usize) -> Self {
        ValueRows {
            ids: Vec::with_capacity(rows),
            cols: std::array::from_fn(|_| Vec::with_capacity(rows)),
            seen: sequential.then(HashMap::new),
        }
    }

    /// Parses and validates one record: id, then each number in column order, then the RFM
    /// consistency.
    fn push(&mut self, pos: &[usize; 10], row: usize, record: &Record<'_>) -> Result<()> {
        let text = |k: usize| {
            field_str(
                row,
                VALUE_TABLE_COLUMNS[k],
                record.get(pos[k]).unwrap_or(b""),
            )
        };
        let id = text(0)?;
        if id.is_empty() {
            return Err(Error::invalid_value(
                row,
                "customer_id",
                id,
                "missing customer id",
            ));
        }
        if let Some(seen) = &mut self.seen {
            if let Some(first) = seen.insert(id.to_string(), row) {
                return Err(Error::DuplicateId {
                    id: id.to_string(),
                    first,
                    second: row,
                });
            }
        }
        let mut v = [0.0; 9];
        for k in 0..9 {
            let name = VALUE_TABLE_COLUMNS[k + 1];
            v[k] = parse_number(row, name, text(k + 1)?)?;
            if k >= 3 && v[k] < 0.0 {
                return Err(Error::invalid_value(row, name, v[k], "cannot be negative"));
            }
            if (k == 4 || k == 5) && v[k] > 1.0 {
                return Err(Error::invalid_value(
                    row,
                    name,
                    v[k],
                    "a probability must be in [0, 1]",
                ));
            }
        }
        check_rfm(row, v[0], v[1], v[2])?;
        self.ids.push(id.to_string());
        for (col, x) in self.cols.iter_mut().zip(v) {
            col.push(x);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(csv: &str, chunk_bytes: usize) -> Result<ValueTable> {
        let input =
            CsvBytes::from_bytes(csv.as_bytes().to_vec(), b',')?.with_chunk_bytes(chunk_bytes);
        ValueTable::from_csv_bytes(&input, TimeUnit::Weeks)
    }

    #[test]
    fn parallel_chunks_round_trip_and_report_errors_in_row_order() {
        let mut csv = VALUE_TABLE_COLUMNS.join(",") + "\n";
        for i in 0..300 {
            let p = 1.0 / (i as f64 + 3.0);
            csv.push_str(&format!(
                "\"id, {i}\",2,1.5,{},20.1,{p},{},0.7,21.3,{}\n",
                3 + i % 5,
                1.0 - p,
                i as f64 * 0.1
            ));
        }
        let whole = read(&csv, usize::MAX).unwrap();
        assert_eq!((whole.len(), whole.ids[7].as_str()), (300, "id, 7"));
        let unquoted = csv.replace("\"id, ", "id").replace('"', "");
        let chunked = read(&unquoted, 200).unwrap();
        assert_eq!(chunked.ids[299], "id299");
        assert_eq!(chunked.clv, whole.clv);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scores.csv");
        whole.write_csv(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text, csv,
            "written as the csv writer would, numbers as Display"
        );
        assert_eq!(ValueTable::read_csv(&path, TimeUnit::Weeks).unwrap(), whole);

        // a repeated id (row 250) is reported before a later bad value (row 280), chunked or not
        let broken = unquoted
            .replace("id249,", "id3,")
            .replace("id279,2,1.5", "id279,2,9.5");
        for chunk in [usize::MAX, 200] {
            let err = read(&broken, chunk).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::DuplicateId {
                        first: 4,
                        second: 250,
                        ..
                    }
                ),
                "{err}"
            );
        }
    }
}
