//! `clv predict` without a spend model (or without mean spends): what the purchase model can
//! predict, P(alive) and expected purchases, and no CLV column.

use std::path::Path;

use clv::models::PurchaseModel;
use clv::value::interval::Predictive;
use clv::{CustomerTable, Duration};

use crate::failure::{Context, Failure};

/// Columns of the scores file without spend.
const COLUMNS: [&str; 7] = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "p_alive",
    "churn_probability",
    "expected_purchases",
];

/// Scores `table` with `model` over `horizon` and writes `output` without the spend and CLV
/// columns; `why` (printed) says why there is no CLV.
pub fn write<M: PurchaseModel + ?Sized>(
    model: &M,
    table: &CustomerTable,
    horizon: Duration,
    output: &Path,
    why: &str,
    predictive: Option<&Predictive>,
) -> Result<(), Failure> {
    let p_alive = model.p_alive_all(table);
    let expected = model.expected_purchases_all(table, horizon);
    for (i, (&p, &e)) in p_alive.iter().zip(&expected).enumerate() {
        if !((0.0..=1.0).contains(&p) && e.is_finite() && e >= 0.0) {
            return Err(Failure::new(format!(
                "customer {} (row {}): the model gives P(alive) = {p} and expected purchases = {e}",
                clv::error::quote(&table.ids()[i]),
                i + 1
            )));
        }
    }
    let intervals = predictive.map(|p| p.customers());
    let extra = intervals
        .as_ref()
        .map(crate::intervals::purchase_columns)
        .unwrap_or_default();
    clv::io::write_atomically(output, |w| {
        let mut wtr = csv::Writer::from_writer(w);
        let header = COLUMNS.iter().copied().chain(extra.iter().map(|(n, _)| *n));
        wtr.write_record(header)?;
        for i in 0..table.len() {
            let mut row = vec![
                table.ids()[i].clone(),
                table.frequency()[i].to_string(),
                table.recency()[i].to_string(),
                table.age()[i].to_string(),
                p_alive[i].to_string(),
                (1.0 - p_alive[i]).to_string(),
                expected[i].to_string(),
            ];
            row.extend(extra.iter().map(|(_, c)| c[i].to_string()));
            wtr.write_record(row)?;
        }
        wtr.flush().map_err(|e| clv::Error::io(output, e))
    })
    .context(format!("writing {}", output.display()))?;
    if let Some(p) = predictive {
        crate::intervals::write_notes(output, p)?;
    }
    say!(
        "{} customers scored over {horizon}: P(alive), churn probability and expected purchases; \
         no CLV column because {why}; expected purchases in all {:.2}",
        table.len(),
        expected.sum()
    );
    if let Some(p) = predictive {
        crate::intervals::print_totals_of_purchases(p, horizon);
    }
    say!("wrote {}", output.display());
    Ok(())
}
