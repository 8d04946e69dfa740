//! The whole pipeline at scale, each stage timed with its peak memory.
//!
//! ```text
//! cargo run --release --example scale -- 10000000            # draw, write, read, fit, score
//! cargo run --release --example scale -- 1000000 --draw-only data.csv
//! cargo run --release --example scale -- --input data.csv --output scored.csv [--json]
//! ```
//!
//! Without `--input`, N customers are drawn (BG/NBD r = 0.25, alpha = 4 per week, a = 0.8,
//! b = 2.5; Gamma-Gamma p = 6, q = 4, gamma = 15; first purchases spread evenly over a year;
//! whole-day times, as real logs give them), written as an RFM CSV and read back. Then both
//! models are fitted and every customer is scored (P(alive), expected purchases in 30 days,
//! 12-month CLV in lifetimes' convention: months of 30 days, 1% discount per month), and the
//! scores are written as CSV.
//!
//! `--json` prints one JSON object (timings in seconds, parameters, sums of the scores) for
//! `scripts/compare_lifetimes.py`. Peak memory is the process's peak resident set size during
//! the stage (Linux; reset before each stage through `/proc/self/clear_refs`).

use std::path::PathBuf;
use std::time::Instant;

use clv::fit::FitOptions;
use clv::models::{BgNbd, GammaGamma, PurchaseModel};
use clv::simulate::{Ages, Population, Recording};
use clv::value::{lifetime_value, value_table, ClvConfig};
use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};

struct Args {
    customers: usize,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    draw_only: Option<PathBuf>,
    json: bool,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        customers: 1_000_000,
        input: None,
        output: None,
        draw_only: None,
        json: false,
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--input" => args.input = Some(value("--input")?.into()),
            "--output" => args.output = Some(value("--output")?.into()),
            "--draw-only" => args.draw_only = Some(value("--draw-only")?.into()),
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--json" => args.json = true,
            n => {
                args.customers = n.replace('_', "").parse().map_err(|_| {
                    format!("unknown argument {n:?} (expected a number of customers or an option)")
                })?
            }
        }
    }
    Ok(args)
}

/// Peak resident memory in MB since the last reset.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Stages {
    rows: Vec<(String, f64, f64)>,
    quiet: bool,
}

impl Stages {
    fn run<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        reset_peak();
        let start = Instant::now();
        let out = f();
        let secs = start.elapsed().as_secs_f64();
        let mb = peak_mb();
        if !self.quiet {
            println!("{name:<34} {secs:>8.3} s   peak {mb:>7.0} MB");
        }
        self.rows.push((name.to_string(), secs, mb));
        out
    }
}

fn population(customers: usize, seed: u64) -> clv::Result<Population> {
    let bgnbd = BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks)?;
    let ages = Ages::Uniform {
        min: Duration::days(1.0),
        max: Duration::days(366.0),
    };
    Ok(Population::new(customers, bgnbd, ages)?
        .seed(seed)
        .spend(GammaGamma::new(6.0, 4.0, 15.0)?)
        .recording(Recording::WholeDays))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let mut stages = Stages {
        rows: vec![],
        quiet: args.json,
    };
    let dir = std::env::temp_dir().join(format!("clv-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv_options = RfmCsvOptions::new(TimeUnit::Days).monetary_value("monetary_value");
    let start = Instant::now();

    let input = match &args.input {
        Some(p) => p.clone(),
        None => {
            let pop = population(args.customers, args.seed)?;
            let table = stages.run("draw population", || pop.rfm_table())?;
            let path = args
                .draw_only
                .clone()
                .unwrap_or_else(|| dir.join("customers.csv"));
            stages.run("write RFM CSV", || table.write_csv(&path))?;
            if args.draw_only.is_some() {
                return Ok(());
            }
            path
        }
    };
    let table = stages.run("read RFM CSV", || {
        CustomerTable::from_csv_path(&input, &csv_options)
    })?;
    let end_to_end = Instant::now();
    let bgnbd = stages.run("fit BG/NBD", || BgNbd::fit(&table, &FitOptions::default()))?;
    let spend = stages.run("fit Gamma-Gamma", || {
        GammaGamma::fit(&table, &FitOptions::default())
    })?;
    let horizon = Duration::days(30.0);
    let (p_alive, expected) = stages.run("P(alive) + expected purchases", || {
        (
            bgnbd.model.p_alive_all(&table),
            bgnbd.model.expected_purchases_all(&table, horizon),
        )
    });
    let config = ClvConfig::lifetimes(TimeUnit::Days, 12, 0.01)?;
    let clv = stages.run("12-month CLV", || {
        lifetime_value(&bgnbd.model, &spend.model, &table, &config)
    })?;
    let scores = stages.run("value table (all scores)", || {
        value_table(&bgnbd.model, &spend.model, &table, &config)
    })?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| dir.join("scored.csv"));
    stages.run("write scored CSV", || scores.write_csv(&output))?;
    let pipeline = end_to_end.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();

    if args.json {
        let timings: serde_json::Map<String, serde_json::Value> = stages
            .rows
            .iter()
            .map(|(n, s, _)| (n.clone(), (*s).into()))
            .collect();
        let report = serde_json::json!({
            "customers": table.len(),
            "seconds": timings,
            "bgnbd": bgnbd.model.params(),
            "gamma_gamma": [spend.model.p, spend.model.q, spend.model.gamma],
            "sum_p_alive": p_alive.sum(),
            "sum_expected_purchases_30_days": expected.sum(),
            "sum_clv_12_months": clv.sum(),
            "bgnbd_log_likelihood": bgnbd.report.log_likelihood,
        });
        println!("{report}");
    } else {
        let peak = stages.rows.iter().map(|r| r.2).fold(0.0, f64::max);
        println!(
            "{} customers; from RFM CSV to scored CSV: {pipeline:.3} s (with reading {:.3} s), \
             all stages {total:.3} s, peak memory {peak:.0} MB",
            table.len(),
            pipeline
                + stages
                    .rows
                    .iter()
                    .find(|r| r.0 == "read RFM CSV")
                    .map_or(0.0, |r| r.1),
        );
        println!("BG/NBD {:?}, Gamma-Gamma {:?}", bgnbd.model, spend.model);
        println!("scores written to {}", output.display());
    }
    if args.input.is_none() {
        let _ = std::fs::remove_file(dir.join("customers.csv"));
    }
    if args.output.is_none() {
        let _ = std::fs::remove_file(&output);
    }
    let _ = std::fs::remove_dir(&dir);
    Ok(())
}
