//! `clv predict` without a spend model (or without mean spends): what the purchase model can
//! predict, P(alive) and expected purchases, and no CLV column.

use std::path::Path;

use clv::models::PurchaseModel;
use clv::{CustomerTable, Duration};

use crate::failure::{Context, Failure};

/// Columns of the scores file without spend.
pub const COLUMNS: [&str; 7] = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "p_alive",
    "churn_probability",
    "expected_purchases",
];

/// Scores the customers of `chunks` with `model` over `horizon` and writes `output` without the
/// spend and CLV columns, chunk by chunk; `why` (printed) says why there is no CLV, `reading`
/// prefixes a read error.
pub fn write<M: PurchaseModel + ?Sized>(
    model: &M,
    chunks: impl Iterator<Item = clv::Result<CustomerTable>>,
    horizon: Duration,
    output: &Path,
    why: &str,
    reading: &str,
) -> Result<(), Failure> {
    if crate::paths::is_parquet(output) {
        return Err(Failure::new(format!(
            "writing {}: scores without a spend model ({why}) are written as CSV only; \
             choose an output ending in .csv",
            output.display()
        )));
    }
    let mut failure = None;
    // aborts the write (the output stays untouched); `failure` says why
    let stopped = || clv::Error::Empty {
        what: "the scores".into(),
    };
    let (mut customers, mut expected_total) = (0usize, 0.0);
    let written = clv::io::write_atomically(output, |w| {
        let mut wtr = csv::Writer::from_writer(w);
        wtr.write_record(COLUMNS)?;
        for chunk in chunks {
            let table = match chunk {
                Ok(t) => t,
                Err(e) => {
                    failure = Some(Failure::new(format!("{reading}: {}", Failure::from(e))));
                    return Err(stopped());
                }
            };
            let (p_alive, expected) = clv::value::alive_and_expected(model, &table, horizon);
            for (i, (&p, &e)) in p_alive.iter().zip(&expected).enumerate() {
                if !((0.0..=1.0).contains(&p) && e.is_finite() && e >= 0.0) {
                    failure = Some(Failure::new(format!(
                        "customer {} (row {}): the model gives P(alive) = {p} and expected purchases = {e}",
                        clv::error::quote(&table.ids()[i]),
                        customers + i + 1
                    )));
                    return Err(stopped());
                }
            }
            for i in 0..table.len() {
                wtr.write_record(row(&table, i, p_alive[i], expected[i]))?;
            }
            customers += table.len();
            expected_total += expected.sum();
        }
        wtr.flush().map_err(|e| clv::Error::io(output, e))
    });
    if let Some(f) = failure {
        return Err(f);
    }
    written.context(format!("writing {}", output.display()))?;
    say!(
        "{customers} customers scored over {horizon}: P(alive), churn probability and expected purchases; \
         no CLV column because {why}; expected purchases in all {expected_total:.2}"
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
