//! Scoring per distinct history, and scoring a file chunk by chunk.
//!
//! P(alive), expected purchases and the discounted-purchases kernel of every purchase model are
//! functions of (x, t_x, T) alone, and whole-day data repeats those a lot (a million customers
//! have a few hundred thousand distinct triples). [`DistinctHistories`] computes each once and
//! scatters the results back to the customers; [`value_table`](crate::value::value_table) scores
//! through it, and [`write_scores`] scores an RFM file of any size chunk by chunk, writing the
//! scores in input order with memory bounded by the chunk.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use ndarray::Array1;
use rayon::prelude::*;

use crate::data::group::DistinctIndex;
use crate::data::rfm_chunks::read_ahead;
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::models::PurchaseModel;
use crate::time::Duration;
use crate::value::config::ClvConfig;
use crate::value::lifetime::discounted_purchases;
use crate::value::table::{ValueTable, VALUE_TABLE_COLUMNS};

/// The distinct (x, t_x, T) of a table's customers, each customer's index among them, and the
/// distinct rows as a table (empty ids, no spend) that a model scores like any other.
///
/// ```
/// use clv::{CustomerTable, Rfm, TimeUnit};
/// use clv::models::{BgNbd, PurchaseModel};
/// use clv::value::DistinctHistories;
/// let c = |x, t, age| Rfm::new(x, t, age, TimeUnit::Weeks).unwrap();
/// let table = CustomerTable::from_customers(&[c(2, 5.0, 9.0), c(0, 0.0, 9.0), c(2, 5.0, 9.0)]).unwrap();
/// let distinct = DistinctHistories::of(&table);
/// assert_eq!((distinct.len(), distinct.customers()), (2, 3));
/// let m = BgNbd::new(0.24, 4.41, 0.79, 2.43, TimeUnit::Weeks).unwrap();
/// let p = distinct.scatter(&m.p_alive_all(distinct.table()));
/// assert_eq!(p, m.p_alive_all(&table));
/// ```
#[derive(Debug, Clone)]
pub struct DistinctHistories {
    index: Arc<DistinctIndex>,
}

impl DistinctHistories {
    /// Groups the customers of `table` by (x, t_x, T) (bit patterns, -0 as 0), distinct rows in
    /// order of first appearance. The table keeps the grouping: a fit on it, or an earlier
    /// call, has already paid for it.
    pub fn of(table: &CustomerTable) -> Self {
        DistinctHistories {
            index: Arc::clone(table.distinct_index()),
        }
    }

    /// The distinct histories as a table, in the unit of the grouped table.
    pub fn table(&self) -> &CustomerTable {
        &self.index.table
    }

    /// Number of distinct histories.
    pub fn len(&self) -> usize {
        self.index.table.len()
    }

    /// Always false: a customer table is never empty.
    pub fn is_empty(&self) -> bool {
        self.index.table.is_empty()
    }

    /// Number of customers grouped.
    pub fn customers(&self) -> usize {
        self.index.group_of.len()
    }

    /// Each customer's index among the distinct histories.
    pub fn group_of(&self) -> &[u32] {
        &self.index.group_of
    }

    /// A value per customer from a value per distinct history (`per_distinct` in the order of
    /// [`table`](Self::table)).
    pub fn scatter(&self, per_distinct: &Array1<f64>) -> Array1<f64> {
        assert_eq!(
            per_distinct.len(),
            self.len(),
            "one value per distinct history"
        );
        let v = per_distinct
            .as_slice()
            .expect("a standard-layout 1-d array");
        let out: Vec<f64> = self
            .index
            .group_of
            .par_iter()
            .with_min_len(1 << 14)
            .map(|&g| v[g as usize])
            .collect();
        Array1::from(out)
    }
}

/// What a purchase model predicts for each customer of a table: P(alive), expected purchases
/// over the horizon, and the discounted expected purchases of the CLV sum.
pub(crate) struct PurchaseScores {
    pub p_alive: Array1<f64>,
    pub expected_purchases: Array1<f64>,
    pub discounted: Array1<f64>,
}

impl PurchaseScores {
    /// Scores every customer of `table` directly.
    fn of<M: PurchaseModel + ?Sized>(
        purchase: &M,
        table: &CustomerTable,
        config: &ClvConfig,
    ) -> Result<Self> {
        let discounted = discounted_purchases(purchase, table, config)?;
        let (p_alive, expected_purchases) =
            purchase.p_alive_and_expected_all(table, config.horizon);
        Ok(PurchaseScores {
            discounted,
            p_alive,
            expected_purchases,
        })
    }

    /// Scores each distinct (x, t_x, T) of `table` once and scatters the results back. An error
    /// is computed again on the whole table so that it names the customer.
    pub(crate) fn by_distinct<M: PurchaseModel + ?Sized>(
        purchase: &M,
        table: &CustomerTable,
        config: &ClvConfig,
    ) -> Result<Self> {
        if !by_distinct_pays(purchase, table) {
            return Self::of(purchase, table, config);
        }
        let distinct = DistinctHistories::of(table);
        match Self::of(purchase, distinct.table(), config) {
            Ok(s) => Ok(PurchaseScores {
                p_alive: distinct.scatter(&s.p_alive),
                expected_purchases: distinct.scatter(&s.expected_purchases),
                discounted: distinct.scatter(&s.discounted),
            }),
            Err(_) => Self::of(purchase, table, config),
        }
    }
}

/// Whether to score `table` per distinct (x, t_x, T): when the model says that pays
/// ([`PurchaseModel::scores_by_distinct`]), or when the table's grouping is already computed
/// (a fit on the table computes it), so that it costs only the scatter. Both ways give the
/// same numbers: a prediction is a function of (x, t_x, T).
fn by_distinct_pays<M: PurchaseModel + ?Sized>(model: &M, table: &CustomerTable) -> bool {
    model.scores_by_distinct() || table.has_distinct_index()
}

/// Every customer's P(alive) and expected purchases in `horizon`, computed once per distinct
/// (x, t_x, T) when that pays (the model's predictions cost more than grouping the rows, or the
/// table is already grouped, by a fit on it), else row by row.
///
/// ```
/// use clv::models::{BgNbd, PurchaseModel};
/// use clv::{CustomerTable, Duration, Rfm, TimeUnit};
/// let c = |x, t, age| Rfm::new(x, t, age, TimeUnit::Weeks).unwrap();
/// let table = CustomerTable::from_customers(&[c(2, 5.0, 9.0), c(0, 0.0, 9.0), c(2, 5.0, 9.0)]).unwrap();
/// let m = BgNbd::new(0.24, 4.41, 0.79, 2.43, TimeUnit::Weeks).unwrap();
/// let (p_alive, expected) = clv::value::alive_and_expected(&m, &table, Duration::weeks(4.0));
/// assert_eq!(p_alive, m.p_alive_all(&table));
/// assert_eq!(expected[0], expected[2]);
/// ```
pub fn alive_and_expected<M: PurchaseModel + ?Sized>(
    model: &M,
    table: &CustomerTable,
    horizon: Duration,
) -> (Array1<f64>, Array1<f64>) {
    if !by_distinct_pays(model, table) {
        return model.p_alive_and_expected_all(table, horizon);
    }
    let distinct = DistinctHistories::of(table);
    let (p_alive, expected) = model.p_alive_and_expected_all(distinct.table(), horizon);
    (distinct.scatter(&p_alive), distinct.scatter(&expected))
}

/// [`discounted_purchases`] of every customer, computed once per distinct (x, t_x, T); an error
/// is computed again on the whole table so that it names the customer.
pub(crate) fn discounted_by_distinct<M: PurchaseModel + ?Sized>(
    purchase: &M,
    table: &CustomerTable,
    config: &ClvConfig,
) -> Result<Array1<f64>> {
    if !by_distinct_pays(purchase, table) {
        return discounted_purchases(purchase, table, config);
    }
    let distinct = DistinctHistories::of(table);
    match discounted_purchases(purchase, distinct.table(), config) {
        Ok(d) => Ok(distinct.scatter(&d)),
        Err(_) => discounted_purchases(purchase, table, config),
    }
}

/// Totals of a file scored by [`write_scores`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredFile {
    /// Number of customers scored.
    pub customers: usize,
    /// Number of chunks the input was read in.
    pub chunks: usize,
    /// Sum of the customers' lifetime values.
    pub total_clv: f64,
}

/// Scores `chunks` (consecutive tables of one input, such as [`RfmChunks`](crate::data::RfmChunks)
/// gives) with `score` (typically [`value_table`](crate::value::value_table)) and writes the
/// scores to `output` as [`ValueTable::write_csv`] would write the whole table (as
/// `ValueTable::write_parquet` would, a record batch per chunk, when `output` ends in
/// `.parquet` and the `parquet` feature is on), atomically;
/// `inspect` sees each scored chunk (to keep the most valuable customers, say). Memory is bounded
/// by a chunk and its scores.
///
/// ```
/// use clv::data::RfmChunks;
/// use clv::models::{BgNbd, GammaGamma};
/// use clv::value::{value_table, write_scores, ClvConfig, ValueTable};
/// use clv::{CustomerTable, RfmCsvOptions, TimeUnit};
/// let csv = "customer_id,frequency,recency,T,monetary_value\na,2,30,38,22\nb,0,0,38,0\nc,1,10,20,15\n";
/// let options = RfmCsvOptions::new(TimeUnit::Weeks).monetary_value("monetary_value");
/// let bgnbd = BgNbd::new(0.24, 4.41, 0.79, 2.43, TimeUnit::Weeks).unwrap();
/// let spend = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
/// let config = ClvConfig::lifetimes(TimeUnit::Weeks, 12, 0.01).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("scores.csv");
/// let chunks = RfmChunks::new(csv.as_bytes(), &options, 16).unwrap();
/// let done = write_scores(chunks, &path, |t| value_table(&bgnbd, &spend, t, &config), |_| ()).unwrap();
/// assert_eq!((done.customers, done.chunks), (3, 3));
/// let table = CustomerTable::from_csv_reader(csv.as_bytes(), &options).unwrap();
/// let whole = value_table(&bgnbd, &spend, &table, &config).unwrap();
/// assert_eq!(ValueTable::read_csv(&path, TimeUnit::Weeks).unwrap(), whole);
/// ```
pub fn write_scores<I, F, G>(
    chunks: I,
    output: &Path,
    mut score: F,
    mut inspect: G,
) -> Result<ScoredFile>
where
    I: IntoIterator<Item = Result<CustomerTable>>,
    I::IntoIter: Send,
    F: FnMut(&CustomerTable) -> Result<ValueTable>,
    G: FnMut(&ValueTable),
{
    read_ahead(chunks, |chunks| {
        score_chunks(chunks, output, &mut score, &mut inspect)
    })
}

/// [`write_scores`] on chunks as they come.
fn score_chunks(
    chunks: &mut dyn Iterator<Item = Result<CustomerTable>>,
    output: &Path,
    score: &mut dyn FnMut(&CustomerTable) -> Result<ValueTable>,
    inspect: &mut dyn FnMut(&ValueTable),
) -> Result<ScoredFile> {
    let mut done = ScoredFile {
        customers: 0,
        chunks: 0,
        total_clv: 0.0,
    };
    #[cfg(feature = "parquet")]
    if crate::data::parquet_tables::is_parquet(output) {
        crate::data::parquet_tables::write_batches(output, || {
            let Some(chunk) = chunks.next() else {
                return Ok(None);
            };
            let scores = score(&chunk?)?;
            done.customers += scores.len();
            done.chunks += 1;
            done.total_clv += scores.total_clv();
            inspect(&scores);
            scores.record_batch(output, &[]).map(Some)
        })?;
        return Ok(done);
    }
    crate::io::write_atomically(output, |w| {
        let header = VALUE_TABLE_COLUMNS.join(",") + "\n";
        w.write_all(header.as_bytes())
            .map_err(|e| Error::io(output, e))?;
        for chunk in chunks {
            let scores = score(&chunk?)?;
            drop_and_write(&scores, w, output)?;
            done.customers += scores.len();
            done.chunks += 1;
            done.total_clv += scores.total_clv();
            inspect(&scores);
        }
        Ok(())
    })?;
    Ok(done)
}

/// Formats `scores` in parallel pieces and writes them in order.
fn drop_and_write(scores: &ValueTable, w: &mut impl Write, output: &Path) -> Result<()> {
    const PIECE: usize = 16_384;
    let pieces: Vec<Vec<u8>> = (0..scores.len())
        .step_by(PIECE)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|from| {
            let to = (from + PIECE).min(scores.len());
            let mut buf = Vec::with_capacity((to - from) * 96);
            for i in from..to {
                scores.push_csv_row(i, &mut buf);
                buf.push(b'\n');
            }
            buf
        })
        .collect();
    pieces
        .iter()
        .try_for_each(|p| w.write_all(p))
        .map_err(|e| Error::io(output, e))
}
