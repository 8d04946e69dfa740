//! `clv predict --interval LEVEL`: prediction intervals beside the scores, their level in a
//! notes file beside the output, and the totals with their intervals on the terminal.

use std::path::{Path, PathBuf};

use clv::fit::Fitted;
use clv::models::{AnyPurchaseModel, GammaGamma};
use clv::value::interval::{CustomerIntervals, Predictive, TotalInterval};
use clv::value::{ClvConfig, ValueTable};
use clv::{CustomerTable, Duration};

use crate::args::Chunks;
use crate::commands::{print_top, PredictArgs};
use crate::failure::{Context, Failure};
use crate::model_file::ModelFile;
use crate::paths::is_standard;
use crate::progress::Progress;

/// The whole table of a streamed read (intervals need every customer for the totals).
pub fn collect(chunks: Chunks, reading: &str) -> Result<CustomerTable, Failure> {
    let (mut ids, mut x, mut tx, mut age, mut money) = (vec![], vec![], vec![], vec![], vec![]);
    let mut unit = None;
    let mut has_money = true;
    for chunk in chunks {
        let t = chunk.map_err(|e| Failure::new(format!("{reading}: {}", Failure::from(e))))?;
        unit = Some(t.unit());
        ids.extend_from_slice(t.ids());
        x.extend(t.frequency().iter());
        tx.extend(t.recency().iter());
        age.extend(t.age().iter());
        match t.monetary_value() {
            Some(m) => money.extend(m.iter()),
            None => has_money = false,
        }
    }
    let unit = unit.ok_or_else(|| Failure::new(format!("{reading}: no customers")))?;
    let table = CustomerTable::new(ids, x.into(), tx.into(), age.into(), unit)
        .map_err(|e| Failure::new(format!("{reading}: {e}")))?;
    if has_money {
        return table
            .with_monetary_value(money.into())
            .map_err(|e| Failure::new(format!("{reading}: {e}")));
    }
    Ok(table)
}

/// `clv predict --interval LEVEL`: scores and intervals of the whole table.
pub fn predict(
    a: &PredictArgs,
    model: &ModelFile,
    table: &CustomerTable,
    config: &ClvConfig,
    level: f64,
    progress: &Progress,
) -> Result<(), Failure> {
    let purchase = &model.purchase;
    progress.step(format!("scoring {} customers with intervals", table.len()));
    let spend = model
        .spend
        .as_ref()
        .filter(|_| table.monetary_value().is_some());
    let p = predictive(purchase, spend, table, config, level)?;
    match spend {
        Some(s) => {
            let scores = clv::value::value_table(&purchase.model, &s.model, table, config)
                .context("scoring")?;
            write_scores(&scores, Some(&p), &a.output)?;
            progress.finish();
            say!(
                "{} customers scored over {}; total CLV {:.2}",
                scores.len(),
                config.horizon,
                scores.total_clv()
            );
            print_totals(&p, config);
            print_top(&scores, a.top);
        }
        None => {
            progress.finish();
            write_purchase_scores(&purchase.model, table, config.horizon, &p, &a.output)?;
            print_totals(&p, config);
        }
    }
    say!("wrote {}", a.output.display());
    Ok(())
}

/// The scores without spend (P(alive), churn, expected purchases) and their intervals.
fn write_purchase_scores(
    model: &AnyPurchaseModel,
    table: &CustomerTable,
    horizon: Duration,
    p: &Predictive,
    output: &Path,
) -> Result<(), Failure> {
    use clv::models::PurchaseModel;
    let p_alive = model.p_alive_all(table);
    let expected = model.expected_purchases_all(table, horizon);
    let intervals = p.customers();
    let extra = purchase_columns(&intervals);
    let header = crate::purchase_scores::COLUMNS;
    clv::io::write_atomically(output, |w| {
        let mut wtr = csv::Writer::from_writer(w);
        wtr.write_record(header.iter().copied().chain(extra.iter().map(|(n, _)| *n)))?;
        for i in 0..table.len() {
            let mut row = crate::purchase_scores::row(table, i, p_alive[i], expected[i]);
            row.extend(extra.iter().map(|(_, c)| clv::io::format_number(c[i])));
            wtr.write_record(row)?;
        }
        wtr.flush().map_err(|e| clv::Error::io(output, e))
    })
    .context(format!("writing {}", output.display()))?;
    write_notes(output, p)
}

/// The predictive distributions of `table` under the fitted models.
pub fn predictive(
    purchase: &Fitted<AnyPurchaseModel>,
    spend: Option<&Fitted<GammaGamma>>,
    table: &CustomerTable,
    config: &ClvConfig,
    level: f64,
) -> Result<Predictive, Failure> {
    let p = Predictive::new(purchase, table, config, level)
        .map_err(|e| Failure::new(format!("--interval {level}: {e}")))?;
    match spend {
        Some(s) => p
            .with_spend(s, table)
            .map_err(|e| Failure::new(format!("--interval {level}: {e}"))),
        None => Ok(p),
    }
}

/// The purchase and P(alive) interval columns, named as in the scores file.
pub fn purchase_columns(i: &CustomerIntervals) -> Vec<(&'static str, &ndarray::Array1<f64>)> {
    vec![
        ("expected_purchases_low", &i.expected_purchases_low),
        ("expected_purchases_high", &i.expected_purchases_high),
        ("p_alive_low", &i.p_alive_low),
        ("p_alive_high", &i.p_alive_high),
    ]
}

/// Writes the value table, with the interval columns when there are intervals.
pub fn write_scores(
    scores: &ValueTable,
    predictive: Option<&Predictive>,
    output: &Path,
) -> Result<(), Failure> {
    let writing = || format!("writing {}", output.display());
    let Some(p) = predictive else {
        return write_with(scores, output, &[]).context(writing());
    };
    let i = p.customers();
    let mut extra = vec![
        ("expected_purchases_low", &i.expected_purchases_low),
        ("expected_purchases_high", &i.expected_purchases_high),
    ];
    if let (Some(low), Some(high)) = (&i.clv_low, &i.clv_high) {
        extra.push(("clv_low", low));
        extra.push(("clv_high", high));
    }
    extra.push(("p_alive_low", &i.p_alive_low));
    extra.push(("p_alive_high", &i.p_alive_high));
    write_with(scores, output, &extra).context(writing())?;
    write_notes(output, p)
}

/// Writes `scores` and `extra` columns as Parquet for a `.parquet` output, else as CSV.
fn write_with(
    scores: &ValueTable,
    output: &Path,
    extra: &[(&str, &ndarray::Array1<f64>)],
) -> clv::Result<()> {
    #[cfg(feature = "parquet")]
    if crate::paths::is_parquet(output) {
        return scores.write_parquet_with(output, extra);
    }
    scores.write_csv_with(output, extra)
}

/// The notes file beside `output` (`SCORES.csv.notes`): what the interval columns are.
fn notes_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".notes");
    PathBuf::from(name)
}

/// Writes the notes of an output just written (not for standard output or special files,
/// where the level is only printed).
pub fn write_notes(output: &Path, p: &Predictive) -> Result<(), Failure> {
    if is_standard(output) || !std::fs::metadata(output).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let path = notes_path(output);
    let text = format!(
        "interval level: {}\n\
         *_low and *_high are central {:.0}% prediction intervals with parameter uncertainty \
         (the fit's covariance, by sigma points) and process uncertainty (each customer's \
         conditional distribution of purchases and of spend); p_alive_* has the parameter \
         uncertainty only.\n",
        p.level(),
        100.0 * p.level()
    );
    clv::io::write_atomically(&path, |w| {
        use std::io::Write;
        w.write_all(text.as_bytes())
            .map_err(|e| clv::Error::io(&path, e))
    })
    .context(format!("writing {}", path.display()))
}

fn shown(t: &TotalInterval) -> String {
    format!(
        "{:.2} ({:.0}% interval {:.2} to {:.2}; sd {:.2}, of which parameters {:.2})",
        t.expected,
        100.0 * t.level,
        t.low,
        t.high,
        t.sd,
        t.parameter_sd
    )
}

/// Prints the totals of purchases and CLV with their intervals.
pub fn print_totals(p: &Predictive, config: &ClvConfig) {
    let total = p.total(None);
    say!(
        "total purchases over {}: {}",
        config.horizon,
        shown(&total.purchases)
    );
    if let Some(clv) = &total.clv {
        say!("total CLV: {}", shown(clv));
    }
}
