//! The whole pipeline at scale, each stage timed with its peak memory.
//!
//! ```text
//! cargo run --release --example scale -- 10000000            # draw, write, read, fit, score
//! cargo run --release --example scale -- 1000000 --draw-only data.csv
//! cargo run --release --example scale -- --input data.csv --output scored.csv [--json]
//! cargo run --release --example scale -- 10000000 --known-params   # I/O and scoring only
//! cargo run --release --example scale -- --input data.csv --pareto-nbd  # also fit Pareto/NBD
//! cargo run --release --example scale -- 100000000 --pipeline-only  # the streamed pipeline only
//! ```
//!
//! Without `--input`, N customers are drawn (BG/NBD r = 0.25, alpha = 4 per week, a = 0.8,
//! b = 2.5; Gamma-Gamma p = 6, q = 4, gamma = 15; first purchases spread evenly over a year;
//! whole-day times, as real logs give them) and written as an RFM CSV; the pipeline then runs
//! on that file in a fresh process (the same program with `--input`).
//!
//! The pipeline that is timed end to end is "RFM CSV to scored CSV", streamed as `clv fit`
//! and `clv predict` run it, with memory bounded by a chunk of rows and the distinct
//! histories: a first pass over the CSV gathers what the fits need (`FitData`: the distinct
//! (x, t_x, T) with their counts, the repeat customers' mean spends), both models are fitted on
//! it, and a second pass reads, scores (the value table: P(alive), expected purchases and
//! 12-month CLV in lifetimes' convention, months of 30 days, 1% discount per month; row by
//! row, BG/NBD being cheaper than grouping, see `PurchaseModel::scores_by_distinct`) and
//! writes the scores chunk by chunk. Its time and peak memory are printed with the bytes per
//! customer. `--known-params` skips both fits and scores with the parameters the customers
//! were drawn from (to time the rest at scale).
//!
//! Afterwards (unless `--pipeline-only`), for the comparison with lifetimes and PyMC-Marketing,
//! the whole table is read into memory and the fits, P(alive) with expected purchases in 30
//! days and the 12-month CLV are timed as separate stages, as the peers run them.
//!
//! `--json` prints one JSON object (timings in seconds, parameters, sums of the scores) for
//! `scripts/compare_lifetimes.py`. Peak memory is the process's peak resident set size during
//! the stage (Linux; reset before each stage through `/proc/self/clear_refs`); the pipeline's
//! peak is the largest of its stages'.

use std::path::PathBuf;
use std::time::Instant;

use clv::data::{RfmChunks, DEFAULT_CHUNK_BYTES};
use clv::fit::{Fit, FitData, FitOptions};
use clv::models::{BgNbd, GammaGamma, ParetoNbd, PurchaseModel};
use clv::simulate::{Ages, Population, Recording};
use clv::value::{alive_and_expected, lifetime_value, value_table, write_scores, ClvConfig};
use clv::{CustomerTable, Duration, RfmCsvOptions, TimeUnit};

struct Args {
    customers: usize,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    draw_only: Option<PathBuf>,
    json: bool,
    known_params: bool,
    pareto_nbd: bool,
    pipeline_only: bool,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        customers: 1_000_000,
        input: None,
        output: None,
        draw_only: None,
        json: false,
        known_params: false,
        pareto_nbd: false,
        pipeline_only: false,
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
            "--known-params" => args.known_params = true,
            "--pareto-nbd" => args.pareto_nbd = true,
            "--pipeline-only" => args.pipeline_only = true,
            n => {
                args.customers = n.replace('_', "").parse().map_err(|_| {
                    format!("unknown argument {n:?} (expected a number of customers or an option)")
                })?
            }
        }
    }
    Ok(args)
}

/// A memory figure of this process in MB, `field` being "VmHWM:" (peak resident memory since
/// the last reset) or "VmRSS:" (resident now).
fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn peak_mb() -> f64 {
    status_mb("VmHWM:")
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
            let now = status_mb("VmRSS:");
            println!("{name:<34} {secs:>8.3} s   peak {mb:>7.0} MB   after {now:>7.0} MB");
        }
        self.rows.push((name.to_string(), secs, mb));
        out
    }
}

/// The purchase model the customers are drawn from.
fn true_bgnbd() -> clv::Result<BgNbd> {
    BgNbd::new(0.25, 4.0, 0.8, 2.5, TimeUnit::Weeks)
}

/// The spend model the customers are drawn from.
fn true_gamma_gamma() -> clv::Result<GammaGamma> {
    GammaGamma::new(6.0, 4.0, 15.0)
}

fn population(customers: usize, seed: u64) -> clv::Result<Population> {
    let bgnbd = true_bgnbd()?;
    let ages = Ages::Uniform {
        min: Duration::days(1.0),
        max: Duration::days(366.0),
    };
    Ok(Population::new(customers, bgnbd, ages)?
        .seed(seed)
        .spend(true_gamma_gamma()?)
        .recording(Recording::WholeDays))
}

/// Customers drawn at a time for big files (a drawn table of 10M takes about 1 GB).
const DRAW_PART: usize = 10_000_000;

/// Draws `customers` in parts of [`DRAW_PART`] (part `k` with seed `seed + k`, ids numbered on
/// across parts) and writes them as one RFM CSV, as `CustomerTable::write_csv` would.
fn draw_in_parts(customers: usize, seed: u64, path: &std::path::Path) -> clv::Result<()> {
    use rayon::prelude::*;
    use std::io::Write;
    let io = |e| clv::Error::io(path, e);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    out.write_all(b"customer_id,frequency,recency,T,monetary_value\n")
        .map_err(io)?;
    for (k, first) in (0..customers).step_by(DRAW_PART).enumerate() {
        let n = DRAW_PART.min(customers - first);
        let table = population(n, seed + k as u64)?.rfm_table()?;
        let (x, t, age) = (table.frequency(), table.recency(), table.age());
        let m = table.monetary_value().expect("drawn with spend");
        let lines: Vec<Vec<u8>> = (0..n)
            .step_by(1 << 16)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| {
                let mut buf = Vec::with_capacity(40 << 16);
                for i in from..(from + (1 << 16)).min(n) {
                    let line = format!("{},{},{},{},{}\n", first + i + 1, x[i], t[i], age[i], m[i]);
                    buf.extend_from_slice(line.as_bytes());
                }
                buf
            })
            .collect();
        lines
            .iter()
            .try_for_each(|b| out.write_all(b))
            .map_err(io)?;
    }
    out.flush().map_err(io)
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
            let path = args
                .draw_only
                .clone()
                .unwrap_or_else(|| dir.join("customers.csv"));
            if args.customers <= DRAW_PART {
                let pop = population(args.customers, args.seed)?;
                let table = stages.run("draw population", || pop.rfm_table())?;
                stages.run("write RFM CSV", || table.write_csv(&path))?;
            } else {
                stages.run("draw and write RFM CSV in parts", || {
                    draw_in_parts(args.customers, args.seed, &path)
                })?;
            }
            if args.draw_only.is_some() {
                return Ok(());
            }
            // The pipeline runs in a fresh process, as it would in production: memory freed by
            // the draw would otherwise stay with this process and inflate the peak.
            let mut child = std::process::Command::new(std::env::current_exe()?);
            child.arg("--input").arg(&path);
            if let Some(output) = &args.output {
                child.arg("--output").arg(output);
            }
            child.args(args.json.then_some("--json"));
            child.args(args.known_params.then_some("--known-params"));
            child.args(args.pareto_nbd.then_some("--pareto-nbd"));
            child.args(args.pipeline_only.then_some("--pipeline-only"));
            let status = child.status()?;
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_dir(&dir);
            if !status.success() {
                return Err(format!("the pipeline process failed: {status}").into());
            }
            return Ok(());
        }
    };
    // the pipeline, RFM CSV -> scored CSV, streamed as `clv fit` and `clv predict` do: one pass
    // gathers what the fits need (distinct histories, repeat customers' spends), a second
    // reads, scores and writes chunk by chunk
    let first_stage = stages.rows.len();
    let pipeline_start = Instant::now();
    let chunks = || RfmChunks::from_path(&input, &csv_options, DEFAULT_CHUNK_BYTES);
    let data = stages.run("read RFM CSV into fit data", || {
        // as `clv fit` reads: ids checked, not kept, no table built
        FitData::from_rfm_chunks(chunks()?)
    })?;
    let (bgnbd, bgnbd_log_likelihood) = if args.known_params {
        (true_bgnbd()?, None)
    } else {
        let fitted = stages.run("fit BG/NBD (fit data)", || {
            data.fit_purchase::<BgNbd>(&FitOptions::default())
        })?;
        (fitted.model, Some(fitted.report.log_likelihood))
    };
    let spend = if args.known_params {
        true_gamma_gamma()?
    } else {
        stages
            .run("fit Gamma-Gamma (fit data)", || {
                data.fit_spend(&FitOptions::default())
            })?
            .model
    };
    let (customers, distinct) = (data.customers(), data.distinct());
    drop(data);
    let config = ClvConfig::lifetimes(TimeUnit::Days, 12, 0.01)?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| dir.join("scored.csv"));
    let scored = stages.run("read, score, write scored CSV", || {
        write_scores(
            chunks()?,
            &output,
            |t| value_table(&bgnbd, &spend, t, &config),
            |_| (),
        )
    })?;
    let pipeline = pipeline_start.elapsed().as_secs_f64();
    let pipeline_peak = stages.rows[first_stage..]
        .iter()
        .map(|r| r.2)
        .fold(0.0, f64::max);
    let pipeline_stages: Vec<String> = stages.rows[first_stage..]
        .iter()
        .map(|(name, secs, _)| format!("{name} {secs:.2}"))
        .collect();
    let read_and_fit: f64 = stages.rows[first_stage..first_stage + 3]
        .iter()
        .map(|r| r.1)
        .sum();
    if !args.known_params {
        stages.rows.push((
            "whole process: read CSV + fit both".into(),
            read_and_fit,
            pipeline_peak,
        ));
    }
    if !args.json {
        println!(
            "{customers} customers ({distinct} distinct histories), RFM CSV -> scored CSV{}: \
             {pipeline:.3} s ({}), peak RSS {pipeline_peak:.0} MB = {:.0} bytes per customer; \
             total CLV {:.6e}",
            if args.known_params {
                " with known parameters (no fit)"
            } else {
                ""
            },
            pipeline_stages.join(", "),
            pipeline_peak * 1024.0 * 1024.0 / customers as f64,
            scored.total_clv,
        );
    }
    if args.pipeline_only {
        if args.output.is_none() {
            let _ = std::fs::remove_file(&output);
        }
        let _ = std::fs::remove_dir(&dir);
        return Ok(());
    }

    // the stages as scripts/compare_lifetimes.py times them: in memory, the CSV read apart
    let table = stages.run("read RFM CSV", || {
        CustomerTable::from_csv_path(&input, &csv_options)
    })?;
    if !args.known_params {
        stages.run("fit BG/NBD", || BgNbd::fit(&table, &FitOptions::default()))?;
        stages.run("fit Gamma-Gamma", || {
            GammaGamma::fit(&table, &FitOptions::default())
        })?;
    }
    let scores = stages.run("value table (all scores)", || {
        value_table(&bgnbd, &spend, &table, &config)
    })?;
    drop(scores);
    let horizon = Duration::days(30.0);
    let (p_alive, expected) = stages.run("P(alive) + expected purchases", || {
        // row by row or per distinct (x, t_x, T), whichever the model says is cheaper
        alive_and_expected(&bgnbd, &table, horizon)
    });
    let clv = stages.run("12-month CLV", || {
        lifetime_value(&bgnbd, &spend, &table, &config)
    })?;
    // Pareto/NBD, for the comparison with lifetimes' ParetoNBDFitter (outside the pipeline)
    let pareto = if args.pareto_nbd {
        let fitted = stages.run("fit Pareto/NBD", || {
            ParetoNbd::fit(&table, &FitOptions::default())
        })?;
        Some((fitted.model.params(), fitted.report.log_likelihood))
    } else {
        None
    };
    let total = start.elapsed().as_secs_f64();

    if args.json {
        let timings: serde_json::Map<String, serde_json::Value> = stages
            .rows
            .iter()
            .map(|(n, s, _)| (n.clone(), (*s).into()))
            .collect();
        let report = serde_json::json!({
            "customers": table.len(),
            "distinct_histories": distinct,
            "seconds": timings,
            "pipeline_seconds": pipeline,
            "pipeline_peak_mb": pipeline_peak,
            "bgnbd": bgnbd.params(),
            "gamma_gamma": [spend.p(), spend.q(), spend.gamma()],
            "sum_p_alive": p_alive.sum(),
            "sum_expected_purchases_30_days": expected.sum(),
            "sum_clv_12_months": clv.sum(),
            "bgnbd_log_likelihood": bgnbd_log_likelihood,
            "pareto_nbd": pareto.as_ref().map(|p| p.0.clone()),
            "pareto_nbd_log_likelihood": pareto.as_ref().map(|p| p.1),
        });
        println!("{report}");
    } else {
        println!("BG/NBD {bgnbd:?}, Gamma-Gamma {spend:?}");
        println!(
            "all stages {total:.3} s; scores written to {}",
            output.display()
        );
    }
    if args.output.is_none() {
        let _ = std::fs::remove_file(&output);
    }
    let _ = std::fs::remove_dir(&dir);
    Ok(())
}
