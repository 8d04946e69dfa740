//! A calibration/holdout split as one table, with the columns of lifetimes'
//! `calibration_and_holdout_data`, in CSV or Parquet.

use std::path::Path;

use ndarray::Array1;

use super::Holdout;
use crate::data::rfm::CustomerTable;
use crate::error::{Error, Result};
use crate::io::{push_csv_field, push_f64};

impl Holdout {
    /// The number columns of the calibration/holdout table of `calibration` (the customer
    /// table this holdout belongs to), with lifetimes' names, in order: `frequency_cal,
    /// recency_cal, T_cal[, monetary_value_cal], frequency_holdout[, monetary_value_holdout],
    /// duration_holdout`. `monetary_value_holdout` is the mean holdout spend per holdout
    /// purchase (0 without one), as lifetimes computes it; `duration_holdout` is in the
    /// table's unit. A holdout with another number of customers than `calibration` is
    /// [`Error::LengthMismatch`].
    ///
    /// ```
    /// use clv::data::transactions::{NaiveDate, TransactionLogOptions, TransactionTable};
    /// let log = "id,date,amount\na,2024-01-01,10\na,2024-01-04,6\na,2024-01-09,30\nb,2024-01-02,5\n";
    /// let opts = TransactionLogOptions::new("id", "date").amount("amount");
    /// let cal = NaiveDate::from_ymd_opt(2024, 1, 6).unwrap();
    /// let s = TransactionTable::read(log.as_bytes(), &opts).unwrap().summary(Some(cal.into())).unwrap();
    /// let columns = s.holdout.unwrap().columns(&s.table).unwrap();
    /// let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    /// assert_eq!(names, ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
    ///     "frequency_holdout", "monetary_value_holdout", "duration_holdout"]);
    /// assert_eq!(columns[5].1.to_vec(), [30.0, 0.0]);
    /// ```
    pub fn columns(&self, calibration: &CustomerTable) -> Result<Vec<(&'static str, Array1<f64>)>> {
        let n = calibration.len();
        let mut checked = vec![("frequency_holdout", self.purchases.len())];
        checked.extend(
            self.spend
                .as_ref()
                .map(|s| ("monetary_value_holdout", s.len())),
        );
        if let Some(&(column, actual)) = checked.iter().find(|(_, len)| *len != n) {
            return Err(Error::LengthMismatch {
                column: column.into(),
                expected: n,
                actual,
            });
        }
        let mut columns = vec![
            ("frequency_cal", calibration.frequency().to_owned()),
            ("recency_cal", calibration.recency().to_owned()),
            ("T_cal", calibration.age().to_owned()),
        ];
        columns.extend(
            calibration
                .monetary_value()
                .map(|m| ("monetary_value_cal", m.to_owned())),
        );
        columns.push(("frequency_holdout", self.purchases.clone()));
        if let Some(spend) = &self.spend {
            let mean = ndarray::Zip::from(spend)
                .and(&self.purchases)
                .map_collect(|&s, &k| if k > 0.0 { s / k } else { 0.0 });
            columns.push(("monetary_value_holdout", mean));
        }
        let duration = self.duration.in_unit(calibration.unit());
        columns.push(("duration_holdout", Array1::from_elem(n, duration)));
        Ok(columns)
    }

    /// Writes the calibration/holdout table of `calibration` ([`columns`](Self::columns), after
    /// `customer_id`) to a CSV file, atomically (the file is complete or untouched).
    ///
    /// ```
    /// use clv::data::transactions::{NaiveDate, TransactionLogOptions, TransactionTable};
    /// let log = "id,date\na,2024-01-01\na,2024-01-04\na,2024-01-09\nb,2024-01-02\n";
    /// let cal = NaiveDate::from_ymd_opt(2024, 1, 6).unwrap();
    /// let log = TransactionTable::read(log.as_bytes(), &TransactionLogOptions::new("id", "date")).unwrap();
    /// let s = log.summary(Some(cal.into())).unwrap();
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("cal_holdout.csv");
    /// s.holdout.unwrap().write_csv(&s.table, &path).unwrap();
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(),
    ///     "customer_id,frequency_cal,recency_cal,T_cal,frequency_holdout,duration_holdout\n\
    ///      a,1,3,5,1,3\nb,0,0,4,0,3\n");
    /// ```
    pub fn write_csv(&self, calibration: &CustomerTable, path: impl AsRef<Path>) -> Result<()> {
        let columns = self.columns(calibration)?;
        let mut header = vec!["customer_id"];
        header.extend(columns.iter().map(|(name, _)| *name));
        let ids = calibration.ids();
        crate::io::write_csv_rows(path.as_ref(), &header, ids.len(), |i, line| {
            push_csv_field(line, &ids[i]);
            for (_, column) in &columns {
                line.push(b',');
                push_f64(line, column[i]);
            }
        })
    }

    /// Writes the table of [`write_csv`](Self::write_csv) as a Parquet file with the same
    /// columns (ids as text, numbers as `Float64`), atomically.
    ///
    /// ```
    /// # #[cfg(feature = "parquet")] {
    /// use clv::data::transactions::{NaiveDate, TransactionLogOptions, TransactionTable};
    /// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
    /// let log = "id,date\na,2024-01-01\na,2024-01-04\na,2024-01-09\nb,2024-01-02\n";
    /// let cal = NaiveDate::from_ymd_opt(2024, 1, 6).unwrap();
    /// let log = TransactionTable::read(log.as_bytes(), &TransactionLogOptions::new("id", "date")).unwrap();
    /// let s = log.summary(Some(cal.into())).unwrap();
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("cal_holdout.parquet");
    /// s.holdout.unwrap().write_parquet(&s.table, &path).unwrap();
    /// let opts = RfmCsvOptions::new(TimeUnit::Days).columns("customer_id", "frequency_cal", "recency_cal", "T_cal");
    /// assert_eq!(CustomerTable::from_parquet_path(&path, &opts).unwrap(), s.table);
    /// # }
    /// ```
    #[cfg(feature = "parquet")]
    pub fn write_parquet(&self, calibration: &CustomerTable, path: impl AsRef<Path>) -> Result<()> {
        let columns = self.columns(calibration)?;
        let borrowed: Vec<(&str, &Array1<f64>)> = columns.iter().map(|(n, c)| (*n, c)).collect();
        crate::data::parquet_tables::write_columns(
            path.as_ref(),
            "customer_id",
            calibration.ids(),
            &borrowed,
        )
    }
}
