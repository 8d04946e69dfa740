//! `clv predict` without a spend model (or without mean spends): what the purchase model can
//! predict, P(alive) and expected purchases, and no CLV column, as CSV or Parquet
//! ([`clv::value::write_purchase_scores`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use clv::models::PurchaseModel;
use clv::{CustomerTable, Duration};

use crate::failure::Failure;

/// Columns of the scores file without spend.
pub const COLUMNS: [&str; 7] = clv::value::PURCHASE_SCORE_COLUMNS;

/// Scores the customers of `chunks` with `model` over `horizon` and writes `output` without the
/// spend and CLV columns, chunk by chunk; `why` (printed) says why there is no CLV, `reading`
/// prefixes a read error.
pub fn write<M: PurchaseModel + ?Sized>(
    model: &M,
    chunks: impl Iterator<Item = clv::Result<CustomerTable>> + Send,
    horizon: Duration,
    output: &Path,
    why: &str,
    reading: &str,
) -> Result<(), Failure> {
    // chunks are read on a second thread (the writer reads one ahead)
    let read_failed = AtomicBool::new(false);
    let chunks = chunks.inspect(|c| read_failed.store(c.is_err(), Ordering::Relaxed));
    let done = clv::value::write_purchase_scores(model, chunks, horizon, output).map_err(|e| {
        let what = if read_failed.load(Ordering::Relaxed) {
            reading.to_string()
        } else {
            format!("scoring and writing {}", output.display())
        };
        Failure::new(format!("{what}: {}", Failure::from(e)))
    })?;
    say!(
        "{} customers scored over {horizon}: P(alive), churn probability and expected purchases; \
         no CLV column because {why}; expected purchases in all {:.2}",
        done.customers,
        done.expected_purchases
    );
    say!("wrote {}", output.display());
    Ok(())
}

/// Customer `i`'s cells under [`COLUMNS`]: her history, P(alive), churn probability and
/// expected purchases.
pub fn row(table: &clv::CustomerTable, i: usize, p_alive: f64, expected: f64) -> Vec<String> {
    vec![
        table.ids()[i].clone(),
        clv::io::format_number(table.frequency()[i]),
        clv::io::format_number(table.recency()[i]),
        clv::io::format_number(table.age()[i]),
        clv::io::format_number(p_alive),
        clv::io::format_number(1.0 - p_alive),
        clv::io::format_number(expected),
    ]
}
