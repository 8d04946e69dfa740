//! What the fits need of an RFM file, gathered chunk by chunk while it is read: the distinct
//! (x, t_x, T) with their weights (all a purchase model's likelihood sees) and the repeat
//! customers' (x, mean spend, weight) (all Gamma-Gamma's sees), without holding the rows.

use std::io::Read;

use crate::data::places::{merge_histories, Places};
use crate::data::rfm_chunks::read_ahead;
use crate::data::rfm_distinct::DistinctRows;
use crate::data::{CompressedRfm, CustomerTable, RfmChunks};
use crate::error::{Error, Result};
use crate::fit::{fit_kind, fit_purchase_model, FitOptions, Fitted};
use crate::models::{AnyPurchaseModel, FitPurchaseModel, GammaGamma, PurchaseModelKind};
use crate::time::TimeUnit;

/// The sufficient data of the purchase and spend fits, built from consecutive chunks of one
/// table (such as [`RfmChunks`](crate::data::RfmChunks) reads): memory grows with the number
/// of distinct (x, t_x, T) and of repeat customers, not with the rows.
///
/// Fits on it give the estimates a fit on the whole table gives: the same weighted rows in the
/// same order (for a table with weights, the weights of a history are summed chunk by chunk,
/// which may differ from the sum over the whole table in the last bits).
///
/// ```
/// use clv::data::RfmChunks;
/// use clv::fit::{Fit, FitData, FitOptions};
/// use clv::models::{BgNbd, GammaGamma};
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T").monetary_value("zbar");
/// let chunks = RfmChunks::from_path("data/cdnow_summary.csv", &opts, 4096).unwrap();
/// let data = FitData::from_chunks(chunks).unwrap();
/// let whole = CustomerTable::from_csv_path("data/cdnow_summary.csv", &opts).unwrap();
/// assert_eq!(data.customers(), whole.len());
/// let streamed = data.fit_purchase::<BgNbd>(&FitOptions::default()).unwrap();
/// assert_eq!(streamed.model, BgNbd::fit(&whole, &FitOptions::default()).unwrap().model);
/// let spend = data.fit_spend(&FitOptions::default()).unwrap();
/// assert_eq!(spend.model, GammaGamma::fit(&whole, &FitOptions::default()).unwrap().model);
/// ```
#[derive(Debug, Clone, Default)]
pub struct FitData {
    /// The distinct histories met so far, with their weights, and their places (built when a
    /// second chunk comes).
    histories: CompressedRfm,
    places: Places,
    spend_frequency: Vec<f64>,
    spend_mean: Vec<f64>,
    spend_weight: Vec<f64>,
    customers: usize,
    without_spend: f64,
    monetary_value: Option<bool>,
    unit: Option<TimeUnit>,
}

impl FitData {
    /// Nothing read yet.
    pub fn new() -> Self {
        FitData::default()
    }

    /// Gathers every chunk of `chunks` (the first error stops it); the next chunk is read on
    /// a second thread while this one is added.
    pub fn from_chunks<I>(chunks: I) -> Result<Self>
    where
        I: IntoIterator<Item = Result<CustomerTable>>,
        I::IntoIter: Send,
    {
        read_ahead(chunks, |chunks| {
            let mut data = FitData::new();
            for chunk in chunks {
                data.add(&chunk?)?;
            }
            Ok(data)
        })
    }

    /// Reads the chunks straight into fit data: each chunk's records are parsed (in parallel
    /// pieces) into its distinct histories and its repeat customers' spends, without building
    /// the tables of rows that [`from_chunks`](Self::from_chunks) adds. The same data, checks
    /// and errors as `FitData::from_chunks(chunks.without_ids())` (ids are checked for repeats
    /// within a chunk), with a fraction of the memory written: what `clv fit` reads.
    ///
    /// ```
    /// use clv::data::RfmChunks;
    /// use clv::fit::FitData;
    /// use clv::{RfmCsvOptions, TimeUnit};
    /// let opts = RfmCsvOptions::new(TimeUnit::Weeks).columns("ID", "x", "t_x", "T").monetary_value("zbar");
    /// let chunks = || RfmChunks::from_path("data/cdnow_summary.csv", &opts, 4096).unwrap();
    /// let direct = FitData::from_rfm_chunks(chunks()).unwrap();
    /// let tables = FitData::from_chunks(chunks()).unwrap();
    /// assert_eq!(direct.customers(), 2357);
    /// assert_eq!(direct.purchase_table().unwrap(), tables.purchase_table().unwrap());
    ///
    /// let bad = "ID,x,t_x,T,zbar\na,1,2,5,3.5\nb,1,9,5,2\n";
    /// let err = FitData::from_rfm_chunks(RfmChunks::new(bad.as_bytes(), &opts, 1 << 20).unwrap())
    ///     .unwrap_err();
    /// assert!(err.to_string().starts_with("row 2, column `t_x`"), "{err}");
    /// ```
    pub fn from_rfm_chunks<R: Read + Send>(chunks: RfmChunks<R>) -> Result<Self> {
        read_ahead(chunks.distinct_rows(), |chunks| {
            let mut data = FitData::new();
            for chunk in chunks {
                data.add_distinct(chunk?)?;
            }
            Ok(data)
        })
    }

    /// Adds the rows of `chunk`: its unit, and whether it has monetary values, must be those of
    /// the earlier chunks.
    pub fn add(&mut self, chunk: &CustomerTable) -> Result<()> {
        let spend = chunk.monetary_value();
        self.check_chunk(chunk.unit(), spend.is_some())?;
        // the chunk's distinct histories first (grouped in parallel), then one probe of the
        // table of all distinct histories per distinct history of the chunk
        self.add_histories(CompressedRfm::from_table(chunk));
        if let Some(m) = spend {
            self.add_spends(chunk.frequency(), m, chunk.weights());
        }
        self.customers += chunk.len();
        Ok(())
    }

    /// Adds a chunk read by [`from_rfm_chunks`](Self::from_rfm_chunks).
    fn add_distinct(&mut self, rows: DistinctRows) -> Result<()> {
        self.check_chunk(rows.unit, rows.has_spend)?;
        self.add_histories(rows.distinct);
        append(&mut self.spend_frequency, rows.spend_frequency);
        append(&mut self.spend_mean, rows.spend_mean);
        append(&mut self.spend_weight, rows.spend_weight);
        self.without_spend += rows.without_spend;
        self.customers += rows.customers;
        Ok(())
    }

    /// Errors unless a chunk's unit, and whether it has monetary values, are those of the
    /// earlier chunks (the first chunk sets them).
    fn check_chunk(&mut self, chunk_unit: TimeUnit, chunk_has_spend: bool) -> Result<()> {
        let unit = *self.unit.get_or_insert(chunk_unit);
        let has_spend = *self.monetary_value.get_or_insert(chunk_has_spend);
        if unit != chunk_unit || has_spend != chunk_has_spend {
            return Err(Error::invalid_argument(
                "chunk",
                self.customers + 1,
                "every chunk of a table has the same unit and the same columns",
            ));
        }
        Ok(())
    }

    /// Adds a chunk's distinct histories.
    fn add_histories(&mut self, distinct: CompressedRfm) {
        if self.histories.is_empty() {
            // the first chunk's histories are the table; their places are found only when a
            // second chunk comes (a file of one chunk never needs them)
            self.histories = distinct;
        } else {
            if self.places.is_empty() {
                self.places = Places::of(&self.histories);
            }
            merge_histories(&mut self.histories, &mut self.places, &distinct);
        }
    }

    /// Appends the repeat customers with a positive mean spend (the Gamma-Gamma fit's rows),
    /// and counts the weight of the others. Without branches on which rows are kept (as good
    /// as random, so mispredicted half the time): each row is written at the next free place,
    /// which moves on only when the row is kept.
    fn add_spends(
        &mut self,
        x: ndarray::ArrayView1<'_, f64>,
        m: ndarray::ArrayView1<'_, f64>,
        w: Option<ndarray::ArrayView1<'_, f64>>,
    ) {
        let mut k = self.spend_frequency.len();
        let end = k + x.len() + 1;
        for column in [
            &mut self.spend_frequency,
            &mut self.spend_mean,
            &mut self.spend_weight,
        ] {
            column.resize(end, 0.0);
        }
        for (i, (&x, &m)) in x.iter().zip(m.iter()).enumerate() {
            let w = w.as_ref().map_or(1.0, |w| w[i]);
            self.spend_frequency[k] = x;
            self.spend_mean[k] = m;
            self.spend_weight[k] = w;
            let (repeat, spent) = (x > 0.0, m > 0.0);
            k += usize::from(repeat && spent);
            self.without_spend += if repeat && !spent { w } else { 0.0 };
        }
        for column in [
            &mut self.spend_frequency,
            &mut self.spend_mean,
            &mut self.spend_weight,
        ] {
            column.truncate(k);
        }
    }

    /// Number of rows read.
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// Number of distinct (x, t_x, T).
    pub fn distinct(&self) -> usize {
        self.histories.len()
    }

    /// Whether the chunks have monetary values (so that Gamma-Gamma can be fitted).
    pub fn has_monetary_value(&self) -> bool {
        self.monetary_value == Some(true)
    }

    /// Repeat customers with a mean spend of 0, weights counted (see
    /// [`repeat_customers_without_spend`](crate::data::repeat_customers_without_spend)).
    pub fn repeat_customers_without_spend(&self) -> f64 {
        self.without_spend
    }

    /// The distinct (x, t_x, T) as a table weighted by their numbers of customers (empty ids).
    pub fn purchase_table(&self) -> Result<CustomerTable> {
        let unit = self.unit.ok_or_else(|| Error::Empty {
            what: "the data of the fit".into(),
        })?;
        Ok(CustomerTable::from_distinct(
            self.histories.frequency.clone(),
            self.histories.recency.clone(),
            self.histories.age.clone(),
            Some(self.histories.weight.clone()),
            unit,
        ))
    }

    /// Fits a purchase model (see [`fit_purchase_model`]).
    pub fn fit_purchase<M: FitPurchaseModel>(&self, options: &FitOptions) -> Result<Fitted<M>> {
        fit_purchase_model(&self.purchase_table()?, &distinct_rows(options), None)
    }

    /// Fits a purchase model of the registered `kind` (see [`fit_kind`]).
    pub fn fit_kind(
        &self,
        kind: PurchaseModelKind,
        options: &FitOptions,
    ) -> Result<Fitted<AnyPurchaseModel>> {
        fit_kind(kind, &self.purchase_table()?, &distinct_rows(options))
    }

    /// Fits Gamma-Gamma (see [`GammaGamma::fit`]); errors as it does when the chunks have no
    /// monetary values.
    pub fn fit_spend(&self, options: &FitOptions) -> Result<Fitted<GammaGamma>> {
        if !self.has_monetary_value() {
            return Err(Error::MissingColumn {
                column: "monetary_value".into(),
                available: "the chunks read have no monetary values".into(),
            });
        }
        GammaGamma::fit_repeat_customers(
            &self.spend_frequency,
            &self.spend_mean,
            &self.spend_weight,
            options,
        )
    }
}

/// `options` for a fit on [`FitData::purchase_table`]: its rows are distinct already, and
/// grouping them again would give the same rows in the same order, so they are not grouped.
fn distinct_rows(options: &FitOptions) -> FitOptions {
    options.clone().compress(false)
}

/// Appends `more` to `to`, or moves it there when `to` is empty (no copy for a first chunk).
fn append(to: &mut Vec<f64>, mut more: Vec<f64>) {
    if to.is_empty() {
        *to = more;
    } else {
        to.append(&mut more);
    }
}
