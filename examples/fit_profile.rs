//! Where the time of a BG/NBD fit goes: each step of the generic fit path timed on its own
//! (identification check, compression, the prepared likelihood, one evaluation of the
//! log-likelihood and its gradient), then the whole fit with its iteration and evaluation
//! counts, so that "fit time = compression + evaluations x cost of one" can be checked.
//!
//! ```text
//! cargo run --release --example scale -- 1000000 --draw-only customers.csv
//! cargo run --release --example fit_profile -- customers.csv [repeats]
//! ```

use std::time::Instant;

use clv::data::{check_identified, CompressedRfm, RfmChunks, DEFAULT_CHUNK_BYTES};
use clv::fit::FitData;
use clv::fit::{Fit, FitOptions};
use clv::models::bgnbd::BgNbdLikelihood;
use clv::models::{BgNbd, GammaGamma, ParetoNbd};
use clv::value::alive_and_expected;
use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};

/// Best of `repeats` runs of `f`, in seconds, and the last result.
fn best<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let mut secs = f64::INFINITY;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let v = f();
        secs = secs.min(start.elapsed().as_secs_f64());
        out = Some(v);
    }
    (secs, out.expect("at least one run"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: fit_profile FILE.csv [repeats]")?;
    let repeats: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let options = RfmCsvOptions::new(TimeUnit::Days).monetary_value("monetary_value");
    let (secs, table) = best(repeats, || CustomerTable::from_csv_path(&path, &options));
    let table = table?;
    println!("{} customers from {path}, best of {repeats}", table.len());
    println!("{:<40}{:>10.4} s", "read the CSV into a table", secs);
    let (secs, data) = best(repeats, || {
        FitData::from_rfm_chunks(RfmChunks::from_path(&path, &options, DEFAULT_CHUNK_BYTES)?)
    });
    println!(
        "{:<40}{:>10.4} s   ({} distinct histories)",
        "read the CSV into fit data (streamed)",
        secs,
        data?.distinct()
    );
    let (secs, ()) = best(repeats, || check_identified(&table).expect("identified"));
    println!("{:<40}{:>10.4} s", "identification check", secs);
    // on a fresh copy each time: a table keeps its grouping once computed
    let mut secs = f64::INFINITY;
    for _ in 0..repeats {
        let fresh = table.to_unit(table.unit());
        let start = Instant::now();
        let _ = CompressedRfm::from_table(&fresh);
        secs = secs.min(start.elapsed().as_secs_f64());
    }
    let compressed = CompressedRfm::from_table(&table);
    println!(
        "{:<40}{:>10.4} s   ({} distinct rows)",
        "compression",
        secs,
        compressed.len()
    );
    let (secs, ll) = best(repeats, || BgNbdLikelihood::new(&table));
    println!(
        "{:<40}{:>10.4} s   (compression included)",
        "prepared likelihood", secs
    );
    let at = BgNbd::new(0.3, 3.0, 1.0, 2.0, TimeUnit::Weeks)?;
    let (eval, _) = best(repeats * 4, || ll.value_and_gradient(&at));
    println!("{:<40}{:>10.6} s", "one value + gradient", eval);
    let (secs, fit) = best(repeats, || BgNbd::fit(&table, &FitOptions::default()));
    let fit = fit?;
    let r = &fit.report;
    println!(
        "{:<40}{:>10.4} s   ({:?}, {} iterations, {} evaluations = {:.4} s at the cost above)",
        "BG/NBD fit",
        secs,
        r.termination,
        r.iterations,
        r.evaluations,
        r.evaluations as f64 * eval
    );
    // scoring: a table read afresh is scored row by row (BG/NBD's closed forms cost less than
    // grouping the rows); once a fit has grouped its rows, per distinct history
    let horizon = Duration::days(30.0);
    let fresh = CustomerTable::from_csv_path(&path, &options)?;
    let start = Instant::now();
    let _ = alive_and_expected(&fit.model, &fresh, horizon);
    let cold = start.elapsed().as_secs_f64();
    let (warm, _) = best(repeats, || alive_and_expected(&fit.model, &table, horizon));
    println!(
        "{:<40}{:>10.4} s   (row by row, a table read afresh)",
        "P(alive) + expected purchases", cold
    );
    println!(
        "{:<40}{:>10.4} s   (per distinct history, the table the fit grouped)",
        "P(alive) + expected purchases", warm
    );
    let (x, m) = (
        table.frequency().to_vec(),
        table.monetary_value().map(|m| m.to_vec()),
    );
    if let Some(m) = m {
        let w = vec![1.0; x.len()];
        let (secs, fit) = best(repeats, || {
            GammaGamma::fit_repeat_customers(&x, &m, &w, &FitOptions::default())
        });
        let r = fit?.report;
        println!(
            "{:<40}{:>10.4} s   ({:?}, {} iterations, {} evaluations, from columns)",
            "Gamma-Gamma fit", secs, r.termination, r.iterations, r.evaluations
        );
        let (secs, _) = best(repeats, || GammaGamma::fit(&table, &FitOptions::default()));
        println!("{:<40}{:>10.4} s", "Gamma-Gamma fit (from the table)", secs);
    }
    if std::env::var_os("PARETO").is_some() {
        let (secs, fit) = best(1, || ParetoNbd::fit(&table, &FitOptions::default()));
        let r = fit?.report;
        println!(
            "{:<40}{:>10.4} s   ({:?}, {} iterations, {} evaluations)",
            "Pareto/NBD fit", secs, r.termination, r.iterations, r.evaluations
        );
    }
    Ok(())
}
