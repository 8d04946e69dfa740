//! Scores without spend: what a purchase model predicts on its own (P(alive), the churn
//! probability and the expected purchases over a horizon), for a table without mean spends or a
//! run without a spend model, written chunk by chunk as CSV or (feature `parquet`) Parquet.

use std::io::Write;
use std::path::Path;

use ndarray::Array1;

use crate::data::rfm::CustomerTable;
use crate::data::rfm_chunks::read_ahead;
use crate::error::{Error, Result};
use crate::models::PurchaseModel;
use crate::time::Duration;
use crate::value::score::alive_and_expected;

/// Columns of a file of purchase scores, in order.
pub const PURCHASE_SCORE_COLUMNS: [&str; 7] = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "p_alive",
    "churn_probability",
    "expected_purchases",
];

/// What [`write_purchase_scores`] wrote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurchaseScoredFile {
    /// Number of customers scored.
    pub customers: usize,
    /// Number of chunks the input was read in.
    pub chunks: usize,
    /// Sum of the customers' expected purchases over the horizon.
    pub expected_purchases: f64,
}

/// Scores `chunks` (consecutive tables of one input, such as
/// [`RfmChunks`](crate::data::RfmChunks) gives) with `model` over `horizon` and writes
/// [`PURCHASE_SCORE_COLUMNS`] to `output`: CSV, or Parquet (numbers as `Float64`, a record batch
/// per chunk) when `output` ends in `.parquet` and the `parquet` feature is on. The file is
/// written atomically: complete, or untouched when a chunk fails to read or a score is not a
/// probability and a finite non-negative expectation (the error names the customer's row).
/// Memory is bounded by a chunk and its scores.
///
/// ```
/// use clv::data::RfmChunks;
/// use clv::models::BgNbd;
/// use clv::value::write_purchase_scores;
/// use clv::{Duration, RfmCsvOptions, TimeUnit};
/// let csv = "customer_id,frequency,recency,T\na,2,30,38\nb,0,0,38\nc,1,10,20\n";
/// let options = RfmCsvOptions::new(TimeUnit::Weeks);
/// let bgnbd = BgNbd::new(0.24, 4.41, 0.79, 2.43, TimeUnit::Weeks).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("scores.csv");
/// let chunks = RfmChunks::new(csv.as_bytes(), &options, 16).unwrap();
/// let done = write_purchase_scores(&bgnbd, chunks, Duration::weeks(4.0), &path).unwrap();
/// assert_eq!(done.customers, 3);
/// assert!(done.chunks > 1);
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert!(text.starts_with("customer_id,frequency,recency,T,p_alive,churn_probability,expected_purchases\na,2,30,38,"));
/// ```
pub fn write_purchase_scores<M, I>(
    model: &M,
    chunks: I,
    horizon: Duration,
    output: &Path,
) -> Result<PurchaseScoredFile>
where
    M: PurchaseModel + ?Sized,
    I: IntoIterator<Item = Result<CustomerTable>>,
    I::IntoIter: Send,
{
    read_ahead(chunks, |chunks| {
        let mut done = PurchaseScoredFile {
            customers: 0,
            chunks: 0,
            expected_purchases: 0.0,
        };
        let mut next = || -> Result<Option<Scored>> {
            let Some(chunk) = chunks.next() else {
                return Ok(None);
            };
            let scored = Scored::of(model, chunk?, horizon, done.customers)?;
            done.customers += scored.table.len();
            done.chunks += 1;
            done.expected_purchases += scored.expected.sum();
            Ok(Some(scored))
        };
        #[cfg(feature = "parquet")]
        if crate::data::parquet_tables::is_parquet(output) {
            crate::data::parquet_tables::write_batches(output, || {
                next()?.map(|s| s.record_batch(output)).transpose()
            })?;
            return Ok(done);
        }
        crate::io::write_atomically(output, |w| {
            let header = PURCHASE_SCORE_COLUMNS.join(",") + "\n";
            w.write_all(header.as_bytes())
                .map_err(|e| Error::io(output, e))?;
            while let Some(scored) = next()? {
                w.write_all(&scored.csv_rows())
                    .map_err(|e| Error::io(output, e))?;
            }
            Ok(())
        })?;
        Ok(done)
    })
}

/// A chunk and its checked scores.
struct Scored {
    table: CustomerTable,
    p_alive: Array1<f64>,
    expected: Array1<f64>,
}

impl Scored {
    /// Scores `table`, whose first customer is row `rows_before + 1` of the input.
    fn of<M: PurchaseModel + ?Sized>(
        model: &M,
        table: CustomerTable,
        horizon: Duration,
        rows_before: usize,
    ) -> Result<Self> {
        let (p_alive, expected) = alive_and_expected(model, &table, horizon);
        let bad = p_alive
            .iter()
            .zip(&expected)
            .position(|(&p, &e)| !((0.0..=1.0).contains(&p) && e.is_finite() && e >= 0.0));
        if let Some(i) = bad {
            return Err(Error::invalid_value(
                rows_before + i + 1,
                "p_alive",
                p_alive[i],
                format!(
                    "customer {}: the model gives P(alive) = {} and expected purchases = {}",
                    crate::error::quote(&table.ids()[i]),
                    p_alive[i],
                    expected[i]
                ),
            ));
        }
        Ok(Scored {
            table,
            p_alive,
            expected,
        })
    }

    /// The rows as CSV, with the numbers of [`crate::io::format_number`].
    fn csv_rows(&self) -> Vec<u8> {
        let t = &self.table;
        let mut out = Vec::with_capacity(t.len() * 80);
        for i in 0..t.len() {
            crate::io::push_csv_field(&mut out, &t.ids()[i]);
            let p = self.p_alive[i];
            for v in [
                t.frequency()[i],
                t.recency()[i],
                t.age()[i],
                p,
                1.0 - p,
                self.expected[i],
            ] {
                out.push(b',');
                crate::io::push_f64(&mut out, v);
            }
            out.push(b'\n');
        }
        out
    }

    #[cfg(feature = "parquet")]
    fn record_batch(&self, path: &Path) -> Result<arrow_array::RecordBatch> {
        let t = &self.table;
        let churn = self.p_alive.mapv(|p| 1.0 - p);
        let (x, t_x, age) = (
            t.frequency().to_owned(),
            t.recency().to_owned(),
            t.age().to_owned(),
        );
        let c = &PURCHASE_SCORE_COLUMNS;
        crate::data::parquet_tables::record_batch(
            path,
            c[0],
            t.ids(),
            &[
                (c[1], &x),
                (c[2], &t_x),
                (c[3], &age),
                (c[4], &self.p_alive),
                (c[5], &churn),
                (c[6], &self.expected),
            ],
        )
    }
}
