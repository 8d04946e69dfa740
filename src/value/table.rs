//! The customer value table: every customer scored in one call, and its CSV form.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::data::rfm::{check_rfm, parse_number};
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::models::{GammaGamma, PurchaseModel};
use crate::time::TimeUnit;
use crate::value::config::ClvConfig;
use crate::value::lifetime::discounted_purchases;

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
pub fn value_table<M: PurchaseModel + ?Sized>(
    purchase: &M,
    spend: &GammaGamma,
    table: &CustomerTable,
    config: &ClvConfig,
) -> Result<ValueTable> {
    config.validate()?;
    let expected_spend = spend.expected_spend_all(table)?;
    let discounted = discounted_purchases(purchase, table, config)?;
    let clv = &discounted * &expected_spend * config.margin;
    // the models' bulk predictions (BG/NBD groups customers and computes each kernel once)
    let p_alive = purchase.p_alive_all(table);
    let expected_purchases = purchase.expected_purchases_all(table, config.horizon);
    for (i, (&p, &e)) in p_alive.iter().zip(&expected_purchases).enumerate() {
        if !(0.0..=1.0).contains(&p) || !e.is_finite() || e < 0.0 {
            return Err(Error::Model(format!(
                "customer {:?} (row {}): the purchase model gives P(alive) = {p} and \
                 expected purchases = {e}; expected a probability and a finite, non-negative count",
                table.ids()[i],
                i + 1
            )));
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
        let path = path.as_ref();
        crate::io::write_atomically(path, |w| {
            let mut wtr = csv::Writer::from_writer(w);
            wtr.write_record(VALUE_TABLE_COLUMNS)?;
            for i in 0..self.len() {
                let mut rec = Vec::with_capacity(10);
                rec.push(self.ids[i].clone());
                for col in self.numeric_columns() {
                    rec.push(format!("{}", col[i]));
                }
                wtr.write_record(&rec)?;
            }
            wtr.flush().map_err(|e| Error::io(path, e))
        })
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
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::from_csv_reader(file, unit).map_err(|e| match e {
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
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers = rdr.headers()?.clone();
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
        let mut ids = Vec::new();
        let mut cols: [Vec<f64>; 9] = Default::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut record = csv::StringRecord::new();
        let mut row = 0usize;
        while rdr.read_record(&mut record)? {
            row += 1;
            let id = record.get(pos[0]).unwrap_or("");
            if id.is_empty() {
                return Err(Error::invalid_value(
                    row,
                    "customer_id",
                    id,
                    "missing customer id",
                ));
            }
            if let Some(first) = seen.insert(id.to_string(), row) {
                return Err(Error::DuplicateId {
                    id: id.to_string(),
                    first,
                    second: row,
                });
            }
            ids.push(id.to_string());
            let mut v = [0.0; 9];
            for k in 0..9 {
                let name = VALUE_TABLE_COLUMNS[k + 1];
                v[k] = parse_number(row, name, record.get(pos[k + 1]).unwrap_or(""))?;
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
                cols[k].push(v[k]);
            }
            check_rfm(row, v[0], v[1], v[2])?;
        }
        if row == 0 {
            return Err(Error::Empty {
                what: "value table CSV".into(),
            });
        }
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
