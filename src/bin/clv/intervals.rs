//! `clv predict --interval LEVEL`: prediction intervals beside the scores, their level in a
//! notes file beside the output, and the totals with their intervals on the terminal.

use std::path::{Path, PathBuf};

use clv::fit::Fitted;
use clv::models::{AnyPurchaseModel, GammaGamma};
use clv::value::interval::{CustomerIntervals, Predictive, TotalInterval};
use clv::value::{ClvConfig, ValueTable};
use clv::{CustomerTable, Duration};

use crate::failure::{Context, Failure};
use crate::paths::is_standard;

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
        return scores.write_csv(output).context(writing());
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
    scores.write_csv_with(output, &extra).context(writing())?;
    write_notes(output, p)
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

/// Prints the total purchases with its interval (no spend model).
pub fn print_totals_of_purchases(p: &Predictive, horizon: Duration) {
    say!(
        "total purchases over {horizon}: {}",
        shown(&p.total(None).purchases)
    );
}
